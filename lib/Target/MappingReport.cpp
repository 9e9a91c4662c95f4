//===- MappingReport.cpp - Layer tasks, mapping attributes, report --------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Target/MappingReport.h"
#include "rapid/Dialect/Rapid/ConstantValues.h"
#include "rapid/Target/LayerSummary.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"

#include <climits>
#include <functional>

using namespace mlir;
using namespace rapid;

std::optional<Precision> rapid::storedPrecision(Type element) {
  if (auto q = dyn_cast<QuantType>(element)) {
    if (q.getCompensated())
      return Precision::FPEC4;
    switch (q.getStorage().getWidth()) {
    case 8:
      return Precision::INT8;
    case 4:
      return Precision::INT4;
    case 2:
      return Precision::INT2;
    default:
      return std::nullopt;
    }
  }
  if (isa<Float8E4M3B11FNUZType>(element))
    return Precision::HFP8_143;
  if (isa<Float8E5M2Type>(element))
    return Precision::HFP8_152;
  return std::nullopt;
}

double rapid::conversionOpCycles(Operation *op, const ArchSpec &arch,
                                 Precision act) {
  if (!isa<CastOp, QuantizeOp, DequantizeOp>(op))
    return 0;
  auto elementOf = [](Value v) {
    return cast<ShapedType>(v.getType()).getElementType();
  };
  Precision in = storedPrecision(elementOf(op->getOperand(0))).value_or(act),
            out = storedPrecision(elementOf(op->getResult(0))).value_or(act);
  int passes = 1;
  if (auto q = dyn_cast<QuantizeOp>(op))
    passes = cast<QuantType>(elementOf(q.getResult())).getZeroPoint() ? 2 : 1;
  if (isa<DequantizeOp>(op))
    passes = 2;
  int64_t elements =
      cast<ShapedType>(op->getResult(0).getType()).getNumElements();
  int64_t cores = std::max<int64_t>(arch.chip.cores, 1);
  // The backend gives each core a share in whole bytes of packed data.
  int64_t align = storageBits(in) < 8 || storageBits(out) < 8 ? 8 : 1;
  int64_t perCore = (elements + align * cores - 1) / (align * cores) * align;
  perCore = std::min(perCore, elements);
  return conversionCycles(CoreModel::fromArch(arch, cores), double(perCore), in,
                          out, passes);
}

std::optional<PrecisionConfig>
rapid::layerPrecision(Operation *layer, const PrecisionConfig &policy,
                      std::string *why) {
  if (layer->getNumOperands() < 2 || isa<LSTMOp, LSTMCellOp>(layer))
    return policy;
  auto elementOf = [](Value v) {
    return cast<ShapedType>(v.getType()).getElementType();
  };
  std::optional<Precision> inp =
      storedPrecision(elementOf(layer->getOperand(0)));
  std::optional<Precision> ker =
      storedPrecision(elementOf(layer->getOperand(1)));
  bool intInp = inp && *inp >= Precision::INT8,
       intKer = ker && *ker >= Precision::INT8;
  if (intInp != intKer) {
    if (why)
      *why = intInp ? "its input is quantized but its weights are not"
                    : "its weights are quantized but its input is not";
    return std::nullopt;
  }
  PrecisionConfig pc = policy;
  if (layer->hasAttr(RapidDialect::kBiScaledWeightsAttrName) &&
      (!intKer || *ker != Precision::INT8)) {
    if (why)
      *why = "its BiScaled weights must be an int8-typed rapid.quant_constant";
    return std::nullopt;
  }
  if (intInp) {
    pc.inp = *inp;
    pc.ker = layer->hasAttr(RapidDialect::kBiScaledWeightsAttrName)
                 ? Precision::BiScaled4
                 : *ker;
    pc.acc = Precision::FP32;
    pc.chunk = 0;
  } else if (inp) {
    // The seed's FP8 training/inference format: FP16 sums in chunks of 64.
    pc.inp = pc.ker = *inp;
    pc.acc = Precision::FP16;
    pc.chunk = 64;
  }
  return pc;
}

static unsigned idx(Dim d) { return static_cast<unsigned>(d); }

static bool isConstant(Value v) {
  return isa_and_nonnull<ConstantOp, QuantConstantOp>(v.getDefiningOp());
}

/// Weights are the second operand of every layer op except matmul, whose
/// right-hand side may be an activation.
static bool hasWeights(Operation *layer) {
  return !isa<MatMulOp>(layer) || isConstant(layer->getOperand(1));
}

std::vector<Kernel> rapid::kernelsToMap(Operation *layer, bool training) {
  std::vector<Kernel> kernels = {Kernel::FWD};
  if (!training)
    return kernels;
  if (!isa<BlockArgument>(layer->getOperand(0)))
    kernels.push_back(Kernel::BWD);
  if (hasWeights(layer))
    kernels.push_back(Kernel::UPD);
  return kernels;
}

/// The fraction of a layer's constant weights (a rapid.constant or
/// rapid.quant_constant second operand) that are zero; none without them.
static std::optional<double> weightSparsity(Operation *layer) {
  if (layer->getNumOperands() < 2 || !hasWeights(layer))
    return std::nullopt;
  Operation *def = layer->getOperand(1).getDefiningOp();
  if (auto q = dyn_cast_or_null<QuantConstantOp>(def)) {
    auto dense = dyn_cast<DenseIntElementsAttr>(q.getValue());
    if (!dense || dense.getNumElements() == 0)
      return std::nullopt;
    int64_t zeros = 0;
    for (const APInt &v : dense.getValues<APInt>())
      zeros += v.isZero();
    return double(zeros) / double(dense.getNumElements());
  }
  auto c = dyn_cast_or_null<ConstantOp>(def);
  std::optional<SmallVector<double>> values;
  if (c)
    values = readFloatElements(c.getValue());
  if (!values || values->empty())
    return std::nullopt;
  return double(llvm::count(*values, 0.0)) / double(values->size());
}

