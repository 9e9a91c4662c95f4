//===- DeepSpatialMatrix.cpp - Work division over chips and cores ---------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Search/DeepSpatialMatrix.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

using namespace rapid;

static constexpr unsigned idx(Dim d) { return static_cast<unsigned>(d); }
static constexpr unsigned idx(Kernel k) { return static_cast<unsigned>(k); }
static constexpr double kInf = std::numeric_limits<double>::infinity();

static int64_t product(const DimTuple &t) {
  int64_t n = 1;
  for (int64_t v : t)
    n *= v;
  return n;
}

static DimTuple ones() {
  DimTuple t;
  t.fill(1);
  return t;
}

namespace {
struct TensorSizes {
  double in = 0, out = 0, weights = 0; // elements
};
} // namespace

static TensorSizes tensorSizes(const LayerShape &l) {
  TensorSizes t;
  t.in = double(l.batch) * double(l.inChannels) * double(l.inH * l.inW);
  t.out = double(l.batch) * double(l.outChannels) * double(l.outH * l.outW);
  t.weights = double(l.outChannels) * double(l.inChannels / l.groups) *
              double(l.kernelH * l.kernelW);
  return t;
}

double SpatialNetwork::edgeElems(size_t i, size_t k) const {
  const SpatialLayer &l = layers[i];
  if (k < l.predElems.size())
    return l.predElems[k];
  return tensorSizes(layers[l.preds[k]].shape).out;
}

void SpatialNetwork::finalize() {
  consumers.assign(layers.size(), {});
  for (size_t i = 0; i < layers.size(); ++i)
    for (int p : layers[i].preds)
      consumers[p].push_back(int(i));
}

//===----------------------------------------------------------------------===//
// Divisions
//===----------------------------------------------------------------------===//

int64_t SpatialConfig::coresUsed() const { return product(coreSplit); }

DimTuple SpatialConfig::workSplit() const {
  DimTuple s;
  for (unsigned d = 0; d < kNumDims; ++d)
    s[d] = chipSplit[d] * coreSplit[d];
  s[idx(Dim::Mb)] *= spatialMinibatch;
  return s;
}

bool SpatialConfig::operator==(const SpatialConfig &o) const {
  return kind == o.kind && chipsX == o.chipsX && chipsY == o.chipsY &&
         chipSplit == o.chipSplit && coreSplit == o.coreSplit &&
         spatialMinibatch == o.spatialMinibatch && holdOutput == o.holdOutput &&
         inputOnChip == o.inputOnChip && preloadWeights == o.preloadWeights &&
         pipelineStage == o.pipelineStage &&
         lxReservedBytes == o.lxReservedBytes;
}

/// The model-parallel dimensions, in placement order.
static constexpr Dim kModelDims[] = {Dim::In, Dim::Out, Dim::Ij};

ChipPlacement rapid::chipPlacement(const SpatialConfig &c) {
  ChipPlacement pl;
  int64_t remX = c.chipsX, remY = c.chipsY;
  int64_t mb = c.chipSplit[idx(Dim::Mb)];
  auto place = [&](Dim d, int64_t ways) {
    int64_t x = std::gcd(ways, remX);
    pl.x[idx(d)] = x;
    pl.y[idx(d)] = ways / x;
    remX /= x;
    remY = std::max<int64_t>(1, remY / std::max<int64_t>(1, ways / x));
  };
  switch (c.kind) {
  case Parallelism::Data:
  case Parallelism::Model:
    place(Dim::Mb, mb);
    break;
  case Parallelism::DataXModelY:
    pl.x[idx(Dim::Mb)] = mb;
    remX = 1;
    break;
  case Parallelism::ModelXDataY:
    pl.y[idx(Dim::Mb)] = mb;
    remY = 1;
    break;
  }
  for (Dim d : kModelDims)
    if (c.chipSplit[idx(d)] > 1)
      place(d, c.chipSplit[idx(d)]);
  return pl;
}

std::string rapid::checkSpatialConfig(const SpatialLayer &layer,
                                      const ArchSpec &arch,
                                      const SpatialConfig &c) {
  const DimTuple &e = makeWorkload(layer.shape, Kernel::FWD).dims;
  int64_t chips = c.chipsX * c.chipsY;
  if (c.chipsX < 1 || c.chipsY < 1 || chips > arch.numChips())
    return llvm::formatv("the chip group {0}x{1} exceeds the {2}x{3} torus",
                         c.chipsX, c.chipsY, arch.system.chipsX,
                         arch.system.chipsY);
  for (unsigned d = 0; d < kNumDims; ++d) {
    llvm::StringRef name = stringify(static_cast<Dim>(d));
    if (c.chipSplit[d] < 1 || c.coreSplit[d] < 1)
      return llvm::formatv("the {0} split must be >= 1", name);
    if (c.chipSplit[d] * c.coreSplit[d] *
            (d == idx(Dim::Mb) ? c.spatialMinibatch : 1) >
        e[d])
      return llvm::formatv("{0} is split {1} ways but has {2}", name,
                           c.chipSplit[d] * c.coreSplit[d], e[d]);
  }
  if (product(c.chipSplit) > chips)
    return llvm::formatv("the chip split uses {0} chips of {1}",
                         product(c.chipSplit), chips);
  if (c.coresUsed() > arch.chip.cores)
    return llvm::formatv("the core split uses {0} cores of {1}", c.coresUsed(),
                         arch.chip.cores);
  if (c.chipSplit[idx(Dim::Kij)] > 1)
    return "kij is not split across chips";
  if (layer.recurrent &&
      (c.chipSplit[idx(Dim::Ij)] > 1 || c.coreSplit[idx(Dim::Ij)] > 1))
    return "the timesteps of a recurrent layer depend on each other: ij "
           "cannot be split";
  int64_t mb = c.chipSplit[idx(Dim::Mb)];
  int64_t model = product(c.chipSplit) / mb;
  switch (c.kind) {
  case Parallelism::Data:
    if (model > 1)
      return "data parallelism splits only mb across chips";
    if (chips > 1 && mb != chips)
      return llvm::formatv("data parallelism over {0} chips needs a minibatch "
                           "of at least {0}, got {1}",
                           chips, e[idx(Dim::Mb)]);
    break;
  case Parallelism::Model:
    if (mb > 1)
      return "model parallelism does not split mb across chips";
    break;
  case Parallelism::DataXModelY:
  case Parallelism::ModelXDataY: {
    bool dx = c.kind == Parallelism::DataXModelY;
    int64_t dataWays = dx ? c.chipsX : c.chipsY;
    int64_t modelWays = dx ? c.chipsY : c.chipsX;
    if (mb != dataWays)
      return llvm::formatv("{0} splits mb {1} ways (the {2} direction), got "
                           "{3}",
                           stringify(c.kind), dataWays, dx ? "X" : "Y", mb);
    if (model > modelWays)
      return llvm::formatv("{0} splits the model {1} ways at most, got {2}",
                           stringify(c.kind), modelWays, model);
    break;
  }
  }
  // The placement must tile the torus.
  ChipPlacement pl = chipPlacement(c);
  if (product(pl.x) > c.chipsX || product(pl.y) > c.chipsY)
    return "the chip split does not fit the torus directions";
  if (c.spatialMinibatch < 1)
    return "the spatial minibatch must be >= 1";
  return {};
}

