//===- DeepMatrix.cpp - Per-core mapping search ---------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Search/DeepMatrix.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

using namespace rapid;

std::vector<Dataflow> rapid::allDataflows() {
  std::vector<Dataflow> all;
  for (unsigned i = 0; i < spellings<Dataflow>().size(); ++i)
    all.push_back(static_cast<Dataflow>(i));
  return all;
}
static unsigned idx(Dim d) { return static_cast<unsigned>(d); }
static Dim dimAt(unsigned i) { return static_cast<Dim>(i); }

/// Tile sizes tried for a dimension of extent `e`, largest first.
static std::vector<int64_t> tileCandidates(int64_t e, bool exhaustive,
                                           unsigned maxCandidates) {
  std::vector<int64_t> sizes;
  if (exhaustive) {
    for (int64_t s = e; s >= 1; --s)
      sizes.push_back(s);
    return sizes;
  }
  // The smallest size of each trip count k: ceil(e / k).
  for (int64_t k = 1; k <= e; ++k) {
    int64_t s = llvm::divideCeilSigned(e, k);
    if (sizes.empty() || sizes.back() != s)
      sizes.push_back(s);
  }
  if (sizes.size() <= maxCandidates)
    return sizes;
  // Too many: trip counts 2^j and 3 * 2^j (about 2 log2(e) sizes).
  std::vector<int64_t> subset;
  for (int64_t k = 1; k <= e; k *= 2)
    for (int64_t kk : {k, 3 * k})
      if (kk <= e)
        subset.push_back(llvm::divideCeilSigned(e, kk));
  subset.push_back(1);
  std::sort(subset.begin(), subset.end(), std::greater<int64_t>());
  subset.erase(std::unique(subset.begin(), subset.end()), subset.end());
  return subset;
}

/// Whether an ij (kij) tile of `s` consecutive pixels (taps) is a rectangle
/// of a `width`-wide output (kernel): part of a row that tiles it, or whole
/// rows. The backend stages ij and kij tiles as rectangles (oy x ox,
/// ky x kx); any other size would execute more than the linear tile the
/// cost model prices (e.g. 49 pixels of 56-wide rows: two 49-pixel pieces
/// per row).
/// The rectangular tile sizes within a rectangular tile of `e`, largest
/// first: whole rows (the row counts tileCandidates would try), then the
/// divisors of the row (of `e`, when it is part of a row).
static std::vector<int64_t> rectangleCandidates(int64_t e, int64_t width,
                                                bool exhaustive,
                                                unsigned maxCandidates) {
  std::vector<int64_t> sizes;
  int64_t part = e;
  if (e % width == 0) {
    for (int64_t rows : tileCandidates(e / width, exhaustive, maxCandidates))
      sizes.push_back(rows * width);
    part = width;
  }
  for (int64_t s = part - (part == width ? 1 : 0); s >= 1; --s)
    if (part % s == 0)
      sizes.push_back(s);
  return sizes;
}

/// Keeps the ij and kij sizes the backend stages as rectangles (oy x ox,
/// ky x kx): part of a row that tiles it, or whole rows. Any other size
/// would execute more than the linear tile the cost model prices (e.g. 49
/// pixels of 56-wide rows run as two 49-pixel pieces per row).
static void keepRectangular(const Workload &w, const DimTuple &extent,
                            const SearchOptions &opt,
                            std::array<std::vector<int64_t>, kNumDims> &cand) {
  if (!w.halo.enabled)
    return;
  for (auto [d, width] :
       {std::pair{Dim::Ij, w.halo.outW}, std::pair{Dim::Kij, w.halo.kernelW}})
    if (width > 1 &&
        (extent[idx(d)] % width == 0 || width % extent[idx(d)] == 0))
      cand[idx(d)] = rectangleCandidates(extent[idx(d)], width, opt.exhaustive,
                                         opt.maxCandidates);
}

namespace {
/// Groups of interchangeable dimensions: those indexing the same data
/// structures have the same effect wherever they sit among each other.
struct OrderClasses {
  std::vector<std::vector<Dim>> classes;

  explicit OrderClasses(const Workload &w) {
    std::vector<unsigned> signatures;
    for (unsigned d = 0; d < kNumDims; ++d) {
      unsigned sig = 0;
      for (unsigned ds = 0; ds < kNumDataStructures; ++ds)
        if (w.indexedBy[ds] & (1u << d))
          sig |= 1u << ds;
      auto it = llvm::find(signatures, sig);
      if (it == signatures.end()) {
        signatures.push_back(sig);
        classes.push_back({dimAt(d)});
      } else {
        classes[it - signatures.begin()].push_back(dimAt(d));
      }
    }
  }

