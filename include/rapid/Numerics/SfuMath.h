//===- SfuMath.h - The SFUs' FP32 approximations ------------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The special-function units compute in FP32 with the approximations
// hardware uses: a reciprocal and a reciprocal square root from a 256-entry
// seed table refined by Newton-Raphson steps, exp by range reduction to
// [-ln2/2, ln2/2] and a degree-6 polynomial, ln by reduction to
// [sqrt(1/2), sqrt(2)) and an odd series in (m-1)/(m+1). Every operation is
// carried out in FP32 arithmetic, so results are bit-exact and
// reproducible; the error bounds (in units in the last place of the
// correctly rounded result) are documented in docs/numerics.md and enforced
// by test/unit/SfuMathTest.cpp. Subnormal inputs and results are flushed to
// zero, as the SFUs do.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_NUMERICS_SFUMATH_H
#define RAPID_NUMERICS_SFUMATH_H

namespace rapid::numerics {

/// 1/x; at most 1 ulp from the correctly rounded value for normal results.
float sfuRecip(float x);
/// 1/sqrt(x); at most 1 ulp. Negative x: NaN; +0: +inf.
float sfuRsqrt(float x);
/// sqrt(x) from x * rsqrt(x) and one residual correction; at most 1 ulp.
float sfuSqrt(float x);
/// e^x; at most 1 ulp where the result is normal; overflow to +inf,
/// underflow (below the smallest normal) to 0.
float sfuExp(float x);
/// ln(x); at most 1 ulp where |ln x| > 1/2, absolute error at most 2^-23.5
/// nearer x = 1. x < 0: NaN; 0: -inf.
float sfuLn(float x);
/// x * 2^k exactly (the exponent-modify operation), flushing subnormal
/// results to zero and overflowing to infinity.
float sfuExpMod(float x, int k);

/// Subnormals flushed to zero (keeping the sign).
float flushSubnormal(float x);

} // namespace rapid::numerics

#endif // RAPID_NUMERICS_SFUMATH_H
