//===- SfuMath.cpp - The SFUs' FP32 approximations ------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Numerics/SfuMath.h"

#include "llvm/ADT/bit.h"
#include <array>
#include <cmath>
#include <cstdint>

#include <cstring>
#include <limits>

using namespace rapid::numerics;

float rapid::numerics::flushSubnormal(float x) {
  if (x != 0 && std::fabs(x) < std::numeric_limits<float>::min())
    return std::copysign(0.0f, x);
  return x;
}

namespace {
/// Seeds indexed by the top 8 mantissa bits: 1/m at the bucket's midpoint
/// for m in [1, 2), and 1/sqrt(m) for m in [1, 4) (the exponent's parity
/// picks the half).
struct Tables {
  std::array<float, 256> recip;
  std::array<float, 512> rsqrt;
  Tables() {
    for (int i = 0; i < 256; ++i) {
      double mid = 1.0 + (i + 0.5) / 256.0;
      recip[i] = float(1.0 / mid);
      rsqrt[i] = float(1.0 / std::sqrt(mid));
      rsqrt[256 + i] = float(1.0 / std::sqrt(2.0 * mid));
    }
  }
};
const Tables &tables() {
  static const Tables t;
  return t;
}
} // namespace

float rapid::numerics::sfuRecip(float x) {
  x = flushSubnormal(x);
  if (std::isnan(x))
    return x;
  if (x == 0)
    return std::copysign(std::numeric_limits<float>::infinity(), x);
  if (std::isinf(x))
    return std::copysign(0.0f, x);
  // x = s 2^e m, m in [1, 2): 1/x = s 2^-e (1/m).
  uint32_t u = llvm::bit_cast<uint32_t>(x);
  int e = int((u >> 23) & 0xff) - 127;
  float m = llvm::bit_cast<float>((u & 0x007fffff) | 0x3f800000);
  float y = tables().recip[(u >> 15) & 0xff];
  // Newton-Raphson: y <- y (2 - m y), error squared each step (2^-9 ->
  // 2^-18 -> below FP32's resolution).
  for (int i = 0; i < 2; ++i)
    y = y * (2.0f - m * y);
  // A last residual correction rounds the result to within one ulp.
  float r = std::fma(-m, y, 1.0f);
  y = std::fma(y, r, y);
  return flushSubnormal(std::copysign(std::ldexp(y, -e), x));
}

float rapid::numerics::sfuRsqrt(float x) {
  x = flushSubnormal(x);
  if (std::isnan(x) || x < 0)
    return std::numeric_limits<float>::quiet_NaN();
  if (x == 0)
    return std::copysign(std::numeric_limits<float>::infinity(), x);
  if (std::isinf(x))
    return 0.0f;
  // x = 2^(2k) m', m' in [1, 4): 1/sqrt(x) = 2^-k / sqrt(m').
  uint32_t u = llvm::bit_cast<uint32_t>(x);
  int e = int((u >> 23) & 0xff) - 127;
  int odd = e & 1;
  int k = (e - odd) / 2;
  float m = llvm::bit_cast<float>((u & 0x007fffff) | 0x3f800000) *
            (odd ? 2.0f : 1.0f);
  float y = tables().rsqrt[odd * 256 + ((u >> 15) & 0xff)];
  // Newton-Raphson: y <- y (3 - m y^2) / 2.
  for (int i = 0; i < 2; ++i)
    y = y * (1.5f - 0.5f * m * y * y);
  float r = std::fma(-m * y, y, 1.0f);
  y = std::fma(0.5f * y, r, y);
  return std::ldexp(y, -k);
}

float rapid::numerics::sfuSqrt(float x) {
  x = flushSubnormal(x);
  if (x == 0 || std::isnan(x))
    return x;
  if (x < 0)
    return std::numeric_limits<float>::quiet_NaN();
  if (std::isinf(x))
    return x;
  float s = x * sfuRsqrt(x);
  // One residual correction: s <- s + (x - s^2) / (2 s).
  float r = std::fma(-s, s, x);
  return std::fma(r, 0.5f * sfuRsqrt(x), s);
}

float rapid::numerics::sfuExp(float x) {
  if (std::isnan(x))
    return x;
  if (x > 88.72284f)
    return std::numeric_limits<float>::infinity();
  if (x < -87.33655f)
    return 0.0f; // below the smallest normal: flushed
  // x = k ln2 + r, |r| <= ln2 / 2, ln2 split in two parts so that k ln2 is
  // exact enough in FP32 (Cody-Waite).
  const float ln2Hi = 0.693145751953125f, ln2Lo = 1.428606765330187e-06f;
  float k = std::nearbyint(x * 1.44269504088896341f);
  float r = std::fma(-k, ln2Hi, x);
  r = std::fma(-k, ln2Lo, r);
  // e^r on [-0.347, 0.347]: Taylor to degree 7, Horner in FP32.
  float p = 1.0f / 5040;
  for (float c :
       {1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f})
    p = std::fma(p, r, c);
  return flushSubnormal(std::ldexp(p, int(k)));
}

float rapid::numerics::sfuLn(float x) {
  x = flushSubnormal(x);
  if (std::isnan(x) || x < 0)
    return std::numeric_limits<float>::quiet_NaN();
  if (x == 0)
    return -std::numeric_limits<float>::infinity();
  if (std::isinf(x))
    return x;
  uint32_t u = llvm::bit_cast<uint32_t>(x);
  int e = int((u >> 23) & 0xff) - 127;
  float m = llvm::bit_cast<float>((u & 0x007fffff) | 0x3f800000);
  if (m > 1.41421356f) {
    m *= 0.5f;
    ++e;
  }
  // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716: the odd series
  // to s^11.
  float s = (m - 1.0f) / (m + 1.0f);
  float s2 = s * s;
  float q = 1.0f / 11;
  for (float c : {1.0f / 9, 1.0f / 7, 1.0f / 5, 1.0f / 3, 1.0f})
    q = std::fma(q, s2, c);
  float lnm = 2.0f * s * q;
  // e ln2 in two parts, the small one added first.
  const float ln2Hi = 0.693145751953125f, ln2Lo = 1.428606765330187e-06f;
  float fe = float(e);
  return std::fma(fe, ln2Hi, std::fma(fe, ln2Lo, lnm));
}

float rapid::numerics::sfuExpMod(float x, int k) {
  return flushSubnormal(std::ldexp(flushSubnormal(x), k));
}
