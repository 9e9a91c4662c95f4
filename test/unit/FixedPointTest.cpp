//===- FixedPointTest.cpp - FxP, BiScaled and FPEC: the seed's examples ---===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Numerics/FixedPoint.h"

#include <catch2/catch.hpp>

#include <limits>
#include <random>

using namespace rapid::numerics;

TEST_CASE("fixed point quantizes to nearest even and saturates", "[numerics]") {
  FixedPointFormat f{4, 0}; // sign + 3 integer bits
  CHECK(quantizeFixed(2.5, f) == 2);
  CHECK(quantizeFixed(3.5, f) == 4);
  CHECK(quantizeFixed(-2.5, f) == -2);
  CHECK(quantizeFixed(100, f) == 7);
  CHECK(quantizeFixed(-100, f) == -8);
  FixedPointFormat coarse{5, -2}; // a step of 4
  CHECK(quantizeFixed(44.9, coarse) == 11);
  CHECK(coarse.step() == 4);
}

TEST_CASE("BiScaled fixed point: the seed's example", "[numerics]") {
  // x = {5.1, 44.9}, y = {14.9, 2.9}; exact 206.2.
  std::vector<double> x = {5.1, 44.9}, y = {14.9, 2.9};
  CHECK(5.1 * 14.9 + 44.9 * 2.9 == Approx(206.20));
  // 5-bit FxP with FB = -2: 240; 6-bit with FB = -1: 172.
  CHECK(fixedDot(x, y, {5, -2}, {5, -2}) == 240);
  CHECK(fixedDot(x, y, {6, -1}, {6, -1}) == 172);
  // 5-bit BiScaled: scale-fine (IB 4, FB 0) for 5.1 and 2.9, scale-wide
  // (IB 6, FB -2) for 44.9 and 14.9: 5 * 4 << 2 + 11 * 3 << 2 = 212.
  BiScaledFormat f{5, 0, 4, -2};
  BiScaledValue a = quantizeBiScaled(5.1, f), b = quantizeBiScaled(44.9, f),
                c = quantizeBiScaled(14.9, f), d = quantizeBiScaled(2.9, f);
  CHECK((a.q == 5 && !a.wide));
  CHECK((b.q == 11 && b.wide));
  CHECK((c.q == 4 && c.wide));
  CHECK((d.q == 3 && !d.wide));
  CHECK(biScaledDotUnits({a, b}, {c, d}, f) == 212);
  CHECK(biScaledDot(x, y, f) == 212);
}

TEST_CASE("compensated fixed point (FPEC): the seed's example", "[numerics]") {
  // x = {3.3, 2.95}, y = {3.45, 2.75}, sign + 3 integer bits, no fraction
  // bits: quantized 18, compensated 19.5, exact 19.4975.
  std::vector<double> x = {3.3, 2.95}, y = {3.45, 2.75};
  FixedPointFormat f{4, 0};
  CHECK(3.3 * 3.45 + 2.95 * 2.75 == Approx(19.4975));
  CHECK(fixedDot(x, y, f, f) == 18);
  CHECK(compensatedDot(x, y, f) == 19.5);
  // The error directions: 3.3 and 3.45 round down by more than a quarter
  // step (+); 2.95 and 2.75 are within a quarter (0).
  CHECK(quantizeCompensated(3.3, f).direction == 1);
  CHECK(quantizeCompensated(3.45, f).direction == 1);
  CHECK(quantizeCompensated(2.95, f).direction == 0);
  CHECK(quantizeCompensated(2.75, f).direction == 0);
  CHECK(quantizeCompensated(2.6, f).direction == -1);
}

TEST_CASE("SAWB clips near the MSE-optimal level, max-abs far from it",
          "[numerics]") {
  // Gaussian weights (a fixed seed): the clip python/sawb_fit.py's table
  // gives is within a few percent of the brute-force optimum in MSE at 2-4
  // bits, and beats max-abs clipping.
  std::mt19937_64 rng(7);
  std::normal_distribution<double> gauss(0.0, 0.05);
  std::vector<double> w(20000);
  for (double &v : w)
    v = gauss(rng);
  for (int bits : {2, 3, 4}) {
    double best = std::numeric_limits<double>::infinity();
    double top = maxAbsClip(w);
    for (int i = 1; i <= 800; ++i)
      best = std::min(best, quantizationMSE(w, top * i / 800, bits));
    double sawb = quantizationMSE(w, sawbClip(w, bits), bits);
    double maxAbs = quantizationMSE(w, top, bits);
    INFO("bits " << bits << ": best " << best << " sawb " << sawb << " max-abs "
                 << maxAbs);
    CHECK(sawb <= best * 1.05);
    CHECK(maxAbs > sawb * 1.5);
  }
  CHECK(quantizeSymmetric(0.3, 1.0, 2) == 0);
  CHECK(quantizeSymmetric(0.6, 1.0, 2) == 1);
  CHECK(quantizeSymmetric(-5.0, 1.0, 4) == -7);
  CHECK(percentileClip({1, -2, 3, -4}, 50) == 2);
  CHECK(percentileClip({1, -2, 3, -4}, 100) == 4);
}
