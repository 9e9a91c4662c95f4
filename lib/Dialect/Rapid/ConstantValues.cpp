//===- ConstantValues.cpp - Reading and making float constants ------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/Rapid/ConstantValues.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

std::optional<SmallVector<double>> rapid::readFloatElements(ElementsAttr attr) {
  auto type = dyn_cast<FloatType>(attr.getElementType());
  if (!type)
    return std::nullopt;
  SmallVector<double> values;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    values.reserve(dense.getNumElements());
    for (const APFloat &v : dense.getValues<APFloat>())
      values.push_back(v.convertToDouble());
    return values;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource || !resource.getRawHandle().getBlob())
    return std::nullopt;
  ArrayRef<char> bytes = resource.getRawHandle().getBlob()->getData();
  unsigned width = type.getWidth();
  int64_t n = attr.getNumElements();
  if (width % 8 != 0 || static_cast<int64_t>(bytes.size()) != n * width / 8)
    return std::nullopt;
  values.reserve(n);
  if (type.isF32()) {
    for (int64_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, bytes.data() + 4 * i, 4);
      values.push_back(f);
    }
    return values;
  }
  for (int64_t i = 0; i < n; ++i) {
    uint64_t bits = 0;
    std::memcpy(&bits, bytes.data() + i * width / 8, width / 8);
    values.push_back(APFloat(type.getFloatSemantics(), APInt(width, bits))
                         .convertToDouble());
  }
  return values;
}

ElementsAttr rapid::makeFloatElements(ShapedType type,
                                      ArrayRef<double> values) {
  auto floatType = cast<FloatType>(type.getElementType());
  unsigned width = floatType.getWidth();
  std::string bytes(values.size() * width / 8, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    APFloat f(values[i]);
    bool losesInfo;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    uint64_t bits = f.bitcastToAPInt().getZExtValue();
    std::memcpy(&bytes[i * width / 8], &bits, width / 8);
  }
  return makeElementsFromBytes(type, std::move(bytes), "folded");
}

ElementsAttr rapid::makeElementsFromBytes(ShapedType type, std::string bytes,
                                          StringRef blobName) {
  if (bytes.size() < kResourceThresholdBytes)
    return DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(bytes.data(), bytes.size()));
  // Hand the string to the blob: its deleter frees it with the context.
  auto *owned = new std::string(std::move(bytes));
  AsmResourceBlob blob(
      ArrayRef<char>(owned->data(), owned->size()), alignof(double),
      [owned](void *, size_t, size_t) { delete owned; },
      /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, blobName, std::move(blob));
}
