//===- Functional.h - Executes a core's program functionally ------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The functional core of rapid-sim: runs one core's instructions over its
// memories (external memory, the core's Lx scratchpad and L0), with the
// semantics docs/isa.md gives. Engine instructions run in each engine's
// issue order under one of two legal schedules (Schedule); semaphores are
// counted, and a `sem.wait` (or an engine's `wait`) on a semaphore nothing
// can signal any more is a deadlock, reported as an error. Timed runs
// (RunOptions::timing) also count cycles per core and per layer. Every memory
// access is bounds-checked; errors name the core, the instruction index and
// mnemonic, and the reason.
//
// Numerics: `mac` reads its operands in their precisions, multiplies exactly
// and accumulates each output's terms (ky, kx, then in innermost) in the
// accumulation precision, in chunks of `chunk` terms whose sums are then
// accumulated (rapid::numerics::chunkedDot), and adds that to the output
// when `accumulate` is set. The SFUs compute in FP32.
//
// Sparsity: each mac counts its MACs whose input operand is zero, whose
// weight operand is zero, and whose either operand is (RunStats, LayerStats;
// sim::MacUsePlan); a timed run on a zero-skipping PE array prices only the
// MACs it computes (TimingModel::mac's density, docs/rapid-sim.md).
//
// Rounding (RunOptions::rounding): to nearest even, or stochastic. With
// stochastic rounding every rounding into a float format narrower than FP32
// that the PE array and the SFUs perform (the mac's products and sums in its
// accumulation precision and its output store, the SFU's output store) takes
// its random bits from rapid::numerics::RandomStream keyed by (seed, core,
// pc, how many times that pc has issued, output element, the rounding's
// index within that element): a pure function of where the rounding
// happens, so a run's bytes depend on the seed but not on the schedule nor
// on the kernel threads. FP32 (the SFUs' own precision and the fast
// FP32-accumulating mac) and INT8 round to nearest even either way.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SIM_FUNCTIONAL_H
#define RAPID_SIM_FUNCTIONAL_H

#include "rapid/ISA/ModelBinary.h"
#include "rapid/Numerics/FloatFormat.h"
#include "rapid/Sim/Timing.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace rapid::sim {

/// The memories one core sees.
struct CoreMemories {
  std::vector<uint8_t> *ext = nullptr;
  std::vector<uint8_t> lx, l0;
};

/// When engine instructions run. Eager: each at issue, in program order.
/// Lazy: issued into per-engine queues (DMA, PE array, SFU; registers read at
/// issue) that run only when the instruction unit must wait (`sem.wait`,
/// `halt`), each step running the ready queue head issued last. Both are
/// legal schedules of the ISA; the lazy one breaks code that relies on
/// program order instead of semaphores, which the eager one cannot see.
enum class Schedule { Eager, Lazy };

/// What one layer (model.bin's layer marks) did, over all cores, in core
/// cycles when the run was timed.
struct LayerStats {
  /// The first instruction's issue and the last one's completion.
  double start = std::numeric_limits<double>::infinity(), end = 0;
  /// Busy cycles per engine (summed over cores).
  std::array<double, kEngines> busy{};
  /// Of the PE array's busy cycles: the pipeline bubbles, and the MACs at
  /// the array's peak rate.
  double bubble = 0, macPeak = 0;
  /// Cycles the instruction units waited on semaphores.
  double waits = 0;
  int64_t macs = 0, instructions = 0;
  /// Of its MACs (timed or not): those whose input (activation) operand is
  /// zero, whose kernel (weight) operand is zero, and whose either operand
  /// is (the MACs a zero-skipping PE array skips).
  int64_t zeroInputMacs = 0, zeroWeightMacs = 0, skippableMacs = 0;
  /// Timed, on a zero-skipping PE array: the PE array's cycles the skipped
  /// MACs saved (summed over cores; not part of `busy`).
  double skippedCycles = 0;
  /// The cores that ran part of it.
  int64_t cores = 0;
  double cycles() const { return end > start ? end - start : 0; }
};

