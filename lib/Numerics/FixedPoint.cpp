//===- FixedPoint.cpp - Fixed point, BiScaled and compensated formats -----===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Numerics/FixedPoint.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rapid::numerics;

double FixedPointFormat::step() const { return std::ldexp(1.0, -fractionBits); }

/// x / step rounded to nearest even (not yet saturated; NaN: 0).
static double roundSteps(double x, double step) {
  if (std::isnan(x))
    return 0;
  return std::nearbyint(x / step); // the default mode: to nearest even
}

int64_t rapid::numerics::quantizeFixed(double x, const FixedPointFormat &f) {
  double q =
      std::clamp(roundSteps(x, f.step()), double(f.min()), double(f.max()));
  return int64_t(q);
}

double rapid::numerics::fixedDot(llvm::ArrayRef<double> x,
                                 llvm::ArrayRef<double> y,
                                 const FixedPointFormat &fx,
                                 const FixedPointFormat &fy) {
  assert(x.size() == y.size() && "operands of one length");
  int64_t sum = 0;
  for (size_t i = 0; i < x.size(); ++i)
    sum += quantizeFixed(x[i], fx) * quantizeFixed(y[i], fy);
  return double(sum) * fx.step() * fy.step();
}

BiScaledValue rapid::numerics::quantizeBiScaled(double x,
                                                const BiScaledFormat &f) {
  assert(f.wideBits < f.fineBits && "the wide scale is the coarser one");
  FixedPointFormat fine{f.bits, f.fineBits}, wide{f.bits, f.wideBits};
  if (std::isnan(x) || std::fabs(x) < std::ldexp(1.0, f.fineIntegerBits - 1))
    return {quantizeFixed(x, fine), false};
  return {quantizeFixed(x, wide), true};
}

int64_t rapid::numerics::biScaledDotUnits(llvm::ArrayRef<BiScaledValue> x,
                                          llvm::ArrayRef<BiScaledValue> y,
                                          const BiScaledFormat &f) {
  assert(x.size() == y.size() && "operands of one length");
  int shift = f.fineBits - f.wideBits;
  int64_t sum = 0;
  for (size_t i = 0; i < x.size(); ++i)
    sum += (x[i].q * y[i].q) *
           (int64_t(1) << ((int(x[i].wide) + int(y[i].wide)) * shift));
  return sum;
}

double rapid::numerics::biScaledDot(llvm::ArrayRef<double> x,
                                    llvm::ArrayRef<double> y,
                                    const BiScaledFormat &f) {
  std::vector<BiScaledValue> qx, qy;
  for (double v : x)
    qx.push_back(quantizeBiScaled(v, f));
  for (double v : y)
    qy.push_back(quantizeBiScaled(v, f));
  return double(biScaledDotUnits(qx, qy, f)) * std::ldexp(1.0, -2 * f.fineBits);
}

CompensatedValue
rapid::numerics::quantizeCompensated(double x, const FixedPointFormat &f) {
  CompensatedValue v;
  v.q = quantizeFixed(x, f);
  double error = std::isnan(x) ? 0 : x - double(v.q) * f.step();
  if (std::fabs(error) > f.step() / 4)
    v.direction = error > 0 ? 1 : -1;
  return v;
}

int64_t rapid::numerics::quantizeSymmetric(double w, double clip, int bits) {
  int64_t levels = (int64_t(1) << (bits - 1)) - 1;
  if (std::isnan(w) || clip <= 0)
    return 0;
  double q = std::nearbyint(w / (clip / double(levels)));
  return int64_t(std::clamp(q, -double(levels), double(levels)));
}

double rapid::numerics::sawbClip(llvm::ArrayRef<double> w, int bits) {
  struct Row {
    int bits;
    double c1, c2;
  };
  static const Row table[] = {
#define RAPID_SAWB(B, C1, C2) {B, C1, C2},
#include "SawbCoefficients.inc"
#undef RAPID_SAWB
  };
  const Row *row = nullptr;
  for (const Row &r : table)
    if (r.bits == bits)
      row = &r;
  assert(row && "a bit width the SAWB table has");
  double squares = 0, magnitudes = 0;
  for (double v : w) {
    squares += v * v;
    magnitudes += std::fabs(v);
  }
  double n = double(std::max<size_t>(1, w.size()));
  double clip = row->c1 * std::sqrt(squares / n) - row->c2 * magnitudes / n;
  // Never beyond the largest weight, never non-positive.
  return std::clamp(clip, 1e-30, std::max(maxAbsClip(w), 1e-30));
}

double rapid::numerics::maxAbsClip(llvm::ArrayRef<double> w) {
  double m = 0;
  for (double v : w)
    m = std::max(m, std::fabs(v));
  return m;
}

double rapid::numerics::percentileClip(llvm::ArrayRef<double> w,
                                       double percent) {
  if (w.empty())
    return 0;
  std::vector<double> a;
  for (double v : w)
    a.push_back(std::fabs(v));
  size_t k = std::min(a.size() - 1,
                      size_t(std::ceil(percent / 100 * double(a.size()))) -
                          (percent > 0 ? 1 : 0));
  std::nth_element(a.begin(), a.begin() + long(k), a.end());
  return a[k];
}

double rapid::numerics::quantizationMSE(llvm::ArrayRef<double> w, double clip,
                                        int bits) {
  int64_t levels = (int64_t(1) << (bits - 1)) - 1;
  double scale = clip / double(levels), sum = 0;
  for (double v : w) {
    double e = double(quantizeSymmetric(v, clip, bits)) * scale - v;
    sum += e * e;
  }
  return w.empty() ? 0 : sum / double(w.size());
}

double rapid::numerics::compensatedDot(llvm::ArrayRef<double> x,
                                       llvm::ArrayRef<double> y,
                                       const FixedPointFormat &f) {
  assert(x.size() == y.size() && "operands of one length");
  int64_t products = 0, corrections = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    CompensatedValue a = quantizeCompensated(x[i], f),
                     b = quantizeCompensated(y[i], f);
    products += a.q * b.q;
    corrections += a.q * b.direction + b.q * a.direction;
  }
  double step = f.step();
  return double(products) * step * step +
         double(corrections) * (step / 4) * step;
}
