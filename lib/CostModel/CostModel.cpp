//===- CostModel.cpp - Waveform cost model of a per-core mapping ----------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/CostModel/CostModel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace rapid;

static constexpr unsigned idx(Dim d) { return static_cast<unsigned>(d); }
static constexpr unsigned idx(DataStructure ds) {
  return static_cast<unsigned>(ds);
}
static constexpr unsigned idx(LoopStage s) { return static_cast<unsigned>(s); }

ArrayGeometry rapid::arrayGeometry(Dataflow dataflow, Kernel kernel) {
  // FWD and BWD share their index structure (BWD swaps the channel roles);
  // in UPD the error takes the kernel's place and the weight gradient the
  // output's.
  bool upd = kernel == Kernel::UPD;
  switch (dataflow) {
  case Dataflow::WeightStationary:
    return upd ? ArrayGeometry{Dim::Ij, Dim::Out, DataStructure::Ker}
               : ArrayGeometry{Dim::In, Dim::Out, DataStructure::Ker};
  case Dataflow::OutputStationary:
    return upd ? ArrayGeometry{Dim::In, Dim::Out, DataStructure::Outp}
               : ArrayGeometry{Dim::Ij, Dim::Out, DataStructure::Outp};
  case Dataflow::InputStationary:
    return upd ? ArrayGeometry{Dim::Ij, Dim::In, DataStructure::Inp}
               : ArrayGeometry{Dim::In, Dim::Ij, DataStructure::Inp};
  }
  llvm_unreachable("dataflow");
}

CoreModel CoreModel::fromArch(const ArchSpec &arch, int64_t activeCores) {
  CoreModel c;
  const CoreSpec &core = arch.core;
  double f = core.frequencyGHz;
  c.frequencyGHz = f;
  c.rows = core.peArray.rows;
  c.peCols = core.peArray.cols;
  c.colLanes = core.peArray.cols * core.peArray.simdWidth * core.peArrays;
  c.registers = core.peArray.registersPerPE;
  c.multiplier = arch.peMultiplier;
  // The chip's external bandwidth, derated by its efficiency, is shared by
  // the active cores; each core is further limited by its own ports.
  double extShare = arch.chip.externalMemory.bandwidthGBps *
                    arch.chip.externalEfficiency /
                    double(std::max<int64_t>(1, activeCores));
  c.extSharedBpc = extShare / f;
  c.extReadBpc = std::min(core.inBandwidthGBps, extShare) / f;
  c.extWriteBpc = std::min(core.outBandwidthGBps, extShare) / f;
  c.lxBpc = core.lx.bandwidthGBps / f;
  c.l0Bpc = core.l0.bandwidthGBps / f;
  c.ringReadBpc = std::min(arch.chip.coreToCoreGBps, core.inBandwidthGBps) / f;
  c.ringWriteBpc =
      std::min(arch.chip.coreToCoreGBps, core.outBandwidthGBps) / f;
  c.lxBytes = core.lx.capacityBytes;
  c.l0Bytes = core.l0.capacityBytes;
  c.sfuOpsPerCycle = core.sfu.units * core.sfu.opsPerCycle;
  return c;
}

int64_t CoreModel::lanes(const PrecisionConfig &pc) const {
  unsigned m =
      std::min(multiplier[unsigned(pc.inp)], multiplier[unsigned(pc.ker)]);
  // FP32 is a verification mode (rapidc --precision fp32): where the
  // architecture gives FP32 no MAC rate of its own (the presets do not), the
  // PE array emulates FP32 MACs at a quarter of the FP16 lane rate (at least
  // one lane), with an FP32 or any supported other operand.
  const unsigned fp32 = unsigned(Precision::FP32);
  if (m == 0 && multiplier[fp32] == 0 &&
      (pc.inp == Precision::FP32 || pc.ker == Precision::FP32)) {
    Precision other = pc.inp == Precision::FP32 ? pc.ker : pc.inp;
    if (other == Precision::FP32 || multiplier[unsigned(other)] > 0)
      return std::max<int64_t>(1, colLanes / 4);
  }
  return colLanes * m;
}

