#!/usr/bin/env python3
"""End-to-end agreement of rapid with onnxruntime and PyTorch on the model
zoo: each model is compiled once per precision (rapidc --precision), K seeded
random inputs run through rapid-sim and through onnxruntime (tools/ort/run.mjs,
one session for all K seeds) and, where the zoo's PyTorch model can be rebuilt
(python/zoo.py), through torch; per model and precision it prints the largest
relative error (max |sim - ref| / max |ref| of each input, the largest over
the inputs), the top-1 agreement rate and the times.

    /usr/bin/python3 bench/zoo_agreement.py [BUILD_DIR] [--models M[:K],...]
        [-K N] [--seed S] [--precision P ...] [--no-torch] [--jobs N]
        [--check] [--json FILE]

Inputs are onnxruntime's seeded standard-normal tensors (run.mjs --seed S
--count K: seeds S..S+K-1), so every run of the script sees the same inputs.
A precision is a rapidc --precision policy, optionally with extra rapidc
options after a colon ("int4:--activation-clip=max"); the integer and auto
policies calibrate on --calibration-inputs other standard-normal inputs
(numpy, seed 1000), never the compared ones.
Models come from BUILD_DIR/model-cache/<model>-opset17.onnx (python/zoo.py
exports those missing).
--check exits 1 unless every fp32 row is within --fp32-rtol of onnxruntime
and every fp16 row agrees on the top-1 class for at least --min-agreement of
the inputs and is within --fp16-rtol (docs/benchmarks.md, "End-to-end
agreement with onnxruntime and torch"; the ctest zoo-agreement runs it).
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))

ZOO = ("lenet5", "mlp", "lstm", "resnet18", "mobilenetv2", "alexnet",
       "resnet50", "vgg16")


def stem(name):
    """run.mjs's file-name form of a tensor name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def graph_io(path):
    """The model's (runtime) input names and its output names."""
    import onnx
    g = onnx.load(path, load_external_data=False).graph
    inits = {t.name for t in g.initializer}
    return ([i.name for i in g.input if i.name not in inits],
            [o.name for o in g.output])


def rel_error(ref, act):
    ref = ref.astype(np.float64)
    act = act.astype(np.float64)
    if ref.shape != act.shape:
        raise RuntimeError(f"shapes differ: {ref.shape} vs {act.shape}")
    return float(np.abs(ref - act).max() / max(np.abs(ref).max(), 1e-30))


def compare(refs, acts):
    """Largest relative error over the inputs and the top-1 agreement rate
    (over the first output, flattened)."""
    err = max(rel_error(r, a) for r, a in zip(refs, acts))
    agree = float(np.mean([int(np.argmax(r) == np.argmax(a))
                           for r, a in zip(refs, acts)]))
    return err, agree


def run(cmd, what):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"zoo_agreement.py: {what} failed ({r.returncode}):\n"
                 f"$ {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    return r


