//===- CostModel.h - Waveform cost model of a per-core mapping ---*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The DeepMatrix design point of one layer on one core (dataflow, P/T/B
// tiles, loop order per stage, precision) and its cost under the waveform
// model of the seed:
//
//   Total = max(Compute, OverlappedComm) + NonOverlappedComm + AuxCompute
//           + PipelineBubble
//
// The program is a three-stage loop nest: B tiles are staged from external
// memory into the Lx scratchpad, T tiles from Lx into L0, and P tiles are fed
// to the PE array. Every stage is double-buffered: while iteration i
// computes, the tiles of iteration i+1 are fetched and the outputs of i-1
// written back. An iteration of a stage is classified by the outermost loop
// that advanced into it, which fixes exactly which data structures change;
// each class contributes count x max(compute, transfer), so the waveform is
// summed per iteration class in closed form (O(stages x dims x data
// structures) per evaluation), never per element or per iteration.
// docs/cost-model.md gives every formula.
//
// Plain C++: the search, the report and the benchmarks call it; nothing else
// derives cycles.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_COSTMODEL_COSTMODEL_H
#define RAPID_COSTMODEL_COSTMODEL_H

#include "rapid/Arch/ArchSpec.h"
#include "rapid/Workload/Workload.h"

#include <array>
#include <cstdint>
#include <string>

namespace rapid {

/// A loop order of one stage, outermost first: a permutation of the dims.
using LoopOrder = std::array<Dim, kNumDims>;

struct PrecisionConfig {
  Precision inp = Precision::FP16;
  Precision ker = Precision::FP16;
  Precision acc = Precision::FP32;
  /// Chunk length of chunk-based accumulation; 0: none.
  int64_t chunk = 0;
};

/// Where a data structure is (re)fetched: the memory level its refetched
/// tile lands in and the loop at which that happens.
struct TransferLocation {
  MemLevel level;
  LoopStage stage;
  Dim dim;
};

/// One per-core mapping of a layer (the seed's design-space parameters).
struct Mapping {
  Dataflow dataflow = Dataflow::WeightStationary;
  /// The core's workload, the Lx and L0 staging tiles and the PE-array
  /// tile; per dimension P <= T <= B <= N.
  DimTuple n{}, b{}, t{}, p{};
  /// Loop order of each stage (B, T, P), outermost first.
  std::array<LoopOrder, kNumLoopStages> order{};
  PrecisionConfig precision;
};

/// The PE-array side of a dataflow for a kernel: the dimension spread over
/// the PE rows (reduced across them) and over the column lanes, and the data
/// structure held stationary in the PE registers. The other dimensions are
/// temporal: those not indexing the stationary data stream through the array
/// while it stays; those indexing it step the stationary block.
struct ArrayGeometry {
  Dim row, col;
  DataStructure stationary;
};
ArrayGeometry arrayGeometry(Dataflow dataflow, Kernel kernel);

/// The figures of one core the model reads, in cycles and bytes per cycle.
/// Which transfers a stage overlaps with compute. Ideal: the seed's
/// waveform, every stage double-buffered at every loop level. Lowered: what
/// rapid's backend emits (docs/backend.md), so that predictions match the
/// program rapid-sim runs: in each stage only the loop that moves the input
/// and weight tiles (the innermost indexing either) is double-buffered;
/// iterations entered by advancing a loop outside it wait for their
/// transfers, and so do the B stage's output write-backs; partial sums a
/// B stage leaves are read back by every T-tile visit.
enum class TransferSchedule : uint8_t { Ideal, Lowered };

struct CoreModel {
  int64_t rows = 0;      // PE rows
  int64_t peCols = 0;    // PE columns (pipeline depth along a row)
  int64_t colLanes = 0;  // FP16 MAC lanes across the columns of all arrays
  int64_t registers = 0; // per PE
  std::array<unsigned, kNumPrecisions> multiplier{};
  double extReadBpc = 0, extWriteBpc = 0, extSharedBpc = 0;
  double lxBpc = 0, l0Bpc = 0;
  /// A core's ports onto the chip's ring: the channel of data structures
  /// held on chip (LayerTask::onChip) instead of external memory.
  double ringReadBpc = 0, ringWriteBpc = 0;
  int64_t lxBytes = 0, l0Bytes = 0;
  double sfuOpsPerCycle = 0;
  double frequencyGHz = 0;
  TransferSchedule schedule = TransferSchedule::Lowered;

