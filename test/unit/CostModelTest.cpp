//===- CostModelTest.cpp - Waveform cost model ----------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/CostModel/CostModel.h"
#include "rapid/Search/DeepMatrix.h"

#include <catch2/catch.hpp>

#include <random>

using namespace rapid;

namespace {
/// A toy core whose numbers make hand computation easy: a 2x2 PE array with
/// 2 SIMD lanes per PE (4 lanes across the columns), 2 registers per PE,
/// external memory 4 B/cycle each way (8 shared), Lx<->L0 8 B/cycle, L0
/// 16 B/cycle to the array, 2 SFU ops per cycle.
CoreModel toyCore() {
  CoreModel c;
  c.rows = 2;
  c.peCols = 2;
  c.colLanes = 4;
  c.registers = 2;
  c.multiplier.fill(0);
  for (Precision p : {Precision::FP16, Precision::HFP8_143})
    c.multiplier[unsigned(p)] = p == Precision::FP16 ? 1 : 2;
  c.extReadBpc = 4;
  c.extWriteBpc = 4;
  c.extSharedBpc = 8;
  c.lxBpc = 8;
  c.l0Bpc = 16;
  c.lxBytes = 4096;
  c.l0Bytes = 512;
  c.sfuOpsPerCycle = 2;
  c.frequencyGHz = 1;
  // The hand-computed examples are of the seed's waveform.
  c.schedule = TransferSchedule::Ideal;
  return c;
}

LoopOrder order(std::initializer_list<Dim> dims) {
  LoopOrder o;
  std::copy(dims.begin(), dims.end(), o.begin());
  return o;
}

Mapping makeMapping(const Workload &w, const CoreModel &core, Dataflow df,
                    DimTuple b, DimTuple t, LoopOrder bOrder,
                    LoopOrder tOrder) {
  Mapping m;
  m.dataflow = df;
  m.n = w.dims;
  m.b = b;
  m.t = t;
  m.p = preferredP(w, df, t, core, m.precision);
  m.order = {bOrder, tOrder,
             order({Dim::Kij, Dim::In, Dim::Out, Dim::Ij, Dim::Mb})};
  return m;
}

const LoopOrder kAnyOrder = {Dim::In, Dim::Out, Dim::Ij, Dim::Mb, Dim::Kij};
} // namespace

// Hand-computed cycle counts (docs/cost-model.md gives the formulas).

TEST_CASE("hand-computed: fully connected 4x4, one tile", "[costmodel]") {
  CoreModel core = toyCore();
  LayerTask task{makeWorkload(LayerShape::fullyConnected(1, 4, 4), Kernel::FWD),
                 4};
  DimTuple n = task.workload.dims;
  Mapping m = makeMapping(task.workload, core, Dataflow::WeightStationary, n, n,
                          kAnyOrder, kAnyOrder);
  REQUIRE(checkMapping(task, core, m).empty());
  Cost c = evaluate(task, core, m);
  // PE: in over 2 rows (2 steps), out over 4 lanes; each step streams one
  // pixel. L0 feeds 2 inputs (4 B) + 4 fp32 partial sums (16 B) per cycle at
  // 16 B/cycle: 1.25 cycles per pixel. Swap 2 cycles, the first visible,
  // the second 0.75 over the stream; fill/drain 2 + 2.
  // Lx->L0: 8 B input + 32 B weights at 8 B/cycle = 5, output 8 B = 1.
  // Ext: 40 B at 4 B/cycle = 10, output 8 B = 2. MACs 16 at 8 per cycle.
  CHECK(c.macCycles == Approx(2));
  CHECK(c.underUse == Approx(0.5));
  CHECK(c.bubble == Approx(7.5));
  CHECK(c.nonOverlapped == Approx(18));
  CHECK(c.overlappedVisible == Approx(0));
  CHECK(c.aux == Approx(2));
  CHECK(c.total() == Approx(30));
  CHECK(c.extReadBytes == Approx(40));
  CHECK(c.extWriteBytes == Approx(8));
}

