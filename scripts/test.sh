#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (lit + FileCheck, Catch2 unit tests, generated-docs check) under ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RAPID_BUILD_DIR:-$root/build}"

bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
echo "[test] running ctest"
cd "$build"
ctest --output-on-failure -j 2 "$@"
