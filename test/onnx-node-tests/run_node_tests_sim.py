#!/usr/bin/env python3
"""Runs the ONNX conformance node tests of Debian's libonnx-testdata whose ops
the importer supports through rapidc and rapid-sim, and checks the outputs.

Test selection and input binding are run_node_tests.py's (same directory):
every selected test that imports is compiled with

    rapidc BOUND.onnx -o model.bin --precision P [the test's --input-shape flags]

(BOUND.onnx is the test model with its integer inputs turned into
initializers), each test_data_set_*/input_*.pb that stays a runtime input is
written as .npy (onnx.numpy_helper), the program runs on rapid-sim, and every
output is compared with output_*.pb. A data set whose bound (initializer)
inputs differ from test_data_set_0's cannot run on the bound model and is
skipped.

Every test lands in one category:
  pass             every output of every data set within tolerance
  wrong result     an output outside tolerance, of the wrong shape, or missing
  import refused   the importer rejects it (run_node_tests.py checks why)
  compile refused  rapidc exits non-zero with an "error:" message
  sim error        rapid-sim exits non-zero with an "error:" message
  crash            a signal, a stack dump, a non-zero exit without an "error:"
                   message, or a hang past the time limit: always a bug

Tolerance: an element passes when |sim - ref| <= atol + rtol * |ref| with
atol = rtol_abs * max|ref| (NaN must match NaN, infinities must match).

  fp16 (rapidc's default: fp16 storage, fp32 accumulation): rtol = 1e-2,
    rtol_abs = 1e-3. Every tensor the accelerator stores (inputs, weights,
    each op's result) is rounded to fp16, whose unit roundoff is
    2^-11 = 4.9e-4; a test chains a few such roundings (input, weights,
    intermediate and output) and the SFU's transcendental approximations, so
    1e-2 leaves ~20 roundings of headroom while still catching a wrong
    formula, a wrong axis or a wrong element. Relative error is unbounded
    where the reference is small from cancellation (a sum or convolution
    of mixed-sign fp16-rounded terms), hence an absolute term of 1e-3 of the
    output's largest magnitude (about 2 fp16 ulps of it); 2^-14 (fp16's
    smallest normal) is its floor, as smaller values may flush to zero.
  fp32 (when rapidc offers --precision fp32): rtol = 1e-4, rtol_abs = 1e-5,
    floor 1e-30: fp32 rounding (6e-8) times a generous chain and
    reassociated accumulation.

Node tests feed the weights of Conv, ConvTranspose, Gemm, MatMul and LSTM
as graph inputs, which rapidc compiles only as constants (it refuses them
otherwise); --weights-as-constants binds them as initializers from
test_data_set_0, as a deployed model has them, so the layers run too.

Prints a summary: the counts per category and precision, a table per op
type, the compile and sim errors grouped by message, and every wrong-result
and crash test with the commands that reproduce it. Exit status 1 on any
crash or hang, or when a precision's pass count falls below its floor
(MIN_PASS or MIN_PASS_WEIGHTS_AS_CONSTANTS, or --min-pass /
--min-pass-fp32); --only runs a subset and checks no floor.

    /usr/bin/python3 test/onnx-node-tests/run_node_tests_sim.py BUILD_DIR
        [--weights-as-constants] [--precision fp16|fp32] [--data DIR]
        [--workdir DIR] [-j N] [--only REGEX] [-v]
"""

import argparse
import concurrent.futures
import os
import re
import shlex
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_node_tests import import_test, selected_tests, supported_ops  # noqa: E402

# Pass-count floors, measured (docs/benchmarks.md, "ONNX node tests through
# rapidc + rapid-sim"), without and with --weights-as-constants; None: no
# floor. Raise them as lowerings land.
MIN_PASS = {"fp16": 79, "fp32": 79}
MIN_PASS_WEIGHTS_AS_CONSTANTS = {"fp16": 97, "fp32": 97}

# (rtol, rtol_abs, atol floor) per precision; see the docstring.
TOLERANCE = {"fp16": (1e-2, 1e-3, 2.0 ** -14), "fp32": (1e-4, 1e-5, 1e-30)}

# --weights-as-constants: the inputs of these ops that are weights (and
# biases), by position; node tests feed them as graph inputs, which rapidc
# compiles only as constants.
WEIGHT_INPUTS = {"Conv": (1, 2), "ConvTranspose": (1, 2), "Gemm": (1, 2),
                 "MatMul": (1,), "LSTM": (1, 2, 3)}

COMPILE_TIMEOUT_S = 60
SIM_TIMEOUT_S = 60

CATEGORIES = ["pass", "wrong result", "import refused", "compile refused",
              "sim error", "crash"]


