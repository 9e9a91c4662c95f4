//===- FloatFormat.h - Reduced-precision float formats ------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Bit-exact encode/decode of the small float formats the accelerator
// computes in (FP16, DLFloat16 1-6-9, HFP8 1-4-3 with bias 11, HFP8 1-5-2),
// with round to
// nearest even or stochastic rounding and optional saturation, plus chunk-based
// accumulation. Plain C++: the simulator and the cost model's numerics share
// it. Values are carried as double, which holds every value of these formats
// exactly.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_NUMERICS_FLOATFORMAT_H
#define RAPID_NUMERICS_FLOATFORMAT_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace rapid::numerics {

/// How a format encodes zero, infinities and NaNs.
enum class Specials {
  /// The all-ones exponent encodes infinities and NaNs; exponent 0 holds
  /// zero and the subnormals.
  IEEE,
  /// No infinities; the only NaN is the negative-zero pattern (sign set,
  /// everything else clear); exponent 0 holds zero and the subnormals.
  FNUZ,
  /// DLFloat: no subnormals (exponent 0 is a normal binade whose all-zero
  /// mantissa is zero), and the all-ones magnitude is the one NaN/infinity
  /// pattern (decoded as NaN).
  DLFloat,
};

/// A binary floating-point format with 1 sign bit.
struct FloatFormat {
  const char *name;
  unsigned exponentBits;
  unsigned mantissaBits;
  int bias;
  Specials specials;

  unsigned totalBits() const { return 1 + exponentBits + mantissaBits; }
  /// The largest finite value.
  double maxFinite() const;
  /// The smallest positive value (a subnormal where the format has them).
  double minSubnormal() const;
};

/// IEEE binary16.
extern const FloatFormat kFP16;
/// IBM's DLFloat16: 1-6-9, bias 31, value (-1)^s 2^(e-31) (1 + m/512) for
/// every (e, m) but zero (all zero) and NaN/infinity (all ones); the largest
/// finite value is (1 + 510/512) 2^32, the smallest positive
/// (1 + 1/512) 2^-31.
extern const FloatFormat kDLFloat16;
/// HFP8 forward format 1-4-3, exponent bias 11, max 30, no infinities
/// (MLIR's f8E4M3B11FNUZ).
extern const FloatFormat kHFP8_143;
/// HFP8 backward format 1-5-2, IEEE specials (MLIR's f8E5M2).
extern const FloatFormat kHFP8_152;

enum class Rounding { NearestEven, Stochastic };

/// Options of one conversion.
struct RoundingMode {
  Rounding rounding = Rounding::NearestEven;
  /// Out-of-range values (and infinities) become the largest finite value
  /// of their sign instead of infinity (or NaN where there is none).
  bool saturate = false;
};

/// Encodes `x` into `format` (bits in the low totalBits()). For stochastic
/// rounding, `random` supplies the uniform bits deciding the direction: the
/// value rounds away from zero with probability equal to its distance from
/// the truncated value over the spacing.
uint32_t encode(double x, const FloatFormat &format, RoundingMode mode = {},
                uint64_t random = 0);

/// The value of an encoding.
double decode(uint32_t bits, const FloatFormat &format);

/// Rounds `x` to the nearest value of `format` (a decode of an encode).
inline double round(double x, const FloatFormat &format, RoundingMode mode = {},
                    uint64_t random = 0) {
  return decode(encode(x, format, mode, random), format);
}

/// A dot product as the PE array computes it: products rounded to
/// `multiply`, accumulated in `accumulate` within chunks of `chunk` terms,
/// and the chunk sums accumulated in `accumulate` (the seed's fix for
/// swamping). `chunk` = 0 accumulates everything in one running sum.
double chunkedDot(llvm::ArrayRef<double> x, llvm::ArrayRef<double> y,
                  const FloatFormat &multiply, const FloatFormat &accumulate,
                  unsigned chunk);

} // namespace rapid::numerics

#endif // RAPID_NUMERICS_FLOATFORMAT_H
