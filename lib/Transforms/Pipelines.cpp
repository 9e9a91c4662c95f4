//===- Pipelines.cpp - Pass pipelines of the rapid compiler ---------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void rapid::buildGraphPrepPipeline(OpPassManager &pm) {
  pm.addPass(createRapidCanonicalize());
  pm.addPass(createRapidFoldBatchNorm());
  pm.addPass(createRapidFuseBiasActivation());
  // Folding leaves the old weights unused; canonicalize erases them.
  pm.addPass(createRapidCanonicalize());
}
