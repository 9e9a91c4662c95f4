#!/usr/bin/env python3
"""DeepSpatialMatrix benchmark: whole networks on a multi-chip system
(default deeptools-64chip: 64 chips x 32 cores), in training (minibatch 512)
and inference (minibatch 1). For each, three plans priced by the same cost
model in the same run:

  baseline   rapidc -O0: every layer data parallel over all chips (model
             parallel over output channels when the minibatch is smaller
             than the chips), the default core split, the hand-tuned mapping
  division   the DeepSpatialMatrix division (hybrid parallelism chosen per
             layer, jointly with re-layout) and searched per-core mappings,
             no memory optimizations (--no-memory-opts)
  full       the above plus activation reuse, Dynamic Spatial Minibatching,
             weight pre-loading (inference) and timestep pipelining

printing the predicted time per step (or inference), utilization, the
parallelism mix, the breakdown of the full plan and the speedups.

    /usr/bin/python3 bench/spatial.py [BUILD_DIR] [--arch A]
        [--modes train,infer] [--map-budget N] [MODEL...]

Models come from build/model-cache (scripts/setup-models.sh exports them).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["vgg16", "resnet50", "alexnet", "lstm"]
MINIBATCH = {"train": 512, "infer": 1}
SHORT = {"data": "D", "model": "M", "data_x_model_y": "DxMy",
         "model_x_data_y": "MxDy"}


def run(rapidc, path, arch, mode, extra, tmp, budget):
    out = os.path.join(tmp, "report.json")
    cmd = [rapidc, path, "--arch", arch, "--mode", mode,
           "--minibatch", str(MINIBATCH[mode]), "-q", "--report-json", out,
           "-o", os.devnull] + extra
    if budget is not None:
        cmd.append(f"--map-budget={budget}")
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{r.stderr}")
    with open(out) as f:
        return json.load(f), wall


def mix(report):
    parts = []
    for kind, n in sorted(report["parallelism_mix"].items()):
        base, _, piped = kind.partition("+")
        parts.append(f"{SHORT.get(base, base)}{'(P)' if piped else ''}:{n}")
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--arch", default="deeptools-64chip")
    ap.add_argument("--modes", default="train,infer")
    ap.add_argument("--map-budget", type=int, default=None,
                    help="evaluations per layer kernel (rapidc default: 4M)")
    ap.add_argument("models", nargs="*", default=MODELS)
    args = ap.parse_intermixed_args()
    rapidc = os.path.join(args.build, "bin", "rapidc")
    cache = os.path.join(ROOT, "build", "model-cache")
    header = (f"{'model':<9}{'mode':<6}{'mb':>4}{'base ms':>10}{'div ms':>10}"
              f"{'full ms':>10}{'util %':>8}{'div x':>7}{'full x':>8}"
              f"{'wall s':>8}  {'parallelism (layers)':<24}"
              f"{'mac/und/bub/ovl/non/aux %':<28}")
    print(f"arch {args.arch}; times per training step (train) or inference")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            for model in args.models:
                path = os.path.join(cache, f"{model}-opset17.onnx")
                if not os.path.exists(path):
                    sys.exit(f"error: {path}: missing; run scripts/setup-models.sh")
                base, _ = run(rapidc, path, args.arch, mode, ["-O0"], tmp,
                              args.map_budget)
                div, _ = run(rapidc, path, args.arch, mode,
                             ["--no-memory-opts"], tmp, args.map_budget)
                full, wall = run(rapidc, path, args.arch, mode, [], tmp,
                                 args.map_budget)
                t = full["total"]
                total = t["total_cycles"]
                shares = "/".join(
                    f"{100 * t[k] / total:.0f}" for k in
                    ["mac_cycles", "pe_underuse_cycles",
                     "pipeline_bubble_cycles", "overlapped_visible_cycles",
                     "non_overlapped_cycles", "aux_cycles"])
                print(f"{model:<9}{mode:<6}{MINIBATCH[mode]:>4}"
                      f"{base['time_ms']:>10.3f}{div['time_ms']:>10.3f}"
                      f"{full['time_ms']:>10.3f}"
                      f"{100 * full['utilization']:>8.1f}"
                      f"{base['time_ms'] / div['time_ms']:>7.2f}"
                      f"{base['time_ms'] / full['time_ms']:>8.2f}"
                      f"{wall:>8.1f}  {mix(full):<24}{shares:<28}", flush=True)


if __name__ == "__main__":
    main()
