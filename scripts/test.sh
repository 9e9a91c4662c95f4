#!/usr/bin/env bash
# The README's test command: installs what is missing (build tools, and the
# model tooling: torch, onnx, onnxruntime-node), builds, and runs every test
# under ctest: lit + FileCheck, Catch2 unit tests, the generated-docs check,
# the model zoo, the ONNX conformance node tests and the reference executor.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RAPID_BUILD_DIR:-$root/build}"

bash "$root/scripts/setup.sh"
bash "$root/scripts/setup-models.sh"
bash "$root/scripts/build.sh"
# lit's own summary (how many .mlir tests ran), then ctest over everything:
# the lit suite again as one entry, each Catch2 case, the docs check.
echo "[test] lit suite"
/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -s "$build/test"
echo "[test] ctest"
cd "$build"
ctest --output-on-failure -j 2 "$@"