TEST_CASE("hand-computed: two B tiles, weights refetched, overlapped",
          "[costmodel]") {
  CoreModel core = toyCore();
  LayerTask task{makeWorkload(LayerShape::fullyConnected(4, 2, 8), Kernel::FWD),
                 0};
  REQUIRE(task.workload.dims == DimTuple{2, 8, 1, 4, 1});
  DimTuple b = {2, 4, 1, 4, 1};
  Mapping m = makeMapping(
      task.workload, core, Dataflow::WeightStationary, b, b,
      order({Dim::In, Dim::Ij, Dim::Kij, Dim::Mb, Dim::Out}), kAnyOrder);
  REQUIRE(checkMapping(task, core, m).empty());
  Cost c = evaluate(task, core, m);
  // Per B tile: PE 1 step streaming 4 batch rows at 1.25 cycles = 5;
  // bubble 2 + 4 = 6; Lx->L0 16 + 16 B in (4), 32 B out (4): 19 cycles.
  // Ext: start-up 32 B / 4 = 8; the second tile fetches 16 B of weights and
  // writes 32 B of outputs (8 cycles, hidden under 19); drain 32 B / 4 = 8.
  CHECK(c.macCycles == Approx(8));
  CHECK(c.underUse == Approx(2));
  CHECK(c.bubble == Approx(12));
  CHECK(c.nonOverlapped == Approx(32));
  CHECK(c.overlappedHidden == Approx(8));
  CHECK(c.overlappedVisible == Approx(0));
  CHECK(c.total() == Approx(54));
  CHECK(c.extReadBytes == Approx(48));
  CHECK(c.extWriteBytes == Approx(64));
}

TEST_CASE("hand-computed: conv with halo and spilled partial sums",
          "[costmodel]") {
  CoreModel core = toyCore();
  // 1x4 input, 1x3 kernel, 4 -> 4 channels, 1x2 output.
  LayerTask task{
      makeWorkload(LayerShape::conv(1, 4, 1, 4, 4, 1, 2, 1, 3, 1), Kernel::FWD),
      0};
  REQUIRE(task.workload.dims == DimTuple{4, 4, 2, 1, 3});
  // The input of 2 pixels x 3 taps spans 4 input pixels.
  CHECK(task.workload.halo.inputPixels(2, 3) == 4);
  DimTuple b = {2, 2, 2, 1, 3};
  Mapping m = makeMapping(
      task.workload, core, Dataflow::OutputStationary, b, b,
      order({Dim::In, Dim::Out, Dim::Ij, Dim::Mb, Dim::Kij}), kAnyOrder);
  REQUIRE(checkMapping(task, core, m).empty());
  Cost c = evaluate(task, core, m);
  // Per B tile: PE 1 step streaming in x kij = 6 cycles; bubble 2 + 4;
  // Lx->L0 16 + 24 B in (5); the B stage splits `in`, so even the T tile's
  // outputs are partial sums: 4 fp32 = 16 B out (2): 19 cycles.
  // Ext: the in loop outside the out loop revisits each output tile, so
  // outputs go out as fp32 partial sums (16 B) and come back (8 B on
  // average). Start-up 40 B / 4 = 10; 1 iteration advancing `in` moves
  // 48 B in and 16 out (12 cycles), 2 advancing `out` move 32 in and 16 out
  // (8 cycles each), all hidden under 19; drain 16 B / 4 = 4.
  CHECK(c.macCycles == Approx(12));
  CHECK(c.underUse == Approx(12));
  CHECK(c.bubble == Approx(24));
  CHECK(c.nonOverlapped == Approx(4 * 7 + 14));
  CHECK(c.overlappedHidden == Approx(28));
  CHECK(c.total() == Approx(90));
  CHECK(c.extReadBytes == Approx(160));
  CHECK(c.extWriteBytes == Approx(64));
  auto where = transferLocations(task.workload, m);
  CHECK(where[unsigned(DataStructure::Outp)].dim == Dim::Out);
  CHECK(where[unsigned(DataStructure::Inp)].dim == Dim::In);
  CHECK(where[unsigned(DataStructure::Inp)].level == MemLevel::Lx);
}

