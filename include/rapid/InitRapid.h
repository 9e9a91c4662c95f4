//===- InitRapid.h - Register everything rapid tools need ---------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Static registration objects are dropped when linking static libraries, so
// every tool registers dialects, passes and pipelines explicitly here.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_INITRAPID_H
#define RAPID_INITRAPID_H

#include "rapid/Dialect/Rapid/RapidDialect.h"
#include "rapid/Dialect/RapidISA/RapidISADialect.h"
#include "rapid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace rapid {

inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<RapidDialect, isa::RapidISADialect, mlir::func::FuncDialect>();
}

inline void registerAllPasses() {
  registerRapidPasses();
  // Generic cleanups users combine with ours (canonicalize, cse, ...).
  mlir::registerTransformsPasses();
  mlir::PassPipelineRegistration<>(
      "rapid-graph-prep",
      "Graph preparation as rapidc runs it: rapid-canonicalize, "
      "rapid-fold-batchnorm, rapid-fuse-bias-activation, rapid-canonicalize",
      [](mlir::OpPassManager &pm) { buildGraphPrepPipeline(pm); });
}

} // namespace rapid

#endif // RAPID_INITRAPID_H
