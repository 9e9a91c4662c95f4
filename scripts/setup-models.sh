#!/usr/bin/env bash
# Installs the model-zoo and reference-executor tooling (not needed to build
# rapid itself): PyTorch + torchvision + ONNX from Debian for python/zoo.py and
# python/train_lenet5.py, the Fashion-MNIST data set package, and the
# onnxruntime-node CPU build (npm) for tools/ort/run.mjs.
#
# Idempotent: only missing Debian packages are installed (apt-get update runs
# only then) and npm is skipped once tools/ort/node_modules/onnxruntime-node
# exists, so a second run is a fast no-op.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ort_dir="$root/tools/ort"
ORT_VERSION=1.30.0

source "$root/scripts/lib/apt.sh"
# python3-torch is large (~640 MB unpacked): a first install takes minutes.
ensure_packages setup-models \
  python3 python3-numpy python3-onnx \
  python3-torch python3-torchvision \
  dataset-fashion-mnist

if [ -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  have="$(node -p "require('$ort_dir/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || echo '?')"
  echo "[setup-models] onnxruntime-node $have present in tools/ort/node_modules"
  if [ "$have" != "$ORT_VERSION" ]; then
    echo "[setup-models] warning: expected onnxruntime-node $ORT_VERSION; remove tools/ort/node_modules and rerun to reinstall" >&2
  fi
else
  command -v npm >/dev/null || { echo "[setup-models] error: npm not found (install Node.js 18+ with npm)" >&2; exit 1; }
  echo "[setup-models] installing onnxruntime-node@$ORT_VERSION (CPU only) into tools/ort/node_modules"
  # The package's post-install step downloads CUDA/TensorRT pieces from the
  # internet and fails offline; skipping it keeps the CPU build shipped inside
  # the npm tarball, which is all run.mjs uses. (tools/ort/.npmrc says the same.)
  (cd "$ort_dir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --no-package-lock --omit=dev)
  node -e "require('$ort_dir/node_modules/onnxruntime-node')" \
    || { echo "[setup-models] error: onnxruntime-node installed but does not load" >&2; exit 1; }
fi
echo "[setup-models] done"