/// Divisors of n, ascending.
static std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t d = 1; d <= n; ++d)
    if (n % d == 0)
      out.push_back(d);
  return out;
}

std::vector<SpatialConfig> rapid::enumerateChipSplits(const SpatialLayer &layer,
                                                      int64_t chipsX,
                                                      int64_t chipsY) {
  const DimTuple &e = makeWorkload(layer.shape, Kernel::FWD).dims;
  std::vector<SpatialConfig> out;
  auto base = [&](Parallelism kind) {
    SpatialConfig c;
    c.kind = kind;
    c.chipsX = chipsX;
    c.chipsY = chipsY;
    return c;
  };
  auto usable = [&](Dim d) { return !(layer.recurrent && d == Dim::Ij); };
  // Model-parallel ways `ways` over one or two dimensions, added to `c`.
  auto modelSplits = [&](SpatialConfig c, int64_t ways) {
    std::vector<SpatialConfig> r;
    if (ways == 1) {
      r.push_back(c);
      return r;
    }
    // One dimension, any number of ways that divides the group (the other
    // chips idle: small layers gain nothing from more chips but latency);
    // two dimensions: every factorization a x b = ways.
    for (Dim d : kModelDims) {
      if (!usable(d))
        continue;
      for (int64_t w : divisors(ways)) {
        if (w == 1 || w > e[idx(d)])
          continue;
        SpatialConfig s = c;
        s.chipSplit[idx(d)] = w;
        r.push_back(s);
      }
    }
    for (int64_t a : divisors(ways)) {
      int64_t b = ways / a;
      if (a == 1 || b == 1)
        continue;
      for (unsigned i = 0; i < 3; ++i)
        for (unsigned j = i + 1; j < 3; ++j) {
          Dim d1 = kModelDims[i], d2 = kModelDims[j];
          if (!usable(d1) || !usable(d2) || a > e[idx(d1)] || b > e[idx(d2)])
            continue;
          SpatialConfig s = c;
          s.chipSplit[idx(d1)] = a;
          s.chipSplit[idx(d2)] = b;
          r.push_back(s);
        }
    }
    return r;
  };
  int64_t chips = chipsX * chipsY;
  int64_t mb = e[idx(Dim::Mb)];
  if (chips == 1) {
    out.push_back(base(Parallelism::Model));
    return out;
  }
  if (mb >= chips) {
    SpatialConfig c = base(Parallelism::Data);
    c.chipSplit[idx(Dim::Mb)] = chips;
    out.push_back(c);
  }
  // Model parallelism, including no split at all (one chip's worth of work,
  // which the smallest layers prefer to any collective).
  out.push_back(base(Parallelism::Model));
  for (SpatialConfig &c : modelSplits(base(Parallelism::Model), chips))
    out.push_back(c);
  if (chipsX > 1 && chipsY > 1) {
    if (mb >= chipsX) {
      SpatialConfig c = base(Parallelism::DataXModelY);
      c.chipSplit[idx(Dim::Mb)] = chipsX;
      for (SpatialConfig &s : modelSplits(c, chipsY))
        out.push_back(s);
    }
    if (mb >= chipsY) {
      SpatialConfig c = base(Parallelism::ModelXDataY);
      c.chipSplit[idx(Dim::Mb)] = chipsY;
      for (SpatialConfig &s : modelSplits(c, chipsX))
        out.push_back(s);
    }
  }
  // Drop what the checker refuses (placements that do not tile the torus).
  ArchSpec torus;
  torus.system.chipsX = chipsX;
  torus.system.chipsY = chipsY;
  torus.chip.cores = 1;
  llvm::erase_if(out, [&](const SpatialConfig &c) {
    return !checkSpatialConfig(layer, torus, c).empty();
  });
  return out;
}

std::vector<DimTuple> rapid::enumerateCoreSplits(const SpatialLayer &layer,
                                                 const DimTuple &chipSplit,
                                                 int64_t cores) {
  const DimTuple &e = makeWorkload(layer.shape, Kernel::FWD).dims;
  DimTuple perChip;
  for (unsigned d = 0; d < kNumDims; ++d)
    perChip[d] = std::max<int64_t>(1, e[d] / chipSplit[d]);
  std::vector<int64_t> factors = primeFactors(cores);
  std::set<DimTuple> seen;
  int64_t bestUse = 0;
  std::vector<DimTuple> all;
  // Each prime factor goes to one dimension or stays unused.
  std::function<void(size_t, DimTuple)> assign = [&](size_t i, DimTuple s) {
    if (i == factors.size()) {
      if (seen.insert(s).second)
        all.push_back(s);
      return;
    }
    bool placed = false;
    for (unsigned d = 0; d < kNumDims; ++d) {
      if (layer.recurrent && d == idx(Dim::Ij))
        continue;
      if (s[d] * factors[i] > perChip[d])
        continue;
      DimTuple t = s;
      t[d] *= factors[i];
      assign(i + 1, t);
      placed = true;
    }
    if (!placed)
      assign(i + 1, s);
  };
  assign(0, ones());
  for (const DimTuple &s : all)
    bestUse = std::max(bestUse, product(s));
  std::vector<DimTuple> out;
  for (const DimTuple &s : all)
    if (product(s) == bestUse)
      out.push_back(s);
  return out;
}

//===----------------------------------------------------------------------===//
// Communication
//===----------------------------------------------------------------------===//

static TorusLinks torusOf(const ArchSpec &arch, int64_t px, int64_t py) {
  double f = arch.core.frequencyGHz;
  double alpha = arch.system.linkLatencyNs * f;
  return {{px, arch.system.linkXGBps / f, alpha},
          {py, arch.system.linkYGBps / f, alpha}};
}

static RingLink coreRing(const ArchSpec &arch, int64_t p) {
  double f = arch.core.frequencyGHz;
  return {p, arch.chip.coreToCoreGBps / f, arch.chip.coreToCoreLatencyNs * f};
}

