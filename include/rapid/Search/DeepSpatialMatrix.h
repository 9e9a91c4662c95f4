//===- DeepSpatialMatrix.h - Work division over chips and cores ---*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// DeepSpatialMatrix: for a network on a multi-chip system, choose per layer
// how its work is divided over the chips of the 2-D torus (the parallelism
// kind: Data, Model, DataX-ModelY, ModelX-DataY, and which dimensions are
// split along which direction) and over the cores of each chip's ring, so
// that the whole network (or training step) takes the least time, counting
//  - each core's share, priced by the DeepMatrix search and waveform model;
//  - the collectives each split implies on the actual topology (feature
//    all-gathers and partial-sum reductions for model parallelism, halo
//    exchanges, the weight-gradient all-reduce of training, overlapped with
//    the layer's error back-propagation where the schedule allows);
//  - the re-layout of activations between layers whose layouts differ.
// Inter-layer selection is exact: a dynamic program over the layers in
// program order whose state is the configuration of every layer whose
// output is still to be consumed (the "frontier"). On a chain the frontier
// is one layer and this is the classic chain DP; on ResNet-style DAGs it is
// at most two (a block's input waits for the residual add), so the cost is
// polynomial: O(layers x choices^(frontier + 1)).
//
// A second exact DP over the chosen configurations decides the memory
// optimizations: which layer outputs stay in the scratchpads until their
// consumer (activation reuse; in training also the error flowing back), and
// the spatial minibatch of Dynamic Spatial Minibatching. Inference then
// pre-loads the weights of the layers that gain most into the space left.
// Chains of recurrent layers (LSTM) may instead be timestep-pipelined: each
// layer on its own group of chips, sized by its work, the groups running
// different timesteps at once.
//
// Plain C++: rapid-deep-spatial-matrix and the report are thin adapters.
// docs/deep-spatial-matrix.md gives the formulas.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SEARCH_DEEPSPATIALMATRIX_H
#define RAPID_SEARCH_DEEPSPATIALMATRIX_H

#include "rapid/CostModel/Collectives.h"
#include "rapid/Search/DeepMatrix.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <string>
#include <vector>

namespace rapid {

/// One layer of the network as DeepSpatialMatrix sees it.
struct SpatialLayer {
  std::string name;
  LayerShape shape;
  /// FWD; in training also BWD (unless it reads the model input) and UPD
  /// (when it has weights).
  std::vector<Kernel> kernels = {Kernel::FWD};
  /// SFU operations of each kernel (indexed by Kernel) for the whole layer.
  std::array<double, 3> auxOps{};
  /// The layers whose layouts this layer's inputs arrive in; indices of
  /// earlier layers. Usually the producers (reached through element-wise
  /// ops, pooling, adds and concats); for a tensor an earlier layer already
  /// read (a residual branch), that reader: the tensor lives in its layout.
  std::vector<int> preds;
  /// Elements of the tensor each edge carries (by preds index); empty: the
  /// producer's output.
  std::vector<double> predElems;
  /// An LSTM: ij counts timesteps, which depend on each other, so ij is
  /// never split, and a model-parallel split synchronizes every timestep.
  bool recurrent = false;
  int64_t timesteps = 1;
  /// Its output is a model output (never held on chip).
  bool feedsOutput = false;
  /// It has weights (a matmul of two activations has none to pre-load).
  bool hasWeights = true;
  /// Its output reaches more than one layer (through non-layer ops), even
  /// where the graph's edges name another reader as the source.
  bool sharedOutput = false;
};

struct SpatialNetwork {
  std::vector<SpatialLayer> layers;
  bool training = false;
  /// The layers reading each layer's output (filled by finalize()).
  std::vector<std::vector<int>> consumers;
  void finalize();
  /// Elements carried by the edge preds[k] -> layer i.
  double edgeElems(size_t i, size_t k) const;
};

/// A layer's work division and memory plan (#rapid.spatial).
struct SpatialConfig {
  Parallelism kind = Parallelism::Model;
  /// The (sub-)torus the layer runs on: the whole system, or a group of
  /// chips with timestep pipelining.
  int64_t chipsX = 1, chipsY = 1;
  DimTuple chipSplit{1, 1, 1, 1, 1}, coreSplit{1, 1, 1, 1, 1};
  /// Dynamic Spatial Minibatching: the core's minibatch share runs in this
  /// many sequential spatial minibatches.
  int64_t spatialMinibatch = 1;
  /// The output stays in the scratchpads for its consumer; the input comes
  /// from the producer's scratchpads; the weights are pre-loaded.
  bool holdOutput = false, inputOnChip = false, preloadWeights = false;
  /// Stage in a timestep pipeline, -1 when not pipelined.
  int pipelineStage = -1;
  /// Bytes of each core's Lx the held data takes (held input and output,
  /// every pre-loaded layer's weights): the mapping stages in the rest.
  int64_t lxReservedBytes = 0;

