#!/usr/bin/env python3
"""LeNet-5 on the full Fashion-MNIST test set, compiled by rapidc and run on
rapid-sim in each precision: top-1 accuracy against the fp32 accuracy the
model records (models/lenet5_fashion.json, measured with onnxruntime when it
was trained; test/zoo/check_ort.py checks onnxruntime still reproduces it).

    /usr/bin/python3 bench/lenet_accuracy.py [BUILD_DIR] [--batch N]
        [--precision P ...] [--limit N]

The model is compiled once per precision at minibatch N (rapidc
--minibatch) and rapid-sim runs the test set N images at a time.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
import fashion_mnist  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--precision", action="append",
                    help="rapidc --precision values (default: fp16, hfp8)")
    ap.add_argument("--limit", type=int, default=None,
                    help="the first N test images only")
    args = ap.parse_args()
    precisions = args.precision or ["fp16", "hfp8"]
    model = os.path.join(ROOT, "models", "lenet5_fashion.onnx")
    recorded = json.load(open(os.path.join(ROOT, "models",
                                           "lenet5_fashion.json")))
    fp32 = recorded["test_accuracy_fp32"]
    images, labels = fashion_mnist.load("test", limit=args.limit)
    n = len(labels) - len(labels) % args.batch
    if n == 0:
        sys.exit("lenet_accuracy.py: fewer test images than one batch")
    rapidc = os.path.join(args.build, "bin", "rapidc")
    sim = os.path.join(args.build, "bin", "rapid-sim")
    print(f"LeNet-5, Fashion-MNIST test set: {n} images in batches of "
          f"{args.batch}; fp32 top-1 {100 * fp32:.2f}% (recorded)")
    print(f"{'precision':<10} {'top-1':>8} {'vs fp32':>9} {'compile':>8} "
          f"{'simulate':>9}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for p in precisions:
            binary = os.path.join(tmp, f"lenet_{p}.bin")
            t0 = time.time()
            subprocess.run([rapidc, model, "--minibatch", str(args.batch),
                            "--precision", p, "-q", "-o", binary], check=True)
            t1 = time.time()
            correct = 0
            for start in range(0, n, args.batch):
                x = os.path.join(tmp, "x.npy")
                np.save(x, images[start:start + args.batch])
                out = os.path.join(tmp, "out")
                subprocess.run([sim, binary, "--input", f"image={x}",
                                "--output-dir", out, "-q"], check=True)
                logits = np.load(os.path.join(out, "logits.npy"))
                correct += int((logits.argmax(1) ==
                                labels[start:start + args.batch]).sum())
            t2 = time.time()
            acc = correct / n
            rows.append((p, acc))
            print(f"{p:<10} {100 * acc:>7.2f}% {100 * (acc - fp32):>+8.2f} "
                  f"{t1 - t0:>7.1f}s {t2 - t1:>8.1f}s", flush=True)
    return rows


if __name__ == "__main__":
    main()