/// SFU operations per output element of an activation: compares and
/// multiplies are one; sigmoid and tanh take an exponent, an add and an
/// approximate reciprocal (and a multiply-add for tanh).
static double activationOps(ActivationAttr act) {
  if (!act)
    return 0;
  switch (act.getKind()) {
  case ActivationKind::relu:
  case ActivationKind::leaky_relu:
    return 1;
  case ActivationKind::clip:
  case ActivationKind::hard_sigmoid:
    return 2;
  case ActivationKind::sigmoid:
  case ActivationKind::tanh:
    return 4;
  }
  return 0;
}

/// SFU operations per forward output element of a layer. PE-array layers
/// also convert each finished sum from the accumulation precision to the
/// activations' (one `mov`, docs/backend.md).
static double forwardAuxPerOutput(Operation *layer) {
  return llvm::TypeSwitch<Operation *, double>(layer)
      .Case([](Conv2DOp op) {
        return 1.0 + (op.getBias() ? 1.0 : 0.0) +
               activationOps(op.getActivationAttr());
      })
      .Case([](ConvTranspose2DOp op) { return op.getBias() ? 1.0 : 0.0; })
      .Case([](GemmOp op) {
        return 1.0 + (op.getC() ? 1.0 : 0.0) +
               activationOps(op.getActivationAttr());
      })
      .Case<MatMulOp>([](Operation *) { return 1.0; })
      // Per gate output: the bias, then per hidden unit three sigmoids and
      // two tanh (20 ops), c = f*c + i*g (3) and h = o*tanh(c) (1), spread
      // over its four gate outputs.
      .Case<LSTMOp, LSTMCellOp>([](Operation *) { return 1.0 + 24.0 / 4; })
      .Default([](Operation *) { return 0.0; });
}

SpatialLayer rapid::spatialLayerOf(Operation *layer, bool training) {
  std::optional<LayerShape> shape = getLayerShape(layer);
  assert(shape && "a layer op");
  SpatialLayer l;
  l.name = layerName(layer);
  l.shape = *shape;
  l.kernels = kernelsToMap(layer, training);
  l.hasWeights = hasWeights(layer);
  l.recurrent = isa<LSTMOp>(layer);
  l.timesteps = l.recurrent ? shape->outH : 1;
  for (Kernel k : {Kernel::FWD, Kernel::BWD, Kernel::UPD}) {
    Workload w = makeWorkload(*shape, k);
    double outputs = double(w.footprint(DataStructure::Outp, w.dims));
    double &aux = l.auxOps[static_cast<unsigned>(k)];
    switch (k) {
    case Kernel::FWD:
      aux = outputs * forwardAuxPerOutput(layer);
      break;
    case Kernel::BWD:
      // The activation's derivative on every input error.
      aux = outputs;
      break;
    case Kernel::UPD:
      // The weight update w -= lr * dW (axpy).
      aux = 2 * outputs;
      break;
    }
  }
  return l;
}

LayerGraph rapid::buildLayerGraph(Operation *root, bool training) {
  LayerGraph g;
  llvm::DenseMap<Operation *, int> index;
  root->walk([&](Operation *op) {
    if (!getLayerShape(op))
      return;
    index[op] = int(g.ops.size());
    g.ops.push_back(op);
    g.net.layers.push_back(spatialLayerOf(op, training));
  });
  g.net.training = training;
  // The first layer (in program order) reading an op's results through
  // non-layer ops; INT_MAX if none.
  llvm::DenseMap<Operation *, int> firstReaderOf;
  std::function<int(Operation *)> firstReader = [&](Operation *def) {
    auto it = firstReaderOf.find(def);
    if (it != firstReaderOf.end())
      return it->second;
    firstReaderOf[def] = INT_MAX; // cycles cannot occur; guards recursion
    int first = INT_MAX;
    for (Operation *user : def->getUsers()) {
      auto l = index.find(user);
      first = std::min(first, l != index.end() ? l->second : firstReader(user));
    }
    firstReaderOf[def] = first;
    return first;
  };
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Operation *op = g.ops[i];
    // Where the activations read come from, through non-layer ops: a
    // producer layer, or, for a tensor an earlier layer already read (a
    // residual branch), that reader, whose layout the tensor now has.
    // Stopping there keeps the graph's frontier small (ResNet's adds would
    // otherwise chain every block to every earlier one).
    std::map<int, double> preds;
    llvm::DenseSet<Operation *> seen;
    SmallVector<Value> work;
    for (Value v : op->getOperands())
      if (!isConstant(v))
        work.push_back(v);
    while (!work.empty()) {
      Value v = work.pop_back_val();
      Operation *def = v.getDefiningOp();
      if (!def || !seen.insert(def).second)
        continue;
      double elems = 0;
      if (auto type = dyn_cast<RankedTensorType>(v.getType()))
        elems = double(type.getNumElements());
      auto it = index.find(def);
      int source = it != index.end() ? it->second : firstReader(def);
      if (it != index.end() || source < int(i)) {
        double &e = preds[source];
        e = std::max(e, elems);
        continue;
      }
      for (Value operand : def->getOperands())
        if (!isConstant(operand))
          work.push_back(operand);
    }
    for (auto [p, elems] : preds) {
      g.net.layers[i].preds.push_back(p);
      g.net.layers[i].predElems.push_back(elems);
    }
    // Whether the result reaches a return, and how many layers it reaches,
    // through non-layer ops.
    SmallVector<Operation *> users(op->getUsers().begin(),
                                   op->getUsers().end());
    llvm::DenseSet<Operation *> visited;
    int readers = 0;
    while (!users.empty()) {
      Operation *u = users.pop_back_val();
      if (!visited.insert(u).second)
        continue;
      if (index.count(u)) {
        ++readers;
        continue;
      }
      if (u->hasTrait<OpTrait::IsTerminator>())
        g.net.layers[i].feedsOutput = true;
      for (Operation *v : u->getUsers())
        users.push_back(v);
    }
    g.net.layers[i].sharedOutput = readers > 1;
  }
  g.net.finalize();
  return g;
}

