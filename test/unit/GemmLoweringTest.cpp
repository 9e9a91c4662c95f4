//===- GemmLoweringTest.cpp - Mapped GEMM layers run as ISA code ----------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The lowering of GEMM-form layers is checked by running its code on the
// functional executor and comparing every output with a direct evaluation:
// for the mappings DeepMatrix chooses, and for random mappings (tiles that
// do not divide their dimensions, T tiles that do not divide B, every loop
// order) that exercise the peeled B loops and the padded T stage.
//
//===----------------------------------------------------------------------===//

#include "rapid/Backend/GemmLowering.h"
#include "rapid/Arch/ArchSpec.h"
#include "rapid/Numerics/FloatFormat.h"
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

struct Problem {
  int64_t batch, in, out, pixels; // pixels > 1: a 1x1 convolution (NCHW)
  bool bias;
  Epilogue::Act act;
};

/// Lowers `layer` with random data, runs it, and checks every output
/// against the direct evaluation (FP16 operands, exact products, the sum
/// rounded once to FP16), within an FP16 ulp and the FP32 accumulation's
/// error bound.
void runAndCheck(GemmLayer layer, const Problem &pb, const CoreModel &core,
                 std::mt19937_64 &rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  int64_t M = pb.batch, K = pb.in, N = pb.out, P = pb.pixels;
  std::vector<float> x(static_cast<size_t>(M * K * P)),
      w(static_cast<size_t>(N * K)), b(static_cast<size_t>(N));
  for (float &v : x)
    v = float(fp16(u(rng)));
  for (float &v : w)
    v = float(fp16(u(rng)));
  for (float &v : b)
    v = float(u(rng));

  // External memory: zero word, input, weights, bias, output.
  uint64_t inpAddr = 64, kerAddr = inpAddr + uint64_t(x.size()) * 2 + 64;
  std::vector<uint8_t> ker = packGemmWeights(layer, w);
  std::vector<uint8_t> bias = packGemmBias(layer, b);
  uint64_t biasAddr = kerAddr + ker.size() + 64;
  uint64_t outAddr = biasAddr + bias.size() + 64;
  std::vector<uint8_t> ext(outAddr + size_t(M * N * P) * 2 + 64, 0xAB);
  std::fill(ext.begin(), ext.begin() + 4, 0);
  for (size_t i = 0; i < x.size(); ++i)
    sim::storeElement(x[i], Precision::FP16, &ext[inpAddr + 2 * i]);
  std::copy(ker.begin(), ker.end(), ext.begin() + kerAddr);
  std::copy(bias.begin(), bias.end(), ext.begin() + biasAddr);

  layer.inp.address = inpAddr;
  layer.kerAddress = kerAddr;
  layer.biasAddress = biasAddr;
  layer.out.address = outAddr;
  layer.inp.precision = layer.out.precision = Precision::FP16;
  if (P > 1) { // NCHW: [mb][in][ij] and [mb][out][ij]
    layer.inp.strides = {P, 0, 1, K * P, 0};
    layer.out.strides = {0, P, 1, N * P, 0};
  } else { // [mb][in] and [mb][out]
    layer.inp.strides = {1, 0, 0, K, 0};
    layer.out.strides = {0, 1, 0, N, 0};
  }

  isa::CoreProgram program;
  beginProgram(program);
  llvm::Error err = lowerGemmLayer(layer, core, 0, 0, 0, program);
  INFO("layer " << layer.name);
  if (err)
    FAIL(llvm::toString(std::move(err)));
  endProgram(program);
  REQUIRE(isa::checkProgramStructure(program.code) == "");
  // The code encodes (every field in range).
  REQUIRE(bool(isa::encodeProgram(program.code)));

  sim::CoreMemories mem;
  mem.ext = &ext;
  mem.lx.assign(size_t(core.lxBytes), 0xCD);
  mem.l0.assign(size_t(core.l0Bytes), 0xCD);
  sim::RunStats stats;
  llvm::Error run = sim::runCore(program, mem, stats, 200000000);
  if (run)
    FAIL(llvm::toString(std::move(run)));
  // Every MAC of the workload ran (at least; padded tiles run more).
  CHECK(stats.macs >= M * K * N * P);

  int64_t wrong = 0;
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t p = 0; p < P; ++p) {
        double s = 0, magnitude = 0;
        for (int64_t k = 0; k < K; ++k) {
          double term = double(x[size_t((m * K + k) * P + p)]) *
                        double(w[size_t(n * K + k)]);
          s += term;
          magnitude += std::fabs(term);
        }
        if (pb.bias)
          s += b[size_t(n)];
        if (pb.act == Epilogue::Act::Relu)
          s = std::max(s, 0.0);
        if (pb.act == Epilogue::Act::Clip)
          s = std::clamp(s, double(layer.epilogue.lo),
                         double(layer.epilogue.hi));
        double want = fp16(s);
        double got = sim::loadElement(
            &ext[outAddr + size_t(((m * N + n) * P + p) * 2)], Precision::FP16);
        double ulp =
            std::ldexp(1.0, std::ilogb(std::max(std::fabs(want), 6.1e-5)) - 10);
        // One FP16 ulp, plus what FP32 accumulation can lose (K roundings
        // of at most 2^-24 of the running magnitude, and the bias add).
        double accumulation = double(K + 1) * std::ldexp(magnitude + 1, -24);
        if (!(std::fabs(got - want) <= ulp + accumulation))
          ++wrong;
      }
  CHECK(wrong == 0);
  // Nothing beyond the output was written.
  for (size_t i = outAddr + size_t(M * N * P) * 2; i < ext.size(); ++i)
    REQUIRE(ext[i] == 0xAB);
}