  /// One core of `arch` while `activeCores` cores of its chip share the
  /// external memory bandwidth.
  static CoreModel fromArch(const ArchSpec &arch, int64_t activeCores = 1);

  /// MAC lanes across the columns in the PE precision of `pc` (the wider of
  /// the two operand formats); 0 when the PE array cannot run it. FP32 (the
  /// verification mode) without a multiplier of its own is emulated at a
  /// quarter of the FP16 lanes, at least one.
  int64_t lanes(const PrecisionConfig &pc) const;
};

/// A layer kernel to map: its workload and the SFU operations that go with
/// it (bias, activation, training axpy), which run on the FP32 SFUs.
struct LayerTask {
  Workload workload;
  double auxOps = 0;
  /// Data structures (by DataStructure) held in the chip's scratchpads
  /// rather than external memory (DeepSpatialMatrix's activation reuse and
  /// weight pre-loading): their B-stage transfers use the ring channel,
  /// which runs in parallel with the external one.
  std::array<bool, kNumDataStructures> onChip{};
};

/// Cycles of one layer kernel on one core, split as the seed's table splits
/// them. total() = macCycles + underUse + bubble + overlappedVisible +
/// nonOverlapped + aux, which is max(Compute, OverlappedComm) +
/// NonOverlappedComm + AuxCompute + PipelineBubble summed per iteration.
struct Cost {
  double macCycles = 0; // MACs at the PE array's peak rate
  double underUse = 0;  // PE cycles beyond that: dims that do not fill the
                        // array, padded edge tiles, L0 bandwidth stalls
  double bubble = 0;    // pipeline fill/drain, stationary-block swaps
  double overlappedVisible = 0; // double-buffered transfers outlasting the
                                // compute they overlap
  double overlappedHidden = 0;  // the part hidden under compute
  double nonOverlapped = 0;     // start-up fetches and final write-backs
  double aux = 0;               // SFU work
  double extReadBytes = 0, extWriteBytes = 0, lxL0Bytes = 0;
  double onChipBytes = 0; // B-stage bytes moved over the ring instead

  /// Adds another layer kernel's cycles and bytes (network totals).
  Cost &operator+=(const Cost &o) {
    macCycles += o.macCycles;
    underUse += o.underUse;
    bubble += o.bubble;
    overlappedVisible += o.overlappedVisible;
    overlappedHidden += o.overlappedHidden;
    nonOverlapped += o.nonOverlapped;
    aux += o.aux;
    extReadBytes += o.extReadBytes;
    extWriteBytes += o.extWriteBytes;
    lxL0Bytes += o.lxL0Bytes;
    onChipBytes += o.onChipBytes;
    return *this;
  }
  /// Every cycle and byte scaled by `k` (a kernel repeated k times).
  Cost scaled(double k) const {
    Cost c;
    c += *this;
    for (double *f :
         {&c.macCycles, &c.underUse, &c.bubble, &c.overlappedVisible,
          &c.overlappedHidden, &c.nonOverlapped, &c.aux, &c.extReadBytes,
          &c.extWriteBytes, &c.lxL0Bytes, &c.onChipBytes})
      *f *= k;
    return c;
  }

