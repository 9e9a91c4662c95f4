//===- OnnxImporter.h - ONNX models into the rapid dialect -------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Reads an ONNX ModelProto (opsets 9 to 17) and builds a func.func of rapid
// ops with static shapes. Shape computations (Shape, Gather, Unsqueeze,
// Concat, ConstantOfShape, ...) are evaluated at import; weights become
// rapid.constant (dense_resource for large tensors, without copying them).
// Errors name the file, the node (name and op type) and the reason; nothing
// is returned on error.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_IMPORT_ONNXIMPORTER_H
#define RAPID_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>

namespace rapid {

struct OnnxImportOptions {
  /// Binds a symbolic leading (batch) dimension of every input.
  std::optional<int64_t> batch;
  /// Sets the leading (batch) dimension of every input, symbolic or static,
  /// and lets the graph outputs' declared leading dimensions differ: the
  /// model re-batched (training minibatches of a model exported at batch 1).
  std::optional<int64_t> minibatch;
  /// Full static shapes per input name; they override the model's.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Name of the created function.
  std::string functionName = "main";
};

/// Parses `--input-shape` values: "name=1x3x224x224". Returns an error message
/// on bad syntax, empty on success.
std::string parseInputShapeBinding(llvm::StringRef text,
                                   OnnxImportOptions &options);

/// The ONNX op types the importer understands, sorted, comma separated.
std::string supportedOnnxOps();

/// Imports a serialized ModelProto. `bufferName` (usually the file path)
/// prefixes diagnostics. The importer may take the weights' bytes out of
/// `bytes`' parsed copy; `bytes` itself is only read.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxModel(llvm::StringRef bytes, llvm::StringRef bufferName,
                mlir::MLIRContext *context, const OnnxImportOptions &options);

/// Reads and imports an ONNX file; a read failure is reported with the path
/// and the reason.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxFile(llvm::StringRef path, mlir::MLIRContext *context,
               const OnnxImportOptions &options);

/// Registers `--import-onnx` (with --batch and --input-shape) for
/// rapid-translate.
void registerOnnxImportTranslation();

} // namespace rapid

#endif // RAPID_IMPORT_ONNXIMPORTER_H