def precisions_offered(rapidc):
    """The --precision values rapidc's --help lists."""
    r = subprocess.run([rapidc, "--help"], capture_output=True, text=True)
    m = re.search(r"--precision=<([^>]*)>", r.stdout + r.stderr)
    return set(m.group(1).split("|")) if m else set()


def sim_file_name(name):
    """rapid-sim's output file name for an output (tools/rapid-sim)."""
    out = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_"
                  for c in name)
    return out or "output"


def read_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def first_error(stderr):
    """The first line that carries "error:", else the first line."""
    lines = [l for l in stderr.strip().splitlines() if l.strip()]
    for l in lines:
        if "error:" in l:
            return l.strip()
    return lines[0].strip() if lines else ""


def message_group(line, name, workdir):
    """A message with its test-specific parts (the file, layer names,
    numbers) taken out, to group errors by their kind."""
    line = re.sub(r"^\S*" + re.escape(name) + r"\S*?(:\d+)*: ", "", line)
    line = line.replace(workdir, "WORKDIR").replace(name, "TEST")
    line = re.sub(r"\S*WORKDIR\S*?:", "FILE:", line)
    line = re.sub(r"layer '[^']*'", "layer '…'", line)
    line = re.sub(r"\b\d+(x\d+)*\b", "N", line)
    return line


def run_tool(cmd, timeout):
    """Runs cmd; returns (status, returncode, stderr) with status "ok",
    "error" (non-zero exit with an "error:" message) or "crash" (a signal, a
    stack dump, a non-zero exit without "error:", or a timeout)."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return "crash", None, f"hang: no exit after {timeout} s"
    if r.returncode < 0 or "Stack dump" in r.stderr or \
            "PLEASE submit a bug report" in r.stderr:
        sig = -r.returncode if r.returncode < 0 else None
        what = f"signal {sig}" if sig else "stack dump"
        return "crash", r.returncode, f"{what}: {first_error(r.stderr)}"
    if r.returncode != 0:
        if "error:" not in r.stderr:
            return "crash", r.returncode, (
                f"exit {r.returncode} without an error message: "
                f"{first_error(r.stderr)}")
        return "error", r.returncode, r.stderr
    return "ok", 0, r.stderr


def compare(sim, ref, precision):
    """None when sim matches ref within the precision's tolerance, else why."""
    rtol, rtol_abs, floor = TOLERANCE[precision]
    if sim.shape != ref.shape:
        return f"shape {sim.shape}, expected {ref.shape}"
    ref = ref.astype(np.float64)
    sim = sim.astype(np.float64)
    if ref.size == 0:
        return None
    finite = np.isfinite(ref)
    bad = np.zeros(ref.shape, dtype=bool)
    bad |= np.isnan(ref) != np.isnan(sim)
    bad |= np.isinf(ref) & (sim != ref)
    scale = float(np.max(np.abs(ref[finite]))) if finite.any() else 0.0
    atol = max(rtol_abs * scale, floor)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(finite & np.isfinite(sim), np.abs(sim - ref), np.inf)
    bad |= finite & (err > atol + rtol * np.abs(ref))
    if not bad.any():
        return None
    i = np.unravel_index(np.argmax(np.where(bad, err, -1)), ref.shape)
    return (f"{int(bad.sum())} of {ref.size} elements off; worst at "
            f"{list(map(int, i))}: {sim[i]:.6g}, expected {ref[i]:.6g} "
            f"(max|ref| {scale:.4g})")


