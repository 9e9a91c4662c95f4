//===- AssignPrecision.cpp - rapid-assign-precision -----------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Chooses each PE-array layer's precision and writes it into the IR: casts
// to HFP8, quantizations of inputs and quantized weight constants, which
// rapid-deep-matrix and rapid-lower-to-isa follow (layerPrecision). The
// clips come from the plain C++ numerics (SAWB, max-abs, percentile weight
// clips; calibration statistics); the calibration and the accuracy-aware
// search compile the model and run it on rapid-sim's executor
// (sim::ModelRunner), so that what they measure is what the accelerator
// computes.
//
//===----------------------------------------------------------------------===//

#include "rapid/Arch/ArchSpec.h"
#include "rapid/Dialect/Rapid/ConstantValues.h"
#include "rapid/Dialect/Rapid/RapidDialect.h"
#include "rapid/Dialect/RapidISA/RapidISADialect.h"
#include "rapid/Numerics/FixedPoint.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Search/DeepMatrix.h"
#include "rapid/Search/DeepSpatialMatrix.h"
#include "rapid/Sim/Model.h"
#include "rapid/Sim/Npy.h"
#include "rapid/Target/LayerSummary.h"
#include "rapid/Target/MappingReport.h"
#include "rapid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace rapid {
#define GEN_PASS_DEF_RAPIDASSIGNPRECISION
#include "rapid/Transforms/Passes.h.inc"
} // namespace rapid

using namespace mlir;
using namespace rapid;

ArrayRef<StringRef> rapid::precisionPolicies() {
  static const StringRef kPolicies[] = {
      "fp32", "fp16",          "hfp8",      "hybrid-fp8", "int8",
      "int4", "int4-biscaled", "int4-fpec", "int2",       "auto"};
  return kPolicies;
}

std::string rapid::listPrecisionPolicies() {
  ArrayRef<StringRef> all = precisionPolicies();
  return llvm::join(all.drop_back(), ", ") + " or " + all.back().str();
}

bool rapid::choosesPerLayer(StringRef policy) {
  return policy != "fp32" && policy != "fp16" && policy != "hfp8";
}

namespace {

/// What a layer is assigned: its input and weight precision (FP16 leaves
/// it to the mapping's policy).
using Assignment = std::vector<Precision>;

/// The statistics of one tensor over the calibration inputs: its range and
/// an evenly strided sample of its elements.
struct TensorStats {
  double lo = INFINITY, hi = -INFINITY;
  std::vector<double> sample;
};

constexpr size_t kSampleTarget = 1 << 16;

/// The input and weights of a PE-array layer with constant weights.
struct Layer {
  Operation *op;
  Value input;
  OpOperand *weights;
};

std::optional<Layer> layerOf(Operation *op) {
  if (auto conv = dyn_cast<Conv2DOp>(op))
    if (conv.getWeight().getDefiningOp<ConstantOp>())
      return Layer{op, conv.getInput(), &op->getOpOperand(1)};
  if (auto gemm = dyn_cast<GemmOp>(op))
    if (gemm.getB().getDefiningOp<ConstantOp>() && !gemm.getTransposeA() &&
        gemm.getAlphaValue() == 1.0)
      return Layer{op, gemm.getA(), &op->getOpOperand(1)};
  if (auto mm = dyn_cast<MatMulOp>(op))
    if (mm.getRhs().getDefiningOp<ConstantOp>() &&
        cast<ShapedType>(mm.getRhs().getType()).getRank() == 2)
      return Layer{op, mm.getLhs(), &op->getOpOperand(1)};
  return std::nullopt;
}

func::FuncOp theFunction(ModuleOp module) {
  func::FuncOp found;
  for (auto f : module.getOps<func::FuncOp>())
    if (!f.isExternal()) {
      if (found)
        return {};
      found = f;
    }
  return found;
}

std::vector<Layer> layersOf(func::FuncOp f) {
  std::vector<Layer> layers;
  f.walk([&](Operation *op) {
    if (std::optional<Layer> l = layerOf(op))
      layers.push_back(*l);
  });
  return layers;
}

/// Follows reshapes and flattens (which keep the values) from `v`'s users.
bool feedsSoftmax(Value v) {
  for (Operation *user : v.getUsers()) {
    if (llvm::isa<SoftmaxOp>(user))
      return true;
    if (llvm::isa<ReshapeOp, FlattenOp>(user) &&
        feedsSoftmax(user->getResult(0)))
      return true;
  }
  return false;
}

/// The PACT clip [0, hi] that produced `v`, if any: a `clip` with a zero
/// lower bound, or a layer's fused clip activation.
std::optional<double> pactClip(Value v) {
  Operation *def = v.getDefiningOp();
  while (def && llvm::isa<ReshapeOp, FlattenOp>(def))
    def = def->getOperand(0).getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto clip = dyn_cast<ClipOp>(def))
    if (clip.getMin().convertToDouble() == 0 &&
        clip.getMax().convertToDouble() > 0)
      return clip.getMax().convertToDouble();
  if (auto act = def->getAttrOfType<ActivationAttr>("activation"))
    if (act.getKind() == ActivationKind::clip &&
        act.getAlpha().convertToDouble() == 0 &&
        act.getBeta().convertToDouble() > 0)
      return act.getBeta().convertToDouble();
  return std::nullopt;
}

