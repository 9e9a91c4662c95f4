//===- ConstantValues.h - Reading and making float constants -----*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Weights live in `dense` attributes when small and in `dense_resource` blobs
// when large (no copy on import, compact printing). Everything that reads or
// writes float constants goes through these helpers so that both forms work.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_DIALECT_RAPID_CONSTANTVALUES_H
#define RAPID_DIALECT_RAPID_CONSTANTVALUES_H

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace rapid {

/// Tensors of at least this many bytes become dense_resource blobs.
constexpr size_t kResourceThresholdBytes = 64 * 1024;

/// The values of a float constant (dense or dense_resource; any float element
/// type whose width is a whole number of bytes), or std::nullopt.
std::optional<llvm::SmallVector<double>>
readFloatElements(mlir::ElementsAttr attr);

/// An elements attribute of float `type` holding `values`, rounded to nearest
/// even in the element type.
mlir::ElementsAttr makeFloatElements(mlir::ShapedType type,
                                     llvm::ArrayRef<double> values);

/// An elements attribute of `type` over little-endian element bytes, taking
/// ownership of `bytes` (large tensors are not copied). `blobName` names the
/// resource when one is made.
mlir::ElementsAttr makeElementsFromBytes(mlir::ShapedType type,
                                         std::string bytes,
                                         llvm::StringRef blobName);

} // namespace rapid

#endif // RAPID_DIALECT_RAPID_CONSTANTVALUES_H
