//===- Kernels.h - The simulator's data-parallel kernels ----------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The inner loops of rapid::sim that dominate a model's simulation: the PE
// array's FP32-accumulating tile (mac), whole-vector conversions between the
// storage precisions and FP32 (the SFUs' loads and stores, the mac's operand
// decode), the SFUs' elementwise operations and strided DMA copies. Each has
// a portable scalar implementation and, where the host has them, AVX2/F16C
// versions selected at run time; both give bit-identical results (every
// output's reduction keeps the order docs/isa.md defines: lanes run across
// independent outputs, never across a sum). Big tiles are split across a
// persistent pool of threads (setKernelThreads); results do not depend on the
// thread count.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SIM_KERNELS_H
#define RAPID_SIM_KERNELS_H

#include "rapid/ISA/ModelBinary.h"
#include "rapid/Support/Vocabulary.h"

#include <array>
#include <cstdint>

namespace rapid::sim {

/// The threads kernels may use (the calling one included): 1 (the default)
/// runs everything on the caller, 0 means the hardware's concurrency.
void setKernelThreads(unsigned threads);
unsigned kernelThreads();

/// Whether the AVX2/F16C kernels are used where the host supports them (the
/// default). Tests turn them off to compare with the scalar versions.
void setVectorKernels(bool enable);
/// Whether the host runs the AVX2/F16C kernels (independent of the setting).
bool vectorKernelsSupported();

/// numerics::loadElement of `n` consecutive elements of `p` (a whole-byte
/// precision) as floats.
void decodeElements(const uint8_t *bytes, int64_t n, Precision p, float *out);
/// numerics::storeElement of `n` floats in `p` (a whole-byte precision).
void encodeElements(const float *values, int64_t n, Precision p,
                    uint8_t *bytes);

/// One PE-array tile with FP32 accumulation and no chunks, its operands
/// decoded to floats. Dimensions in the tile's order: in, out, oy, ox, mb,
/// ky, kx; strides in elements. `out` points at the output element of index
/// 0 (FP32, little-endian; possibly unaligned).
struct MacTileF32 {
  std::array<int64_t, isa::kTileDims> extents{};
  std::array<int64_t, isa::kTileDims> inpStrides{}, kerStrides{}, outStrides{};
  const float *inp = nullptr;
  const float *ker = nullptr;
  uint8_t *out = nullptr;
  bool accumulate = false;
};
/// For each output, the sum over ky, kx and in (in innermost) of the
/// products, each rounded to FP32 and added in FP32 (added to the output
/// when `accumulate`), exactly as macReference.
void macF32(const MacTileF32 &tile);
/// The plain loop nest the other paths must match, output after output in
/// the order mb, out, oy, ox.
void macReference(const MacTileF32 &tile);

/// The elements of a DMA that reads and writes disjoint bytes: for each
/// index (i0, i1, i2, i3) (innermost first), `elementBytes` bytes from
/// `src + sum(ik * srcStrides[k])` to `dst + sum(ik * dstStrides[k])`, in
/// that order (later writes win).
void dmaCopy(uint8_t *dst, const uint8_t *src, int64_t elementBytes,
             const std::array<int64_t, 4> &counts,
             const std::array<int64_t, 4> &srcStrides,
             const std::array<int64_t, 4> &dstStrides);

/// The SFUs' max and min, as rapid-sim has always computed them (glibc's
/// fmaxf and fminf with `b` as their first operand): for ordered operands
/// `b` when it is greater (less) than `a`, else `a`, so that zeros of
/// either sign tie to `a`; a quiet NaN on one side gives the other operand;
/// signaling NaNs, or NaNs on both sides, give NaN.
float sfuMax(float a, float b);
float sfuMin(float a, float b);

/// r[i] = op(a[i], b[i]) for an elementwise SFU operation; false (nothing
/// written) for the reductions and operations it does not know.
bool sfuElementwise(isa::SfuOperation op, const float *a, const float *b,
                    int64_t n, float *r);

} // namespace rapid::sim

#endif // RAPID_SIM_KERNELS_H
