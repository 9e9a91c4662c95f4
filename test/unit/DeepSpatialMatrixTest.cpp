//===- DeepSpatialMatrixTest.cpp - Collectives, divisions, the DPs --------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The alpha-beta collectives against hand-computed formulas; the division
// rules (data parallelism needs a minibatch of at least the chips); the
// inter-layer DP against brute force on chains and DAGs, random and real;
// activation reuse, Dynamic Spatial Minibatching and timestep pipelining on
// cases built to need them, and never raising the predicted time.
//
//===----------------------------------------------------------------------===//

#include "rapid/Search/DeepSpatialMatrix.h"

#include <catch2/catch.hpp>

#include <random>

using namespace rapid;

namespace {
ArchSpec system(int64_t x, int64_t y, int64_t cores) {
  ArchSpec a = llvm::cantFail(loadArchSpec("deeptools-64chip"));
  a.system.chipsX = x;
  a.system.chipsY = y;
  a.chip.cores = cores;
  return a;
}

SpatialLayer layer(std::string name, LayerShape shape, bool training,
                   std::vector<int> preds) {
  SpatialLayer l;
  l.name = std::move(name);
  l.shape = shape;
  l.preds = std::move(preds);
  l.kernels = {Kernel::FWD};
  if (training) {
    if (!l.preds.empty())
      l.kernels.push_back(Kernel::BWD);
    l.kernels.push_back(Kernel::UPD);
  }
  return l;
}

/// A chain of layers, each reading the previous one.
SpatialNetwork chain(const std::vector<LayerShape> &shapes, bool training) {
  SpatialNetwork net;
  net.training = training;
  for (size_t i = 0; i < shapes.size(); ++i)
    net.layers.push_back(
        layer("L" + std::to_string(i), shapes[i], training,
              i ? std::vector<int>{int(i) - 1} : std::vector<int>{}));
  net.layers.back().feedsOutput = true;
  net.finalize();
  return net;
}

SpatialOptions fast() {
  SpatialOptions o;
  o.search = defaultSpatialSearchOptions();
  o.search.budget = 20000;
  o.activationReuse = o.dynamicSpatialMinibatching = o.weightPreload =
      o.timestepPipelining = false;
  return o;
}

double planTime(const SpatialNetwork &net, const ArchSpec &arch,
                const SpatialOptions &o) {
  llvm::Expected<NetworkPlan> p = planNetwork(net, arch, o);
  REQUIRE(bool(p));
  return p->total();
}
} // namespace

TEST_CASE("collectives match the hand-computed alpha-beta formulas", "[dsm]") {
  RingLink ring{4, 40, 1000};
  // (p-1) alpha + (p-1)/p x bytes / (2 bw)
  CHECK(ringAllGather(1e6, ring) == Approx(3000 + 0.75 * 1e6 / 80));
  CHECK(ringReduceScatter(1e6, ring) == Approx(12375));
  CHECK(ringAllReduce(1e6, ring) == Approx(24750));
  CHECK(ringAllReduce(1e6, RingLink{1, 40, 1000}) == 0);
  CHECK(ringNeighbourExchange(8000, ring) == Approx(1000 + 8000.0 / 40));

  // Asymmetric torus: X 4 chips at 60 B/cycle, Y 16 at 20.
  TorusLinks t{{4, 60, 1000}, {16, 20, 1000}};
  // X first: 2 (3 alpha + 3/4 B / 120) + 2 (15 alpha + 15/16 (B/4) / 40)
  //        = 18500 + 41718.75; Y first costs 83656.25.
  CHECK(torusAllReduce(1e6, t) == Approx(60218.75));
  TorusLinks swapped{t.y, t.x};
  CHECK(torusAllReduce(1e6, swapped) == Approx(60218.75));
  // Y first: (15 alpha + 15/16 (B/4) / 40) + (3 alpha + 3/4 B / 120).
  CHECK(torusAllGather(1e6, t) == Approx(20859.375 + 9250));
  // Per direction: (p-1) alpha + B p / (8 bw).
  CHECK(torusAllToAll(1e6, t) ==
        Approx(3000 + 1e6 * 4 / 480 + 15000 + 1e6 * 16 / 160));
  // A torus of one direction is a ring.
  TorusLinks line{{8, 40, 1000}, {1, 40, 1000}};
  CHECK(torusAllReduce(5e5, line) == Approx(ringAllReduce(5e5, line.x)));
}

