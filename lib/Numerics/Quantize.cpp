//===- Quantize.cpp - Uniform integer quantization ------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Numerics/Quantize.h"
#include "rapid/Numerics/FixedPoint.h"

#include <cassert>
#include <cstring>

#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rapid;
using namespace rapid::numerics;

IntRange rapid::numerics::intRange(Precision p) {
  switch (p) {
  case Precision::INT8:
    return {-128, 127};
  case Precision::INT4:
    return {-8, 7};
  case Precision::INT2:
    return {-2, 1};
  case Precision::Ternary:
  case Precision::Binary:
    return {-1, 1};
  case Precision::BiScaled4:
    return {-32, 28};
  case Precision::FPEC4:
    return {-8, 7};
  default:
    llvm_unreachable("not an integer precision");
  }
}

int64_t rapid::numerics::quantize(double x, Precision p, double scale,
                                  int64_t zeroPoint, Rounding rounding,
                                  uint64_t random) {
  assert(scale > 0 && "scales are positive");
  IntRange range = intRange(p);
  if (std::isnan(x))
    return std::clamp(zeroPoint, range.min, range.max);
  if (p == Precision::Binary)
    return x - dequantize(zeroPoint, scale) >= 0 ? 1 : -1;
  double scaled = x / scale;
  // Clamp before rounding so that huge values cannot overflow int64.
  scaled = std::clamp(scaled, double(range.min - zeroPoint) - 1,
                      double(range.max - zeroPoint) + 1);
  double q = std::floor(scaled), fraction = scaled - q;
  bool up;
  if (rounding == Rounding::NearestEven)
    up = fraction > 0.5 || (fraction == 0.5 && std::fmod(q, 2.0) != 0.0);
  else
    up = std::ldexp(static_cast<double>(random >> 11), -53) < fraction;
  int64_t stored = static_cast<int64_t>(q) + (up ? 1 : 0) + zeroPoint;
  return std::clamp(stored, range.min, range.max);
}

const FloatFormat *rapid::numerics::floatFormat(Precision p) {
  switch (p) {
  case Precision::FP16:
    return &kFP16;
  case Precision::DLFloat16:
    return &kDLFloat16;
  case Precision::HFP8_143:
    return &kHFP8_143;
  case Precision::HFP8_152:
    return &kHFP8_152;
  default:
    return nullptr;
  }
}

uint32_t rapid::numerics::toStorage(double x, Precision p, Rounding rounding,
                                    uint64_t random) {
  if (p == Precision::FP32) {
    float f = float(x);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return bits;
  }
  if (p == Precision::INT8) {
    if (std::isnan(x))
      x = 0;
    x = std::clamp(x, -128.0, 127.0);
    return uint32_t(uint8_t(int8_t(quantize(x, p, 1.0))));
  }
  if (p == Precision::BiScaled4) {
    BiScaledValue v = quantizeBiScaled(x, kBiScaled4);
    return (uint32_t(v.q) & 0xF) | (v.wide ? 0x10u : 0u);
  }
  if (p == Precision::FPEC4) {
    CompensatedValue v = quantizeCompensated(x, FixedPointFormat{4, 0});
    return (uint32_t(v.q) & 0xF) | ((uint32_t(v.direction) & 3u) << 4);
  }
  if (isPacked(p)) {
    // Two's complement in the low bits; binary: 1 for +1, 0 for -1.
    int64_t v = quantize(x, p, 1.0);
    uint32_t mask = (1u << storageBits(p)) - 1;
    return p == Precision::Binary ? uint32_t(v > 0) : uint32_t(v) & mask;
  }
  const FloatFormat *f = floatFormat(p);
  assert(f && "a whole-byte storage precision");
  RoundingMode mode;
  mode.rounding = rounding;
  mode.saturate = f->specials != Specials::IEEE;
  return encode(x, *f, mode, random);
}

double rapid::numerics::fromStorage(uint32_t bits, Precision p) {
  if (p == Precision::FP32) {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  if (p == Precision::INT8)
    return double(int8_t(uint8_t(bits)));
  if (p == Precision::BiScaled4) {
    int64_t q = int64_t(bits & 0xF) - ((bits & 0x8) ? 16 : 0);
    return double((bits & 0x10) ? q * 4 : q);
  }
  if (p == Precision::FPEC4)
    return double(int64_t(bits & 0xF) - ((bits & 0x8) ? 16 : 0));
  if (isPacked(p)) {
    unsigned b = storageBits(p);
    uint32_t raw = bits & ((1u << b) - 1);
    if (p == Precision::Binary)
      return raw ? 1.0 : -1.0;
    return raw >= (1u << (b - 1)) ? double(int64_t(raw) - (int64_t(1) << b))
                                  : double(raw);
  }
  const FloatFormat *f = floatFormat(p);
  assert(f && "a whole-byte storage precision");
  return decode(bits, *f);
}

double rapid::numerics::loadPacked(const uint8_t *memory, uint64_t bit,
                                   Precision p) {
  unsigned b = storageBits(p);
  return fromStorage(uint32_t(memory[bit / 8] >> (bit % 8)) & ((1u << b) - 1),
                     p);
}

void rapid::numerics::storePacked(double x, Precision p, uint8_t *memory,
                                  uint64_t bit) {
  unsigned b = storageBits(p);
  uint8_t mask = uint8_t(((1u << b) - 1) << (bit % 8));
  uint8_t bits = uint8_t(toStorage(x, p) << (bit % 8));
  memory[bit / 8] = uint8_t((memory[bit / 8] & ~mask) | (bits & mask));
}

void rapid::numerics::storeElement(double x, Precision p, uint8_t *bytes,
                                   Rounding rounding, uint64_t random) {
  uint32_t bits = toStorage(x, p, rounding, random);
  std::memcpy(bytes, &bits, size_t(storageBits(p) / 8));
}

double rapid::numerics::loadElement(const uint8_t *bytes, Precision p) {
  uint32_t bits = 0;
  std::memcpy(&bits, bytes, size_t(storageBits(p) / 8));
  return fromStorage(bits, p);
}

int rapid::numerics::fpecDirection(uint32_t bits) {
  int d = int((bits >> 4) & 3u);
  return d >= 2 ? d - 4 : d;
}

void rapid::numerics::storeAt(double x, Precision p, uint8_t *memory,
                              uint64_t index) {
  uint64_t bits = storageBits(p);
  if (isPacked(p))
    storePacked(x, p, memory, index * bits);
  else
    storeElement(x, p, memory + index * (bits / 8));
}

double rapid::numerics::loadAt(const uint8_t *memory, uint64_t index,
                               Precision p) {
  uint64_t bits = storageBits(p);
  return isPacked(p) ? loadPacked(memory, index * bits, p)
                     : loadElement(memory + index * (bits / 8), p);
}
