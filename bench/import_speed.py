#!/usr/bin/env python3
"""Import speed: rapidc (parse + import to the rapid dialect + graph
preparation + layer summary) against onnx.load (protobuf parsing alone, the
floor for any ONNX consumer) on the zoo models, best of N runs each, with
peak memory. Prints one row per model and the ratio rapidc / onnx.load.

    /usr/bin/python3 bench/import_speed.py [BUILD_DIR] [--repeat N] [MODEL...]
"""

import argparse
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd):
    """Wall time and peak RSS (MiB) of a child process."""
    start = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd,
                       capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{r.stderr}")
    return seconds, int(r.stderr.strip().splitlines()[-1]) / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("models", nargs="*",
                    default=["mobilenetv2", "resnet50", "vgg16"])
    args = ap.parse_args()
    cache = os.path.join(ROOT, "build", "model-cache")
    rapidc = os.path.join(args.build, "bin", "rapidc")
    print(f"{'model':<14}{'MB':>7}{'rapidc s':>10}{'MiB':>7}"
          f"{'onnx.load s':>13}{'MiB':>7}{'ratio':>7}")
    for model in args.models:
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "python", "zoo.py"),
                        model, "--cache", cache], check=True,
                       capture_output=True)
        path = os.path.join(cache, f"{model}-opset17.onnx")
        ours = min(timed([rapidc, path, "--emit=summary", "-q", "-o", os.devnull])
                   for _ in range(args.repeat))
        peer = min(timed(["/usr/bin/python3", "-c",
                          f"import onnx; onnx.load({path!r})"])
                   for _ in range(args.repeat))
        size = os.path.getsize(path) / 1e6
        print(f"{model:<14}{size:>7.0f}{ours[0]:>10.2f}{ours[1]:>7.0f}"
              f"{peer[0]:>13.2f}{peer[1]:>7.0f}{ours[0] / peer[0]:>7.2f}")


if __name__ == "__main__":
    main()
