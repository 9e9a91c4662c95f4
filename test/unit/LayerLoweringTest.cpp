//===- LayerLoweringTest.cpp - Mapped layers run as ISA code --------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The lowering of convolutions and matrix products is checked by running
// its code on the functional executor and comparing every output with a
// direct evaluation: for the mappings DeepMatrix chooses, and for random
// mappings (tiles that do not divide their dimensions, T tiles that do not
// divide B, every loop order, strides, dilations, padding, depthwise
// layers) that exercise the peeled B loops and the padded T stage.
//
//===----------------------------------------------------------------------===//

#include "rapid/Backend/LayerLowering.h"
#include "rapid/Arch/ArchSpec.h"
#include "rapid/Backend/MemoryPlan.h"
#include "rapid/Backend/VectorLowering.h"
#include "rapid/Numerics/FloatFormat.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Search/DeepMatrix.h"
#include "rapid/Sim/Functional.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

using namespace rapid;
using namespace rapid::backend;

namespace {
double fp16(double x) { return numerics::round(x, numerics::kFP16); }

/// Checks that `program` (ending in halt) is well formed and encodes, and
/// runs it over `ext` on `core`'s memories; the run's counts.
sim::RunStats run(isa::CoreProgram &program, std::vector<uint8_t> &ext,
                  const CoreModel &core) {
  REQUIRE(isa::checkProgramStructure(program.code) == "");
  // The code encodes (every field in range).
  REQUIRE(bool(isa::encodeProgram(program.code)));
  sim::CoreMemories mem;
  mem.ext = &ext;
  // Scratchpads start as NaNs: code that reads stale bytes shows.
  mem.lx.assign(size_t(core.lxBytes), 0xFF);
  mem.l0.assign(size_t(core.l0Bytes), 0xFF);
  sim::RunStats stats;
  // The lazy schedule: the code must be correct by its semaphores alone.
  llvm::Error err =
      sim::runCore(program, mem, stats, 200000000, sim::Schedule::Lazy);
  if (err)
    FAIL(llvm::toString(std::move(err)));
  return stats;
}

struct Problem {
  int64_t batch, in, out, h, w; // input channels/size (unpadded)
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad = 0;
  bool depthwise = false, bias = false;
  Epilogue::Act act = Epilogue::Act::None;
  int64_t oh() const { return (h + 2 * pad - dh * (kh - 1) - 1) / sh + 1; }
  int64_t ow() const { return (w + 2 * pad - dw * (kw - 1) - 1) / sw + 1; }
  int64_t inPerGroup() const { return depthwise ? 1 : in; }
};

MappedLayer layerFor(const Problem &pb) {
  MappedLayer l;
  l.name = "conv" + std::to_string(pb.in) + "x" + std::to_string(pb.out);
  LayerShape s = LayerShape::conv(pb.batch, pb.in, pb.h + 2 * pb.pad,
                                  pb.w + 2 * pb.pad, pb.out, pb.oh(), pb.ow(),
                                  pb.kh, pb.kw, pb.depthwise ? pb.in : 1);
  s.strideH = pb.sh;
  s.strideW = pb.sw;
  s.dilationH = pb.dh;
  s.dilationW = pb.dw;
  l.workload = makeWorkload(s, Kernel::FWD);
  l.window = {pb.kh, pb.kw, pb.sh, pb.sw, pb.dh, pb.dw};
  l.depthwise = pb.depthwise;
  l.inp.shape = {pb.batch, pb.in, pb.h + 2 * pb.pad, pb.w + 2 * pb.pad};
  l.out.shape = {pb.batch, pb.out, pb.oh(), pb.ow()};
  l.epilogue.bias = pb.bias;
  l.epilogue.act = pb.act;
  l.epilogue.lo = -0.25f;
  l.epilogue.hi = 0.5f;
  return l;
}

/// Lowers `layer` with random data, runs it, and checks every output
/// against the direct evaluation (FP16 operands, exact products, the sum
/// rounded once to FP16), within an FP16 ulp and the FP32 accumulation's
/// error bound.
void runAndCheck(MappedLayer layer, const Problem &pb, const CoreModel &core,
                 std::mt19937_64 &rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  int64_t N = pb.batch, C = pb.in, O = pb.out, H = pb.h, W = pb.w;
  int64_t OH = pb.oh(), OW = pb.ow(), G = pb.inPerGroup();
  std::vector<float> x(static_cast<size_t>(N * C * H * W)),
      w(static_cast<size_t>(O * G * pb.kh * pb.kw)), b(static_cast<size_t>(O));
  for (float &v : x)
    v = float(fp16(u(rng)));
  for (float &v : w)
    v = float(fp16(u(rng)));
  for (float &v : b)
    v = float(u(rng));

  // External memory: zero word, input, padded input, weights, bias, output.
  std::vector<uint8_t> ker = packWeights(layer, w);
  std::vector<uint8_t> bias = packBias(layer, b);
  int64_t Hp = H + 2 * pb.pad, Wp = W + 2 * pb.pad;
  uint64_t plainAddr = 64;
  uint64_t paddedAddr = plainAddr + uint64_t(x.size()) * 2 + 64;
  uint64_t kerAddr = paddedAddr + uint64_t(N * C * Hp * Wp) * 2 + 64;
  uint64_t biasAddr = kerAddr + ker.size() + 64;
  uint64_t outAddr = biasAddr + bias.size() + 64;
  std::vector<uint8_t> ext(outAddr + size_t(N * O * OH * OW) * 2 + 64, 0xAB);
  std::fill(ext.begin(), ext.begin() + 4, 0);
  for (size_t i = 0; i < x.size(); ++i)
    numerics::storeElement(x[i], Precision::FP16, &ext[plainAddr + 2 * i]);
  std::copy(ker.begin(), ker.end(), ext.begin() + kerAddr);
  std::copy(bias.begin(), bias.end(), ext.begin() + biasAddr);

  ExtTensor plain;
  plain.address = plainAddr;
  plain.shape = {N, C, H, W};
  layer.inp.address = pb.pad ? paddedAddr : plainAddr;
  layer.kerAddress = kerAddr;
  layer.biasAddress = biasAddr;
  layer.out.address = outAddr;
  layer.inp.precision = layer.out.precision = Precision::FP16;

  isa::CoreProgram program;
  beginProgram(program);
  if (pb.pad)
    emitPadCopy(plain, layer.inp, pb.pad, pb.pad, 0, program);
  llvm::Error err = lowerLayer(layer, core, 0, 0, 0, program);
  INFO("layer " << layer.name);
  if (err)
    FAIL(llvm::toString(std::move(err)));
  endProgram(program);
  sim::RunStats stats = run(program, ext, core);
  // Every MAC of the workload ran (at least; padded tiles run more).
  CHECK(stats.macs >= layer.workload.macs());

  int64_t wrong = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double s = 0, magnitude = 0;
          for (int64_t g = 0; g < G; ++g)
            for (int64_t ky = 0; ky < pb.kh; ++ky)
              for (int64_t kx = 0; kx < pb.kw; ++kx) {
                int64_t c = pb.depthwise ? o : g;
                int64_t y = oy * pb.sh + ky * pb.dh - pb.pad,
                        xx = ox * pb.sw + kx * pb.dw - pb.pad;
                if (y < 0 || y >= H || xx < 0 || xx >= W)
                  continue;
                double term =
                    double(x[size_t(((n * C + c) * H + y) * W + xx)]) *
                    double(w[size_t(((o * G + g) * pb.kh + ky) * pb.kw + kx)]);
                s += term;
                magnitude += std::fabs(term);
              }
          if (pb.bias)
            s += b[size_t(o)];
          if (pb.act == Epilogue::Act::Relu)
            s = std::max(s, 0.0);
          if (pb.act == Epilogue::Act::Clip)
            s = std::clamp(s, -0.25, 0.5);
          double want = fp16(s);
          double got = numerics::loadElement(
              &ext[outAddr + size_t((((n * O + o) * OH + oy) * OW + ox) * 2)],
              Precision::FP16);
          double ulp = std::ldexp(
              1.0, std::ilogb(std::max(std::fabs(want), 6.1e-5)) - 10);
          // One FP16 ulp, plus what FP32 accumulation can lose.
          double terms = double(G * pb.kh * pb.kw + 1);
          double accumulation = terms * std::ldexp(magnitude + 1, -24);
          if (!(std::fabs(got - want) <= ulp + accumulation))
            ++wrong;
        }
  CHECK(wrong == 0);
  // Nothing beyond the output was written.
  for (size_t i = outAddr + size_t(N * O * OH * OW) * 2; i < ext.size(); ++i)
    REQUIRE(ext[i] == 0xAB);
}

