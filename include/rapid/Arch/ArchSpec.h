//===- ArchSpec.h - Description of a RaPiD-style machine ---------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The five-tier hierarchy of the accelerator (PE, PE array, core, chip,
// system) as plain C++ values, read from a versioned JSON description
// (docs/arch.md) and validated with messages that name the offending key.
// Presets ship as files in arch/ and are found by name.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_ARCH_ARCHSPEC_H
#define RAPID_ARCH_ARCHSPEC_H

#include "rapid/Support/Vocabulary.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace rapid {

constexpr int64_t kArchSchemaVersion = 1;

struct MemorySpec {
  int64_t capacityBytes = 0;
  double bandwidthGBps = 0; // bytes per ns
};

struct PEArraySpec {
  int64_t rows = 0, cols = 0;
  int64_t registersPerPE = 0;
  /// FP16 MACs one PE performs per cycle (its SIMD width).
  int64_t simdWidth = 1;
  /// Whether the array skips MACs with a zero operand (dynamic sparsity):
  /// rapid-sim credits the skipped cycles (docs/rapid-sim.md); the cost
  /// model prices dense MACs either way.
  bool zeroSkipping = false;
};

struct SFUSpec {
  int64_t units = 0;
  /// FP32 operations one unit completes per cycle.
  double opsPerCycle = 0;
};

struct CoreSpec {
  int64_t peArrays = 0;
  PEArraySpec peArray;
  double frequencyGHz = 0;
  MemorySpec l0, lx;
  SFUSpec sfu;
  double inBandwidthGBps = 0, outBandwidthGBps = 0;
};

struct ChipSpec {
  int64_t cores = 0;
  double coreToCoreGBps = 0;
  /// Start-up latency of one core-to-core step on the ring.
  double coreToCoreLatencyNs = 50;
  MemorySpec externalMemory;
  /// Fraction of the external bandwidth achieved in practice, (0, 1].
  double externalEfficiency = 1;
};

struct SystemSpec {
  int64_t chipsX = 1, chipsY = 1;
  /// Per-direction chip-to-chip bandwidth (asymmetric when they differ).
  double linkXGBps = 0, linkYGBps = 0;
  /// Start-up latency of one chip-to-chip step (a collective's alpha).
  double linkLatencyNs = 500;
};

struct ArchSpec {
  std::string name;
  std::string description;
  /// PE MACs per cycle relative to FP16, indexed by Precision.
  std::array<unsigned, kNumPrecisions> peMultiplier{};
  CoreSpec core;
  ChipSpec chip;
  SystemSpec system;

  /// FP16 MACs per cycle of one core.
  int64_t coreMacsPerCycle() const {
    return core.peArrays * core.peArray.rows * core.peArray.cols *
           core.peArray.simdWidth;
  }
  /// MACs per cycle of one core in precision `p` (0 for FP32: SFU work).
  int64_t coreMacsPerCycle(Precision p) const {
    return coreMacsPerCycle() * peMultiplier[static_cast<unsigned>(p)];
  }
  int64_t numChips() const { return system.chipsX * system.chipsY; }
  int64_t numCores() const { return numChips() * chip.cores; }
  /// Peak operations per second (2 per MAC) of the whole system.
  double peakOpsPerSecond(Precision p) const {
    return 2.0 * coreMacsPerCycle(p) * core.frequencyGHz * 1e9 * numCores();
  }
};

/// Parses and validates a JSON description; `source` names it in errors
/// ("arch.json: core.lx.capacity_bytes: expected a positive integer").
/// A 64-bit hash (FNV-1a) of every figure of `arch` but its name and
/// description: model.bin records it, so a program can be checked against
/// the machine it was compiled for.
uint64_t fingerprint(const ArchSpec &arch);

llvm::Expected<ArchSpec> parseArchSpec(llvm::StringRef json,
                                       llvm::StringRef source);

/// Loads a preset by name (arch/<name>.json in the preset directories) or a
/// description file by path (anything ending in .json).
llvm::Expected<ArchSpec> loadArchSpec(llvm::StringRef nameOrPath);

/// The preset names found in the preset directories, sorted.
std::vector<std::string> listArchPresets();

/// Directories searched for presets: $RAPID_ARCH_PATH (colon-separated),
/// then the source tree's arch/ folder.
std::vector<std::string> archPresetDirectories();

} // namespace rapid

#endif // RAPID_ARCH_ARCHSPEC_H