def run_test(job):
    """Imports, compiles and simulates one test at every precision; returns
    {precision: (category, detail, group, repro)} and the op key."""
    (name, test_dir, model, tools, workdir, precisions, wconst) = job
    translate, rapidc, sim = tools
    ops = "+".join(sorted({n.op_type for n in model.graph.node}))
    initialized = {t.name for t in model.graph.initializer}
    graph_inputs = [i.name for i in model.graph.input
                    if i.name not in initialized]
    constants = set()
    if wconst:
        for n in model.graph.node:
            constants |= {n.input[i] for i in WEIGHT_INPUTS.get(n.op_type, ())
                          if i < len(n.input) and n.input[i]}
    tdir = os.path.join(workdir, name + (".wconst" if wconst else ""))
    os.makedirs(tdir, exist_ok=True)
    bound_path, flags, status, detail = import_test(
        translate, name, test_dir, model, tdir, constants)
    if status != "ok":
        cat = "crash" if status == "crash" else "import refused"
        repro = shlex.join([translate, "--import-onnx", bound_path,
                            "-o", os.devnull] + flags)
        return ops, {p: (cat, detail, detail, repro) for p in precisions}
    runtime = {i.name for i in onnx.load(bound_path).graph.input}
    data_sets = sorted(d for d in os.listdir(test_dir)
                       if d.startswith("test_data_set_"))
    outputs = [o.name for o in model.graph.output]

    results = {}
    for precision in precisions:
        pdir = os.path.join(tdir, precision)
        os.makedirs(pdir, exist_ok=True)
        binary = os.path.join(pdir, "model.bin")
        if os.path.exists(binary):
            os.remove(binary)
        ccmd = [rapidc, bound_path, "-o", binary, "--precision", precision,
                "-q"] + flags
        st, rc, err = run_tool(ccmd, COMPILE_TIMEOUT_S)
        repro = shlex.join(ccmd)
        if st == "crash":
            results[precision] = ("crash", "rapidc: " + err, "rapidc", repro)
            continue
        if st == "error":
            line = first_error(err)
            results[precision] = ("compile refused", line,
                                  message_group(line, name, workdir), repro)
            continue
        if not os.path.isfile(binary):
            results[precision] = ("crash", "rapidc: exit 0 without " + binary,
                                  "rapidc", repro)
            continue
        verdict = ("pass", "", "", repro)
        ran = 0
        for ds in data_sets:
            ddir = os.path.join(test_dir, ds)
            scmd = [sim, binary, "--output-dir", os.path.join(pdir, ds, "out"),
                    "-q"]
            skip = False
            for k, iname in enumerate(graph_inputs):
                pb = os.path.join(ddir, f"input_{k}.pb")
                if iname not in runtime:
                    # Bound from data set 0: this data set must agree.
                    pb0 = os.path.join(test_dir, data_sets[0], f"input_{k}.pb")
                    with open(pb, "rb") as a, open(pb0, "rb") as b:
                        skip |= a.read() != b.read()
                    continue
                npy = os.path.join(pdir, ds, f"input_{k}.npy")
                os.makedirs(os.path.dirname(npy), exist_ok=True)
                np.save(npy, read_tensor(pb))
                scmd.append(f"--input={iname}={npy}")
            if skip:
                continue
            ran += 1
            full = repro + " && " + shlex.join(scmd)
            st, rc, err = run_tool(scmd, SIM_TIMEOUT_S)
            if st == "crash":
                verdict = ("crash", "rapid-sim: " + err, "rapid-sim", full)
                break
            if st == "error":
                line = first_error(err)
                verdict = ("sim error", line,
                           message_group(line, name, workdir), full)
                break
            used, why = set(), None
            for k, oname in enumerate(outputs):
                base = fname = sim_file_name(oname)
                i = 1
                while fname in used:
                    fname, i = f"{base}.{i}", i + 1
                used.add(fname)
                out = os.path.join(pdir, ds, "out", fname + ".npy")
                ref = read_tensor(os.path.join(ddir, f"output_{k}.pb"))
                if not os.path.isfile(out):
                    why = f"{ds}: output '{oname}' not written"
                    break
                why = compare(np.load(out), ref, precision)
                if why:
                    why = f"{ds}: output '{oname}': {why}"
                    break
            if why:
                verdict = ("wrong result", why, "", full)
                break
        if ran == 0 and verdict[0] == "pass":
            verdict = ("sim error", "no data set matches the bound inputs",
                       "no data set matches the bound inputs", repro)
        results[precision] = verdict
    return ops, results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    ap.add_argument("--workdir", default="/tmp/rapid-node-tests-sim")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--only", help="run only the tests whose name matches")
    ap.add_argument("--precision", action="append", choices=sorted(TOLERANCE),
                    help="run this precision (repeatable; default: fp16, "
                    "and fp32 when rapidc offers it)")
    ap.add_argument("--weights-as-constants", action="store_true",
                    help="bind the weight and bias inputs of Conv, "
                    "ConvTranspose, Gemm, MatMul and LSTM as initializers, "
                    "as a deployed model has them (its own floors: "
                    "MIN_PASS_WEIGHTS_AS_CONSTANTS)")
    ap.add_argument("--min-pass", type=int,
                    help="fail when fewer fp16 tests pass (default: the "
                    "floor in MIN_PASS or MIN_PASS_WEIGHTS_AS_CONSTANTS)")
    ap.add_argument("--min-pass-fp32", type=int,
                    help="fail when fewer fp32 tests pass (default: the "
                    "fp32 floor there)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every test's result and reproduce command")
    args = ap.parse_args()
    bindir = os.path.join(os.path.abspath(args.build), "bin")
    tools = tuple(os.path.join(bindir, t)
                  for t in ("rapid-translate", "rapidc", "rapid-sim"))
    for t in tools:
        if not os.access(t, os.X_OK):
            sys.exit(f"error: {t}: not found; build the project first")
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    offered = precisions_offered(tools[1])
    precisions = args.precision or [p for p in ("fp16", "fp32")
                                    if p in offered]
    missing = [p for p in precisions if p not in offered]
    if missing:
        sys.exit(f"error: rapidc does not offer --precision {missing[0]} "
                 f"(it offers {', '.join(sorted(offered))})")
    floors = dict(MIN_PASS_WEIGHTS_AS_CONSTANTS if args.weights_as_constants
                  else MIN_PASS)
    if args.min_pass is not None:
        floors["fp16"] = args.min_pass
    if args.min_pass_fp32 is not None:
        floors["fp32"] = args.min_pass_fp32

    start = time.time()
    supported = supported_ops(tools[0])
    jobs = [(name, d, m, tools, workdir, precisions,
             args.weights_as_constants)
            for name, d, m in selected_tests(args.data, supported)
            if not args.only or re.search(args.only, name)]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for job, (ops, res) in zip(jobs, pool.map(run_test, jobs)):
            results[job[0]] = (ops, res)
            if args.verbose:
                for p, (cat, detail, _, repro) in res.items():
                    print(f"{p} {cat:15} {job[0]}" +
                          (f": {detail}" if detail else ""))
                    if cat != "pass":
                        print(f"     $ {repro}")

    status = 0
    print(f"\nONNX node tests through rapidc + rapid-sim: {len(results)} "
          f"with supported ops, in {time.time() - start:.0f} s")
    if "fp32" not in offered:
        print("(fp32: rapidc does not offer --precision fp32; fp16 only)")
    # Counts per category.
    print("\n" + f"{'category':16}" + "".join(f"{p:>8}" for p in precisions))
    counts = {p: {c: 0 for c in CATEGORIES} for p in precisions}
    for ops, res in results.values():
        for p, (cat, *_rest) in res.items():
            counts[p][cat] += 1
    for c in CATEGORIES:
        print(f"{c:16}" + "".join(f"{counts[p][c]:>8}" for p in precisions))
    # Per op type.
    abbrev = {"pass": "pass", "wrong result": "wrong",
              "import refused": "imp-ref", "compile refused": "cmp-ref",
              "sim error": "sim-err", "crash": "crash"}
    for p in precisions:
        print(f"\nper op type, {p}:")
        print(f"  {'op':24}{'tests':>6}" +
              "".join(f"{abbrev[c]:>8}" for c in CATEGORIES))
        per_op = {}
        for ops, res in results.values():
            per_op.setdefault(ops, {c: 0 for c in CATEGORIES})[res[p][0]] += 1
        for ops in sorted(per_op):
            row = per_op[ops]
            print(f"  {ops:24}{sum(row.values()):>6}" +
                  "".join(f"{row[c]:>8}" for c in CATEGORIES))
    # Refusals and sim errors by message.
    for p in precisions:
        for cat in ("compile refused", "sim error"):
            groups = {}
            for name, (ops, res) in sorted(results.items()):
                if res[p][0] == cat:
                    groups.setdefault(res[p][2], []).append(name)
            if groups:
                print(f"\n{cat}, {p}, by message:")
            for msg, names in sorted(groups.items(), key=lambda g: -len(g[1])):
                print(f"  {len(names):3}  {msg}")
                print("       " + ", ".join(names))
    # Wrong results and crashes, with the commands that reproduce them.
    rerun = shlex.join([sys.executable, os.path.abspath(__file__),
                        args.build, "--workdir", workdir, "--only", "^NAME$"]
                       + (["--weights-as-constants"]
                          if args.weights_as_constants else []))
    if any(r[p][0] in ("wrong result", "crash")
           for _, r in results.values() for p in precisions):
        print(f"\n(the commands below use the bound model that\n  {rerun}\n"
              "writes; the rapid-sim command needs its rapidc command first)")
    for p in precisions:
        for cat in ("wrong result", "crash"):
            bad = [(n, r[p]) for n, (o, r) in sorted(results.items())
                   if r[p][0] == cat]
            if bad:
                print(f"\n{cat.upper()}, {p}: {len(bad)}")
            for name, (_, detail, _, repro) in bad:
                print(f"  {name}: {detail}\n     $ {repro}")
    print()
    for p in precisions:
        n = counts[p]["pass"]
        floor = floors[p]
        line = f"{p}: {n} of {len(results)} pass"
        if counts[p]["crash"]:
            line += f"; FAIL: {counts[p]['crash']} crash(es)"
            status = 1
        if floor is not None and n < floor and not args.only:
            line += f"; FAIL: below the floor of {floor}"
            status = 1
        elif floor is not None:
            line += f" (floor {floor})"
        print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
