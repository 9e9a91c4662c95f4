//===- Workload.cpp - Layer workloads in the DeepTools dimensions ---------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Workload/Workload.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace rapid;

#define RAPID_SPELLING(E, S, ...) S,
template <> llvm::ArrayRef<llvm::StringRef> rapid::spellings<Kernel>() {
  static const llvm::StringRef names[] = {RAPID_KERNELS(RAPID_SPELLING)};
  return names;
}
#undef RAPID_SPELLING

LayerShape LayerShape::conv(int64_t batch, int64_t inChannels, int64_t inH,
                            int64_t inW, int64_t outChannels, int64_t outH,
                            int64_t outW, int64_t kernelH, int64_t kernelW,
                            int64_t groups) {
  LayerShape s;
  s.batch = batch;
  s.inChannels = inChannels;
  s.outChannels = outChannels;
  s.groups = groups;
  s.inH = inH;
  s.inW = inW;
  s.outH = outH;
  s.outW = outW;
  s.kernelH = kernelH;
  s.kernelW = kernelW;
  return s;
}

LayerShape LayerShape::fullyConnected(int64_t batch, int64_t in, int64_t out) {
  return conv(batch, in, 1, 1, out, 1, 1, 1, 1, 1);
}

LayerShape LayerShape::lstmGates(int64_t timesteps, int64_t batch,
                                 int64_t input, int64_t hidden,
                                 int64_t directions) {
  // Each step computes [x_t, h_{t-1}] x W^T for the 4 gates of every
  // direction: timesteps play the role of output pixels.
  return conv(batch, input + hidden, timesteps, 1, 4 * hidden * directions,
              timesteps, 1, 1, 1, 1);
}

int64_t Workload::macs() const {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

Workload rapid::makeWorkload(const LayerShape &l, Kernel kernel) {
  const DimMask in = dimBit(Dim::In), out = dimBit(Dim::Out),
                ij = dimBit(Dim::Ij), mb = dimBit(Dim::Mb),
                kij = dimBit(Dim::Kij);
  int64_t inPerGroup = l.inChannels / l.groups;
  int64_t outPerGroup = l.outChannels / l.groups;
  int64_t taps = l.kernelH * l.kernelW;
  Workload w;
  w.kernel = kernel;
  w.halo.outW = l.outW;
  w.halo.strideH = l.strideH;
  w.halo.strideW = l.strideW;
  w.halo.kernelW = l.kernelW;
  w.halo.dilationH = l.dilationH;
  w.halo.dilationW = l.dilationW;
  w.halo.enabled = !l.inputCentric && taps * l.outH * l.outW > 1;
  switch (kernel) {
  case Kernel::FWD:
    // Each output element sums C/G inputs over the kernel window.
    w.dims = {inPerGroup, l.outChannels, l.outH * l.outW, l.batch, taps};
    w.indexedBy = {DimMask(in | ij | kij | mb), DimMask(in | out | kij),
                   DimMask(out | ij | mb)};
    break;
  case Kernel::BWD:
    // The input error sums O/G output errors over the (flipped) window: in
    // and out swap. ij counts the forward pixels, so that every forward
    // product has exactly one backward product (the zeros a strided layer's
    // dilated error map would add are not computed).
    w.dims = {outPerGroup, l.inChannels, l.outH * l.outW, l.batch, taps};
    w.indexedBy = {DimMask(in | ij | kij | mb), DimMask(in | out | kij),
                   DimMask(out | ij | mb)};
    break;
  case Kernel::UPD:
    // Each weight gradient sums over the batch and the output pixels.
    w.dims = {inPerGroup, l.outChannels, l.outH * l.outW, l.batch, taps};
    w.indexedBy = {DimMask(in | ij | kij | mb), DimMask(out | ij | mb),
                   DimMask(in | out | kij)};
    break;
  }
  DimMask all = in | out | ij | mb | kij;
  w.reduced = DimMask(all & ~w.indexedBy[unsigned(DataStructure::Outp)]);
  // In a grouped layer an Out tile spans groups, each with its own input
  // channels (BWD: the error channels of the input channels' group).
  w.outPerGroup = kernel == Kernel::BWD ? inPerGroup : outPerGroup;
  if (l.groups > 1)
    w.indexedBy[unsigned(DataStructure::Inp)] |= out;
  return w;
}

DimTuple rapid::kernelSplit(Kernel kernel, const DimTuple &forwardSplit) {
  DimTuple s = forwardSplit;
  if (kernel == Kernel::BWD)
    std::swap(s[unsigned(Dim::In)], s[unsigned(Dim::Out)]);
  return s;
}

Workload rapid::splitWorkload(const Workload &w, const DimTuple &split) {
  Workload s = w;
  for (unsigned d = 0; d < kNumDims; ++d)
    s.dims[d] = llvm::divideCeilSigned(w.dims[d], split[d]);
  s.outPerGroup = std::min(w.outPerGroup, s.dims[unsigned(Dim::Out)]);
  return s;
}

int64_t HaloGeometry::inputPixels(int64_t ij, int64_t kij) const {
  if (!enabled)
    return ij;
  // Output rows/columns the tile spans, and kernel rows/columns of the taps.
  int64_t rows = llvm::divideCeilSigned(ij, outW);
  int64_t cols = std::min(ij, outW);
  int64_t kRows = llvm::divideCeilSigned(kij, kernelW);
  int64_t kCols = std::min(kij, kernelW);
  return ((rows - 1) * strideH + (kRows - 1) * dilationH + 1) *
         ((cols - 1) * strideW + (kCols - 1) * dilationW + 1);
}

int64_t Workload::footprint(DataStructure ds, const DimTuple &t) const {
  auto at = [&](Dim d) { return t[unsigned(d)]; };
  switch (ds) {
  case DataStructure::Inp: {
    int64_t channels = at(Dim::In);
    if (indexes(DataStructure::Inp, Dim::Out))
      channels *= llvm::divideCeilSigned(at(Dim::Out), outPerGroup);
    return channels * at(Dim::Mb) * halo.inputPixels(at(Dim::Ij), at(Dim::Kij));
  }
  case DataStructure::Ker:
  case DataStructure::Outp: {
    int64_t n = 1;
    for (unsigned d = 0; d < kNumDims; ++d)
      if (indexedBy[unsigned(ds)] & (1u << d))
        n *= t[d];
    return n;
  }
  }
  llvm_unreachable("data structure");
}
