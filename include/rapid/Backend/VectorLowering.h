//===- VectorLowering.h - SFU and DMA layers as ISA code ----------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Plain C++: the code of layers the PE array does not run: pooling and
// elementwise arithmetic on the SFUs over tensors staged through Lx, and
// the copies that pad a tensor. Each streams its tensor through Lx in
// blocks as large as Lx holds (a hardware loop over the blocks, the last,
// smaller one emitted apart); docs/backend.md gives the schemes.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_BACKEND_VECTORLOWERING_H
#define RAPID_BACKEND_VECTORLOWERING_H

#include "rapid/Backend/LayerLowering.h"

namespace rapid::backend {

/// Appends code copying `src` (N x C x H x W) into the interior of `dst`
/// (N x C x (H + top + bottom) x (W + left + right), same precision), after
/// filling `dst` with the element at `fillAddress` (zero for convolutions,
/// -infinity for max pooling).
void emitPadCopy(const ExtTensor &src, const ExtTensor &dst, int64_t top,
                 int64_t left, uint64_t fillAddress, isa::CoreProgram &core);

/// A pooling layer over an (already padded) input.
struct PoolLayer {
  std::string name;
  enum class Kind { Max, Avg, GlobalAvg } kind = Kind::Max;
  Window window;
  ExtTensor inp, out;
};
/// Max: the maximum of the window's taps (exact in the input precision);
/// Avg and GlobalAvg: their FP32 sum times 1 / taps, rounded once to the
/// output precision.
/// The SFU lowerings set `*lxEnd` (when given) to the end of the Lx bytes
/// they use from `lxBase`, for the program's memory map.
llvm::Error lowerPool(const PoolLayer &layer, const CoreModel &coreModel,
                      uint64_t lxBase, isa::CoreProgram &core,
                      uint64_t *lxEnd = nullptr);

/// An elementwise layer over `elements` elements: binary (a op b, same
/// shapes) or unary (relu, clip to [lo, hi], a conversion from a's
/// precision to out's, a quantization to out's integer precision:
/// x * (1 / scale) in FP32, plus the zero point, rounded to nearest even
/// and saturated, or a dequantization from a's: (q - zero point) * scale).
struct EltwiseLayer {
  std::string name;
  enum class Kind {
    Add,
    Sub,
    Mul,
    Max,
    Relu,
    Clip,
    Convert,
    Quantize,
    Dequantize
  } kind = Kind::Add;
  ExtTensor a, b, out;
  int64_t elements = 0;
  float lo = 0, hi = 0;
  /// Quantize, Dequantize: the step and the zero point.
  float scale = 1;
  int64_t zeroPoint = 0;
  bool binary() const { return kind <= Kind::Max; }
};
/// Computes in FP32 and rounds once to the output precision.
llvm::Error lowerEltwise(const EltwiseLayer &layer, const CoreModel &coreModel,
                         uint64_t lxBase, isa::CoreProgram &core,
                         uint64_t *lxEnd = nullptr);

/// The end of a layer whose reduction (in, kij) was divided among cores:
/// each core left its partial sums (accumulation precision) in one slot of
/// `partials`, R slots of N x C x H x W one after another; this sums the
/// slots for planes [firstPlane, firstPlane + planes) of the N x C planes,
/// adds the per-plane bias (`planeBias`: one value per plane, in the
/// accumulation precision), applies the activation and converts to the
/// output's precision.
struct ReduceLayer {
  std::string name;
  ExtTensor partials, out;
  std::vector<int64_t> slots;
  int64_t firstPlane = 0, planes = 0;
  Precision acc = Precision::FP32;
  Epilogue epilogue;
  uint64_t planeBiasAddress = 0;
};
llvm::Error lowerReduce(const ReduceLayer &layer, const CoreModel &coreModel,
                        uint64_t lxBase, isa::CoreProgram &core,
                        uint64_t *lxEnd = nullptr);

/// A strided copy between tensors in external memory (transpose, slice):
/// for each index of `dims` (count, source and destination element
/// strides), the element at src + sum(i * srcStride) to dst + sum(i *
/// dstStride). At most 4 dimensions once unit ones are dropped and
/// contiguous ones merged.
struct CopyLayer {
  std::string name;
  ExtTensor src, dst;
  struct Dim {
    int64_t count, srcStride, dstStride;
  };
  std::vector<Dim> dims;
};
llvm::Error lowerCopy(const CopyLayer &layer, isa::CoreProgram &core);

/// One timestep of an LSTM (ONNX gate order i, o, f, c) for `batch` rows
/// of `hidden` units: gates = x-projection + recurrent projection (both
/// FP32, [batch][4 hidden]); i, o, f = sigmoid, c~ = tanh of their slices;
/// cell = f * cell + i * c~ (FP32, updated in place); hidden = o *
/// tanh(cell), written in hidden's precision. sigmoid(x) = 1 / (1 + e^-x)
/// and tanh(x) = 2 sigmoid(2x) - 1 on the SFUs.
struct LstmCellLayer {
  std::string name;
  ExtTensor xproj, hproj, cell, hidden;
  int64_t batch = 1, units = 1;
};
llvm::Error lowerLstmCell(const LstmCellLayer &layer,
                          const CoreModel &coreModel, uint64_t lxBase,
                          isa::CoreProgram &core, uint64_t *lxEnd = nullptr);

/// A barrier of every core of the chip (`id` modulo 256).
void emitBarrier(int64_t id, isa::CoreProgram &core);

} // namespace rapid::backend

#endif // RAPID_BACKEND_VECTORLOWERING_H
