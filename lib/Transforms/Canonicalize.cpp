//===- Canonicalize.cpp - rapid-canonicalize ------------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace rapid {
#define GEN_PASS_DEF_RAPIDCANONICALIZE
#include "rapid/Transforms/Passes.h.inc"
} // namespace rapid

using namespace mlir;
using namespace rapid;

namespace {
struct RapidCanonicalizePass
    : public rapid::impl::RapidCanonicalizeBase<RapidCanonicalizePass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    // Only the rapid dialect's patterns: other dialects are left as they are.
    for (RegisteredOperationName name : context->getRegisteredOperations())
      if (name.getDialectNamespace() == RapidDialect::getDialectNamespace())
        name.getCanonicalizationPatterns(patterns, context);
    FrozenRewritePatternSet frozen(std::move(patterns));

    int64_t before = countOps();
    GreedyRewriteConfig config;
    config.maxIterations = maxIterations;
    // Failure means "did not converge": the IR is still valid, so warn and go
    // on, as MLIR's canonicalizer does.
    if (failed(applyPatternsAndFoldGreedily(getOperation(), frozen, config)))
      getOperation()->emitWarning()
          << "rapid-canonicalize did not converge in "
          << maxIterations.getValue() << " iterations";
    numOpsRemoved += before - countOps();
  }

  int64_t countOps() {
    int64_t n = 0;
    getOperation()->walk([&](Operation *) { ++n; });
    return n;
  }
};
} // namespace