TEST_CASE("visible transfers when bandwidth is short", "[costmodel]") {
  CoreModel core = toyCore();
  LayerTask task{makeWorkload(LayerShape::fullyConnected(4, 2, 8), Kernel::FWD),
                 0};
  DimTuple b = {2, 4, 1, 4, 1};
  Mapping m = makeMapping(
      task.workload, core, Dataflow::WeightStationary, b, b,
      order({Dim::In, Dim::Ij, Dim::Kij, Dim::Mb, Dim::Out}), kAnyOrder);
  core.extWriteBpc = 1; // 32 B of outputs now take 32 cycles against 19
  Cost c = evaluate(task, core, m);
  CHECK(c.overlappedVisible == Approx(32 - 19));
  CHECK(c.overlappedHidden == Approx(19));
}

TEST_CASE("mapping checks name the violated limit", "[costmodel]") {
  CoreModel core = toyCore();
  LayerTask task{
      makeWorkload(LayerShape::fullyConnected(64, 64, 64), Kernel::FWD), 0};
  DimTuple n = task.workload.dims;
  Mapping m = makeMapping(task.workload, core, Dataflow::WeightStationary, n, n,
                          kAnyOrder, kAnyOrder);
  CHECK_THAT(checkMapping(task, core, m),
             Catch::Contains("bytes of Lx (double-buffered) but the core has "
                             "4096"));
  m.b = {4, 4, 1, 4, 1};
  m.t = {4, 4, 1, 8, 1};
  CHECK_THAT(checkMapping(task, core, m), Catch::Contains("P <= T <= B <= N"));
  m.precision.inp = Precision::INT2;
  m.t = m.b;
  m.p = preferredP(task.workload, m.dataflow, m.t, core, m.precision);
  CHECK_THAT(checkMapping(task, core, m),
             Catch::Contains("the PE array has no int2 x fp16 mode"));
}

namespace {
/// Random valid mappings of a layer on a core, for the invariants.
std::vector<Mapping> randomMappings(const LayerTask &task,
                                    const CoreModel &core, unsigned count,
                                    unsigned seed) {
  std::mt19937 rng(seed);
  const Workload &w = task.workload;
  std::vector<Mapping> out;
  std::vector<LoopOrder> orders;
  LoopOrder o = kAnyOrder;
  std::sort(o.begin(), o.end());
  do
    orders.push_back(o);
  while (std::next_permutation(o.begin(), o.end()));
  for (unsigned tries = 0; out.size() < count && tries < 100000; ++tries) {
    Mapping m;
    m.dataflow = static_cast<Dataflow>(rng() % 3);
    m.n = w.dims;
    for (unsigned d = 0; d < kNumDims; ++d) {
      m.b[d] = 1 + int64_t(rng() % w.dims[d]);
      m.t[d] = 1 + int64_t(rng() % m.b[d]);
    }
    m.p = preferredP(w, m.dataflow, m.t, core, m.precision);
    m.order = {orders[rng() % 120], orders[rng() % 120], orders[0]};
    if (checkMapping(task, core, m).empty())
      out.push_back(m);
  }
  return out;
}

std::vector<LayerTask> smallLayers() {
  std::vector<LayerTask> layers;
  auto conv = [&](int64_t b, int64_t c, int64_t h, int64_t o, int64_t oh,
                  int64_t k, int64_t g, int64_t s = 1) {
    LayerShape shape = LayerShape::conv(b, c, h, h, o, oh, oh, k, k, g);
    shape.strideH = shape.strideW = s;
    for (Kernel kernel : {Kernel::FWD, Kernel::UPD})
      layers.push_back({makeWorkload(shape, kernel), double(o * oh * oh * b)});
  };
  conv(1, 4, 4, 4, 2, 3, 1);
  conv(1, 3, 5, 6, 3, 3, 1);
  conv(2, 4, 3, 2, 3, 1, 1);
  conv(1, 6, 4, 6, 2, 3, 6);    // depthwise
  conv(1, 8, 4, 4, 2, 3, 2);    // grouped
  conv(2, 2, 5, 4, 2, 3, 1, 2); // strided
  conv(1, 8, 3, 3, 1, 3, 1);
  auto fc = [&](int64_t b, int64_t in, int64_t out) {
    for (Kernel kernel : {Kernel::FWD, Kernel::BWD})
      layers.push_back(
          {makeWorkload(LayerShape::fullyConnected(b, in, out), kernel),
           double(b * out)});
  };
  fc(1, 12, 10);
  fc(3, 8, 8);
  fc(5, 6, 7);
  layers.push_back(
      {makeWorkload(LayerShape::lstmGates(3, 1, 3, 2, 1), Kernel::FWD), 24});
  return layers;
}
} // namespace

