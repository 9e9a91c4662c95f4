#!/usr/bin/env python3
"""rapid-sim's speed against onnxruntime (fp32, 1 thread) on the same
models, measured in one run: each model is compiled once by rapidc (FP16,
rapid-core); then, in --rounds rounds (interleaved, so that both see the
same load on a shared machine), onnxruntime runs it on a seeded input
(tools/ort/run.mjs: --repeat runs after 2 warm-up runs, session creation
excluded) and rapid-sim runs the compiled program on the same input once
with each --threads value (the time rapid-sim reports: loading and checking
model.bin, the run, writing the outputs). Each side's best time counts.

    /usr/bin/python3 bench/sim_speed.py [BUILD_DIR] [--model NAME ...]
        [--threads N ...] [--repeat N] [--rounds N] [--sim PATH]

Models are build/model-cache/<NAME>-opset17.onnx (default: resnet50,
resnet18, mobilenetv2). Issue 7 asks for ResNet-50 within 10 times
onnxruntime.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ort_run(model, out, repeat):
    """onnxruntime's best run time (ms), its input and output files."""
    r = subprocess.run(["node", os.path.join(ROOT, "tools", "ort", "run.mjs"),
                        model, "--output-dir", out, "--seed", "1",
                        "--threads", "1", "--warmup", "2",
                        "--repeat", str(repeat)],
                       check=True, capture_output=True, text=True)
    m = re.search(r"\(min ([0-9.]+),", r.stdout + r.stderr)
    if not m:
        sys.exit(f"sim_speed.py: cannot read run.mjs's time: {r.stdout}")
    files = sorted(os.listdir(out))
    inputs = [f for f in files if f.startswith("input_")]
    outputs = [f for f in files if f.startswith("output_")]
    return float(m.group(1)), inputs, outputs


def sim_run(sim, binary, bindings, out, threads):
    """rapid-sim's reported time (s) and the process's wall time (s)."""
    t0 = time.time()
    r = subprocess.run([sim, binary, *bindings, "--output-dir", out,
                        "--threads", str(threads)],
                       check=True, capture_output=True, text=True)
    wall = time.time() - t0
    m = re.search(r"in ([0-9.]+) s$", r.stderr.strip())
    if not m:
        sys.exit(f"sim_speed.py: cannot read rapid-sim's time: {r.stderr}")
    return float(m.group(1)), wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--model", action="append",
                    help="model-cache name (default: resnet50, resnet18, "
                    "mobilenetv2)")
    ap.add_argument("--threads", type=int, action="append",
                    help="rapid-sim --threads values (default: 1, 2)")
    ap.add_argument("--repeat", type=int, default=10,
                    help="onnxruntime runs per round")
    ap.add_argument("--rounds", type=int, default=5,
                    help="rounds of onnxruntime and rapid-sim runs")
    ap.add_argument("--sim", help="the rapid-sim to time (default: "
                    "BUILD_DIR/bin/rapid-sim)")
    args = ap.parse_args()
    models = args.model or ["resnet50", "resnet18", "mobilenetv2"]
    threads = args.threads or [1, 2]
    rapidc = os.path.join(args.build, "bin", "rapidc")
    sim = args.sim or os.path.join(args.build, "bin", "rapid-sim")
    header = f"{'model':<12} {'onnxruntime':>12}"
    for t in threads:
        header += f" {f'rapid-sim -t{t}':>15} {'ratio':>7}"
    header += f" {'max rel. err':>13}"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        binaries = {}
        for name in models:
            onnx = os.path.join(args.build, "model-cache",
                                f"{name}-opset17.onnx")
            binaries[name] = os.path.join(tmp, f"{name}.bin")
            t0 = time.time()
            subprocess.run([rapidc, onnx, "-q", "-o", binaries[name]],
                           check=True)
            print(f"compiled {name} in {time.time() - t0:.1f} s", flush=True)
        print(header)
        for name in models:
            onnx = os.path.join(args.build, "model-cache",
                                f"{name}-opset17.onnx")
            ort_dir = os.path.join(tmp, f"{name}.ort")
            ort_ms, sim_s = float("inf"), {t: float("inf") for t in threads}
            for _ in range(args.rounds):
                ms, inputs, outputs = ort_run(onnx, ort_dir, args.repeat)
                ort_ms = min(ort_ms, ms)
                bindings = []
                for f in inputs:
                    bindings += ["--input", f"{f[len('input_'):-4]}="
                                 f"{os.path.join(ort_dir, f)}"]
                for t in threads:
                    out = os.path.join(tmp, f"{name}.sim{t}")
                    sim_s[t] = min(sim_s[t], sim_run(sim, binaries[name],
                                                     bindings, out, t)[0])
            line = f"{name:<12} {ort_ms:>9.1f} ms"
            row = {"model": name, "ort_ms": ort_ms}
            err = 0.0
            for t in threads:
                out = os.path.join(tmp, f"{name}.sim{t}")
                s = sim_s[t]
                row[f"sim{t}_s"] = s
                line += f" {1000 * s:>12.0f} ms {1000 * s / ort_ms:>6.1f}x"
                for f in outputs:
                    ref = np.load(os.path.join(ort_dir, f))
                    got = np.load(os.path.join(out, f[len("output_"):]))
                    err = max(err, float(np.abs(got - ref).max() /
                                         np.abs(ref).max()))
            line += f" {err:>13.1e}"
            print(line, flush=True)
            rows.append(row)
    return rows


if __name__ == "__main__":
    main()
