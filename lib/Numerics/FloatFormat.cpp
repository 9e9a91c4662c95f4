//===- FloatFormat.cpp - Reduced-precision float formats ------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Numerics/FloatFormat.h"

#include <cassert>
#include <cmath>
#include <limits>

using namespace rapid::numerics;

const FloatFormat rapid::numerics::kFP16 = {"fp16", 5, 10, 15, Specials::IEEE};
const FloatFormat rapid::numerics::kDLFloat16 = {"dlfloat16", 6, 9, 31,
                                                 Specials::DLFloat};
const FloatFormat rapid::numerics::kHFP8_143 = {"hfp8_143", 4, 3, 11,
                                                Specials::FNUZ};
const FloatFormat rapid::numerics::kHFP8_152 = {"hfp8_152", 5, 2, 15,
                                                Specials::IEEE};

static bool isIEEE(const FloatFormat &f) {
  return f.specials == Specials::IEEE;
}
static bool isDLFloat(const FloatFormat &f) {
  return f.specials == Specials::DLFloat;
}
/// The magnitude bits all set.
static uint32_t allOnes(const FloatFormat &f) {
  return (1u << (f.totalBits() - 1)) - 1;
}

/// The largest usable exponent field: IEEE formats reserve the all-ones one.
static int maxExponentField(const FloatFormat &f) {
  int allOnesExponent = (1 << f.exponentBits) - 1;
  return isIEEE(f) ? allOnesExponent - 1 : allOnesExponent;
}

/// The lowest exponent of a normal binade: 1 - bias, or -bias for DLFloat
/// whose exponent field 0 is normal.
static int minExponent(const FloatFormat &f) {
  return isDLFloat(f) ? -f.bias : 1 - f.bias;
}

double FloatFormat::maxFinite() const {
  // DLFloat's all-ones magnitude is NaN: its largest mantissa is one less.
  int lost = specials == Specials::DLFloat ? 2 : 1;
  return (2.0 - std::ldexp(double(lost), -int(mantissaBits))) *
         std::ldexp(1.0, maxExponentField(*this) - bias);
}

double FloatFormat::minSubnormal() const {
  if (specials == Specials::DLFloat)
    return (1.0 + std::ldexp(1.0, -int(mantissaBits))) * std::ldexp(1.0, -bias);
  return std::ldexp(1.0, 1 - bias - int(mantissaBits));
}

static uint32_t nanBits(const FloatFormat &f) {
  switch (f.specials) {
  case Specials::FNUZ: // the negative-zero pattern
    return 1u << (f.totalBits() - 1);
  case Specials::DLFloat:
    return allOnes(f);
  case Specials::IEEE:
    break;
  }
  return ((1u << f.exponentBits) - 1) << f.mantissaBits |
         1u << (f.mantissaBits - 1);
}

static uint32_t infinityBits(const FloatFormat &f, bool negative) {
  uint32_t bits = ((1u << f.exponentBits) - 1) << f.mantissaBits;
  return negative ? bits | 1u << (f.totalBits() - 1) : bits;
}

/// Encodes a finite, exactly representable magnitude (no rounding).
static uint32_t encodeExact(double magnitude, const FloatFormat &f) {
  if (magnitude == 0)
    return 0;
  int emin = minExponent(f);
  int m = f.mantissaBits;
  if (magnitude < std::ldexp(1.0, emin))
    return static_cast<uint32_t>(std::ldexp(magnitude, m - emin));
  int e = std::ilogb(magnitude);
  uint32_t mantissa =
      static_cast<uint32_t>(std::ldexp(magnitude, m - e)) - (1u << m);
  return static_cast<uint32_t>(e + f.bias) << m | mantissa;
}