int bitsOf(Precision p) { return int(storageBits(p)); }

/// An activation clip: symmetric for signed data (zero point 0, 2^(b-1)-1
/// levels a side), every level for non-negative data (zero point
/// -2^(b-1)).
struct ActQuant {
  double scale;
  int64_t zeroPoint;
};
ActQuant activationQuant(double range, bool nonNegative, int bits) {
  range = std::max(range, 1e-8);
  if (nonNegative)
    return {range / double((int64_t(1) << bits) - 1),
            -(int64_t(1) << (bits - 1))};
  return {range / double((int64_t(1) << (bits - 1)) - 1), 0};
}

/// The mean squared error of quantizing `xs` with `q` (as the accelerator
/// does: round to nearest even, saturate).
double activationMSE(ArrayRef<double> xs, ActQuant q, int bits) {
  int64_t lo = -(int64_t(1) << (bits - 1)), hi = (int64_t(1) << (bits - 1)) - 1;
  double sum = 0;
  for (double x : xs) {
    double s = std::nearbyint(x / q.scale) + double(q.zeroPoint);
    s = std::clamp(s, double(lo), double(hi));
    double back = q.scale * (s - double(q.zeroPoint));
    sum += (x - back) * (x - back);
  }
  return xs.empty() ? 0 : sum / double(xs.size());
}

double percentileOf(std::vector<double> xs, double percent) {
  if (xs.empty())
    return 0;
  size_t k =
      size_t(std::clamp(percent / 100.0, 0.0, 1.0) * double(xs.size() - 1));
  std::nth_element(xs.begin(), xs.begin() + ptrdiff_t(k), xs.end());
  return xs[k];
}