CoreModel rapidCore() {
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(bool(arch));
  return CoreModel::fromArch(*arch);
}
} // namespace

TEST_CASE("layers lowered with DeepMatrix's mappings compute the layer",
          "[backend]") {
  CoreModel core = rapidCore();
  std::mt19937_64 rng(7);
  auto fc = [](int64_t batch, int64_t in, int64_t out) {
    return Problem{batch, in, out, 1, 1};
  };
  std::vector<Problem> problems = {
      fc(1, 120, 84),
      fc(4, 256, 10),
      fc(3, 100, 70),
      Problem{1, 16, 24, 7, 7},                       // 1x1 convolution
      Problem{1, 1, 6, 28, 28, 5, 5, 1, 1, 1, 1, 2},  // LeNet's first layer
      Problem{2, 8, 16, 12, 12, 3, 3, 2, 2, 1, 1, 1}, // strided, padded
      Problem{1, 12, 12, 10, 10, 3, 3, 1, 1, 1, 1, 1, true}, // depthwise
      Problem{1, 4, 8, 11, 9, 3, 2, 1, 2, 2, 1, 0},          // dilated, uneven
  };
  problems[0].bias = problems[4].bias = problems[6].bias = true;
  problems[0].act = problems[4].act = Epilogue::Act::Relu;
  problems[2].act = problems[6].act = Epilogue::Act::Clip;
  for (const Problem &pb : problems) {
    MappedLayer probe = layerFor(pb);
    llvm::Expected<SearchResult> r =
        searchMapping(LayerTask{probe.workload, 0}, core, {});
    REQUIRE(bool(r));
    probe.mapping = r->best.mapping;
    runAndCheck(probe, pb, core, rng);
  }
}

