//===- RapidDialect.h - The rapid dialect ------------------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The tensor-level `rapid` dialect: its types, attributes and operations.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_DIALECT_RAPID_RAPIDDIALECT_H
#define RAPID_DIALECT_RAPID_RAPIDDIALECT_H

#include "rapid/Support/Vocabulary.h"
#include "rapid/Workload/Workload.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "rapid/Dialect/Rapid/RapidDialect.h.inc"
#include "rapid/Dialect/Rapid/RapidEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "rapid/Dialect/Rapid/RapidTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "rapid/Dialect/Rapid/RapidAttrs.h.inc"

#define GET_OP_CLASSES
#include "rapid/Dialect/Rapid/RapidOps.h.inc"

namespace rapid {

/// The geometry of a layer op (conv2d, conv_transpose2d, matmul, gemm, lstm,
/// lstm_cell) for the workload library; std::nullopt for other ops.
std::optional<LayerShape> getLayerShape(mlir::Operation *op);

/// The inference (FWD) workload of a layer op in the dimensions
/// {in, out, ij, mb, kij} (rapid::makeWorkload); the product of the five is
/// the layer's MAC count. std::nullopt for ops that are not layers.
std::optional<DimTuple> getLayerWorkload(mlir::Operation *op);

/// Sets (or adds) the bias operand of a conv2d or gemm, which both take
/// (input, weight, optional bias) in that order.
void setLayerBias(mlir::Operation *layer, mlir::Value bias);

/// Checks the `rapid.spatial` and `rapid.mapping` attributes of a verified
/// layer op against its workload: no split exceeds its dimension and the
/// mapping's N is the per-core share. Layer op verifiers end with this call.
mlir::LogicalResult verifyLayerMapping(mlir::Operation *op);

} // namespace rapid

#endif // RAPID_DIALECT_RAPID_RAPIDDIALECT_H