  /// The loop orders worth trying for tiles `tile` of `parent`: the
  /// permutations of the classes with a loop of more than one trip; the
  /// others, irrelevant, go outermost.
  std::vector<LoopOrder> orders(const DimTuple &parent,
                                const DimTuple &tile) const {
    std::vector<unsigned> active, inactive;
    for (unsigned c = 0; c < classes.size(); ++c) {
      bool any = llvm::any_of(classes[c], [&](Dim d) {
        return llvm::divideCeilSigned(parent[idx(d)], tile[idx(d)]) > 1;
      });
      (any ? active : inactive).push_back(c);
    }
    std::vector<LoopOrder> result;
    do {
      LoopOrder order;
      unsigned pos = 0;
      for (unsigned c : inactive)
        for (Dim d : classes[c])
          order[pos++] = d;
      for (unsigned c : active)
        for (Dim d : classes[c])
          order[pos++] = d;
      result.push_back(order);
    } while (std::next_permutation(active.begin(), active.end()));
    return result;
  }
};
} // namespace

static std::vector<LoopOrder> allOrders() {
  std::vector<LoopOrder> result;
  LoopOrder o = {Dim::In, Dim::Out, Dim::Ij, Dim::Mb, Dim::Kij};
  std::sort(o.begin(), o.end());
  do
    result.push_back(o);
  while (std::next_permutation(o.begin(), o.end()));
  return result;
}

/// Calls `fn` with every tile taking one candidate per dimension, skipping
/// (and counting in `pruned`) those over `capacity`; stops when `fn`
/// returns false.
template <typename Fn>
static bool forEachTile(const std::array<std::vector<int64_t>, kNumDims> &cand,
                        const std::function<double(const DimTuple &)> &bytes,
                        double capacity, int64_t &pruned, Fn fn) {
  DimTuple tile;
  std::array<size_t, kNumDims> at{};
  for (unsigned d = 0; d < kNumDims; ++d)
    tile[d] = cand[d][0];
  while (true) {
    if (bytes(tile) <= capacity) {
      if (!fn(tile))
        return false;
    } else {
      ++pruned;
    }
    // Odometer, innermost dimension last.
    int d = kNumDims - 1;
    while (d >= 0) {
      if (++at[d] < cand[d].size()) {
        tile[d] = cand[d][at[d]];
        break;
      }
      at[d] = 0;
      tile[d] = cand[d][0];
      --d;
    }
    if (d < 0)
      return true;
  }
}

static void insertTop(std::vector<RankedMapping> &top, unsigned k,
                      const RankedMapping &r) {
  auto it =
      std::upper_bound(top.begin(), top.end(), r,
                       [](const RankedMapping &a, const RankedMapping &b) {
                         return a.cost.total() < b.cost.total();
                       });
  if (unsigned(it - top.begin()) >= k)
    return;
  top.insert(it, r);
  if (top.size() > k)
    top.pop_back();
}

/// The P stage's loop order: the stationary-stepping dimensions outermost,
/// then the array dimensions, the streamed dimensions innermost. It does not
/// change the cost (every step streams the whole T tile), so it is fixed.
static LoopOrder peOrder(const Workload &w, Dataflow df) {
  ArrayGeometry g = arrayGeometry(df, w.kernel);
  LoopOrder o;
  unsigned pos = 0;
  for (unsigned d = 0; d < kNumDims; ++d)
    if (dimAt(d) != g.row && dimAt(d) != g.col &&
        w.indexes(g.stationary, dimAt(d)))
      o[pos++] = dimAt(d);
  o[pos++] = g.row;
  o[pos++] = g.col;
  for (unsigned d = 0; d < kNumDims; ++d)
    if (dimAt(d) != g.row && dimAt(d) != g.col &&
        !w.indexes(g.stationary, dimAt(d)))
      o[pos++] = dimAt(d);
  return o;
}

static double rawSpaceSize(const Workload &w, size_t dataflows) {
  // Every B <= N, every T <= B, 120 orders per stage.
  double s = double(dataflows) * 120.0 * 120.0;
  for (int64_t n : w.dims)
    s *= double(n) * double(n + 1) / 2;
  return s;
}

