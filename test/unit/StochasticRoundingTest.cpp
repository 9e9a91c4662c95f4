//===- StochasticRoundingTest.cpp - Seeded stochastic rounding ------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// numerics::RandomStream and the simulator's stochastic rounding
// (sim::RunOptions::rounding): the random bits are a pure function of their
// key, stochastic rounding is unbiased, and a run's bytes depend on the seed
// only: not on the schedule (eager or lazy) nor on the kernel threads; with
// rounding to nearest the results are those of the plain runCore.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ISA.h"
#include "rapid/Numerics/FloatFormat.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Numerics/Random.h"
#include "rapid/Sim/Functional.h"
#include "rapid/Sim/Kernels.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <vector>

using namespace rapid;
using numerics::RandomStream;

TEST_CASE("RandomStream is a pure function of its key", "[numerics]") {
  RandomStream a(7), b(7);
  for (uint64_t i = 0; i < 100; ++i)
    CHECK(a.derive(3).derive(i).at(5) == b.derive(3).derive(i).at(5));
  // Different seeds, key words, key orders and counters give different
  // words (no collisions among a few thousand).
  std::set<uint64_t> seen;
  for (uint64_t seed = 0; seed < 4; ++seed)
    for (uint64_t k = 0; k < 16; ++k)
      for (uint64_t i = 0; i < 64; ++i)
        seen.insert(RandomStream(seed).derive(k).at(i));
  CHECK(seen.size() == 4 * 16 * 64);
  CHECK(RandomStream(1).derive(2).derive(3).at(0) !=
        RandomStream(1).derive(3).derive(2).at(0));
  // The top bits (those encode uses) are uniform: the mean of 2^-64 x is
  // 1/2 within a few standard errors (1/sqrt(12 n)).
  double sum = 0;
  const int n = 200000;
  RandomStream s = RandomStream(42).derive(1);
  for (int i = 0; i < n; ++i)
    sum += std::ldexp(double(s.at(uint64_t(i))), -64);
  CHECK(std::fabs(sum / n - 0.5) < 5 / std::sqrt(12.0 * n));
}

TEST_CASE("stochastic rounding to FP16 and HFP8 is unbiased", "[numerics]") {
  struct Case {
    const numerics::FloatFormat *format;
    Precision precision;
    double lo, spacing;
  };
  // Neighbours 1 and 1 + 2^-10 in FP16; 1 and 1 + 2^-3 in HFP8 1-4-3; a
  // negative and a subnormal pair.
  for (Case c : {Case{&numerics::kFP16, Precision::FP16, 1.0, 0x1p-10},
                 Case{&numerics::kFP16, Precision::FP16, -3.0, -0x1p-9},
                 Case{&numerics::kFP16, Precision::FP16, 0x1p-20, 0x1p-24},
                 Case{&numerics::kHFP8_143, Precision::HFP8_143, 1.0, 0.125}})
    for (double fraction : {0.3, 0.5, 0.77}) {
      double x = c.lo + fraction * c.spacing;
      RandomStream s = RandomStream(9).derive(uint64_t(fraction * 100));
      const int n = 100000;
      double sum = 0;
      int up = 0;
      for (int i = 0; i < n; ++i) {
        uint32_t bits = numerics::toStorage(
            x, c.precision, numerics::Rounding::Stochastic, s.at(uint64_t(i)));
        double r = numerics::fromStorage(bits, c.precision);
        // Always one of the two neighbours.
        REQUIRE((r == c.lo || r == c.lo + c.spacing));
        up += r != c.lo;
        sum += r;
      }
      INFO(c.format->name << " x " << x);
      // The mean is x within 5 standard errors of the Bernoulli mean:
      // spacing * sqrt(f (1 - f) / n).
      double sigma =
          std::fabs(c.spacing) * std::sqrt(fraction * (1 - fraction) / n);
      CHECK(std::fabs(sum / n - x) < 5 * sigma);
      CHECK(std::fabs(double(up) / n - fraction) < 0.01);
    }
  // Values a format holds exactly never move; nearest rounding is the
  // plain toStorage.
  RandomStream s(3);
  for (uint64_t i = 0; i < 1000; ++i) {
    CHECK(numerics::toStorage(1.5, Precision::FP16,
                              numerics::Rounding::Stochastic, s.at(i)) ==
          numerics::toStorage(1.5, Precision::FP16));
    CHECK(numerics::toStorage(0.1 * double(i), Precision::FP16,
                              numerics::Rounding::NearestEven, s.at(i)) ==
          numerics::toStorage(0.1 * double(i), Precision::FP16));
  }
}

