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
#include <vector>

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

/// Whether macNarrow accumulates in `p`: FP16 and DLFloat16.
bool narrowAccumulation(Precision p);
/// numerics::round(x, p's format) to nearest even, without saturation, for
/// an accumulation precision macNarrow takes (any double, NaN and
/// infinities included; every NaN gives a NaN).
double roundNarrow(double x, Precision p);

/// One PE-array tile accumulating in FP16 or DLFloat16 with rounding to
/// nearest even, its operands decoded to floats (exactly: FP32 or a float
/// format). Dimensions and strides as in MacTileF32, every extent at least
/// 1; `out` points at the output element of index 0, in `acc`. The caller
/// ensures the outputs overlap no operand byte.
struct MacTileNarrow {
  std::array<int64_t, isa::kTileDims> extents{};
  std::array<int64_t, isa::kTileDims> inpStrides{}, kerStrides{}, outStrides{};
  const float *inp = nullptr;
  const float *ker = nullptr;
  uint8_t *out = nullptr;
  Precision acc = Precision::FP16;
  /// Terms per chunk (0: one running sum); at least 0.
  int64_t chunk = 0;
  bool accumulate = false;
};
/// rapid-sim's general mac loop for such a tile, bit for bit: per output
/// (in the order mb, out, oy, ox), the terms (ky, kx, in; in innermost)
/// multiplied in double (exact), each product rounded to `acc` and added
/// to the running sum in double and rounded; with chunks, every `chunk`
/// terms the running sum is added (and rounded) into the total and
/// restarts at +0, and the output is the rounded total plus the last
/// running sum; with `accumulate`, the rounded sum of the stored output
/// and that. The sums in lanes over outputs (AVX2 where enabled), the
/// stores in output order.
void macNarrow(const MacTileNarrow &tile);

/// A tile's MACs with a zero operand (dynamic sparsity): all its MACs, those
/// whose input (activation) operand is zero, those whose kernel (weight)
/// operand is zero, and those whose either operand is, which a zero-skipping
/// PE array skips (zeroEither = zeroInput + zeroWeight - both).
struct MacZeroCounts {
  int64_t macs = 0, zeroInput = 0, zeroWeight = 0, zeroEither = 0;
  MacZeroCounts &operator+=(const MacZeroCounts &o) {
    macs += o.macs;
    zeroInput += o.zeroInput;
    zeroWeight += o.zeroWeight;
    zeroEither += o.zeroEither;
    return *this;
  }
};

/// How a tile's MACs read their operands, for counting those with a zero
/// operand without visiting every MAC: built once per tile shape (extents
/// and the input and kernel strides, in elements, in the tile's order in,
/// out, oy, ox, mb, ky, kx), then applied to each execution's operands.
/// The dimensions split into those both operands index, the input only,
/// the kernel only, and neither. A zero input element counts once per MAC
/// that reads it: its reads over the input's dimensions (precomputed per
/// span element) times the kernel-only and unindexed extents; likewise a
/// zero weight. MACs with both operands zero are counted only when both
/// kinds occur: per tuple of the shared dimensions, (zero inputs over the
/// input-only dimensions) x (zero weights over the kernel-only ones), the
/// former visited only where the latter is nonzero. The work is about the
/// operands' spans, plus the shared tuples' weights, plus the input-only
/// extents per shared tuple with a zero weight.
class MacUsePlan {
public:
  MacUsePlan(const std::array<int64_t, isa::kTileDims> &extents,
             const std::array<int64_t, isa::kTileDims> &inpStrides,
             const std::array<int64_t, isa::kTileDims> &kerStrides);
  /// The element offsets the tile reads, [lo, hi], of each operand.
  int64_t inpLo = 0, inpHi = 0, kerLo = 0, kerHi = 0;
  /// The counts for operands decoded to floats, `inp` and `ker` pointing at
  /// element offset 0 (elements [lo, hi] readable); a zero is +0 or -0.
  MacZeroCounts count(const float *inp, const float *ker) const;

private:
  int64_t macs = 0;
  /// Products of the extents of the dimensions only the kernel indexes,
  /// only the input does, and neither does.
  int64_t kerOnly = 1, inpOnly = 1, neither = 1;
  /// The shared dimensions' (extent, input stride, kernel stride); the
  /// input-only and kernel-only dimensions' (extent, stride), smallest
  /// stride first.
  std::vector<std::array<int64_t, 3>> shared;
  std::vector<std::array<int64_t, 2>> inpDims, kerDims;
  /// Per span element, how many tuples of the operand's dimensions read it
  /// (empty when every element of the span is read exactly once).
  std::vector<uint32_t> inpUses, kerUses;
  uint32_t inpMaxUse = 1, kerMaxUse = 1;
};

/// The same counts visiting every MAC: the reference for tests.
MacZeroCounts countZeroOperandsReference(const MacTileF32 &tile);

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