bool rapid::revisitsOutputTiles(const Workload &w, const Mapping &m) {
  // The backend's test (LayerLowering) over rapid's five dimensions: a loop
  // of more than one trip over a non-output dimension placed before the last
  // such loop over an output dimension.
  bool reductionOutside = false;
  for (Dim d : m.order[unsigned(LoopStage::B)]) {
    if (llvm::divideCeilSigned(m.n[idx(d)], m.b[idx(d)]) <= 1)
      continue;
    if (!w.indexes(DataStructure::Outp, d))
      reductionOutside = true;
    else if (reductionOutside)
      return true;
  }
  return false;
}

llvm::Expected<SearchResult> rapid::searchMapping(const LayerTask &task,
                                                  const CoreModel &core,
                                                  const SearchOptions &opt) {
  auto start = std::chrono::steady_clock::now();
  const Workload &w = task.workload;
  const PrecisionConfig &pc = opt.precision;
  if (std::string why = checkPrecision(core, pc); !why.empty())
    return llvm::createStringError(why);
  SearchResult result;
  SearchStats &st = result.stats;
  st.spaceSize = rawSpaceSize(w, opt.dataflows.size());
  OrderClasses classes(w);
  std::vector<LoopOrder> every =
      opt.exhaustive ? allOrders() : std::vector<LoopOrder>();
  auto ordersFor = [&](const DimTuple &parent, const DimTuple &tile) {
    return opt.exhaustive ? every : classes.orders(parent, tile);
  };
  auto lxBytes = [&](const DimTuple &b) { return lxFootprint(w, b, pc); };
  auto l0Bytes = [&](const DimTuple &t) { return l0Footprint(w, t, pc); };
  double peak = double(core.rows * core.lanes(pc));

  // Each dataflow gets an equal share of the budget.
  int64_t parts = int64_t(std::max<size_t>(1, opt.dataflows.size()));
  int64_t share = (opt.budget + parts - 1) / parts;
  unsigned topK = std::max(1u, opt.topK);
  int64_t shareEnd = share;
  auto overBudget = [&] {
    if (opt.budget > 0 && st.evaluated >= shareEnd) {
      st.budgetExhausted = true;
      return true;
    }
    return false;
  };

  // The hand-tuned mapping, for the speedup; the search never returns worse.
  if (std::optional<Mapping> base = baselineMapping(task, core, pc)) {
    Cost c = evaluate(task, core, *base);
    result.baseline = RankedMapping{*base, c};
  }

  std::array<std::vector<int64_t>, kNumDims> candB;
  for (unsigned d = 0; d < kNumDims; ++d)
    candB[d] = tileCandidates(w.dims[d], opt.exhaustive, opt.maxCandidates);
  if (opt.lowerable)
    keepRectangular(w, w.dims, opt, candB);

  for (Dataflow df : opt.dataflows) {
    shareEnd = st.evaluated + share;
    std::vector<RankedMapping> &top =
        result.topPerDataflow[static_cast<unsigned>(df)];
    Mapping m;
    m.dataflow = df;
    m.n = w.dims;
    m.precision = pc;
    m.order[static_cast<unsigned>(LoopStage::P)] = peOrder(w, df);
    forEachTile(
        candB, lxBytes, double(core.lxBytes), st.prunedCapacity,
        [&](const DimTuple &b) {
          if (overBudget())
            return false;
          m.b = b;
          std::vector<LoopOrder> bOrders = ordersFor(w.dims, b);
          if (opt.lowerable)
            llvm::erase_if(bOrders, [&](const LoopOrder &o) {
              m.order[unsigned(LoopStage::B)] = o;
              return revisitsOutputTiles(w, m);
            });
          // Bound: the inner stage takes at least the B tile's MACs at peak.
          // Bound against this dataflow's k-th best, so that its top list
          // stays exact.
          if (!opt.exhaustive && top.size() >= topK) {
            double tileMacs = 1;
            for (int64_t x : b)
              tileMacs *= double(x);
            Cost ideal;
            ideal.underUse = tileMacs / peak;
            double lb = std::numeric_limits<double>::infinity();
            for (const LoopOrder &o : bOrders) {
              m.order[unsigned(LoopStage::B)] = o;
              ++st.evaluated;
              lb = std::min(
                  lb,
                  evaluateOuter(task, core, m, ideal, ideal.underUse).total());
            }
            if (lb >= top.back().cost.total()) {
              ++st.prunedBound;
              return true;
            }
          }
          // The best T stage for this B tile.
          std::array<std::vector<int64_t>, kNumDims> candT;
          for (unsigned d = 0; d < kNumDims; ++d)
            candT[d] = tileCandidates(b[d], opt.exhaustive, opt.maxCandidates);
          if (opt.lowerable)
            keepRectangular(w, b, opt, candT);
          double bestInner = std::numeric_limits<double>::infinity();
          Cost bestInnerCost;
          Mapping inner = m;
          bool innerGo =
              forEachTile(candT, l0Bytes, double(core.l0Bytes),
                          st.prunedCapacity, [&](const DimTuple &t) {
                            inner.t = t;
                            inner.p = preferredP(w, df, t, core, pc);
                            for (const LoopOrder &o : ordersFor(b, t)) {
                              inner.order[unsigned(LoopStage::T)] = o;
                              Cost c;
                              ++st.evaluated;
                              double cycles = evaluateInner(w, core, inner, c);
                              if (cycles < bestInner) {
                                bestInner = cycles;
                                bestInnerCost = c;
                                m.t = inner.t;
                                m.p = inner.p;
                                m.order[unsigned(LoopStage::T)] = o;
                              }
                            }
                            return !overBudget();
                          });
          if (bestInner == std::numeric_limits<double>::infinity())
            return innerGo;
          for (const LoopOrder &o : bOrders) {
            m.order[unsigned(LoopStage::B)] = o;
            ++st.evaluated;
            Cost c = evaluateOuter(task, core, m, bestInnerCost, bestInner);
            insertTop(top, topK, {m, c});
          }
          return innerGo;
        });
  }

  // The best over the dataflows (the last of equals); the baseline when
  // nothing beat it.
  const RankedMapping *best = nullptr;
  for (const auto &top : result.topPerDataflow)
    if (!top.empty() &&
        (!best || top.front().cost.total() <= best->cost.total()))
      best = &top.front();
  if (result.baseline &&
      (!best || result.baseline->cost.total() < best->cost.total()))
    best = &*result.baseline;
  if (!best) {
    std::string why = checkMapping(task, core, [&] {
      // The smallest mapping there is: unit tiles.
      Mapping m;
      m.n = w.dims;
      m.b.fill(1);
      m.t.fill(1);
      m.precision = pc;
      m.p = preferredP(w, Dataflow::WeightStationary, m.t, core, pc);
      for (auto &o : m.order)
        o = {Dim::In, Dim::Out, Dim::Ij, Dim::Mb, Dim::Kij};
      return m;
    }());
    if (why.empty())
      return llvm::createStringError(llvm::formatv(
          "the search budget ({0} evaluations) ran out before any mapping "
          "was found; raise it",
          opt.budget));
    return llvm::createStringError("no mapping fits: even unit tiles fail: " +
                                   why);
  }
  result.best = *best;
  st.kernelsOverBudget = st.budgetExhausted ? 1 : 0;
  st.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return result;
}