/// The sub-torus of the chips that differ only in the dimensions `dims`.
static TorusLinks groupOf(const ArchSpec &arch, const ChipPlacement &pl,
                          std::initializer_list<Dim> dims) {
  int64_t px = 1, py = 1;
  for (Dim d : dims) {
    px *= pl.x[idx(d)];
    py *= pl.y[idx(d)];
  }
  return torusOf(arch, px, py);
}

CommCost rapid::communication(const SpatialLayer &layer, Kernel kernel,
                              const SpatialConfig &c, const ArchSpec &arch,
                              const PrecisionConfig &pc) {
  CommCost cc;
  const LayerShape &l = layer.shape;
  TensorSizes t = tensorSizes(l);
  ChipPlacement pl = chipPlacement(c);
  double bA = storageBytes(pc.inp), bP = storageBytes(pc.acc),
         bW = storageBytes(pc.ker);
  auto split = [&](Dim d) { return double(c.chipSplit[idx(d)]); };
  auto cores = [&](Dim d) { return c.coreSplit[idx(d)]; };
  double s = double(c.spatialMinibatch);
  double dataWays = split(Dim::Mb), ijWays = split(Dim::Ij);
  // A recurrent layer synchronizes every timestep: T collectives of 1/T.
  double steps =
      layer.recurrent ? double(std::max<int64_t>(1, layer.timesteps)) : 1.0;
  auto repeated = [&](auto collective, double bytes) {
    return steps * collective(bytes / steps);
  };
  auto allGather = [&](double bytes, const TorusLinks &g) {
    return repeated([&](double b) { return torusAllGather(b, g); }, bytes);
  };
  auto allReduce = [&](double bytes, const TorusLinks &g) {
    return repeated([&](double b) { return torusAllReduce(b, g); }, bytes);
  };
  // The per-chip shares (of one spatial minibatch) of the input, the output
  // and the weights.
  double inShare = t.in / dataWays / ijWays / s;
  double outShare = t.out / dataWays / ijWays / s;
  double wShare = t.weights / split(Dim::Out) / split(Dim::In);
  // Rows of the input a split along ij needs from each neighbour.
  double haloRows = double((l.kernelH - 1) * l.dilationH + 1 > 1
                               ? ((l.kernelH - 1) * l.dilationH + 1) / 2
                               : 0);
  double haloBytes = haloRows * double(l.inW) * double(l.inChannels) *
                     double(l.batch) / dataWays / s * bA;
  // An ij split may lie along both directions: both exchanges run at once.
  RingLink ijX = torusOf(arch, pl.x[idx(Dim::Ij)], 1).x;
  RingLink ijY = torusOf(arch, 1, pl.y[idx(Dim::Ij)]).y;
  double perSm = 0;
  // FWD reduces the output's partial sums over the in-split chips (each
  // chip its slice along out) and then gathers the output over the
  // out-split chips; BWD, the error flowing back, is the mirror image (in
  // and out swapped, the input tensor instead of the output). An ij split
  // exchanges halo rows of the channels a chip has. Cores splitting a
  // reduced dimension reduce-scatter their partial sums on the ring, each
  // group of them one core's share of the result.
  auto features = [&](double share, Dim gathered, Dim reduced, double tensor) {
    TorusLinks gatherGroup = groupOf(arch, pl, {gathered});
    TorusLinks reduceGroup = groupOf(arch, pl, {reduced});
    double partial = share / split(gathered) * bP;
    double halo = haloBytes / split(reduced);
    perSm +=
        allReduce(partial, reduceGroup) + allGather(share * bA, gatherGroup);
    perSm += std::max(ringNeighbourExchange(halo, ijX),
                      ringNeighbourExchange(halo, ijY));
    cc.chipBytes += (reduceGroup.size() > 1 ? partial : 0) +
                    (gatherGroup.size() > 1 ? share * bA : 0) +
                    (ijWays > 1 ? halo : 0);
    int64_t r = cores(reduced) * cores(Dim::Kij);
    double group = tensor / double(product(c.chipSplit)) * split(reduced) / s /
                   double(cores(gathered) * cores(Dim::Ij) * cores(Dim::Mb));
    perSm += ringReduceScatter(group * bP, coreRing(arch, r));
    cc.ringBytes += r > 1 ? group * bP : 0;
  };
  switch (kernel) {
  case Kernel::FWD:
    features(outShare, Dim::Out, Dim::In, t.out);
    break;
  case Kernel::BWD:
    features(inShare, Dim::In, Dim::Out, t.in);
    break;
  case Kernel::UPD: {
    // Chips holding the same weights (different samples or pixels) sum
    // their gradients once, after every spatial minibatch; it may overlap
    // the layer's error back-propagation. Cores splitting mb or ij
    // reduce-scatter theirs first.
    TorusLinks replicas = groupOf(arch, pl, {Dim::Mb, Dim::Ij});
    cc.overlappable += torusAllReduce(wShare * bW, replicas);
    cc.chipBytes += replicas.size() > 1 ? wShare * bW : 0;
    int64_t r = cores(Dim::Mb) * cores(Dim::Ij);
    double group =
        wShare / double(cores(Dim::Out) * cores(Dim::In) * cores(Dim::Kij));
    cc.overlappable += ringReduceScatter(group * bP, coreRing(arch, r));
    cc.ringBytes += r > 1 ? group * bP : 0;
    break;
  }
  }
  cc.nonOverlapped = perSm * s;
  cc.chipBytes *= kernel == Kernel::UPD ? 1 : s;
  cc.ringBytes *= kernel == Kernel::UPD ? 1 : s;
  return cc;
}

double rapid::relayoutCycles(double elems, const SpatialConfig &from,
                             const SpatialConfig &to, const ArchSpec &arch,
                             const PrecisionConfig &pc, bool training) {
  // Timestep pipelines move their activations stage to stage (priced in
  // the pipeline), a group of chips to the next.
  if (from.pipelineStage >= 0 && to.pipelineStage >= 0)
    return 0;
  ChipPlacement a = chipPlacement(from), b = chipPlacement(to);
  // Into or out of a pipeline's chip group nothing is where it is needed.
  bool elsewhere = (from.pipelineStage >= 0) != (to.pipelineStage >= 0);
  // After its own collectives a layer's output is partitioned by mb and ij
  // as placed and replicated along everything else. A chip already holds
  // what it needs of a dimension when the producer does not partition it or
  // partitions it the same way; otherwise 1/ways of it.
  double local = 1, need = 1;
  for (Dim d : {Dim::Mb, Dim::Ij}) {
    int64_t wa = a.x[idx(d)] * a.y[idx(d)];
    int64_t wb = b.x[idx(d)] * b.y[idx(d)];
    need /= double(wb);
    bool same = a.x[idx(d)] == b.x[idx(d)] && a.y[idx(d)] == b.y[idx(d)];
    if (wa > 1 && !same)
      local /= double(wa);
  }
  if (elsewhere)
    local = 0;
  if (local == 1)
    return 0;
  double bytes = elems * storageBytes(pc.inp) * need * (1 - local);
  double t = torusAllToAll(
      bytes, torusOf(arch, arch.system.chipsX, arch.system.chipsY));
  return training ? 2 * t : t;
}

