//===- LayerSummary.cpp - Per-layer workload summary of a model -----------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Target/LayerSummary.h"
#include "rapid/Dialect/Rapid/RapidDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace rapid;

/// Bits one element occupies in memory.
static int64_t elementBits(Type type) {
  if (auto quant = dyn_cast<QuantType>(type))
    return quant.getStorage().getWidth();
  return type.getIntOrFloatBitWidth();
}

ModelSummary rapid::summarizeModel(Operation *root) {
  ModelSummary summary;
  root->walk([&](Operation *op) {
    if (op->getDialect() && isa<RapidDialect>(op->getDialect()))
      ++summary.opCounts[op->getName().getStringRef().str()];
    std::optional<DimTuple> workload = getLayerWorkload(op);
    if (!workload)
      return;
    LayerEntry entry{op, *workload, 1, 0, 0};
    for (int64_t d : *workload)
      entry.macs *= d;
    for (Value operand : op->getOperands())
      if (isa_and_nonnull<ConstantOp, QuantConstantOp>(
              operand.getDefiningOp())) {
        auto type = cast<ShapedType>(operand.getType());
        entry.parameters += type.getNumElements();
        entry.weightBytes +=
            (type.getNumElements() * elementBits(type.getElementType()) + 7) /
            8;
      }
    summary.totalMacs += entry.macs;
    summary.totalWeightBytes += entry.weightBytes;
    summary.totalParameters += entry.parameters;
    summary.layers.push_back(entry);
  });
  return summary;
}

static std::string locationString(Location loc) {
  std::string out;
  llvm::raw_string_ostream os(out);
  loc.print(os);
  return os.str();
}

std::string rapid::layerName(Operation *op) {
  Location loc = op->getLoc();
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  return locationString(loc);
}

static llvm::json::Value typeJSON(Type type) {
  auto shaped = cast<ShapedType>(type);
  std::string element;
  llvm::raw_string_ostream os(element);
  shaped.getElementType().print(os);
  return llvm::json::Object{
      {"shape", llvm::json::Array(shaped.getShape())},
      {"element", os.str()},
  };
}

void rapid::writeLayerSummaryJSON(const ModelSummary &summary,
                                  llvm::raw_ostream &os) {
  llvm::json::Array layers;
  for (const LayerEntry &entry : summary.layers) {
    llvm::json::Object workload;
    for (unsigned i = 0; i < kNumDims; ++i)
      workload[stringify(static_cast<Dim>(i))] = entry.workload[i];
    llvm::json::Array operands, results;
    for (Type t : entry.op->getOperandTypes())
      operands.push_back(typeJSON(t));
    for (Type t : entry.op->getResultTypes())
      results.push_back(typeJSON(t));
    layers.push_back(llvm::json::Object{
        {"op", entry.op->getName().getStringRef()},
        {"loc", locationString(entry.op->getLoc())},
        {"operands", std::move(operands)},
        {"results", std::move(results)},
        {"workload", std::move(workload)},
        {"macs", entry.macs},
        {"parameters", entry.parameters},
        {"weight_bytes", entry.weightBytes},
    });
  }
  llvm::json::Object counts;
  for (const auto &[name, count] : summary.opCounts)
    counts[name] = count;
  llvm::json::Value root = llvm::json::Object{
      {"layers", std::move(layers)},
      {"op_counts", std::move(counts)},
      {"total_macs", summary.totalMacs},
      {"total_parameters", summary.totalParameters},
      {"total_weight_bytes", summary.totalWeightBytes},
  };
  os << llvm::formatv("{0:2}", root) << "\n";
}

void rapid::printLayerTable(const ModelSummary &summary,
                            llvm::raw_ostream &os) {
  os << llvm::formatv("{0,-4} {1,-28} {2,-16} {3,7} {4,7} {5,8} {6,5} {7,5} "
                      "{8,12} {9,16}\n",
                      "#", "layer", "op", "in", "out", "ij", "mb", "kij",
                      "params", "MACs");
  unsigned index = 0;
  for (const LayerEntry &e : summary.layers) {
    std::string name = layerName(e.op);
    if (name.size() > 28)
      name = name.substr(0, 25) + "...";
    os << llvm::formatv("{0,-4} {1,-28} {2,-16} {3,7} {4,7} {5,8} {6,5} "
                        "{7,5} {8,12} {9,16}\n",
                        index++, name, e.op->getName().getStringRef(),
                        e.workload[0], e.workload[1], e.workload[2],
                        e.workload[3], e.workload[4], e.parameters, e.macs);
  }
  os << "op counts:";
  for (const auto &[name, count] : summary.opCounts)
    os << " " << name << " " << count << ";";
  os << "\n";
  os << llvm::formatv("total: {0} layers, {1} parameters ({2} bytes), {3} "
                      "MACs ({4:F3} G)\n",
                      summary.layers.size(), summary.totalParameters,
                      summary.totalWeightBytes, summary.totalMacs,
                      summary.totalMacs / 1e9);
}

void rapid::registerLayerSummaryTranslation() {
  TranslateFromMLIRRegistration registration(
      "rapid-layer-summary",
      "Summarize the layers of a rapid-dialect model as JSON (workload "
      "dimensions, MACs, weight bytes)",
      [](Operation *op, llvm::raw_ostream &os) {
        writeLayerSummaryJSON(summarizeModel(op), os);
        return success();
      },
      [](DialectRegistry &registry) {
        registry.insert<RapidDialect, func::FuncDialect>();
      });
}