SpatialConfig rapid::spatialConfigOf(Operation *layer, const ArchSpec &arch) {
  SpatialConfig c;
  auto spatial =
      layer->getAttrOfType<SpatialAttr>(RapidDialect::kSpatialAttrName);
  if (!spatial) {
    c.chipsX = arch.system.chipsX;
    c.chipsY = arch.system.chipsY;
    Workload w = makeWorkload(*getLayerShape(layer), Kernel::FWD);
    // The timesteps of a recurrent layer are not divisible.
    if (isa<LSTMOp>(layer))
      w.dims[idx(Dim::Ij)] = 1;
    c.coreSplit = defaultCoreSplit(w, arch.chip.cores);
    return c;
  }
  c.kind = spatial.getKind();
  c.chipsX = spatial.getChips()[0];
  c.chipsY = spatial.getChips()[1];
  llvm::copy(spatial.getChipSplit(), c.chipSplit.begin());
  llvm::copy(spatial.getCoreSplit(), c.coreSplit.begin());
  c.spatialMinibatch = spatial.getSpatialMinibatch();
  c.holdOutput = spatial.getHoldOutput();
  c.inputOnChip = spatial.getInputOnChip();
  c.preloadWeights = spatial.getPreloadWeights();
  c.lxReservedBytes = spatial.getLxReserved();
  c.pipelineStage = int(spatial.getPipelineStage());
  return c;
}

SpatialAttr rapid::toSpatialAttr(MLIRContext *context, const SpatialConfig &c,
                                 int64_t cores) {
  int64_t chips[] = {c.chipsX, c.chipsY};
  return SpatialAttr::get(context, c.kind, chips, cores, c.chipSplit,
                          c.coreSplit, c.spatialMinibatch, c.holdOutput,
                          c.inputOnChip, c.preloadWeights, c.lxReservedBytes,
                          c.pipelineStage);
}

MappingAttr rapid::toMappingAttr(MLIRContext *context, const Workload &w,
                                 const Mapping &m) {
  SmallVector<int64_t> order, transfers;
  for (const LoopOrder &stage : m.order)
    for (Dim d : stage)
      order.push_back(idx(d));
  for (const TransferLocation &t : transferLocations(w, m)) {
    transfers.push_back(static_cast<int64_t>(t.level));
    transfers.push_back(static_cast<int64_t>(t.stage));
    transfers.push_back(idx(t.dim));
  }
  int64_t precisions[] = {static_cast<int64_t>(m.precision.inp),
                          static_cast<int64_t>(m.precision.ker),
                          static_cast<int64_t>(m.precision.acc)};
  return MappingAttr::get(context, m.dataflow, m.n, m.b, m.t, m.p, order,
                          transfers, precisions, m.precision.chunk);
}

Mapping rapid::fromMappingAttr(MappingAttr attr) {
  Mapping m;
  m.dataflow = attr.getDataflow();
  llvm::copy(attr.getN(), m.n.begin());
  llvm::copy(attr.getB(), m.b.begin());
  llvm::copy(attr.getT(), m.t.begin());
  llvm::copy(attr.getP(), m.p.begin());
  for (unsigned s = 0; s < kNumLoopStages; ++s)
    for (unsigned i = 0; i < kNumDims; ++i)
      m.order[s][i] = attr.getLoopDim(static_cast<LoopStage>(s), i);
  m.precision.inp = attr.getInputPrecision();
  m.precision.ker = attr.getKernelPrecision();
  m.precision.acc = attr.getAccumulatePrecision();
  m.precision.chunk = attr.getChunk();
  return m;
}

Breakdown &Breakdown::operator+=(const Breakdown &o) {
  mac += o.mac;
  underUse += o.underUse;
  bubble += o.bubble;
  visible += o.visible;
  nonOverlapped += o.nonOverlapped;
  aux += o.aux;
  hidden += o.hidden;
  return *this;
}

Breakdown rapid::breakdownOf(const KernelCost &k, double relayout) {
  Breakdown b;
  b.mac = k.core.macCycles;
  b.underUse = k.core.underUse;
  b.bubble = k.core.bubble;
  b.visible = k.core.overlappedVisible + k.commVisible;
  b.hidden = k.core.overlappedHidden + k.commHidden;
  b.nonOverlapped = k.core.nonOverlapped + k.commNonOverlapped + relayout;
  b.aux = k.core.aux;
  return b;
}

double MappingReport::utilization() const {
  double c = cycles();
  return c > 0 ? total.mac / c : 0;
}

