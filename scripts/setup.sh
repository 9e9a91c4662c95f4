#!/usr/bin/env bash
# Installs what rapid needs to build and test, from Debian 12 packages only.
# Idempotent: packages already present are not touched and apt is not run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

ensure_packages setup \
  cmake ninja-build ccache lld g++ \
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools \
  libonnx-dev libprotobuf-dev protobuf-compiler \
  catch2 python3 python3-numpy python3-onnx libonnx-testdata
# The HTML mapping report's test opens it in headless Chromium and checks
# the screenshot with PIL.
ensure_packages setup chromium python3-pil