//===----------------------------------------------------------------------===//
// Per-core tasks
//===----------------------------------------------------------------------===//

LayerTask rapid::spatialLayerTask(const SpatialLayer &layer, Kernel kernel,
                                  const SpatialConfig &c, bool training) {
  DimTuple split = c.workSplit();
  LayerTask task;
  task.workload = splitWorkload(makeWorkload(layer.shape, kernel),
                                kernelSplit(kernel, split));
  task.auxOps = layer.auxOps[idx(kernel)] / double(product(split));
  constexpr unsigned inp = unsigned(DataStructure::Inp),
                     ker = unsigned(DataStructure::Ker),
                     outp = unsigned(DataStructure::Outp);
  switch (kernel) {
  case Kernel::FWD:
    task.onChip[inp] = c.inputOnChip;
    // In training the activation is also needed by BWD/UPD later: it is
    // written back even when the consumer reads it on chip.
    task.onChip[outp] = c.holdOutput && !training;
    task.onChip[ker] = c.preloadWeights && !training;
    break;
  case Kernel::BWD:
    // The consumer's BWD left this layer's output error on chip, and the
    // input error this one produces stays for the producer's BWD.
    task.onChip[inp] = c.holdOutput;
    task.onChip[outp] = c.inputOnChip;
    break;
  case Kernel::UPD:
    // The output error (UPD's second operand) is still on chip.
    task.onChip[ker] = c.holdOutput;
    break;
  }
  return task;
}

int64_t rapid::heldBytesPerCore(const SpatialLayer &layer,
                                const SpatialConfig &c,
                                const PrecisionConfig &pc) {
  Workload w =
      splitWorkload(makeWorkload(layer.shape, Kernel::FWD), c.workSplit());
  double held = 0;
  if (c.inputOnChip)
    held +=
        double(w.footprint(DataStructure::Inp, w.dims)) * storageBytes(pc.inp);
  if (c.holdOutput)
    held +=
        double(w.footprint(DataStructure::Outp, w.dims)) * storageBytes(pc.inp);
  if (c.preloadWeights)
    held +=
        double(w.footprint(DataStructure::Ker, w.dims)) * storageBytes(pc.ker);
  return int64_t(std::ceil(held));
}

CoreModel rapid::spatialCoreModel(const SpatialLayer &, const ArchSpec &arch,
                                  const SpatialConfig &c,
                                  const PrecisionConfig &) {
  CoreModel core = CoreModel::fromArch(arch, c.coresUsed());
  core.lxBytes = std::max<int64_t>(0, core.lxBytes - c.lxReservedBytes);
  return core;
}

//===----------------------------------------------------------------------===//
// Pricing
//===----------------------------------------------------------------------===//

double LayerPlan::total() const {
  double t = relayout;
  for (const KernelCost &k : kernels)
    t += k.total();
  return t;
}

double NetworkPlan::total() const {
  double t = -pipelineOverlap;
  for (const LayerPlan &l : layers)
    t += l.total();
  return t;
}

/// Splits each kernel's communication into hidden, visible and
/// non-overlapped parts: the weight-gradient all-reduce hides under the
/// layer's BWD compute.
static void overlapCommunication(std::vector<KernelCost> &kernels) {
  double window = 0;
  for (const KernelCost &k : kernels)
    if (k.kernel == Kernel::BWD)
      window += k.core.total();
  for (KernelCost &k : kernels) {
    k.commNonOverlapped = k.comm.nonOverlapped;
    k.commHidden = std::min(k.comm.overlappable, window);
    window -= k.commHidden;
    k.commVisible = k.comm.overlappable - k.commHidden;
  }
}

/// The time a timestep pipeline over layers [first, last] saves: run one
/// after the other they take the sum of their totals; pipelined, timestep
/// t of stage i runs with timestep t-1 of stage i+1, so
///   sum_i total_i / T + (T - 1) max_i total_i / T.
static double pipelineSaving(const std::vector<LayerPlan> &plans,
                             const SpatialNetwork &net, size_t first,
                             size_t last) {
  double sum = 0, worst = 0;
  double steps = double(std::max<int64_t>(1, net.layers[first].timesteps));
  for (size_t i = first; i <= last; ++i) {
    double stage = plans[i].total() / steps;
    sum += plans[i].total();
    worst = std::max(worst, stage);
  }
  double pipelined = sum / steps + (steps - 1) * worst;
  return std::max(0.0, sum - pipelined);
}

/// Stage-to-stage transfer of a pipelined layer's input: each timestep's
/// activations cross one link to the next chip group.
static double pipelineTransfer(const SpatialLayer &layer, const ArchSpec &arch,
                               const PrecisionConfig &pc) {
  double steps = double(std::max<int64_t>(1, layer.timesteps));
  double bytes = tensorSizes(layer.shape).in * storageBytes(pc.inp) / steps;
  RingLink link = torusOf(arch, 2, 1).x;
  return steps * ringNeighbourExchange(bytes, link);
}

static std::vector<std::pair<size_t, size_t>>
pipelineRuns(const std::vector<SpatialConfig> &configs) {
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < configs.size(); ++i) {
    if (configs[i].pipelineStage != 0)
      continue;
    size_t j = i;
    while (j + 1 < configs.size() &&
           configs[j + 1].pipelineStage == configs[j].pipelineStage + 1)
      ++j;
    runs.push_back({i, j});
  }
  return runs;
}

static LayerPlan priceLayer(const SpatialNetwork &net, size_t i,
                            const ArchSpec &arch, const SpatialConfig &c,
                            llvm::ArrayRef<Mapping> mappings,
                            const PrecisionConfig &pc) {
  const SpatialLayer &layer = net.layers[i];
  LayerPlan plan;
  plan.config = c;
  CoreModel core = spatialCoreModel(layer, arch, c, pc);
  for (size_t k = 0; k < layer.kernels.size(); ++k) {
    KernelCost kc;
    kc.kernel = layer.kernels[k];
    kc.mapping = mappings[k];
    LayerTask task = spatialLayerTask(layer, kc.kernel, c, net.training);
    kc.core =
        evaluate(task, core, kc.mapping).scaled(double(c.spatialMinibatch));
    kc.comm = communication(layer, kc.kernel, c, arch, pc);
    plan.kernels.push_back(kc);
  }
  overlapCommunication(plan.kernels);
  if (c.pipelineStage > 0)
    plan.relayout += pipelineTransfer(layer, arch, pc);
  return plan;
}

