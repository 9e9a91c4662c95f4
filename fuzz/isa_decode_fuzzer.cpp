//===- isa_decode_fuzzer.cpp - libFuzzer target of the ISA decoder --------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// model.bin and its code sections are untrusted bytes. Arbitrary bytes
// must decode or fail with a message, never crash; what decodes must be
// exactly what the encoder writes (decode rejects reserved bits and
// undefined values, so the encoding is a bijection), and its text must
// assemble back to it. The same bytes are read as a whole model.bin (what
// reads must write and read back the same) and, as text, by the
// instruction assembler and the model assembler.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ModelBinary.h"

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
  llvm::Expected<ModelBinary> model = readModelBinary(bytes, "fuzz");
  if (model) {
    llvm::Expected<std::vector<uint8_t>> written = writeModelBinary(*model);
    if (!written)
      abort();
    llvm::Expected<ModelBinary> again = readModelBinary(*written, "fuzz");
    if (!again || !(*again == *model))
      abort();
  } else {
    llvm::consumeError(model.takeError());
  }
  llvm::Expected<ModelBinary> text = parseModelAssembly(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz");
  if (text) {
    llvm::Expected<std::vector<uint8_t>> written = writeModelBinary(*text);
    if (!written)
      abort();
    llvm::Expected<ModelBinary> printed =
        parseModelAssembly(printModelAssembly(*text), "fuzz");
    if (!printed || !(*printed == *text))
      abort();
  } else {
    llvm::consumeError(text.takeError());
  }
  return 0;
}