DimTuple rapid::preferredP(const Workload &w, Dataflow dataflow,
                           const DimTuple &t, const CoreModel &core,
                           const PrecisionConfig &pc) {
  ArrayGeometry g = arrayGeometry(dataflow, w.kernel);
  DimTuple p;
  for (unsigned d = 0; d < kNumDims; ++d) {
    Dim dim = static_cast<Dim>(d);
    if (dim == g.row)
      p[d] = std::min(t[d], core.rows);
    else if (dim == g.col)
      p[d] = std::min(t[d], core.lanes(pc));
    else if (w.indexes(g.stationary, dim))
      p[d] = 1;
    else
      p[d] = t[d];
  }
  return p;
}

/// Bytes per element of each data structure as staged: operands in their
/// storage precision, outputs as partial sums in the accumulation precision.
static std::array<double, kNumDataStructures>
stagedBytes(const PrecisionConfig &pc) {
  return {storageBytes(pc.inp), storageBytes(pc.ker), storageBytes(pc.acc)};
}

static double footprintBytes(const Workload &w, const DimTuple &tile,
                             const PrecisionConfig &pc) {
  std::array<double, kNumDataStructures> bytes = stagedBytes(pc);
  double total = 0;
  for (unsigned ds = 0; ds < kNumDataStructures; ++ds)
    total +=
        double(w.footprint(static_cast<DataStructure>(ds), tile)) * bytes[ds];
  return total;
}

double rapid::lxFootprint(const Workload &w, const DimTuple &b,
                          const PrecisionConfig &pc) {
  return 2 * footprintBytes(w, b, pc);
}
double rapid::l0Footprint(const Workload &w, const DimTuple &t,
                          const PrecisionConfig &pc) {
  return 2 * footprintBytes(w, t, pc);
}

static bool isPermutation(const LoopOrder &order) {
  unsigned seen = 0;
  for (Dim d : order)
    seen |= 1u << idx(d);
  return seen == (1u << kNumDims) - 1;
}

std::string rapid::checkPrecision(const CoreModel &core,
                                  const PrecisionConfig &pc) {
  if (core.lanes(pc) == 0)
    return llvm::formatv("the PE array has no {0} x {1} mode",
                         stringify(pc.inp), stringify(pc.ker));
  return {};
}

std::string rapid::checkMapping(const LayerTask &task, const CoreModel &core,
                                const Mapping &m) {
  const Workload &w = task.workload;
  if (std::string why = checkPrecision(core, m.precision); !why.empty())
    return why;
  for (unsigned d = 0; d < kNumDims; ++d) {
    llvm::StringRef name = stringify(static_cast<Dim>(d));
    if (m.n[d] != w.dims[d])
      return llvm::formatv("N.{0} = {1} but the workload has {2}", name, m.n[d],
                           w.dims[d]);
    if (!(1 <= m.p[d] && m.p[d] <= m.t[d] && m.t[d] <= m.b[d] &&
          m.b[d] <= m.n[d]))
      return llvm::formatv("tiles along {0} must satisfy 1 <= P <= T <= B <= "
                           "N, got P = {1}, T = {2}, B = {3}, N = {4}",
                           name, m.p[d], m.t[d], m.b[d], m.n[d]);
  }
  for (unsigned s = 0; s < kNumLoopStages; ++s)
    if (!isPermutation(m.order[s]))
      return llvm::formatv("the loop order of stage {0} is not a permutation "
                           "of the five dimensions",
                           stringify(static_cast<LoopStage>(s)));
  DimTuple pref = preferredP(w, m.dataflow, m.t, core, m.precision);
  if (m.p != pref)
    return "P must be the dataflow's preferred PE-array tile for T (array "
           "dimensions up to the array size, streamed dimensions whole, the "
           "others 1)";
  double lx = lxFootprint(w, m.b, m.precision);
  if (lx > double(core.lxBytes))
    return llvm::formatv("the B tile needs {0} bytes of Lx (double-buffered) "
                         "but the core has {1}",
                         int64_t(std::ceil(lx)), core.lxBytes);
  double l0 = l0Footprint(w, m.t, m.precision);
  if (l0 > double(core.l0Bytes))
    return llvm::formatv("the T tile needs {0} bytes of L0 (double-buffered) "
                         "but the core has {1}",
                         int64_t(std::ceil(l0)), core.l0Bytes);
  return {};
}

