//===- DeepMatrix.h - Per-core mapping search ---------------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// DeepMatrix: for one layer kernel on one core, search the design space
// (dataflow, B and T staging tiles, loop order per stage; P follows the
// dataflow) for the mapping the waveform cost model prices lowest, and
// compare it with the hand-tuned mapping a library would ship.
//
// The pruned search explores every redundant configuration once:
//  - work balance: of the tile sizes giving the same trip count only the
//    smallest (ceil(E / k)) is kept, since every cost term is non-decreasing
//    in the tile size at a fixed trip count;
//  - loop orders: dimensions indexing the same data structures are
//    interchangeable, and loops of one trip are irrelevant, so only the
//    permutations of the non-trivial classes are tried (at most 6 for the
//    usual conv/matmul classes);
//  - the T stage does not depend on the B loop order, so the best T stage
//    of a B tile is found once and shared by every B order;
//  - capacity: tiles whose double-buffered footprint exceeds Lx or L0;
//  - bound: a B tile whose cost with an ideal inner stage (its MACs at
//    peak) cannot beat the best found so far is skipped.
// Large dimensions keep a geometric subset of their balanced sizes
// (maxCandidates). The exhaustive search drops all of that (every tile size,
// all 120 orders per stage) and is the oracle for the pruned one on small
// layers. Both are deterministic.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SEARCH_DEEPMATRIX_H
#define RAPID_SEARCH_DEEPMATRIX_H

#include "rapid/CostModel/CostModel.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace rapid {

/// The three dataflows, in declaration order.
std::vector<Dataflow> allDataflows();

struct SearchOptions {
  std::vector<Dataflow> dataflows = allDataflows();
  PrecisionConfig precision;
  /// Configurations kept per dataflow, best first.
  unsigned topK = 3;
  /// Cost-model evaluations allowed for one layer kernel (0: unlimited).
  /// When reached the search stops and returns the best found so far.
  int64_t budget = 4000000;
  /// A dimension with more balanced tile sizes than this keeps those of trip
  /// counts 2^j and 3 x 2^j only (pruned search).
  unsigned maxCandidates = 12;
  /// Every tile size and loop order, no pruning (the oracle; small layers).
  bool exhaustive = false;
  /// Only mappings the backend lowers (rapid-lower-to-isa): no B-stage loop
  /// order that revisits an output B tile, i.e. no loop of more than one
  /// trip over a dimension that does not index the output (a reduction)
  /// outside the innermost such loop over one that does; partial sums would
  /// wait in external memory between visits (revisitsOutputTiles).
  bool lowerable = false;
};

/// Whether the B stage of `m` revisits output B tiles on `w` (see
/// SearchOptions::lowerable).
bool revisitsOutputTiles(const Workload &w, const Mapping &m);

struct SearchStats {
  /// Configurations in the raw design space (all tile sizes and orders).
  double spaceSize = 0;
  /// B tiles over Lx or T tiles over L0 capacity, and B tiles cut by the
  /// lower bound.
  int64_t prunedCapacity = 0, prunedBound = 0;
  /// Cost-model evaluations (T-stage and B-stage).
  int64_t evaluated = 0;
  double seconds = 0;
  bool budgetExhausted = false;
  /// Layer kernels whose search stopped at the budget.
  int64_t kernelsOverBudget = 0;

  void add(const SearchStats &o) {
    spaceSize += o.spaceSize;
    prunedCapacity += o.prunedCapacity;
    prunedBound += o.prunedBound;
    evaluated += o.evaluated;
    seconds += o.seconds;
    budgetExhausted |= o.budgetExhausted;
    kernelsOverBudget += o.kernelsOverBudget;
  }
};

struct RankedMapping {
  Mapping mapping;
  Cost cost;
};

struct SearchResult {
  RankedMapping best;
  /// Best configurations of each dataflow searched, best first.
  std::vector<RankedMapping> topPerDataflow[3];
  /// The hand-tuned mapping (see baselineMapping); absent when its fixed
  /// rule finds no tile that fits.
  std::optional<RankedMapping> baseline;
  SearchStats stats;

  /// Baseline cycles over best cycles (1 without a baseline).
  double speedup() const {
    return baseline ? baseline->cost.total() / best.cost.total() : 1.0;
  }
};

/// Searches the mapping of `task` on `core`. Fails, saying why, when no
/// mapping fits (e.g. the smallest tile exceeds a scratchpad).
llvm::Expected<SearchResult> searchMapping(const LayerTask &task,
                                           const CoreModel &core,
                                           const SearchOptions &options);

/// An LSTM layer (`steps` timesteps, `batch`, `input` features, `hidden`
/// units, `directions`) as rapid's backend runs it on one core
/// (docs/backend.md): per direction the input projection of every timestep
/// as one matrix product (steps x batch rows, input -> 4 hidden), then per
/// timestep the recurrent product (batch rows, hidden -> 4 hidden) and the
/// cell on the SFUs (lstmCellCycles). The products' mappings are searched
/// (lowerable), or with `handTuned` are baselineMapping's (the report's
/// baseline); `cost` prices the whole sequence.
struct LstmPlan {
  Mapping input, recurrent;
  Cost cost;
};
llvm::Expected<LstmPlan> planLstm(int64_t steps, int64_t batch, int64_t input,
                                  int64_t hidden, int64_t directions,
                                  const CoreModel &core,
                                  const SearchOptions &options,
                                  bool handTuned = false);

/// The hand-tuned homogeneous mapping a kernel library would ship:
/// weight-stationary, T filling the array's rows and columns with the whole
/// kernel window and as many pixels as fit L0, B grown from T dimension by
/// dimension (in, kij, ij, out, mb; doubling) while it fits Lx, and the fixed
/// loop order [mb, out, ij, in, kij] in both stages (partial sums stay on
/// chip). std::nullopt when even its smallest tile does not fit.
std::optional<Mapping> baselineMapping(const LayerTask &task,
                                       const CoreModel &core,
                                       const PrecisionConfig &precision);

/// How a layer's workload is divided over the `cores` of one chip when no
/// spatial mapping chose it: by prime factors of the core count (largest
/// first), each given to out, ij or mb, whichever adds the least replicated
/// external traffic (an out split makes every core read all the inputs, an
/// ij or mb split all the weights), while a dimension stays at least as
/// large as its split. Returns the split per dimension.
DimTuple defaultCoreSplit(const Workload &w, int64_t cores);

/// The prime factors of n with multiplicity, ascending (none for n <= 1).
std::vector<int64_t> primeFactors(int64_t n);

} // namespace rapid

#endif // RAPID_SEARCH_DEEPMATRIX_H