MappingReport rapid::buildMappingReport(Operation *root, const ArchSpec &arch,
                                        const MappingStatsSink *stats,
                                        const SpatialStats *spatial,
                                        bool warnUnpriced) {
  MappingReport report;
  report.arch = arch.name;
  report.frequencyGHz = arch.core.frequencyGHz;
  report.chips = arch.numChips();
  report.cores = arch.chip.cores;
  if (stats)
    report.search = stats->total;
  if (spatial)
    report.spatial = *spatial;
  root->walk([&](Operation *op) {
    if (op->hasAttr(RapidDialect::mappingAttrName(Kernel::BWD)) ||
        op->hasAttr(RapidDialect::mappingAttrName(Kernel::UPD)))
      report.training = true;
  });
  LayerGraph all = buildLayerGraph(root, report.training);
  // The mapped layers (every kernel mapped and valid) as a network of their
  // own: edges through unmapped layers are dropped.
  LayerGraph g;
  g.net.training = report.training;
  std::vector<SpatialConfig> configs;
  std::vector<std::vector<Mapping>> mappings;
  std::vector<int> newIndex(all.ops.size(), -1);
  std::optional<PrecisionConfig> pc;
  bool policySeen = false; // pc is an unfixed (policy) layer's
  for (size_t i = 0; i < all.ops.size(); ++i) {
    Operation *op = all.ops[i];
    SpatialLayer layer = all.net.layers[i];
    SpatialConfig c = spatialConfigOf(op, arch);
    CoreModel core = spatialCoreModel(layer, arch, c, PrecisionConfig());
    std::vector<Mapping> ms;
    for (Kernel kernel : layer.kernels) {
      auto attr =
          op->getAttrOfType<MappingAttr>(RapidDialect::mappingAttrName(kernel));
      if (!attr)
        break;
      Mapping m = fromMappingAttr(attr);
      LayerTask task = spatialLayerTask(layer, kernel, c, report.training);
      std::string why = checkMapping(task, core, m);
      if (!why.empty()) {
        if (warnUnpriced)
          op->emitWarning() << "mapping not priced: " << why;
        break;
      }
      ms.push_back(m);
    }
    if (ms.size() != layer.kernels.size())
      continue;
    // The policy: the first layer's whose input type does not fix it.
    bool fixed =
        op->getNumOperands() &&
        storedPrecision(
            cast<ShapedType>(op->getOperand(0).getType()).getElementType());
    if (!pc || (!policySeen && !fixed)) {
      pc = ms.front().precision;
      policySeen = !fixed;
    }
    std::vector<int> preds;
    for (int p : layer.preds)
      if (newIndex[p] >= 0)
        preds.push_back(newIndex[p]);
    layer.preds = preds;
    newIndex[i] = int(g.ops.size());
    g.ops.push_back(op);
    g.net.layers.push_back(layer);
    configs.push_back(c);
    mappings.push_back(ms);
  }
  g.net.finalize();
  if (g.ops.empty())
    return report;
  // Every layer's precision fixed by its types: the policy is fp16's.
  if (pc && !policySeen)
    pc = PrecisionConfig();
  NetworkPlan plan = priceNetwork(g.net, arch, configs, mappings, *pc);
  SpatialOptions baseOptions;
  baseOptions.homogeneousBaseline = true;
  baseOptions.search.precision = *pc;
  llvm::Expected<NetworkPlan> base = planNetwork(g.net, arch, baseOptions);
  if (base)
    report.baselineCycles = base->total();
  else
    report.baselineError = llvm::toString(base.takeError());
  report.pipelineOverlap = plan.pipelineOverlap;
  report.precision = *pc;
  report.emulatedFP32 =
      (pc->inp == Precision::FP32 || pc->ker == Precision::FP32) &&
      arch.peMultiplier[unsigned(Precision::FP32)] == 0;
  report.minibatch = g.net.layers.front().shape.batch;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Operation *op = g.ops[i];
    const LayerPlan &lp = plan.layers[i];
    std::string kind = stringify(lp.config.kind).str();
    if (lp.config.pipelineStage >= 0)
      kind += "+timestep_pipeline";
    ++report.parallelismMix[kind];
    // A padded convolution reads a zero-padded copy of its input, which the
    // backend makes in external memory first (a fill and a copy on one core,
    // docs/backend.md): non-overlapped time on its FWD row.
    double padCopy = 0;
    if (auto conv = dyn_cast<Conv2DOp>(op);
        conv &&
        llvm::any_of(conv.getPadValues(), [](int64_t p) { return p; })) {
      ArrayRef<int64_t> s = conv.getInput().getType().getShape();
      SmallVector<int64_t, 4> pads = conv.getPadValues();
      double eb =
          double(storageBits(
              storedPrecision(conv.getInput().getType().getElementType())
                  .value_or(pc->inp))) /
          8;
      double in = double(s[0] * s[1] * s[2] * s[3]) * eb;
      double padded = double(s[0] * s[1] * (s[2] + pads[0] + pads[2]) *
                             (s[3] + pads[1] + pads[3])) *
                      eb;
      CoreModel one = CoreModel::fromArch(arch, 1);
      padCopy = extFillCycles(one, padded) + extCopyCycles(one, in);
    }
    for (size_t k = 0; k < lp.kernels.size(); ++k) {
      MappingReportRow row;
      row.name = layerName(op);
      row.op = op->getName().getStringRef().str();
      row.source = op;
      row.kernel = lp.kernels[k].kernel;
      row.spatial = lp.config;
      row.cost = lp.kernels[k];
      // Inference on one chip: an LSTM runs as rapid's backend lowers it,
      // step by step on one core (planLstm), not as the fused gate product
      // its op's mapping prices (and so does its hand-tuned baseline).
      std::optional<double> loweredBaseline;
      if (auto lstm = dyn_cast<LSTMOp>(op); lstm && !report.training &&
                                            arch.numChips() == 1 &&
                                            row.kernel == Kernel::FWD) {
        ArrayRef<int64_t> xs = lstm.getX().getType().getShape();
        SearchOptions so;
        so.precision = *pc;
        llvm::Expected<LstmPlan> plan =
            planLstm(xs[0], xs[1], xs[2], int64_t(lstm.getHiddenSize()),
                     lstm.getNumDirections(), CoreModel::fromArch(arch, 1), so);
        if (plan) {
          row.cost.core = plan->cost;
          row.cost.commVisible = row.cost.commHidden =
              row.cost.commNonOverlapped = 0;
        } else {
          llvm::consumeError(plan.takeError());
        }
        llvm::Expected<LstmPlan> hand = planLstm(
            xs[0], xs[1], xs[2], int64_t(lstm.getHiddenSize()),
            lstm.getNumDirections(), CoreModel::fromArch(arch, 1), so, true);
        if (plan && hand)
          loweredBaseline = hand->cost.total();
        else if (!hand)
          llvm::consumeError(hand.takeError());
      }
      row.relayout = k == 0 ? lp.relayout + padCopy : 0;
      row.breakdown = breakdownOf(row.cost, row.relayout);
      if (k == 0 && row.kernel == Kernel::FWD && op->getNumOperands())
        if (Operation *def = op->getOperand(0).getDefiningOp())
          row.conversion = conversionOpCycles(def, arch, pc->inp);
      row.breakdown.aux += row.conversion;
      const PrecisionConfig &own = row.cost.mapping.precision;
      if (own.inp != pc->inp || own.ker != pc->ker || own.acc != pc->acc) {
        // What the layer would cost in the policy's precision.
        report.perLayer = true;
        SpatialLayer layer = g.net.layers[i];
        LayerTask task =
            spatialLayerTask(layer, row.kernel, lp.config, report.training);
        CoreModel core = spatialCoreModel(layer, arch, lp.config, *pc);
        SearchOptions so;
        so.precision = *pc;
        so.budget = 20000;
        so.lowerable = !report.training;
        llvm::Expected<SearchResult> r = searchMapping(task, core, so);
        if (r)
          row.policyCycles = row.breakdown.total() - row.conversion -
                             row.cost.core.total() + r->best.cost.total();
        else
          llvm::consumeError(r.takeError());
      }
      if (base)
        row.baseline = base->layers[i].kernels[k].total() +
                       (k == 0 ? base->layers[i].relayout : 0);
      if (base && loweredBaseline && report.baselineCycles) {
        *report.baselineCycles += *loweredBaseline - *row.baseline;
        row.baseline = loweredBaseline;
      }
      row.macs = makeWorkload(g.net.layers[i].shape, row.kernel).macs();
      if (k == 0)
        row.weightSparsity = weightSparsity(op);
      if (stats) {
        auto it = stats->perKernel.find({op, row.kernel});
        if (it != stats->perKernel.end())
          row.stats = it->second;
      }
      report.total += row.breakdown;
      report.macs += row.macs;
      report.rows.push_back(std::move(row));
    }
  }
  return report;
}

