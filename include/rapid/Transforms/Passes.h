//===- Passes.h - Passes over the rapid dialect ------------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_TRANSFORMS_PASSES_H
#define RAPID_TRANSFORMS_PASSES_H

#include "rapid/Dialect/Rapid/RapidDialect.h"

#include "mlir/Pass/Pass.h"

namespace rapid {

#define GEN_PASS_DECL
#include "rapid/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "rapid/Transforms/Passes.h.inc"

struct MappingStatsSink;
struct PrecisionConfig;
struct SpatialStats;

/// rapid-deep-spatial-matrix that also reports its statistics into `stats`
/// and prints progress (layers divided) to stderr when `progress` is set.
std::unique_ptr<mlir::Pass>
createDeepSpatialMatrixPass(const RapidDeepSpatialMatrixOptions &options,
                            SpatialStats *stats, bool progress);

/// rapid-deep-matrix that also reports each layer kernel's search
/// statistics into `sink` (for rapidc --report).
std::unique_ptr<mlir::Pass>
createDeepMatrixPass(const RapidDeepMatrixOptions &options,
                     MappingStatsSink *sink);

/// What rapid-lower-to-isa stored compressed (compress-weights), for
/// rapidc's summary and report.
struct LowerToISAStats {
  /// The layer slices (one per core sharing them) whose weights are
  /// compressed, and those weights' bytes dense and compressed.
  int64_t compressedSlices = 0, denseBytes = 0, compressedBytes = 0;
  /// The layers (rapid::layerName) with compressed weights.
  std::vector<std::string> compressedLayers;
};

/// rapid-lower-to-isa that also reports what it compressed into `stats`.
std::unique_ptr<mlir::Pass>
createLowerToISAPass(const RapidLowerToISAOptions &options,
                     LowerToISAStats *stats);

/// The operand and accumulation precisions of a --precision policy name
/// (fp16, hfp8, int8, int4, int2); std::nullopt for an unknown name.
std::optional<PrecisionConfig> parsePrecisionPolicy(llvm::StringRef name);

/// The policies rapid-assign-precision takes, and "a, b, ... or z" of them
/// for messages. fp32, fp16 and hfp8 leave each layer to the mapping's
/// precision; the others choose per layer.
llvm::ArrayRef<llvm::StringRef> precisionPolicies();
std::string listPrecisionPolicies();
bool choosesPerLayer(llvm::StringRef policy);

/// Adds the graph-preparation passes that `rapidc` runs before mapping.
void buildGraphPrepPipeline(mlir::OpPassManager &pm);

} // namespace rapid

#endif // RAPID_TRANSFORMS_PASSES_H
