//===- OnnxTranslation.cpp - rapid-translate --import-onnx ----------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/Rapid/RapidDialect.h"
#include "rapid/Import/OnnxImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory importCategory("ONNX import options");
static cl::opt<int64_t>
    batchSize("batch", cl::desc("Bind a symbolic leading (batch) dimension"),
              cl::init(0), cl::cat(importCategory));
static cl::list<std::string> inputShapes(
    "input-shape", cl::value_desc("name=d0xd1x..."),
    cl::desc("Give an input a static shape, e.g. image=1x3x224x224"),
    cl::cat(importCategory));

void rapid::registerOnnxImportTranslation() {
  TranslateToMLIRRegistration registration(
      "import-onnx",
      "Import an ONNX model (opsets 9-17) into the rapid dialect",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        OnnxImportOptions options;
        if (batchSize.getNumOccurrences()) {
          if (batchSize < 1) {
            emitError(UnknownLoc::get(context))
                << "--batch must be >= 1, got " << batchSize.getValue();
            return nullptr;
          }
          options.batch = batchSize;
        }
        for (const std::string &binding : inputShapes) {
          std::string error = parseInputShapeBinding(binding, options);
          if (!error.empty()) {
            emitError(UnknownLoc::get(context)) << "--input-shape: " << error;
            return nullptr;
          }
        }
        OwningOpRef<ModuleOp> module =
            importOnnxModel(buffer->getBuffer(), buffer->getBufferIdentifier(),
                            context, options);
        return OwningOpRef<Operation *>(module.release());
      },
      [](DialectRegistry &registry) {
        registry.insert<RapidDialect, func::FuncDialect>();
      });
}
