//===- RapidTypes.cpp - Types of the rapid dialect ------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/Rapid/RapidDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace rapid;

#define GET_TYPEDEF_CLASSES
#include "rapid/Dialect/Rapid/RapidTypes.cpp.inc"

void RapidDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "rapid/Dialect/Rapid/RapidTypes.cpp.inc"
      >();
}

int64_t QuantType::getStorageMin() const {
  return -(int64_t(1) << (getStorage().getWidth() - 1));
}

int64_t QuantType::getStorageMax() const {
  return (int64_t(1) << (getStorage().getWidth() - 1)) - 1;
}

// !rapid.quant<i4, 0.0625> or !rapid.quant<i8, 0.02, zero_point = -3>
Type QuantType::parse(AsmParser &parser) {
  IntegerType storage;
  double scale;
  int64_t zeroPoint = 0;
  if (parser.parseLess() || parser.parseType(storage) || parser.parseComma() ||
      parser.parseFloat(scale))
    return {};
  bool compensated = false;
  while (succeeded(parser.parseOptionalComma())) {
    if (succeeded(parser.parseOptionalKeyword("compensated"))) {
      compensated = true;
      continue;
    }
    if (parser.parseKeyword("zero_point") || parser.parseEqual() ||
        parser.parseInteger(zeroPoint))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<QuantType>(parser.getContext(), storage,
                                      llvm::APFloat(scale), zeroPoint,
                                      compensated);
}

void QuantType::print(AsmPrinter &printer) const {
  printer << "<" << getStorage() << ", ";
  printer.printFloat(getScale());
  if (getZeroPoint() != 0)
    printer << ", zero_point = " << getZeroPoint();
  if (getCompensated())
    printer << ", compensated";
  printer << ">";
}

LogicalResult QuantType::verify(function_ref<InFlightDiagnostic()> emitError,
                                IntegerType storage, llvm::APFloat scale,
                                int64_t zeroPoint, bool compensated) {
  unsigned width = storage.getWidth();
  if (!storage.isSignless() || (width != 8 && width != 4 && width != 2))
    return emitError() << "quantized storage type must be i8, i4 or i2, got "
                       << storage;
  if (compensated && width != 4)
    return emitError() << "compensated (FPEC) elements are i4, got " << storage;
  double s = scale.convertToDouble();
  if (!(s > 0.0) || !std::isfinite(s))
    return emitError() << "quantization scale must be positive and finite, got "
                       << s;
  int64_t lo = -(int64_t(1) << (width - 1)),
          hi = (int64_t(1) << (width - 1)) - 1;
  if (zeroPoint < lo || zeroPoint > hi)
    return emitError() << "zero point " << zeroPoint
                       << " is outside the range [" << lo << ", " << hi
                       << "] of " << storage;
  return success();
}