  double total() const {
    return macCycles + underUse + bubble + overlappedVisible + nonOverlapped +
           aux;
  }
  /// Fraction of the total spent on MACs at peak rate, in [0, 1].
  double utilization() const {
    double t = total();
    return t > 0 ? macCycles / t : 0;
  }
};

/// The PE-array tile a dataflow feeds from a T tile (the seed's P_pref, or
/// less where T is smaller): the row and column dimensions up to the array
/// size, streaming dimensions whole, stationary-indexed temporal dims 1.
DimTuple preferredP(const Workload &w, Dataflow dataflow, const DimTuple &t,
                    const CoreModel &core, const PrecisionConfig &pc);

/// Bytes of the B tile in Lx and of the T tile in L0, double-buffered.
double lxFootprint(const Workload &w, const DimTuple &b,
                   const PrecisionConfig &pc);
double l0Footprint(const Workload &w, const DimTuple &t,
                   const PrecisionConfig &pc);

/// Why the PE array of `core` cannot run the operand precisions of `pc`;
/// empty when it can.
std::string checkPrecision(const CoreModel &core, const PrecisionConfig &pc);

/// Why `m` is not a valid mapping of `task` on `core` (tiles out of order or
/// over capacity, a precision the PE array cannot run); empty when valid.
std::string checkMapping(const LayerTask &task, const CoreModel &core,
                         const Mapping &m);

/// The cost of a valid mapping (see checkMapping).
Cost evaluate(const LayerTask &task, const CoreModel &core, const Mapping &m);

/// Cycles of one LSTM cell step on the SFUs as the backend lowers it
/// (lowerLstmCell): the gate pre-activations of both products and the cell
/// state loaded from external memory, 34 SFU operations per batch row and
/// hidden unit (the gate sum, three sigmoids and two tanh, the cell update,
/// the hidden output), the hidden output and cell state stored; its
/// instructions are issued one per cycle, the SFU operations pipelining
/// behind them.
double lstmCellCycles(const CoreModel &core, int64_t batch, int64_t hidden,
                      const PrecisionConfig &pc);

/// Cycles of moving `bytes` within external memory: a copy reads and writes
/// them (sharing the chip's channel), a fill only writes (its source is one
/// element).
double extCopyCycles(const CoreModel &core, double bytes);
double extFillCycles(const CoreModel &core, double bytes);

/// Cycles of one core converting `elements` elements of a tensor in
/// external memory from precision `in` to `out` with `passes` SFU
/// operations each (a cast: 1; a quantization: 1, or 2 with a zero point;
/// a dequantization: 2), as the backend streams it: load, SFU passes,
/// store, one after another, plus the instructions that set them up.
double conversionCycles(const CoreModel &core, double elements, Precision in,
                        Precision out, int passes);

/// PE-array cycles of one T tile `t` of `w` (MACs streaming through the
/// array, with L0 stalls) in `dataflow` and precision `pc`; its pipeline
/// bubbles (stationary-block swaps, fill and drain) in `bubble`. The
/// waveform charges this per T tile, and rapid-sim per `mac` instruction.
/// `density` (in [0, 1]) is the fraction of the MACs the array computes: a
/// zero-skipping array (rapid-sim, docs/rapid-sim.md) streams each step in
/// max(density, L0 delivery) of its dense cycles; the cost model prices
/// dense tiles (1).
double peTileCycles(const Workload &w, const CoreModel &core, Dataflow dataflow,
                    const DimTuple &t, const PrecisionConfig &pc,
                    double &bubble, double density = 1);

/// Cycles of everything inside one B-stage iteration (the T stage and the PE
/// array) for the B tile of `m`; the search optimizes it once per B tile
/// since it does not depend on the B loop order. Fills the part of `cost`
/// that one B tile contributes.
double evaluateInner(const Workload &w, const CoreModel &core, const Mapping &m,
                     Cost &cost);

/// Completes `inner` (from evaluateInner) with the B stage: external
/// transfers, repetition over the B tiles and the SFU work.
Cost evaluateOuter(const LayerTask &task, const CoreModel &core,
                   const Mapping &m, const Cost &inner, double innerCycles);

/// Where each data structure is refetched under `m`: the innermost loop of
/// the T stage (landing in L0) or else of the B stage (landing in Lx) that
/// indexes it with more than one iteration; fetched once otherwise.
std::array<TransferLocation, kNumDataStructures>
transferLocations(const Workload &w, const Mapping &m);

} // namespace rapid

#endif // RAPID_COSTMODEL_COSTMODEL_H
