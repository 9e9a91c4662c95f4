//===- Report.h - rapid-sim's per-layer cycle report ----------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Sets a timed run's per-layer cycles beside the cost model's prediction
// that model.bin carries for each layer (docs/rapid-sim.md), in the terms
// of `rapidc --report`: compute (MACs at peak, PE under-use, bubbles),
// visible transfer and auxiliary (SFU) work.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SIM_REPORT_H
#define RAPID_SIM_REPORT_H

#include "rapid/Arch/ArchSpec.h"
#include "rapid/ISA/ModelBinary.h"
#include "rapid/Sim/Functional.h"

#include "llvm/Support/raw_ostream.h"

namespace rapid::sim {

struct LayerComparison {
  std::string name;
  uint64_t macs = 0;
  /// The cost model's cycles (0 when it did not price the layer) and its
  /// terms (isa::CycleTerm order).
  double predicted = 0;
  std::array<double, isa::kCycleTerms> predictedTerms{};
  /// The simulator's: the layer's span, PE-array busy cycles (its bubbles
  /// apart), SFU busy cycles, the rest (transfers no computation hid, issue
  /// and synchronization), DMA busy cycles, the MACs at one core's peak
  /// over the span (all per core).
  double simulated = 0, pe = 0, bubble = 0, sfu = 0, visible = 0, dma = 0,
         utilization = 0;
  /// The cores that ran it (busy cycles above are per core, averaged).
  int64_t cores = 0;
  /// The MACs the run counted, those with a zero input operand, a zero
  /// weight operand, either (what a zero-skipping array skips), and the PE
  /// cycles per core that skipping saved.
  int64_t countedMacs = 0, zeroInputMacs = 0, zeroWeightMacs = 0,
          skippableMacs = 0;
  double skipped = 0;
  /// The fraction of the counted MACs with a zero input (activation
  /// sparsity) and with a zero weight (weight sparsity), when it ran MACs.
  std::optional<double> activationSparsity() const {
    if (countedMacs <= 0)
      return std::nullopt;
    return double(zeroInputMacs) / double(countedMacs);
  }
  std::optional<double> weightSparsity() const {
    if (countedMacs <= 0)
      return std::nullopt;
    return double(zeroWeightMacs) / double(countedMacs);
  }
  /// |predicted - simulated| / simulated, when both exist.
  std::optional<double> error() const {
    if (predicted <= 0 || simulated <= 0)
      return std::nullopt;
    return std::abs(predicted - simulated) / simulated;
  }
};

std::vector<LayerComparison> compareLayers(const isa::ModelBinary &model,
                                           const RunStats &stats);

/// The per-layer table `rapid-sim --stats` prints, with totals.
void printLayerTable(const isa::ModelBinary &model, const ArchSpec &arch,
                     const RunStats &stats, llvm::raw_ostream &os);

/// The counts and (timed) cycles, per layer and in total, as JSON.
void writeStatsJSON(const isa::ModelBinary &model, const ArchSpec &arch,
                    const RunStats &stats, bool timed, llvm::raw_ostream &os);

} // namespace rapid::sim

#endif // RAPID_SIM_REPORT_H