GemmLayer layerFor(const Problem &pb, const Mapping &m) {
  GemmLayer layer;
  layer.name = "fc" + std::to_string(pb.in) + "x" + std::to_string(pb.out);
  layer.workload = makeWorkload(
      pb.pixels > 1 ? LayerShape::conv(pb.batch, pb.in, 1, pb.pixels, pb.out, 1,
                                       pb.pixels, 1, 1, 1)
                    : LayerShape::fullyConnected(pb.batch, pb.in, pb.out),
      Kernel::FWD);
  layer.mapping = m;
  layer.epilogue.bias = pb.bias;
  layer.epilogue.act = pb.act;
  layer.epilogue.lo = -0.25f;
  layer.epilogue.hi = 0.5f;
  return layer;
}
} // namespace

TEST_CASE("GEMM layers lowered with DeepMatrix's mappings compute the "
          "product",
          "[backend]") {
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(bool(arch));
  CoreModel core = CoreModel::fromArch(*arch);
  std::mt19937_64 rng(7);
  std::vector<Problem> problems = {
      {1, 120, 84, 1, true, Epilogue::Act::Relu},
      {4, 256, 10, 1, true, Epilogue::Act::None},
      {3, 100, 70, 1, false, Epilogue::Act::Clip},
      {1, 16, 24, 49, true, Epilogue::Act::Relu},
      {2, 32, 48, 100, false, Epilogue::Act::None},
  };
  for (const Problem &pb : problems) {
    GemmLayer probe = layerFor(pb, {});
    LayerTask task{probe.workload, 0};
    llvm::Expected<SearchResult> r = searchMapping(task, core, {});
    REQUIRE(bool(r));
    runAndCheck(layerFor(pb, r->best.mapping), pb, core, rng);
  }
}

TEST_CASE("GEMM layers lowered with random mappings (uneven tiles, every "
          "loop order) compute the product",
          "[backend]") {
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(bool(arch));
  CoreModel core = CoreModel::fromArch(*arch);
  std::mt19937_64 rng(11);
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + int64_t(rng() % uint64_t(hi - lo + 1));
  };
  for (int trial = 0; trial < 60; ++trial) {
    Problem pb{pick(1, 5),     pick(1, 40),
               pick(1, 40),    trial % 3 == 0 ? pick(2, 30) : 1,
               trial % 2 == 0, Epilogue::Act(trial % 3)};
    GemmLayer layer = layerFor(pb, {});
    Mapping m;
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
    // B stage's reduction loop inside the output loops.
    auto &bOrder = m.order[unsigned(LoopStage::B)];
    std::stable_partition(bOrder.begin(), bOrder.end(),
                          [](Dim d) { return d != Dim::In && d != Dim::Kij; });
    layer.mapping = m;
    INFO("trial " << trial);
    runAndCheck(layer, pb, core, rng);
  }
}

TEST_CASE("the GEMM lowering says what it does not handle", "[backend]") {
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(bool(arch));
  CoreModel core = CoreModel::fromArch(*arch);
  Problem pb{2, 64, 32, 1, false, Epilogue::Act::None};
  GemmLayer layer = layerFor(pb, {});
  Mapping m;
  m.n = m.b = m.t = layer.workload.dims;
  m.p = {1, 1, 1, 1, 1};
  m.order.fill({Dim::Mb, Dim::Out, Dim::Ij, Dim::In, Dim::Kij});
  layer.mapping = m;
  layer.name = "fc";
  isa::CoreProgram program;
  // A convolution window.
  GemmLayer conv = layer;
  conv.workload =
      makeWorkload(LayerShape::conv(1, 3, 8, 8, 4, 6, 6, 3, 3, 1), Kernel::FWD);
  CHECK(checkGemmLayer(conv) ==
        "layer 'fc': only plain matrix products (no kernel window, no "
        "groups, inference) are lowered so far");
  // Buffers beyond the core's Lx.
  CoreModel tiny = core;
  tiny.lxBytes = 1024;
  llvm::Error e = lowerGemmLayer(layer, tiny, 0, 0, 0, program);
  REQUIRE(bool(e));
  CHECK_THAT(llvm::toString(std::move(e)),
             Catch::StartsWith("layer 'fc': its Lx buffers need") &&
                 Catch::EndsWith("but the core has 1024"));
  // Output B tiles revisited by a reduction loop.
  layer.mapping.b[unsigned(Dim::In)] = 16;
  layer.mapping.t[unsigned(Dim::In)] = 16;
  layer.mapping.order[unsigned(LoopStage::B)] = {Dim::In, Dim::Mb, Dim::Out,
                                                 Dim::Ij, Dim::Kij};
  layer.mapping.b[unsigned(Dim::Out)] = 8;
  layer.mapping.t[unsigned(Dim::Out)] = 8;
  e = lowerGemmLayer(layer, core, 0, 0, 0, program);
  REQUIRE(bool(e));
  CHECK_THAT(llvm::toString(std::move(e)),
             Catch::Contains("revisits output B tiles"));
}
