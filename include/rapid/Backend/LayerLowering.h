//===- LayerLowering.h - A mapped layer as ISA code ---------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Plain C++, no MLIR: the code one core runs for one layer of the
// convolution/matrix-product family (convolutions with any kernel, stride
// and dilation, depthwise convolutions, fully-connected layers, matmul and
// gemm) as its DeepMatrix mapping dictates (docs/backend.md):
//  - The mapping's ij tiles become rectangles of output rows x columns and
//    its kij tiles rectangles of kernel rows x columns, the shapes the cost
//    model's halo footprint assumes; the seven loop dimensions {in, out, oy,
//    ox, mb, ky, kx} keep the mapping's loop order.
//  - B-stage loops stage B tiles in Lx: an input B tile is the patch of
//    input rows and columns its output pixels' windows read. T-stage loops
//    stage T tiles (patches) in L0; one `mac` computes a T tile, reading its
//    windows as strided accesses. Each operand is (re)fetched at the loop
//    the cost model prices it at (rapid::transferLocations' rule).
//  - Weights are packed at compile time (packWeights): converted to the
//    kernel precision, tiled in B tiles and zero-padded to whole T tiles,
//    so every weight tile is one contiguous transfer. Sparse weights may be
//    stored bitmap-compressed (compressWeights), each tile in a slot of
//    the largest compressed tile's size, and loaded with ext_to_lx_unpack.
//  - Activations keep plain NCHW layouts in external memory; the input of a
//    padded convolution is a zero-bordered copy (VectorLowering.h's
//    emitPadCopy). A B tile at
//    the end of a dimension it does not divide is smaller: that loop is
//    peeled (its last iteration emitted apart with smaller transfers), while
//    the T stage always computes whole T tiles over the padded B tile; the
//    padding of a reduced dimension meets zero weights.
//  - The output B tile stays in Lx until complete, then an SFU epilogue
//    adds the bias, applies the activation and converts to the output
//    precision before the write-back.
//  - Each engine instruction signals semaphore s0 on completion and the
//    instruction unit waits for it before going on (`sem.wait s0`), except
//    in the T loop that reloads the input/weight T tiles, which is double-
//    buffered: two L0 buffers, loads overlapping the previous tiles' macs,
//    synchronized by counts on s1 (macs) and s2 (loads).
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_BACKEND_LAYERLOWERING_H
#define RAPID_BACKEND_LAYERLOWERING_H

#include "rapid/CostModel/CostModel.h"
#include "rapid/ISA/ModelBinary.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace rapid::backend {

using TileDim = isa::TileDim;
constexpr unsigned kTileDims = isa::kTileDims;
using TileTuple = std::array<int64_t, kTileDims>;

/// A tensor in external memory as N x C x H x W: row-major and contiguous
/// unless `strides` (elements per step of N, C, H, W) says otherwise, as
/// for the slice of a larger tensor one core reads or writes.
struct ExtTensor {
  uint64_t address = 0;
  Precision precision = Precision::FP16;
  std::array<int64_t, 4> shape{1, 1, 1, 1};
  std::optional<std::array<int64_t, 4>> strides;
  /// Packed sub-byte tensors: where the slice starts, in elements past
  /// `address` (a slice need not start on a byte).
  int64_t elementOffset = 0;
  std::array<int64_t, 4> elementStrides() const {
    if (strides)
      return *strides;
    return {shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1};
  }
};

/// What a layer's epilogue applies to the finished sums: the scale, the
/// bias, then the activation.
struct Epilogue {
  enum class Act { None, Relu, Clip } act = Act::None;
  /// Clip bounds.
  float lo = 0, hi = 0;
  /// Whether the layer adds a per-output-channel bias.
  bool bias = false;
  /// The sums' scale: for integer operands, the product of the input's and
  /// the weights' quantization scales (the sums count their steps).
  float scale = 1;
};

/// The window of a convolution (1x1 for matrix products).
struct Window {
  int64_t kernelH = 1, kernelW = 1;
  int64_t strideH = 1, strideW = 1;
  int64_t dilationH = 1, dilationW = 1;
};

/// One layer on one core. The input is the (already padded) tensor the
/// window reads: output pixel (oy, ox) reads rows oy*strideH + ky*dilationH
/// and columns ox*strideW + kx*dilationW of it.
struct MappedLayer {
  std::string name;
  Workload workload;
  Mapping mapping;
  Window window;
  /// One output channel per input channel (groups = channels).
  bool depthwise = false;
  ExtTensor inp, out;
  /// The packed weights (packWeights) and, with a bias, the padded FP32
  /// bias (packBias).
  uint64_t kerAddress = 0, biasAddress = 0;
  /// Compressed weights (compressWeights): the bytes of each B tile's slot,
  /// every tile's bitmap-compressed run at the start of its slot, loaded
  /// with ext_to_lx_unpack; 0: dense (packWeights' layout).
  int64_t kerSlotBytes = 0;
  Epilogue epilogue;
};

