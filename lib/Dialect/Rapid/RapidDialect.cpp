//===- RapidDialect.cpp - The rapid dialect -------------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/Rapid/RapidDialect.h"

using namespace mlir;
using namespace rapid;

#include "rapid/Dialect/Rapid/RapidDialect.cpp.inc"
#include "rapid/Dialect/Rapid/RapidEnums.cpp.inc"

void RapidDialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "rapid/Dialect/Rapid/RapidOps.cpp.inc"
      >();
}

Operation *RapidDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  if (!elements)
    return nullptr;
  return builder.create<ConstantOp>(loc, type, elements);
}