NetworkPlan
rapid::priceNetwork(const SpatialNetwork &net, const ArchSpec &arch,
                    const std::vector<SpatialConfig> &configs,
                    const std::vector<std::vector<Mapping>> &mappings,
                    const PrecisionConfig &pc) {
  NetworkPlan plan;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    LayerPlan lp = priceLayer(net, i, arch, configs[i], mappings[i], pc);
    const std::vector<int> &preds = net.layers[i].preds;
    for (size_t k = 0; k < preds.size(); ++k)
      lp.relayout += relayoutCycles(net.edgeElems(i, k), configs[preds[k]],
                                    configs[i], arch, pc, net.training);
    plan.layers.push_back(std::move(lp));
  }
  for (auto [first, last] : pipelineRuns(configs))
    plan.pipelineOverlap += pipelineSaving(plan.layers, net, first, last);
  return plan;
}

//===----------------------------------------------------------------------===//
// The inter-layer DP
//===----------------------------------------------------------------------===//

std::vector<int> rapid::solveDag(const DagProblem &p, double &best,
                                 int64_t *states) {
  size_t n = p.choices.size();
  // last[u]: the last node reading u's choice (u itself if none).
  std::vector<size_t> last(n);
  for (size_t i = 0; i < n; ++i) {
    last[i] = i;
    for (int q : p.preds[i])
      last[q] = std::max(last[q], i);
  }
  // A state assigns choices to the frontier: the nodes processed so far
  // whose choice a later node still reads, in increasing order. Each state
  // keeps its best cost and a back-pointer.
  struct Entry {
    double cost;
    int choice;
    std::vector<int> prevKey;
  };
  std::vector<size_t> frontier;
  std::vector<std::map<std::vector<int>, Entry>> layers(n + 1);
  layers[0][{}] = {0, -1, {}};
  int64_t visited = 0;
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> next;
    for (size_t u : frontier)
      if (last[u] > i)
        next.push_back(u);
    if (last[i] > i)
      next.push_back(i);
    // Positions of i's predecessors in the current frontier.
    std::vector<size_t> predPos;
    for (int q : p.preds[i])
      predPos.push_back(
          size_t(llvm::find(frontier, size_t(q)) - frontier.begin()));
    std::vector<int> predChoices(p.preds[i].size());
    for (const auto &[key, entry] : layers[i]) {
      for (size_t k = 0; k < predPos.size(); ++k)
        predChoices[k] = key[predPos[k]];
      for (int c = 0; c < p.choices[i]; ++c) {
        double cost = entry.cost + p.cost(int(i), c, predChoices);
        ++visited;
        if (!(cost < kInf))
          continue;
        std::vector<int> nextKey;
        for (size_t u : next)
          nextKey.push_back(
              u == i ? c
                     : key[size_t(llvm::find(frontier, u) - frontier.begin())]);
        auto [it, inserted] =
            layers[i + 1].try_emplace(nextKey, Entry{cost, c, key});
        if (!inserted && cost < it->second.cost)
          it->second = Entry{cost, c, key};
      }
    }
    frontier = next;
  }
  if (states)
    *states += visited;
  best = kInf;
  if (layers[n].empty())
    return {};
  // The final frontier is empty: one state.
  std::vector<int> choice(n);
  std::vector<int> key = layers[n].begin()->first;
  best = layers[n].begin()->second.cost;
  for (size_t i = n; i-- > 0;) {
    const Entry &e = layers[i + 1].at(key);
    choice[i] = e.choice;
    key = e.prevKey;
  }
  return choice;
}

std::vector<int> rapid::bruteForceDag(const DagProblem &p, double &best) {
  size_t n = p.choices.size();
  std::vector<int> cur(n, 0), bestChoice;
  best = kInf;
  while (true) {
    double cost = 0;
    for (size_t i = 0; i < n && cost < kInf; ++i) {
      std::vector<int> pc;
      for (int q : p.preds[i])
        pc.push_back(cur[q]);
      cost += p.cost(int(i), cur[i], pc);
    }
    if (cost < best) {
      best = cost;
      bestChoice = cur;
    }
    size_t i = 0;
    while (i < n && ++cur[i] == p.choices[i])
      cur[i++] = 0;
    if (i == n)
      break;
  }
  return bestChoice;
}

//===----------------------------------------------------------------------===//
// The planner
//===----------------------------------------------------------------------===//

SearchOptions rapid::defaultSpatialSearchOptions() {
  SearchOptions o;
  o.budget = 100000;
  o.topK = 1;
  return o;
}

namespace {
class Planner {
public:
  Planner(const SpatialNetwork &net, const ArchSpec &arch,
          const SpatialOptions &opt)
      : net(net), arch(arch), opt(opt), pc(opt.search.precision) {}

  llvm::Expected<NetworkPlan> run();

private:
  /// The kernel's mapping under `c`: searched, or the hand-tuned one.
  std::optional<Mapping> mapKernel(size_t i, Kernel k, const SpatialConfig &c,
                                   bool handTuned);
  /// `c` priced with its mappings (without re-layout); none when some
  /// kernel fits no mapping.
  std::optional<std::pair<LayerPlan, std::vector<Mapping>>>
  price(size_t i, const SpatialConfig &c, bool handTuned);
  /// The divisions worth keeping for layer i on a chipsX x chipsY group,
  /// best first.
  llvm::Expected<std::vector<SpatialConfig>>
  candidates(size_t i, int64_t chipsX, int64_t chipsY);
  SpatialConfig baselineConfig(size_t i);
  llvm::Error divide();
  void pipeline();
  void memory();
  void preload();

  /// Re-layout over the edge preds[k] -> i.
  double relayout(size_t i, size_t k, const SpatialConfig &from,
                  const SpatialConfig &to) {
    return relayoutCycles(net.edgeElems(i, k), from, to, arch, pc,
                          net.training);
  }

  const SpatialNetwork &net;
  const ArchSpec &arch;
  const SpatialOptions &opt;
  PrecisionConfig pc;
  SpatialStats stats;
  std::map<std::string, std::optional<Mapping>> memo;
  std::vector<SpatialConfig> chosen;
  std::vector<std::vector<Mapping>> mappings;

public:
  /// The layer an error is about.
  int failed = -1;
};
} // namespace