  int64_t coresUsed() const;
  /// Ways each dimension of the forward workload is divided per core:
  /// chip x core split, and the minibatch also by the spatial minibatch.
  DimTuple workSplit() const;
  bool operator==(const SpatialConfig &o) const;
};

/// How a chip split lies on the torus: ways along X and along Y per
/// dimension (chipSplit = waysX x waysY), derived from the kind: data
/// parallelism splits mb, along both directions (Data), X (DataX-ModelY) or
/// Y (ModelX-DataY); model parallelism takes the other direction(s), two
/// model dimensions one direction each.
struct ChipPlacement {
  DimTuple x{1, 1, 1, 1, 1}, y{1, 1, 1, 1, 1};
};
ChipPlacement chipPlacement(const SpatialConfig &c);

/// Why `c` is not a valid division of `layer` on `arch` (empty if valid):
/// splits within the (sub-)torus and chip, the kind's constraints (data
/// parallelism needs a minibatch of at least its chips), no ij split of a
/// recurrent layer, no split larger than its dimension.
std::string checkSpatialConfig(const SpatialLayer &layer, const ArchSpec &arch,
                               const SpatialConfig &c);

/// The chip-level divisions of `layer` on a chipsX x chipsY torus: for each
/// parallelism kind, every placement of the model-parallel ways over
/// {in, out, ij} (one dimension per direction at most) that is valid.
std::vector<SpatialConfig> enumerateChipSplits(const SpatialLayer &layer,
                                               int64_t chipsX, int64_t chipsY);
/// The core divisions of one chip's share: every assignment of the prime
/// factors of the core count to dimensions, each split within its extent,
/// that uses as many cores as possible.
std::vector<DimTuple> enumerateCoreSplits(const SpatialLayer &layer,
                                          const DimTuple &chipSplit,
                                          int64_t cores);

/// Communication of one layer kernel under a division, in core cycles.
struct CommCost {
  double nonOverlapped = 0; // on the critical path
  double overlappable = 0;  // may hide under the layer's BWD compute
  double chipBytes = 0;     // bytes each chip sends over torus links
  double ringBytes = 0;     // bytes each core sends on its ring
};
CommCost communication(const SpatialLayer &layer, Kernel kernel,
                       const SpatialConfig &c, const ArchSpec &arch,
                       const PrecisionConfig &pc);

/// Cycles to re-lay a tensor of `elems` elements out from the layout of
/// division `from` to that of `to` (0 when compatible); in training the
/// error flows back the same way and is counted too.
double relayoutCycles(double elems, const SpatialConfig &from,
                      const SpatialConfig &to, const ArchSpec &arch,
                      const PrecisionConfig &pc, bool training);

/// The per-core task of `kernel` of `layer` under `c` (workload share,
/// SFU share, on-chip data structures).
LayerTask spatialLayerTask(const SpatialLayer &layer, Kernel kernel,
                           const SpatialConfig &c, bool training);
/// The core model of `arch` with the cores `c` occupies sharing external
/// memory, minus the scratchpad space held data takes.
CoreModel spatialCoreModel(const SpatialLayer &layer, const ArchSpec &arch,
                           const SpatialConfig &c, const PrecisionConfig &pc);
/// Bytes of Lx each core gives to held data (input, output, weights).
int64_t heldBytesPerCore(const SpatialLayer &layer, const SpatialConfig &c,
                         const PrecisionConfig &pc);

/// The cost of one layer kernel: its cores' share (repeated per spatial
/// minibatch) and its communication.
struct KernelCost {
  Kernel kernel = Kernel::FWD;
  Mapping mapping;
  Cost core;     // already x spatialMinibatch
  CommCost comm; // per spatial minibatch where it repeats
  double commVisible = 0, commHidden = 0, commNonOverlapped = 0;
  double total() const {
    return core.total() + commVisible + commNonOverlapped;
  }
};

struct LayerPlan {
  SpatialConfig config;
  std::vector<KernelCost> kernels;
  /// Re-layout of the inputs from each producer's layout.
  double relayout = 0;
  double total() const;
};

struct SpatialStats {
  int64_t configsPriced = 0; // (layer, division) pairs priced
  int64_t searches = 0;      // DeepMatrix searches run (memoized)
  int64_t dpStates = 0;      // states of the inter-layer DPs
  double seconds = 0;
  SearchStats search;
};

struct NetworkPlan {
  std::vector<LayerPlan> layers;
  /// Cycles the timestep pipelines save over running their layers one
  /// after the other (subtracted from the sum of the layer totals).
  double pipelineOverlap = 0;
  SpatialStats stats;
  double total() const;
};

struct SpatialOptions {
  /// The per-core searches while dividing (their mappings are refined by
  /// rapid-deep-matrix afterwards).
  SearchOptions search;
  /// Divisions searched with DeepMatrix per layer, after a first ranking
  /// of all of them priced with the hand-tuned mapping: the best
  /// `coreSplitsPerConfig` core divisions of each chip division, of the
  /// `chipSplitsSearched` best chip divisions (the best of each kind
  /// always among them).
  unsigned coreSplitsPerConfig = 2;
  unsigned chipSplitsSearched = 8;
  bool activationReuse = true;
  bool dynamicSpatialMinibatching = true;
  bool weightPreload = true;
  bool timestepPipelining = true;
  /// The baseline instead: every layer data-parallel over all chips (model
  /// parallel over out where the minibatch is too small), the default core
  /// split, the hand-tuned mapping, no memory optimizations.
  bool homogeneousBaseline = false;
  /// Called with (layers done, layers) as the search progresses.
  std::function<void(size_t, size_t)> progress;
};

SearchOptions defaultSpatialSearchOptions();

/// Chooses every layer's division and memory plan. On failure, the error
/// says why and `failedLayer` (when given) is set to the layer at fault.
llvm::Expected<NetworkPlan> planNetwork(const SpatialNetwork &net,
                                        const ArchSpec &arch,
                                        const SpatialOptions &options,
                                        int *failedLayer = nullptr);

/// Prices given divisions and per-core mappings (one per kernel of each
/// layer, in the layer's kernel order): what the report shows for the IR.
NetworkPlan priceNetwork(const SpatialNetwork &net, const ArchSpec &arch,
                         const std::vector<SpatialConfig> &configs,
                         const std::vector<std::vector<Mapping>> &mappings,
                         const PrecisionConfig &pc);

//===----------------------------------------------------------------------===//
// The inter-layer dynamic program
//===----------------------------------------------------------------------===//

/// Minimize sum_i cost(i, c_i, [c_p for p in preds[i]]) over one choice c_i
/// in [0, choices[i]) per node; preds[i] are nodes < i.
struct DagProblem {
  std::vector<std::vector<int>> preds;
  std::vector<int> choices;
  std::function<double(int node, int choice, llvm::ArrayRef<int> predChoices)>
      cost;
};
/// Exact, by the frontier DP; `states` counts the DP states visited.
std::vector<int> solveDag(const DagProblem &p, double &best,
                          int64_t *states = nullptr);
/// Exact by enumeration (the oracle for small problems).
std::vector<int> bruteForceDag(const DagProblem &p, double &best);

} // namespace rapid

#endif // RAPID_SEARCH_DEEPSPATIALMATRIX_H
