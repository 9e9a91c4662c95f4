//===- SimFp16AccTest.cpp - rapid-sim's FP16-accumulating mac ------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// macs accumulating in FP16 or DLFloat16 to nearest even take a fast path
// (sim::macNarrow: operands decoded once, roundings by a bit trick, lanes
// over outputs) that must give the bytes of the general loop (readElement
// and numerics::round per product and per sum). Checked here: roundNarrow
// against numerics::round over every FP16 pattern, midpoints and random
// doubles; and random tiles (shapes, strides of either sign and zero,
// coinciding outputs, operand bytes with extremes, subnormals, NaNs and
// infinities, chunks, accumulate on and off) run through both paths, with
// the scalar and the AVX2 kernels, compared byte for byte along with the
// MAC and zero-operand counts.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ModelBinary.h"
#include "rapid/Numerics/FloatFormat.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Sim/Functional.h"
#include "rapid/Sim/Kernels.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

using namespace rapid;

namespace {
uint64_t bitsOf(double x) {
  uint64_t b;
  std::memcpy(&b, &x, 8);
  return b;
}

/// roundNarrow(x, p) is numerics::round(x, p's format) (NaN for NaN).
bool sameRounding(double x, Precision p) {
  double want = numerics::round(x, *numerics::floatFormat(p));
  double got = sim::roundNarrow(x, p);
  if (std::isnan(want))
    return std::isnan(got);
  return bitsOf(want) == bitsOf(got);
}
} // namespace

TEST_CASE("roundNarrow rounds like numerics::round", "[sim-fp16acc]") {
  std::mt19937_64 rng(7);
  for (Precision p : {Precision::FP16, Precision::DLFloat16}) {
    const numerics::FloatFormat &f = *numerics::floatFormat(p);
    INFO(f.name);
    int64_t bad = 0;
    auto check = [&](double x) {
      if (!sameRounding(x, p) && ++bad <= 5)
        FAIL_CHECK("x = " << x << " (bits " << bitsOf(x) << ")");
    };
    // Every pattern, its neighbours in double, and the midpoints between
    // consecutive patterns (and their neighbours).
    for (uint32_t b = 0; b < 65536; ++b) {
      double v = numerics::decode(b, f);
      check(v);
      if (!std::isfinite(v))
        continue;
      check(std::nextafter(v, INFINITY));
      check(std::nextafter(v, -INFINITY));
      double next = numerics::decode(b + 1 < 65536 ? b + 1 : b, f);
      if (std::isfinite(next) && std::signbit(next) == std::signbit(v)) {
        double mid = (v + next) / 2;
        check(mid);
        check(std::nextafter(mid, INFINITY));
        check(std::nextafter(mid, -INFINITY));
      }
    }
    const double specials[] = {0.0,
                               -0.0,
                               double(INFINITY),
                               -double(INFINITY),
                               double(NAN),
                               -double(NAN),
                               4.9e-324,
                               -4.9e-324,
                               2.2250738585072014e-308,
                               1.7976931348623157e308,
                               -1.7976931348623157e308,
                               65504.0,
                               65519.999,
                               65520.0,
                               -65520.0,
                               65536.0,
                               0x1p-25,
                               0x1p-24,
                               0x1.8p-25,
                               -0x1p-25,
                               0x1p-31,
                               0x1p-32,
                               f.minSubnormal() / 2,
                               -f.minSubnormal() / 2,
                               f.maxFinite(),
                               std::nextafter(f.maxFinite(), 1e300),
                               0x1p33,
                               0x1p34,
                               0x1p40,
                               0x1p41,
                               1e300};
    for (double x : specials)
      check(x);
    // Random doubles over the formats' range and beyond.
    std::uniform_int_distribution<int> exponent(-70, 45);
    std::uniform_real_distribution<double> mantissa(1, 2);
    for (int i = 0; i < 2000000; ++i) {
      double x = std::ldexp(mantissa(rng), exponent(rng));
      check(i % 2 ? -x : x);
    }
    CHECK(bad == 0);
  }
}

