//===- FloatFormatTest.cpp - Reduced-precision float formats --------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Oracle: LLVM's APFloat, an independent implementation of the same formats
// (IEEEhalf, Float8E5M2, Float8E4M3B11FNUZ), compared exhaustively.
//
//===----------------------------------------------------------------------===//

#include "rapid/Numerics/FloatFormat.h"

#include "llvm/ADT/APFloat.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

using namespace rapid::numerics;
using llvm::APFloat;
using llvm::APInt;

namespace {
struct Case {
  const FloatFormat &format;
  const llvm::fltSemantics &semantics;
};

std::vector<Case> cases() {
  return {{kFP16, APFloat::IEEEhalf()},
          {kHFP8_152, APFloat::Float8E5M2()},
          {kHFP8_143, APFloat::Float8E4M3B11FNUZ()}};
}

double oracleDecode(const Case &c, uint32_t bits) {
  return APFloat(c.semantics, APInt(c.format.totalBits(), bits))
      .convertToDouble();
}

uint32_t oracleEncode(const Case &c, double x) {
  APFloat f(x);
  bool losesInfo;
  f.convert(c.semantics, APFloat::rmNearestTiesToEven, &losesInfo);
  return static_cast<uint32_t>(f.bitcastToAPInt().getZExtValue());
}

/// Same value, or both NaN.
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) ||
         (a == b && std::signbit(a) == std::signbit(b));
}
} // namespace

TEST_CASE("decode agrees with APFloat on every bit pattern", "[numerics]") {
  for (const Case &c : cases()) {
    INFO(c.format.name);
    for (uint32_t bits = 0; bits < (1u << c.format.totalBits()); ++bits) {
      INFO("bits " << bits);
      CHECK(same(decode(bits, c.format), oracleDecode(c, bits)));
    }
  }
}

TEST_CASE("round-to-nearest-even encode agrees with APFloat", "[numerics]") {
  std::mt19937_64 rng(11);
  for (const Case &c : cases()) {
    INFO(c.format.name);
    std::vector<double> probes;
    // Every representable value, every midpoint between neighbours (the
    // ties), values just beside the midpoints, and random values across
    // the whole range including overflow and underflow.
    std::vector<double> values;
    for (uint32_t bits = 0; bits < (1u << c.format.totalBits()); ++bits) {
      double v = decode(bits, c.format);
      if (std::isfinite(v))
        values.push_back(v);
    }
    std::sort(values.begin(), values.end());
    for (size_t i = 0; i + 1 < values.size(); ++i) {
      double mid = (values[i] + values[i + 1]) / 2;
      probes.insert(probes.end(),
                    {values[i], mid, std::nextafter(mid, -INFINITY),
                     std::nextafter(mid, INFINITY)});
    }
    std::uniform_real_distribution<double> exponent(-30, 20);
    for (int i = 0; i < 20000; ++i)
      probes.push_back((i % 2 ? -1 : 1) * std::exp2(exponent(rng)));
    probes.push_back(c.format.maxFinite() * 1.01);
    probes.push_back(-c.format.maxFinite() * 4);
    probes.push_back(c.format.minSubnormal() / 3);
    for (double x : probes) {
      INFO("x = " << x);
      uint32_t ours = encode(x, c.format);
      uint32_t theirs = oracleEncode(c, x);
      // NaN encodings may differ in payload; compare values.
      CHECK(same(decode(ours, c.format), decode(theirs, c.format)));
    }
  }
}

TEST_CASE("saturation and the HFP8 1-4-3 range", "[numerics]") {
  CHECK(kHFP8_143.maxFinite() == 30.0);
  CHECK(kHFP8_152.maxFinite() == 57344.0);
  CHECK(kFP16.maxFinite() == 65504.0);
  RoundingMode saturate{Rounding::NearestEven, true};
  CHECK(round(1000.0, kHFP8_143, saturate) == 30.0);
  CHECK(round(-INFINITY, kHFP8_143, saturate) == -30.0);
  CHECK(std::isnan(round(1000.0, kHFP8_143))); // no infinity: NaN
  CHECK(round(1e6, kHFP8_152, saturate) == 57344.0);
  CHECK(std::isinf(round(1e6, kHFP8_152)));
  // 1-4-3 with bias 11 reaches down to 2^-13 (subnormal).
  CHECK(kHFP8_143.minSubnormal() == std::ldexp(1.0, -13));
}

TEST_CASE("stochastic rounding is unbiased and only picks neighbours",
          "[numerics]") {
  std::mt19937_64 rng(3);
  RoundingMode stochastic{Rounding::Stochastic, false};
  // 1 + 1/32 lies a quarter of the way from 1 to 1.125 in HFP8 1-4-3.
  double x = 1.0 + 1.0 / 32;
  double sum = 0;
  int ups = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    double r = round(x, kHFP8_143, stochastic, rng());
    REQUIRE((r == 1.0 || r == 1.125));
    ups += r == 1.125;
    sum += r;
  }
  CHECK(double(ups) / n == Approx(0.25).margin(0.005));
  CHECK(sum / n == Approx(x).epsilon(1e-3));
  // Representable values never move.
  CHECK(round(1.125, kHFP8_143, stochastic, ~0ull) == 1.125);
}