static std::string tileString(const DimTuple &t) {
  return llvm::formatv("{0}x{1}x{2}x{3}x{4}", t[0], t[1], t[2], t[3], t[4]);
}

/// The loops of a stage that iterate more than once, outermost first.
static std::string orderString(const LoopOrder &order, const DimTuple &parent,
                               const DimTuple &tile) {
  std::string out;
  for (Dim d : order)
    if (llvm::divideCeilSigned(parent[idx(d)], tile[idx(d)]) > 1) {
      if (!out.empty())
        out += ">";
      out += stringify(d).str();
    }
  return out.empty() ? "-" : out;
}

static const char *dataflowShort(Dataflow d) {
  switch (d) {
  case Dataflow::WeightStationary:
    return "WS";
  case Dataflow::OutputStationary:
    return "OS";
  case Dataflow::InputStationary:
    return "IS";
  }
  return "?";
}

static double pct(double part, double whole) {
  return whole > 0 ? 100.0 * part / whole : 0;
}

/// "out4.ij8": the dimensions split more than one way; "-" for none.
static std::string splitString(const DimTuple &t) {
  std::string out;
  for (unsigned d = 0; d < kNumDims; ++d)
    if (t[d] > 1)
      out += (out.empty() ? "" : ".") + stringify(static_cast<Dim>(d)).str() +
             std::to_string(t[d]);
  return out.empty() ? "-" : out;
}

/// The memory plan in a few letters: s<S> spatial minibatch, H output held,
/// I input on chip, W weights pre-loaded, P<K> pipeline stage.
static std::string memoryString(const SpatialConfig &c) {
  std::string out;
  if (c.spatialMinibatch > 1)
    out += "s" + std::to_string(c.spatialMinibatch);
  if (c.holdOutput)
    out += "H";
  if (c.inputOnChip)
    out += "I";
  if (c.preloadWeights)
    out += "W";
  if (c.pipelineStage >= 0)
    out += "P" + std::to_string(c.pipelineStage);
  return out.empty() ? "-" : out;
}

/// "fp16 x fp16, fp32 accumulation" and the like.
static std::string precisionString(const MappingReport &r) {
  if (!r.precision)
    return "";
  const PrecisionConfig &pc = *r.precision;
  std::string s =
      llvm::formatv("{0} x {1}, {2} accumulation", stringify(pc.inp),
                    stringify(pc.ker), stringify(pc.acc));
  if (pc.chunk)
    s += llvm::formatv(" in chunks of {0}", pc.chunk).str();
  if (r.emulatedFP32)
    s += " (fp32 emulated at a quarter of the fp16 MAC rate)";
  return s;
}

/// "int4", "hfp8_143", "fp16": a layer's operand precision.
static std::string precisionShort(const PrecisionConfig &pc) {
  if (pc.inp == pc.ker)
    return stringify(pc.inp).str();
  return (stringify(pc.inp) + "x" + stringify(pc.ker)).str();
}

static const char *kindShort(Parallelism p) {
  switch (p) {
  case Parallelism::Data:
    return "data";
  case Parallelism::Model:
    return "model";
  case Parallelism::DataXModelY:
    return "dXmY";
  case Parallelism::ModelXDataY:
    return "mXdY";
  }
  return "?";
}

