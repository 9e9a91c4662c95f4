//===- isa_decode_fuzzer.cpp - libFuzzer target of the ISA decoder --------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The decoder reads model.bin code sections, untrusted bytes. Arbitrary
// bytes must decode or fail with a message, never crash; and what decodes
// must be exactly what the encoder writes (decode rejects reserved bits and
// undefined values, so the encoding is a bijection), and its text must
// assemble back to it. The same bytes are also fed to the assembler as
// text.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ISA.h"

#include <cstdlib>

using namespace rapid::isa;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::ArrayRef<uint8_t> bytes(data, size);
  llvm::Expected<std::vector<Instruction>> program = decodeProgram(bytes);
  if (program) {
    llvm::Expected<std::vector<uint8_t>> again = encodeProgram(*program);
    if (!again || *again != std::vector<uint8_t>(bytes.begin(), bytes.end()))
      abort();
    llvm::Expected<std::vector<Instruction>> text =
        assembleProgram(disassembleProgram(*program), "fuzz");
    if (!text || *text != *program)
      abort();
  } else {
    llvm::consumeError(program.takeError());
  }
  llvm::Expected<std::vector<Instruction>> parsed = assembleProgram(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz");
  if (parsed) {
    // What assembles encodes (every field was range-checked).
    llvm::Expected<std::vector<uint8_t>> code = encodeProgram(*parsed);
    if (!code)
      abort();
  } else {
    llvm::consumeError(parsed.takeError());
  }
  return 0;
}