namespace {
/// A mac accumulating in FP16 (the general path: every product and sum
/// rounded) and an SFU scaling FP32 values into FP16, issued together three
/// times in a loop and waited for together, so that the lazy schedule runs
/// them in the other order (the SFU, issued last, first). Returns L0 and Lx
/// after the run.
struct Machine {
  isa::CoreProgram program;
  std::vector<uint8_t> l0, lx;
  static constexpr int kIn = 24, kOut = 16, kSfu = 200;
  static constexpr int64_t kInp = 0, kKer = 64, kOutAt = 1024;
  static constexpr int64_t kSrc = 0, kDst = 1024;

  explicit Machine(const std::string &accPrecision = "fp16") {
    isa::TileDescriptor tile;
    tile.p = {kIn, kOut, 1, 1, 1, 1, 1};
    tile.strides[0] = {1, 0, 0, 0, 0, 0, 0};
    tile.strides[1] = {1, kIn, 0, 0, 0, 0, 0};
    tile.strides[2] = {0, 1, 0, 0, 0, 0, 0};
    program.tiles.push_back(tile);
    float third = 1.0f / 3.0f;
    uint32_t thirdBits;
    std::memcpy(&thirdBits, &third, 4);
    std::string text =
        "seti a=a1, imm=" + std::to_string(kInp) +
        "\nseti a=a2, imm=" + std::to_string(kKer) +
        "\nseti a=a3, imm=" + std::to_string(kOutAt) +
        "\nseti a=a4, imm=" + std::to_string(kSrc) +
        "\nseti a=a5, imm=" + std::to_string(kDst) +
        "\nsetf f=f0, bits=" + std::to_string(thirdBits) +
        "\nloop count=3, body=3"
        "\nmac dataflow=os, inp_prec=fp16, ker_prec=fp16, acc_prec=" +
        accPrecision +
        ", chunk=0, accumulate=1, tile=0, inp=a1, inp_off=0, ker=a2, "
        "ker_off=0, out=a3, out_off=0, wait=none, signal=s1"
        "\nsfu op=mul, in_prec=fp32, out_prec=fp16, b_mode=scalar, count=" +
        std::to_string(kSfu) +
        ", dst=a5, dst_off=0, a=a4, a_off=0, b=a0, b_off=0, wait=none, "
        "signal=s1, group=0"
        "\nsem.wait sem=s1, count=2"
        "\nhalt";
    llvm::Expected<std::vector<isa::Instruction>> code =
        isa::assembleProgram(text, "stochastic.s");
    REQUIRE(bool(code));
    program.code = *code;
    std::mt19937 rng(5);
    std::normal_distribution<double> normal(0, 1);
    l0.assign(4096, 0);
    lx.assign(4096, 0);
    for (int i = 0; i < kIn; ++i)
      numerics::storeElement(normal(rng), Precision::FP16,
                             &l0[size_t(kInp + 2 * i)]);
    for (int i = 0; i < kIn * kOut; ++i)
      numerics::storeElement(normal(rng), Precision::FP16,
                             &l0[size_t(kKer + 2 * i)]);
    for (int i = 0; i < kSfu; ++i)
      numerics::storeElement(normal(rng), Precision::FP32,
                             &lx[size_t(kSrc + 4 * i)]);
  }