TEST_CASE("layer communication is the topology's collective", "[dsm]") {
  // deeptools-64chip: 4x16 torus, 80 GB/s links at 2 GHz (40 B/cycle),
  // 500 ns per step (1000 cycles).
  ArchSpec arch = llvm::cantFail(loadArchSpec("deeptools-64chip"));
  SpatialLayer fc =
      layer("fc", LayerShape::fullyConnected(64, 1024, 1024), true, {0});
  PrecisionConfig pc; // fp16 operands, fp32 partial sums

  SpatialConfig data;
  data.kind = Parallelism::Data;
  data.chipsX = 4;
  data.chipsY = 16;
  data.chipSplit[unsigned(Dim::Mb)] = 64;
  REQUIRE(checkSpatialConfig(fc, arch, data).empty());
  // Data parallel: the 2 MB weight gradient is all-reduced over the torus:
  // 2 (3 alpha + 3/4 W / 80) + 2 (15 alpha + 15/16 (W/4) / 80).
  double w = 1024.0 * 1024 * 2;
  double expected =
      2 * (3000 + 0.75 * w / 80) + 2 * (15000 + 15.0 / 16 * (w / 4) / 80);
  CommCost upd = communication(fc, Kernel::UPD, data, arch, pc);
  CHECK(upd.overlappable == Approx(expected));
  CHECK(upd.nonOverlapped == 0);
  CHECK(communication(fc, Kernel::FWD, data, arch, pc).nonOverlapped == 0);

  SpatialConfig model = data;
  model.kind = Parallelism::Model;
  model.chipSplit = {1, 64, 1, 1, 1};
  REQUIRE(checkSpatialConfig(fc, arch, model).empty());
  // Output channels split 64 ways: every chip gathers the whole 64 x 1024
  // output, 128 KiB: (15 alpha + 15/16 (O/4) / 80) + (3 alpha + 3/4 O / 80).
  double o = 64.0 * 1024 * 2;
  CommCost fwd = communication(fc, Kernel::FWD, model, arch, pc);
  CHECK(fwd.nonOverlapped ==
        Approx(15000 + 15.0 / 16 * (o / 4) / 80 + 3000 + 0.75 * o / 80));
  // No chip holds a replica of another's weights: nothing to all-reduce.
  CHECK(communication(fc, Kernel::UPD, model, arch, pc).overlappable == 0);
  // The error back-propagation reduces the input error's fp32 partial sums.
  double e = 64.0 * 1024 * 4;
  CHECK(communication(fc, Kernel::BWD, model, arch, pc).nonOverlapped ==
        Approx(torusAllReduce(e, {{4, 40, 1000}, {16, 40, 1000}})));
}

TEST_CASE("data parallelism is never chosen when the minibatch is smaller "
          "than the chips",
          "[dsm]") {
  ArchSpec arch = llvm::cantFail(loadArchSpec("deeptools-64chip"));
  auto kinds = [&](int64_t mb) {
    unsigned mask = 0;
    SpatialLayer l = layer(
        "c", LayerShape::conv(mb, 64, 28, 28, 64, 28, 28, 3, 3, 1), true, {});
    for (const SpatialConfig &c : enumerateChipSplits(l, 4, 16)) {
      CHECK(checkSpatialConfig(l, arch, c) == "");
      mask |= 1u << unsigned(c.kind);
    }
    return mask;
  };
  unsigned data = 1u << unsigned(Parallelism::Data);
  unsigned dxmy = 1u << unsigned(Parallelism::DataXModelY);
  unsigned mxdy = 1u << unsigned(Parallelism::ModelXDataY);
  for (int64_t mb : {1, 2, 8, 63})
    CHECK_FALSE(kinds(mb) & data);
  CHECK(kinds(64) & data);
  // The hybrids split mb along one direction: 4 (X) or 16 (Y) ways.
  CHECK_FALSE(kinds(3) & (dxmy | mxdy));
  CHECK(kinds(4) & dxmy);
  CHECK_FALSE(kinds(4) & mxdy);
  CHECK(kinds(16) & mxdy);

  SpatialLayer small = layer(
      "c", LayerShape::conv(32, 64, 28, 28, 64, 28, 28, 3, 3, 1), true, {});
  SpatialConfig c;
  c.kind = Parallelism::Data;
  c.chipsX = 4;
  c.chipsY = 16;
  c.chipSplit[unsigned(Dim::Mb)] = 64;
  CHECK(checkSpatialConfig(small, arch, c) == "mb is split 64 ways but has 32");
  c.chipSplit[unsigned(Dim::Mb)] = 32;
  CHECK(checkSpatialConfig(small, arch, c) ==
        "data parallelism over 64 chips needs a minibatch of at least 64, "
        "got 32");

  // The planner on a 2x4 torus with minibatch 4 < 8 chips.
  ArchSpec sys = system(2, 4, 2);
  SpatialNetwork net =
      chain({LayerShape::conv(4, 32, 28, 28, 32, 28, 28, 3, 3, 1),
             LayerShape::conv(4, 32, 28, 28, 64, 14, 14, 3, 3, 1),
             LayerShape::fullyConnected(4, 64 * 14 * 14, 256)},
            true);
  llvm::Expected<NetworkPlan> plan = planNetwork(net, sys, fast());
  REQUIRE(bool(plan));
  for (const LayerPlan &l : plan->layers)
    CHECK(l.config.kind != Parallelism::Data);
}