namespace {
/// The memory channel a stage moves its tiles over.
struct Channel {
  double readBpc, writeBpc, sharedBpc;
  double time(double read, double write) const {
    return std::max(
        {read / readBpc, write / writeBpc, (read + write) / sharedBpc});
  }
};

/// A stage's transfers: the data structures marked `alt` move over the
/// second channel (the ring, for data held on chip), in parallel with the
/// others on the main one.
struct Channels {
  Channel main;
  Channel alt;
  std::array<bool, kNumDataStructures> useAlt{};
  bool anyAlt = false;
  Channels(const Channel &main, const Channel &alt,
           const std::array<bool, kNumDataStructures> &useAlt)
      : main(main), alt(alt), useAlt(useAlt),
        anyAlt(useAlt[0] || useAlt[1] || useAlt[2]) {}
  double time(const std::array<double, kNumDataStructures> &read,
              const std::array<double, kNumDataStructures> &write) const {
    // The search's hot path: nothing on chip, one channel.
    if (!anyAlt)
      return main.time(read[0] + read[1] + read[2],
                       write[0] + write[1] + write[2]);
    double r[2] = {0, 0}, w[2] = {0, 0};
    for (unsigned ds = 0; ds < kNumDataStructures; ++ds) {
      r[useAlt[ds]] += read[ds];
      w[useAlt[ds]] += write[ds];
    }
    double t = main.time(r[0], w[0]);
    if (r[1] + w[1] > 0)
      t = std::max(t, alt.time(r[1], w[1]));
    return t;
  }
};

/// The loops of one stage over tiles of `tile` in a parent extent, in
/// `order`: their trip counts and, per data structure, the position of the
/// innermost loop with more than one trip indexing it (-1: none). A
/// structure's tile changes whenever that loop or one outside it advances.
struct StageLoops {
  std::array<int64_t, kNumDims> trips;
  std::array<int, kNumDataStructures> last = {-1, -1, -1};
  int64_t iterations = 1;

  StageLoops(const Workload &w, const DimTuple &parent, const DimTuple &tile,
             const LoopOrder &order) {
    for (unsigned pos = 0; pos < kNumDims; ++pos) {
      unsigned d = idx(order[pos]);
      trips[pos] = llvm::divideCeilSigned(parent[d], tile[d]);
      iterations *= trips[pos];
      if (trips[pos] == 1)
        continue;
      for (unsigned ds = 0; ds < kNumDataStructures; ++ds)
        if (w.indexedBy[ds] & (1u << d))
          last[ds] = int(pos);
    }
  }

  /// How often a structure with innermost loop `lastPos` changes.
  int64_t changes(int lastPos) const {
    int64_t n = 1;
    for (int pos = 0; pos <= lastPos; ++pos)
      n *= trips[pos];
    return n;
  }
};

/// One double-buffered stage, each iteration computing for `c` cycles.
struct StageCost {
  double startup = 0, drain = 0, visible = 0, hidden = 0;
  /// Lowered: iterations whose transfers wait (not double-buffered).
  double waitingIterations = 0;
  double readBytes = 0, writeBytes = 0, altBytes = 0;
  int64_t iterations = 1;
  /// How often the output tile changes (is visited).
  int64_t outChanges = 1;
};
} // namespace

