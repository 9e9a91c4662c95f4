//===- Passes.h - Passes over the rapid dialect ------------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_TRANSFORMS_PASSES_H
#define RAPID_TRANSFORMS_PASSES_H

#include "rapid/Dialect/Rapid/RapidDialect.h"

#include "mlir/Pass/Pass.h"

namespace rapid {

#define GEN_PASS_DECL
#include "rapid/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "rapid/Transforms/Passes.h.inc"

/// Adds the graph-preparation passes that `rapidc` runs before mapping.
void buildGraphPrepPipeline(mlir::OpPassManager &pm);

} // namespace rapid

#endif // RAPID_TRANSFORMS_PASSES_H