TEST_CASE("layers lowered with random mappings (uneven tiles, every loop "
          "order, strides, dilations, padding, depthwise) compute the layer",
          "[backend]") {
  CoreModel core = rapidCore();
  std::mt19937_64 rng(11);
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + int64_t(rng() % uint64_t(hi - lo + 1));
  };
  for (int trial = 0; trial < 80; ++trial) {
    Problem pb{pick(1, 3), pick(1, 12), pick(1, 12), pick(1, 9), pick(1, 9)};
    if (trial % 2 == 0) {
      pb.kh = pick(1, 3);
      pb.kw = pick(1, 3);
      pb.sh = pick(1, 2);
      pb.sw = pick(1, 2);
      pb.dh = pick(1, 2);
      pb.dw = pick(1, 2);
      pb.pad = pick(0, 2);
      pb.h = std::max(pb.h, pb.dh * (pb.kh - 1) + 1);
      pb.w = std::max(pb.w, pb.dw * (pb.kw - 1) + 1);
    }
    if (trial % 5 == 0) {
      pb.depthwise = true;
      pb.out = pb.in;
    }
    pb.bias = trial % 3 == 0;
    pb.act = Epilogue::Act(trial % 3);
    MappedLayer layer = layerFor(pb);
    Mapping &m = layer.mapping;
    m.n = layer.workload.dims;
    for (unsigned d = 0; d < kNumDims; ++d) {
      m.b[d] = pick(1, m.n[d]);
      m.t[d] = pick(1, m.b[d]);
      m.p[d] = 1;
    }
    for (auto &order : m.order) {
      order = {Dim::In, Dim::Out, Dim::Ij, Dim::Mb, Dim::Kij};
      std::shuffle(order.begin(), order.end(), rng);
    }
    m.dataflow = Dataflow(trial % 3);
    // The lowering keeps output B tiles on chip until complete: put the
    // B stage's reduction loops inside the output loops.
    auto &bOrder = m.order[unsigned(LoopStage::B)];
    std::stable_partition(bOrder.begin(), bOrder.end(),
                          [](Dim d) { return d != Dim::In && d != Dim::Kij; });
    INFO("trial " << trial);
    runAndCheck(layer, pb, core, rng);
  }
}