namespace {
enum { In, Out, Oy, Ox, Mb, Ky, Kx };

/// Random operand bytes of precision `p` (whole bytes), in one of a few
/// regimes: any pattern; moderate magnitudes; tiny ones (subnormal sums);
/// huge ones (overflowing sums); with the specials sprinkled in.
void fillOperand(std::mt19937_64 &rng, uint8_t *bytes, int64_t n, Precision p,
                 int regime) {
  int64_t eb = storageBits(p) / 8;
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> normal(0, 1);
  for (int64_t i = 0; i < n; ++i) {
    uint8_t *at = bytes + i * eb;
    double pick = unit(rng);
    if (regime == 0 || pick < 0.02) { // any pattern
      for (int64_t k = 0; k < eb; ++k)
        at[k] = uint8_t(rng());
      continue;
    }
    if (pick < 0.08) { // zeros of either sign
      numerics::storeElement(pick < 0.05 ? 0.0 : -0.0, p, at);
      continue;
    }
    double scale = regime == 1   ? 1.0
                   : regime == 2 ? 0x1p-12
                   : regime == 3 ? 0x1p7
                                 : std::ldexp(1.0, int(rng() % 40) - 20);
    numerics::storeElement(normal(rng) * scale, p, at);
  }
}

struct Case {
  isa::CoreProgram program;
  std::vector<uint8_t> l0;
};

/// A random one-mac program and its L0.
Case randomCase(std::mt19937_64 &rng, Precision pi, Precision pk, Precision pa,
                int64_t chunk, bool accumulate) {
  auto below = [&](int64_t n) { return int64_t(rng() % uint64_t(n)); };
  isa::TileDescriptor t;
  // Extents: a long reduction now and then (several chunks).
  for (unsigned d = 0; d < isa::kTileDims; ++d)
    t.p[d] = uint32_t(1 + below(d == In ? 4 : 3));
  if (below(3) == 0)
    t.p[In] = uint32_t(1 + below(150));
  if (below(4) == 0)
    t.p[Ox] = uint32_t(1 + below(20));
  // Operand strides: dense layouts or random ones (zero and negative too).
  auto dense = [&](std::array<int32_t, isa::kTileDims> &s,
                   std::initializer_list<int> dims) {
    int32_t step = 1;
    for (int d : dims) {
      s[size_t(d)] = step;
      step *= int32_t(t.p[size_t(d)]);
    }
  };
  for (int op = 0; op < 3; ++op) {
    auto &s = t.strides[size_t(op)];
    s.fill(0);
    if (below(2)) {
      if (op == 0)
        dense(s, {In, Ox, Oy, Mb});
      else if (op == 1)
        dense(s, {In, Kx, Ky, Out});
      else
        dense(s, {Ox, Oy, Out, Mb});
      continue;
    }
    for (unsigned d = 0; d < isa::kTileDims; ++d)
      s[d] = int32_t(below(9)) - 3;
  }
  // The operands after one another, then the outputs (none overlapping,
  // unless now and then the outputs land on the input).
  int64_t eI = storageBits(pi) / 8, eK = storageBits(pk) / 8,
          eA = storageBits(pa) / 8;
  auto spanOf = [&](const std::array<int32_t, isa::kTileDims> &s) {
    int64_t lo = 0, hi = 0;
    for (unsigned d = 0; d < isa::kTileDims; ++d) {
      int64_t reach = int64_t(t.p[d] - 1) * s[d];
      (reach < 0 ? lo : hi) += reach;
    }
    return std::make_pair(lo, hi);
  };
  auto [iLo, iHi] = spanOf(t.strides[0]);
  auto [kLo, kHi] = spanOf(t.strides[1]);
  auto [oLo, oHi] = spanOf(t.strides[2]);
  int64_t inp = 16 - iLo * eI;
  int64_t ker = inp + (iHi + 1) * eI + 8 - kLo * eK;
  int64_t out = ker + (kHi + 1) * eK + 8 - oLo * eA;
  if (below(20) == 0)
    out = inp - iLo * eI - oLo * eA; // overlapping: the general path
  int64_t size = std::max(out + (oHi + 1) * eA, ker + (kHi + 1) * eK) + 16;
  Case c;
  c.l0.assign(size_t(size), 0);
  int regime = int(below(5));
  fillOperand(rng, c.l0.data(), size / eI, pi, regime);
  fillOperand(rng, c.l0.data() + ker + kLo * eK, kHi - kLo + 1, pk,
              below(3) ? regime : int(below(5)));
  fillOperand(rng, c.l0.data() + out + oLo * eA, oHi - oLo + 1, pa,
              below(3) ? regime : int(below(5)));
  std::string text =
      "seti a=a1, imm=" + std::to_string(inp) +
      "\nseti a=a2, imm=" + std::to_string(ker) +
      "\nseti a=a3, imm=" + std::to_string(out) +
      "\nmac dataflow=ws, inp_prec=" + stringify(pi).str() +
      ", ker_prec=" + stringify(pk).str() +
      ", acc_prec=" + stringify(pa).str() + ", chunk=" + std::to_string(chunk) +
      ", accumulate=" + std::to_string(int(accumulate)) +
      ", tile=0, inp=a1, inp_off=0, ker=a2, ker_off=0, out=a3, out_off=0, "
      "wait=none, signal=s0\nsem.wait sem=s0, count=1\nhalt";
  llvm::Expected<std::vector<isa::Instruction>> code =
      isa::assembleProgram(text, "fp16acc.s");
  if (!code)
    FAIL(llvm::toString(code.takeError()));
  c.program.code = *code;
  c.program.tiles.push_back(t);
  return c;
}

struct Result {
  std::vector<uint8_t> l0;
  sim::RunStats stats;
};

Result run(const Case &c, bool fast, bool vector) {
  sim::setNarrowMacFastPath(fast);
  sim::setVectorKernels(vector);
  std::vector<uint8_t> ext(64, 0);
  sim::CoreMemories mem;
  mem.ext = &ext;
  mem.lx.assign(64, 0);
  mem.l0 = c.l0;
  Result r;
  llvm::Error e = sim::runCore(c.program, mem, r.stats);
  sim::setNarrowMacFastPath(true);
  sim::setVectorKernels(true);
  std::string why = e ? llvm::toString(std::move(e)) : std::string();
  INFO(why);
  REQUIRE(why.empty());
  r.l0 = std::move(mem.l0);
  return r;
}
} // namespace

