#!/usr/bin/env python3
"""Runs the reference executor (tools/ort/run.mjs, onnxruntime) on the trained
LeNet-5 over the first 50 Fashion-MNIST test images and checks that it agrees
with the labels as often as the recorded accuracy says it should (within
+-10 points on so few images), and that every output is a finite 1x10.

    /usr/bin/python3 test/zoo/check_ort.py [--count N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
import fashion_mnist  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=50)
    args = ap.parse_args()
    model = os.path.join(ROOT, "models", "lenet5_fashion.onnx")
    recorded = json.load(open(os.path.join(ROOT, "models", "lenet5_fashion.json")))
    images, labels = fashion_mnist.load("test", limit=args.count)
    correct = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.count):
            path = os.path.join(tmp, f"image{i}.npy")
            np.save(path, images[i:i + 1].astype(np.float32))
            out = os.path.join(tmp, f"out{i}")
            r = subprocess.run(["node", os.path.join(ROOT, "tools", "ort", "run.mjs"),
                                model, "--input", f"image={path}",
                                "--output-dir", out, "--threads", "1"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL: run.mjs on image {i}: {r.stderr.strip()}")
                return 1
            logits = np.load(os.path.join(out, "output_logits.npy"))
            if logits.shape != (1, 10) or not np.all(np.isfinite(logits)):
                print(f"FAIL: image {i}: logits {logits.shape} {logits}")
                return 1
            correct += int(np.argmax(logits) == labels[i])
    accuracy = 100.0 * correct / args.count
    expected = recorded.get("test_accuracy_fp32")
    if expected is not None and expected <= 1.0:
        expected *= 100.0
    print(f"onnxruntime on {args.count} test images: {correct} correct "
          f"({accuracy:.1f}%), recorded full-test accuracy {expected}")
    if expected is not None and abs(accuracy - expected) > 10.0:
        print("FAIL: accuracy far from the recorded one")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