llvm::Expected<LstmPlan>
rapid::planLstm(int64_t steps, int64_t batch, int64_t input, int64_t hidden,
                int64_t directions, const CoreModel &core,
                const SearchOptions &options, bool handTuned) {
  SearchOptions so = options;
  so.lowerable = true;
  auto product = [&](int64_t rows, int64_t k) -> llvm::Expected<SearchResult> {
    LayerTask task{makeWorkload(LayerShape::fullyConnected(rows, k, 4 * hidden),
                                Kernel::FWD),
                   0};
    if (!handTuned)
      return searchMapping(task, core, so);
    std::optional<Mapping> m = baselineMapping(task, core, so.precision);
    if (!m)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "no hand-tuned mapping fits");
    SearchResult r;
    r.best = {*m, evaluate(task, core, *m)};
    return r;
  };
  llvm::Expected<SearchResult> x = product(steps * batch, input);
  if (!x)
    return x.takeError();
  llvm::Expected<SearchResult> h = product(batch, hidden);
  if (!h)
    return h.takeError();
  LstmPlan plan;
  plan.input = x->best.mapping;
  plan.recurrent = h->best.mapping;
  // Per direction: the input projection, then each step's product and cell
  // (the cell as auxiliary SFU work).
  Cost step = h->best.cost;
  step.aux += lstmCellCycles(core, batch, hidden, options.precision);
  plan.cost = x->best.cost;
  plan.cost += step.scaled(double(steps));
  plan.cost = plan.cost.scaled(double(directions));
  return plan;
}

