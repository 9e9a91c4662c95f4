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

/// The precision a tensor of element type `element` is stored in when its
/// type fixes one: !rapid.quant<i8|i4|i2> as INT8/INT4/INT2,
/// f8E4M3B11FNUZ as HFP8 1-4-3, f8E5M2 as HFP8 1-5-2; std::nullopt for
/// f32 and f16 (the activations' precision, the policy's choice).
std::optional<Precision> storedPrecision(mlir::Type element);

/// Cycles of a rapid.cast, rapid.quantize or rapid.dequantize op on
/// `arch`'s chip (its elements shared by the cores as the backend shares
/// them; conversionCycles), its input stored in `act` unless its type says;
/// 0 for other ops.
double conversionOpCycles(mlir::Operation *op, const ArchSpec &arch,
                          Precision act);

/// The PE precisions of a layer (conv2d, conv_transpose2d, gemm, matmul):
/// fixed by its operands' types where rapid-assign-precision set them (a
/// quantized input: its and the weights' integer precisions, FP32 sums; an
/// HFP8 input: HFP8 weights, FP16 sums in chunks of 64, as the policy
/// `hfp8`; RapidDialect::kBiScaledWeightsAttrName: BiScaled4 weights),
/// else `policy`. Fails
/// (std::nullopt, `why` set) for a quantized input without quantized weights or
/// the reverse.
std::optional<PrecisionConfig> layerPrecision(mlir::Operation *layer,
                                              const PrecisionConfig &policy,
                                              std::string *why = nullptr);

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
  /// Converting the layer's input to its precision first (a rapid.cast or
  /// rapid.quantize feeding it; on its FWD row, in `breakdown.aux`).
  double conversion = 0;
  /// A layer whose precision rapid-assign-precision chose: the kernel's
  /// cycles in the report's (policy) precision, as the search prices it.
  std::optional<double> policyCycles;
  std::optional<SearchStats> stats;
  int64_t macs = 0;
  /// On its FWD row, a layer with constant weights: the fraction of them
  /// that are zero, and, once rapid-lower-to-isa has run (rapidc), whether
  /// model.bin stores them compressed (docs/backend.md).
  std::optional<double> weightSparsity;
  std::optional<bool> weightsCompressed;
};

struct MappingReport {
  std::string arch;
  double frequencyGHz = 0;
  int64_t chips = 1, cores = 1;
  bool training = false;
  int64_t minibatch = 1;
  /// The mapped layers' PE precision (the policy: the first layer's whose
  /// input type does not fix its own) and whether its FP32 MACs are
  /// emulated (CoreModel::lanes: the arch gives FP32 no rate, so a quarter
  /// of the FP16 lanes). `perLayer`: some layer has a precision of its own.
  std::optional<PrecisionConfig> precision;
  bool perLayer = false;
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
