//===- BinaryTranslation.cpp - model.bin <-> text translations ------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Target/BinaryTranslation.h"
#include "rapid/Dialect/RapidISA/RapidISADialect.h"
#include "rapid/ISA/ModelBinary.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

/// The main input's bytes and its name.
static const llvm::MemoryBuffer &mainBuffer(llvm::SourceMgr &sourceMgr) {
  return *sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
}

/// Reads a model.bin into `m`, reporting failures.
static LogicalResult readBinary(const llvm::MemoryBuffer &buffer,
                                MLIRContext *context,
                                rapid::isa::ModelBinary &m);

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
        rapid::isa::ModelBinary m;
        if (failed(readBinary(buffer, context, m)))
          return failure();
        os << rapid::isa::printModelAssembly(m);
        return success();
      });
  TranslateRegistration toBin(
      "asm-to-bin",
      "Assemble the text form of a model.bin (what --bin-to-asm prints)",
      [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
         llvm::raw_ostream &os, MLIRContext *context) {
        const llvm::MemoryBuffer &buffer = mainBuffer(*sourceMgr);
        llvm::Expected<rapid::isa::ModelBinary> m =
            rapid::isa::parseModelAssembly(buffer.getBuffer(),
                                           buffer.getBufferIdentifier());
        if (!m)
          return report(context, buffer.getBufferIdentifier(), m.takeError());
        llvm::Expected<std::vector<uint8_t>> bytes =
            rapid::isa::writeModelBinary(*m);
        if (!bytes)
          return report(context, buffer.getBufferIdentifier(),
                        bytes.takeError());
        os.write(reinterpret_cast<const char *>(bytes->data()), bytes->size());
        return success();
      });
  TranslateToMLIRRegistration binToIsa(
      "bin-to-rapid-isa",
      "Read a model.bin (validated) into the rapid_isa dialect",
      [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        context->loadDialect<rapid::isa::RapidISADialect>();
        const llvm::MemoryBuffer &buffer = mainBuffer(*sourceMgr);
        rapid::isa::ModelBinary m;
        if (failed(readBinary(buffer, context, m)))
          return nullptr;
        OwningOpRef<ModuleOp> module = ModuleOp::create(
            FileLineColLoc::get(context, buffer.getBufferIdentifier(), 0, 0));
        rapid::isa::fromModelBinary(m, *module);
        if (failed(verify(*module)))
          return nullptr;
        return OwningOpRef<Operation *>(module.release());
      });
  TranslateFromMLIRRegistration isaToBin(
      "rapid-isa-to-bin", "Encode a rapid_isa.program into a model.bin",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        SmallVector<rapid::isa::ProgramOp> programs;
        op->walk([&](rapid::isa::ProgramOp p) { programs.push_back(p); });
        if (programs.size() != 1)
          return op->emitError()
                 << "expected exactly one rapid_isa.program, found "
                 << programs.size();
        FailureOr<rapid::isa::ModelBinary> m =
            rapid::isa::toModelBinary(programs[0]);
        if (failed(m))
          return failure();
        llvm::Expected<std::vector<uint8_t>> bytes =
            rapid::isa::writeModelBinary(*m);
        if (!bytes)
          return programs[0].emitOpError() << llvm::toString(bytes.takeError());
        os.write(reinterpret_cast<const char *>(bytes->data()), bytes->size());
        return success();
      },
      [](DialectRegistry &registry) {
        registry.insert<rapid::isa::RapidISADialect>();
      });
}

static LogicalResult readBinary(const llvm::MemoryBuffer &buffer,
                                MLIRContext *context,
                                rapid::isa::ModelBinary &m) {
  llvm::StringRef data = buffer.getBuffer();
  llvm::Expected<rapid::isa::ModelBinary> read = rapid::isa::readModelBinary(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(data.data()),
                              data.size()),
      buffer.getBufferIdentifier());
  if (!read)
    return report(context, buffer.getBufferIdentifier(), read.takeError());
  m = std::move(*read);
  return success();
}