struct AssignPrecisionPass
    : public rapid::impl::RapidAssignPrecisionBase<AssignPrecisionPass> {
  using Base::Base;

  ModuleOp module;
  std::optional<ArchSpec> spec;
  /// The calibration inputs, one vector per model run.
  std::vector<std::vector<double>> batches;
  /// The FP32 model's top-1 answers on them (auto's reference).
  std::vector<int64_t> referenceTop1, labelTop1;

  InFlightDiagnostic error(const Twine &why) {
    return module.emitError() << "rapid-assign-precision: " << why;
  }

  /// Compiles a copy of `m` (mapped with the baseline mapping, as `policy`
  /// for the layers whose types do not say) and runs it on every
  /// calibration input; the outputs of each run.
  FailureOr<std::vector<std::vector<std::vector<float>>>>
  simulate(ModuleOp m, StringRef precisionPolicy) {
    PassManager pm(m.getContext());
    RapidDeepMatrixOptions mapOptions;
    mapOptions.arch = arch;
    mapOptions.precision = precisionPolicy.str();
    mapOptions.search = false;
    pm.addPass(createDeepMatrixPass(mapOptions, nullptr));
    RapidLowerToISAOptions lowerOptions;
    lowerOptions.arch = arch;
    lowerOptions.precision = precisionPolicy.str();
    pm.addPass(createRapidLowerToISA(lowerOptions));
    if (failed(pm.run(m))) {
      error("cannot compile the model for the calibration runs");
      return failure();
    }
    auto programs = m.getOps<isa::ProgramOp>();
    if (programs.empty())
      return failure();
    FailureOr<isa::ModelBinary> binary = isa::toModelBinary(*programs.begin());
    if (failed(binary))
      return failure();
    llvm::Expected<std::unique_ptr<sim::ModelRunner>> runner =
        sim::ModelRunner::create(*binary, *spec);
    if (!runner) {
      error(llvm::toString(runner.takeError()));
      return failure();
    }
    std::vector<std::vector<std::vector<float>>> results;
    for (const std::vector<double> &batch : batches) {
      llvm::Expected<std::vector<std::vector<float>>> out =
          (*runner)->run({batch});
      if (!out) {
        error("the calibration run failed: " + llvm::toString(out.takeError()));
        return failure();
      }
      ++numRuns;
      results.push_back(std::move(*out));
    }
    return results;
  }

  /// Reads the calibration inputs into batches of the model's input shape.
  LogicalResult loadCalibration(func::FuncOp f) {
    if (calibration.empty())
      return error("policy '" + policy +
                   "' needs calibration inputs to set the activations' "
                   "scales (calibration=FILE.npy)"),
             failure();
    if (f.getNumArguments() != 1)
      return error("calibration supports models with one input; this one "
                   "has " +
                   Twine(f.getNumArguments())),
             failure();
    ArrayRef<int64_t> shape =
        cast<ShapedType>(f.getArgument(0).getType()).getShape();
    llvm::Expected<sim::NpyArray> a = sim::readNpy(calibration);
    if (!a)
      return error("calibration: " + llvm::toString(a.takeError())), failure();
    int64_t perInput = 1;
    for (int64_t d : shape)
      perInput *= d;
    int64_t batch = shape.empty() ? 1 : shape[0];
    int64_t perSample = batch > 0 ? perInput / batch : perInput;
    // [N, ...] of the input's shape without its batch dimension, or the
    // input's shape itself.
    bool matches =
        a->shape.size() == shape.size() &&
        std::equal(a->shape.begin() + 1, a->shape.end(), shape.begin() + 1);
    if (!matches || a->shape.empty() || perSample == 0)
      return error(llvm::formatv(
                 "calibration: '{0}' has shape [{1}]; expected [N, {2}] "
                 "(samples of the input without its batch dimension)",
                 calibration,
                 llvm::join(
                     llvm::map_range(
                         a->shape, [](int64_t x) { return std::to_string(x); }),
                     ", "),
                 llvm::join(llvm::map_range(
                                shape.drop_front(),
                                [](int64_t x) { return std::to_string(x); }),
                            ", "))),
             failure();
    int64_t n = a->shape[0];
    if (samples > 0)
      n = std::min<int64_t>(n, std::max<int64_t>(samples, batch));
    int64_t runs = n / batch;
    if (runs == 0)
      return error(llvm::formatv("calibration: '{0}' holds {1} inputs, "
                                 "fewer than one batch of {2}",
                                 calibration, a->shape[0], batch)),
             failure();
    for (int64_t r = 0; r < runs; ++r) {
      auto from = a->data.begin() + r * perInput;
      batches.emplace_back(from, from + perInput);
    }
    if (!labels.empty()) {
      llvm::Expected<sim::NpyArray> l = sim::readNpy(labels);
      if (!l)
        return error("labels: " + llvm::toString(l.takeError())), failure();
      if (l->data.size() < size_t(runs * batch))
        return error(llvm::formatv("labels: '{0}' holds {1} labels for {2} "
                                   "calibration inputs",
                                   labels, l->data.size(), runs * batch)),
               failure();
      for (int64_t i = 0; i < runs * batch; ++i)
        labelTop1.push_back(int64_t(l->data[size_t(i)]));
    }
    return success();
  }

  /// Top-1 of each row of output 0 over the runs.
  static std::vector<int64_t>
  top1(const std::vector<std::vector<std::vector<float>>> &results,
       int64_t batch) {
    std::vector<int64_t> out;
    for (const auto &run : results) {
      const std::vector<float> &logits = run.front();
      int64_t classes = int64_t(logits.size()) / std::max<int64_t>(batch, 1);
      for (int64_t b = 0; b < batch; ++b) {
        auto row = logits.begin() + b * classes;
        out.push_back(int64_t(std::max_element(row, row + classes) - row));
      }
    }
    return out;
  }

  /// The FP32 model's statistics at every layer's input (and, with
  /// shortcut=quantized, at every add's operands); fills referenceTop1.
  FailureOr<llvm::DenseMap<Value, TensorStats>>
  calibrate(func::FuncOp f, ArrayRef<Value> taps) {
    IRMapping mapper;
    OwningOpRef<ModuleOp> copy = cast<ModuleOp>(module->clone(mapper));
    func::FuncOp g = theFunction(*copy);
    auto ret = cast<func::ReturnOp>(g.getBody().front().getTerminator());
    unsigned first = ret.getNumOperands();
    for (Value v : taps) {
      Value mapped = mapper.lookup(v);
      g.insertResult(g.getNumResults(), mapped.getType(),
                     DictionaryAttr::get(&getContext()));
      ret->insertOperands(ret.getNumOperands(), mapped);
    }
    FailureOr<std::vector<std::vector<std::vector<float>>>> results =
        simulate(*copy, "fp32");
    if (failed(results))
      return failure();
    int64_t batch =
        cast<ShapedType>(f.getArgument(0).getType()).getShape().front();
    referenceTop1 = top1(*results, batch);
    llvm::DenseMap<Value, TensorStats> stats;
    for (auto [i, v] : llvm::enumerate(taps)) {
      TensorStats &s = stats[v];
      size_t total = 0;
      for (const auto &run : *results)
        total += run[first + i].size();
      size_t stride = std::max<size_t>(1, total / kSampleTarget);
      size_t at = 0;
      for (const auto &run : *results)
        for (float x : run[first + i]) {
          s.lo = std::min(s.lo, double(x));
          s.hi = std::max(s.hi, double(x));
          if (at++ % stride == 0)
            s.sample.push_back(double(x));
        }
    }
    return stats;
  }

  /// The clip of a calibrated tensor for `bits`.
  ActQuant calibratedQuant(const TensorStats &s, int bits) {
    bool nonNegative = s.lo >= 0;
    std::vector<double> mags;
    mags.reserve(s.sample.size());
    for (double x : s.sample)
      mags.push_back(std::fabs(x));
    double top = std::max(std::fabs(s.lo), std::fabs(s.hi));
    if (activations == "max")
      return activationQuant(top, nonNegative, bits);
    if (activations == "percentile")
      return activationQuant(percentileOf(mags, percentile), nonNegative, bits);
    // MSE-optimal: the best of 100 clips up to the maximum.
    ActQuant best = activationQuant(top, nonNegative, bits);
    double bestError = activationMSE(s.sample, best, bits);
    for (int k = 1; k < 100; ++k) {
      ActQuant q = activationQuant(top * k / 100.0, nonNegative, bits);
      double e = activationMSE(s.sample, q, bits);
      if (e < bestError) {
        bestError = e;
        best = q;
      }
    }
    return best;
  }

  /// A location naming the op that converts something for `layer` (as
  /// the report and rapid-sim name its step).
  static Location named(Operation *layer, StringRef what) {
    return NameLoc::get(
        StringAttr::get(layer->getContext(), layerName(layer) + "." + what),
        layer->getLoc());
  }

  /// Rewrites the layers of `f` (the module's function or a copy of it: its
  /// layers in the same order) as `assignment` says; `stats` are by the
  /// module's own values.
  LogicalResult apply(func::FuncOp f, const Assignment &assignment,
                      const llvm::DenseMap<Value, TensorStats> &stats) {
    std::vector<Layer> originals = layersOf(theFunction(module));
    std::vector<Layer> layers = layersOf(f);
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    // One cast or quantization per value and format.
    std::map<std::pair<void *, std::string>, Value> converted;
    auto statsOf = [&](size_t i) -> const TensorStats * {
      auto it = stats.find(originals[i].input);
      return it == stats.end() ? nullptr : &it->second;
    };
    for (size_t i = 0; i < layers.size(); ++i) {
      Precision p = assignment[i];
      Layer &l = layers[i];
      if (p == Precision::FP16)
        continue;
      b.setInsertionPoint(l.op);
      auto inType = cast<RankedTensorType>(l.input.getType());
      if (p == Precision::HFP8_143) {
        auto key =
            std::make_pair(l.input.getAsOpaquePointer(), std::string("hfp8"));
        Value &cast = converted[key];
        if (!cast)
          cast = b.create<CastOp>(
              named(l.op, "cast_input"),
              RankedTensorType::get(inType.getShape(),
                                    Float8E4M3B11FNUZType::get(ctx)),
              l.input);
        l.op->setOperand(0, cast);
        ++numHfp8;
        continue;
      }
      // (BiScaled4: INT4 inputs, BiScaled weights.)
      bool biScaled = p == Precision::BiScaled4;
      // (FPEC4: inputs and weights in 4 bits with their error directions.)
      bool compensated = p == Precision::FPEC4;
      int bits = biScaled || compensated ? 4 : bitsOf(p);
      // The input: a PACT clip, or calibrated.
      ActQuant aq;
      if (std::optional<double> clip = pactClip(l.input)) {
        aq = activationQuant(*clip, true, bits);
        ++numPact;
      } else {
        const TensorStats *s = statsOf(i);
        if (!s)
          return error("internal error: no calibration statistics for "
                       "layer '" +
                       layerName(l.op) + "'"),
                 failure();
        aq = calibratedQuant(*s, bits);
        ++numCalibrated;
      }
      auto storage = IntegerType::get(ctx, unsigned(bits));
      auto quantized = RankedTensorType::get(
          inType.getShape(),
          QuantType::get(storage, aq.scale, aq.zeroPoint, compensated));
      auto key = std::make_pair(l.input.getAsOpaquePointer(),
                                llvm::formatv("{0}:{1}:{2}:{3}", bits, aq.scale,
                                              aq.zeroPoint, compensated)
                                    .str());
      Value &q = converted[key];
      if (!q)
        q = b.create<QuantizeOp>(named(l.op, "quantize_input"), quantized,
                                 l.input);
      l.op->setOperand(0, q);
      // The weights: symmetric per tensor.
      auto cst = l.weights->get().getDefiningOp<ConstantOp>();
      std::optional<SmallVector<double>> w = readFloatElements(cst.getValue());
      if (!w)
        return error("layer '" + layerName(l.op) +
                     "': cannot read its weights"),
               failure();
      if (biScaled) {
        quantizeBiScaledWeights(b, l, cst, *w);
        ++numInteger;
        continue;
      }
      double clip = weights == "max" ? numerics::maxAbsClip(*w)
                    : weights == "percentile"
                        ? numerics::percentileClip(*w, percentile)
                        : numerics::sawbClip(*w, bits);
      clip = std::min(clip, numerics::maxAbsClip(*w));
      if (!(clip > 0))
        clip = 1;
      int64_t levels = (int64_t(1) << (bits - 1)) - 1;
      SmallVector<APInt> ints, directions;
      double step = clip / double(levels);
      for (double x : *w) {
        int64_t q = numerics::quantizeSymmetric(x, clip, bits);
        ints.push_back(APInt(unsigned(bits), uint64_t(q), /*isSigned=*/true));
        // FPEC: the error's direction, 0 within a quarter step.
        double e = x / step - double(q);
        int64_t d = std::fabs(e) > 0.25 ? (e > 0 ? 1 : -1) : 0;
        directions.push_back(APInt(2, uint64_t(d), /*isSigned=*/true));
      }
      auto wType = cast<RankedTensorType>(cst.getType());
      auto stored = DenseIntElementsAttr::get(
          RankedTensorType::get(wType.getShape(), storage), ints);
      ElementsAttr dirs;
      if (compensated)
        dirs = DenseIntElementsAttr::get(
            RankedTensorType::get(wType.getShape(), IntegerType::get(ctx, 2)),
            directions);
      auto qc = b.create<QuantConstantOp>(
          cst.getLoc(),
          RankedTensorType::get(wType.getShape(),
                                QuantType::get(storage, step, 0, compensated)),
          stored, dirs);
      l.weights->set(qc);
      ++numInteger;
    }
    return success();
  }

  /// BiScaled weights (kBiScaled4: 4-bit integers in a fine step s, or in
  /// 4 s where |w| >= 8 s): the fine step of the least squared error among
  /// 100 from max|w| / 28 (nothing clipped) to max|w| / 7 (nothing wide).
  /// Stored as an int8-typed quant_constant of scale s holding the values
  /// in fine steps, the layer marked RapidDialect::kBiScaledWeightsAttrName.
  void quantizeBiScaledWeights(OpBuilder &b, Layer &l, ConstantOp cst,
                               ArrayRef<double> w) {
    auto represent = [](double x, double s) {
      return numerics::fromStorage(
          numerics::toStorage(x / s, Precision::BiScaled4),
          Precision::BiScaled4);
    };
    double top = std::max(numerics::maxAbsClip(w), 1e-12);
    double best = top / 28, bestError = INFINITY;
    for (int k = 0; k < 100; ++k) {
      double s = top / 28 * std::pow(4.0, k / 99.0), e = 0;
      for (double x : w) {
        double d = x - s * represent(x, s);
        e += d * d;
      }
      if (e < bestError) {
        bestError = e;
        best = s;
      }
    }
    auto i8 = IntegerType::get(&getContext(), 8);
    SmallVector<APInt> ints;
    for (double x : w)
      ints.push_back(APInt(8, uint64_t(int64_t(represent(x, best))),
                           /*isSigned=*/true));
    auto wType = cast<RankedTensorType>(cst.getType());
    auto qc = b.create<QuantConstantOp>(
        cst.getLoc(),
        RankedTensorType::get(wType.getShape(), QuantType::get(i8, best)),
        DenseIntElementsAttr::get(RankedTensorType::get(wType.getShape(), i8),
                                  ints),
        ElementsAttr());
    l.weights->set(qc);
    l.op->setAttr(RapidDialect::kBiScaledWeightsAttrName,
                  UnitAttr::get(&getContext()));
  }

  /// With shortcut=quantized: the operands of residual adds quantized and
  /// dequantized at `bits`.
  LogicalResult
  quantizeShortcuts(func::FuncOp f, int bits,
                    const llvm::DenseMap<Value, TensorStats> &stats) {
    OpBuilder b(&getContext());
    SmallVector<AddOp> adds;
    f.walk([&](AddOp add) { adds.push_back(add); });
    for (AddOp add : adds) {
      for (OpOperand &operand : add->getOpOperands()) {
        auto it = stats.find(operand.get());
        if (it == stats.end())
          continue;
        ActQuant aq = calibratedQuant(it->second, bits);
        auto type = cast<RankedTensorType>(operand.get().getType());
        b.setInsertionPoint(add);
        auto storage = IntegerType::get(&getContext(), unsigned(bits));
        Value q = b.create<QuantizeOp>(
            add.getLoc(),
            RankedTensorType::get(
                type.getShape(),
                QuantType::get(storage, aq.scale, aq.zeroPoint)),
            operand.get());
        Value d = b.create<DequantizeOp>(add.getLoc(), type, q);
        operand.set(d);
        ++numCalibrated;
      }
    }
    return success();
  }

  /// The accuracy of a copy of the module with `assignment` on the
  /// calibration inputs: top-1 against the labels, else against the FP32
  /// model's answers, in percent.
  FailureOr<double> accuracy(const Assignment &assignment,
                             const llvm::DenseMap<Value, TensorStats> &stats,
                             int64_t batch) {
    OwningOpRef<ModuleOp> copy = cast<ModuleOp>(module->clone());
    if (failed(apply(theFunction(*copy), assignment, stats)))
      return failure();
    FailureOr<std::vector<std::vector<std::vector<float>>>> results =
        simulate(*copy, "fp16");
    if (failed(results))
      return failure();
    std::vector<int64_t> got = top1(*results, batch);
    const std::vector<int64_t> &want =
        labelTop1.empty() ? referenceTop1 : labelTop1;
    int64_t right = 0;
    for (size_t i = 0; i < got.size(); ++i)
      right += got[i] == want[i];
    return 100.0 * double(right) / double(std::max<size_t>(got.size(), 1));
  }

  /// Predicted cycles of quantizing `v` (from FP16, with a zero point) as
  /// the backend does on the chip's cores.
  double quantizeCycles(Value v) {
    int64_t cores = std::max<int64_t>(spec->chip.cores, 1);
    double elements =
        double(cast<ShapedType>(v.getType()).getNumElements()) / double(cores);
    return conversionCycles(CoreModel::fromArch(*spec, cores), elements,
                            Precision::FP16, Precision::INT8, 2);
  }

  /// Predicted cycles of each layer at precision `p` (its FWD kernel on
  /// the layer's share of a chip, DeepMatrix's search with a small budget).
  double predictedCycles(Operation *op, Precision p) {
    PrecisionConfig pc;
    if (p == Precision::HFP8_143) {
      pc.inp = pc.ker = p;
      pc.acc = Precision::FP16;
      pc.chunk = 64;
    } else if (p != Precision::FP16) {
      pc.inp = pc.ker = p;
    }
    SpatialConfig config = spatialConfigOf(op, *spec);
    SpatialLayer layer = spatialLayerOf(op, false);
    CoreModel core = spatialCoreModel(layer, *spec, config, pc);
    LayerTask task = spatialLayerTask(layer, Kernel::FWD, config, false);
    SearchOptions options;
    options.precision = pc;
    options.budget = 20000;
    options.lowerable = true;
    llvm::Expected<SearchResult> r = searchMapping(task, core, options);
    if (!r) {
      llvm::consumeError(r.takeError());
      return INFINITY;
    }
    return r->best.cost.total();
  }

  void runOnOperation() override {
    module = getOperation();
    if (!llvm::is_contained(precisionPolicies(), StringRef(policy))) {
      error("unknown policy '" + policy + "'; expected " +
            listPrecisionPolicies());
      return signalPassFailure();
    }
    if (weights != "sawb" && weights != "max" && weights != "percentile") {
      error("unknown weight clip '" + weights +
            "'; expected sawb, max or percentile");
      return signalPassFailure();
    }
    if (activations != "mse" && activations != "max" &&
        activations != "percentile") {
      error("unknown activation calibration '" + activations +
            "'; expected max, percentile or mse");
      return signalPassFailure();
    }
    if (shortcut != "full" && shortcut != "quantized") {
      error("unknown shortcut mode '" + shortcut +
            "'; expected full or quantized");
      return signalPassFailure();
    }
    if (!(percentile > 0 && percentile <= 100) || tolerance < 0) {
      error("percentile must be in (0, 100] and tolerance >= 0");
      return signalPassFailure();
    }
    if (policy == "fp32" || policy == "fp16")
      return;
    func::FuncOp f = theFunction(module);
    if (!f) {
      error("expected one function with a body");
      return signalPassFailure();
    }
    llvm::Expected<ArchSpec> loaded = loadArchSpec(arch);
    if (!loaded) {
      error(llvm::toString(loaded.takeError()));
      return signalPassFailure();
    }
    spec = *loaded;
    std::vector<Layer> layers = layersOf(f);
    if (layers.empty())
      return;
    size_t n = layers.size();
    auto isEnd = [&](size_t i) {
      return i == 0 || i + 1 == n || feedsSoftmax(layers[i].op->getResult(0));
    };
    Assignment assignment(n, Precision::FP16);
    std::optional<Precision> integer;
    if (policy == "int8")
      integer = Precision::INT8;
    else if (policy == "int4")
      integer = Precision::INT4;
    else if (policy == "int4-biscaled")
      integer = Precision::BiScaled4;
    else if (policy == "int4-fpec")
      integer = Precision::FPEC4;
    else if (policy == "int2")
      integer = Precision::INT2;
    for (size_t i = 0; i < n; ++i) {
      if (policy == "hfp8" || (policy == "hybrid-fp8" && !isEnd(i)))
        assignment[i] = Precision::HFP8_143;
      if (integer && (quantizeEnds || !isEnd(i)))
        assignment[i] = *integer;
    }

    // Calibration: every input an integer layer reads without a PACT clip
    // (auto: every layer's input), and the residual adds' operands.
    bool needsStats = policy == "auto";
    SmallVector<Value> taps;
    llvm::DenseSet<Value> tapped;
    for (size_t i = 0; i < n; ++i)
      if ((policy == "auto" || assignment[i] >= Precision::INT8) &&
          !pactClip(layers[i].input) && tapped.insert(layers[i].input).second) {
        taps.push_back(layers[i].input);
        needsStats = true;
      }
    bool quantizedShortcut =
        shortcut == "quantized" && (integer || policy == "auto");
    if (quantizedShortcut)
      f.walk([&](AddOp add) {
        for (Value v : add->getOperands())
          if (!v.getDefiningOp<ConstantOp>() && tapped.insert(v).second)
            taps.push_back(v);
        needsStats = true;
      });
    llvm::DenseMap<Value, TensorStats> stats;
    if (needsStats) {
      if (failed(loadCalibration(f)))
        return signalPassFailure();
      FailureOr<llvm::DenseMap<Value, TensorStats>> s = calibrate(f, taps);
      if (failed(s))
        return signalPassFailure();
      stats = std::move(*s);
    }

    if (policy == "auto") {
      int64_t batch =
          cast<ShapedType>(f.getArgument(0).getType()).getShape().front();
      FailureOr<double> base = accuracy(assignment, stats, batch);
      if (failed(base))
        return signalPassFailure();
      double floor = *base - tolerance;
      // The rungs a layer goes down, and what each step gains.
      const Precision ladder[] = {Precision::FP16, Precision::INT8,
                                  Precision::INT4};
      std::vector<int> rung(n, 0);
      std::vector<bool> frozen(n, false);
      std::map<std::pair<size_t, int>, double> cycles;
      auto cyclesAt = [&](size_t i, int r) {
        auto [it, fresh] = cycles.try_emplace({i, r}, 0.0);
        if (fresh)
          it->second = predictedCycles(layers[i].op, ladder[r]);
        return it->second;
      };
      while (true) {
        std::optional<size_t> pick;
        double bestGain = 0;
        for (size_t i = 0; i < n; ++i) {
          if (frozen[i] || rung[i] + 1 >= int(std::size(ladder)))
            continue;
          // The first integer rung also pays for quantizing the input.
          double gain = cyclesAt(i, rung[i]) - cyclesAt(i, rung[i] + 1) -
                        (rung[i] == 0 ? quantizeCycles(layers[i].input) : 0);
          if (gain <= 0)
            continue;
          if (!pick || gain > bestGain) {
            pick = i;
            bestGain = gain;
          }
        }
        if (!pick)
          break;
        Assignment trial = assignment;
        trial[*pick] = ladder[rung[*pick] + 1];
        FailureOr<double> acc = accuracy(trial, stats, batch);
        if (failed(acc))
          return signalPassFailure();
        if (*acc >= floor) {
          assignment = trial;
          ++rung[*pick];
        } else {
          frozen[*pick] = true;
        }
      }
    }

    if (failed(apply(f, assignment, stats)))
      return signalPassFailure();
    if (quantizedShortcut) {
      int bits =
          !integer ? 8
          : *integer == Precision::BiScaled4 || *integer == Precision::FPEC4
              ? 4
              : bitsOf(*integer);
      if (failed(quantizeShortcuts(f, bits, stats)))
        return signalPassFailure();
    }
  }
};
} // namespace