TEST_CASE("the layer lowering says what it does not handle", "[backend]") {
  CoreModel core = rapidCore();
  Problem pb{2, 64, 32, 1, 1};
  MappedLayer layer = layerFor(pb);
  layer.name = "fc";
  Mapping &m = layer.mapping;
  m.n = m.b = m.t = layer.workload.dims;
  m.p = {1, 1, 1, 1, 1};
  m.order.fill({Dim::Mb, Dim::Out, Dim::Ij, Dim::In, Dim::Kij});
  isa::CoreProgram program;
  // Grouped, not depthwise.
  MappedLayer grouped = layer;
  grouped.workload =
      makeWorkload(LayerShape::conv(1, 8, 6, 6, 8, 6, 6, 1, 1, 2), Kernel::FWD);
  CHECK(checkLayer(grouped) ==
        "layer 'fc': grouped convolutions are lowered only as depthwise ones "
        "(one output channel per input channel)");
  MappedLayer training = layer;
  training.workload.kernel = Kernel::BWD;
  CHECK(checkLayer(training) ==
        "layer 'fc': only inference (forward) layers are lowered so far");
  MappedLayer shapes = layer;
  shapes.out.shape[1] = 33;
  CHECK(checkLayer(shapes) ==
        "layer 'fc': the tensors' shapes do not match the workload");
  // Buffers beyond the core's Lx.
  CoreModel tiny = core;
  tiny.lxBytes = 1024;
  llvm::Error e = lowerLayer(layer, tiny, 0, 0, 0, program);
  REQUIRE(bool(e));
  CHECK_THAT(llvm::toString(std::move(e)),
             Catch::StartsWith("layer 'fc': its Lx buffers need") &&
                 Catch::EndsWith("but the core has 1024"));
  // Output B tiles revisited by a reduction loop.
  m.b[unsigned(Dim::In)] = m.t[unsigned(Dim::In)] = 16;
  m.b[unsigned(Dim::Out)] = m.t[unsigned(Dim::Out)] = 8;
  m.order[unsigned(LoopStage::B)] = {Dim::In, Dim::Mb, Dim::Out, Dim::Ij,
                                     Dim::Kij};
  e = lowerLayer(layer, core, 0, 0, 0, program);
  REQUIRE(bool(e));
  CHECK_THAT(llvm::toString(std::move(e)),
             Catch::Contains("revisits output B tiles"));
}

namespace {
float half(uint8_t *p) {
  return float(numerics::loadElement(p, Precision::FP16));
}
} // namespace

