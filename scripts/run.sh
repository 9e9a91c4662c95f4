#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and compiles
# the default model, LeNet-5 trained on Fashion-MNIST
# (models/lenet5_fashion.onnx), through every stage that exists, printing
# its layers and their mapping on rapid-core. Another model: bash scripts/run.sh path/to/model.onnx
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RAPID_BUILD_DIR:-$root/build}"
model="${1:-$root/models/lenet5_fashion.onnx}"
out="${RAPID_OUT_DIR:-$root/out}"

bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
mkdir -p "$out"
name="$(basename "${model%.*}")"
echo "[run] rapidc $model -> $out/$name.mlir"
"$build/bin/rapidc" "$model" -v --time-passes --print-op-stats --report \
  -o "$out/$name.mlir"
echo "[run] training step at minibatch 64 on 64 chips (deeptools-64chip): divisions, mappings -> $out/$name.train64.html"
"$build/bin/rapidc" "$model" --arch deeptools-64chip --mode train \
  --minibatch 64 --report --report-html "$out/$name.train64.html" \
  -o "$out/$name.train64.mlir"
echo "[run] per-layer JSON summary -> $out/$name.summary.json"
"$build/bin/rapidc" "$model" --emit=summary -q -o "$out/$name.summary.json"
