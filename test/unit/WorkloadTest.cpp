//===- WorkloadTest.cpp - Layer workloads ---------------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Workload/Workload.h"

#include <catch2/catch.hpp>

using namespace rapid;

TEST_CASE("conv workloads: dimensions, MACs, roles", "[workload]") {
  // ResNet-50's first layer: 3 -> 64 channels, 7x7 stride 2, 224 -> 112.
  LayerShape stem = LayerShape::conv(1, 3, 224, 224, 64, 112, 112, 7, 7, 1);
  Workload fwd = makeWorkload(stem, Kernel::FWD);
  CHECK(fwd.dims == DimTuple{3, 64, 112 * 112, 1, 49});
  CHECK(fwd.macs() == 118013952); // 3*64*12544*49
  CHECK(fwd.reduced == (dimBit(Dim::In) | dimBit(Dim::Kij)));
  CHECK(fwd.indexes(DataStructure::Ker, Dim::Kij));
  CHECK_FALSE(fwd.indexes(DataStructure::Ker, Dim::Mb));
  Workload bwd = makeWorkload(stem, Kernel::BWD);
  CHECK(bwd.dims == DimTuple{64, 3, 112 * 112, 1, 49});
  Workload upd = makeWorkload(stem, Kernel::UPD);
  CHECK(upd.reduced == (dimBit(Dim::Ij) | dimBit(Dim::Mb)));
  CHECK(upd.indexes(DataStructure::Outp, Dim::Kij));
  // Every forward product has one backward and one update product.
  CHECK(bwd.macs() == fwd.macs());
  CHECK(upd.macs() == fwd.macs());
}

TEST_CASE("depthwise, fully connected and LSTM gates", "[workload]") {
  Workload dw = makeWorkload(
      LayerShape::conv(2, 32, 56, 56, 32, 56, 56, 3, 3, 32), Kernel::FWD);
  CHECK(dw.dims == DimTuple{1, 32, 56 * 56, 2, 9});
  Workload bwd = makeWorkload(
      LayerShape::conv(2, 32, 56, 56, 32, 56, 56, 3, 3, 32), Kernel::BWD);
  CHECK(bwd.dims[unsigned(Dim::In)] == 1);
  Workload fc =
      makeWorkload(LayerShape::fullyConnected(4, 4096, 1000), Kernel::FWD);
  CHECK(fc.dims == DimTuple{4096, 1000, 1, 4, 1});
  CHECK(fc.macs() == 4LL * 4096 * 1000);
  // 2-layer LSTM classifier's first layer: 16 steps, 32 inputs, 64 hidden.
  Workload lstm =
      makeWorkload(LayerShape::lstmGates(16, 1, 32, 64, 1), Kernel::FWD);
  CHECK(lstm.dims == DimTuple{96, 256, 16, 1, 1});
  CHECK(lstm.macs() == 393216);
  CHECK(stringify(Kernel::UPD) == "upd");
}