namespace {
/// A random problem: unary costs and one random pairwise table per edge.
DagProblem randomProblem(std::mt19937 &rng, int n, bool skips) {
  DagProblem p;
  std::uniform_int_distribution<int> choices(1, 4);
  std::uniform_real_distribution<double> cost(0, 100);
  std::vector<std::vector<double>> unary;
  std::vector<std::vector<std::vector<std::vector<double>>>> pair;
  for (int i = 0; i < n; ++i) {
    std::vector<int> preds;
    if (i > 0)
      preds.push_back(i - 1);
    if (skips && i > 1 && rng() % 2)
      preds.insert(preds.begin(), int(rng() % (i - 1)));
    p.preds.push_back(preds);
    p.choices.push_back(choices(rng));
  }
  for (int i = 0; i < n; ++i) {
    unary.emplace_back();
    for (int c = 0; c < p.choices[i]; ++c)
      unary.back().push_back(cost(rng));
    pair.emplace_back();
    for (int q : p.preds[i]) {
      pair.back().emplace_back();
      for (int a = 0; a < p.choices[q]; ++a) {
        pair.back().back().emplace_back();
        for (int b = 0; b < p.choices[i]; ++b)
          // Some combinations infeasible, as held data with a different
          // spatial minibatch is.
          pair.back().back().back().push_back(
              rng() % 7 == 0 ? std::numeric_limits<double>::infinity()
                             : cost(rng));
      }
    }
  }
  p.cost = [unary, pair](int i, int c, llvm::ArrayRef<int> pcs) {
    double t = unary[i][c];
    for (size_t k = 0; k < pcs.size(); ++k)
      t += pair[i][k][pcs[k]][c];
    return t;
  };
  return p;
}
} // namespace

TEST_CASE("the inter-layer DP equals brute force on chains and DAGs", "[dsm]") {
  std::mt19937 rng(7);
  for (bool skips : {false, true})
    for (int trial = 0; trial < 200; ++trial) {
      int n = 1 + trial % 6 + (skips ? 1 : 0);
      DagProblem p = randomProblem(rng, n, skips);
      double dp, brute;
      std::vector<int> a = solveDag(p, dp);
      std::vector<int> b = bruteForceDag(p, brute);
      CHECK(dp == Approx(brute));
      if (brute < std::numeric_limits<double>::infinity()) {
        // The assignment returned costs what the DP says.
        double check = 0;
        for (int i = 0; i < n; ++i) {
          std::vector<int> pcs;
          for (int q : p.preds[i])
            pcs.push_back(a[q]);
          check += p.cost(i, a[i], pcs);
        }
        CHECK(check == Approx(dp));
      }
    }
}

