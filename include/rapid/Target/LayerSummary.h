//===- LayerSummary.h - Per-layer workload summary of a model ----*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// What an architect first asks of a model: its layers, their workloads in the
// {in, out, ij, mb, kij} dimensions, MACs and weight bytes. Printed as JSON by
// `rapid-translate --rapid-layer-summary` and totalled by rapidc.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_TARGET_LAYERSUMMARY_H
#define RAPID_TARGET_LAYERSUMMARY_H

#include "rapid/Support/Vocabulary.h"

#include "mlir/IR/Operation.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <vector>

namespace rapid {

struct LayerEntry {
  mlir::Operation *op;
  DimTuple workload;
  int64_t macs;
  int64_t parameters;  // elements of the constant operands (weights, biases)
  int64_t weightBytes; // the same, in bytes as stored
};

struct ModelSummary {
  std::vector<LayerEntry> layers;
  std::map<std::string, int64_t> opCounts; // every rapid op, by name
  int64_t totalMacs = 0;
  int64_t totalWeightBytes = 0;
  int64_t totalParameters = 0;
};

/// A layer's display name: its ONNX node name, else its location.
std::string layerName(mlir::Operation *op);

/// Collects the layers of every function under `root`, in program order.
ModelSummary summarizeModel(mlir::Operation *root);

/// Writes the summary as JSON.
void writeLayerSummaryJSON(const ModelSummary &summary, llvm::raw_ostream &os);

/// Writes the summary as a text table: one row per layer (name, op, workload,
/// parameters, MACs), then op counts and totals.
void printLayerTable(const ModelSummary &summary, llvm::raw_ostream &os);

/// Registers `--rapid-layer-summary` with mlir-translate's registry.
void registerLayerSummaryTranslation();

} // namespace rapid

#endif // RAPID_TARGET_LAYERSUMMARY_H
