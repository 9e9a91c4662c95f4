//===- Workload.h - Layer workloads in the DeepTools dimensions ---*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// A layer's work as the mapping search sees it: a loop nest over the five
// dimensions {in, out, ij, mb, kij} that multiplies one data structure by
// another and accumulates into a third, for each training kernel:
//
//   FWD  out[mb, out, ij]  += inp[mb, in, ij (+kij)] * ker[out, in, kij]
//   BWD  the error flows back: the roles of in and out swap (ij counts the
//        forward pixels, so each forward product has one backward product)
//   UPD  dKer[out, in, kij] += inp[mb, in, ij (+kij)] * err[mb, out, ij]
//
// Inference is FWD. Plain C++: the cost model, the search and the dialect's
// workload query (rapid::getLayerWorkload) share it.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_WORKLOAD_WORKLOAD_H
#define RAPID_WORKLOAD_WORKLOAD_H

#include "rapid/Support/Vocabulary.h"

#include <array>
#include <cstdint>

namespace rapid {

#define RAPID_KERNELS(X)                                                       \
  X(FWD, "fwd")                                                                \
  X(BWD, "bwd")                                                                \
  X(UPD, "upd")

#define RAPID_ENUMERATOR(E, S, ...) E,
/// The three training kernels; inference runs FWD.
enum class Kernel : uint8_t { RAPID_KERNELS(RAPID_ENUMERATOR) };
#undef RAPID_ENUMERATOR

/// A layer as a grouped, strided 2-D convolution: fully connected layers and
/// LSTM gate products are 1x1 convolutions over a 1x1 image (an LSTM's
/// timesteps multiply its output pixels, since every step repeats the gate
/// products).
struct LayerShape {
  int64_t batch = 1;
  int64_t inChannels = 1, outChannels = 1, groups = 1;
  int64_t inH = 1, inW = 1, outH = 1, outW = 1;
  int64_t kernelH = 1, kernelW = 1;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  /// A transposed convolution is input-centric: ij counts input pixels, and
  /// the kernel window spreads each over the output instead of gathering a
  /// window of the input, so an input tile has no halo.
  bool inputCentric = false;

  static LayerShape conv(int64_t batch, int64_t inChannels, int64_t inH,
                         int64_t inW, int64_t outChannels, int64_t outH,
                         int64_t outW, int64_t kernelH, int64_t kernelW,
                         int64_t groups);
  /// batch x in -> batch x out.
  static LayerShape fullyConnected(int64_t batch, int64_t in, int64_t out);
  /// The four gate products of an LSTM layer over `timesteps` steps: input
  /// and recurrent products fused, [x, h] (in + hidden) -> 4 x hidden per
  /// direction.
  static LayerShape lstmGates(int64_t timesteps, int64_t batch, int64_t input,
                              int64_t hidden, int64_t directions);
};

/// Bit i set: dimension i (as Dim) indexes the data structure.
using DimMask = uint8_t;
constexpr DimMask dimBit(Dim d) { return DimMask(1u << unsigned(d)); }

/// How the input tile of an ij x kij tile grows with the kernel window (the
/// halo): the geometry of the output image and of the window.
struct HaloGeometry {
  int64_t outW = 1;
  int64_t strideH = 1, strideW = 1;
  int64_t kernelW = 1;
  int64_t dilationH = 1, dilationW = 1;
  bool enabled = false;

  /// Input pixels an ij tile of `ij` consecutive output pixels (row-major)
  /// needs for `kij` consecutive kernel taps (row-major): the bounding box
  /// of the window positions. Without a halo, `ij`.
  int64_t inputPixels(int64_t ij, int64_t kij) const;
};

struct Workload {
  Kernel kernel;
  /// Extent of each dimension; the product is the MAC count.
  DimTuple dims;
  /// The dimensions that index each operand/result, by DataStructure:
  /// Inp and Ker are multiplied, Outp is accumulated into. (For BWD, Inp is
  /// the output error and Outp the input error; for UPD, Ker is the output
  /// error and Outp the weight gradient.)
  std::array<DimMask, kNumDataStructures> indexedBy;
  /// The dimensions summed over (those that do not index Outp).
  DimMask reduced;
  /// Grouped layers: consecutive `outPerGroup` elements along Out share the
  /// same Inp channels (Inp is then indexed by Out too); equals dims[Out]
  /// for an ungrouped layer.
  int64_t outPerGroup = 1;
  HaloGeometry halo;

  int64_t macs() const;
  /// Whether dimension `d` indexes data structure `ds`.
  bool indexes(DataStructure ds, Dim d) const {
    return indexedBy[unsigned(ds)] & dimBit(d);
  }
  /// Elements of `ds` touched by a tile of `tile` per dimension (the input
  /// with its halo and, for grouped layers, the groups the Out tile spans).
  int64_t footprint(DataStructure ds, const DimTuple &tile) const;
};

/// The workload of `kernel` on a layer.
Workload makeWorkload(const LayerShape &layer, Kernel kernel);

/// A spatial split (given over the forward dimensions) as it applies to
/// `kernel`'s dimensions: BWD swaps in and out.
DimTuple kernelSplit(Kernel kernel, const DimTuple &forwardSplit);

/// The share of one core of `w` under `split` (over w's own dimensions):
/// each dimension divided, rounded up.
Workload splitWorkload(const Workload &w, const DimTuple &split);

} // namespace rapid

#endif // RAPID_WORKLOAD_WORKLOAD_H
