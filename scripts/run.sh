#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and compiles
# the default model, LeNet-5 trained on Fashion-MNIST
# (models/lenet5_fashion.onnx), through every stage that exists, printing
# its layers and their mapping on rapid-core, compiling it to model.bin and
# running it on rapid-sim with the first Fashion-MNIST test image. Another
# model: bash scripts/run.sh path/to/model.onnx
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
echo "[run] rapidc $model -o $out/$name.bin (rapid-core), and the same on the 4-core rapid-chip"
"$build/bin/rapidc" "$model" -o "$out/$name.bin"
"$build/bin/rapidc" "$model" --arch rapid-chip -q -o "$out/$name.chip.bin"
if [ "$model" = "$root/models/lenet5_fashion.onnx" ]; then
  label="$(/usr/bin/python3 -c "
import sys; sys.path.insert(0, '$root/python')
import fashion_mnist, numpy as np
x, y = fashion_mnist.load('test', limit=1)
np.save('$out/image0.npy', x[:1]); print(int(y[0]))")"
  for bin in "$name.bin" "$name.chip.bin"; do
    echo "[run] rapid-sim $out/$bin --input image=$out/image0.npy"
    "$build/bin/rapid-sim" "$out/$bin" --input image="$out/image0.npy" \
      --output-dir "$out/sim.${bin%.bin}" --stats
    /usr/bin/python3 -c "
import numpy as np
names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal',
         'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
logits = np.load('$out/sim.${bin%.bin}/logits.npy')[0]
c = int(logits.argmax())
print(f'[run] {\"$bin\"}: class {c} ({names[c]}); the label is $label ({names[$label]})')"
  done
fi