TEST_CASE("pooling lowered to gathers and SFU reductions computes the "
          "windows",
          "[backend]") {
  CoreModel core = rapidCore();
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-4, 4);
  struct Case {
    PoolLayer::Kind kind;
    int64_t n, c, h, w, k, s, pad;
    int64_t lxBytes; // small: several blocks of planes
  };
  for (Case cs : {Case{PoolLayer::Kind::Max, 1, 5, 9, 9, 3, 2, 1, 0},
                  Case{PoolLayer::Kind::Max, 2, 7, 8, 6, 2, 2, 0, 2000},
                  Case{PoolLayer::Kind::Avg, 1, 6, 7, 7, 3, 1, 0, 3000},
                  Case{PoolLayer::Kind::GlobalAvg, 2, 9, 5, 5, 5, 1, 0, 700}}) {
    CoreModel c = core;
    if (cs.lxBytes)
      c.lxBytes = cs.lxBytes;
    int64_t hp = cs.h + 2 * cs.pad, wp = cs.w + 2 * cs.pad;
    int64_t oh = (hp - cs.k) / cs.s + 1, ow = (wp - cs.k) / cs.s + 1;
    if (cs.kind == PoolLayer::Kind::GlobalAvg)
      oh = ow = 1;
    int64_t in = cs.n * cs.c * cs.h * cs.w, out = cs.n * cs.c * oh * ow;
    // ext: -inf word, input, padded input, output.
    uint64_t plainAddr = 64, padAddr = plainAddr + uint64_t(in) * 2 + 64,
             outAddr = padAddr + uint64_t(cs.n * cs.c * hp * wp) * 2 + 64;
    std::vector<uint8_t> ext(outAddr + uint64_t(out) * 2 + 64, 0xAB);
    numerics::storeElement(-INFINITY, Precision::FP16, &ext[0]);
    std::vector<float> x(static_cast<size_t>(in));
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] = float(fp16(u(rng)));
      numerics::storeElement(x[i], Precision::FP16, &ext[plainAddr + 2 * i]);
    }
    PoolLayer l;
    l.name = "pool";
    l.kind = cs.kind;
    l.window = {cs.k, cs.k, cs.s, cs.s, 1, 1};
    l.inp.shape = {cs.n, cs.c, hp, wp};
    l.inp.address = cs.pad ? padAddr : plainAddr;
    l.out.shape = {cs.n, cs.c, oh, ow};
    l.out.address = outAddr;
    isa::CoreProgram program;
    beginProgram(program);
    if (cs.pad) {
      ExtTensor plain;
      plain.address = plainAddr;
      plain.shape = {cs.n, cs.c, cs.h, cs.w};
      emitPadCopy(plain, l.inp, cs.pad, cs.pad, 0, program);
    }
    uint64_t lxEnd = 0;
    llvm::Error err = lowerPool(l, c, 0, program, &lxEnd);
    if (err)
      FAIL(llvm::toString(std::move(err)));
    // The buffers it reports fit Lx (the memory map lists them).
    CHECK(lxEnd > 0);
    CHECK(lxEnd <= uint64_t(c.lxBytes));
    endProgram(program);
    run(program, ext, c);
    int64_t wrong = 0;
    for (int64_t p = 0; p < cs.n * cs.c; ++p)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t xx = 0; xx < ow; ++xx) {
          float m = -INFINITY, s = 0;
          int64_t kh = cs.kind == PoolLayer::Kind::GlobalAvg ? cs.h : cs.k,
                  kw = cs.kind == PoolLayer::Kind::GlobalAvg ? cs.w : cs.k;
          for (int64_t ky = 0; ky < kh; ++ky)
            for (int64_t kx = 0; kx < kw; ++kx) {
              int64_t r = y * cs.s + ky - cs.pad, q = xx * cs.s + kx - cs.pad;
              float v = r < 0 || r >= cs.h || q < 0 || q >= cs.w
                            ? -INFINITY
                            : x[size_t((p * cs.h + r) * cs.w + q)];
              m = std::max(m, v);
              s += v; // FP32, in the order the SFUs add
            }
          float want = cs.kind == PoolLayer::Kind::Max
                           ? m
                           : float(fp16(s * (1.0f / float(kh * kw))));
          float got =
              half(&ext[outAddr + size_t(((p * oh + y) * ow + xx) * 2)]);
          wrong += got != want;
        }
    INFO("kind " << int(cs.kind));
    CHECK(wrong == 0);
    for (size_t i = outAddr + size_t(out) * 2; i < ext.size(); ++i)
      REQUIRE(ext[i] == 0xAB);
  }
}