std::optional<Mapping>
Planner::mapKernel(size_t i, Kernel k, const SpatialConfig &c, bool handTuned) {
  const SpatialLayer &layer = net.layers[i];
  LayerTask task = spatialLayerTask(layer, k, c, net.training);
  CoreModel core = spatialCoreModel(layer, arch, c, pc);
  std::string key;
  llvm::raw_string_ostream os(key);
  os << i << '/' << idx(k) << '/' << handTuned << '/' << c.coresUsed() << '/'
     << core.lxBytes;
  for (int64_t d : task.workload.dims)
    os << ',' << d;
  for (bool b : task.onChip)
    os << b;
  auto it = memo.find(key);
  if (it != memo.end())
    return it->second;
  std::optional<Mapping> m;
  if (handTuned) {
    m = baselineMapping(task, core, pc);
  } else {
    ++stats.searches;
    llvm::Expected<SearchResult> r = searchMapping(task, core, opt.search);
    if (r) {
      m = r->best.mapping;
      stats.search.add(r->stats);
    } else {
      llvm::consumeError(r.takeError());
    }
  }
  memo[key] = m;
  return m;
}

std::optional<std::pair<LayerPlan, std::vector<Mapping>>>
Planner::price(size_t i, const SpatialConfig &c, bool handTuned) {
  std::vector<Mapping> ms;
  for (Kernel k : net.layers[i].kernels) {
    std::optional<Mapping> m = mapKernel(i, k, c, handTuned);
    if (!m)
      return std::nullopt;
    ms.push_back(*m);
  }
  ++stats.configsPriced;
  return std::make_pair(priceLayer(net, i, arch, c, ms, pc), ms);
}

SpatialConfig Planner::baselineConfig(size_t i) {
  const SpatialLayer &layer = net.layers[i];
  std::vector<SpatialConfig> all =
      enumerateChipSplits(layer, arch.system.chipsX, arch.system.chipsY);
  // Data parallel where the minibatch allows, else output channels split
  // (the usual model parallelism), else the first valid division.
  SpatialConfig c = all.empty() ? SpatialConfig() : all.front();
  for (const SpatialConfig &s : all)
    if (s.kind == Parallelism::Data) {
      c = s;
      break;
    }
  if (c.kind != Parallelism::Data)
    for (const SpatialConfig &s : all)
      if (s.kind == Parallelism::Model &&
          product(s.chipSplit) == s.chipSplit[idx(Dim::Out)] &&
          s.chipSplit[idx(Dim::Out)] > c.chipSplit[idx(Dim::Out)])
        c = s;
  // Cores split what each chip has whole (no dimension split more ways in
  // all than it has).
  Workload chip = makeWorkload(layer.shape, Kernel::FWD);
  for (unsigned d = 0; d < kNumDims; ++d)
    chip.dims[d] = std::max<int64_t>(1, chip.dims[d] / c.chipSplit[d]);
  c.coreSplit = defaultCoreSplit(chip, arch.chip.cores);
  if (layer.recurrent && c.coreSplit[idx(Dim::Ij)] > 1) {
    // Timesteps cannot be split: give the ij factors to out where possible.
    c.coreSplit[idx(Dim::Ij)] = 1;
  }
  return c;
}

llvm::Expected<std::vector<SpatialConfig>>
Planner::candidates(size_t i, int64_t chipsX, int64_t chipsY) {
  const SpatialLayer &layer = net.layers[i];
  std::vector<SpatialConfig> chips = enumerateChipSplits(layer, chipsX, chipsY);
  struct Ranked {
    SpatialConfig c;
    double cost;
  };
  // Rank every (chip, core) division by the hand-tuned mapping.
  std::vector<std::vector<Ranked>> perChip;
  for (const SpatialConfig &cc : chips) {
    std::vector<Ranked> ranked;
    for (const DimTuple &cores :
         enumerateCoreSplits(layer, cc.chipSplit, arch.chip.cores)) {
      SpatialConfig c = cc;
      c.coreSplit = cores;
      if (!checkSpatialConfig(layer, arch, c).empty())
        continue;
      if (auto p = price(i, c, /*handTuned=*/true))
        ranked.push_back({c, p->first.total()});
    }
    llvm::stable_sort(ranked, [](const Ranked &a, const Ranked &b) {
      return a.cost < b.cost;
    });
    if (ranked.size() > opt.coreSplitsPerConfig)
      ranked.resize(opt.coreSplitsPerConfig);
    if (!ranked.empty())
      perChip.push_back(std::move(ranked));
  }
  if (perChip.empty())
    return llvm::createStringError(
        "no division of layer '%s' over %lldx%lld chips of %lld cores fits "
        "(even the hand-tuned mapping of every core share exceeds the "
        "scratchpads)",
        layer.name.c_str(), (long long)chipsX, (long long)chipsY,
        (long long)arch.chip.cores);
  // The best chip divisions (by their best core division), keeping the best
  // of every parallelism kind.
  llvm::stable_sort(perChip, [](const auto &a, const auto &b) {
    return a.front().cost < b.front().cost;
  });
  std::vector<SpatialConfig> keep;
  unsigned kindsSeen = 0;
  for (size_t r = 0; r < perChip.size(); ++r) {
    unsigned bit = 1u << unsigned(perChip[r].front().c.kind);
    bool firstOfKind = !(kindsSeen & bit);
    kindsSeen |= bit;
    if (r >= opt.chipSplitsSearched && !firstOfKind)
      continue;
    for (const Ranked &x : perChip[r])
      keep.push_back(x.c);
  }
  return keep;
}

llvm::Error Planner::divide() {
  size_t n = net.layers.size();
  std::vector<std::vector<SpatialConfig>> cand(n);
  std::vector<std::vector<double>> cost(n);
  std::vector<std::vector<std::vector<Mapping>>> maps(n);
  for (size_t i = 0; i < n; ++i) {
    llvm::Expected<std::vector<SpatialConfig>> cs =
        candidates(i, arch.system.chipsX, arch.system.chipsY);
    if (!cs) {
      failed = int(i);
      return cs.takeError();
    }
    for (const SpatialConfig &c : *cs)
      if (auto p = price(i, c, /*handTuned=*/false)) {
        cand[i].push_back(c);
        cost[i].push_back(p->first.total());
        maps[i].push_back(p->second);
      }
    if (cand[i].empty()) {
      failed = int(i);
      return llvm::createStringError(
          "no division of layer '%s' has a mapping that fits",
          net.layers[i].name.c_str());
    }
    if (opt.progress)
      opt.progress(i + 1, n);
  }
  DagProblem p;
  for (size_t i = 0; i < n; ++i) {
    p.preds.push_back(net.layers[i].preds);
    p.choices.push_back(int(cand[i].size()));
  }
  p.cost = [&](int i, int c, llvm::ArrayRef<int> predChoices) {
    double t = cost[i][c];
    for (size_t k = 0; k < predChoices.size(); ++k) {
      size_t q = size_t(net.layers[i].preds[k]);
      t += relayout(size_t(i), k, cand[q][predChoices[k]], cand[i][c]);
    }
    return t;
  };
  double best;
  std::vector<int> choice = solveDag(p, best, &stats.dpStates);
  if (choice.size() != n)
    return llvm::createStringError(
        "no combination of the layers' divisions has a finite cost (a "
        "re-layout over a link of no bandwidth?)");
  for (size_t i = 0; i < n; ++i) {
    chosen.push_back(cand[i][choice[i]]);
    mappings.push_back(maps[i][choice[i]]);
  }
  return llvm::Error::success();
}

