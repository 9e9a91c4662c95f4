//===- LowerToISA.cpp - rapid-lower-to-isa --------------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// A thin adapter over lib/Backend: reads each op's shapes, mapping and
// constant operands into the backend's plain structs, plans the external
// memory (constants image, then the activations by lifetime), has the
// backend emit each layer's code, and builds the rapid_isa.program from the
// resulting model.bin contents.
//
//===----------------------------------------------------------------------===//

#include "rapid/Backend/LayerLowering.h"
#include "rapid/Backend/MemoryPlan.h"
#include "rapid/Backend/VectorLowering.h"
#include "rapid/Dialect/Rapid/ConstantValues.h"
#include "rapid/Dialect/RapidISA/RapidISADialect.h"
#include "rapid/Numerics/FloatFormat.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Search/DeepMatrix.h"
#include "rapid/Target/LayerSummary.h"
#include "rapid/Target/MappingReport.h"
#include "rapid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <map>
#include <variant>

namespace rapid {
#define GEN_PASS_DEF_RAPIDLOWERTOISA
#include "rapid/Transforms/Passes.h.inc"
} // namespace rapid

using namespace mlir;
using namespace rapid;
using namespace rapid::backend;

namespace {
constexpr uint64_t kZeroAddress = 0;     // 8 zero bytes
constexpr uint64_t kMinusInfAddress = 8; // -infinity in the activations' format
/// A task operand that is not a tensor: its offset is an absolute address
/// (of the constants image).
constexpr int kAbsolute = -2;

/// A tensor in external memory: an SSA value (or several, for aliases) or
/// a layer's scratch copy.
struct Tensor {
  std::string name;
  std::array<int64_t, 4> shape{1, 1, 1, 1};
  int64_t first = -1, last = -1;
  /// Set for buffers not in the activations' precision (partial sums).
  std::optional<Precision> precision;
};

/// A copy of tensor `src` into the zero/-inf bordered tensor `dst`.
struct PadCopy {
  int src = -1, dst = -1;
  /// The source's shape as the layer reads it (an alias may differ).
  std::array<int64_t, 4> srcShape{};
  int64_t top = 0, left = 0;
  uint64_t fill = kZeroAddress;
};

/// One core's part of a step: a layer of some kind over slices of tensors
/// (byte offsets from the tensors' addresses).
struct Task {
  int core = 0;
  std::variant<MappedLayer, PoolLayer, EltwiseLayer, ReduceLayer, CopyLayer,
               LstmCellLayer>
      layer;
  int inp = -1, inp2 = -1, aux = -1, out = -1;
  uint64_t inpOffset = 0, inp2Offset = 0, outOffset = 0;
};

/// One lowered step (layer): an optional pad copy (core 0), then phases of
/// tasks, the cores meeting at a barrier after each.
struct Step {
  Operation *op;
  std::optional<PadCopy> pad;
  std::vector<std::vector<Task>> phases;
};

/// [start, start + extent) of part `k` of `total` divided in `parts`.
std::pair<int64_t, int64_t> share(int64_t total, int64_t parts, int64_t k) {
  int64_t size = (total + parts - 1) / parts;
  int64_t start = std::min(total, k * size);
  return {start, std::min(size, total - start)};
}

/// N x C x H x W of a tensor type: rank 4 as is, others as
/// [leading elements, last dimension, 1, 1].
std::array<int64_t, 4> shape4(Type type) {
  ArrayRef<int64_t> s = cast<ShapedType>(type).getShape();
  if (s.size() == 4)
    return {s[0], s[1], s[2], s[3]};
  int64_t last = s.empty() ? 1 : s.back(), lead = 1;
  for (size_t i = 0; i + 1 < s.size(); ++i)
    lead *= s[i];
  return {lead, last, 1, 1};
}

/// `values` as the accelerator stores them in precision `p` (packed for
/// the sub-byte precisions).
std::vector<uint8_t> stored(ArrayRef<double> values, Precision p) {
  std::vector<uint8_t> bytes(numerics::bytesFor(values.size(), p));
  for (size_t i = 0; i < values.size(); ++i)
    numerics::storeAt(values[i], p, bytes.data(), i);
  return bytes;
}

/// The element type of a shaped value.
Type elementOf(Value v) {
  return cast<ShapedType>(v.getType()).getElementType();
}

int64_t elementsOf(const std::array<int64_t, 4> &s) {
  return s[0] * s[1] * s[2] * s[3];
}

struct LowerToISAPass
    : public rapid::impl::RapidLowerToISABase<LowerToISAPass> {
  using Base::Base;
  LowerToISAPass(const RapidLowerToISAOptions &options, LowerToISAStats *sink)
      : Base(options), sink(sink) {}

  /// What was compressed, for rapidc (may be null).
  LowerToISAStats *sink = nullptr;
  CompressWeights compressMode = CompressWeights::Auto;

  ModuleOp module;
  ArchSpec spec;
  CoreModel core;
  Precision act = Precision::FP16;
  std::vector<Tensor> tensors;
  llvm::DenseMap<Value, int> tensorOf;
  std::vector<Step> steps;
  std::vector<uint8_t> constants;

  /// Appends `bytes` to the constants image (64-byte aligned); its address.
  uint64_t addConstant(const std::vector<uint8_t> &bytes) {
    uint64_t at = alignUp(constants.size());
    constants.resize(at + bytes.size(), 0);
    std::copy(bytes.begin(), bytes.end(), constants.begin() + at);
    return at;
  }

  /// Packs `l`'s weights `w` into the constants image, bitmap-compressed
  /// where compress-weights says (setting l.kerSlotBytes); their address.
  /// `layer` names the layer for the statistics.
  uint64_t addWeights(MappedLayer &l, ArrayRef<float> w, StringRef layer) {
    std::vector<uint8_t> dense = packWeights(l, w);
    std::optional<CompressedWeights> c =
        backend::compressWeights(l, dense, compressMode);
    l.kerSlotBytes = c ? c->slotBytes : 0;
    if (!c)
      return addConstant(dense);
    ++numCompressedLayers;
    int64_t saved = int64_t(dense.size()) - int64_t(c->bytes.size());
    numCompressedBytesSaved += uint64_t(std::max<int64_t>(0, saved));
    if (sink) {
      ++sink->compressedSlices;
      sink->denseBytes += int64_t(dense.size());
      sink->compressedBytes += int64_t(c->bytes.size());
      if (!llvm::is_contained(sink->compressedLayers, layer))
        sink->compressedLayers.push_back(layer.str());
    }
    return addConstant(c->bytes);
  }

  int newTensor(std::string name, std::array<int64_t, 4> shape) {
    tensors.push_back({std::move(name), shape});
    return int(tensors.size() - 1);
  }
  /// A scratch tensor live for the current step only (in `precision` when
  /// not the activations').
  int scratch(std::string name, std::array<int64_t, 4> shape,
              std::optional<Precision> precision = std::nullopt) {
    int t = newTensor(std::move(name), shape);
    tensors[t].first = tensors[t].last = int64_t(steps.size());
    tensors[t].precision = precision;
    return t;
  }
  /// The tensor holding `v` (read at the current step).
  FailureOr<int> use(Operation *op, Value v) {
    auto it = tensorOf.find(v);
    if (it == tensorOf.end()) {
      op->emitError() << "rapid-lower-to-isa: operand is not an activation "
                         "the program computes (a constant where a tensor "
                         "is expected?)";
      return failure();
    }
    tensors[it->second].last = int64_t(steps.size());
    return it->second;
  }
  int define(Value v, std::string name) {
    int t = newTensor(std::move(name), shape4(v.getType()));
    tensors[t].first = int64_t(steps.size());
    tensors[t].last = int64_t(steps.size());
    // Quantized and HFP8 values are stored as their types say.
    tensors[t].precision = storedPrecision(elementOf(v));
    tensorOf[v] = t;
    return t;
  }
  Precision precisionOf(int t) const {
    return tensors[size_t(t)].precision.value_or(act);
  }
  /// A zero- (or -inf-) bordered copy of tensor `t` for this step.
  PadCopy padded(int t, Value v, ArrayRef<int64_t> pads, uint64_t fill) {
    std::array<int64_t, 4> s = shape4(v.getType());
    s[2] += pads[0] + pads[2];
    s[3] += pads[1] + pads[3];
    int p = scratch(tensors[t].name + ".padded", s, tensors[t].precision);
    return {t, p, shape4(v.getType()), pads[0], pads[1], fill};
  }

  /// A layer's name: the ONNX node's (a NameLoc), else the op's kind and
  /// its step, e.g. "conv2d_3".
  std::string nameOf(Operation *op) {
    Location loc = op->getLoc();
    if (auto fused = dyn_cast<FusedLoc>(loc))
      for (Location inner : fused.getLocations())
        if (llvm::isa<NameLoc>(inner))
          loc = inner;
    if (auto name = dyn_cast<NameLoc>(loc))
      return name.getName().str();
    return op->getName().stripDialect().str() + "_" +
           std::to_string(steps.size());
  }

  /// A layer's constant operand: a float rapid.constant, or (where `scale`
  /// is given: weights) a rapid.quant_constant, whose stored integers `out`
  /// holds, with their scale in `*scale` (left empty for float weights).
  LogicalResult weights(Operation *op, Value v, SmallVector<double> &out,
                        std::optional<double> *scale = nullptr) {
    if (auto q = v.getDefiningOp<QuantConstantOp>(); q && scale) {
      auto qt = cast<QuantType>(elementOf(q.getResult()));
      if (qt.getZeroPoint() != 0)
        return op->emitError() << "rapid-lower-to-isa: quantized weights "
                                  "with a zero point are not lowered "
                                  "(symmetric only)";
      auto dense = dyn_cast<DenseIntElementsAttr>(q.getValue());
      if (!dense)
        return op->emitError() << "rapid-lower-to-isa: the quantized weights "
                                  "must be dense integers";
      out.clear();
      for (const APInt &x : dense.getValues<APInt>())
        out.push_back(double(x.getSExtValue()));
      // FPEC: each value q with its error direction d as q + 3/8 d, which
      // the fpec4 encoding (numerics::toStorage) turns back into both.
      if (qt.getCompensated()) {
        auto d = dyn_cast_or_null<DenseIntElementsAttr>(q.getDirectionsAttr());
        if (!d)
          return op->emitError() << "rapid-lower-to-isa: the compensated "
                                    "weights' directions must be dense";
        size_t i = 0;
        for (const APInt &x : d.getValues<APInt>())
          out[i++] += 0.375 * double(x.getSExtValue());
      }
      *scale = qt.getScaleValue();
      return success();
    }
    auto cst = v.getDefiningOp<ConstantOp>();
    std::optional<SmallVector<double>> values;
    if (cst)
      values = readFloatElements(cst.getValue());
    if (!values)
      return op->emitError() << "rapid-lower-to-isa: the weights must be a "
                                "float rapid.constant"
                             << (scale ? " or a rapid.quant_constant" : "");
    out = std::move(*values);
    return success();
  }

  FailureOr<Mapping> mappingOf(Operation *op) {
    auto attr = op->getAttrOfType<MappingAttr>(RapidDialect::kMappingAttrName);
    if (!attr)
      return op->emitError() << "rapid-lower-to-isa: layer '" << nameOf(op)
                             << "' has no rapid.mapping; run "
                                "rapid-deep-matrix first",
             failure();
    return fromMappingAttr(attr);
  }

  LogicalResult epilogueOf(Operation *op, std::optional<ActivationAttr> a,
                           Epilogue &ep) {
    if (!a)
      return success();
    if (a->getKind() == ActivationKind::relu) {
      ep.act = Epilogue::Act::Relu;
      return success();
    }
    if (a->getKind() == ActivationKind::clip) {
      ep.act = Epilogue::Act::Clip;
      ep.lo = float(a->getAlpha().convertToDouble());
      ep.hi = float(a->getBeta().convertToDouble());
      return success();
    }
    return op->emitError() << "rapid-lower-to-isa: the fused activation '"
                           << stringifyActivationKind(a->getKind())
                           << "' is not lowered yet (relu, clip)";
  }

  /// The packed weights and bias of one core's slice, shared by the cores
  /// that compute with the same slice.
  struct PackedSlice {
    uint64_t ker = 0, bias = 0;
    int64_t kerSlotBytes = 0;
  };
  std::map<std::array<int64_t, 6>, PackedSlice> packed;

  /// A conv2d, gemm or matmul: one MappedLayer task per core, its slice of
  /// the layer as the op's #rapid.spatial divides it over the chip's cores;
  /// with the reduction (in, kij) divided, each core leaves partial sums and
  /// a second phase adds them up. `w` is [out][in/g][kh][kw].
  LogicalResult matrixLayer(Operation *op, Value input, ArrayRef<double> w,
                            ArrayRef<double> bias, Window window,
                            bool depthwise, std::optional<ActivationAttr> a,
                            ArrayRef<int64_t> pads,
                            std::optional<double> weightScale = std::nullopt) {
    std::optional<LayerShape> shape = getLayerShape(op);
    FailureOr<Mapping> mapping = mappingOf(op);
    if (!shape || failed(mapping))
      return failure();
    FailureOr<int> in = use(op, input);
    if (failed(in))
      return failure();
    MappedLayer l;
    l.name = nameOf(op);
    l.workload = makeWorkload(*shape, Kernel::FWD);
    l.mapping = *mapping;
    l.window = window;
    l.depthwise = depthwise;
    if (failed(epilogueOf(op, a, l.epilogue)))
      return failure();
    // An integer layer: the sums count steps of the input's scale times
    // the weights'; a zero point z of the input takes z sum(w) from each
    // output channel's sum, folded into the bias.
    auto quant = dyn_cast<QuantType>(elementOf(input));
    if (bool(quant) != weightScale.has_value())
      return op->emitError()
             << "rapid-lower-to-isa: layer '" << l.name << "': "
             << (quant ? "its input is quantized but its weights are not a "
                         "rapid.quant_constant"
                       : "its weights are quantized but its input is not");
    SmallVector<double> effectiveBias(bias.begin(), bias.end());
    uint64_t padFill = kZeroAddress;
    if (quant) {
      double scale = quant.getScaleValue() * *weightScale;
      l.epilogue.scale = float(scale);
      int64_t z = quant.getZeroPoint();
      if (z != 0) {
        int64_t outs = l.workload.dims[unsigned(Dim::Out)];
        int64_t perOut = int64_t(w.size()) / outs;
        effectiveBias.resize(size_t(outs), 0.0);
        for (int64_t o = 0; o < outs; ++o) {
          // The MAC's share of z: z sum(q) and, compensated, z sum(d) / 4
          // (a compensated weight arrives as q + 3/8 d).
          double sum = 0;
          for (int64_t i = 0; i < perOut; ++i) {
            double v = w[size_t(o * perOut + i)], q = std::nearbyint(v);
            sum += q + (v > q ? 0.25 : v < q ? -0.25 : 0.0);
          }
          effectiveBias[size_t(o)] -= scale * double(z) * sum;
        }
        // Padding stands for zero: the zero point.
        padFill = addConstant(stored({double(z)}, *storedPrecision(quant)));
      }
    }
    if (l.mapping.precision.ker == Precision::BiScaled4)
      for (double v : w)
        if (numerics::fromStorage(numerics::toStorage(v, Precision::BiScaled4),
                                  Precision::BiScaled4) != v)
          return op->emitError()
                 << "rapid-lower-to-isa: layer '" << l.name
                 << "': its BiScaled weights hold " << int64_t(v)
                 << ", neither a 4-bit integer nor 4 times one";
    bias = effectiveBias;
    l.epilogue.bias = !bias.empty();
    Step step{op};
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
      step.pad = padded(*in, input, pads, padFill);
    int inp = step.pad ? step.pad->dst : *in;
    int out = define(op->getResult(0), l.name);
    // The operand's own shape: an aliased tensor (reshape, flatten) keeps
    // its bytes under another shape.
    l.inp.shape =
        step.pad ? tensors[step.pad->dst].shape : shape4(input.getType());
    l.out.shape = tensors[out].shape;
    l.inp.precision = precisionOf(inp);
    l.out.precision = act;

    DimTuple split{1, 1, 1, 1, 1};
    if (auto sp =
            op->getAttrOfType<SpatialAttr>(RapidDialect::kSpatialAttrName))
      for (unsigned d = 0; d < kNumDims && d < sp.getCoreSplit().size(); ++d)
        split[d] = sp.getCoreSplit()[d];
    auto at = [](Dim d) { return unsigned(d); };
    int64_t ways = 1;
    for (int64_t x : split)
      ways *= x;
    if (ways > spec.chip.cores)
      return op->emitError()
             << "rapid-lower-to-isa: layer '" << l.name << "' is divided over "
             << ways << " cores; the chip has " << spec.chip.cores;
    int64_t reduction = split[at(Dim::In)] * split[at(Dim::Kij)];
    auto [N, C, H, W] = l.inp.shape;
    auto [oN, O, OH, OW] = l.out.shape;
    int64_t Cg = depthwise ? 1 : C, KH = window.kernelH, KW = window.kernelW;
    std::array<int64_t, 4> inStrides = l.inp.elementStrides(),
                           outStrides = l.out.elementStrides();
    int64_t inpBits = storageBits(l.inp.precision), eb = storageBits(act) / 8,
            accBytes = storageBits(l.mapping.precision.acc) / 8;
    int partial = -1;
    if (reduction > 1) {
      partial = scratch(l.name + ".partial", {reduction * oN, O, OH, OW},
                        l.mapping.precision.acc);
    }
    std::vector<Task> tasks;
    std::vector<int64_t> slots;
    for (int64_t c = 0; c < ways; ++c) {
      // The core's coordinate along each divided dimension.
      DimTuple k;
      int64_t rest = c;
      for (unsigned d = 0; d < kNumDims; ++d) {
        k[d] = rest % split[d];
        rest /= split[d];
      }
      auto [o0, oe] = share(O, split[at(Dim::Out)], k[at(Dim::Out)]);
      auto [i0, ie] = share(Cg, split[at(Dim::In)], k[at(Dim::In)]);
      auto [r0, re] = share(OH, split[at(Dim::Ij)], k[at(Dim::Ij)]);
      auto [n0, ne] = share(N, split[at(Dim::Mb)], k[at(Dim::Mb)]);
      auto [y0, ye] = share(KH, split[at(Dim::Kij)], k[at(Dim::Kij)]);
      if (oe <= 0 || ie <= 0 || re <= 0 || ne <= 0 || ye <= 0)
        continue; // nothing left for this core
      int64_t slot = k[at(Dim::In)] * split[at(Dim::Kij)] + k[at(Dim::Kij)];
      if (reduction > 1 && !llvm::is_contained(slots, slot))
        slots.push_back(slot);
      MappedLayer sub = l;
      if (ways > 1)
        sub.name = l.name + " (core " + std::to_string(c) + ")";
      sub.workload.dims = {ie, oe, re * OW, ne, ye * KW};
      sub.workload.outPerGroup = std::min(l.workload.outPerGroup, oe);
      Mapping &m = sub.mapping;
      m.n = sub.workload.dims;
      for (unsigned d = 0; d < kNumDims; ++d) {
        m.b[d] = std::min(m.b[d], m.n[d]);
        m.t[d] = std::min(m.t[d], m.b[d]);
        m.p[d] = std::min(m.p[d], m.t[d]);
      }
      sub.window.kernelH = ye;
      sub.inp.shape = {
          ne, depthwise ? oe : ie,
          (re - 1) * window.strideH + (ye - 1) * window.dilationH + 1, W};
      sub.inp.strides = inStrides;
      sub.out.shape = {ne, oe, re, OW};
      Task t;
      t.core = int(c);
      t.inp = inp;
      int64_t inpElements =
          n0 * inStrides[0] + (depthwise ? o0 : i0) * inStrides[1] +
          (r0 * window.strideH + y0 * window.dilationH) * inStrides[2];
      if (inpBits < 8)
        sub.inp.elementOffset = inpElements; // packed: need not be a byte
      else
        t.inpOffset = uint64_t(inpElements * (inpBits / 8));
      if (reduction > 1) {
        sub.out.precision = l.mapping.precision.acc;
        sub.out.strides = outStrides;
        // The partial sums scaled (a linear map), the rest at the end.
        sub.epilogue = Epilogue{};
        sub.epilogue.scale = l.epilogue.scale;
        t.out = partial;
        t.outOffset = uint64_t((slot * oN * O * OH * OW + n0 * outStrides[0] +
                                o0 * outStrides[1] + r0 * outStrides[2]) *
                               accBytes);
      } else {
        sub.out.strides = outStrides;
        t.out = out;
        t.outOffset = uint64_t(
            (n0 * outStrides[0] + o0 * outStrides[1] + r0 * outStrides[2]) *
            eb);
      }
      if (std::string why = checkLayer(sub); !why.empty())
        return op->emitError() << "rapid-lower-to-isa: " << why;
      // The weights (and bias) of this slice.
      std::array<int64_t, 6> key{o0, oe, i0, ie, y0, ye};
      auto it = packed.find(key);
      if (it == packed.end() || ways == 1) {
        SmallVector<float> wf, bf;
        for (int64_t o = o0; o < o0 + oe; ++o)
          for (int64_t i = i0; i < i0 + ie; ++i)
            for (int64_t y = y0; y < y0 + ye; ++y)
              for (int64_t x = 0; x < KW; ++x)
                wf.push_back(
                    float(w[size_t(((o * Cg + i) * KH + y) * KW + x)]));
        uint64_t kerAddress = addWeights(sub, wf, layerName(op)),
                 biasAddress = 0;
        if (sub.epilogue.bias) {
          for (int64_t o = o0; o < o0 + oe; ++o)
            bf.push_back(float(bias[size_t(o)]));
          biasAddress = addConstant(packBias(sub, bf));
        }
        it = packed
                 .insert_or_assign(key, PackedSlice{kerAddress, biasAddress,
                                                    sub.kerSlotBytes})
                 .first;
      }
      sub.kerAddress = it->second.ker;
      sub.biasAddress = it->second.bias;
      sub.kerSlotBytes = it->second.kerSlotBytes;
      t.layer = sub;
      tasks.push_back(std::move(t));
    }
    packed.clear();
    step.phases.push_back(std::move(tasks));
    if (reduction > 1) {
      // Every core sums a share of the output planes over the slots.
      std::vector<Task> sums;
      uint64_t planeBias = 0;
      if (l.epilogue.bias) {
        SmallVector<double> perPlane;
        for (int64_t n = 0; n < oN; ++n)
          perPlane.append(bias.begin(), bias.end());
        planeBias = addConstant(stored(perPlane, l.mapping.precision.acc));
      }
      for (int64_t c = 0; c < spec.chip.cores; ++c) {
        auto [p0, pe] = share(oN * O, spec.chip.cores, c);
        if (pe <= 0)
          continue;
        ReduceLayer r;
        r.name = l.name + " (sum, core " + std::to_string(c) + ")";
        r.partials.shape = {oN, O, OH, OW};
        r.partials.precision = l.mapping.precision.acc;
        r.out.shape = {oN, O, OH, OW};
        r.out.precision = act;
        r.slots = slots;
        llvm::sort(r.slots);
        r.firstPlane = p0;
        r.planes = pe;
        r.acc = l.mapping.precision.acc;
        r.epilogue = l.epilogue;
        r.epilogue.scale = 1; // applied to the partial sums
        r.planeBiasAddress = planeBias;
        Task t;
        t.core = int(c);
        t.inp = partial;
        t.out = out;
        t.layer = r;
        sums.push_back(std::move(t));
      }
      step.phases.push_back(std::move(sums));
    }
    steps.push_back(std::move(step));
    return success();
  }

  LogicalResult lowerOp(Operation *op) {
    return llvm::TypeSwitch<Operation *, LogicalResult>(op)
        .Case<ConstantOp, QuantConstantOp>(
            [&](Operation *) { return success(); })
        .Case<ReshapeOp, FlattenOp>([&](Operation *o) {
          FailureOr<int> t = use(o, o->getOperand(0));
          if (failed(t))
            return failure();
          tensorOf[o->getResult(0)] = *t; // same bytes, another shape
          return success();
        })
        .Case([&](Conv2DOp conv) -> LogicalResult {
          SmallVector<double> w, b;
          std::optional<double> weightScale;
          if (failed(weights(op, conv.getWeight(), w, &weightScale)) ||
              (conv.getBias() && failed(weights(op, conv.getBias(), b))))
            return failure();
          ArrayRef<int64_t> x =
              cast<ShapedType>(conv.getInput().getType()).getShape();
          int64_t groups = conv.getGroupCount();
          bool depthwise =
              groups > 1 && groups == x[1] &&
              groups == cast<ShapedType>(conv.getType()).getShape()[1];
          if (groups > 1 && !depthwise)
            return op->emitError()
                   << "rapid-lower-to-isa: grouped convolutions are lowered "
                      "only as depthwise ones (groups = input channels = "
                      "output channels); this one has "
                   << groups << " groups";
          ArrayRef<int64_t> k =
              cast<ShapedType>(conv.getWeight().getType()).getShape();
          SmallVector<int64_t, 2> st = conv.getStrideValues(),
                                  dl = conv.getDilationValues();
          Window win{k[2], k[3], st[0], st[1], dl[0], dl[1]};
          return matrixLayer(op, conv.getInput(), w, b, win, depthwise,
                             conv.getActivation(), conv.getPadValues(),
                             weightScale);
        })
        .Case([&](GemmOp gemm) -> LogicalResult {
          if (gemm.getTransposeA())
            return op->emitError()
                   << "rapid-lower-to-isa: gemm with transpose_a is not "
                      "lowered yet";
          SmallVector<double> bw, c;
          std::optional<double> weightScale;
          if (failed(weights(op, gemm.getB(), bw, &weightScale)))
            return failure();
          if (weightScale && gemm.getAlphaValue() != 1.0)
            return op->emitError() << "rapid-lower-to-isa: a quantized "
                                      "gemm with alpha != 1";
          ArrayRef<int64_t> bs =
              cast<ShapedType>(gemm.getB().getType()).getShape();
          int64_t n = cast<ShapedType>(gemm.getType()).getShape()[1];
          int64_t k = gemm.getTransposeB() ? bs[1] : bs[0];
          // Weights as [out = n][in = k], alpha folded in.
          SmallVector<double> w(size_t(n * k));
          for (int64_t o = 0; o < n; ++o)
            for (int64_t i = 0; i < k; ++i)
              w[size_t(o * k + i)] =
                  gemm.getAlphaValue() * (gemm.getTransposeB()
                                              ? bw[size_t(o * k + i)]
                                              : bw[size_t(i * n + o)]);
          if (gemm.getC()) {
            if (failed(weights(op, gemm.getC(), c)))
              return failure();
            if (c.size() != size_t(n) && c.size() != 1)
              return op->emitError()
                     << "rapid-lower-to-isa: gemm's C must be a bias of "
                        "one value or one per output column";
            c.resize(size_t(n), c[0]);
            for (double &v : c)
              v *= gemm.getBetaValue();
          }
          return matrixLayer(op, gemm.getA(), w, c, Window{}, false,
                             gemm.getActivation(), {}, weightScale);
        })
        .Case([&](MatMulOp mm) -> LogicalResult {
          SmallVector<double> bw;
          ArrayRef<int64_t> bs =
              cast<ShapedType>(mm.getRhs().getType()).getShape();
          if (bs.size() != 2)
            return op->emitError() << "rapid-lower-to-isa: matmul is lowered "
                                      "with a constant 2-D right operand only";
          std::optional<double> weightScale;
          if (failed(weights(op, mm.getRhs(), bw, &weightScale)))
            return failure();
          int64_t k = bs[0], n = bs[1];
          SmallVector<double> w(size_t(n * k));
          for (int64_t o = 0; o < n; ++o)
            for (int64_t i = 0; i < k; ++i)
              w[size_t(o * k + i)] = bw[size_t(i * n + o)];
          return matrixLayer(op, mm.getLhs(), w, {}, Window{}, false,
                             std::nullopt, {}, weightScale);
        })
        .Case<MaxPoolOp, AvgPoolOp, GlobalAvgPoolOp>(
            [&](Operation *o) -> LogicalResult { return pool(o); })
        .Case<AddOp, SubOp, MulOp, MaxOp, ReluOp, ClipOp, CastOp, QuantizeOp,
              DequantizeOp>(
            [&](Operation *o) -> LogicalResult { return eltwise(o); })
        .Case([&](LSTMOp l) -> LogicalResult { return lstm(l); })
        .Case<TransposeOp, SliceOp>(
            [&](Operation *o) -> LogicalResult { return copy(o); })
        .Case([&](func::ReturnOp) { return success(); })
        .Default([&](Operation *o) {
          return o->emitError() << "rapid-lower-to-isa: '" << o->getName()
                                << "' is not lowered to the ISA yet (layer '"
                                << nameOf(o) << "')";
        });
  }

  LogicalResult pool(Operation *op) {
    FailureOr<int> in = use(op, op->getOperand(0));
    if (failed(in))
      return failure();
    PoolLayer l;
    l.name = nameOf(op);
    SmallVector<int64_t, 4> pads{0, 0, 0, 0};
    uint64_t fill = kMinusInfAddress;
    if (auto mp = dyn_cast<MaxPoolOp>(op)) {
      l.kind = PoolLayer::Kind::Max;
      SmallVector<int64_t, 2> st = mp.getStrideValues(),
                              dl = mp.getDilationValues();
      l.window = {
          mp.getKernel()[0], mp.getKernel()[1], st[0], st[1], dl[0], dl[1]};
      pads = mp.getPadValues();
      // ceil_mode's final partial windows read more padding.
      ArrayRef<int64_t> o =
          cast<ShapedType>(op->getResult(0).getType()).getShape();
      std::array<int64_t, 4> s = shape4(op->getOperand(0).getType());
      int64_t needH = (o[2] - 1) * st[0] + (l.window.kernelH - 1) * dl[0] + 1,
              needW = (o[3] - 1) * st[1] + (l.window.kernelW - 1) * dl[1] + 1;
      pads[2] = std::max(pads[2], needH - s[2] - pads[0]);
      pads[3] = std::max(pads[3], needW - s[3] - pads[1]);
    } else if (auto ap = dyn_cast<AvgPoolOp>(op)) {
      l.kind = PoolLayer::Kind::Avg;
      SmallVector<int64_t, 2> st = ap.getStrideValues();
      l.window = {ap.getKernel()[0], ap.getKernel()[1], st[0], st[1], 1, 1};
      if (llvm::any_of(ap.getPadValues(), [](int64_t p) { return p; }) ||
          ap.getCeilMode())
        return op->emitError() << "rapid-lower-to-isa: average pooling with "
                                  "padding or ceil_mode is not lowered yet";
    } else {
      l.kind = PoolLayer::Kind::GlobalAvg;
    }
    Step step{op};
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
      step.pad = padded(*in, op->getOperand(0), pads, fill);
    int inp = step.pad ? step.pad->dst : *in;
    int out = define(op->getResult(0), l.name);
    l.inp.shape = step.pad ? tensors[step.pad->dst].shape
                           : shape4(op->getOperand(0).getType());
    l.out.shape = tensors[out].shape;
    l.inp.precision = l.out.precision = act;
    // The cores share the planes.
    auto [n, c, h, w] = l.inp.shape;
    int64_t oh = l.out.shape[2], ow = l.out.shape[3];
    int64_t eb = storageBits(act) / 8;
    std::vector<Task> tasks;
    for (int64_t k = 0; k < spec.chip.cores; ++k) {
      auto [p0, pe] = share(n * c, spec.chip.cores, k);
      if (pe <= 0)
        continue;
      PoolLayer sub = l;
      if (spec.chip.cores > 1)
        sub.name = l.name + " (core " + std::to_string(k) + ")";
      sub.inp.shape = {1, pe, h, w};
      sub.out.shape = {1, pe, oh, ow};
      Task t;
      t.core = int(k);
      t.layer = sub;
      t.inp = inp;
      t.inpOffset = uint64_t(p0 * h * w * eb);
      t.out = out;
      t.outOffset = uint64_t(p0 * oh * ow * eb);
      tasks.push_back(std::move(t));
    }
    step.phases.push_back(std::move(tasks));
    steps.push_back(std::move(step));
    return success();
  }

  /// A fully-connected layer (M x K times K x N) for a part of a bigger op,
  /// mapped by the DeepMatrix search.
  FailureOr<MappedLayer> subGemm(Operation *op, const std::string &name,
                                 int64_t m, int64_t k, int64_t n,
                                 const Mapping &mapping) {
    MappedLayer l;
    l.name = name;
    l.workload = makeWorkload(LayerShape::fullyConnected(m, k, n), Kernel::FWD);
    l.mapping = mapping;
    l.inp.shape = {m, k, 1, 1};
    l.out.shape = {m, n, 1, 1};
    l.inp.precision = act;
    l.out.precision = Precision::FP32;
    if (std::string why = checkLayer(l); !why.empty())
      return op->emitError() << "rapid-lower-to-isa: " << why, failure();
    return l;
  }

  /// An LSTM over its sequence, on core 0: per direction the input
  /// projection of every timestep as one matrix product (with both
  /// biases), then per timestep the recurrent product of the previous
  /// hidden state and the cell on the SFUs; finally the last hidden and
  /// cell states. The products are mapped by the DeepMatrix search for
  /// their own shapes (the op's mapping prices the fused gates).
  LogicalResult lstm(LSTMOp op) {
    FailureOr<Mapping> opMapping = mappingOf(op);
    if (failed(opMapping))
      return failure();
    PrecisionConfig pc = opMapping->precision;
    ArrayRef<int64_t> xs = cast<ShapedType>(op.getX().getType()).getShape();
    int64_t S = xs[0], B = xs[1], I = xs[2], H = op.getHiddenSize(),
            D = op.getNumDirections();
    SmallVector<double> w, r, bias, h0, c0;
    if (failed(weights(op, op.getW(), w)) ||
        failed(weights(op, op.getR(), r)) ||
        (op.getBias() && failed(weights(op, op.getBias(), bias))) ||
        (op.getH0() && failed(weights(op, op.getH0(), h0))) ||
        (op.getC0() && failed(weights(op, op.getC0(), c0))))
      return failure();
    FailureOr<int> x = use(op, op.getX());
    if (failed(x))
      return failure();
    std::string name = nameOf(op);
    int y = define(op.getY(), name);
    int yh = define(op.getYH(), name + ".h");
    int yc = define(op.getYC(), name + ".c");
    int hproj = scratch(name + ".hproj", {B, 4 * H, 1, 1}, Precision::FP32);
    int cell = scratch(name + ".cell", {B, H, 1, 1}, Precision::FP32);
    int64_t eb = storageBits(act) / 8;
    Step step{op};
    auto single = [&](Task t) { step.phases.push_back({std::move(t)}); };
    // The products mapped as planLstm maps them (the mapping report prices
    // the layer with the same plan).
    SearchOptions so;
    so.precision = pc;
    llvm::Expected<LstmPlan> plan = planLstm(S, B, I, H, D, core, so);
    if (!plan)
      return op->emitError() << "rapid-lower-to-isa: " << name << ": "
                             << llvm::toString(plan.takeError()),
             failure();
    FailureOr<MappedLayer> xg =
        subGemm(op, name + ".x", S * B, I, 4 * H, plan->input);
    FailureOr<MappedLayer> hg =
        subGemm(op, name + ".h", B, H, 4 * H, plan->recurrent);
    if (failed(xg) || failed(hg))
      return failure();
    for (int64_t d = 0; d < D; ++d) {
      bool forward =
          op.getDirection() == LSTMDirection::forward ||
          (op.getDirection() == LSTMDirection::bidirectional && d == 0);
      int xproj = scratch(name + ".xproj" + std::to_string(d),
                          {S * B, 4 * H, 1, 1}, Precision::FP32);
      // The input projection with both biases.
      MappedLayer xl = *xg;
      SmallVector<float> wd(w.begin() + d * 4 * H * I,
                            w.begin() + (d + 1) * 4 * H * I);
      xl.kerAddress = addWeights(xl, wd, layerName(op));
      if (!bias.empty()) {
        SmallVector<float> bd;
        for (int64_t j = 0; j < 4 * H; ++j)
          bd.push_back(float(bias[size_t(d * 8 * H + j)] +
                             bias[size_t(d * 8 * H + 4 * H + j)]));
        xl.epilogue.bias = true;
        xl.biasAddress = addConstant(packBias(xl, bd));
      }
      Task xt;
      xt.layer = xl;
      xt.inp = *x;
      xt.out = xproj;
      single(std::move(xt));
      MappedLayer hl = *hg;
      SmallVector<float> rd(r.begin() + d * 4 * H * H,
                            r.begin() + (d + 1) * 4 * H * H);
      hl.kerAddress = addWeights(hl, rd, layerName(op));
      // The initial states (zeros when absent), from the constants image.
      SmallVector<double> hInit(size_t(B * H), 0.0), cInit(size_t(B * H), 0.0);
      if (!h0.empty())
        hInit.assign(h0.begin() + d * B * H, h0.begin() + (d + 1) * B * H);
      if (!c0.empty())
        cInit.assign(c0.begin() + d * B * H, c0.begin() + (d + 1) * B * H);
      uint64_t hAddress = addConstant(stored(hInit, act));
      uint64_t cAddress = addConstant(stored(cInit, Precision::FP32));
      CopyLayer init;
      init.name = name + ".c0";
      init.src.precision = init.dst.precision = Precision::FP32;
      init.dims = {{B * H, 1, 1}};
      Task ct;
      ct.layer = init;
      ct.inp = kAbsolute;
      ct.inpOffset = cAddress;
      ct.out = cell;
      single(std::move(ct));
      int64_t prevT = -1;
      for (int64_t k = 0; k < S; ++k) {
        int64_t t = forward ? k : S - 1 - k;
        Task ht;
        ht.layer = hl;
        if (prevT < 0) {
          ht.inp = kAbsolute;
          ht.inpOffset = hAddress;
        } else {
          ht.inp = y;
          ht.inpOffset = uint64_t(((prevT * D + d) * B * H) * eb);
        }
        ht.out = hproj;
        single(std::move(ht));
        LstmCellLayer cl;
        cl.name = name + " (step " + std::to_string(t) + ")";
        cl.batch = B;
        cl.units = H;
        cl.xproj.precision = cl.hproj.precision = cl.cell.precision =
            Precision::FP32;
        cl.hidden.precision = act;
        Task lt;
        lt.layer = cl;
        lt.inp = xproj;
        lt.inpOffset = uint64_t(t * B * 4 * H * 4);
        lt.inp2 = hproj;
        lt.aux = cell;
        lt.out = y;
        lt.outOffset = uint64_t(((t * D + d) * B * H) * eb);
        single(std::move(lt));
        prevT = t;
      }
      // The last hidden and cell states.
      CopyLayer last;
      last.name = name + ".h";
      last.src.precision = last.dst.precision = act;
      last.dims = {{B * H, 1, 1}};
      Task lh;
      lh.layer = last;
      lh.inp = y;
      lh.inpOffset = uint64_t(((prevT * D + d) * B * H) * eb);
      lh.out = yh;
      lh.outOffset = uint64_t(d * B * H * eb);
      single(std::move(lh));
      EltwiseLayer conv;
      conv.name = name + ".c";
      conv.kind = EltwiseLayer::Kind::Convert;
      conv.elements = B * H;
      conv.a.precision = Precision::FP32;
      conv.out.precision = act;
      Task lc;
      lc.layer = conv;
      lc.inp = cell;
      lc.out = yc;
      lc.outOffset = uint64_t(d * B * H * eb);
      single(std::move(lc));
    }
    steps.push_back(std::move(step));
    return success();
  }

  /// Transposes and slices: one strided copy (core 0).
  LogicalResult copy(Operation *op) {
    FailureOr<int> in = use(op, op->getOperand(0));
    if (failed(in))
      return failure();
    ArrayRef<int64_t> inShape =
        cast<ShapedType>(op->getOperand(0).getType()).getShape();
    ArrayRef<int64_t> outShape =
        cast<ShapedType>(op->getResult(0).getType()).getShape();
    auto stridesOf = [](ArrayRef<int64_t> shape) {
      SmallVector<int64_t> st(shape.size(), 1);
      for (int i = int(shape.size()) - 2; i >= 0; --i)
        st[size_t(i)] = st[size_t(i) + 1] * shape[size_t(i) + 1];
      return st;
    };
    SmallVector<int64_t> si = stridesOf(inShape), so = stridesOf(outShape);
    CopyLayer l;
    l.name = nameOf(op);
    l.src.precision = l.dst.precision = act;
    int64_t start = 0;
    for (size_t k = 0; k < outShape.size(); ++k) {
      if (auto t = dyn_cast<TransposeOp>(op)) {
        l.dims.push_back({outShape[k], si[size_t(t.getPerm()[k])], so[k]});
      } else {
        auto sl = cast<SliceOp>(op);
        l.dims.push_back({outShape[k], si[k] * sl.getStrides()[k], so[k]});
        start += sl.getOffsets()[k] * si[k];
      }
    }
    Step step{op};
    Task t;
    t.layer = l;
    t.inp = *in;
    t.inpOffset = uint64_t(start * (storageBits(act) / 8));
    t.out = define(op->getResult(0), l.name);
    step.phases.push_back({std::move(t)});
    steps.push_back(std::move(step));
    return success();
  }

  LogicalResult eltwise(Operation *op) {
    EltwiseLayer l;
    l.name = nameOf(op);
    bool binary = op->getNumOperands() == 2;
    if (binary && op->getOperand(0).getType() != op->getOperand(1).getType())
      return op->emitError() << "rapid-lower-to-isa: elementwise operands "
                                "of different shapes (broadcasting) are not "
                                "lowered yet";
    FailureOr<int> a = use(op, op->getOperand(0));
    if (failed(a))
      return failure();
    FailureOr<int> b = binary ? use(op, op->getOperand(1)) : FailureOr<int>(-1);
    if (failed(b))
      return failure();
    l.kind =
        llvm::TypeSwitch<Operation *, EltwiseLayer::Kind>(op)
            .Case([](AddOp) { return EltwiseLayer::Kind::Add; })
            .Case([](SubOp) { return EltwiseLayer::Kind::Sub; })
            .Case([](MulOp) { return EltwiseLayer::Kind::Mul; })
            .Case([](MaxOp) { return EltwiseLayer::Kind::Max; })
            .Case([](ReluOp) { return EltwiseLayer::Kind::Relu; })
            .Case([](CastOp) { return EltwiseLayer::Kind::Convert; })
            .Case([](QuantizeOp) { return EltwiseLayer::Kind::Quantize; })
            .Case([](DequantizeOp) { return EltwiseLayer::Kind::Dequantize; })
            .Default([](Operation *) { return EltwiseLayer::Kind::Clip; });
    if (auto clip = dyn_cast<ClipOp>(op)) {
      l.lo = clip.getMin().convertToFloat();
      l.hi = clip.getMax().convertToFloat();
    }
    if (auto q = dyn_cast<QuantizeOp>(op)) {
      auto qt = cast<QuantType>(elementOf(q.getResult()));
      l.scale = float(qt.getScaleValue());
      l.zeroPoint = qt.getZeroPoint();
    }
    if (auto d = dyn_cast<DequantizeOp>(op)) {
      auto qt = cast<QuantType>(elementOf(d.getInput()));
      l.scale = float(qt.getScaleValue());
      l.zeroPoint = qt.getZeroPoint();
    }
    int64_t total = elementsOf(shape4(op->getOperand(0).getType()));
    int out = define(op->getResult(0), l.name);
    l.a.precision = l.b.precision = precisionOf(*a);
    l.out.precision = precisionOf(out);
    int64_t inBits = storageBits(l.a.precision),
            outBits = storageBits(l.out.precision);
    // Packed data: each core's slice starts on a byte.
    int64_t align = outBits < 8 || inBits < 8 ? 8 : 1;
    Step step{op};
    std::vector<Task> tasks;
    for (int64_t k = 0; k < spec.chip.cores; ++k) {
      auto [s0, se] = share((total + align - 1) / align, spec.chip.cores, k);
      int64_t e0 = s0 * align, ee = std::min(se * align, total - e0);
      if (ee <= 0)
        continue;
      EltwiseLayer sub = l;
      sub.elements = ee;
      Task t;
      t.core = int(k);
      t.layer = sub;
      t.inp = *a;
      t.inp2 = *b;
      t.out = out;
      t.inpOffset = t.inp2Offset = uint64_t(e0 * inBits / 8);
      t.outOffset = uint64_t(e0 * outBits / 8);
      tasks.push_back(std::move(t));
    }
    step.phases.push_back(std::move(tasks));
    steps.push_back(std::move(step));
    return success();
  }

  void runOnOperation() override {
    module = getOperation();
    auto fail = [&](const Twine &why) {
      module.emitError() << "rapid-lower-to-isa: " << why;
      signalPassFailure();
    };
    llvm::Expected<ArchSpec> loaded = loadArchSpec(arch);
    if (!loaded)
      return fail(llvm::toString(loaded.takeError()));
    spec = *loaded;
    if (std::optional<CompressWeights> mode =
            parseCompressWeights(compressWeights))
      compressMode = *mode;
    else
      return fail("compress-weights must be auto, never or always, got '" +
                  compressWeights + "'");
    if (spec.numChips() != 1)
      return fail("the architecture '" + spec.name + "' has " +
                  Twine(spec.numChips()) +
                  " chips; programs are lowered for one chip so far");
    core = CoreModel::fromArch(spec);
    SmallVector<func::FuncOp> funcs;
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isExternal())
        funcs.push_back(f);
    if (funcs.size() != 1)
      return fail("expected one function with a body, found " +
                  Twine(funcs.size()));
    func::FuncOp f = funcs[0];
    // The activations' precision: the layers' input precision, or where no
    // layer has a mapping (no PE-array layer), the policy's when it is a
    // float one (--precision fp32 stores every tensor in FP32), else FP16.
    if (std::optional<PrecisionConfig> pc = parsePrecisionPolicy(precision))
      if (pc->inp == Precision::FP32 || numerics::floatFormat(pc->inp))
        act = pc->inp;
    // (Layers whose input type fixes its precision, quantized or HFP8 by
    // rapid-assign-precision, do not say.)
    f.walk([&](Operation *op) {
      if (auto m =
              op->getAttrOfType<MappingAttr>(RapidDialect::kMappingAttrName)) {
        if (op->getNumOperands() &&
            storedPrecision(elementOf(op->getOperand(0))))
          return WalkResult::advance();
        act = m.getInputPrecision();
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (storageBits(act) % 8)
      return fail("activations in " + stringify(act) +
                  " (sub-byte) are not lowered yet");

    // The constants image starts with the fill words.
    constants.assign(64, 0);
    // -infinity where the format has it, else its most negative value (the
    // saturating conversion).
    uint32_t minusInf = numerics::toStorage(-INFINITY, act);
    std::memcpy(&constants[kMinusInfAddress], &minusInf, 4);

    Block &body = f.getBody().front();
    for (BlockArgument arg : body.getArguments()) {
      auto name =
          f.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "rapid.name");
      int t = define(arg, name ? name.str()
                               : "input" + std::to_string(arg.getArgNumber()));
      tensors[t].first = 0;
    }
    for (Operation &op : body)
      if (failed(lowerOp(&op)))
        return signalPassFailure();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    int64_t end = int64_t(steps.size());
    std::vector<int> outputs;
    for (Value v : ret.getOperands()) {
      FailureOr<int> t = use(ret, v);
      if (failed(t))
        return signalPassFailure();
      tensors[*t].last = end;
      outputs.push_back(*t);
    }

    // External memory: constants, then the activations by lifetime.
    std::vector<Allocation> allocs;
    for (const Tensor &t : tensors)
      allocs.push_back({t.name,
                        numerics::bytesFor(uint64_t(elementsOf(t.shape)),
                                           t.precision.value_or(act)),
                        std::max<int64_t>(t.first, 0),
                        std::max(t.last, t.first)});
    uint64_t arena = alignUp(constants.size());
    uint64_t span = planMemory(allocs, 64);
    uint64_t extCapacity = uint64_t(spec.chip.externalMemory.capacityBytes);
    if (arena + span > extCapacity)
      return fail("the model needs " + Twine(arena + span) +
                  " bytes of external memory; the chip has " +
                  Twine(extCapacity));
    if (std::string why = checkMemoryPlan(allocs, extCapacity - arena);
        !why.empty())
      return fail("internal error: the memory plan is invalid: " + why);
    auto address = [&](int t) { return arena + allocs[size_t(t)].offset; };

    rapid::isa::ModelBinary m;
    m.arch = spec.name;
    m.archFingerprint = fingerprint(spec);
    m.coresPerChip = uint32_t(spec.chip.cores);
    m.constants = constants;
    m.constantsAddress = 0;
    m.memory.push_back(
        {"constants", MemLevel::Ext, 0, constants.size(), 0, uint32_t(end)});
    std::set<std::string> used = {"constants"};
    auto unique = [&](std::string name) {
      std::string base = name.empty() ? "t" : name;
      name = base;
      for (int i = 1; !used.insert(name).second; ++i)
        name = base + "." + std::to_string(i);
      return name;
    };
    std::vector<std::string> regionNames;
    for (size_t i = 0; i < allocs.size(); ++i) {
      regionNames.push_back(unique(allocs[i].name));
      if (allocs[i].size)
        m.memory.push_back({regionNames.back(), MemLevel::Ext, address(int(i)),
                            allocs[i].size, uint32_t(allocs[i].first),
                            uint32_t(allocs[i].last)});
    }
    int64_t cores = spec.chip.cores;
    std::vector<rapid::isa::CoreProgram> programs(static_cast<size_t>(cores));
    for (int64_t c = 0; c < cores; ++c) {
      programs[size_t(c)].core = uint32_t(c);
      beginProgram(programs[size_t(c)]);
    }
    // Each step's layer record, with the cost model's prediction of its FWD
    // kernel (the mapping report's row), and the marks that attribute the
    // cores' instructions to it (rapid-sim --stats).
    // (Keyed by op: ONNX node names need not be unique.)
    llvm::DenseMap<Operation *, const MappingReportRow *> predicted;
    const Step *lastLayerStep = nullptr;
    MappingReport report = buildMappingReport(f, spec, nullptr, nullptr,
                                              /*warnUnpriced=*/false);
    for (const MappingReportRow &row : report.rows)
      if (row.kernel == Kernel::FWD)
        predicted.try_emplace(row.source, &row);
    auto markLayer = [&](rapid::isa::CoreProgram &p, Step &step) {
      // Named as `rapidc --report` names it.
      std::string name = layerName(step.op);
      if (lastLayerStep != &step) {
        lastLayerStep = &step;
        rapid::isa::LayerInfo info;
        info.name = name;
        if (auto it = predicted.find(step.op); it != predicted.end()) {
          // (The conversion of the layer's input is its own step.)
          const Breakdown &b = it->second->breakdown;
          info.macs = uint64_t(it->second->macs);
          info.predicted = {b.mac,           b.underUse,
                            b.bubble,        b.visible,
                            b.nonOverlapped, b.aux - it->second->conversion};
        } else if (double c = conversionOpCycles(step.op, spec, act)) {
          info.predicted = {0, 0, 0, 0, 0, c};
        }
        m.layers.push_back(std::move(info));
      }
      auto layer = uint32_t(m.layers.size() - 1);
      if (!p.marks.empty() && p.marks.back().layer == layer)
        return;
      // A mark with no instructions after it yields to this one.
      if (!p.marks.empty() && p.marks.back().pc == p.code.size())
        p.marks.back().layer = layer;
      else
        p.marks.push_back({uint32_t(p.code.size()), layer});
    };
    int64_t barriers = 0;
    auto barrier = [&] {
      if (cores > 1) {
        for (rapid::isa::CoreProgram &p : programs)
          emitBarrier(barriers, p);
        ++barriers;
      }
    };
    for (size_t s = 0; s < steps.size(); ++s) {
      Step &step = steps[s];
      // Addresses; the shapes were set from the ops' types.
      auto ext = [&](int t, uint64_t offset, ExtTensor &e) {
        e.address = t == kAbsolute ? offset : address(t) + offset;
      };
      if (step.pad) {
        ExtTensor src, dst;
        ext(step.pad->src, 0, src);
        ext(step.pad->dst, 0, dst);
        src.precision = dst.precision = precisionOf(step.pad->src);
        src.shape = step.pad->srcShape;
        dst.shape = tensors[step.pad->dst].shape;
        markLayer(programs[0], step);
        emitPadCopy(src, dst, step.pad->top, step.pad->left, step.pad->fill,
                    programs[0]);
        barrier();
      }
      bool listed = false;
      // The Lx the step's SFU layers use (the largest of its tasks').
      uint64_t sfuLx = 0;
      auto noteLx = [&](uint64_t end) { sfuLx = std::max(sfuLx, end); };
      for (std::vector<Task> &phase : step.phases) {
        for (Task &t : phase) {
          rapid::isa::CoreProgram &program = programs[size_t(t.core)];
          markLayer(program, step);
          size_t firstInstruction = program.code.size();
          llvm::Error err = llvm::Error::success();
          if (auto *l = std::get_if<MappedLayer>(&t.layer)) {
            ext(t.inp, t.inpOffset, l->inp);
            ext(t.out, t.outOffset, l->out);
            err = lowerLayer(*l, core, kZeroAddress, 0, 0, program);
            // The Lx and L0 buffers of the step (the first core's: the
            // others' are no larger in the dimensions that are split).
            if (!listed) {
              listed = true;
              Buffers b = planBuffers(*l, 0, 0);
              std::string name = nameOf(step.op);
              auto region = [&](const char *what, MemLevel level, uint64_t from,
                                uint64_t to) {
                if (to > from)
                  m.memory.push_back(
                      {unique(name + "." + stringify(level).str() + "." + what),
                       level, from, to - from, uint32_t(s), uint32_t(s)});
              };
              region("inp", MemLevel::Lx, b.inpB, b.kerB);
              region("ker", MemLevel::Lx, b.kerB, b.outB);
              region("acc", MemLevel::Lx, b.outB, b.biasB);
              region("bias", MemLevel::Lx, b.biasB, b.finalB);
              region("out", MemLevel::Lx, b.finalB, b.lxEnd);
              region("inp", MemLevel::L0, b.inpT, b.kerT);
              region("ker", MemLevel::L0, b.kerT, b.outT);
              region("acc", MemLevel::L0, b.outT, b.inpT2);
              // The second buffers, when the layer double-buffers.
              if (b.l0End <= uint64_t(core.l0Bytes)) {
                region("inp2", MemLevel::L0, b.inpT2, b.kerT2);
                region("ker2", MemLevel::L0, b.kerT2, b.l0End);
              }
              if (b.l0End2 <= uint64_t(core.l0Bytes))
                region("acc2", MemLevel::L0, b.outT2, b.l0End2);
              if (b.lxEnd2 <= uint64_t(core.lxBytes)) {
                region("inp2", MemLevel::Lx, b.inpB2, b.kerB2);
                region("ker2", MemLevel::Lx, b.kerB2, b.lxEnd2);
              }
            }
          } else if (auto *p = std::get_if<PoolLayer>(&t.layer)) {
            ext(t.inp, t.inpOffset, p->inp);
            ext(t.out, t.outOffset, p->out);
            uint64_t end = 0;
            err = lowerPool(*p, core, 0, program, &end);
            noteLx(end);
          } else if (auto *e = std::get_if<EltwiseLayer>(&t.layer)) {
            ext(t.inp, t.inpOffset, e->a);
            if (t.inp2 >= 0)
              ext(t.inp2, t.inp2Offset, e->b);
            ext(t.out, t.outOffset, e->out);
            uint64_t end = 0;
            err = lowerEltwise(*e, core, 0, program, &end);
            noteLx(end);
          } else if (auto *lc = std::get_if<LstmCellLayer>(&t.layer)) {
            ext(t.inp, t.inpOffset, lc->xproj);
            ext(t.inp2, 0, lc->hproj);
            ext(t.aux, 0, lc->cell);
            ext(t.out, t.outOffset, lc->hidden);
            uint64_t end = 0;
            err = lowerLstmCell(*lc, core, 0, program, &end);
            noteLx(end);
          } else if (auto *cp = std::get_if<CopyLayer>(&t.layer)) {
            ext(t.inp, t.inpOffset, cp->src);
            ext(t.out, t.outOffset, cp->dst);
            err = lowerCopy(*cp, program);
          } else if (auto *r = std::get_if<ReduceLayer>(&t.layer)) {
            ext(t.inp, 0, r->partials);
            ext(t.out, 0, r->out);
            uint64_t end = 0;
            err = lowerReduce(*r, core, 0, program, &end);
            noteLx(end);
          }
          // Every field of the task's code fits its encoding (a loop too
          // long or too many trips would only show when encoding).
          for (size_t i = firstInstruction; !err && i < program.code.size();
               ++i)
            if (llvm::Expected<rapid::isa::Word> w =
                    rapid::isa::encode(program.code[i]);
                !w)
              err = llvm::createStringError(
                  llvm::inconvertibleErrorCode(),
                  "the code of layer '" + nameOf(step.op) +
                      "' does not encode: " + llvm::toString(w.takeError()));
          if (err) {
            step.op->emitError()
                << "rapid-lower-to-isa: " << llvm::toString(std::move(err));
            return signalPassFailure();
          }
        }
        barrier();
      }
      // The SFU layers' Lx buffers, for the memory map. A step that also
      // runs a PE-array layer uses Lx for each in turn; its map shows the
      // PE-array layer's buffers.
      if (sfuLx > 0 && !listed)
        m.memory.push_back({unique(nameOf(step.op) + ".lx.sfu"), MemLevel::Lx,
                            0, sfuLx, uint32_t(s), uint32_t(s)});
      ++numLayers;
    }
    for (rapid::isa::CoreProgram &p : programs) {
      if (!p.marks.empty() && p.marks.back().pc == p.code.size())
        p.marks.pop_back();
      endProgram(p);
      numInstructions += p.code.size();
      m.cores.push_back(std::move(p));
    }
    numConstantBytes += constants.size();
    numActivationBytes += span;

    // The model's inputs and outputs, as the ONNX model names them.
    auto describe = [&](int t, Type type, std::string name, bool output) {
      rapid::isa::TensorDescriptor d;
      d.name = std::move(name);
      d.output = output;
      d.dtype = uint8_t(act);
      for (int64_t x : cast<ShapedType>(type).getShape())
        d.shape.push_back(uint64_t(x));
      d.address = address(t);
      m.tensors.push_back(std::move(d));
    };
    for (BlockArgument arg : body.getArguments())
      describe(tensorOf[arg], arg.getType(), tensors[tensorOf[arg]].name,
               false);
    for (auto [i, t] : llvm::enumerate(outputs)) {
      auto name = f.getResultAttrOfType<StringAttr>(i, "rapid.name");
      describe(t, ret.getOperand(i).getType(),
               name ? name.str() : "output" + std::to_string(i), true);
    }
    if (std::string why = rapid::isa::checkModelBinary(m); !why.empty())
      return fail(why);

    // Replace the function with the program.
    OpBuilder b(module.getContext());
    rapid::isa::ProgramOp programOp = rapid::isa::fromModelBinary(m, module);
    programOp.setCapacityAttr(b.getDenseI64ArrayAttr(
        {int64_t(extCapacity), core.lxBytes, core.l0Bytes}));
    programOp->setLoc(f.getLoc());
    f.erase();
  }
};
} // namespace

std::unique_ptr<mlir::Pass>
rapid::createLowerToISAPass(const RapidLowerToISAOptions &options,
                            LowerToISAStats *stats) {
  return std::make_unique<LowerToISAPass>(options, stats);
}
