//===- RapidISADialect.h - The rapid_isa dialect ------------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The `rapid_isa` dialect: a compiled program instruction by instruction
// over explicit memory regions (dialects/RapidISA/RapidISA.td), and its
// conversion to and from model.bin's in-memory form (rapid::isa::ModelBinary).
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_DIALECT_RAPIDISA_RAPIDISADIALECT_H
#define RAPID_DIALECT_RAPIDISA_RAPIDISADIALECT_H

#include "rapid/ISA/ISA.h"
#include "rapid/ISA/ModelBinary.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"

#include "rapid/Dialect/RapidISA/RapidISADialect.h.inc"

namespace rapid::isa {
/// The shared parser, printer, verifier and field accessor of the
/// instruction ops (one per row of Instructions.def).
mlir::ParseResult parseInstructionOp(mlir::OpAsmParser &parser,
                                     mlir::OperationState &result,
                                     Opcode opcode);
void printInstructionOp(mlir::OpAsmPrinter &p, mlir::Operation *op,
                        Opcode opcode);
mlir::LogicalResult verifyInstructionOp(mlir::Operation *op, Opcode opcode);
int64_t instructionField(mlir::Operation *op, Opcode opcode,
                         llvm::StringRef name);
} // namespace rapid::isa

#define GET_OP_CLASSES
#include "rapid/Dialect/RapidISA/RapidISAOps.h.inc"

namespace rapid::isa {

/// The model.bin contents of a verified program. Fails (with a diagnostic
/// at the offending op) when a region `seti` names does not exist or an
/// encoded field is out of range.
mlir::FailureOr<ModelBinary> toModelBinary(ProgramOp program);

/// A program op holding exactly `m`, built at the end of `module`'s body.
/// Loops are rebuilt as regions from their body counts (readModelBinary has
/// checked that they nest).
ProgramOp fromModelBinary(const ModelBinary &m, mlir::ModuleOp module);

/// The instruction an instruction op (not a loop) encodes, without region
/// resolution.
Instruction instructionOf(mlir::Operation *op);

} // namespace rapid::isa

#endif // RAPID_DIALECT_RAPIDISA_RAPIDISADIALECT_H