/// Why the lowering does not handle `layer`, or empty: the workload must
/// be an inference convolution or product (grouped only as depthwise), its
/// shapes consistent with the tensors, the accumulation and output in
/// whole bytes (fp32 for integer operands), and the mapping's tiles nested.
std::string checkLayer(const MappedLayer &layer);

/// The mapping's tiles per tile dimension at `level` ("N", "B", "T"; ij and
/// kij as rectangles), and B padded to whole T tiles ("B'").
TileTuple tileOf(const MappedLayer &layer, llvm::StringRef level);

/// The weights (logical [out][in/groups][kh][kw], row-major) converted to
/// the kernel precision (for an integer precision: the stored integers,
/// saturated to its range) and laid out as the lowering reads them; packed
/// for the sub-byte precisions.
std::vector<uint8_t> packWeights(const MappedLayer &layer,
                                 llvm::ArrayRef<float> w);
/// When rapid-lower-to-isa stores a layer's weights compressed (its option
/// compress-weights): Auto when the largest tile compressed, its padding
/// counted as non-zero, is at most 3/4 of a dense tile; Always when the
/// slot is not larger than a dense tile; Never.
enum class CompressWeights { Auto, Never, Always };
/// "auto", "never" or "always"; std::nullopt for anything else.
std::optional<CompressWeights> parseCompressWeights(llvm::StringRef mode);

/// A layer's weights as bitmap-compressed B tiles (docs/backend.md).
struct CompressedWeights {
  /// Tile after tile, each in a slot of `slotBytes` bytes: its bitmap
  /// (ceil(n / 8) bytes, bit k % 8 of byte k / 8 set for a non-zero element
  /// k), then its non-zero elements, packed; zeros up to the slot's end.
  std::vector<uint8_t> bytes;
  int64_t slotBytes = 0, denseTileBytes = 0, tiles = 0;
};

/// The bitmap-compressed run (as ext_to_lx_unpack reads it, docs/isa.md) of
/// the `count` elements of `bits` bits from element `first` of `dense`; an
/// element is zero when all its bits are.
std::vector<uint8_t> compressRun(llvm::ArrayRef<uint8_t> dense, int64_t first,
                                 int64_t count, int64_t bits);

/// The weights packWeights laid out (`dense`) compressed per B tile, or
/// std::nullopt where `mode` keeps them dense: Never; Always, when the
/// largest compressed tile (rounded up to whole bytes) is larger than a
/// dense tile; Auto, when it is, or when the largest tile compressed with
/// its padding (elements past the layer's extents) counted as non-zero is
/// larger than 3/4 of a dense tile: only the layer's own zero weights
/// decide, so that weights without zeros stay dense.
std::optional<CompressedWeights> compressWeights(const MappedLayer &layer,
                                                 llvm::ArrayRef<uint8_t> dense,
                                                 CompressWeights mode);

/// The bias (one per output channel) in the accumulation precision (the
/// SFUs add it to the accumulators), zero-padded to whole B' tiles.
std::vector<uint8_t> packBias(const MappedLayer &layer,
                              llvm::ArrayRef<float> b);

/// Where the layer's buffers lie in Lx and L0 (byte addresses from
/// `lxBase`/`l0Base`).
struct Buffers {
  uint64_t inpB = 0, kerB = 0, outB = 0, biasB = 0, finalB = 0, lxEnd = 0;
  /// The second Lx buffers of the double-buffered B tiles (from lxEnd on,
  /// ending at lxEnd2).
  uint64_t inpB2 = 0, kerB2 = 0, lxEnd2 = 0;
  uint64_t inpT = 0, kerT = 0, outT = 0, l0End = 0;
  /// The second L0 buffers of the double-buffered T tiles (the output's
  /// from l0End on, ending at l0End2).
  uint64_t inpT2 = 0, kerT2 = 0, outT2 = 0, l0End2 = 0;
};
Buffers planBuffers(const MappedLayer &layer, uint64_t lxBase, uint64_t l0Base);

/// Appends the layer's code to `core` (its descriptors to the core's
/// tables). `zeroAddress` is an external address holding at least 4 zero
/// bytes (the source of fills). Fails, naming the layer, when the layer is
/// not handled or its buffers exceed the core's Lx or L0.
llvm::Error lowerLayer(const MappedLayer &layer, const CoreModel &coreModel,
                       uint64_t zeroAddress, uint64_t lxBase, uint64_t l0Base,
                       isa::CoreProgram &core);

/// Starts a core's program (a0 = 0).
void beginProgram(isa::CoreProgram &core);
/// Ends it: `halt` (every engine instruction has completed).
void endProgram(isa::CoreProgram &core);

} // namespace rapid::backend

#endif // RAPID_BACKEND_LAYERLOWERING_H
