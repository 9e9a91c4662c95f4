#!/usr/bin/env python3
"""Cost-model fidelity: for every layer of the zoo models compiled for an
architecture (default rapid-core), the waveform cost model's predicted cycles
(carried in model.bin, the same numbers `rapidc --report` prints) against the
cycles rapid-sim counts for the layer when it runs the program.

    /usr/bin/python3 bench/cost_fidelity.py [BUILD_DIR] [--arch A]
        [--model NAME ...] [--bound 0.10] [--worst N] [--json FILE] [--check]

Prints, per model, the number of priced layers, how many are within the
bound, the median, 90th percentile and largest relative error
|predicted - simulated| / simulated, and the predicted and simulated totals;
then the distribution over all layers and the worst layers. The input is a
seeded random tensor: cycles do not depend on values. With --check (the
ctest `cost-fidelity` on a fixed set of models), exits 1 when any layer is
beyond the bound.
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
ZOO = ["lenet5", "mlp", "alexnet", "vgg16", "resnet18", "resnet50",
       "mobilenetv2", "lstm"]


def percentile(values, q):
    return float(np.percentile(np.array(values), q)) if values else 0.0


def run_model(build, name, arch, tmp):
    """Compiles and simulates one zoo model; the layer rows of rapid-sim's
    report (priced layers only)."""
    cache = os.path.join(build, "model-cache")
    onnx = os.path.join(cache, f"{name}-opset17.onnx")
    if not os.path.exists(onnx):  # export it, as test/zoo/check_zoo.py does
        subprocess.run([sys.executable, os.path.join(ROOT, "python", "zoo.py"),
                        name, "--opset", "17", "--cache", cache], check=True)
    binary = os.path.join(tmp, f"{name}.bin")
    t0 = time.time()
    subprocess.run([os.path.join(build, "bin", "rapidc"), onnx, "--arch",
                    arch, "-q", "-o", binary], check=True)
    t1 = time.time()
    asm = subprocess.run([os.path.join(build, "bin", "rapid-translate"),
                          "--bin-to-asm", binary], check=True,
                         capture_output=True, text=True).stdout
    inputs = []
    rng = np.random.RandomState(1)
    for line in asm.splitlines():
        if line.startswith(".tensor input"):
            fields = dict(w.split("=", 1) for w in line.split()[2:])
            shape = [int(d) for d in fields["shape"].split("x")]
            path = os.path.join(tmp, f"{name}_in{len(inputs)}.npy")
            np.save(path, rng.randn(*shape).astype(np.float32))
            inputs += ["--input", f"{fields['name'].strip(chr(34))}={path}"]
    report = os.path.join(tmp, f"{name}.json")
    subprocess.run([os.path.join(build, "bin", "rapid-sim"), binary, *inputs,
                    "--output-dir", os.path.join(tmp, name), "--report-json",
                    report, "-q"], check=True)
    t2 = time.time()
    data = json.load(open(report))
    rows = [l for l in data["layers"] if "error" in l]
    # PE-array work without a prediction: a layer the cost model lost.
    unpriced = [l["name"] for l in data["layers"]
                if l["macs"] > 0 and "error" not in l]
    return rows, unpriced, t1 - t0, t2 - t1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--arch", default="rapid-core")
    ap.add_argument("--model", action="append",
                    help="zoo models (default: all of " + ", ".join(ZOO) + ")")
    ap.add_argument("--bound", type=float, default=0.10)
    ap.add_argument("--worst", type=int, default=10)
    ap.add_argument("--json", help="write every layer's numbers here")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless every priced layer is within the "
                         "bound (and there is at least one)")
    args = ap.parse_args()
    models = args.model or ZOO
    print(f"cost-model fidelity on {args.arch}: |predicted - simulated| / "
          f"simulated per priced layer (bound {100 * args.bound:.0f}%)")
    print(f"{'model':<12} {'layers':>6} {'within':>7} {'median':>7} "
          f"{'p90':>7} {'max':>7} {'predicted':>12} {'simulated':>12} "
          f"{'total err':>9} {'compile':>8} {'sim':>6}")
    every, lost = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name in models:
            rows, unpriced, tc, ts = run_model(args.build, name, args.arch,
                                               tmp)
            lost += [f"{name}: {n}" for n in unpriced]
            errors = [r["error"] for r in rows]
            pred = sum(r["predicted_cycles"] for r in rows)
            sim = sum(r["simulated_cycles"] for r in rows)
            within = sum(e <= args.bound for e in errors)
            print(f"{name:<12} {len(rows):>6} {within:>7} "
                  f"{100 * percentile(errors, 50):>6.1f}% "
                  f"{100 * percentile(errors, 90):>6.1f}% "
                  f"{100 * max(errors, default=0):>6.1f}% {pred:>12.0f} "
                  f"{sim:>12.0f} {100 * abs(pred - sim) / max(sim, 1):>8.1f}% "
                  f"{tc:>7.1f}s {ts:>5.1f}s")
            for r in rows:
                every.append(dict(r, model=name))
    errors = [r["error"] for r in every]
    within = sum(e <= args.bound for e in errors)
    print(f"all: {len(errors)} layers, {within} within "
          f"{100 * args.bound:.0f}% ({100 * within / max(len(errors), 1):.1f}"
          f"%), median {100 * percentile(errors, 50):.1f}%, p90 "
          f"{100 * percentile(errors, 90):.1f}%, max "
          f"{100 * max(errors, default=0):.1f}%")
    print(f"worst {args.worst}:")
    for r in sorted(every, key=lambda r: -r["error"])[:args.worst]:
        print(f"  {r['model']:<12} {r['name'][-40:]:<40} predicted "
              f"{r['predicted_cycles']:>10.0f} simulated "
              f"{r['simulated_cycles']:>10.0f} ({100 * r['error']:.1f}%)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(every, f, indent=1)
    for n in lost:
        print(f"no prediction for a layer with MACs: {n}")
    if args.check and (not errors or within != len(errors) or lost):
        print(f"cost_fidelity.py: {len(errors) - within} of {len(errors)} "
              f"layers beyond {100 * args.bound:.0f}%, {len(lost)} not "
              f"priced", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
