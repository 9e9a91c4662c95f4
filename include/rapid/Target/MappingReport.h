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
#include "rapid/Search/DeepSpatialMatrix.h"

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

/// A layer op as DeepSpatialMatrix sees it (without its graph edges): its
/// shape, kernels, SFU work, recurrence.
SpatialLayer spatialLayerOf(mlir::Operation *layer, bool training);

/// The layers under `root` in program order, with the producer layers each
/// reads through non-layer ops (element-wise ops, pooling, adds, concats).
struct LayerGraph {
  SpatialNetwork net;
  std::vector<mlir::Operation *> ops;
};
LayerGraph buildLayerGraph(mlir::Operation *root, bool training);

/// The division of a layer: its rapid.spatial, or (none attached) the
/// layer on one chip divided over its cores by defaultCoreSplit.
SpatialConfig spatialConfigOf(mlir::Operation *layer, const ArchSpec &arch);
SpatialAttr toSpatialAttr(mlir::MLIRContext *context, const SpatialConfig &c,
                          int64_t cores);

MappingAttr toMappingAttr(mlir::MLIRContext *context, const Workload &w,
                          const Mapping &m);
Mapping fromMappingAttr(MappingAttr attr);

/// Search statistics per layer kernel, filled by rapid-deep-matrix when the
/// driver asks for them.
struct MappingStatsSink {
  std::map<std::pair<mlir::Operation *, Kernel>, SearchStats> perKernel;
  SearchStats total;
};

/// The seed's breakdown of a layer kernel (or a total) in cycles.
struct Breakdown {
  double mac = 0, underUse = 0, bubble = 0, visible = 0, nonOverlapped = 0,
         aux = 0, hidden = 0;
  double total() const {
    return mac + underUse + bubble + visible + nonOverlapped + aux;
  }
  Breakdown &operator+=(const Breakdown &o);
};
/// A kernel's core cost plus its communication (and the layer's re-layout).
Breakdown breakdownOf(const KernelCost &k, double relayout = 0);

struct MappingReportRow {
  std::string name, op;
  /// The layer op the row prices.
  mlir::Operation *source = nullptr;
  Kernel kernel;
  SpatialConfig spatial;
  KernelCost cost;
  /// Re-layout of the layer's inputs (on its FWD row).
  double relayout = 0;
  Breakdown breakdown;
  /// The same kernel's cycles in the homogeneous baseline plan.
  std::optional<double> baseline;
  std::optional<SearchStats> stats;
  int64_t macs = 0;
};

struct MappingReport {
  std::string arch;
  double frequencyGHz = 0;
  int64_t chips = 1, cores = 1;
  bool training = false;
  int64_t minibatch = 1;
  /// The mapped layers' PE precision (the first's; rapidc maps every layer
  /// in one) and whether its FP32 MACs are emulated (CoreModel::lanes: the
  /// arch gives FP32 no rate, so a quarter of the FP16 lanes).
  std::optional<PrecisionConfig> precision;
  bool emulatedFP32 = false;
  std::vector<MappingReportRow> rows;
  Breakdown total;
  /// Cycles the timestep pipelines save (subtracted from total.total()).
  double pipelineOverlap = 0;
  /// The homogeneous data-parallel + hand-tuned plan of the same network.
  std::optional<double> baselineCycles;
  /// Why the baseline plan could not be priced, when it could not.
  std::string baselineError;
  int64_t macs = 0;
  /// Layers per parallelism kind.
  std::map<std::string, int> parallelismMix;
  SearchStats search;
  std::optional<SpatialStats> spatial;

  double cycles() const { return total.total() - pipelineOverlap; }
  double milliseconds() const { return cycles() / (frequencyGHz * 1e6); }
  /// MAC cycles at peak over all cycles.
  double utilization() const;
  double speedup() const {
    return baselineCycles ? *baselineCycles / cycles() : 1.0;
  }
};

/// Collects the mapped layers under `root` in program order and prices the
/// network on `arch`: each core's share by its mapping, the communication
/// and re-layout its divisions imply, timestep pipelines; and the
/// homogeneous baseline plan for comparison. Layers without a mapping are
/// skipped.
/// A layer whose mapping does not check is skipped with a warning (unless
/// `warnUnpriced` is off).
MappingReport buildMappingReport(mlir::Operation *root, const ArchSpec &arch,
                                 const MappingStatsSink *stats = nullptr,
                                 const SpatialStats *spatial = nullptr,
                                 bool warnUnpriced = true);
void printMappingReport(const MappingReport &report, llvm::raw_ostream &os);
void writeMappingReportJSON(const MappingReport &report, llvm::raw_ostream &os);
/// A self-contained HTML page (inline SVG and CSS, no scripts or external
/// assets): the totals and a stacked bar per layer kernel.
void writeMappingReportHTML(const MappingReport &report, llvm::raw_ostream &os);

} // namespace rapid

#endif // RAPID_TARGET_MAPPINGREPORT_H