TEST_CASE("the inter-layer DP is optimal over real divisions", "[dsm]") {
  // Six layers of a small CNN on a 2x2 torus, every chip division with the
  // default core split, priced with the hand-tuned mapping: the DP over
  // (cost + re-layout) against every combination.
  ArchSpec arch = system(2, 2, 4);
  SpatialNetwork net =
      chain({LayerShape::conv(8, 3, 32, 32, 32, 32, 32, 3, 3, 1),
             LayerShape::conv(8, 32, 32, 32, 32, 16, 16, 3, 3, 1),
             LayerShape::conv(8, 32, 16, 16, 64, 16, 16, 3, 3, 1),
             LayerShape::conv(8, 64, 16, 16, 64, 8, 8, 3, 3, 1),
             LayerShape::fullyConnected(8, 64 * 64, 128),
             LayerShape::fullyConnected(8, 128, 10)},
            false);
  PrecisionConfig pc;
  std::vector<std::vector<SpatialConfig>> cand(net.layers.size());
  std::vector<std::vector<double>> cost(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i) {
    for (SpatialConfig c : enumerateChipSplits(net.layers[i], 2, 2)) {
      c.coreSplit = enumerateCoreSplits(net.layers[i], c.chipSplit, 4).front();
      if (!checkSpatialConfig(net.layers[i], arch, c).empty())
        continue;
      LayerTask task = spatialLayerTask(net.layers[i], Kernel::FWD, c, false);
      CoreModel core = spatialCoreModel(net.layers[i], arch, c, pc);
      std::optional<Mapping> m = baselineMapping(task, core, pc);
      if (!m)
        continue;
      cand[i].push_back(c);
      cost[i].push_back(
          evaluate(task, core, *m).total() +
          communication(net.layers[i], Kernel::FWD, c, arch, pc).nonOverlapped);
    }
    REQUIRE(cand[i].size() >= 2);
  }
  DagProblem p;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    p.preds.push_back(net.layers[i].preds);
    p.choices.push_back(int(cand[i].size()));
  }
  // Re-layout per (previous choice, choice), tabulated once: the brute
  // force visits millions of combinations.
  std::vector<std::vector<std::vector<double>>> edge(net.layers.size());
  for (size_t i = 1; i < net.layers.size(); ++i)
    for (const SpatialConfig &x : cand[i - 1]) {
      edge[i].emplace_back();
      for (const SpatialConfig &y : cand[i])
        edge[i].back().push_back(
            relayoutCycles(net.edgeElems(i, 0), x, y, arch, pc, false));
    }
  p.cost = [&](int i, int c, llvm::ArrayRef<int> pcs) {
    return cost[i][c] + (pcs.empty() ? 0.0 : edge[i][pcs[0]][c]);
  };
  double dp, brute;
  std::vector<int> a = solveDag(p, dp);
  bruteForceDag(p, brute);
  CHECK(dp == Approx(brute));
  // Re-layout matters here: some adjacent choices differ in layout, and
  // the DP's choice is not simply each layer's cheapest division.
  bool relayoutSeen = false;
  for (size_t i = 1; i < net.layers.size(); ++i)
    for (const std::vector<double> &row : edge[i])
      for (double v : row)
        relayoutSeen |= v > 0;
  CHECK(relayoutSeen);
  INFO("brute force combinations: " << [&] {
    double n = 1;
    for (const auto &c : cand)
      n *= double(c.size());
    return n;
  }());
  CHECK(a.size() == net.layers.size());
}

TEST_CASE("activation reuse lowers the time of an activation-bound chain and "
          "never raises it",
          "[dsm]") {
  // One chip of 8 cores sharing 205 GB/s of external bandwidth; 1x1
  // convolutions of 16 channels over 56x56 pixels move far more
  // activations than they compute.
  ArchSpec arch = system(1, 1, 8);
  LayerShape pointwise = LayerShape::conv(1, 16, 56, 56, 16, 56, 56, 1, 1, 1);
  SpatialNetwork net =
      chain({pointwise, pointwise, pointwise, pointwise}, false);
  SpatialOptions off = fast();
  SpatialOptions on = off;
  on.activationReuse = true;
  llvm::Expected<NetworkPlan> with = planNetwork(net, arch, on);
  REQUIRE(bool(with));
  double without = planTime(net, arch, off);
  CHECK(with->total() < 0.9 * without);
  int held = 0;
  for (const LayerPlan &l : with->layers)
    held += l.config.holdOutput;
  CHECK(held >= 1);
  CHECK(with->layers[1].config.inputOnChip ==
        with->layers[0].config.holdOutput);

  // A tensor with a second reader stays in external memory: layer 0's
  // output (through a relu) is read by layer 1 and, through a residual
  // add, by layer 3, whose edge names layer 1 (the first reader) as the
  // source.
  SpatialNetwork branch = net;
  branch.layers[3].preds = {2, 1};
  branch.finalize();
  llvm::Expected<NetworkPlan> open = planNetwork(branch, arch, on);
  REQUIRE(bool(open));
  CHECK(open->layers[0].config.holdOutput); // the graph alone allows it
  branch.layers[0].sharedOutput = true;
  llvm::Expected<NetworkPlan> shared = planNetwork(branch, arch, on);
  REQUIRE(bool(shared));
  CHECK_FALSE(shared->layers[0].config.holdOutput);
  CHECK_FALSE(shared->layers[1].config.inputOnChip);

  // Never higher, on networks where it may not help.
  for (int64_t ch : {8, 64, 256}) {
    LayerShape s = LayerShape::conv(2, ch, 14, 14, ch, 14, 14, 3, 3, 1);
    for (bool training : {false, true}) {
      SpatialNetwork n = chain({s, s, s}, training);
      CHECK(planTime(n, arch, on) <= planTime(n, arch, off) * (1 + 1e-12));
    }
  }
}