TEST_CASE("invariants: utilization <= 100%, monotone in bandwidth",
          "[costmodel]") {
  CoreModel core = toyCore();
  for (const LayerTask &task : smallLayers()) {
    for (const Mapping &m : randomMappings(task, core, 50, 7)) {
      Cost c = evaluate(task, core, m);
      INFO("layer dims " << m.n[0] << "," << m.n[1] << "," << m.n[2] << ","
                         << m.n[3] << "," << m.n[4]);
      CHECK(c.utilization() <= 1.0 + 1e-12);
      CHECK(c.underUse >= -1e-9);
      CoreModel faster = core;
      faster.extReadBpc *= 2;
      faster.extWriteBpc *= 2;
      faster.extSharedBpc *= 2;
      faster.lxBpc *= 1.5;
      faster.l0Bpc *= 3;
      CHECK(evaluate(task, faster, m).total() <= c.total() + 1e-9);
    }
  }
}

TEST_CASE("invariants: time falls as the clock rises", "[costmodel]") {
  // Bytes per cycle scale with 1/f: at a higher clock the same bandwidth is
  // fewer bytes per cycle, but the time in seconds never grows.
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(static_cast<bool>(arch));
  LayerTask task{
      makeWorkload(LayerShape::conv(1, 64, 56, 56, 64, 56, 56, 3, 3, 1),
                   Kernel::FWD),
      0};
  double previous = 1e300;
  for (double ghz : {0.5, 1.0, 1.5, 3.0, 6.0}) {
    ArchSpec a = *arch;
    a.core.frequencyGHz = ghz;
    CoreModel core = CoreModel::fromArch(a);
    llvm::Expected<SearchResult> r = searchMapping(task, core, {});
    REQUIRE(static_cast<bool>(r));
    double seconds = r->best.cost.total() / (ghz * 1e9);
    CHECK(seconds <= previous * (1 + 1e-9));
    previous = seconds;
  }
}

TEST_CASE("compute-bound layers reach >= 90% on ideal bandwidth",
          "[costmodel]") {
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(static_cast<bool>(arch));
  CoreModel core = CoreModel::fromArch(*arch);
  core.extReadBpc = core.extWriteBpc = core.extSharedBpc = 1e9;
  core.lxBpc = core.l0Bpc = 1e9;
  for (LayerShape shape :
       {LayerShape::conv(1, 64, 56, 56, 64, 56, 56, 3, 3, 1),
        LayerShape::conv(1, 256, 14, 14, 256, 14, 14, 3, 3, 1),
        LayerShape::conv(8, 128, 28, 28, 128, 28, 28, 3, 3, 1),
        LayerShape::fullyConnected(64, 4096, 4096)}) {
    LayerTask task{makeWorkload(shape, Kernel::FWD), 0};
    llvm::Expected<SearchResult> r = searchMapping(task, core, {});
    REQUIRE(static_cast<bool>(r));
    INFO("in " << shape.inChannels << " out " << shape.outChannels);
    CHECK(r->best.cost.utilization() >= 0.90);
  }
}

TEST_CASE("pruned search equals exhaustive search on small layers",
          "[search]") {
  CoreModel core = toyCore();
  core.l0Bytes = 160; // small scratchpads so that capacity matters
  core.lxBytes = 400;
  std::vector<LayerTask> layers = smallLayers();
  REQUIRE(layers.size() >= 20);
  for (const LayerTask &task : layers) {
    SearchOptions pruned;
    SearchOptions full;
    full.exhaustive = true;
    full.budget = 0;
    llvm::Expected<SearchResult> a = searchMapping(task, core, pruned);
    llvm::Expected<SearchResult> b = searchMapping(task, core, full);
    REQUIRE(static_cast<bool>(a));
    REQUIRE(static_cast<bool>(b));
    const DimTuple &n = task.workload.dims;
    INFO("kernel " << stringify(task.workload.kernel).str() << " dims " << n[0]
                   << "," << n[1] << "," << n[2] << "," << n[3] << "," << n[4]);
    CHECK(a->best.cost.total() <= b->best.cost.total() * 1.01);
    CHECK(a->best.cost.total() >= b->best.cost.total() * (1 - 1e-9));
    CHECK(a->stats.evaluated < b->stats.evaluated);
    CHECK(checkMapping(task, core, a->best.mapping).empty());
  }
}