TEST_CASE("FP16 and DLFloat16 accumulation: the fast mac gives the general "
          "loop's bytes",
          "[sim-fp16acc]") {
  std::mt19937_64 rng(2024);
  const Precision operands[] = {Precision::HFP8_143, Precision::HFP8_152,
                                Precision::FP16, Precision::DLFloat16,
                                Precision::FP32};
  const int64_t chunks[] = {0, 64, 1, 2, 3, 7, 63, 65};
  int cases = 0, differing = 0;
  for (Precision pa : {Precision::FP16, Precision::DLFloat16})
    for (int k = 0; k < 600; ++k) {
      Precision pi = operands[k % 5], pk = operands[(k / 5) % 5];
      if (k % 3 == 0) // mostly same-precision operands, HFP8 first
        pk = pi;
      int64_t chunk = chunks[(k / 2) % 8];
      bool accumulate = k % 2;
      Case c = randomCase(rng, pi, pk, pa, chunk, accumulate);
      INFO("case " << k << ": " << stringify(pi).str() << " x "
                   << stringify(pk).str() << " -> " << stringify(pa).str()
                   << ", chunk " << chunk << ", accumulate " << accumulate);
      Result general = run(c, false, true);
      for (bool vector : {true, false}) {
        INFO("vector kernels " << vector);
        Result fast = run(c, true, vector);
        CHECK(fast.l0 == general.l0);
        CHECK(fast.stats.macs == general.stats.macs);
        CHECK(fast.stats.zeroInputMacs == general.stats.zeroInputMacs);
        CHECK(fast.stats.zeroWeightMacs == general.stats.zeroWeightMacs);
        CHECK(fast.stats.skippableMacs == general.stats.skippableMacs);
      }
      ++cases;
      differing += general.l0 != c.l0;
    }
  // The tiles did write something.
  CHECK(differing > cases / 2);
}

TEST_CASE("the fast FP16 mac on an LeNet-like convolution in HFP8",
          "[sim-fp16acc]") {
  // 6 outputs of 5x5 kernels over 3 input channels, 12x12 pixels, 2
  // images: 75 terms per output (a chunk of 64 and the rest).
  std::mt19937_64 rng(11);
  isa::TileDescriptor t;
  t.p = {3, 6, 12, 12, 2, 5, 5};
  // Input x[mb][in][16][16], kernel w[out][ky][kx][in], output
  // y[mb][out][12][12].
  t.strides[0] = {256, 0, 16, 1, 768, 16, 1};
  t.strides[1] = {1, 75, 0, 0, 0, 15, 3};
  t.strides[2] = {0, 144, 12, 1, 864, 0, 0};
  for (bool accumulate : {false, true})
    for (int64_t chunk : {0, 64}) {
      Case c;
      c.program.tiles.push_back(t);
      c.l0.assign(8192, 0);
      fillOperand(rng, c.l0.data(), 1536, Precision::HFP8_143, 1);
      fillOperand(rng, c.l0.data() + 1536, 450, Precision::HFP8_143, 1);
      fillOperand(rng, c.l0.data() + 2048, 1728, Precision::FP16, 1);
      std::string text =
          "seti a=a1, imm=0\nseti a=a2, imm=1536\nseti a=a3, imm=2048\n"
          "mac dataflow=ws, inp_prec=hfp8_143, ker_prec=hfp8_143, "
          "acc_prec=fp16, chunk=" +
          std::to_string(chunk) +
          ", accumulate=" + std::to_string(int(accumulate)) +
          ", tile=0, inp=a1, inp_off=0, ker=a2, ker_off=0, out=a3, "
          "out_off=0, wait=none, signal=s0\nsem.wait sem=s0, count=1\nhalt";
      llvm::Expected<std::vector<isa::Instruction>> code =
          isa::assembleProgram(text, "conv.s");
      REQUIRE(bool(code));
      c.program.code = *code;
      Result general = run(c, false, true);
      CHECK(run(c, true, true).l0 == general.l0);
      CHECK(run(c, true, false).l0 == general.l0);
      CHECK(general.stats.macs == 2 * 6 * 12 * 12 * 75);
    }
}