/// `finalSums`: whether an output tile complete at this stage is final (at
/// the B stage always; at the T stage only when the B stage does not split a
/// reduced dimension, else every T tile's outputs are partial sums).
/// Lowered: the instruction unit issues one instruction per cycle and
/// resumes the cycle after a unit it waits for arrives. What no transfer or
/// computation hides, in the backend's code (docs/backend.md): per T
/// iteration that waits for its tiles, the loads issued back to back, the
/// wait, the mac, its wait and the write-back (3 cycles); per B iteration,
/// the wait for its prefetched tiles and the register setup of the next
/// prefetch and of the T stage (10); per layer, the prologue's register
/// setup before the first transfer and the epilogue's after the last mac
/// (24). Counted from the emitted code of the zoo's layers
/// (test/tools/rapid-sim-timing.test times such code by hand).
constexpr double kIssueT = 3, kIssueB = 10, kIssueLayer = 24;

/// `lowered`: TransferSchedule::Lowered's overlap rules, for the B stage when
/// `bStage` (else the T stage).
static StageCost stageCost(const Workload &w, const DimTuple &parent,
                           const DimTuple &tile, const LoopOrder &order,
                           double c, const PrecisionConfig &pc,
                           const Channels &ch, bool finalSums, bool lowered,
                           bool bStage) {
  StageLoops loops(w, parent, tile, order);
  const std::array<int64_t, kNumDims> &trips = loops.trips;
  const std::array<int, kNumDataStructures> &last = loops.last;
  StageCost s;
  s.iterations = loops.iterations;

  double inpTile =
      double(w.footprint(DataStructure::Inp, tile)) * storageBytes(pc.inp);
  double kerTile =
      double(w.footprint(DataStructure::Ker, tile)) * storageBytes(pc.ker);
  int64_t outElems = w.footprint(DataStructure::Outp, tile);
  // An output tile visited more than once holds partial sums: it is written
  // back and read again in the accumulation precision; otherwise it is
  // written once, final, in the activation precision.
  int lastOut = last[idx(DataStructure::Outp)];
  int64_t outChanges = loops.changes(lastOut);
  s.outChanges = outChanges;
  int64_t outDistinct = 1;
  for (unsigned pos = 0; pos < kNumDims; ++pos)
    if (w.indexes(DataStructure::Outp, order[pos]))
      outDistinct *= trips[pos];
  bool partial = outChanges > outDistinct || !finalSums;
  double outWrite = double(outElems) *
                    (partial ? storageBytes(pc.acc) : storageBytes(pc.inp));
  double outReadBack = outChanges > outDistinct
                           ? double(outElems) * storageBytes(pc.acc) *
                                 double(outChanges - outDistinct) /
                                 double(outChanges)
                           : 0;

  // The first iteration waits for its operands; the last write-back follows
  // the last iteration.
  using PerDS = std::array<double, kNumDataStructures>;
  constexpr unsigned kInp = idx(DataStructure::Inp),
                     kKer = idx(DataStructure::Ker),
                     kOut = idx(DataStructure::Outp);
  PerDS none{};
  s.startup = ch.time({inpTile, kerTile, 0}, none);
  PerDS finalWrite{};
  finalWrite[kOut] = outWrite;
  s.drain = ch.time(none, finalWrite);
  // Lowered: the double-buffered loop, and the partial sums of a split
  // reduction read back on every visit.
  int db = std::max(last[kInp], last[kKer]);
  bool dbOk = db >= 0 && lastOut <= db;
  double visitReadBack =
      lowered && !bStage && !finalSums
          ? std::max(outReadBack, double(outElems) * storageBytes(pc.acc))
          : outReadBack;
  // Iterations entered by advancing the loop at `pos` (all inner loops
  // wrapping) refetch the structures indexed at or inside `pos`.
  int64_t outer = 1;
  for (unsigned pos = 0; pos < kNumDims; ++pos) {
    int64_t upTo = outer * trips[pos];
    int64_t count = upTo - outer;
    outer = upTo;
    if (count == 0)
      continue;
    PerDS read{}, write{};
    if (last[kInp] >= int(pos))
      read[kInp] = inpTile;
    if (last[kKer] >= int(pos))
      read[kKer] = kerTile;
    if (lastOut >= int(pos)) {
      read[kOut] = visitReadBack;
      write[kOut] = outWrite;
    }
    double d = ch.time(read, write);
    if (!lowered || (dbOk && int(pos) == db && !bStage)) {
      s.hidden += double(count) * std::min(c, d);
      s.visible += double(count) * std::max(0.0, d - c);
    } else if (dbOk && int(pos) == db) {
      // B stage: the next tiles prefetched; the output written back after.
      PerDS in = read, outRead{}, outWriteOnly{};
      in[kOut] = 0;
      outRead[kOut] = read[kOut];
      outWriteOnly[kOut] = write[kOut];
      double dIn = ch.time(in, none);
      double dOut = ch.time(outRead, outWriteOnly);
      s.hidden += double(count) * std::min(c, dIn);
      s.visible += double(count) * (std::max(0.0, dIn - c) + dOut);
    } else {
      s.visible += double(count) * d;
      s.waitingIterations += double(count);
    }
  }
  PerDS moved = {inpTile * double(loops.changes(last[kInp])),
                 kerTile * double(loops.changes(last[kKer])),
                 (visitReadBack + outWrite) * double(outChanges)};
  s.readBytes = (ch.useAlt[kInp] ? 0 : moved[kInp]) +
                (ch.useAlt[kKer] ? 0 : moved[kKer]) +
                (ch.useAlt[kOut] ? 0 : visitReadBack * double(outChanges));
  s.writeBytes = ch.useAlt[kOut] ? 0 : outWrite * double(outChanges);
  for (unsigned ds = 0; ds < kNumDataStructures; ++ds)
    if (ch.useAlt[ds])
      s.altBytes += moved[ds];
  return s;
}

