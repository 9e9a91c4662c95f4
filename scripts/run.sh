#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and compiles
# the default model (LeNet-5 with batch norm, generated into build/models/
# by python/make_lenet5_mlir.py)
# through every stage that exists, printing the layer summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RAPID_BUILD_DIR:-$root/build}"
model="${1:-$build/models/lenet5.mlir}"
out="${RAPID_OUT_DIR:-$root/out}"

bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
mkdir -p "$out"
name="$(basename "${model%.*}")"
echo "[run] rapidc $model -> $out/$name.prepared.mlir"
"$build/bin/rapidc" "$model" -v --time-passes -o "$out/$name.prepared.mlir"
echo "[run] layer summary -> $out/$name.summary.json"
"$build/bin/rapidc" "$model" --emit=summary -q -o "$out/$name.summary.json"
/usr/bin/python3 - "$out/$name.summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"{'layer':<14}{'in':>6}{'out':>6}{'ij':>7}{'mb':>4}{'kij':>5}{'MACs':>12}{'weights':>10}")
for i, l in enumerate(s["layers"]):
    w = l["workload"]
    print(f"{i:>2} {l['op']:<11}{w['in']:>6}{w['out']:>6}{w['ij']:>7}{w['mb']:>4}{w['kij']:>5}"
          f"{l['macs']:>12,}{l['weight_bytes']:>10,}")
print(f"total: {s['total_macs']:,} MACs, {s['total_weight_bytes']:,} bytes of weights")
PY