struct RunStats {
  int64_t instructions = 0;
  int64_t macs = 0;
  int64_t dmaBytes = 0;
  int64_t sfuElements = 0;
  /// The MACs with a zero input operand, a zero weight operand, either
  /// (LayerStats), and, timed on a zero-skipping PE array, the cycles saved.
  int64_t zeroInputMacs = 0, zeroWeightMacs = 0, skippableMacs = 0;
  double skippedCycles = 0;
  /// Timed runs: the cycle the last core finished, each core's, every
  /// engine's busy cycles, and per layer (indexed like model.bin's layers).
  double cycles = 0;
  std::vector<double> coreCycles;
  std::array<double, kEngines> busy{};
  std::vector<LayerStats> layers;
};

/// Prints instructions as they execute: those of `core` (-1: every core)
/// at pcs [firstPc, lastPc], with their issue cycle (and, for engine
/// instructions, when they ran), at most `limit` lines.
struct TraceOptions {
  llvm::raw_ostream *os = nullptr;
  int64_t core = -1;
  uint64_t firstPc = 0, lastPc = std::numeric_limits<uint64_t>::max();
  int64_t limit = 100000;
};

/// How the cores are connected: `chipsX` x `chipsY` chips on a 2-D torus,
/// each with `coresPerChip` cores on a ring (0: all the programs' cores on
/// one chip). Core `g` is core `g % coresPerChip` of chip
/// `g / coresPerChip`; chip `k` sits at (k % chipsX, k / chipsX).
struct Topology {
  int64_t chipsX = 1, chipsY = 1, coresPerChip = 0;
};

struct RunOptions {
  Topology topology;
  /// Bounds the run (0: unbounded).
  int64_t maxInstructions = 0;
  Schedule schedule = Schedule::Eager;
  /// Counts cycles with this model (null: functional only).
  const TimingModel *timing = nullptr;
  TraceOptions trace;
  /// How the PE array and the SFUs round into the narrow float formats, and
  /// the seed of the stochastic rounding's random bits (see above).
  numerics::Rounding rounding = numerics::Rounding::NearestEven;
  uint64_t seed = 0;
};

/// Runs the programs of several cores (each its own Lx and L0; the cores of
/// a chip share `mems[i]->ext`, that chip's external memory): every core
/// runs until it reaches a barrier or halts, in core order; a barrier of
/// scope `chip` releases once every running core of the chip waits at it,
/// one of scope `system` once every running core does (timed: at the
/// latest of their cycles). Ring and link transfers read or write the
/// neighbouring core's Lx (docs/isa.md). Cores waiting at different
/// barriers, or at a barrier a halted core never reached, are an error.
llvm::Error runCores(llvm::ArrayRef<isa::CoreProgram> programs,
                     llvm::ArrayRef<CoreMemories *> mems, RunStats &stats,
                     const RunOptions &options);

/// Runs `core` to its `halt`, alone (untimed). Fails on an out-of-bounds
/// access, a deadlock, or an instruction it cannot run (a ring or link
/// transfer, whose peer it does not have).
/// `maxInstructions` bounds the run (0: unbounded).
llvm::Error runCore(const isa::CoreProgram &core, CoreMemories &mem,
                    RunStats &stats, int64_t maxInstructions = 0,
                    Schedule schedule = Schedule::Eager);

/// runCores with a bound and a schedule, untimed.
llvm::Error runCores(llvm::ArrayRef<isa::CoreProgram> programs,
                     llvm::ArrayRef<CoreMemories *> mems, RunStats &stats,
                     int64_t maxInstructions = 0,
                     Schedule schedule = Schedule::Eager);

/// Whether macs accumulating in FP16 or DLFloat16 to nearest even take the
/// fast path (sim::macNarrow; the default) or the general loop. Both give
/// the same bytes; tests turn it off to compare them.
void setNarrowMacFastPath(bool enable);

} // namespace rapid::sim

#endif // RAPID_SIM_FUNCTIONAL_H
