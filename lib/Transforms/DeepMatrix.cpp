//===- DeepMatrix.cpp - rapid-deep-matrix ---------------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// A thin adapter: each layer kernel becomes a rapid::LayerTask (the core's
// share under the layer's #rapid.spatial), the plain C++ search
// (lib/Search) maps it, and the result becomes #rapid.mapping.
//
//===----------------------------------------------------------------------===//

#include "rapid/Target/LayerSummary.h"
#include "rapid/Target/MappingReport.h"
#include "rapid/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"

namespace rapid {
#define GEN_PASS_DEF_RAPIDDEEPMATRIX
#include "rapid/Transforms/Passes.h.inc"
} // namespace rapid

using namespace mlir;
using namespace rapid;

std::optional<PrecisionConfig> rapid::parsePrecisionPolicy(StringRef name) {
  PrecisionConfig pc;
  if (name == "fp16")
    return pc;
  if (name == "fp32") {
    // The verification mode: weights, activations and accumulation in FP32,
    // so a program computes what an FP32 reference (onnxruntime) computes up
    // to summation order. Architectures without an FP32 MAC rate emulate it
    // at a quarter of the FP16 rate (CoreModel::lanes).
    pc.inp = pc.ker = pc.acc = Precision::FP32;
    return pc;
  }
  if (name == "hfp8") {
    // The seed's forward format, FP16 accumulation in chunks of 64.
    pc.inp = pc.ker = Precision::HFP8_143;
    pc.acc = Precision::FP16;
    pc.chunk = 64;
    return pc;
  }
  for (Precision p : {Precision::INT8, Precision::INT4, Precision::INT2})
    if (name == stringify(p)) {
      pc.inp = pc.ker = p;
      return pc;
    }
  return std::nullopt;
}

namespace {
struct DeepMatrixPass
    : public rapid::impl::RapidDeepMatrixBase<DeepMatrixPass> {
  using Base::Base;
  DeepMatrixPass(const RapidDeepMatrixOptions &options, MappingStatsSink *sink)
      : Base(options), sink(sink) {}

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::Expected<ArchSpec> spec = loadArchSpec(arch);
    if (!spec) {
      module.emitError() << "rapid-deep-matrix: "
                         << llvm::toString(spec.takeError());
      return signalPassFailure();
    }
    if (mode != "infer" && mode != "train") {
      module.emitError() << "rapid-deep-matrix: unknown mode '" << mode
                         << "'; expected infer or train";
      return signalPassFailure();
    }
    std::optional<PrecisionConfig> pc = parsePrecisionPolicy(precision);
    if (!pc) {
      module.emitError() << "rapid-deep-matrix: unknown precision '"
                         << precision
                         << "'; expected fp32, fp16, hfp8, int8, int4 or int2";
      return signalPassFailure();
    }
    SearchOptions options;
    options.precision = *pc;
    options.budget = budget;
    options.exhaustive = exhaustive;
    // Inference mappings are lowered to programs (rapid-lower-to-isa): keep
    // to those the backend lowers.
    options.lowerable = mode == "infer";
    MLIRContext *context = &getContext();

    bool training = mode == "train";
    WalkResult walk = module.walk([&](Operation *op) {
      if (!getLayerShape(op))
        return WalkResult::advance();
      // The core's share from rapid.spatial (DeepSpatialMatrix), or the
      // layer on one chip divided over its cores, recorded.
      SpatialConfig config = spatialConfigOf(op, *spec);
      if (!op->hasAttr(RapidDialect::kSpatialAttrName) && spec->chip.cores > 1)
        op->setAttr(RapidDialect::kSpatialAttrName,
                    toSpatialAttr(context, config, spec->chip.cores));
      SpatialLayer layer = spatialLayerOf(op, training);
      // The layer's own precisions where rapid-assign-precision set them.
      std::string why;
      std::optional<PrecisionConfig> lpc = layerPrecision(op, *pc, &why);
      if (!lpc) {
        op->emitError() << "cannot map layer '" << layerName(op)
                        << "': " << why;
        return WalkResult::interrupt();
      }
      SearchOptions layerOptions = options;
      layerOptions.precision = *lpc;
      CoreModel core = spatialCoreModel(layer, *spec, config, *lpc);
      for (Kernel kernel : layer.kernels) {
        auto cannotMap = [&]() {
          return op->emitError()
                 << "cannot map layer '" << layerName(op) << "' ("
                 << stringify(kernel) << ") on " << spec->name << ": ";
        };
        LayerTask task = spatialLayerTask(layer, kernel, config, training);
        // The seed's hybrid FP8: forward tensors in 1-4-3, the backward
        // pass's (errors and their products) in 1-5-2.
        SearchOptions kernelOptions = layerOptions;
        if (kernel != Kernel::FWD && lpc->inp == Precision::HFP8_143 &&
            precision != "hfp8")
          kernelOptions.precision.inp = kernelOptions.precision.ker =
              Precision::HFP8_152;
        Mapping mapping;
        if (search) {
          llvm::Expected<SearchResult> result =
              searchMapping(task, core, kernelOptions);
          if (!result) {
            cannotMap() << llvm::toString(result.takeError());
            return WalkResult::interrupt();
          }
          mapping = result->best.mapping;
          const SearchStats &st = result->stats;
          numEvaluated += st.evaluated;
          numPrunedCapacity += st.prunedCapacity;
          numPrunedBound += st.prunedBound;
          if (sink) {
            sink->perKernel[{op, kernel}] = st;
            sink->total.add(st);
          }
        } else {
          std::string why = checkPrecision(core, kernelOptions.precision);
          if (!why.empty()) {
            cannotMap() << why;
            return WalkResult::interrupt();
          }
          std::optional<Mapping> base =
              baselineMapping(task, core, kernelOptions.precision);
          if (!base) {
            cannotMap() << "the baseline mapping's smallest tile does not fit "
                           "the scratchpads";
            return WalkResult::interrupt();
          }
          mapping = *base;
        }
        op->setAttr(RapidDialect::mappingAttrName(kernel),
                    toMappingAttr(context, task.workload, mapping));
        ++numKernels;
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }

  MappingStatsSink *sink = nullptr;
};
} // namespace

std::unique_ptr<Pass>
rapid::createDeepMatrixPass(const RapidDeepMatrixOptions &options,
                            MappingStatsSink *sink) {
  return std::make_unique<DeepMatrixPass>(options, sink);
}
