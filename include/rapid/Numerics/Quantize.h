//===- Quantize.h - Uniform integer quantization ------------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The integer formats of the PE array: INT8, INT4, INT2 (two's complement,
// uniform with a scale and a zero point, as !rapid.quant and rapid.quantize
// define them), ternary {-1, 0, 1} and binary {-1, +1}.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_NUMERICS_QUANTIZE_H
#define RAPID_NUMERICS_QUANTIZE_H

#include "rapid/Numerics/FloatFormat.h"
#include "rapid/Support/Vocabulary.h"

#include <cstdint>

namespace rapid::numerics {

/// The stored range of an integer precision: INT8/4/2 two's complement,
/// ternary [-1, 1], binary {-1, 1}; BiScaled4's values [-32, 28].
struct IntRange {
  int64_t min, max;
};
IntRange intRange(Precision p);

/// stored = clamp(round(x / scale) + zeroPoint, min, max) with round to
/// nearest even (or stochastic with `random`); binary takes the sign
/// (zero maps to +1). NaN maps to the zero point.
int64_t quantize(double x, Precision p, double scale, int64_t zeroPoint = 0,
                 Rounding rounding = Rounding::NearestEven,
                 uint64_t random = 0);

/// x = scale * (stored - zeroPoint).
inline double dequantize(int64_t stored, double scale, int64_t zeroPoint = 0) {
  return scale * static_cast<double>(stored - zeroPoint);
}

/// The float format of a floating-point storage precision (nullptr for FP32
/// and the integer precisions).
const FloatFormat *floatFormat(Precision p);

/// How the accelerator stores `x` in precision `p` (the bits, in the low
/// storageBits(p)): FP32 as IEEE single; the small float formats round to
/// nearest even, those without infinities (HFP8 1-4-3, DLFloat16)
/// saturating instead of producing NaN; INT8 rounds to nearest even and
/// saturates; BiScaled4 as numerics::quantizeBiScaled(x, kBiScaled4) puts
/// it (q in bits 0-3, the wide flag in bit 4), FPEC4 as
/// quantizeCompensated(x, {4 bits, FB 0}) does (q in bits 0-3, the error
/// direction in bits 4-5, two's complement; its value is q). Whole-byte
/// precisions only. With Rounding::Stochastic the small float formats round
/// stochastically with `random`'s bits (encode); FP32 and INT8 round to nearest
/// even whatever `rounding` says (stochastic rounding into FP32 is not
/// modelled).
uint32_t toStorage(double x, Precision p,
                   Rounding rounding = Rounding::NearestEven,
                   uint64_t random = 0);
/// The value of stored bits (INT8 as a plain integer).
double fromStorage(uint32_t bits, Precision p);
/// toStorage's bits written at `bytes` (little-endian, storageBits(p) / 8
/// bytes), and read back as a value.
void storeElement(double x, Precision p, uint8_t *bytes,
                  Rounding rounding = Rounding::NearestEven,
                  uint64_t random = 0);
double loadElement(const uint8_t *bytes, Precision p);
/// The error direction (-1, 0, 1) of a stored FPEC4 element.
int fpecDirection(uint32_t bits);

/// The sub-byte precisions (int4; int2 and ternary in 2 bits; binary in 1)
/// are stored packed (docs/isa.md): the element at bit address `bit` (byte
/// bit / 8, bits from bit % 8 up; an element never straddles bytes) in two's
/// complement, binary as 1 for +1 and 0 for -1. toStorage/fromStorage give
/// those bits; a stored value rounds to nearest even and saturates.
inline bool isPacked(Precision p) { return storageBits(p) < 8; }
/// Bytes `count` elements of `p` occupy (packed ones: whole bytes of their
/// bits).
inline uint64_t bytesFor(uint64_t count, Precision p) {
  return (count * storageBits(p) + 7) / 8;
}
/// Element `index` of a run of `p` elements starting at `memory`: packed
/// by bit position, or whole bytes (storeElement / loadElement).
void storeAt(double x, Precision p, uint8_t *memory, uint64_t index);
double loadAt(const uint8_t *memory, uint64_t index, Precision p);
double loadPacked(const uint8_t *memory, uint64_t bit, Precision p);
void storePacked(double x, Precision p, uint8_t *memory, uint64_t bit);

} // namespace rapid::numerics

#endif // RAPID_NUMERICS_QUANTIZE_H