TEST_CASE("search: deterministic, beats or equals the baseline", "[search]") {
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(static_cast<bool>(arch));
  CoreModel core = CoreModel::fromArch(*arch);
  LayerTask task{
      makeWorkload(LayerShape::conv(1, 128, 28, 28, 128, 28, 28, 3, 3, 1),
                   Kernel::FWD),
      128.0 * 784};
  llvm::Expected<SearchResult> a = searchMapping(task, core, {});
  llvm::Expected<SearchResult> b = searchMapping(task, core, {});
  REQUIRE(static_cast<bool>(a));
  REQUIRE(static_cast<bool>(b));
  CHECK(a->best.cost.total() == b->best.cost.total());
  CHECK(a->best.mapping.b == b->best.mapping.b);
  CHECK(a->best.mapping.order == b->best.mapping.order);
  REQUIRE(a->baseline);
  CHECK(checkMapping(task, core, a->baseline->mapping).empty());
  CHECK(a->speedup() >= 1.0);
  for (const auto &top : a->topPerDataflow) {
    REQUIRE(!top.empty());
    for (size_t i = 1; i < top.size(); ++i)
      CHECK(top[i - 1].cost.total() <= top[i].cost.total());
  }
}

TEST_CASE("search: no mapping fits names the scratchpad", "[search]") {
  CoreModel core = toyCore();
  core.l0Bytes = 8;
  LayerTask task{makeWorkload(LayerShape::fullyConnected(1, 4, 4), Kernel::FWD),
                 0};
  llvm::Expected<SearchResult> r = searchMapping(task, core, {});
  REQUIRE_FALSE(static_cast<bool>(r));
  std::string message = llvm::toString(r.takeError());
  CHECK_THAT(message, Catch::Contains("no mapping fits"));
  CHECK_THAT(message, Catch::Contains("bytes of L0"));
}

TEST_CASE("default core split", "[search]") {
  // Weight-heavy (a big FC at batch 1): split out, each core reads 1/32 of
  // the weights and all of the small input.
  Workload fc =
      makeWorkload(LayerShape::fullyConnected(1, 4096, 4096), Kernel::FWD);
  CHECK(defaultCoreSplit(fc, 32) == DimTuple{1, 32, 1, 1, 1});
  // Activation-heavy (an early conv): split the pixels.
  Workload early = makeWorkload(
      LayerShape::conv(1, 3, 224, 224, 64, 224, 224, 3, 3, 1), Kernel::FWD);
  CHECK(defaultCoreSplit(early, 32) == DimTuple{1, 1, 32, 1, 1});
  // A dimension is never split beyond its size.
  Workload tiny =
      makeWorkload(LayerShape::fullyConnected(1, 4, 4), Kernel::FWD);
  CHECK(defaultCoreSplit(tiny, 32) == DimTuple{1, 4, 1, 1, 1});
  CHECK(defaultCoreSplit(fc, 1) == DimTuple{1, 1, 1, 1, 1});
}