TEST_CASE("elementwise layers stream through Lx in chunks", "[backend]") {
  CoreModel core = rapidCore();
  core.lxBytes = 1000; // many chunks and a remainder
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-2, 2);
  int64_t n = 1234;
  for (auto kind : {EltwiseLayer::Kind::Add, EltwiseLayer::Kind::Sub,
                    EltwiseLayer::Kind::Mul, EltwiseLayer::Kind::Max,
                    EltwiseLayer::Kind::Relu, EltwiseLayer::Kind::Clip,
                    EltwiseLayer::Kind::Convert}) {
    uint64_t aAddr = 64, bAddr = aAddr + uint64_t(n) * 2,
             outAddr = bAddr + uint64_t(n) * 2;
    std::vector<uint8_t> ext(outAddr + uint64_t(n) * 2 + 64, 0xAB);
    std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      a[size_t(i)] = float(fp16(u(rng)));
      b[size_t(i)] = float(fp16(u(rng)));
      numerics::storeElement(a[size_t(i)], Precision::FP16,
                             &ext[aAddr + 2 * i]);
      numerics::storeElement(b[size_t(i)], Precision::FP16,
                             &ext[bAddr + 2 * i]);
    }
    EltwiseLayer l;
    l.name = "eltwise";
    l.kind = kind;
    l.a.address = aAddr;
    l.b.address = bAddr;
    l.out.address = outAddr;
    l.elements = n;
    l.lo = -0.5f;
    l.hi = 1.0f;
    isa::CoreProgram program;
    beginProgram(program);
    uint64_t lxEnd = 0;
    llvm::Error err = lowerEltwise(l, core, 0, program, &lxEnd);
    CHECK(lxEnd <= uint64_t(core.lxBytes));
    if (err)
      FAIL(llvm::toString(std::move(err)));
    endProgram(program);
    run(program, ext, core);
    int64_t wrong = 0;
    for (int64_t i = 0; i < n; ++i) {
      float x = a[size_t(i)], y = b[size_t(i)], r = 0;
      switch (kind) {
      case EltwiseLayer::Kind::Add:
        r = x + y;
        break;
      case EltwiseLayer::Kind::Sub:
        r = x - y;
        break;
      case EltwiseLayer::Kind::Mul:
        r = x * y;
        break;
      case EltwiseLayer::Kind::Max:
        r = std::max(x, y);
        break;
      case EltwiseLayer::Kind::Relu:
        r = std::max(x, 0.0f);
        break;
      case EltwiseLayer::Kind::Clip:
        r = std::clamp(x, -0.5f, 1.0f);
        break;
      case EltwiseLayer::Kind::Convert:
        r = x;
        break;
      }
      wrong += half(&ext[outAddr + size_t(i) * 2]) != float(fp16(r));
    }
    INFO("kind " << int(kind));
    CHECK(wrong == 0);
    for (size_t i = outAddr + size_t(n) * 2; i < ext.size(); ++i)
      REQUIRE(ext[i] == 0xAB);
  }
}

TEST_CASE("memory plans never overlap live buffers and reuse dead ones",
          "[backend]") {
  std::mt19937_64 rng(17);
  double worst = 1;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Allocation> a;
    int steps = 1 + int(rng() % 30);
    for (int i = 0, n = 1 + int(rng() % 40); i < n; ++i) {
      int64_t first = int64_t(rng() % uint64_t(steps));
      int64_t last = first + int64_t(rng() % 4);
      a.push_back({"t" + std::to_string(i), 1 + rng() % 5000, first, last});
    }
    uint64_t end = planMemory(a, 64);
    REQUIRE(checkMemoryPlan(a, end) == "");
    for (const Allocation &x : a)
      REQUIRE(x.offset % 64 == 0);
    uint64_t bound = peakLiveBytes(a);
    REQUIRE(end >= bound);
    worst = std::max(worst, double(end) / double(bound));
  }
  // Greedy stays close to the lower bound on these.
  CHECK(worst < 2.0);
  // A chain (each tensor read by the next step only) needs two buffers.
  std::vector<Allocation> chain;
  for (int i = 0; i < 10; ++i)
    chain.push_back({"c" + std::to_string(i), 1024, i, i + 1});
  CHECK(planMemory(chain, 64) == 2048);
  // The checker names what is wrong.
  chain[1].offset = chain[0].offset;
  CHECK(checkMemoryPlan(chain, 4096) ==
        "'c1' and 'c0' share bytes while both are live");
  CHECK(checkMemoryPlan(chain, 1000) ==
        "'c0' [0, 1024) exceeds the capacity of 1000 bytes");
}

