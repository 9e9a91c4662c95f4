//===- Report.cpp - rapid-sim's per-layer cycle report --------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Sim/Report.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cmath>

using namespace rapid;
using namespace rapid::sim;

std::vector<LayerComparison>
rapid::sim::compareLayers(const isa::ModelBinary &model,
                          const RunStats &stats) {
  std::vector<LayerComparison> rows;
  for (size_t i = 0; i < model.layers.size(); ++i) {
    const isa::LayerInfo &info = model.layers[i];
    LayerComparison r;
    r.name = info.name;
    r.macs = info.macs;
    r.predicted = info.predictedTotal();
    r.predictedTerms = info.predicted;
    if (i < stats.layers.size()) {
      const LayerStats &l = stats.layers[i];
      // Per core (the cost model prices one core's share): busy cycles
      // averaged over the cores that ran the layer.
      double cores = double(std::max<int64_t>(1, l.cores));
      r.simulated = l.cycles();
      r.pe = l.busy[unsigned(Engine::Pe)] / cores;
      r.bubble = l.bubble / cores;
      r.sfu = l.busy[unsigned(Engine::Sfu)] / cores;
      for (Engine e : {Engine::DmaExt, Engine::DmaToL0, Engine::DmaFromL0,
                       Engine::DmaRing, Engine::DmaLink})
        r.dma += l.busy[unsigned(e)] / cores;
      r.visible = std::max(0.0, r.simulated - r.pe - r.sfu);
      r.utilization = r.simulated > 0 ? l.macPeak / cores / r.simulated : 0;
      r.cores = l.cores;
      r.countedMacs = l.macs;
      r.zeroInputMacs = l.zeroInputMacs;
      r.zeroWeightMacs = l.zeroWeightMacs;
      r.skippableMacs = l.skippableMacs;
      r.skipped = l.skippedCycles / cores;
      if (!r.macs)
        r.macs = uint64_t(l.macs);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

void rapid::sim::printLayerTable(const isa::ModelBinary &model,
                                 const ArchSpec &arch, const RunStats &stats,
                                 llvm::raw_ostream &os) {
  std::vector<LayerComparison> rows = compareLayers(model, stats);
  double f = arch.core.frequencyGHz;
  os << llvm::formatv("cycles {0:F0} ({1:F4} ms at {2} GHz)\n", stats.cycles,
                      stats.cycles / (f * 1e6), f);
  if (rows.empty()) {
    os << "(model.bin has no layer marks: no per-layer table)\n";
    return;
  }
  // The sparsity columns; on a zero-skipping array also the PE cycles
  // skipping saved.
  bool skipping = arch.core.peArray.zeroSkipping;
  os << llvm::formatv("{0,-3} {1,-32} {2,11} {3,11} {4,11} {5,7} {6,5} | "
                      "{7,9} {8,8} {9,9} | {10,9} {11,9} {12,8} | {13,10} "
                      "{14,6}",
                      "#", "layer", "MACs", "predicted", "simulated", "error",
                      "util", "sim:PE", "SFU", "visible", "pred:PE", "transfer",
                      "aux", "sparse:act", "wgt");
  os << (skipping ? llvm::formatv(" {0,9}\n", "skipped").str() : "\n");
  double predSum = 0, simSum = 0, worst = 0;
  size_t priced = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const LayerComparison &r = rows[i];
    std::string name =
        r.name.size() > 32 ? "..." + r.name.substr(r.name.size() - 29) : r.name;
    std::string err = "-", pred = "-", pe = "-", transfer = "-", aux = "-";
    if (std::optional<double> e = r.error()) {
      err = llvm::formatv("{0:F1}%", 100 * *e);
      worst = std::max(worst, *e);
      predSum += r.predicted;
      simSum += r.simulated;
      ++priced;
    }
    if (r.predicted > 0) {
      using isa::CycleTerm;
      auto t = [&](CycleTerm c) { return r.predictedTerms[unsigned(c)]; };
      pred = llvm::formatv("{0:F0}", r.predicted);
      pe = llvm::formatv("{0:F0}", t(CycleTerm::Mac) + t(CycleTerm::UnderUse) +
                                       t(CycleTerm::Bubble));
      transfer = llvm::formatv("{0:F0}", t(CycleTerm::Visible) +
                                             t(CycleTerm::NonOverlapped));
      aux = llvm::formatv("{0:F0}", t(CycleTerm::Aux));
    }
    auto percent = [](std::optional<double> x) -> std::string {
      return x ? llvm::formatv("{0:F1}%", 100 * *x).str() : "-";
    };
    os << llvm::formatv("{0,-3} {1,-32} {2,11} {3,11} {4,11:F0} {5,7} "
                        "{6,4:F0}% | {7,9:F0} {8,8:F0} {9,9:F0} | {10,9} "
                        "{11,9} {12,8} | {13,10} {14,6}",
                        i, name, r.macs, pred, r.simulated, err,
                        100 * r.utilization, r.pe, r.sfu, r.visible, pe,
                        transfer, aux, percent(r.activationSparsity()),
                        percent(r.weightSparsity()));
    os << (skipping ? llvm::formatv(" {0,9:F0}\n", r.skipped).str() : "\n");
  }
  if (priced)
    os << llvm::formatv("priced layers: {0}, predicted {1:F0} cycles, "
                        "simulated {2:F0} ({3:F1}% apart); largest layer "
                        "error {4:F1}%\n",
                        priced, predSum, simSum,
                        100 * std::abs(predSum - simSum) / simSum, 100 * worst);
  if (stats.macs > 0) {
    auto pct = [&](int64_t n) { return 100 * double(n) / double(stats.macs); };
    os << llvm::formatv("sparsity: of {0} MACs, {1:F1}% with a zero input, "
                        "{2:F1}% with a zero weight, {3:F1}% with either",
                        stats.macs, pct(stats.zeroInputMacs),
                        pct(stats.zeroWeightMacs), pct(stats.skippableMacs));
    if (skipping)
      os << llvm::formatv("; zero skipping saved {0:F0} PE cycles (over all "
                          "cores)",
                          stats.skippedCycles);
    os << "\n";
  }
}

void rapid::sim::writeStatsJSON(const isa::ModelBinary &model,
                                const ArchSpec &arch, const RunStats &stats,
                                bool timed, llvm::raw_ostream &os) {
  llvm::json::Object root{
      {"arch", arch.name},
      {"instructions", stats.instructions},
      {"macs", stats.macs},
      {"dma_bytes", stats.dmaBytes},
      {"sfu_elements", stats.sfuElements},
      {"zero_input_macs", stats.zeroInputMacs},
      {"zero_weight_macs", stats.zeroWeightMacs},
      {"skippable_macs", stats.skippableMacs},
  };
  if (stats.macs > 0) {
    root["activation_sparsity"] =
        double(stats.zeroInputMacs) / double(stats.macs);
    root["weight_sparsity"] = double(stats.zeroWeightMacs) / double(stats.macs);
  }
  if (timed) {
    root["cycles"] = stats.cycles;
    root["milliseconds"] = stats.cycles / (arch.core.frequencyGHz * 1e6);
    llvm::json::Object busy;
    for (unsigned e = 0; e < kEngines; ++e)
      busy[engineName(Engine(e))] = stats.busy[e];
    root["engine_busy_cycles"] = std::move(busy);
    root["zero_skipping"] = arch.core.peArray.zeroSkipping;
    root["skipped_pe_cycles"] = stats.skippedCycles;
    llvm::json::Array layers;
    for (const LayerComparison &r : compareLayers(model, stats)) {
      llvm::json::Object l{
          {"name", r.name},
          {"macs", int64_t(r.macs)},
          {"simulated_cycles", r.simulated},
          {"pe_cycles", r.pe},
          {"bubble_cycles", r.bubble},
          {"sfu_cycles", r.sfu},
          {"dma_cycles", r.dma},
          {"visible_cycles", r.visible},
          {"mac_utilization", r.utilization},
          {"cores", r.cores},
          {"zero_input_macs", r.zeroInputMacs},
          {"zero_weight_macs", r.zeroWeightMacs},
          {"skippable_macs", r.skippableMacs},
          {"skipped_pe_cycles", r.skipped},
      };
      if (std::optional<double> a = r.activationSparsity())
        l["activation_sparsity"] = *a;
      if (std::optional<double> w = r.weightSparsity())
        l["weight_sparsity"] = *w;
      if (r.predicted > 0) {
        l["predicted_cycles"] = r.predicted;
        llvm::json::Array terms;
        for (double c : r.predictedTerms)
          terms.push_back(c);
        l["predicted_terms"] = std::move(terms);
      }
      if (std::optional<double> e = r.error())
        l["error"] = *e;
      layers.push_back(std::move(l));
    }
    root["layers"] = std::move(layers);
  }
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}
