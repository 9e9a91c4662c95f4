//===- MappingReport.cpp - Layer tasks, mapping attributes, report --------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Target/MappingReport.h"
#include "rapid/Target/LayerSummary.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace rapid;

static unsigned idx(Dim d) { return static_cast<unsigned>(d); }

std::vector<Kernel> rapid::kernelsToMap(Operation *layer, bool training) {
  std::vector<Kernel> kernels = {Kernel::FWD};
  if (!training)
    return kernels;
  if (!isa<BlockArgument>(layer->getOperand(0)))
    kernels.push_back(Kernel::BWD);
  // Weights are the second operand of every layer op except matmul, whose
  // right-hand side may be an activation.
  bool hasWeights =
      !isa<MatMulOp>(layer) || isa_and_nonnull<ConstantOp, QuantConstantOp>(
                                   layer->getOperand(1).getDefiningOp());
  if (hasWeights)
    kernels.push_back(Kernel::UPD);
  return kernels;
}

DimTuple rapid::coreSplitOf(Operation *layer, const ArchSpec &arch,
                            int64_t &activeCores) {
  if (auto spatial =
          layer->getAttrOfType<SpatialAttr>(RapidDialect::kSpatialAttrName)) {
    activeCores = spatial.getCoresUsed();
    return spatial.getTotalSplit();
  }
  DimTuple split = defaultCoreSplit(
      makeWorkload(*getLayerShape(layer), Kernel::FWD), arch.chip.cores);
  activeCores = 1;
  for (int64_t s : split)
    activeCores *= s;
  return split;
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

/// SFU operations per forward output element of a layer.
static double forwardAuxPerOutput(Operation *layer) {
  return llvm::TypeSwitch<Operation *, double>(layer)
      .Case([](Conv2DOp op) {
        return (op.getBias() ? 1.0 : 0.0) +
               activationOps(op.getActivationAttr());
      })
      .Case([](ConvTranspose2DOp op) { return op.getBias() ? 1.0 : 0.0; })
      .Case([](GemmOp op) {
        return (op.getC() ? 1.0 : 0.0) + activationOps(op.getActivationAttr());
      })
      // Per gate output: the bias, then per hidden unit three sigmoids and
      // two tanh (20 ops), c = f*c + i*g (3) and h = o*tanh(c) (1), spread
      // over its four gate outputs.
      .Case<LSTMOp, LSTMCellOp>([](Operation *) { return 1.0 + 24.0 / 4; })
      .Default([](Operation *) { return 0.0; });
}

LayerTask rapid::makeLayerTask(Operation *layer, Kernel kernel,
                               const DimTuple &split) {
  std::optional<LayerShape> shape = getLayerShape(layer);
  assert(shape && "a layer op");
  LayerTask task;
  task.workload =
      splitWorkload(makeWorkload(*shape, kernel), kernelSplit(kernel, split));
  const Workload &w = task.workload;
  double outputs = double(w.footprint(DataStructure::Outp, w.dims));
  switch (kernel) {
  case Kernel::FWD:
    task.auxOps = outputs * forwardAuxPerOutput(layer);
    break;
  case Kernel::BWD:
    // The activation's derivative on every input error.
    task.auxOps = outputs;
    break;
  case Kernel::UPD:
    // The weight update w -= lr * dW (axpy).
    task.auxOps = 2 * outputs;
    break;
  }
  return task;
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

MappingReport rapid::buildMappingReport(Operation *root, const ArchSpec &arch,
                                        const MappingStatsSink *stats) {
  MappingReport report;
  report.arch = arch.name;
  report.frequencyGHz = arch.core.frequencyGHz;
  if (stats)
    report.search = stats->total;
  root->walk([&](Operation *op) {
    if (!getLayerShape(op))
      return;
    int64_t activeCores = 1;
    DimTuple split = coreSplitOf(op, arch, activeCores);
    CoreModel core = CoreModel::fromArch(arch, activeCores);
    for (Kernel kernel : {Kernel::FWD, Kernel::BWD, Kernel::UPD}) {
      auto attr =
          op->getAttrOfType<MappingAttr>(RapidDialect::mappingAttrName(kernel));
      if (!attr)
        continue;
      if (kernel != Kernel::FWD)
        report.training = true;
      LayerTask task = makeLayerTask(op, kernel, split);
      MappingReportRow row;
      row.name = layerName(op);
      row.op = op->getName().getStringRef().str();
      row.kernel = kernel;
      row.mapping = fromMappingAttr(attr);
      row.macs = task.workload.macs();
      std::string why = checkMapping(task, core, row.mapping);
      if (!why.empty()) {
        op->emitWarning() << "mapping not priced: " << why;
        continue;
      }
      row.cost = evaluate(task, core, row.mapping);
      if (std::optional<Mapping> base =
              baselineMapping(task, core, row.mapping.precision))
        row.baseline = evaluate(task, core, *base);
      if (stats) {
        auto it = stats->perKernel.find({op, kernel});
        if (it != stats->perKernel.end())
          row.stats = it->second;
      }
      report.total += row.cost;
      if (row.baseline) {
        report.baselineTotal += *row.baseline;
      } else {
        ++report.withoutBaseline;
        report.baselineTotal += row.cost;
      }
      report.macs += row.macs;
      report.rows.push_back(std::move(row));
    }
  });
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

void rapid::printMappingReport(const MappingReport &r, llvm::raw_ostream &os) {
  os << llvm::formatv("mapping on {0} ({1} GHz), {2}; N/B/T tiles are "
                      "in x out x ij x mb x kij\n",
                      r.arch, r.frequencyGHz,
                      r.training ? "training (fwd, bwd, upd)" : "inference");
  os << llvm::formatv(
      "{0,-3} {1,-28} {2,-3} {3,-2} {4,-21} {5,-21} {6,-17} {7,-15} {8,-15} "
      "{9,11} {10,5} {11,5} {12,5} {13,5} {14,5} {15,5} {16,5} {17,6}\n",
      "#", "layer", "krn", "df", "N", "B", "T", "B order", "T order", "cycles",
      "util%", "mac%", "und%", "bub%", "ovl%", "non%", "aux%", "speedup");
  unsigned i = 0;
  for (const MappingReportRow &row : r.rows) {
    std::string name = row.name;
    if (name.size() > 28)
      name = name.substr(0, 25) + "...";
    const Mapping &m = row.mapping;
    const Cost &c = row.cost;
    double t = c.total();
    std::string speedup =
        row.baseline ? llvm::formatv("{0:F2}x", row.baseline->total() / t).str()
                     : std::string("-");
    os << llvm::formatv(
        "{0,-3} {1,-28} {2,-3} {3,-2} {4,-21} {5,-21} {6,-17} {7,-15} {8,-15} "
        "{9,11:F0} {10,5:F1} {11,5:F1} {12,5:F1} {13,5:F1} {14,5:F1} {15,5:F1} "
        "{16,5:F1} {17,6}\n",
        i++, name, stringify(row.kernel), dataflowShort(m.dataflow),
        tileString(m.n), tileString(m.b), tileString(m.t),
        orderString(m.order[0], m.n, m.b), orderString(m.order[1], m.b, m.t), t,
        100 * c.utilization(), pct(c.macCycles, t), pct(c.underUse, t),
        pct(c.bubble, t), pct(c.overlappedVisible, t), pct(c.nonOverlapped, t),
        pct(c.aux, t), speedup);
  }
  const Cost &c = r.total;
  double t = c.total();
  os << llvm::formatv(
      "total: {0} layer kernels, {1} MACs, {2:F0} cycles = {3:F3} ms per "
      "core, utilization {4:F1}%\n",
      r.rows.size(), r.macs, t, t / (r.frequencyGHz * 1e6),
      100 * c.utilization());
  os << llvm::formatv(
      "breakdown: MAC compute {0:F1}%, PE under-use {1:F1}%, pipeline bubble "
      "{2:F1}%, visible overlapped transfer {3:F1}%, non-overlapped transfer "
      "{4:F1}%, auxiliary {5:F1}%\n",
      pct(c.macCycles, t), pct(c.underUse, t), pct(c.bubble, t),
      pct(c.overlappedVisible, t), pct(c.nonOverlapped, t), pct(c.aux, t));
  os << llvm::formatv("speedup over the hand-tuned baseline mapping: {0:F2}x",
                      t > 0 ? r.baselineTotal.total() / t : 1.0);
  if (r.withoutBaseline)
    os << " (" << r.withoutBaseline
       << " layer kernels have no baseline that fits; counted at 1x)";
  os << "\n";
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

void rapid::writeMappingReportJSON(const MappingReport &r,
                                   llvm::raw_ostream &os) {
  llvm::json::Array rows;
  for (const MappingReportRow &row : r.rows) {
    const Mapping &m = row.mapping;
    llvm::json::Object order;
    for (unsigned s = 0; s < kNumLoopStages; ++s) {
      llvm::json::Array dims;
      for (Dim d : m.order[s])
        dims.push_back(stringify(d));
      order[stringify(static_cast<LoopStage>(s))] = std::move(dims);
    }
    llvm::json::Object o{
        {"layer", row.name},
        {"op", row.op},
        {"kernel", stringify(row.kernel)},
        {"dataflow", stringify(m.dataflow)},
        {"N", tileJSON(m.n)},
        {"B", tileJSON(m.b)},
        {"T", tileJSON(m.t)},
        {"P", tileJSON(m.p)},
        {"order", std::move(order)},
        {"macs", row.macs},
        {"cost", costJSON(row.cost)},
    };
    if (row.baseline) {
      o["baseline"] = costJSON(*row.baseline);
      o["speedup"] = row.baseline->total() / row.cost.total();
    }
    if (row.stats)
      o["search"] = statsJSON(*row.stats);
    rows.push_back(std::move(o));
  }
  double t = r.total.total();
  llvm::json::Object root{
      {"arch", r.arch},
      {"frequency_ghz", r.frequencyGHz},
      {"mode", r.training ? "train" : "infer"},
      {"layers", std::move(rows)},
      {"total", costJSON(r.total)},
      {"baseline_total", costJSON(r.baselineTotal)},
      {"speedup", t > 0 ? r.baselineTotal.total() / t : 1.0},
      {"layers_without_baseline", r.withoutBaseline},
      {"macs", r.macs},
      {"time_ms", t / (r.frequencyGHz * 1e6)},
      {"search", statsJSON(r.search)},
  };
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}
