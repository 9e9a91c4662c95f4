//===- SfuMathTest.cpp - Error bounds of the SFU approximations -----------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Every 997th FP32 pattern of the normal range (2.1 M values per function)
// against the correctly rounded result computed in double: the documented
// bounds (docs/numerics.md) hold; special values and exact cases.
//
//===----------------------------------------------------------------------===//

#include "rapid/Numerics/SfuMath.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

using namespace rapid::numerics;

namespace {
float fromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
int64_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return int64_t(u);
}
/// Units in the last place between a result and the reference (same sign).
int64_t ulps(float got, float want) {
  if (std::isnan(got) || std::isnan(want))
    return std::isnan(got) && std::isnan(want) ? 0 : INT64_MAX;
  if (std::signbit(got) != std::signbit(want))
    return got == 0 && want == 0 ? 0 : INT64_MAX;
  return std::abs(bitsOf(got) - bitsOf(want));
}
bool normal(double v) {
  return std::fabs(v) >= std::numeric_limits<float>::min() &&
         std::fabs(v) <= std::numeric_limits<float>::max();
}
} // namespace

TEST_CASE("the SFU approximations stay within their documented bounds",
          "[numerics]") {
  int64_t recip = 0, rsqrt = 0, sqrtErr = 0, expErr = 0, lnErr = 0;
  double lnAbs = 0;
  for (uint64_t u = 0x00800000; u < 0x7f800000; u += 997) {
    float x = fromBits(uint32_t(u));
    double dx = x;
    if (normal(1.0 / dx))
      recip = std::max(recip, ulps(sfuRecip(x), float(1.0 / dx)));
    if (normal(-1.0 / dx))
      recip = std::max(recip, ulps(sfuRecip(-x), float(-1.0 / dx)));
    rsqrt = std::max(rsqrt, ulps(sfuRsqrt(x), float(1.0 / std::sqrt(dx))));
    sqrtErr = std::max(sqrtErr, ulps(sfuSqrt(x), float(std::sqrt(dx))));
    for (double arg : {dx, -dx})
      if (arg <= 88.7 && normal(std::exp(arg)))
        expErr =
            std::max(expErr, ulps(sfuExp(float(arg)), float(std::exp(arg))));
    double ln = std::log(dx);
    if (std::fabs(ln) > 0.5)
      lnErr = std::max(lnErr, ulps(sfuLn(x), float(ln)));
    else
      lnAbs = std::max(lnAbs, std::fabs(double(sfuLn(x)) - ln));
  }
  CHECK(recip <= 1);
  CHECK(rsqrt <= 1);
  CHECK(sqrtErr <= 1);
  CHECK(expErr <= 1);
  CHECK(lnErr <= 1);
  CHECK(lnAbs <= std::ldexp(1.0, -23) / std::sqrt(2.0)); // 2^-23.5
}

TEST_CASE("the SFU approximations handle special values and exact cases",
          "[numerics]") {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float tiny = std::numeric_limits<float>::denorm_min();
  CHECK(sfuRecip(2.0f) == 0.5f);
  CHECK(sfuRecip(-4.0f) == -0.25f);
  CHECK(sfuRecip(0.0f) == inf);
  CHECK(sfuRecip(-0.0f) == -inf);
  CHECK(sfuRecip(tiny) == inf); // subnormal input flushed to zero
  CHECK(sfuRecip(inf) == 0.0f);
  CHECK(std::isnan(sfuRecip(nan)));
  CHECK(sfuRecip(1e38f) == 0.0f); // a subnormal result is flushed
  CHECK(sfuRsqrt(4.0f) == 0.5f);
  CHECK(sfuRsqrt(0.0f) == inf);
  CHECK(std::isnan(sfuRsqrt(-1.0f)));
  CHECK(sfuSqrt(16.0f) == 4.0f);
  CHECK(sfuSqrt(2.25f) == 1.5f);
  CHECK(std::isnan(sfuSqrt(-1.0f)));
  CHECK(sfuSqrt(inf) == inf);
  CHECK(sfuExp(0.0f) == 1.0f);
  CHECK(sfuExp(100.0f) == inf);
  CHECK(sfuExp(-100.0f) == 0.0f);
  CHECK(std::isnan(sfuExp(nan)));
  CHECK(sfuLn(1.0f) == 0.0f);
  CHECK(sfuLn(0.0f) == -inf);
  CHECK(std::isnan(sfuLn(-2.0f)));
  CHECK(sfuLn(inf) == inf);
  CHECK(sfuExpMod(3.0f, 4) == 48.0f);
  CHECK(sfuExpMod(1.0f, -140) == 0.0f); // subnormal: flushed
  CHECK(sfuExpMod(1.0f, 200) == inf);
}
