//===- Functional.h - Executes a core's program functionally ------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The functional core of rapid-sim: runs one core's instructions over its
// memories (external memory, the core's Lx scratchpad and L0), with the
// semantics docs/isa.md gives. Engine instructions complete when issued, in
// program order; semaphores are counted, and a `sem.wait` (or an engine's
// `wait`) on a semaphore nothing can signal any more is a deadlock, reported
// as an error. Every memory access is bounds-checked; errors name the core,
// the instruction index and mnemonic, and the reason.
//
// Numerics: `mac` reads its operands in their precisions, multiplies exactly
// and accumulates each output's terms (ky, kx, then in innermost) in the
// accumulation precision, in chunks of `chunk` terms whose sums are then
// accumulated (rapid::numerics::chunkedDot), and adds that to the output
// when `accumulate` is set. The SFUs compute in FP32.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SIM_FUNCTIONAL_H
#define RAPID_SIM_FUNCTIONAL_H

#include "rapid/ISA/ModelBinary.h"

#include "llvm/Support/Error.h"

#include <cstdint>
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

struct RunStats {
  int64_t instructions = 0;
  int64_t macs = 0;
  int64_t dmaBytes = 0;
  int64_t sfuElements = 0;
};

/// Runs `core` to its `halt`. Fails on an out-of-bounds access, a deadlock,
/// or an instruction this executor cannot run (ring and link transfers).
/// `maxInstructions` bounds the run (0: unbounded).
llvm::Error runCore(const isa::CoreProgram &core, CoreMemories &mem,
                    RunStats &stats, int64_t maxInstructions = 0,
                    Schedule schedule = Schedule::Eager);

/// Runs the programs of several cores sharing `mems[i]->ext` (each core
/// its own Lx and L0): every core runs until it reaches a barrier or halts,
/// in core order; a barrier releases once every core still running waits at
/// the same barrier. Cores waiting at different barriers, or at a barrier
/// a halted core never reached, are an error.
llvm::Error runCores(llvm::ArrayRef<isa::CoreProgram> programs,
                     llvm::ArrayRef<CoreMemories *> mems, RunStats &stats,
                     int64_t maxInstructions = 0,
                     Schedule schedule = Schedule::Eager);

} // namespace rapid::sim

#endif // RAPID_SIM_FUNCTIONAL_H
