//===- onnx_import_fuzzer.cpp - libFuzzer target for the ONNX importer ----===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Feeds arbitrary bytes to the ONNX importer, the one parser in rapid that
// reads untrusted input. Any crash, hang, leak or sanitizer report is a bug:
// malformed input must end in a diagnostic. Built and run by fuzz/run.sh.
//
//===----------------------------------------------------------------------===//

#include "rapid/Import/OnnxImporter.h"
#include "rapid/Dialect/Rapid/RapidDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: weights live in the context's resources.
  mlir::DialectRegistry registry;
  registry.insert<rapid::RapidDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  context.getDiagEngine().registerHandler(
      [](mlir::Diagnostic &) { return mlir::success(); });
  rapid::OnnxImportOptions options;
  options.batch = 1;
  (void)rapid::importOnnxModel(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx",
      &context, options);
  return 0;
}
