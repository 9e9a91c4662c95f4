//===- GemmLowering.h - A mapped GEMM-form layer as ISA code ------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Plain C++, no MLIR: the code one core runs for one layer whose workload is
// a matrix product in rapid's dimensions {in, out, ij, mb, kij} with kij = 1
// (fully-connected layers, matmul, gemm, 1x1 stride-1 unpadded convolutions),
// as its DeepMatrix mapping dictates: B-stage loops in the mapping's order
// staging B tiles in Lx, T-stage loops staging T tiles in L0, one `mac` per
// T tile, each operand (re)fetched at the loop the cost model prices it at
// (rapid::transferLocations), then an SFU epilogue (bias, activation,
// conversion to the output precision) and the write-back. docs/backend.md
// explains the scheme:
//  - Weights are packed at compile time (packGemmWeights): converted to the
//    kernel precision, tiled in B tiles and zero-padded to whole T tiles,
//    so every weight tile is one contiguous transfer.
//  - Activations keep their plain layout in external memory. A B tile at the
//    end of a dimension that the B tile does not divide is smaller: the
//    B loop is peeled (its last iteration emitted apart with smaller
//    transfers), while the T stage always computes whole (padded) T tiles;
//    the padding of a reduced dimension meets zero weights.
//  - Engine instructions run one after another, chained on semaphore s0.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_BACKEND_GEMMLOWERING_H
#define RAPID_BACKEND_GEMMLOWERING_H

#include "rapid/CostModel/CostModel.h"
#include "rapid/ISA/ModelBinary.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace rapid::backend {

/// A tensor in external memory: its byte address, element precision and
/// element strides per dimension {in, out, ij, mb, kij} (0 where the
/// dimension does not index it).
struct ExtTensor {
  uint64_t address = 0;
  Precision precision = Precision::FP16;
  DimTuple strides{};
};

/// The activation a layer's epilogue applies after the bias.
struct Epilogue {
  enum class Act { None, Relu, Clip, LeakyRelu } act = Act::None;
  /// Clip: [lo, hi]; LeakyRelu: alpha in lo.
  float lo = 0, hi = 0;
  /// Whether the layer adds a per-output-channel FP32 bias.
  bool bias = false;
};

/// One GEMM-form layer on one core.
struct GemmLayer {
  std::string name;
  Workload workload;
  Mapping mapping;
  ExtTensor inp, out;
  /// The packed weights (packGemmWeights) and, with a bias, the padded FP32
  /// bias vector (packGemmBias).
  uint64_t kerAddress = 0, biasAddress = 0;
  Epilogue epilogue;
};

/// The B tile padded to whole T tiles: per dimension ceil(B / T) * T.
DimTuple paddedBTile(const Mapping &m);

/// Why the lowering does not handle `layer` (empty when it does): the
/// workload must be a plain product (kij = 1, no grouping or halo), the
/// precisions whole bytes, and the mapping's tiles nested (P <= T <= B <= N).
std::string checkGemmLayer(const GemmLayer &layer);

/// The weights `w` (logical [out][in], row-major, w.size() = out * in)
/// converted to the kernel precision and laid out as the lowering reads
/// them: B tiles in (out-tile, in-tile) order, each [B'out][B'in] with
/// zero padding (B' = paddedBTile).
std::vector<uint8_t> packGemmWeights(const GemmLayer &layer,
                                     llvm::ArrayRef<float> w);
/// The bias `b` (one per output) as FP32, zero-padded to whole B' tiles.
std::vector<uint8_t> packGemmBias(const GemmLayer &layer,
                                  llvm::ArrayRef<float> b);

/// Where the layer's buffers lie in Lx and L0 (byte offsets from
/// `lxBase`/`l0Base`), and how much of each it uses.
struct GemmBuffers {
  uint64_t inpB = 0, kerB = 0, outB = 0, biasB = 0, finalB = 0, lxEnd = 0;
  uint64_t inpT = 0, kerT = 0, outT = 0, l0End = 0;
};
GemmBuffers planGemmBuffers(const GemmLayer &layer, uint64_t lxBase,
                            uint64_t l0Base);

/// Appends the layer's code to `core` (its descriptors to core's tables).
/// `zeroAddress` is an external address holding at least 4 zero bytes (the
/// source of fills). Fails when the buffers exceed the core's Lx or L0,
/// naming the layer.
llvm::Error lowerGemmLayer(const GemmLayer &layer, const CoreModel &coreModel,
                           uint64_t zeroAddress, uint64_t lxBase,
                           uint64_t l0Base, isa::CoreProgram &core);

/// Starts a core's program: the semaphore chain the engines follow.
void beginProgram(isa::CoreProgram &core);
/// Ends it: waits for the last engine instruction, then `halt`.
void endProgram(isa::CoreProgram &core);

} // namespace rapid::backend

#endif // RAPID_BACKEND_GEMMLOWERING_H
