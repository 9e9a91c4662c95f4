#!/usr/bin/env python3
"""Turns a model in the ONNX textual syntax into a binary .onnx file.

Importer tests write their models as text, which reads like the graph:

    <ir_version: 8, opset_import: ["" : 13]>
    g (float[1,3] x) => (float[1,3] y) { y = Relu(x) }

The text is taken from the lines of the input file that start with
`// ONNX:` (so a lit test holds its model next to its CHECK lines), or from
the whole file when there are none. `--split` cuts the input at
`// -----` lines and writes the N-th part (0-based), as -split-input-file
does for MLIR. `--no-check` skips onnx.checker (to build deliberately
broken models). Nodes without a name are named after their first output, as
exporters name them; `--keep-unnamed` leaves them unnamed.

    python3 python/onnx_text.py test.mlir -o model.onnx [--split N]
"""

import argparse
import sys

import onnx
import onnx.parser


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--split", type=int, default=None)
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--keep-unnamed", action="store_true")
    args = ap.parse_args()
    text = open(args.input).read()
    if args.split is not None:
        parts = text.split("// -----")
        if args.split >= len(parts):
            sys.exit(f"{args.input}: no part {args.split} (has {len(parts)})")
        text = parts[args.split]
    lines = [l.split("// ONNX:", 1)[1] for l in text.splitlines() if "// ONNX:" in l]
    source = "\n".join(lines) if lines else text
    try:
        model = onnx.parser.parse_model(source)
    except Exception as e:  # the parser raises its own exception types
        sys.exit(f"{args.input}: not a valid ONNX text model: {e}")
    if not args.keep_unnamed:
        for node in model.graph.node:
            if not node.name and node.output:
                node.name = node.output[0]
    if not args.no_check:
        onnx.checker.check_model(model)
    onnx.save(model, args.output)


if __name__ == "__main__":
    main()