void Planner::pipeline() {
  size_t n = net.layers.size();
  for (size_t first = 0; first < n;) {
    size_t last = first;
    if (!net.layers[first].recurrent) {
      ++first;
      continue;
    }
    while (last + 1 < n && net.layers[last + 1].recurrent &&
           net.layers[last + 1].preds == std::vector<int>{int(last)} &&
           net.layers[last + 1].timesteps == net.layers[first].timesteps)
      ++last;
    size_t stages = last - first + 1;
    int64_t chips = arch.numChips();
    if (stages < 2 || int64_t(stages) > chips) {
      first = last + 1;
      continue;
    }
    // Chips per stage in proportion to the stage's MACs, at least one each.
    std::vector<double> macs;
    double total = 0;
    for (size_t i = first; i <= last; ++i) {
      macs.push_back(
          double(makeWorkload(net.layers[i].shape, Kernel::FWD).macs()));
      total += macs.back();
    }
    std::vector<int64_t> groups;
    int64_t used = 0;
    for (double m : macs) {
      groups.push_back(
          std::max<int64_t>(1, int64_t(std::floor(double(chips) * m / total))));
      used += groups.back();
    }
    while (used > chips) {
      auto it = std::max_element(groups.begin(), groups.end());
      --*it;
      --used;
    }
    // The re-layout into the run's first layer and out of its last, for
    // given divisions of those two.
    auto boundary = [&](const SpatialConfig &head, const SpatialConfig &tail) {
      double t = 0;
      const std::vector<int> &in = net.layers[first].preds;
      for (size_t k = 0; k < in.size(); ++k)
        t += relayout(first, k, chosen[in[k]], head);
      for (int j : net.consumers[last]) {
        const std::vector<int> &jp = net.layers[j].preds;
        for (size_t k = 0; k < jp.size(); ++k)
          if (size_t(jp[k]) == last)
            t += relayout(size_t(j), k, tail, chosen[j]);
      }
      return t;
    };
    // The current (one after the other) cost of the run.
    double seqCost = boundary(chosen[first], chosen[last]);
    for (size_t i = first; i <= last; ++i) {
      LayerPlan lp = priceLayer(net, i, arch, chosen[i], mappings[i], pc);
      if (i > first)
        lp.relayout += relayout(i, 0, chosen[i - 1], chosen[i]);
      seqCost += lp.total();
    }
    std::vector<SpatialConfig> cfg;
    std::vector<std::vector<Mapping>> ms;
    std::vector<LayerPlan> plans(net.layers.size());
    bool ok = true;
    for (size_t s = 0; s < stages && ok; ++s) {
      size_t i = first + s;
      llvm::Expected<std::vector<SpatialConfig>> cs =
          candidates(i, groups[s], 1);
      if (!cs) {
        llvm::consumeError(cs.takeError());
        ok = false;
        break;
      }
      std::optional<std::pair<LayerPlan, std::vector<Mapping>>> best;
      SpatialConfig bestC;
      for (SpatialConfig c : *cs) {
        c.pipelineStage = int(s);
        auto p = price(i, c, /*handTuned=*/false);
        if (p && (!best || p->first.total() < best->first.total())) {
          best = p;
          bestC = c;
        }
      }
      if (!best) {
        ok = false;
        break;
      }
      cfg.push_back(bestC);
      ms.push_back(best->second);
      plans[i] = best->first;
    }
    if (ok) {
      double sum = 0;
      for (size_t i = first; i <= last; ++i)
        sum += plans[i].total();
      double pipelined = sum - pipelineSaving(plans, net, first, last) +
                         boundary(cfg.front(), cfg.back());
      if (pipelined < seqCost)
        for (size_t s = 0; s < stages; ++s) {
          chosen[first + s] = cfg[s];
          mappings[first + s] = ms[s];
        }
    }
    first = last + 1;
  }
}