def torch_outputs(name, inputs):
    """The zoo's PyTorch model of `name` on the inputs (one array each), or
    (None, why) when it cannot be rebuilt."""
    try:
        import torch
        import zoo
    except ImportError as e:
        return None, f"no torch ({e})"
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = zoo.build(name, torch)
    model.eval()
    zoo.prepare(name, model, torch, accuracy=False)
    outs = []
    with torch.no_grad():
        for i in range(0, len(inputs), 8):
            x = torch.from_numpy(np.concatenate(inputs[i:i + 8]))
            y = model(x).numpy()
            outs.extend(y[j:j + 1] for j in range(len(y)))
    return outs, ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--models", default=",".join(ZOO),
                    help="comma-separated MODEL or MODEL:K (K inputs for "
                         "that model); default: the whole zoo")
    ap.add_argument("-K", "--inputs", type=int, default=100,
                    help="random inputs per model (default 100)")
    ap.add_argument("--seed", type=int, default=0, help="the first seed")
    ap.add_argument("--precision", action="append",
                    help="rapidc --precision values (default: fp32, fp16)")
    ap.add_argument("--no-torch", action="store_true",
                    help="compare with onnxruntime only")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="rapid-sim processes at a time")
    ap.add_argument("--cache", default=None,
                    help="model folder (default BUILD_DIR/model-cache)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a bound below is not met")
    ap.add_argument("--fp32-rtol", type=float, default=1e-4)
    ap.add_argument("--fp16-rtol", type=float, default=5e-3)
    ap.add_argument("--min-agreement", type=float, default=0.99)
    ap.add_argument("--json", help="also write the rows to this file")
    ap.add_argument("--calibration-inputs", type=int, default=64,
                    help="calibration inputs of the integer policies")
    args = ap.parse_args()
    precisions = args.precision or ["fp32", "fp16"]
    cache = args.cache or os.path.join(args.build, "model-cache")
    plan = []
    for item in args.models.split(","):
        name, _, k = item.partition(":")
        plan.append((name, int(k) if k else args.inputs))
    rapidc = os.path.join(args.build, "bin", "rapidc")
    sim = os.path.join(args.build, "bin", "rapid-sim")
    ort = os.path.join(ROOT, "tools", "ort", "run.mjs")

    print(f"{'model':<12} {'prec':<12} {'K':>4} {'err vs ort':>11} "
          f"{'top-1 ort':>10} {'err vs torch':>13} {'top-1 torch':>12} "
          f"{'compile':>8} {'sim/input':>10}", flush=True)
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, k in plan:
            path = os.path.join(cache, f"{name}-opset17.onnx")
            if not os.path.exists(path):   # export it, as check_zoo.py does
                run([sys.executable, os.path.join(ROOT, "python", "zoo.py"),
                     name, "--opset", "17", "--cache", cache],
                    f"python/zoo.py {name}")
            in_names, out_names = graph_io(path)
            work = os.path.join(tmp, name)
            ortdir = os.path.join(work, "ort")
            t0 = time.time()
            run(["node", ort, path, "--output-dir", ortdir, "--seed",
                 str(args.seed), "--count", str(k), "--threads", "1"],
                "onnxruntime")
            t_ort = time.time() - t0
            dirs = ([os.path.join(ortdir, f"seed{args.seed + i}")
                     for i in range(k)] if k > 1 else [ortdir])
            inputs = [{n: os.path.join(d, f"input_{stem(n)}.npy")
                       for n in in_names} for d in dirs]
            refs = [np.load(os.path.join(d, f"output_{stem(out_names[0])}.npy"))
                    for d in dirs]
            tref, why = (None, "--no-torch") if args.no_torch else \
                torch_outputs(name, [np.load(i[in_names[0]]) for i in inputs]) \
                if len(in_names) == 1 else (None, "more than one input")
            torch_vs_ort = compare(refs, tref) if tref is not None else None
            for spec in precisions:
                p, _, extra = spec.partition(":")
                binary = os.path.join(work, f"{name}_{len(rows)}.bin")
                cmd = [rapidc, path, "--precision", p, "-q", "-o", binary]
                if p.startswith("int") or p == "auto":
                    shape = np.load(inputs[0][in_names[0]]).shape
                    calib = os.path.join(work, "calib.npy")
                    rng = np.random.default_rng(1000)
                    np.save(calib, rng.standard_normal(
                        (args.calibration_inputs,) + shape[1:],
                        dtype=np.float32))
                    cmd += ["--calibration", calib]
                cmd += extra.split() if extra else []
                t0 = time.time()
                run(cmd, f"rapidc --precision {p} {name}")
                t_compile = time.time() - t0

                def simulate(i):
                    out = os.path.join(work, f"sim_{len(rows)}", str(i))
                    run([sim, binary, "-q", "--output-dir", out] +
                        [f"--input={n}={f}" for n, f in inputs[i].items()],
                        f"rapid-sim {name} {p} input {i}")
                    return np.load(os.path.join(out, f"{out_names[0]}.npy"))

                t0 = time.time()
                with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
                    acts = list(ex.map(simulate, range(k)))
                t_sim = time.time() - t0
                err, agree = compare(refs, acts)
                terr, tagree = compare(tref, acts) if tref is not None \
                    else (None, None)
                row = {"model": name, "precision": spec, "inputs": k,
                       "err_ort": err, "top1_ort": agree, "err_torch": terr,
                       "top1_torch": tagree, "compile_s": t_compile,
                       "sim_s_per_input": t_sim / k * args.jobs,
                       "sim_wall_s": t_sim, "ort_s": t_ort,
                       "torch_vs_ort": torch_vs_ort[0] if torch_vs_ort
                       else None, "torch_note": why}
                rows.append(row)
                tcol = (f"{terr:>13.2e} {100 * tagree:>11.1f}%"
                        if terr is not None else f"{'-':>13} {'-':>12}")
                print(f"{name:<12} {spec:<12} {k:>4} {err:>11.2e} "
                      f"{100 * agree:>9.1f}% {tcol} {t_compile:>7.1f}s "
                      f"{row['sim_s_per_input']:>9.2f}s", flush=True)
                p = spec
                if p == "fp32" and err > args.fp32_rtol:
                    failures.append(f"{name} fp32: error {err:.2e} vs "
                                    f"onnxruntime > {args.fp32_rtol:.0e}")
                if p == "fp16" and agree < args.min_agreement:
                    failures.append(f"{name} fp16: top-1 agreement "
                                    f"{100 * agree:.1f}% < "
                                    f"{100 * args.min_agreement:.0f}%")
                if p == "fp16" and err > args.fp16_rtol:
                    failures.append(f"{name} fp16: error {err:.2e} vs "
                                    f"onnxruntime > {args.fp16_rtol:.0e}")
            if torch_vs_ort:
                print(f"{name:<12} torch vs onnxruntime: error "
                      f"{torch_vs_ort[0]:.2e}, top-1 "
                      f"{100 * torch_vs_ort[1]:.1f}%", flush=True)
            elif tref is None:
                print(f"{name:<12} torch: not compared ({why})", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if args.check:
        for f in failures:
            print(f"FAIL: {f}")
        if failures:
            return 1
        print(f"zoo_agreement: {len(rows)} rows within the bounds (fp32 "
              f"<= {args.fp32_rtol:.0e}; fp16 <= {args.fp16_rtol:.0e}, "
              f"top-1 >= {100 * args.min_agreement:.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
