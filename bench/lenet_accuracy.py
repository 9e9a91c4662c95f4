#!/usr/bin/env python3
"""LeNet-5 on the full Fashion-MNIST test set, compiled by rapidc and run on
rapid-sim under each precision policy: top-1 accuracy against the fp32
accuracy the model records (models/lenet5_fashion.json, measured with
onnxruntime when it was trained; test/zoo/check_ort.py checks onnxruntime
still reproduces it), and each policy's speedup over fp16, predicted by the
cost model (rapidc --report-json) and simulated (rapid-sim's cycles).

    /usr/bin/python3 bench/lenet_accuracy.py [BUILD_DIR] [--batch N]
        [--precision P ...] [--limit N] [--calibration N] [--check]

A policy is a rapidc --precision value, optionally with extra rapidc
options after a colon, e.g. "int4:--weight-clip=max". The integer policies
calibrate on the first --calibration images of the training set (never the
test set). The model is compiled once per policy at minibatch N (rapidc
--minibatch) and rapid-sim runs the test set N images at a time.
--check fails unless int4 stays within 2 points of fp32 and every policy
predicts and simulates a speedup over fp16 of at least 1 where it claims
one (the integer and hfp8 policies).
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

DEFAULT = ["fp32", "fp16", "hfp8", "hybrid-fp8", "int8", "int4",
           "int4:--activation-clip=max", "int4:--weight-clip=max",
           "int4-biscaled", "int4-fpec", "int2", "auto:--tolerance=0.5"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--precision", action="append",
                    help="policies (default: " + ", ".join(DEFAULT) + ")")
    ap.add_argument("--limit", type=int, default=None,
                    help="the first N test images only")
    ap.add_argument("--calibration", type=int, default=512,
                    help="training images to calibrate on")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    policies = args.precision or DEFAULT
    model = os.path.join(ROOT, "models", "lenet5_fashion.onnx")
    recorded = json.load(open(os.path.join(ROOT, "models",
                                           "lenet5_fashion.json")))
    fp32 = recorded["test_accuracy_fp32"]
    images, labels = fashion_mnist.load("test", limit=args.limit)
    calib, calib_labels = fashion_mnist.load("train", limit=args.calibration)
    n = len(labels) - len(labels) % args.batch
    if n == 0:
        sys.exit("lenet_accuracy.py: fewer test images than one batch")
    rapidc = os.path.join(args.build, "bin", "rapidc")
    sim = os.path.join(args.build, "bin", "rapid-sim")
    print(f"LeNet-5, Fashion-MNIST test set: {n} images in batches of "
          f"{args.batch}; fp32 top-1 {100 * fp32:.2f}% (recorded); "
          f"integer policies calibrated on {len(calib)} training images")
    print(f"{'policy':<28} {'top-1':>8} {'vs fp32':>8} {'predicted':>10} "
          f"{'simulated':>10} {'compile':>8} {'simulate':>9}")
    print(f"{'':<28} {'':>8} {'':>8} {'vs fp16':>10} {'vs fp16':>10}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        calib_path = os.path.join(tmp, "calib.npy")
        np.save(calib_path, calib)
        labels_path = os.path.join(tmp, "calib_labels.npy")
        np.save(labels_path, calib_labels.astype(np.float32))
        for spec in policies:
            policy, _, extra = spec.partition(":")
            binary = os.path.join(tmp, "lenet.bin")
            report = os.path.join(tmp, "report.json")
            cmd = [rapidc, model, "--minibatch", str(args.batch),
                   "--precision", policy, "--report-json", report, "-q",
                   "-o", binary]
            if policy.startswith("int") or policy == "auto":
                cmd += ["--calibration", calib_path,
                        "--calibration-labels", labels_path]
            cmd += extra.split() if extra else []
            t0 = time.time()
            subprocess.run(cmd, check=True)
            t1 = time.time()
            predicted = json.load(open(report))["cycles"]
            correct = 0
            simulated = 0.0
            for start in range(0, n, args.batch):
                x = os.path.join(tmp, "x.npy")
                np.save(x, images[start:start + args.batch])
                out = os.path.join(tmp, "out")
                stats = os.path.join(tmp, "stats.json")
                subprocess.run([sim, binary, "--input", f"image={x}",
                                "--output-dir", out, "--report-json", stats,
                                "-q"], check=True)
                if start == 0:
                    simulated = json.load(open(stats))["cycles"]
                logits = np.load(os.path.join(out, "logits.npy"))
                correct += int((logits.argmax(1) ==
                                labels[start:start + args.batch]).sum())
            t2 = time.time()
            acc = correct / n
            rows.append({"policy": spec, "accuracy": acc,
                         "predicted": predicted, "simulated": simulated})
            print(f"{spec:<28} {100 * acc:>7.2f}% {100 * (acc - fp32):>+8.2f} "
                  f"{'':>10} {'':>10} {t1 - t0:>7.1f}s {t2 - t1:>8.1f}s",
                  flush=True)
    base = next((r for r in rows if r["policy"] == "fp16"), None)
    print("\npolicy                       top-1   vs fp32  predicted speedup "
          "over fp16  simulated speedup over fp16")
    for r in rows:
        pred = base["predicted"] / r["predicted"] if base else float("nan")
        simd = base["simulated"] / r["simulated"] if base else float("nan")
        r["predicted_speedup"], r["simulated_speedup"] = pred, simd
        print(f"{r['policy']:<28} {100 * r['accuracy']:>6.2f}% "
              f"{100 * (r['accuracy'] - fp32):>+7.2f}  {pred:>10.2f}x"
              f"{'':>16}{simd:>10.2f}x")
    if args.check:
        bad = []
        for r in rows:
            if r["policy"] == "int4" and r["accuracy"] < fp32 - 0.02:
                bad.append(f"int4 top-1 {100 * r['accuracy']:.2f}% is more "
                           f"than 2 points below fp32's {100 * fp32:.2f}%")
            if base and r["policy"].split(":")[0] in (
                    "int8", "int4", "int4-biscaled", "int4-fpec", "int2",
                    "hfp8") and (
                    r["predicted_speedup"] < 1 or r["simulated_speedup"] < 1):
                bad.append(f"{r['policy']}: no speedup over fp16 "
                           f"(predicted {r['predicted_speedup']:.2f}x, "
                           f"simulated {r['simulated_speedup']:.2f}x)")
        if bad:
            sys.exit("lenet_accuracy.py: " + "; ".join(bad))
    return rows


if __name__ == "__main__":
    main()
