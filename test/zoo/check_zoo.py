#!/usr/bin/env python3
"""Imports every model of the zoo (python/zoo.py) through rapidc and checks
the MAC counts the importer reports against the published figures.

For each model at opsets 11 and 17 (and with BatchNormalization kept where
the model has it): export into the cache (python/zoo.py, skipped when cached),
`rapidc --emit=summary`, check that import and graph preparation succeed and
that no batch norm survives. For the four reference CNNs at 224x224, batch 1,
the total conv + fully-connected MACs must lie within 2% of: ResNet-50 4.09 G,
VGG16 15.47 G, AlexNet 0.71 G, MobileNetV2 0.30 G.

    /usr/bin/python3 test/zoo/check_zoo.py BUILD_DIR [--cache DIR]
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPECTED_GMACS = {"resnet50": 4.09, "vgg16": 15.47, "alexnet": 0.71,
                  "mobilenetv2": 0.30}
MODELS = ["alexnet", "vgg16", "resnet18", "resnet50", "mobilenetv2", "lstm",
          "mlp", "lenet5"]
WITH_BN = ["resnet18", "resnet50", "mobilenetv2", "lenet5"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--cache", default=os.path.join(ROOT, "build", "model-cache"))
    args = ap.parse_args()
    rapidc = os.path.join(args.build, "bin", "rapidc")
    zoo = os.path.join(ROOT, "python", "zoo.py")
    variants = [(m, o, False) for m in MODELS for o in (11, 17)]
    variants += [(m, 17, True) for m in WITH_BN]
    failures = 0
    print(f"{'model':<28}{'GMACs':>10}{'expected':>10}{'import s':>10}")
    for model, opset, bn in variants:
        cmd = ["/usr/bin/python3", zoo, model, "--opset", str(opset),
               "--cache", args.cache] + (["--keep-bn"] if bn else [])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL export {model} opset {opset}: {r.stderr.strip()[-400:]}")
            failures += 1
            continue
        name = f"{model}{'-bn' if bn else ''}-opset{opset}.onnx"
        path = os.path.join(args.cache, name)
        start = time.time()
        r = subprocess.run([rapidc, path, "--emit=summary", "-q", "-o", "-"],
                           capture_output=True, text=True)
        seconds = time.time() - start
        if r.returncode != 0:
            print(f"FAIL import {name}: {r.stderr.strip()[:400]}")
            failures += 1
            continue
        summary = json.loads(r.stdout)
        gmacs = summary["total_macs"] / 1e9
        expected = EXPECTED_GMACS.get(model)
        status = ""
        if expected is not None and abs(gmacs - expected) > 0.02 * expected:
            status = "  FAIL: outside 2%"
            failures += 1
        if "rapid.batchnorm" in summary["op_counts"]:
            status += "  FAIL: batchnorm left after graph preparation"
            failures += 1
        print(f"{name:<28}{gmacs:>10.3f}{expected if expected else '':>10}"
              f"{seconds:>10.2f}{status}")
    print(f"zoo: {len(variants)} models, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