void rapid::printMappingReport(const MappingReport &r, llvm::raw_ostream &os) {
  os << llvm::formatv(
      "mapping on {0} ({1} chips x {2} cores, {3} GHz), {4}, minibatch {5}"
      "{6}\n"
      "N/B/T tiles are in x out x ij x mb x kij per core; par: parallelism "
      "across chips (dXmY = DataX-ModelY, mXdY = ModelX-DataY); chipD/coreD: "
      "splits across chips/cores; mem: s<S> spatial minibatch, H output held "
      "on chip, I input read on chip, W weights pre-loaded, P<K> timestep "
      "pipeline stage\n",
      r.arch, r.chips, r.cores, r.frequencyGHz,
      r.training ? "training step (fwd, bwd, upd)" : "inference", r.minibatch,
      r.precision ? (r.perLayer ? ", precision per layer (prec; policy "
                                : ", precision ") +
                        precisionString(r) + (r.perLayer ? ")" : "")
                  : "");
  os << llvm::formatv(
      "{0,-3} {1,-24} {2,-3} {3,-5} {4,-11} {5,-14} {6,-5} {7,-2} {8,-21} "
      "{9,-21} {10,-17} {11,-13} {12,-13} {13,11} {14,5} {15,5} {16,5} {17,5} "
      "{18,5} {19,5} {20,7}{21}\n",
      "#", "layer", "krn", "par", "chipD", "coreD", "mem", "df", "N", "B", "T",
      "B order", "T order", "cycles", "mac%", "und%", "bub%", "ovl%", "non%",
      "aux%", "speedup",
      r.perLayer ? llvm::formatv(" {0,-8} {1,9}", "prec", "vs policy").str()
                 : std::string());
  unsigned i = 0;
  for (const MappingReportRow &row : r.rows) {
    std::string name = row.name;
    if (name.size() > 24)
      name = name.substr(0, 21) + "...";
    const Mapping &m = row.cost.mapping;
    const Breakdown &b = row.breakdown;
    double t = b.total();
    std::string speedup =
        row.baseline ? llvm::formatv("{0:F2}x", *row.baseline / t).str()
                     : std::string("-");
    std::string own;
    if (r.perLayer)
      own = llvm::formatv(
                " {0,-8} {1,9}", precisionShort(m.precision),
                row.policyCycles
                    ? llvm::formatv("{0:F2}x", *row.policyCycles / t).str()
                    : std::string("-"))
                .str();
    os << llvm::formatv(
        "{0,-3} {1,-24} {2,-3} {3,-5} {4,-11} {5,-14} {6,-5} {7,-2} {8,-21} "
        "{9,-21} {10,-17} {11,-13} {12,-13} {13,11:F0} {14,5:F1} {15,5:F1} "
        "{16,5:F1} {17,5:F1} {18,5:F1} {19,5:F1} {20,7}{21}\n",
        i++, name, stringify(row.kernel), kindShort(row.spatial.kind),
        splitString(row.spatial.chipSplit), splitString(row.spatial.coreSplit),
        memoryString(row.spatial), dataflowShort(m.dataflow), tileString(m.n),
        tileString(m.b), tileString(m.t), orderString(m.order[0], m.n, m.b),
        orderString(m.order[1], m.b, m.t), t, pct(b.mac, t), pct(b.underUse, t),
        pct(b.bubble, t), pct(b.visible, t), pct(b.nonOverlapped, t),
        pct(b.aux, t), speedup, own);
  }
  // Static weight sparsity, where a layer has zero weights.
  std::string sparse;
  for (const MappingReportRow &row : r.rows)
    if (row.weightSparsity && *row.weightSparsity > 0)
      sparse += llvm::formatv("{0}{1} {2:F1}%{3}", sparse.empty() ? "" : ", ",
                              row.name, 100 * *row.weightSparsity,
                              !row.weightsCompressed   ? ""
                              : *row.weightsCompressed ? " compressed"
                                                       : " dense")
                    .str();
  if (!sparse.empty())
    os << "zero weights: " << sparse << "\n";
  const Breakdown &c = r.total;
  double sum = c.total();
  os << llvm::formatv(
      "total: {0} layer kernels, {1} MACs, {2:F0} cycles = {3:F3} ms per {4}, "
      "utilization {5:F1}%\n",
      r.rows.size(), r.macs, r.cycles(), r.milliseconds(),
      r.training ? "training step" : "inference", 100 * r.utilization());
  os << llvm::formatv(
      "breakdown: MAC compute {0:F1}%, PE under-use {1:F1}%, pipeline bubble "
      "{2:F1}%, visible overlapped transfer {3:F1}%, non-overlapped transfer "
      "{4:F1}%, auxiliary {5:F1}%\n",
      pct(c.mac, sum), pct(c.underUse, sum), pct(c.bubble, sum),
      pct(c.visible, sum), pct(c.nonOverlapped, sum), pct(c.aux, sum));
  if (r.pipelineOverlap > 0)
    os << llvm::formatv("timestep pipelining: the pipelined layers overlap "
                        "{0:F0} cycles ({1:F1}% of the sum above)\n",
                        r.pipelineOverlap, pct(r.pipelineOverlap, sum));
  if (r.chips > 1) {
    os << "parallelism:";
    bool first = true;
    for (const auto &[kind, n] : r.parallelismMix) {
      os << (first ? " " : ", ") << kind << " " << n;
      first = false;
    }
    os << " (layers)\n";
  }
  if (r.baselineCycles)
    os << llvm::formatv("speedup over the homogeneous baseline (data "
                        "parallel, default core split, hand-tuned mapping): "
                        "{0:F2}x ({1:F3} ms)\n",
                        r.speedup(),
                        *r.baselineCycles / (r.frequencyGHz * 1e6));
  else if (!r.baselineError.empty())
    os << "no homogeneous baseline: " << r.baselineError << "\n";
  if (r.spatial)
    os << llvm::formatv("division: {0} divisions priced, {1} core searches, "
                        "{2} DP states in {3:F2} s\n",
                        r.spatial->configsPriced, r.spatial->searches,
                        r.spatial->dpStates, r.spatial->seconds);
  if (r.search.evaluated)
    os << llvm::formatv("search: {0} configurations evaluated in {1:F2} s "
                        "({2:F1} M/s), {3} pruned by capacity, {4} by bound\n",
                        r.search.evaluated, r.search.seconds,
                        r.search.evaluated / std::max(r.search.seconds, 1e-9) /
                            1e6,
                        r.search.prunedCapacity, r.search.prunedBound);
  if (r.search.kernelsOverBudget)
    os << llvm::formatv("search: {0} layer kernel{1} stopped at the "
                        "evaluation budget (--map-budget)\n",
                        r.search.kernelsOverBudget,
                        r.search.kernelsOverBudget == 1 ? "" : "s");
}

static llvm::json::Object costJSON(const Cost &c) {
  return llvm::json::Object{
      {"total_cycles", c.total()},
      {"mac_cycles", c.macCycles},
      {"pe_underuse_cycles", c.underUse},
      {"pipeline_bubble_cycles", c.bubble},
      {"overlapped_visible_cycles", c.overlappedVisible},
      {"overlapped_hidden_cycles", c.overlappedHidden},
      {"non_overlapped_cycles", c.nonOverlapped},
      {"aux_cycles", c.aux},
      {"utilization", c.utilization()},
      {"ext_read_bytes", c.extReadBytes},
      {"ext_write_bytes", c.extWriteBytes},
      {"lx_l0_bytes", c.lxL0Bytes},
      {"on_chip_bytes", c.onChipBytes},
  };
}

