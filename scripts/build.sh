#!/usr/bin/env bash
# Configures (once) and builds rapid into build/ with Ninja, lld and ccache.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RAPID_BUILD_DIR:-$root/build}"

if [ ! -f "$build/build.ninja" ]; then
  echo "[build] configuring $build"
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir
fi
echo "[build] building (ninja -C $build)"
# ccache's default cache lives in ~/.cache/ccache and survives rebuilds.
ninja -C "$build" "$@"