TEST_CASE("fp32 runs at a quarter of the fp16 lanes unless the arch says",
          "[costmodel]") {
  // rapidc --precision fp32, the verification mode: the presets give FP32
  // no MAC rate, so the PE array emulates it (CoreModel::lanes).
  PrecisionConfig fp32;
  fp32.inp = fp32.ker = fp32.acc = Precision::FP32;
  CoreModel core = toyCore(); // 4 FP16 lanes, no FP32 rate
  CHECK(core.lanes(PrecisionConfig()) == 4);
  CHECK(core.lanes(fp32) == 1);
  CHECK(checkPrecision(core, fp32).empty());
  core.colLanes = 2; // at least one lane
  CHECK(core.lanes(fp32) == 1);
  core.colLanes = 64;
  CHECK(core.lanes(fp32) == 16);
  // An FP32 rate of the architecture's own is used as it is.
  core.multiplier[unsigned(Precision::FP32)] = 1;
  CHECK(core.lanes(fp32) == 64);
  // With an operand the array has no mode for, still refused.
  core = toyCore();
  PrecisionConfig mixed = fp32;
  mixed.inp = Precision::INT2;
  CHECK(core.lanes(mixed) == 0);
  CHECK_THAT(checkPrecision(core, mixed),
             Catch::Contains("the PE array has no int2 x fp32 mode"));
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(static_cast<bool>(arch));
  CoreModel rc = CoreModel::fromArch(*arch);
  CHECK(rc.lanes(PrecisionConfig()) == 64);
  CHECK(rc.lanes(fp32) == 16);
  // Pricing follows the lanes: the same mapping's MACs take 4x the cycles.
  LayerTask task{
      makeWorkload(LayerShape::fullyConnected(16, 64, 64), Kernel::FWD), 0};
  llvm::Expected<SearchResult> r = searchMapping(task, rc, {});
  REQUIRE(static_cast<bool>(r));
  Mapping m = r->best.mapping;
  m.precision = fp32;
  m.p = preferredP(task.workload, m.dataflow, m.t, rc, fp32);
  CHECK(evaluate(task, rc, m).macCycles ==
        Approx(4 * evaluate(task, rc, r->best.mapping).macCycles));
}

TEST_CASE("search: lowerable mappings never revisit output B tiles",
          "[search]") {
  // revisitsOutputTiles on hand-made B orders of a 400 -> 120 layer.
  Workload w =
      makeWorkload(LayerShape::fullyConnected(1, 400, 120), Kernel::FWD);
  Mapping m;
  m.n = w.dims;
  m.b = {100, 60, 1, 1, 1};
  m.order[unsigned(LoopStage::B)] = {Dim::Ij, Dim::Mb, Dim::In, Dim::Kij,
                                     Dim::Out};
  CHECK(revisitsOutputTiles(w, m)); // in (4 trips) outside out (2 trips)
  m.order[unsigned(LoopStage::B)] = {Dim::Ij, Dim::Mb, Dim::Out, Dim::In,
                                     Dim::Kij};
  CHECK_FALSE(revisitsOutputTiles(w, m));
  m.b = {400, 60, 1, 1, 1}; // one trip over in: nothing to revisit
  m.order[unsigned(LoopStage::B)] = {Dim::In, Dim::Out, Dim::Ij, Dim::Mb,
                                     Dim::Kij};
  CHECK_FALSE(revisitsOutputTiles(w, m));

  // With lowerable set, neither the best mapping nor any in the top lists
  // revisits, on small layers with tight scratchpads and on rapid-core in
  // fp32 (the LeNet-5 layer above, whose free search chose a revisiting
  // mapping when this was written; whether it does depends on the cost
  // model's figures, so that is not checked).
  CoreModel core = toyCore();
  core.l0Bytes = 160;
  core.lxBytes = 400;
  auto check = [&](const LayerTask &task, const CoreModel &c,
                   SearchOptions opt) {
    llvm::Expected<SearchResult> any = searchMapping(task, c, opt);
    opt.lowerable = true;
    llvm::Expected<SearchResult> low = searchMapping(task, c, opt);
    REQUIRE(static_cast<bool>(any));
    REQUIRE(static_cast<bool>(low));
    CHECK_FALSE(revisitsOutputTiles(task.workload, low->best.mapping));
    for (const auto &top : low->topPerDataflow)
      for (const RankedMapping &r : top)
        CHECK_FALSE(revisitsOutputTiles(task.workload, r.mapping));
    // A smaller space is never better (unless a budget cut either short).
    if (!any->stats.budgetExhausted && !low->stats.budgetExhausted)
      CHECK(low->best.cost.total() >= any->best.cost.total() * (1 - 1e-9));
    CHECK(checkMapping(task, c, low->best.mapping).empty());
  };
  for (const LayerTask &task : smallLayers())
    if (task.workload.kernel == Kernel::FWD)
      check(task, core, {});
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(static_cast<bool>(arch));
  SearchOptions fp32;
  fp32.precision.inp = fp32.precision.ker = Precision::FP32;
  check(LayerTask{w, 120}, CoreModel::fromArch(*arch), fp32);
}
