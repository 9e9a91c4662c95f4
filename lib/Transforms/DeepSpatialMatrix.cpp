//===- DeepSpatialMatrix.cpp - rapid-deep-spatial-matrix ------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// A thin adapter: the layer graph becomes a rapid::SpatialNetwork, the plain
// C++ planner (lib/Search/DeepSpatialMatrix) divides it, and each layer's
// division becomes #rapid.spatial.
//
//===----------------------------------------------------------------------===//

#include "rapid/Target/MappingReport.h"
#include "rapid/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Process.h"

namespace rapid {
#define GEN_PASS_DEF_RAPIDDEEPSPATIALMATRIX
#include "rapid/Transforms/Passes.h.inc"
} // namespace rapid

using namespace mlir;
using namespace rapid;

namespace {
struct DeepSpatialMatrixPass
    : public rapid::impl::RapidDeepSpatialMatrixBase<DeepSpatialMatrixPass> {
  using Base::Base;
  DeepSpatialMatrixPass(const RapidDeepSpatialMatrixOptions &options,
                        SpatialStats *stats, bool progress)
      : Base(options), stats(stats), progress(progress) {}

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fail = [&](const llvm::Twine &message) {
      module.emitError() << "rapid-deep-spatial-matrix: " << message;
      signalPassFailure();
    };
    llvm::Expected<ArchSpec> spec = loadArchSpec(arch);
    if (!spec)
      return fail(llvm::toString(spec.takeError()));
    if (mode != "infer" && mode != "train")
      return fail("unknown mode '" + mode + "'; expected infer or train");
    std::optional<PrecisionConfig> pc = parsePrecisionPolicy(precision);
    if (!pc)
      return fail("unknown precision '" + precision +
                  "'; expected fp32, fp16, hfp8, int8, int4 or int2");
    if (budget < 0)
      return fail("budget must be >= 0");
    LayerGraph g = buildLayerGraph(module, mode == "train");
    SpatialOptions options;
    options.search = defaultSpatialSearchOptions();
    options.search.precision = *pc;
    options.search.budget = budget;
    options.homogeneousBaseline = baseline;
    options.activationReuse = options.dynamicSpatialMinibatching =
        options.weightPreload = options.timestepPipelining = memoryOpts;
    if (progress)
      options.progress = [](size_t done, size_t n) {
        llvm::errs() << "\rrapid-deep-spatial-matrix: divided " << done << "/"
                     << n << " layers" << (done == n ? "\n" : "");
      };
    int failed = -1;
    llvm::Expected<NetworkPlan> plan =
        planNetwork(g.net, *spec, options, &failed);
    if (!plan) {
      std::string why = llvm::toString(plan.takeError());
      if (failed < 0)
        return fail("cannot divide the network over " + spec->name + ": " +
                    why);
      g.ops[failed]->emitError()
          << "rapid-deep-spatial-matrix: on " << spec->name << ": " << why;
      return signalPassFailure();
    }
    MLIRContext *context = &getContext();
    for (size_t i = 0; i < g.ops.size(); ++i)
      g.ops[i]->setAttr(
          RapidDialect::kSpatialAttrName,
          toSpatialAttr(context, plan->layers[i].config, spec->chip.cores));
    numLayers += g.ops.size();
    numPriced += plan->stats.configsPriced;
    numSearches += plan->stats.searches;
    numStates += plan->stats.dpStates;
    if (stats)
      *stats = plan->stats;
  }

  SpatialStats *stats = nullptr;
  bool progress = false;
};
} // namespace

std::unique_ptr<Pass>
rapid::createDeepSpatialMatrixPass(const RapidDeepSpatialMatrixOptions &options,
                                   SpatialStats *stats, bool progress) {
  return std::make_unique<DeepSpatialMatrixPass>(options, stats, progress);
}