TEST_CASE("cores meet at barriers; disagreeing programs are errors", "[sim]") {
  auto program = [](uint32_t core, llvm::StringRef text) {
    llvm::Expected<std::vector<isa::Instruction>> code =
        isa::assembleProgram(text, "p.s");
    REQUIRE(bool(code));
    isa::CoreProgram p;
    p.core = core;
    p.code = *code;
    return p;
  };
  std::vector<uint8_t> ext(64, 0);
  std::vector<sim::CoreMemories> mems(2);
  std::vector<sim::CoreMemories *> ptrs;
  for (sim::CoreMemories &m : mems) {
    m.ext = &ext;
    m.lx.assign(64, 0);
    m.l0.assign(64, 0);
    ptrs.push_back(&m);
  }
  // Core 1 copies a word core 0 wrote, after the barrier.
  isa::DmaDescriptor word;
  word.elementBits = 32;
  word.dims.push_back({1, 4, 4});
  std::vector<isa::CoreProgram> ok = {
      program(0, "seti a=a1, imm=0\nsetf f=f0, bits=1065353216\n"
                 "sfu op=max, in_prec=fp32, out_prec=fp32, b_mode=scalar, "
                 "count=1, dst=a1, dst_off=0, a=a1, a_off=0, b=a0, b_off=0, "
                 "wait=none, signal=none, group=0\n"
                 "dma path=lx_to_ext, peer=self, desc=0, dst=a1, dst_off=8, "
                 "src=a1, src_off=0, wait=none, signal=none\n"
                 "barrier scope=chip, id=0\nhalt"),
      program(1, "barrier scope=chip, id=0\nseti a=a1, imm=0\n"
                 "dma path=ext_to_ext, peer=self, desc=0, dst=a1, "
                 "dst_off=16, src=a1, src_off=8, wait=none, signal=none\n"
                 "halt")};
  for (isa::CoreProgram &p : ok)
    p.dma.push_back(word);
  sim::RunStats stats;
  // Core 1 runs first up to its barrier, then core 0 up to its; both go on.
  llvm::Error e = sim::runCores(ok, ptrs, stats);
  REQUIRE_FALSE(bool(e));
  // 1.0f (0x3f800000) went Lx -> ext[8] on core 0, then ext[8] -> ext[16]
  // on core 1.
  CHECK(ext[16] == 0x00);
  CHECK(ext[18] == 0x80);
  CHECK(ext[19] == 0x3f);

  std::vector<isa::CoreProgram> mismatch = {
      program(0, "barrier scope=chip, id=0\nhalt"),
      program(1, "barrier scope=chip, id=1\nhalt")};
  e = sim::runCores(mismatch, ptrs, stats);
  REQUIRE(bool(e));
  CHECK(llvm::toString(std::move(e)) ==
        "core 1 waits at barrier 1 while core 0 waits at barrier 0: the "
        "cores' programs disagree");
  std::vector<isa::CoreProgram> deadlock = {
      program(0, "barrier scope=chip, id=3\nhalt"), program(1, "halt")};
  e = sim::runCores(deadlock, ptrs, stats);
  REQUIRE(bool(e));
  CHECK(llvm::toString(std::move(e)) ==
        "deadlock: cores wait at barrier 3, which core 1 never reaches (it "
        "halted)");
}

