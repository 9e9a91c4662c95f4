//===- FixedPoint.h - Fixed point, BiScaled and compensated formats -*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The seed's approximate-computing number formats for low-precision
// inference (docs/numerics.md):
//
//  - fixed point (FxP): a `bits`-bit two's complement integer q with
//    `fractionBits` FB, worth q 2^-FB (FB may be negative: a coarser step);
//  - BiScaled fixed point: the same bits with two scales, fine (FB_sf) and
//    wide (FB_sw < FB_sf), chosen per element (a flag): values within the
//    fine scale's integer bits IB_sf (sign included: |x| < 2^(IB_sf - 1))
//    keep the fine step, the few larger ones take the wide step. A dot product
//    multiplies the integers and shifts a product left by (isWide(x) +
//    isWide(y)) (FB_sf - FB_sw), summing in units of 2^-2 FB_sf;
//  - fixed point with error compensation (FPEC): an FxP value with the
//    direction of its quantization error (zero within a quarter step, else
//    its sign), whose dot product adds the first-order correction
//    sum(qx dy + qy dx) (step / 4) step to sum(qx qy) step^2.
//
// Rounding is to nearest even, saturating.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_NUMERICS_FIXEDPOINT_H
#define RAPID_NUMERICS_FIXEDPOINT_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace rapid::numerics {

struct FixedPointFormat {
  int bits = 8;
  int fractionBits = 0;
  double step() const;
  int64_t min() const { return -(int64_t(1) << (bits - 1)); }
  int64_t max() const { return (int64_t(1) << (bits - 1)) - 1; }
};

/// x as the integer of `f` (round to nearest even, saturating; NaN: 0).
int64_t quantizeFixed(double x, const FixedPointFormat &f);
/// The dot product of x and y quantized to fx and fy, as the exact value
/// of the integer sum of products.
double fixedDot(llvm::ArrayRef<double> x, llvm::ArrayRef<double> y,
                const FixedPointFormat &fx, const FixedPointFormat &fy);

struct BiScaledFormat {
  int bits = 5;
  int fineBits = 0;        // FB_sf
  int fineIntegerBits = 4; // IB_sf, sign included
  int wideBits = 0;        // FB_sw, < FB_sf
};
/// The PE array's BiScaled format (Precision::BiScaled4), in units of its
/// fine step: 4-bit integers, fine when |x| < 8, else in steps of 4.
constexpr BiScaledFormat kBiScaled4{4, 0, 4, -2};

struct BiScaledValue {
  int64_t q = 0;
  bool wide = false;
};
/// x in the fine scale when |x| < 2^(IB_sf - 1), else in the wide one
/// (both rounding to nearest even and saturating to `bits`).
BiScaledValue quantizeBiScaled(double x, const BiScaledFormat &f);
/// The BiScaled dot product: the integer sum of (qx qy) shifted left by
/// (wide(x) + wide(y)) (FB_sf - FB_sw), in units of 2^-2 FB_sf.
int64_t biScaledDotUnits(llvm::ArrayRef<BiScaledValue> x,
                         llvm::ArrayRef<BiScaledValue> y,
                         const BiScaledFormat &f);
/// The same as a value.
double biScaledDot(llvm::ArrayRef<double> x, llvm::ArrayRef<double> y,
                   const BiScaledFormat &f);

struct CompensatedValue {
  int64_t q = 0;
  /// The quantization error's direction: 0 within a quarter step, else its
  /// sign.
  int direction = 0;
};
CompensatedValue quantizeCompensated(double x, const FixedPointFormat &f);

/// Weight quantization to `bits` (symmetric, L = 2^(bits-1) - 1 levels a
/// side; 2 bits: {-1, 0, 1}): q = clamp(round to nearest even(w / scale),
/// -L, L) with scale = clip / L. The clip levels compared by
/// python/sawb_fit.py and docs/numerics.md:
///  - SAWB: c1 sqrt(E[w^2]) - c2 E[|w|] with the fitted table
///    (lib/Numerics/SawbCoefficients.inc, bits 2-6 and 8);
///  - max-abs: max |w|;
///  - percentile: the `percent` percentile of |w|.
int64_t quantizeSymmetric(double w, double clip, int bits);
double sawbClip(llvm::ArrayRef<double> w, int bits);
double maxAbsClip(llvm::ArrayRef<double> w);
double percentileClip(llvm::ArrayRef<double> w, double percent);
/// The mean squared error of quantizing `w` with `clip`.
double quantizationMSE(llvm::ArrayRef<double> w, double clip, int bits);
/// The compensated dot product (both operands in `f`).
double compensatedDot(llvm::ArrayRef<double> x, llvm::ArrayRef<double> y,
                      const FixedPointFormat &f);

} // namespace rapid::numerics

#endif // RAPID_NUMERICS_FIXEDPOINT_H