void Planner::memory() {
  size_t n = net.layers.size();
  struct Choice {
    int64_t s;
    bool hold;
  };
  std::vector<std::vector<Choice>> choices(n);
  bool ringAvailable = arch.chip.coreToCoreGBps > 0;
  for (size_t i = 0; i < n; ++i) {
    const SpatialConfig &c = chosen[i];
    std::vector<int64_t> sizes = {1};
    Workload w = makeWorkload(net.layers[i].shape, Kernel::FWD);
    // Whole spatial minibatches only: no split beyond the minibatch.
    int64_t mbPerCore = w.dims[idx(Dim::Mb)] /
                        (c.chipSplit[idx(Dim::Mb)] * c.coreSplit[idx(Dim::Mb)]);
    if (opt.dynamicSpatialMinibatching && c.pipelineStage < 0)
      for (int64_t s = 2; s <= mbPerCore && s <= 16; s *= 2)
        if (mbPerCore % s == 0)
          sizes.push_back(s);
    const std::vector<int> &cons = net.consumers[i];
    // Held data come over the ring; a tensor with another reader (a
    // residual branch) or read by a pipeline stage on other chips goes
    // through external memory.
    bool holdable =
        opt.activationReuse && ringAvailable && c.pipelineStage < 0 &&
        !net.layers[i].feedsOutput && !net.layers[i].sharedOutput &&
        cons.size() == 1 && size_t(cons[0]) == i + 1 &&
        net.layers[i + 1].preds.size() == 1 && chosen[i + 1].pipelineStage < 0;
    for (int64_t s : sizes) {
      choices[i].push_back({s, false});
      if (holdable)
        choices[i].push_back({s, true});
    }
  }
  auto configOf = [&](size_t i, const Choice &ch, bool inHeld) {
    SpatialConfig c = chosen[i];
    c.spatialMinibatch = ch.s;
    c.holdOutput = ch.hold;
    c.inputOnChip = inHeld;
    c.lxReservedBytes = heldBytesPerCore(net.layers[i], c, pc);
    return c;
  };
  std::map<std::tuple<size_t, int, bool>, std::optional<double>> cache;
  DagProblem p;
  for (size_t i = 0; i < n; ++i) {
    p.preds.push_back(net.layers[i].preds);
    p.choices.push_back(int(choices[i].size()));
  }
  p.cost = [&](int i, int ci, llvm::ArrayRef<int> predChoices) -> double {
    const Choice &ch = choices[i][ci];
    bool inHeld = false;
    if (predChoices.size() == 1) {
      size_t q = size_t(net.layers[i].preds[0]);
      const Choice &pq = choices[q][predChoices[0]];
      if (pq.hold) {
        // A held output is read where it lies: the same spatial minibatch
        // and a compatible layout.
        if (pq.s != ch.s || relayout(size_t(i), 0, chosen[q], chosen[i]) > 0)
          return kInf;
        inHeld = true;
      }
    }
    double t = 0;
    for (size_t k = 0; k < predChoices.size(); ++k) {
      size_t q = size_t(net.layers[i].preds[k]);
      t += relayout(size_t(i), k, chosen[q], chosen[i]);
    }
    auto key = std::make_tuple(size_t(i), ci, inHeld);
    auto it = cache.find(key);
    if (it == cache.end()) {
      std::optional<double> v;
      SpatialConfig c = configOf(size_t(i), ch, inHeld);
      if (c.lxReservedBytes < arch.core.lx.capacityBytes)
        if (auto pr = price(size_t(i), c, /*handTuned=*/false))
          v = pr->first.total();
      it = cache.emplace(key, v).first;
    }
    return it->second ? t + *it->second : kInf;
  };
  double best;
  std::vector<int> choice = solveDag(p, best, &stats.dpStates);
  if (choice.empty())
    return; // nothing feasible beyond the plain plan (cannot happen: s = 1)
  for (size_t i = 0; i < n; ++i) {
    bool inHeld = false;
    if (net.layers[i].preds.size() == 1)
      inHeld =
          choices[net.layers[i].preds[0]][choice[net.layers[i].preds[0]]].hold;
    SpatialConfig c = configOf(i, choices[i][choice[i]], inHeld);
    auto pr = price(i, c, /*handTuned=*/false);
    chosen[i] = c;
    mappings[i] = pr->second;
  }
}

void Planner::preload() {
  size_t n = net.layers.size();
  // Benefit of pre-loading each layer's weights (same mapping), per byte
  // of Lx each core gives them.
  struct Gain {
    size_t layer;
    double saved;
    int64_t bytes;
  };
  std::vector<Gain> gains;
  std::vector<double> working(n);
  int64_t lx = arch.core.lx.capacityBytes;
  for (size_t i = 0; i < n; ++i) {
    const SpatialLayer &layer = net.layers[i];
    double ws = 0;
    for (size_t k = 0; k < layer.kernels.size(); ++k) {
      LayerTask task =
          spatialLayerTask(layer, layer.kernels[k], chosen[i], net.training);
      ws = std::max(ws, lxFootprint(task.workload, mappings[i][k].b,
                                    mappings[i][k].precision));
    }
    working[i] = ws + double(chosen[i].lxReservedBytes);
    if (!layer.hasWeights || chosen[i].pipelineStage >= 0 ||
        arch.chip.coreToCoreGBps <= 0)
      continue;
    SpatialConfig with = chosen[i];
    with.preloadWeights = true;
    int64_t bytes = heldBytesPerCore(layer, with, pc) -
                    heldBytesPerCore(layer, chosen[i], pc);
    with.lxReservedBytes = 0; // priced with the same mapping
    SpatialConfig without = chosen[i];
    without.lxReservedBytes = 0;
    double saved = priceLayer(net, i, arch, without, mappings[i], pc).total() -
                   priceLayer(net, i, arch, with, mappings[i], pc).total();
    if (saved > 0 && bytes > 0)
      gains.push_back({i, saved, bytes});
  }
  llvm::stable_sort(gains, [](const Gain &a, const Gain &b) {
    return a.saved / double(a.bytes) > b.saved / double(b.bytes);
  });
  double maxWorking = 0;
  for (double w : working)
    maxWorking = std::max(maxWorking, w);
  int64_t preloaded = 0;
  std::vector<bool> sel(n, false);
  for (const Gain &g : gains)
    if (maxWorking + double(preloaded + g.bytes) <= double(lx)) {
      preloaded += g.bytes;
      sel[g.layer] = true;
    }
  if (!preloaded)
    return;
  for (size_t i = 0; i < n; ++i) {
    chosen[i].preloadWeights = sel[i];
    chosen[i].lxReservedBytes += preloaded;
  }
}

llvm::Expected<NetworkPlan> Planner::run() {
  auto start = std::chrono::steady_clock::now();
  size_t n = net.layers.size();
  if (opt.homogeneousBaseline) {
    for (size_t i = 0; i < n; ++i) {
      SpatialConfig c = baselineConfig(i);
      std::string why = checkSpatialConfig(net.layers[i], arch, c);
      auto p = why.empty() ? price(i, c, /*handTuned=*/true) : std::nullopt;
      if (!p) {
        failed = int(i);
        return llvm::createStringError(
            "the baseline division of layer '%s' does not fit%s%s",
            net.layers[i].name.c_str(), why.empty() ? "" : ": ", why.c_str());
      }
      chosen.push_back(c);
      mappings.push_back(p->second);
      if (opt.progress)
        opt.progress(i + 1, n);
    }
  } else {
    if (llvm::Error e = divide())
      return std::move(e);
    if (opt.timestepPipelining)
      pipeline();
    if (opt.activationReuse || opt.dynamicSpatialMinibatching)
      memory();
    if (opt.weightPreload && !net.training)
      preload();
  }
  NetworkPlan plan = priceNetwork(net, arch, chosen, mappings, pc);
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  plan.stats = stats;
  return plan;
}

llvm::Expected<NetworkPlan> rapid::planNetwork(const SpatialNetwork &net,
                                               const ArchSpec &arch,
                                               const SpatialOptions &options,
                                               int *failedLayer) {
  std::string why =
      checkPrecision(CoreModel::fromArch(arch), options.search.precision);
  if (!why.empty())
    return llvm::createStringError("%s", why.c_str());
  if (net.consumers.size() != net.layers.size())
    return llvm::createStringError("the network was not finalized");
  Planner planner(net, arch, options);
  llvm::Expected<NetworkPlan> plan = planner.run();
  if (!plan && failedLayer)
    *failedLayer = planner.failed;
  return plan;
}