TEST_CASE("the lazy schedule breaks code that relies on program order",
          "[sim]") {
  // A DMA fills Lx with 2.0 (from external memory); the SFU doubles it. The
  // eager schedule runs them in program order whether or not they are
  // synchronized; the lazy one runs the SFU first unless it waits.
  auto runWith = [](llvm::StringRef sync, sim::Schedule schedule) {
    std::string text =
        "seti a=a1, imm=0\n"
        "setf f=f0, bits=1073741824\n" // 2.0
        "dma path=ext_to_lx, peer=self, desc=0, dst=a1, dst_off=0, src=a1, "
        "src_off=0, wait=none, signal=" +
        sync.str() +
        "\nsfu op=mul, in_prec=fp32, out_prec=fp32, b_mode=scalar, count=1, "
        "dst=a1, dst_off=0, a=a1, a_off=0, b=a0, b_off=0, wait=" +
        sync.str() + ", signal=none, group=0\nhalt";
    llvm::Expected<std::vector<isa::Instruction>> code =
        isa::assembleProgram(text, "p.s");
    REQUIRE(bool(code));
    isa::CoreProgram p;
    p.code = *code;
    isa::DmaDescriptor word;
    word.elementBits = 32;
    word.dims.push_back({1, 4, 4});
    p.dma.push_back(word);
    std::vector<uint8_t> ext(8, 0);
    float two = 2.0f;
    std::memcpy(ext.data(), &two, 4);
    sim::CoreMemories mem;
    mem.ext = &ext;
    mem.lx.assign(8, 0);
    mem.l0.assign(8, 0);
    sim::RunStats stats;
    llvm::Error e = sim::runCore(p, mem, stats, 0, schedule);
    REQUIRE_FALSE(bool(e));
    return float(numerics::loadElement(mem.lx.data(), Precision::FP32));
  };
  CHECK(runWith("none", sim::Schedule::Eager) == 4.0f);
  CHECK(runWith("none", sim::Schedule::Lazy) == 2.0f); // the race shows
  CHECK(runWith("s1", sim::Schedule::Eager) == 4.0f);
  CHECK(runWith("s1", sim::Schedule::Lazy) == 4.0f);
}

TEST_CASE("the fast FP32-accumulation mac gives the general path's bits",
          "[sim]") {
  // chunk = 0 takes the fast path; a chunk longer than the terms takes the
  // general one and means the same sums.
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> u(-3, 3);
  for (Precision prec : {Precision::FP16, Precision::HFP8_143}) {
    isa::CoreProgram base;
    isa::TileDescriptor t;
    t.p = {7, 3, 2, 5, 2, 3, 2}; // in, out, oy, ox, mb, ky, kx
    // A conv-like input patch (rows of 9, 7 channels) and packed weights.
    t.strides[0] = {54, 0, 9, 1, 378, 9, 1};
    t.strides[1] = {6, 42, 0, 0, 0, 2, 1};
    t.strides[2] = {0, 10, 5, 1, 30, 0, 0};
    base.tiles.push_back(t);
    std::vector<uint8_t> l0(8192);
    int64_t eb = storageBits(prec) / 8;
    for (int64_t i = 0; i < 900; ++i)
      numerics::storeElement(u(rng), prec, &l0[size_t(i * eb)]);
    for (int64_t i = 0; i < 140; ++i)
      numerics::storeElement(u(rng), prec, &l0[size_t(2048 + i * eb)]);
    for (int64_t i = 0; i < 60; ++i)
      numerics::storeElement(u(rng), Precision::FP32,
                             &l0[size_t(4096 + 4 * i)]);
    std::vector<std::vector<uint8_t>> results;
    for (int64_t chunk : {0, 4000}) {
      std::string text =
          "seti a=a1, imm=0\nseti a=a2, imm=2048\nseti a=a3, imm=4096\n"
          "mac dataflow=ws, inp_prec=" +
          stringify(prec).str() + ", ker_prec=" + stringify(prec).str() +
          ", acc_prec=fp32, chunk=" + std::to_string(chunk) +
          ", accumulate=1, tile=0, inp=a1, inp_off=0, ker=a2, ker_off=0, "
          "out=a3, out_off=0, wait=none, signal=none\nhalt";
      llvm::Expected<std::vector<isa::Instruction>> code =
          isa::assembleProgram(text, "m.s");
      REQUIRE(bool(code));
      isa::CoreProgram p = base;
      p.code = *code;
      std::vector<uint8_t> ext(8, 0);
      sim::CoreMemories mem;
      mem.ext = &ext;
      mem.lx.assign(64, 0);
      mem.l0 = l0;
      sim::RunStats stats;
      REQUIRE_FALSE(bool(sim::runCore(p, mem, stats)));
      CHECK(stats.macs == 7 * 3 * 2 * 5 * 2 * 3 * 2);
      results.push_back(mem.l0);
    }
    CHECK(results[0] == results[1]);
    CHECK(results[0] != l0); // the outputs changed
  }
}