std::optional<Mapping> rapid::baselineMapping(const LayerTask &task,
                                              const CoreModel &core,
                                              const PrecisionConfig &pc) {
  const Workload &w = task.workload;
  if (core.lanes(pc) == 0)
    return std::nullopt;
  Mapping m;
  m.dataflow = Dataflow::WeightStationary;
  m.n = w.dims;
  m.precision = pc;
  ArrayGeometry g = arrayGeometry(m.dataflow, w.kernel);
  auto n = [&](Dim d) { return w.dims[idx(d)]; };
  // T: the array's rows and columns, the whole window, then pixels.
  DimTuple t;
  t.fill(1);
  t[idx(g.row)] = std::min(n(g.row), core.rows);
  t[idx(g.col)] = std::min(n(g.col), core.lanes(pc));
  t[idx(Dim::Kij)] = n(Dim::Kij);
  if (l0Footprint(w, t, pc) > double(core.l0Bytes)) {
    t[idx(Dim::Kij)] = 1;
    if (l0Footprint(w, t, pc) > double(core.l0Bytes))
      return std::nullopt;
  }
  auto grow = [&](DimTuple &tile, Dim d, auto fits) {
    while (tile[idx(d)] < n(d)) {
      DimTuple next = tile;
      next[idx(d)] = std::min(n(d), 2 * tile[idx(d)]);
      if (!fits(next))
        break;
      tile = next;
    }
  };
  auto fitsL0 = [&](const DimTuple &x) {
    return l0Footprint(w, x, pc) <= double(core.l0Bytes);
  };
  auto fitsLx = [&](const DimTuple &x) {
    return lxFootprint(w, x, pc) <= double(core.lxBytes);
  };
  for (Dim d : {Dim::Ij, Dim::Mb})
    if (d != g.row && d != g.col)
      grow(t, d, fitsL0);
  DimTuple b = t;
  if (!fitsLx(b))
    return std::nullopt;
  for (Dim d : {Dim::In, Dim::Kij, Dim::Ij, Dim::Out, Dim::Mb})
    grow(b, d, fitsLx);
  m.b = b;
  m.t = t;
  m.p = preferredP(w, m.dataflow, t, core, pc);
  LoopOrder fixed = {Dim::Mb, Dim::Out, Dim::Ij, Dim::In, Dim::Kij};
  m.order[unsigned(LoopStage::B)] = fixed;
  m.order[unsigned(LoopStage::T)] = fixed;
  m.order[unsigned(LoopStage::P)] = peOrder(w, m.dataflow);
  return m;
}

std::vector<int64_t> rapid::primeFactors(int64_t n) {
  std::vector<int64_t> factors;
  for (int64_t f = 2; n > 1;) {
    if (n % f == 0) {
      factors.push_back(f);
      n /= f;
    } else {
      f = f * f > n ? n : f + 1;
    }
  }
  return factors;
}

DimTuple rapid::defaultCoreSplit(const Workload &w, int64_t cores) {
  DimTuple split;
  split.fill(1);
  // Prime factors of the core count, largest first.
  std::vector<int64_t> factors = primeFactors(cores);
  std::reverse(factors.begin(), factors.end());
  // Splitting out makes every core read all the inputs; splitting ij or mb
  // makes every core read all the weights. Each factor goes where the
  // replicated external traffic grows least (ties: out, ij, mb).
  double inp = double(w.footprint(DataStructure::Inp, w.dims));
  double ker = double(w.footprint(DataStructure::Ker, w.dims));
  auto traffic = [&](const DimTuple &s) {
    return inp * double(s[idx(Dim::Out)]) +
           ker * double(s[idx(Dim::Ij)] * s[idx(Dim::Mb)]);
  };
  for (int64_t f : factors) {
    std::optional<Dim> best;
    double bestTraffic = 0;
    for (Dim d : {Dim::Out, Dim::Ij, Dim::Mb}) {
      if (split[idx(d)] * f > w.dims[idx(d)])
        continue;
      DimTuple s = split;
      s[idx(d)] *= f;
      if (!best || traffic(s) < bestTraffic) {
        best = d;
        bestTraffic = traffic(s);
      }
    }
    if (best)
      split[idx(*best)] *= f;
  }
  return split;
}