/// PE-array cycles of one T tile (MAC streaming, with L0 stalls) and its
/// pipeline bubbles.
double rapid::peTileCycles(const Workload &w, const CoreModel &core,
                           Dataflow dataflow, const DimTuple &t,
                           const PrecisionConfig &pc, double &bubble,
                           double density) {
  ArrayGeometry g = arrayGeometry(dataflow, w.kernel);
  int64_t rowCap = core.rows, colCap = core.lanes(pc);
  // Steps: one per stationary block; each streams the remaining temporal
  // dimensions through the array.
  double steps = double(llvm::divideCeilSigned(t[idx(g.row)], rowCap)) *
                 double(llvm::divideCeilSigned(t[idx(g.col)], colCap));
  double stream = 1;
  for (unsigned d = 0; d < kNumDims; ++d) {
    Dim dim = static_cast<Dim>(d);
    if (dim == g.row || dim == g.col)
      continue;
    if (w.indexes(g.stationary, dim))
      steps *= double(t[d]);
    else
      stream *= double(t[d]);
  }
  // L0 feeds the moving structures every cycle: their elements along the
  // array's rows and columns. More than L0 delivers stalls the stream.
  int64_t pr = std::min(t[idx(g.row)], rowCap);
  int64_t pcl = std::min(t[idx(g.col)], colCap);
  std::array<double, kNumDataStructures> bytes = stagedBytes(pc);
  double demand = 0;
  for (unsigned ds = 0; ds < kNumDataStructures; ++ds) {
    auto x = static_cast<DataStructure>(ds);
    if (x == g.stationary)
      continue;
    // In a grouped layer the inputs along Out are one per group.
    auto along = [&](Dim d, int64_t n) -> double {
      if (!w.indexes(x, d))
        return 1;
      if (x == DataStructure::Inp && d == Dim::Out)
        return double(llvm::divideCeilSigned(n, w.outPerGroup));
      return double(n);
    };
    double elems = along(g.row, pr) * along(g.col, pcl);
    demand += elems * bytes[ds];
  }
  // Skipped MACs (density < 1) shorten the stream, but L0 still delivers
  // every operand.
  double streamCycles = stream * std::max(density, demand / core.l0Bpc);
  // A stationary block enters (or, output-stationary, leaves) one row per
  // cycle. With at least two registers per PE the next block loads while
  // the current one streams, so only the first load and any excess over the
  // stream show; with one register every swap stalls.
  double swap = double(rowCap);
  if (core.registers >= 2)
    bubble = steps * std::max(0.0, swap - streamCycles) + swap;
  else
    bubble = steps * swap;
  // Filling and draining the systolic pipeline once per T tile.
  bubble += double(core.rows + core.peCols);
  return steps * streamCycles;
}