  std::vector<uint8_t> run(const sim::RunOptions &options) const {
    std::vector<uint8_t> ext(64, 0);
    sim::CoreMemories mem;
    mem.ext = &ext;
    mem.l0 = l0;
    mem.lx = lx;
    sim::RunStats stats;
    std::vector<sim::CoreMemories *> mems = {&mem};
    llvm::Error e = sim::runCores(program, mems, stats, options);
    REQUIRE_FALSE(bool(e));
    std::vector<uint8_t> out = mem.l0;
    out.insert(out.end(), mem.lx.begin(), mem.lx.end());
    return out;
  }
};

sim::RunOptions stochastic(uint64_t seed, sim::Schedule schedule) {
  sim::RunOptions o;
  o.rounding = numerics::Rounding::Stochastic;
  o.seed = seed;
  o.schedule = schedule;
  return o;
}
} // namespace

TEST_CASE("stochastic rounding in the simulator depends on the seed only",
          "[sim]") {
  Machine m;
  std::vector<uint8_t> reference = m.run(stochastic(1, sim::Schedule::Eager));
  for (auto schedule : {sim::Schedule::Eager, sim::Schedule::Lazy})
    for (unsigned threads : {1u, 2u}) {
      sim::setKernelThreads(threads);
      INFO("lazy " << (schedule == sim::Schedule::Lazy) << ", threads "
                   << threads);
      CHECK(m.run(stochastic(1, schedule)) == reference);
    }
  sim::setKernelThreads(1);
  // Another seed moves some of the roundings (the mac's 16 sums of 24
  // rounded products, three times over, and the SFU's 200 results).
  std::vector<uint8_t> other = m.run(stochastic(2, sim::Schedule::Lazy));
  CHECK(other != reference);
  size_t differ = 0;
  for (size_t i = 0; i < other.size(); ++i)
    differ += other[i] != reference[i];
  CHECK(differ > 20);
  // Rounding to nearest (the default) is runCore's result exactly, under
  // either schedule, and differs from the stochastic one.
  sim::RunOptions nearest;
  nearest.seed = 1;
  std::vector<uint8_t> plain = m.run(nearest);
  nearest.schedule = sim::Schedule::Lazy;
  CHECK(m.run(nearest) == plain);
  CHECK(plain != reference);
  {
    std::vector<uint8_t> ext(64, 0);
    sim::CoreMemories mem;
    mem.ext = &ext;
    mem.l0 = m.l0;
    mem.lx = m.lx;
    sim::RunStats stats;
    REQUIRE_FALSE(bool(sim::runCore(m.program, mem, stats)));
    std::vector<uint8_t> legacy = mem.l0;
    legacy.insert(legacy.end(), mem.lx.begin(), mem.lx.end());
    CHECK(legacy == plain);
  }
  // The stochastic results stay close to the nearest ones: each SFU result
  // within one FP16 spacing.
  for (int i = 0; i < Machine::kSfu; ++i) {
    size_t at = m.l0.size() + size_t(Machine::kDst + 2 * i);
    double s = numerics::loadElement(&reference[at], Precision::FP16);
    double n = numerics::loadElement(&plain[at], Precision::FP16);
    CHECK(std::fabs(s - n) <= std::ldexp(std::fabs(n), -10) + 1e-7);
  }
}

TEST_CASE("FP32 accumulation is unaffected by stochastic rounding", "[sim]") {
  // The FP32-accumulating mac (the fast kernels) stores FP32: only the
  // SFU's FP16 results move with the seed.
  Machine m("fp32");
  std::vector<uint8_t> nearest = m.run(sim::RunOptions());
  for (unsigned threads : {1u, 2u}) {
    sim::setKernelThreads(threads);
    std::vector<uint8_t> s = m.run(stochastic(4, sim::Schedule::Lazy));
    CHECK(
        std::equal(nearest.begin(), nearest.begin() + m.l0.size(), s.begin()));
    CHECK(s != nearest);
    CHECK(s == m.run(stochastic(4, sim::Schedule::Eager)));
  }
  sim::setKernelThreads(1);
}
