//===- BinaryTranslation.cpp - model.bin <-> text translations ------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Target/BinaryTranslation.h"
#include "rapid/ISA/ModelBinary.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

/// The main input's bytes and its name.
static const llvm::MemoryBuffer &mainBuffer(llvm::SourceMgr &sourceMgr) {
  return *sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
}

/// Reports "<file>[:line:col]: message" from the readers at that location,
/// so that diagnostics print as everywhere else in rapid.
static LogicalResult report(MLIRContext *context, llvm::StringRef file,
                            llvm::Error error) {
  std::string text = llvm::toString(std::move(error));
  llvm::StringRef message(text);
  unsigned line = 0, column = 0;
  if (message.consume_front(file)) {
    llvm::StringRef rest = message;
    if (rest.consume_front(":") && !rest.consumeInteger(10, line) &&
        rest.consume_front(":") && !rest.consumeInteger(10, column) &&
        rest.consume_front(":"))
      message = rest;
    else
      line = 0, message.consume_front(":");
    message = message.ltrim();
  }
  emitError(FileLineColLoc::get(context, file, line, column)) << message;
  return failure();
}

void rapid::registerBinaryTranslations() {
  TranslateRegistration toAsm(
      "bin-to-asm",
      "Disassemble a model.bin (validated: header, checksums, every "
      "instruction and record) into its text form",
      [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
         llvm::raw_ostream &os, MLIRContext *context) {
        const llvm::MemoryBuffer &buffer = mainBuffer(*sourceMgr);
        llvm::StringRef data = buffer.getBuffer();
        llvm::Expected<isa::ModelBinary> m = isa::readModelBinary(
            llvm::ArrayRef<uint8_t>(
                reinterpret_cast<const uint8_t *>(data.data()), data.size()),
            buffer.getBufferIdentifier());
        if (!m)
          return report(context, buffer.getBufferIdentifier(), m.takeError());
        os << isa::printModelAssembly(*m);
        return success();
      });
  TranslateRegistration toBin(
      "asm-to-bin",
      "Assemble the text form of a model.bin (what --bin-to-asm prints)",
      [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
         llvm::raw_ostream &os, MLIRContext *context) {
        const llvm::MemoryBuffer &buffer = mainBuffer(*sourceMgr);
        llvm::Expected<isa::ModelBinary> m = isa::parseModelAssembly(
            buffer.getBuffer(), buffer.getBufferIdentifier());
        if (!m)
          return report(context, buffer.getBufferIdentifier(), m.takeError());
        llvm::Expected<std::vector<uint8_t>> bytes = isa::writeModelBinary(*m);
        if (!bytes)
          return report(context, buffer.getBufferIdentifier(),
                        bytes.takeError());
        os.write(reinterpret_cast<const char *>(bytes->data()), bytes->size());
        return success();
      });
}
