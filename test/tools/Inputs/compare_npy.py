"""Compares two .npy arrays: prints the largest error relative to the
reference's largest magnitude and both argmaxes; exits 1 when the error
exceeds --rtol or the argmaxes differ."""
import argparse
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("reference")
p.add_argument("actual")
p.add_argument("--rtol", type=float, required=True)
a = p.parse_args()
ref = np.load(a.reference).astype(np.float64)
act = np.load(a.actual).astype(np.float64)
if ref.shape != act.shape:
    print(f"shapes differ: {ref.shape} vs {act.shape}")
    sys.exit(1)
err = float(np.abs(ref - act).max() / max(np.abs(ref).max(), 1e-30))
ok = err <= a.rtol and ref.argmax() == act.argmax()
print(f"shape {'x'.join(map(str, ref.shape))}: relative error {err:.2e} "
      f"(bound {a.rtol:.0e}), argmax {ref.argmax()} vs {act.argmax()}: "
      f"{'match' if ok else 'MISMATCH'}")
sys.exit(0 if ok else 1)