static llvm::json::Object breakdownJSON(const Breakdown &b) {
  return llvm::json::Object{
      {"total_cycles", b.total()},
      {"mac_cycles", b.mac},
      {"pe_underuse_cycles", b.underUse},
      {"pipeline_bubble_cycles", b.bubble},
      {"overlapped_visible_cycles", b.visible},
      {"overlapped_hidden_cycles", b.hidden},
      {"non_overlapped_cycles", b.nonOverlapped},
      {"aux_cycles", b.aux},
  };
}

static llvm::json::Object tileJSON(const DimTuple &t) {
  llvm::json::Object o;
  for (unsigned i = 0; i < kNumDims; ++i)
    o[stringify(static_cast<Dim>(i))] = t[i];
  return o;
}

static llvm::json::Object statsJSON(const SearchStats &s) {
  return llvm::json::Object{
      {"space_size", s.spaceSize},
      {"evaluated", s.evaluated},
      {"pruned_capacity", s.prunedCapacity},
      {"pruned_bound", s.prunedBound},
      {"seconds", s.seconds},
      {"budget_exhausted", s.budgetExhausted},
      {"kernels_over_budget", s.kernelsOverBudget},
  };
}

static llvm::json::Object spatialJSON(const SpatialConfig &c) {
  return llvm::json::Object{
      {"parallelism", stringify(c.kind)},
      {"chips", llvm::json::Array{c.chipsX, c.chipsY}},
      {"chip_split", tileJSON(c.chipSplit)},
      {"core_split", tileJSON(c.coreSplit)},
      {"spatial_minibatch", c.spatialMinibatch},
      {"hold_output", c.holdOutput},
      {"input_on_chip", c.inputOnChip},
      {"preload_weights", c.preloadWeights},
      {"lx_reserved_bytes", c.lxReservedBytes},
      {"pipeline_stage", c.pipelineStage},
  };
}

void rapid::writeMappingReportJSON(const MappingReport &r,
                                   llvm::raw_ostream &os) {
  llvm::json::Array rows;
  for (const MappingReportRow &row : r.rows) {
    const Mapping &m = row.cost.mapping;
    llvm::json::Object order;
    for (unsigned s = 0; s < kNumLoopStages; ++s) {
      llvm::json::Array dims;
      for (Dim d : m.order[s])
        dims.push_back(stringify(d));
      order[stringify(static_cast<LoopStage>(s))] = std::move(dims);
    }
    const KernelCost &k = row.cost;
    llvm::json::Object o{
        {"layer", row.name},
        {"op", row.op},
        {"kernel", stringify(row.kernel)},
        {"spatial", spatialJSON(row.spatial)},
        {"dataflow", stringify(m.dataflow)},
        {"N", tileJSON(m.n)},
        {"B", tileJSON(m.b)},
        {"T", tileJSON(m.t)},
        {"P", tileJSON(m.p)},
        {"order", std::move(order)},
        {"macs", row.macs},
        {"breakdown", breakdownJSON(row.breakdown)},
        {"core", costJSON(k.core)},
        {"communication",
         llvm::json::Object{
             {"non_overlapped_cycles", k.commNonOverlapped},
             {"overlapped_visible_cycles", k.commVisible},
             {"overlapped_hidden_cycles", k.commHidden},
             {"chip_bytes", k.comm.chipBytes},
             {"ring_bytes", k.comm.ringBytes},
             {"relayout_cycles", row.relayout},
         }},
    };
    if (row.baseline) {
      o["baseline_cycles"] = *row.baseline;
      o["speedup"] = *row.baseline / row.breakdown.total();
    }
    if (row.stats)
      o["search"] = statsJSON(*row.stats);
    if (row.weightSparsity)
      o["weight_sparsity"] = *row.weightSparsity;
    if (row.weightsCompressed)
      o["weights_compressed"] = *row.weightsCompressed;
    o["precision"] = llvm::json::Object{{"inp", stringify(m.precision.inp)},
                                        {"ker", stringify(m.precision.ker)},
                                        {"acc", stringify(m.precision.acc)},
                                        {"chunk", m.precision.chunk}};
    if (row.conversion)
      o["conversion_cycles"] = row.conversion;
    if (row.policyCycles) {
      o["policy_cycles"] = *row.policyCycles;
      o["speedup_over_policy"] = *row.policyCycles / row.breakdown.total();
    }
    rows.push_back(std::move(o));
  }
  llvm::json::Object mix;
  for (const auto &[kind, n] : r.parallelismMix)
    mix[kind] = n;
  llvm::json::Object root{
      {"arch", r.arch},
      {"frequency_ghz", r.frequencyGHz},
      {"chips", r.chips},
      {"cores_per_chip", r.cores},
      {"mode", r.training ? "train" : "infer"},
      {"minibatch", r.minibatch},
      {"precision", precisionString(r)},
      {"layers", std::move(rows)},
      {"total", breakdownJSON(r.total)},
      {"pipeline_overlap_cycles", r.pipelineOverlap},
      {"cycles", r.cycles()},
      {"time_ms", r.milliseconds()},
      {"utilization", r.utilization()},
      {"parallelism_mix", std::move(mix)},
      {"macs", r.macs},
      {"search", statsJSON(r.search)},
  };
  if (r.baselineCycles) {
    root["baseline_cycles"] = *r.baselineCycles;
    root["speedup"] = r.speedup();
  }
  if (r.spatial)
    root["division"] = llvm::json::Object{
        {"divisions_priced", r.spatial->configsPriced},
        {"core_searches", r.spatial->searches},
        {"dp_states", r.spatial->dpStates},
        {"seconds", r.spatial->seconds},
    };
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}

