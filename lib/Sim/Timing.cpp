//===- Timing.cpp - rapid-sim's cycle model of the ISA --------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Sim/Timing.h"
#include "rapid/Workload/Workload.h"

#include <algorithm>

using namespace rapid;
using namespace rapid::sim;
using isa::DmaPath;

TimingModel::TimingModel(const ArchSpec &arch, int64_t activeCores)
    : core(CoreModel::fromArch(arch, activeCores)) {
  double f = arch.core.frequencyGHz;
  ringLatency = arch.chip.coreToCoreLatencyNs * f;
  linkLatency = arch.system.linkLatencyNs * f;
  linkXBpc = arch.system.linkXGBps / f;
  linkYBpc = arch.system.linkYGBps / f;
  skipZeros = arch.core.peArray.zeroSkipping;
}

double TimingModel::dma(DmaPath path, isa::Peer peer,
                        const isa::DmaDescriptor &d) const {
  double elements = 1;
  bool fill = true;
  for (const isa::DmaDescriptor::Dim &dim : d.dims) {
    elements *= double(dim.count);
    fill &= dim.srcStride == 0;
  }
  double bytes = elements * double(d.elementBits) / 8;
  auto per = [&](double bpc) { return bpc > 0 ? bytes / bpc : 0.0; };
  switch (path) {
  case DmaPath::ExtToLx:
    return fill ? bytes / core.lxBpc : bytes / core.extReadBpc;
  case DmaPath::ExtToLxUnpack:
    return unpack(bytes);
  case DmaPath::LxToExt:
    return bytes / core.extWriteBpc;
  case DmaPath::ExtToExt:
    // A fill reads one element and only writes.
    return fill ? extFillCycles(core, bytes) : extCopyCycles(core, bytes);
  case DmaPath::LxToL0:
  case DmaPath::L0ToLx:
    return bytes / core.lxBpc;
  case DmaPath::LxToLx:
    return (fill ? 1 : 2) * bytes / core.lxBpc;
  case DmaPath::LxToRing:
  case DmaPath::RingToLx:
    return ringLatency + per(path == DmaPath::LxToRing ? core.ringWriteBpc
                                                       : core.ringReadBpc);
  case DmaPath::LxToLink:
  case DmaPath::LinkToLx: {
    bool x = peer == isa::Peer::PlusX || peer == isa::Peer::MinusX;
    return linkLatency + per(x ? linkXBpc : linkYBpc);
  }
  }
  return 0;
}

double TimingModel::unpack(double compressedBytes) const {
  return compressedBytes / core.extReadBpc;
}

double TimingModel::mac(const isa::TileDescriptor &t, isa::MacDataflow dataflow,
                        Precision inp, Precision ker, Precision acc,
                        int64_t chunk, double &bubble, double density) const {
  using isa::TileDim;
  auto p = [&](TileDim d) { return int64_t(t.p[unsigned(d)]); };
  // The tile as a forward layer kernel: a depthwise tile (the input strided
  // along out) is a grouped one with one output per group.
  bool depthwise = t.strides[0][unsigned(TileDim::Out)] != 0;
  int64_t in = p(TileDim::In), out = p(TileDim::Out);
  Workload w = makeWorkload(
      depthwise ? LayerShape::conv(1, out, 1, 1, out, 1, 1, 1, 1, out)
                : LayerShape::fullyConnected(1, in, out),
      Kernel::FWD);
  DimTuple dims;
  dims[unsigned(Dim::In)] = in;
  dims[unsigned(Dim::Out)] = out;
  dims[unsigned(Dim::Ij)] = p(TileDim::Oy) * p(TileDim::Ox);
  dims[unsigned(Dim::Mb)] = p(TileDim::Mb);
  dims[unsigned(Dim::Kij)] = p(TileDim::Ky) * p(TileDim::Kx);
  w.dims = dims;
  w.outPerGroup = depthwise ? 1 : out;
  PrecisionConfig pc{inp, ker, acc, chunk};
  bubble = 0;
  double stream = peTileCycles(w, core, Dataflow(unsigned(dataflow)), dims, pc,
                               bubble, density);
  return stream + bubble;
}

double TimingModel::sfu(int64_t count) const {
  return double(count) / core.sfuOpsPerCycle;
}

double TimingModel::peakMacsPerCycle(Precision inp, Precision ker) const {
  return double(core.rows * core.lanes({inp, ker, Precision::FP32, 0}));
}