TEST_CASE("Dynamic Spatial Minibatching lowers the time where activations "
          "only fit per spatial minibatch and never raises it",
          "[dsm]") {
  // Training at minibatch 64 on one 8-core chip: a core's share of a
  // layer's activations (at least 8 samples x 32 x 56 x 56 x 2 bytes =
  // 1.6 MB) exceeds its 1 MB scratchpad, so nothing can be held on chip
  // unless the minibatch is split into spatial minibatches.
  ArchSpec arch = system(1, 1, 8);
  LayerShape pointwise = LayerShape::conv(64, 32, 56, 56, 32, 56, 56, 1, 1, 1);
  SpatialNetwork net =
      chain({pointwise, pointwise, pointwise, pointwise}, true);
  SpatialOptions reuse = fast();
  reuse.activationReuse = true;
  SpatialOptions dysm = reuse;
  dysm.dynamicSpatialMinibatching = true;
  llvm::Expected<NetworkPlan> with = planNetwork(net, arch, dysm);
  REQUIRE(bool(with));
  double without = planTime(net, arch, reuse);
  CHECK(with->total() < 0.8 * without);
  int64_t split = 1;
  bool held = false;
  for (const LayerPlan &l : with->layers) {
    split = std::max(split, l.config.spatialMinibatch);
    held |= l.config.holdOutput;
  }
  CHECK(split > 1);
  CHECK(held);

  for (int64_t mb : {4, 16}) {
    LayerShape s = LayerShape::conv(mb, 32, 28, 28, 32, 28, 28, 3, 3, 1);
    SpatialNetwork n = chain({s, s, s}, true);
    CHECK(planTime(n, arch, dysm) <= planTime(n, arch, reuse) * (1 + 1e-12));
  }
}

TEST_CASE("timestep pipelining runs a deep LSTM's layers on their own chips "
          "at once",
          "[dsm]") {
  // Four LSTM layers (hidden 1024, 32 timesteps, minibatch 8) on a 2x4
  // torus: each layer alone synchronizes its chips every timestep; as a
  // pipeline every layer has its own chips and works on another timestep.
  ArchSpec arch = system(2, 4, 8);
  SpatialNetwork net;
  for (int i = 0; i < 4; ++i) {
    SpatialLayer l = layer("lstm" + std::to_string(i),
                           LayerShape::lstmGates(32, 8, 1024, 1024, 1), false,
                           i ? std::vector<int>{i - 1} : std::vector<int>{});
    l.recurrent = true;
    l.timesteps = 32;
    net.layers.push_back(l);
  }
  net.finalize();
  SpatialOptions off = fast();
  SpatialOptions on = off;
  on.timestepPipelining = true;
  llvm::Expected<NetworkPlan> piped = planNetwork(net, arch, on);
  REQUIRE(bool(piped));
  double sequential = planTime(net, arch, off);
  CHECK(piped->total() < 0.8 * sequential);
  CHECK(piped->pipelineOverlap > 0);
  int64_t chips = 0;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const SpatialConfig &c = piped->layers[i].config;
    CHECK(c.pipelineStage == int(i));
    CHECK(c.chipSplit[unsigned(Dim::Ij)] == 1);
    chips += c.chipsX * c.chipsY;
  }
  CHECK(chips <= arch.numChips());
}