/// Text safe inside HTML and SVG.
static std::string escapeHTML(llvm::StringRef text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

void rapid::writeMappingReportHTML(const MappingReport &r,
                                   llvm::raw_ostream &os) {
  struct Part {
    const char *name, *color;
    double Breakdown::*field;
  };
  const Part parts[] = {
      {"MAC compute", "#2e7d32", &Breakdown::mac},
      {"PE under-use", "#f9a825", &Breakdown::underUse},
      {"pipeline bubble", "#8d6e63", &Breakdown::bubble},
      {"visible overlapped transfer", "#1565c0", &Breakdown::visible},
      {"non-overlapped transfer", "#c62828", &Breakdown::nonOverlapped},
      {"auxiliary compute", "#6a1b9a", &Breakdown::aux},
  };
  double sum = r.total.total();
  os << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>rapid mapping report: "
     << escapeHTML(r.arch) << "</title>\n<style>\n"
     << "body{font:14px sans-serif;margin:24px;color:#222}"
        "table{border-collapse:collapse;margin:12px 0}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
        "th{background:#eee}td.l{text-align:left}"
        ".key span{display:inline-block;width:12px;height:12px;margin:0 4px "
        "0 12px;vertical-align:middle}\n</style></head><body>\n";
  os << "<h1>Mapping on " << escapeHTML(r.arch) << "</h1>\n<p>"
     << llvm::formatv("{0} chips &times; {1} cores at {2} GHz, {3}, "
                      "minibatch {4}: <b>{5:F3} ms</b> ({6:F0} cycles), "
                      "utilization <b>{7:F1}%</b>",
                      r.chips, r.cores, r.frequencyGHz,
                      r.training ? "training step" : "inference", r.minibatch,
                      r.milliseconds(), r.cycles(), 100 * r.utilization());
  if (r.baselineCycles)
    os << llvm::formatv(", <b>{0:F2}x</b> over the homogeneous data-parallel "
                        "+ hand-tuned baseline",
                        r.speedup());
  if (r.precision)
    os << "; precision " << escapeHTML(precisionString(r));
  os << ".</p>\n<table><tr>";
  for (const Part &p : parts)
    os << "<th>" << p.name << "</th>";
  os << "</tr><tr>";
  for (const Part &p : parts)
    os << llvm::formatv("<td>{0:F1}%</td>", pct(r.total.*p.field, sum));
  os << "</tr></table>\n";
  if (r.pipelineOverlap > 0)
    os << llvm::formatv("<p>Timestep pipelining overlaps {0:F0} cycles of "
                        "the pipelined layers.</p>\n",
                        r.pipelineOverlap);
  if (!r.parallelismMix.empty()) {
    os << "<p>Parallelism (layers):";
    for (const auto &[kind, n] : r.parallelismMix)
      os << " " << escapeHTML(kind) << " " << n << ";";
    os << "</p>\n";
  }
  // One stacked horizontal bar per layer kernel, scaled to the longest.
  os << "<div class=\"key\">";
  for (const Part &p : parts)
    os << "<span style=\"background:" << p.color << "\"></span>" << p.name;
  os << "</div>\n";
  double longest = 0;
  for (const MappingReportRow &row : r.rows)
    longest = std::max(longest, row.breakdown.total());
  const int labelW = 300, barW = 640, rowH = 18;
  int height = int(r.rows.size()) * rowH + 10;
  os << llvm::formatv("<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
                      "width=\"{0}\" height=\"{1}\" role=\"img\" "
                      "aria-label=\"cycles per layer kernel\">\n",
                      labelW + barW + 120, height);
  int y = 5;
  for (const MappingReportRow &row : r.rows) {
    double t = row.breakdown.total();
    // Long layer names keep their tail, the part that tells layers apart.
    std::string name = row.name;
    if (name.size() > 32)
      name = "..." + name.substr(name.size() - 29);
    std::string label = name + " " + stringify(row.kernel).str() + " (" +
                        kindShort(row.spatial.kind) + ")";
    os << llvm::formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"12\" "
                        "text-anchor=\"end\">{2}</text>",
                        labelW - 6, y + 13, escapeHTML(label));
    double x = labelW;
    for (const Part &p : parts) {
      double w = longest > 0 ? barW * (row.breakdown.*p.field) / longest : 0;
      if (w <= 0)
        continue;
      os << llvm::formatv("<rect x=\"{0:F2}\" y=\"{1}\" width=\"{2:F2}\" "
                          "height=\"{3}\" fill=\"{4}\"><title>{5}: {6:F0} "
                          "cycles ({7:F1}%)</title></rect>",
                          x, y + 2, w, rowH - 4, p.color, p.name,
                          row.breakdown.*p.field,
                          pct(row.breakdown.*p.field, t));
      x += w;
    }
    os << llvm::formatv("<text x=\"{0:F2}\" y=\"{1}\" font-size=\"11\">"
                        "{2:F0}</text>\n",
                        x + 4, y + 13, t);
    y += rowH;
  }
  os << "</svg>\n<table><tr><th>#</th><th>layer</th><th>kernel</th>"
        "<th>parallelism</th><th>chip split</th><th>core split</th>"
        "<th>memory</th><th>dataflow</th><th>cycles</th><th>speedup</th></tr>"
        "\n";
  unsigned i = 0;
  for (const MappingReportRow &row : r.rows) {
    double t = row.breakdown.total();
    os << llvm::formatv(
        "<tr><td>{0}</td><td class=\"l\">{1}</td><td>{2}</td><td>{3}</td>"
        "<td>{4}</td><td>{5}</td><td>{6}</td><td>{7}</td><td>{8:F0}</td>"
        "<td>{9}</td></tr>\n",
        i++, escapeHTML(row.name), stringify(row.kernel),
        stringify(row.spatial.kind), splitString(row.spatial.chipSplit),
        splitString(row.spatial.coreSplit), memoryString(row.spatial),
        stringify(row.cost.mapping.dataflow), t,
        row.baseline ? llvm::formatv("{0:F2}x", *row.baseline / t).str()
                     : std::string("-"));
  }
  os << "</table>\n</body></html>\n";
}
