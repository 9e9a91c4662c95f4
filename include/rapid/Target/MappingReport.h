//===- MappingReport.h - Layer tasks, mapping attributes, report --*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The bridge between the rapid dialect and the plain C++ cost model and
// search: the per-core task of each layer kernel (workload after the spatial
// split, SFU work), the conversion between rapid::Mapping and
// #rapid.mapping, and the per-layer mapping report `rapidc --report` prints
// (text table and JSON). The report re-prices each attached mapping with the
// cost model, so it always describes the IR it is given.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_TARGET_MAPPINGREPORT_H
#define RAPID_TARGET_MAPPINGREPORT_H

#include "rapid/Dialect/Rapid/RapidDialect.h"
#include "rapid/Search/DeepMatrix.h"

#include "mlir/IR/Operation.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <vector>

namespace rapid {

/// The kernels to map for a layer: FWD; in training also BWD (unless the
/// layer reads a function argument directly: no error flows back into the
/// model's input) and UPD (when the layer has weights).
std::vector<Kernel> kernelsToMap(mlir::Operation *layer, bool training);

/// The split of a layer over the cores of a chip: from its rapid.spatial,
/// or defaultCoreSplit over the chip's cores. `activeCores` is the number of
/// cores sharing the external memory.
DimTuple coreSplitOf(mlir::Operation *layer, const ArchSpec &arch,
                     int64_t &activeCores);

/// The per-core task of `kernel` on `layer` under `split` (chip x core).
LayerTask makeLayerTask(mlir::Operation *layer, Kernel kernel,
                        const DimTuple &split);

MappingAttr toMappingAttr(mlir::MLIRContext *context, const Workload &w,
                          const Mapping &m);
Mapping fromMappingAttr(MappingAttr attr);

/// Search statistics per layer kernel, filled by rapid-deep-matrix when the
/// driver asks for them.
struct MappingStatsSink {
  std::map<std::pair<mlir::Operation *, Kernel>, SearchStats> perKernel;
  SearchStats total;
};

struct MappingReportRow {
  std::string name, op;
  Kernel kernel;
  Mapping mapping;
  Cost cost;
  /// The hand-tuned baseline mapping's cost, when it has one.
  std::optional<Cost> baseline;
  std::optional<SearchStats> stats;
  int64_t macs = 0;
};

struct MappingReport {
  std::string arch;
  double frequencyGHz = 0;
  bool training = false;
  std::vector<MappingReportRow> rows;
  Cost total, baselineTotal;
  /// Layers whose baseline does not fit (baselineTotal counts their own
  /// cost, a speedup of 1).
  unsigned withoutBaseline = 0;
  int64_t macs = 0;
  SearchStats search;
};

/// Collects the mapped layer kernels under `root` in program order and
/// prices them on `arch`. Layers without a mapping are skipped.
MappingReport buildMappingReport(mlir::Operation *root, const ArchSpec &arch,
                                 const MappingStatsSink *stats = nullptr);
void printMappingReport(const MappingReport &report, llvm::raw_ostream &os);
void writeMappingReportJSON(const MappingReport &report, llvm::raw_ostream &os);

} // namespace rapid

#endif // RAPID_TARGET_MAPPINGREPORT_H