double rapid::extCopyCycles(const CoreModel &core, double bytes) {
  return std::max({bytes / core.extReadBpc, bytes / core.extWriteBpc,
                   2 * bytes / core.extSharedBpc});
}

double rapid::lstmCellCycles(const CoreModel &core, int64_t batch,
                             int64_t hidden, const PrecisionConfig &pc) {
  double b = double(batch), h = double(hidden);
  // Loads: both products' gates (fp32) and the cell state; stores: the
  // hidden output (activation precision) and the cell state.
  double loads = (2 * 4 * b * h + b * h) * 4 / core.extReadBpc;
  double stores = (b * h * storageBytes(pc.inp) + b * h * 4) / core.extWriteBpc;
  // Issue: about 30 instructions of setup, loads and stores, 27 per row;
  // the SFUs take (34 b h) / rate, overlapping the issue.
  double issue = 30 + 27 * b;
  double sfu = 34 * b * h / core.sfuOpsPerCycle;
  return loads + stores + std::max(issue, sfu);
}

double rapid::extFillCycles(const CoreModel &core, double bytes) {
  return bytes / core.extWriteBpc;
}

double rapid::conversionCycles(const CoreModel &core, double elements,
                               Precision in, Precision out, int passes) {
  if (elements <= 0)
    return 0;
  // About a dozen instructions set up the scalars, addresses and transfers,
  // issued one per cycle.
  constexpr double kSetup = 12;
  return kSetup + elements * storageBytes(in) / core.extReadBpc +
         passes * elements / core.sfuOpsPerCycle +
         elements * storageBytes(out) / core.extWriteBpc;
}

static Channels lxChannel(const CoreModel &core) {
  double inf = std::numeric_limits<double>::infinity();
  Channel lx{inf, inf, core.lxBpc};
  return {lx, lx, {}};
}

double rapid::evaluateInner(const Workload &w, const CoreModel &core,
                            const Mapping &m, Cost &cost) {
  double bubble = 0;
  double pe = peTileCycles(w, core, m.dataflow, m.t, m.precision, bubble);
  bool finalSums = true;
  for (unsigned d = 0; d < kNumDims; ++d)
    if ((w.reduced & (1u << d)) && m.b[d] < m.n[d])
      finalSums = false;
  StageCost s = stageCost(w, m.b, m.t, m.order[idx(LoopStage::T)], pe + bubble,
                          m.precision, lxChannel(core), finalSums,
                          core.schedule == TransferSchedule::Lowered, false);
  cost = Cost();
  double n = double(s.iterations);
  // underUse holds raw PE cycles until evaluateOuter knows the MAC count.
  cost.underUse = n * pe;
  cost.bubble = n * bubble;
  cost.overlappedVisible = s.visible;
  cost.overlappedHidden = s.hidden;
  cost.nonOverlapped = s.startup + s.drain;
  if (core.schedule == TransferSchedule::Lowered)
    cost.nonOverlapped += kIssueT * (1 + s.waitingIterations) + kIssueB;
  cost.lxL0Bytes = s.readBytes + s.writeBytes;
  return cost.underUse + cost.bubble + cost.overlappedVisible +
         cost.nonOverlapped;
}