uint32_t rapid::numerics::encode(double x, const FloatFormat &f,
                                 RoundingMode mode, uint64_t random) {
  if (std::isnan(x))
    return nanBits(f);
  bool negative = std::signbit(x);
  uint32_t sign = negative ? 1u << (f.totalBits() - 1) : 0;
  double a = std::fabs(x);
  double maxFinite = f.maxFinite();
  auto overflow = [&]() -> uint32_t {
    if (mode.saturate)
      return sign | encodeExact(maxFinite, f);
    if (isDLFloat(f)) // the NaN/infinity pattern, signed
      return sign | allOnes(f);
    return isIEEE(f) ? infinityBits(f, negative) : nanBits(f);
  };
  // FNUZ has no negative zero.
  uint32_t zero = f.specials == Specials::FNUZ ? 0 : sign;
  if (std::isinf(a))
    return overflow();
  if (a == 0)
    return zero;
  if (isDLFloat(f) && a < f.minSubnormal()) {
    // No subnormals: below the smallest magnitude the neighbours are zero
    // and the smallest magnitude itself (whose mantissa is odd: ties go to
    // zero).
    double smallest = f.minSubnormal();
    bool up;
    if (mode.rounding == Rounding::NearestEven)
      up = a > smallest / 2;
    else
      up = std::ldexp(static_cast<double>(random >> 11), -53) < a / smallest;
    return up ? sign | encodeExact(smallest, f) : zero;
  }

  // The spacing of representable values around `a`.
  int emin = minExponent(f);
  int e = std::max(std::ilogb(a), emin);
  double quantum = std::ldexp(1.0, e - int(f.mantissaBits));
  double scaled = a / quantum; // exact: quantum is a power of two
  double q = std::floor(scaled);
  double fraction = scaled - q;
  bool up;
  if (mode.rounding == Rounding::NearestEven) {
    up = fraction > 0.5 || (fraction == 0.5 && std::fmod(q, 2.0) != 0.0);
  } else {
    // 53 random bits as a uniform value in [0, 1).
    double u = std::ldexp(static_cast<double>(random >> 11), -53);
    up = u < fraction;
  }
  double rounded = (q + (up ? 1 : 0)) * quantum;
  if (rounded > maxFinite)
    return overflow();
  if (rounded == 0)
    return zero;
  return sign | encodeExact(rounded, f);
}

double rapid::numerics::decode(uint32_t bits, const FloatFormat &f) {
  unsigned m = f.mantissaBits;
  uint32_t signBit = 1u << (f.totalBits() - 1);
  bool negative = bits & signBit;
  uint32_t exponent = (bits >> m) & ((1u << f.exponentBits) - 1);
  uint32_t mantissa = bits & ((1u << m) - 1);
  if (f.specials == Specials::FNUZ && bits == signBit)
    return std::numeric_limits<double>::quiet_NaN();
  if (isDLFloat(f)) {
    uint32_t magnitude = bits & allOnes(f);
    if (magnitude == allOnes(f))
      return std::numeric_limits<double>::quiet_NaN();
    if (magnitude == 0)
      return negative ? -0.0 : 0.0;
    double value = std::ldexp(static_cast<double>(mantissa | 1u << m),
                              int(exponent) - f.bias - int(m));
    return negative ? -value : value;
  }
  if (isIEEE(f) && exponent == (1u << f.exponentBits) - 1) {
    if (mantissa != 0)
      return std::numeric_limits<double>::quiet_NaN();
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  double value =
      exponent == 0
          ? std::ldexp(static_cast<double>(mantissa), 1 - f.bias - int(m))
          : std::ldexp(static_cast<double>(mantissa | 1u << m),
                       int(exponent) - f.bias - int(m));
  return negative ? -value : value;
}

double rapid::numerics::chunkedDot(llvm::ArrayRef<double> x,
                                   llvm::ArrayRef<double> y,
                                   const FloatFormat &multiply,
                                   const FloatFormat &accumulate,
                                   unsigned chunk) {
  assert(x.size() == y.size() && "operands of one length");
  double total = 0, partial = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double product = round(x[i] * y[i], multiply);
    partial = round(partial + product, accumulate);
    if (chunk != 0 && (i + 1) % chunk == 0) {
      total = round(total + partial, accumulate);
      partial = 0;
    }
  }
  if (chunk == 0)
    return partial;
  return round(total + partial, accumulate);
}