TEST_CASE("chunk-based accumulation fixes FP16 swamping", "[numerics]") {
  // 4096 ones: a running FP16 sum stops at 2048 (2048 + 1 rounds back to
  // 2048); chunks of 64 keep every partial sum exact.
  std::vector<double> ones(4096, 1.0);
  CHECK(chunkedDot(ones, ones, kFP16, kFP16, 0) == 2048.0);
  CHECK(chunkedDot(ones, ones, kFP16, kFP16, 64) == 4096.0);
  // HFP8 products accumulated in FP16, as HFP8 training does.
  std::vector<double> x(1024, 0.5), y(1024, 0.75);
  CHECK(chunkedDot(x, y, kHFP8_143, kFP16, 32) == 384.0);
}

namespace {
/// DLFloat16 from its definition (Agrawal et al., "DLFloat: A 16-b floating
/// point format designed for deep learning training and inference"): value
/// (-1)^s 2^(e-31) (1 + m/512) for every (e, m), except all-zero magnitude
/// (zero) and all-ones magnitude (NaN/infinity). An oracle independent of
/// the shared encoder.
double dlfloatDefinition(uint32_t bits) {
  uint32_t magnitude = bits & 0x7fff;
  if (magnitude == 0x7fff)
    return std::nan("");
  double v = magnitude == 0 ? 0.0
                            : std::ldexp(1.0 + (magnitude & 511) / 512.0,
                                         int(magnitude >> 9) - 31);
  return bits & 0x8000 ? -v : v;
}
} // namespace

TEST_CASE("DLFloat16 decodes every pattern as its definition and encodes "
          "round-to-nearest-even, without subnormals",
          "[numerics]") {
  std::vector<double> positives;
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    double v = decode(bits, kDLFloat16);
    REQUIRE(same(v, dlfloatDefinition(bits)));
    if (std::isnan(v))
      continue;
    // Every value encodes back to its own pattern.
    REQUIRE(encode(v, kDLFloat16) == bits);
    if (v > 0)
      positives.push_back(v);
  }
  std::sort(positives.begin(), positives.end());
  CHECK(positives.size() == 0x7ffe);
  CHECK(kDLFloat16.maxFinite() == positives.back());
  CHECK(kDLFloat16.maxFinite() == std::ldexp(1.0 + 510.0 / 512, 32));
  CHECK(kDLFloat16.minSubnormal() == positives.front());
  CHECK(kDLFloat16.minSubnormal() == std::ldexp(1.0 + 1.0 / 512, -31));
  // Between neighbours: below the midpoint down, above it up, the midpoint
  // itself to the even mantissa.
  for (size_t i = 0; i + 1 < positives.size(); ++i) {
    double lo = positives[i], hi = positives[i + 1];
    double mid = lo + (hi - lo) / 2;
    REQUIRE(round(std::nextafter(mid, 0.0), kDLFloat16) == lo);
    REQUIRE(round(std::nextafter(mid, 1e300), kDLFloat16) == hi);
    uint32_t even = (encode(lo, kDLFloat16) & 1) == 0 ? encode(lo, kDLFloat16)
                                                      : encode(hi, kDLFloat16);
    REQUIRE(encode(mid, kDLFloat16) == even);
    REQUIRE(round(-mid, kDLFloat16) == -decode(even, kDLFloat16));
  }
  // No subnormals: below the smallest magnitude only zero and it remain.
  double smallest = kDLFloat16.minSubnormal();
  CHECK(round(smallest * 0.49, kDLFloat16) == 0.0);
  CHECK(round(smallest / 2, kDLFloat16) == 0.0); // tie: zero is even
  CHECK(round(smallest * 0.51, kDLFloat16) == smallest);
  CHECK(round(std::ldexp(1.0, -31), kDLFloat16) == smallest);
  CHECK(std::signbit(round(-smallest * 0.1, kDLFloat16)));
  // Overflow: the NaN/infinity pattern, or the largest value saturated.
  CHECK(encode(1e12, kDLFloat16) == 0x7fff);
  CHECK(encode(-INFINITY, kDLFloat16) == 0xffff);
  CHECK(std::isnan(round(1e12, kDLFloat16)));
  RoundingMode saturate{Rounding::NearestEven, true};
  CHECK(round(-1e12, kDLFloat16, saturate) == -kDLFloat16.maxFinite());
  CHECK(std::isnan(round(NAN, kDLFloat16)));
  // Its range is FP32's neighbourhood, far beyond FP16's.
  CHECK(round(1e9, kDLFloat16) == Approx(1e9).epsilon(1.0 / 1024));
  CHECK(round(1e-9, kDLFloat16) == Approx(1e-9).epsilon(1.0 / 1024));
}

TEST_CASE("DLFloat16 stochastic rounding picks neighbours, unbiased",
          "[numerics]") {
  std::mt19937_64 rng(5);
  RoundingMode stochastic{Rounding::Stochastic, false};
  // 1 + 1/2048 lies a quarter of the way from 1 to 1 + 1/512; below the
  // smallest magnitude the neighbours are zero and it.
  for (auto [x, lo, hi] : {std::tuple{1.0 + 1.0 / 2048, 1.0, 1.0 + 1.0 / 512},
                           std::tuple{kDLFloat16.minSubnormal() / 4, 0.0,
                                      kDLFloat16.minSubnormal()}}) {
    double sum = 0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
      double r = round(x, kDLFloat16, stochastic, rng());
      REQUIRE((r == lo || r == hi));
      sum += r;
    }
    // Unbiased: the mean within 4 standard deviations (0.55% of x here).
    CHECK(sum / n == Approx(x).epsilon(2.5e-2));
  }
}
