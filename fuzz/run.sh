#!/usr/bin/env bash
# Builds a fuzzer with clang, libFuzzer and AddressSanitizer (Debian
# clang-14 + libclang-rt-14-dev) in build-fuzz/ and fuzzes for a bounded
# time: the ONNX importer (corpus seeded from the importer's lit tests and
# the committed models) or the ISA decoder and assembler (isa). Any crash
# reproducer is left in build-fuzz/artifacts/.
#
#   bash fuzz/run.sh [SECONDS] [onnx|isa]        (default 600 onnx)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
seconds="${1:-600}"
target="${2:-onnx}"
case "$target" in
  onnx | isa) ;;
  *) echo "fuzz/run.sh: unknown target '$target'; expected onnx or isa" >&2; exit 2 ;;
esac

source "$root/scripts/lib/apt.sh"
bash "$root/scripts/setup.sh"
ensure_packages fuzz clang-14 libclang-rt-14-dev

if [ ! -f "$build/build.ninja" ]; then
  echo "[fuzz] configuring $build (clang-14, ASan, libFuzzer instrumentation)"
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_C_FLAGS="-fsanitize=address,fuzzer-no-link" \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,fuzzer-no-link" \
    -DRAPID_ENABLE_FUZZERS=ON >/dev/null
fi
if [ "$target" = isa ]; then
  echo "[fuzz] building isa-decode-fuzzer"
  ninja -C "$build" isa-decode-fuzzer
  corpus="$build/corpus-isa"
  mkdir -p "$corpus" "$build/artifacts"
  # Seeds: the model assembly inputs of the lit tests, and their binaries
  # when the main build's rapid-translate is there to assemble them.
  if [ -z "$(ls -A "$corpus")" ]; then
    for s in "$root"/test/Target/Inputs/*.s; do
      cp "$s" "$corpus/"
      if [ -x "$root/build/bin/rapid-translate" ]; then
        "$root/build/bin/rapid-translate" --asm-to-bin "$s" \
          -o "$corpus/$(basename "$s" .s).bin" 2>/dev/null || true
      fi
    done
  fi
  echo "[fuzz] fuzzing the ISA decoder, model.bin reader and assemblers for $seconds s"
  ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0 "$build/fuzz/isa-decode-fuzzer" "$corpus" \
    -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts/" -print_final_stats=1
  exit 0
fi
echo "[fuzz] building onnx-import-fuzzer"
ninja -C "$build" onnx-import-fuzzer

corpus="$build/corpus"
mkdir -p "$corpus" "$build/artifacts"
if [ -z "$(ls -A "$corpus")" ]; then
  echo "[fuzz] seeding the corpus from test/Import/ONNX and models/"
  for t in "$root"/test/Import/ONNX/*.test; do
    for k in $(seq 0 12); do
      /usr/bin/python3 "$root/python/onnx_text.py" "$t" --split "$k" --no-check \
        -o "$corpus/$(basename "$t" .test)-$k.onnx" 2>/dev/null || true
    done
  done
  cp "$root"/models/*.onnx "$corpus/"
fi
echo "[fuzz] fuzzing for $seconds s ($(ls "$corpus" | wc -l) seeds)"
# Inputs up to 256 KiB; a 10 s per-input timeout and a 4 GiB memory cap
# turn hangs and blow-ups into reported failures.
# The prebuilt MLIR libraries are not instrumented while LLVM headers in the
# instrumented code poison allocator memory: user poisoning is turned off so
# that the two halves agree; real heap errors are still caught.
ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0 "$build/fuzz/onnx-import-fuzzer" "$corpus" \
  -max_total_time="$seconds" -max_len=262144 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$build/artifacts/" -print_final_stats=1
