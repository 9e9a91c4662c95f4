#!/usr/bin/env python3
"""DeepMatrix mapping benchmark: for each zoo model and architecture, the
whole-network mapping search (rapidc --report-json), printing the search
time, cost-model configurations evaluated per second, the predicted time per
core and its utilization, and the speedup of the searched mappings over the
hand-tuned baseline mapping (same cost model, same run).

    /usr/bin/python3 bench/mapping.py [BUILD_DIR] [--arch A ...]
        [--map-budget N] [MODEL...]

The "over budget" column counts layer kernels whose search stopped at the
evaluation budget (rapidc --map-budget; 0 searches to the end).

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
MODELS = ["alexnet", "vgg16", "resnet18", "resnet50", "mobilenetv2", "lstm"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--arch", action="append",
                    help="architectures (default: rapid-core, deeptools-chip)")
    ap.add_argument("--map-budget", type=int, default=None,
                    help="evaluations per layer kernel (rapidc default: 4M)")
    ap.add_argument("models", nargs="*", default=MODELS)
    args = ap.parse_intermixed_args()
    archs = args.arch or ["rapid-core", "deeptools-chip"]
    rapidc = os.path.join(args.build, "bin", "rapidc")
    cache = os.path.join(ROOT, "build", "model-cache")
    header = (f"{'model':<12}{'arch':<16}{'kernels':>8}{'GMACs':>8}"
              f"{'map s':>8}{'wall s':>8}{'Meval/s':>9}{'pred ms':>10}"
              f"{'util %':>8}{'speedup':>9}{'min':>7}{'max':>7}"
              f"{'over budget':>12}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for arch in archs:
            for model in args.models:
                path = os.path.join(cache, f"{model}-opset17.onnx")
                if not os.path.exists(path):
                    sys.exit(f"error: {path}: missing; run scripts/setup-models.sh")
                out = os.path.join(tmp, "report.json")
                start = time.perf_counter()
                cmd = [rapidc, path, "--arch", arch, "-q",
                       "--report-json", out, "-o", os.devnull]
                if args.map_budget is not None:
                    cmd.append(f"--map-budget={args.map_budget}")
                r = subprocess.run(cmd, capture_output=True, text=True)
                wall = time.perf_counter() - start
                if r.returncode != 0:
                    sys.exit(f"error: rapidc on {path} --arch {arch}:\n{r.stderr}")
                rep = json.load(open(out))
                s = rep["search"]
                speedups = [l["speedup"] for l in rep["layers"] if "speedup" in l]
                print(f"{model:<12}{arch:<16}{len(rep['layers']):>8}"
                      f"{rep['macs'] / 1e9:>8.3f}{s['seconds']:>8.2f}{wall:>8.2f}"
                      f"{s['evaluated'] / max(s['seconds'], 1e-9) / 1e6:>9.1f}"
                      f"{rep['time_ms']:>10.3f}"
                      f"{100 * rep['utilization']:>8.1f}"
                      f"{rep['speedup']:>8.2f}x{min(speedups):>6.2f}x"
                      f"{max(speedups):>6.2f}x"
                      f"{s['kernels_over_budget']:>12}")
                sys.stdout.flush()
    print("\nmap s: search time summed over layers; wall s: the whole rapidc "
          "run (import, graph preparation, division, mapping, report).\npred "
          "ms: predicted time of one inference (deeptools-chip: each of 32 "
          "cores runs its share).\nspeedup: the homogeneous baseline's "
          "cycles (default core split, hand-tuned mapping) / the chosen "
          "plan's over the network; min/max over layers.")


if __name__ == "__main__":
    main()