Cost rapid::evaluateOuter(const LayerTask &task, const CoreModel &core,
                          const Mapping &m, const Cost &inner,
                          double innerCycles) {
  const Workload &w = task.workload;
  // Structures held on chip come over the ring (both directions at the
  // core's ring port), the rest from external memory.
  Channels ext{{core.extReadBpc, core.extWriteBpc, core.extSharedBpc},
               {core.ringReadBpc, core.ringWriteBpc,
                core.ringReadBpc + core.ringWriteBpc},
               task.onChip};
  StageCost s = stageCost(w, m.n, m.b, m.order[idx(LoopStage::B)], innerCycles,
                          m.precision, ext, /*finalSums=*/true,
                          core.schedule == TransferSchedule::Lowered, true);
  double n = double(s.iterations);
  Cost c;
  double pe = n * inner.underUse;
  c.macCycles = double(w.macs()) / double(core.rows * core.lanes(m.precision));
  c.underUse = pe - c.macCycles;
  c.bubble = n * inner.bubble;
  c.overlappedVisible = n * inner.overlappedVisible + s.visible;
  c.overlappedHidden = n * inner.overlappedHidden + s.hidden;
  c.nonOverlapped = n * inner.nonOverlapped + s.startup + s.drain;
  if (core.schedule == TransferSchedule::Lowered)
    c.nonOverlapped += kIssueLayer;
  if (core.schedule == TransferSchedule::Lowered) {
    // An output B tile whose sums are not all started fresh by the T stage
    // (a reduction split at the B stage, or one looping outside the output
    // T tile's loop) is zero-filled in Lx first, once per visit.
    StageLoops tl(w, m.b, m.t, m.order[idx(LoopStage::T)]);
    bool fresh = true;
    for (unsigned pos = 0; pos < kNumDims; ++pos) {
      unsigned d = idx(m.order[idx(LoopStage::T)][pos]);
      if ((w.reduced & (1u << d)) &&
          (m.b[d] < m.n[d] || (tl.trips[pos] > 1 &&
                               int(pos) <= tl.last[idx(DataStructure::Outp)])))
        fresh = false;
    }
    if (!fresh)
      c.nonOverlapped += double(s.outChanges) *
                         double(w.footprint(DataStructure::Outp, m.b)) *
                         storageBytes(m.precision.acc) / core.lxBpc;
  }
  c.lxL0Bytes = n * inner.lxL0Bytes;
  c.extReadBytes = s.readBytes;
  c.extWriteBytes = s.writeBytes;
  c.onChipBytes = s.altBytes;
  c.aux = task.auxOps > 0 ? task.auxOps / core.sfuOpsPerCycle : 0;
  return c;
}

Cost rapid::evaluate(const LayerTask &task, const CoreModel &core,
                     const Mapping &m) {
  Cost inner;
  double cycles = evaluateInner(task.workload, core, m, inner);
  return evaluateOuter(task, core, m, inner, cycles);
}

std::array<TransferLocation, kNumDataStructures>
rapid::transferLocations(const Workload &w, const Mapping &m) {
  const LoopOrder &tOrder = m.order[idx(LoopStage::T)];
  const LoopOrder &bOrder = m.order[idx(LoopStage::B)];
  StageLoops t(w, m.b, m.t, tOrder), b(w, m.n, m.b, bOrder);
  std::array<TransferLocation, kNumDataStructures> out;
  for (unsigned ds = 0; ds < kNumDataStructures; ++ds) {
    if (t.last[ds] >= 0)
      out[ds] = {MemLevel::L0, LoopStage::T, tOrder[t.last[ds]]};
    else if (b.last[ds] >= 0)
      out[ds] = {MemLevel::Lx, LoopStage::B, bOrder[b.last[ds]]};
    else
      out[ds] = {MemLevel::Lx, LoopStage::B, bOrder[0]};
  }
  return out;
}
