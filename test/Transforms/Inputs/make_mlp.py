#!/usr/bin/env python3
"""Writes a two-layer MLP (256 -> 256 relu -> 10) with seeded weights in the
rapid dialect, and calibration inputs for it: make_mlp.py model.mlir
calib.npy."""
import sys

import numpy as np


def dense(a):
    if a.ndim == 1:
        return "[" + ", ".join(f"{v:.6e}" for v in a) + "]"
    return "[" + ", ".join(dense(r) for r in a) + "]"


rng = np.random.default_rng(7)
w1 = (rng.standard_normal((256, 256)) / 16).astype(np.float32)
w2 = (rng.standard_normal((10, 256)) / 16).astype(np.float32)
with open(sys.argv[1], "w") as f:
    f.write(f"""func.func @mlp(%x: tensor<1x256xf32> {{rapid.name = "x"}}) -> (tensor<1x10xf32> {{rapid.name = "y"}}) {{
  %w1 = rapid.constant dense<{dense(w1)}> : tensor<256x256xf32>
  %h = rapid.gemm %x, %w1 transpose_b act relu : (tensor<1x256xf32>, tensor<256x256xf32>) -> tensor<1x256xf32> loc("fc1")
  %w2 = rapid.constant dense<{dense(w2)}> : tensor<10x256xf32>
  %y = rapid.gemm %h, %w2 transpose_b : (tensor<1x256xf32>, tensor<10x256xf32>) -> tensor<1x10xf32> loc("fc2")
  return %y : tensor<1x10xf32>
}}
""")
np.save(sys.argv[2], rng.standard_normal((64, 256)).astype(np.float32))
