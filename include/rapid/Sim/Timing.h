//===- Timing.h - rapid-sim's cycle model of the ISA --------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// How long each engine instruction takes on a core of an architecture, in
// core cycles, from the same description the compiler maps onto
// (docs/arch.md) and with the same formulas as the waveform cost model
// (docs/cost-model.md), so that the simulator's count and the model's
// prediction differ only where the program's schedule does:
//
//  - a `dma` moves its bytes at the bandwidth of its path's channel
//    (external memory shared by the chip's active cores, Lx<->L0, the ring,
//    a torus link), plus the ring or link start-up latency; a fill (every
//    source stride 0) only writes; an `ext_to_lx_unpack` moves the
//    compressed bytes it reads (bitmap and non-zero elements) at the
//    external read bandwidth, as `ext_to_lx`;
//  - a `mac` takes the cost model's PE-array cycles of its tile
//    (rapid::peTileCycles): stream, L0 stalls, stationary swaps, fill and
//    drain; on an array that skips zero operands (`zero_skipping`), the
//    stream of the MACs it computes (`density`, docs/rapid-sim.md);
//  - an `sfu` op processes (units x ops per cycle) elements per cycle.
//
// Each core has seven engines that run their instructions one at a time in
// issue order and concurrently with each other: the DMA engines of external
// memory, of Lx->L0 (and Lx->Lx), of L0->Lx, of the ring and of the links,
// the PE array and the SFUs.
// The instruction unit issues one instruction per cycle.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SIM_TIMING_H
#define RAPID_SIM_TIMING_H

#include "rapid/Arch/ArchSpec.h"
#include "rapid/CostModel/CostModel.h"
#include "rapid/ISA/ModelBinary.h"

namespace rapid::sim {

using isa::Engine;
using isa::engineName;
using isa::engineOf;
using isa::kEngines;

class TimingModel {
public:
  /// A core of `arch` while `activeCores` cores of its chip share the
  /// external memory bandwidth.
  TimingModel(const ArchSpec &arch, int64_t activeCores);

  /// (For `ext_to_lx_unpack`, the dense size's cycles, a bound: rapid-sim
  /// times what it read with unpack.)
  double dma(isa::DmaPath path, isa::Peer peer,
             const isa::DmaDescriptor &d) const;
  /// The cycles of an `ext_to_lx_unpack` that read `compressedBytes`.
  double unpack(double compressedBytes) const;
  /// The PE-array cycles of a mac (its stream plus `bubble`), when it
  /// computes the fraction `density` of its MACs (the rest skipped: a
  /// zero-skipping array's MACs with a zero operand).
  double mac(const isa::TileDescriptor &t, isa::MacDataflow dataflow,
             Precision inp, Precision ker, Precision acc, int64_t chunk,
             double &bubble, double density = 1) const;
  /// Whether the PE array skips MACs with a zero operand (the
  /// architecture's `pe_array.zero_skipping`).
  bool zeroSkipping() const { return skipZeros; }
  double sfu(int64_t count) const;
  /// MACs per cycle at the PE array's peak for these operands.
  double peakMacsPerCycle(Precision inp, Precision ker) const;
  double frequencyGHz() const { return core.frequencyGHz; }

private:
  CoreModel core;
  double ringLatency = 0, linkLatency = 0, linkXBpc = 0, linkYBpc = 0;
  bool skipZeros = false;
};

} // namespace rapid::sim

#endif // RAPID_SIM_TIMING_H
