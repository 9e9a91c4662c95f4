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
#include "rapid/Target/LayerSummary.h"
#include "rapid/Target/MappingReport.h"
#include "rapid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

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

uint64_t align64(uint64_t x) { return (x + 63) / 64 * 64; }

/// A tensor in external memory: an SSA value (or several, for aliases) or
/// a layer's scratch copy.
struct Tensor {
  std::string name;
  std::array<int64_t, 4> shape{1, 1, 1, 1};
  int64_t first = -1, last = -1;
};

/// A copy of tensor `src` into the zero/-inf bordered tensor `dst`.
struct PadCopy {
  int src = -1, dst = -1;
  /// The source's shape as the layer reads it (an alias may differ).
  std::array<int64_t, 4> srcShape{};
  int64_t top = 0, left = 0;
  uint64_t fill = kZeroAddress;
};

/// One lowered step: a layer of some kind, its tensors, an optional pad copy.
struct Step {
  Operation *op;
  std::variant<MappedLayer, PoolLayer, EltwiseLayer> layer;
  int inp = -1, inp2 = -1, out = -1;
  std::optional<PadCopy> pad;
};

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

int64_t elementsOf(const std::array<int64_t, 4> &s) {
  return s[0] * s[1] * s[2] * s[3];
}

struct LowerToISAPass
    : public rapid::impl::RapidLowerToISABase<LowerToISAPass> {
  using Base::Base;

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
    uint64_t at = align64(constants.size());
    constants.resize(at + bytes.size(), 0);
    std::copy(bytes.begin(), bytes.end(), constants.begin() + at);
    return at;
  }

  int newTensor(std::string name, std::array<int64_t, 4> shape) {
    tensors.push_back({std::move(name), shape});
    return int(tensors.size() - 1);
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
    tensorOf[v] = t;
    return t;
  }
  /// A zero- (or -inf-) bordered copy of tensor `t` for this step.
  PadCopy padded(int t, Value v, ArrayRef<int64_t> pads, uint64_t fill) {
    std::array<int64_t, 4> s = shape4(v.getType());
    s[2] += pads[0] + pads[2];
    s[3] += pads[1] + pads[3];
    int p = newTensor(tensors[t].name + ".padded", s);
    tensors[p].first = tensors[p].last = int64_t(steps.size());
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

  LogicalResult weights(Operation *op, Value v, SmallVector<double> &out) {
    auto cst = v.getDefiningOp<ConstantOp>();
    std::optional<SmallVector<double>> values;
    if (cst)
      values = readFloatElements(cst.getValue());
    if (!values)
      return op->emitError() << "rapid-lower-to-isa: the weights must be a "
                                "float rapid.constant";
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

  /// A conv2d, gemm or matmul as a MappedLayer; `w` is [out][in/g][kh][kw].
  LogicalResult matrixLayer(Operation *op, Value input, ArrayRef<double> w,
                            ArrayRef<double> bias, Window window,
                            bool depthwise, std::optional<ActivationAttr> a,
                            ArrayRef<int64_t> pads) {
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
    l.epilogue.bias = !bias.empty();
    Step step{op, l};
    step.inp = *in;
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
      step.pad = padded(*in, input, pads, kZeroAddress);
    step.out = define(op->getResult(0), l.name);
    MappedLayer &ml = std::get<MappedLayer>(step.layer);
    // The operand's own shape: an aliased tensor (reshape, flatten) keeps
    // its bytes under another shape.
    ml.inp.shape =
        step.pad ? tensors[step.pad->dst].shape : shape4(input.getType());
    ml.out.shape = tensors[step.out].shape;
    ml.inp.precision = ml.out.precision = act;
    if (std::string why = checkLayer(ml); !why.empty())
      return op->emitError() << "rapid-lower-to-isa: " << why;
    SmallVector<float> wf(w.begin(), w.end()), bf(bias.begin(), bias.end());
    ml.kerAddress = addConstant(packWeights(ml, wf));
    if (!bias.empty())
      ml.biasAddress = addConstant(packBias(ml, bf));
    steps.push_back(std::move(step));
    return success();
  }

  LogicalResult lowerOp(Operation *op) {
    return llvm::TypeSwitch<Operation *, LogicalResult>(op)
        .Case([&](ConstantOp) { return success(); })
        .Case<ReshapeOp, FlattenOp>([&](Operation *o) {
          FailureOr<int> t = use(o, o->getOperand(0));
          if (failed(t))
            return failure();
          tensorOf[o->getResult(0)] = *t; // same bytes, another shape
          return success();
        })
        .Case([&](Conv2DOp conv) -> LogicalResult {
          SmallVector<double> w, b;
          if (failed(weights(op, conv.getWeight(), w)) ||
              (conv.getBias() && failed(weights(op, conv.getBias(), b))))
            return failure();
          ArrayRef<int64_t> x =
              cast<ShapedType>(conv.getInput().getType()).getShape();
          int64_t groups = conv.getGroupCount();
          bool depthwise =
              groups > 1 && groups == x[1] &&
              groups == cast<ShapedType>(conv.getType()).getShape()[1];
          ArrayRef<int64_t> k =
              cast<ShapedType>(conv.getWeight().getType()).getShape();
          SmallVector<int64_t, 2> st = conv.getStrideValues(),
                                  dl = conv.getDilationValues();
          Window win{k[2], k[3], st[0], st[1], dl[0], dl[1]};
          return matrixLayer(op, conv.getInput(), w, b, win, depthwise,
                             conv.getActivation(), conv.getPadValues());
        })
        .Case([&](GemmOp gemm) -> LogicalResult {
          if (gemm.getTransposeA())
            return op->emitError()
                   << "rapid-lower-to-isa: gemm with transpose_a is not "
                      "lowered yet";
          SmallVector<double> bw, c;
          if (failed(weights(op, gemm.getB(), bw)))
            return failure();
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
                             gemm.getActivation(), {});
        })
        .Case([&](MatMulOp mm) -> LogicalResult {
          SmallVector<double> bw;
          ArrayRef<int64_t> bs =
              cast<ShapedType>(mm.getRhs().getType()).getShape();
          if (bs.size() != 2)
            return op->emitError() << "rapid-lower-to-isa: matmul is lowered "
                                      "with a constant 2-D right operand only";
          if (failed(weights(op, mm.getRhs(), bw)))
            return failure();
          int64_t k = bs[0], n = bs[1];
          SmallVector<double> w(size_t(n * k));
          for (int64_t o = 0; o < n; ++o)
            for (int64_t i = 0; i < k; ++i)
              w[size_t(o * k + i)] = bw[size_t(i * n + o)];
          return matrixLayer(op, mm.getLhs(), w, {}, Window{}, false,
                             std::nullopt, {});
        })
        .Case<MaxPoolOp, AvgPoolOp, GlobalAvgPoolOp>(
            [&](Operation *o) -> LogicalResult { return pool(o); })
        .Case<AddOp, SubOp, MulOp, MaxOp, ReluOp, ClipOp>(
            [&](Operation *o) -> LogicalResult { return eltwise(o); })
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
    Step step{op, l};
    step.inp = *in;
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
      step.pad = padded(*in, op->getOperand(0), pads, fill);
    step.out = define(op->getResult(0), l.name);
    PoolLayer &pl = std::get<PoolLayer>(step.layer);
    pl.inp.shape = step.pad ? tensors[step.pad->dst].shape
                            : shape4(op->getOperand(0).getType());
    pl.out.shape = tensors[step.out].shape;
    pl.inp.precision = pl.out.precision = act;
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
    l.kind = llvm::TypeSwitch<Operation *, EltwiseLayer::Kind>(op)
                 .Case([](AddOp) { return EltwiseLayer::Kind::Add; })
                 .Case([](SubOp) { return EltwiseLayer::Kind::Sub; })
                 .Case([](MulOp) { return EltwiseLayer::Kind::Mul; })
                 .Case([](MaxOp) { return EltwiseLayer::Kind::Max; })
                 .Case([](ReluOp) { return EltwiseLayer::Kind::Relu; })
                 .Default([](Operation *) { return EltwiseLayer::Kind::Clip; });
    if (auto clip = dyn_cast<ClipOp>(op)) {
      l.lo = clip.getMin().convertToFloat();
      l.hi = clip.getMax().convertToFloat();
    }
    l.elements = elementsOf(shape4(op->getOperand(0).getType()));
    l.a.precision = l.b.precision = l.out.precision = act;
    Step step{op, l};
    step.inp = *a;
    step.inp2 = *b;
    step.out = define(op->getResult(0), l.name);
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
    if (spec.numCores() != 1)
      return fail("the architecture '" + spec.name + "' has " +
                  Twine(spec.numCores()) +
                  " cores; programs are lowered for one core so far");
    core = CoreModel::fromArch(spec);
    SmallVector<func::FuncOp> funcs;
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isExternal())
        funcs.push_back(f);
    if (funcs.size() != 1)
      return fail("expected one function with a body, found " +
                  Twine(funcs.size()));
    func::FuncOp f = funcs[0];
    // The activations' precision: the layers' input precision.
    f.walk([&](Operation *op) {
      if (auto m =
              op->getAttrOfType<MappingAttr>(RapidDialect::kMappingAttrName)) {
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
    uint32_t minusInf = 0;
    if (act == Precision::FP32) {
      float v = -INFINITY;
      std::memcpy(&minusInf, &v, 4);
    } else if (act == Precision::FP16) {
      minusInf = numerics::encode(-INFINITY, numerics::kFP16);
    } else {
      minusInf = 0x80; // the most negative int8; FP8 formats: their minimum
      if (act == Precision::HFP8_143)
        minusInf = numerics::encode(-INFINITY, numerics::kHFP8_143,
                                    {numerics::Rounding::NearestEven, true});
      if (act == Precision::HFP8_152)
        minusInf = numerics::encode(-INFINITY, numerics::kHFP8_152);
    }
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
      allocs.push_back(
          {t.name,
           uint64_t(elementsOf(t.shape)) * uint64_t(storageBits(act) / 8),
           std::max<int64_t>(t.first, 0), std::max(t.last, t.first)});
    uint64_t arena = align64(constants.size());
    uint64_t span = planMemory(allocs, 64);
    uint64_t extCapacity = uint64_t(spec.chip.externalMemory.capacityBytes);
    if (std::string why = checkMemoryPlan(allocs, extCapacity - arena);
        !why.empty() || arena + span > extCapacity)
      return fail("the model needs " + Twine(arena + span) +
                  " bytes of external memory; the chip has " +
                  Twine(extCapacity));
    auto address = [&](int t) { return arena + allocs[size_t(t)].offset; };

    rapid::isa::ModelBinary m;
    m.arch = spec.name;
    m.archFingerprint = fingerprint(spec);
    m.coresPerChip = 1;
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
    rapid::isa::CoreProgram program;
    beginProgram(program);
    for (size_t s = 0; s < steps.size(); ++s) {
      Step &step = steps[s];
      // Addresses; the shapes were set from the ops' types.
      auto ext = [&](int t, ExtTensor &e) {
        e.address = address(t);
        e.precision = act;
      };
      if (step.pad) {
        ExtTensor src, dst;
        ext(step.pad->src, src);
        ext(step.pad->dst, dst);
        src.shape = step.pad->srcShape;
        dst.shape = tensors[step.pad->dst].shape;
        emitPadCopy(src, dst, step.pad->top, step.pad->left, step.pad->fill,
                    program);
      }
      int inp = step.pad ? step.pad->dst : step.inp;
      llvm::Error err = llvm::Error::success();
      if (auto *l = std::get_if<MappedLayer>(&step.layer)) {
        ext(inp, l->inp);
        ext(step.out, l->out);
        err = lowerLayer(*l, core, kZeroAddress, 0, 0, program);
        Buffers b = planBuffers(*l, 0, 0);
        auto region = [&](const char *what, MemLevel level, uint64_t from,
                          uint64_t to) {
          if (to > from)
            m.memory.push_back(
                {unique(l->name + "." + stringify(level).str() + "." + what),
                 level, from, to - from, uint32_t(s), uint32_t(s)});
        };
        region("inp", MemLevel::Lx, b.inpB, b.kerB);
        region("ker", MemLevel::Lx, b.kerB, b.outB);
        region("acc", MemLevel::Lx, b.outB, b.biasB);
        region("bias", MemLevel::Lx, b.biasB, b.finalB);
        region("out", MemLevel::Lx, b.finalB, b.lxEnd);
        region("inp", MemLevel::L0, b.inpT, b.kerT);
        region("ker", MemLevel::L0, b.kerT, b.outT);
        region("acc", MemLevel::L0, b.outT, b.l0End);
      } else if (auto *p = std::get_if<PoolLayer>(&step.layer)) {
        ext(inp, p->inp);
        ext(step.out, p->out);
        err = lowerPool(*p, core, 0, program);
      } else if (auto *e = std::get_if<EltwiseLayer>(&step.layer)) {
        ext(inp, e->a);
        if (step.inp2 >= 0)
          ext(step.inp2, e->b);
        ext(step.out, e->out);
        err = lowerEltwise(*e, core, 0, program);
      }
      if (err) {
        step.op->emitError()
            << "rapid-lower-to-isa: " << llvm::toString(std::move(err));
        return signalPassFailure();
      }
      ++numLayers;
    }
    endProgram(program);
    numInstructions += program.code.size();
    numConstantBytes += constants.size();
    numActivationBytes += span;
    m.cores.push_back(std::move(program));

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
