//===- QuantizeTest.cpp - Uniform integer quantization --------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Numerics/Quantize.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace rapid;
using namespace rapid::numerics;

TEST_CASE("integer ranges", "[numerics]") {
  CHECK(intRange(Precision::INT8).min == -128);
  CHECK(intRange(Precision::INT8).max == 127);
  CHECK(intRange(Precision::INT4).min == -8);
  CHECK(intRange(Precision::INT4).max == 7);
  CHECK(intRange(Precision::INT2).min == -2);
  CHECK(intRange(Precision::INT2).max == 1);
  CHECK(intRange(Precision::Ternary).min == -1);
}

TEST_CASE("quantize rounds half to even and clamps", "[numerics]") {
  // Exhaustive over a grid of quarter steps: the result is the nearest
  // integer (ties to even) clamped to the range, shifted by the zero point.
  for (Precision p :
       {Precision::INT8, Precision::INT4, Precision::INT2, Precision::Ternary})
    for (int64_t zp : {0, -1, 1})
      for (int k = -2000; k <= 2000; ++k) {
        double x = k * 0.125; // scale 0.5: x / scale = k / 4
        double exact = k / 4.0;
        double nearest = std::nearbyint(exact); // ties to even (default mode)
        IntRange r = intRange(p);
        int64_t expected =
            std::clamp<int64_t>(int64_t(nearest) + zp, r.min, r.max);
        INFO("x=" << x << " zp=" << zp);
        CHECK(quantize(x, p, 0.5, zp) == expected);
      }
  CHECK(quantize(1e300, Precision::INT8, 1e-300) == 127);
  CHECK(quantize(-INFINITY, Precision::INT4, 1.0) == -8);
  CHECK(quantize(NAN, Precision::INT8, 1.0, 3) == 3);
  CHECK(dequantize(quantize(0.26, Precision::INT4, 0.25), 0.25) == 0.25);
}

TEST_CASE("binary takes the sign; ternary thresholds at half a step",
          "[numerics]") {
  CHECK(quantize(0.0, Precision::Binary, 1.0) == 1);
  CHECK(quantize(-1e-9, Precision::Binary, 1.0) == -1);
  CHECK(quantize(0.49, Precision::Ternary, 1.0) == 0);
  CHECK(quantize(0.51, Precision::Ternary, 1.0) == 1);
  CHECK(quantize(-7.0, Precision::Ternary, 1.0) == -1);
}

TEST_CASE("stochastic quantization is unbiased", "[numerics]") {
  std::mt19937_64 rng(5);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i)
    sum += quantize(0.3, Precision::INT4, 1.0, 0, Rounding::Stochastic, rng());
  CHECK(sum / n == Approx(0.3).margin(0.01));
}
