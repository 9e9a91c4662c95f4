// RUN: rapid-opt %s -split-input-file --rapid-deep-matrix | FileCheck %s
// RUN: rapid-opt %s -split-input-file --rapid-deep-matrix='mode=train' | FileCheck %s --check-prefix=TRAIN
// RUN: rapid-opt %s -split-input-file --rapid-deep-matrix='arch=deeptools-chip' | FileCheck %s --check-prefix=CHIP
// RUN: rapid-opt %s -split-input-file --rapid-deep-matrix='search=false' | FileCheck %s --check-prefix=BASE
// RUN: rapid-opt %s -split-input-file --rapid-deep-matrix='precision=hfp8' | FileCheck %s --check-prefix=HFP8
// RUN: rapid-opt %s -split-input-file --rapid-deep-matrix | rapid-opt -split-input-file | FileCheck %s

// A 4x16 -> 8 layer fits the 8x8x8 array of rapid-core in one tile: the
// weights stay (weight stationary), no loop iterates, nothing is refetched.
// CHECK-LABEL: func.func @fc
// CHECK: rapid.gemm {{.*}} {rapid.mapping = #rapid.mapping<weight_stationary,
// CHECK-SAME: N = {in = 16, out = 8, ij = 1, mb = 4, kij = 1},
// CHECK-SAME: B = {in = 16, out = 8, ij = 1, mb = 4, kij = 1},
// CHECK-SAME: T = {in = 16, out = 8, ij = 1, mb = 4, kij = 1},
// CHECK-SAME: P = {in = 8, out = 8, ij = 1, mb = 4, kij = 1},
// CHECK-SAME: precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}
// BASE-LABEL: func.func @fc
// BASE: rapid.mapping = #rapid.mapping<weight_stationary, N = {in = 16, out = 8, ij = 1, mb = 4, kij = 1}
// BASE-SAME: order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij]
// HFP8-LABEL: func.func @fc
// HFP8: precision = {inp = hfp8_143, ker = hfp8_143, acc = fp16, chunk = 64}
func.func @fc(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %w = rapid.constant dense<1.0> : tensor<16x8xf32>
  %b = rapid.constant dense<0.5> : tensor<8xf32>
  %y = rapid.gemm %x, %w, %b act relu : (tensor<4x16xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Training maps BWD and UPD as well, except the BWD of a layer that reads
// the model input (no error flows back into it). BWD swaps in and out.
// CHECK-LABEL: func.func @two_convs
// CHECK: rapid.conv2d {{.*}}rapid.mapping = #rapid.mapping<{{[a-z_]+}}, N = {in = 3, out = 16, ij = 256, mb = 2, kij = 9}
// CHECK-NOT: rapid.mapping_bwd
// CHECK: rapid.conv2d {{.*}}rapid.mapping = #rapid.mapping<{{[a-z_]+}}, N = {in = 16, out = 32, ij = 64, mb = 2, kij = 9}
// TRAIN-LABEL: func.func @two_convs
// TRAIN: %[[A:.*]] = rapid.conv2d
// TRAIN-NOT: rapid.mapping_bwd
// TRAIN-SAME: rapid.mapping_upd = #rapid.mapping<{{[a-z_]+}}, N = {in = 3, out = 16, ij = 256, mb = 2, kij = 9}
// TRAIN: rapid.conv2d %[[A]]
// TRAIN-SAME: rapid.mapping = #rapid.mapping<{{[a-z_]+}}, N = {in = 16, out = 32, ij = 64, mb = 2, kij = 9}
// TRAIN-SAME: rapid.mapping_bwd = #rapid.mapping<{{[a-z_]+}}, N = {in = 32, out = 16, ij = 64, mb = 2, kij = 9}
// TRAIN-SAME: rapid.mapping_upd = #rapid.mapping<{{[a-z_]+}}, N = {in = 16, out = 32, ij = 64, mb = 2, kij = 9}
// One chip of deeptools: without rapid.spatial, each layer is divided over
// the 32 cores where the replicated traffic grows least (the small first
// layer mostly along its pixels) and the division is recorded.
// CHIP-LABEL: func.func @two_convs
// CHIP: rapid.conv2d {{.*}}rapid.mapping = #rapid.mapping<{{[a-z_]+}}, N = {in = 3, out = 8, ij = 16, mb = 2, kij = 9}
// CHIP-SAME: rapid.spatial = #rapid.spatial<model, chips = [1, 1], cores = 32, chip_split = {}, core_split = {out = 2, ij = 16}>
func.func @two_convs(%x: tensor<2x3x16x16xf32>) -> tensor<2x32x8x8xf32> {
  %w1 = rapid.constant dense<1.0> : tensor<16x3x3x3xf32>
  %w2 = rapid.constant dense<1.0> : tensor<32x16x3x3xf32>
  %a = rapid.conv2d %x, %w1 pads [1, 1, 1, 1] act relu : (tensor<2x3x16x16xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x16x16xf32>
  %y = rapid.conv2d %a, %w2 strides [2, 2] pads [1, 1, 1, 1] : (tensor<2x16x16x16xf32>, tensor<32x16x3x3xf32>) -> tensor<2x32x8x8xf32>
  return %y : tensor<2x32x8x8xf32>
}

// -----

// A mapping chosen by DeepSpatialMatrix is respected: N is the per-core share.
// CHECK-LABEL: func.func @given_split
// CHECK: rapid.mapping = #rapid.mapping<{{[a-z_]+}}, N = {in = 64, out = 25, ij = 1, mb = 8, kij = 1}
func.func @given_split(%x: tensor<8x64xf32>) -> tensor<8x100xf32> {
  %w = rapid.constant dense<1.0> : tensor<64x100xf32>
  %y = rapid.gemm %x, %w {rapid.spatial = #rapid.spatial<model, chips = [1, 1], cores = 4, chip_split = {}, core_split = {out = 4}>} : (tensor<8x64xf32>, tensor<64x100xf32>) -> tensor<8x100xf32>
  return %y : tensor<8x100xf32>
}

// -----

// LSTM gate products: [x, h] (8 + 16) -> 4 x 16 gates over 5 timesteps.
// CHECK-LABEL: func.func @lstm
// CHECK: rapid.lstm {{.*}}rapid.mapping = #rapid.mapping<{{[a-z_]+}}, N = {in = 24, out = 64, ij = 5, mb = 1, kij = 1}
func.func @lstm(%x: tensor<5x1x8xf32>) -> tensor<5x1x1x16xf32> {
  %w = rapid.constant dense<0.1> : tensor<1x64x8xf32>
  %r = rapid.constant dense<0.1> : tensor<1x64x16xf32>
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 16 direction forward : (tensor<5x1x8xf32>, tensor<1x64x8xf32>, tensor<1x64x16xf32>) -> (tensor<5x1x1x16xf32>, tensor<1x1x16xf32>, tensor<1x1x16xf32>)
  return %y : tensor<5x1x1x16xf32>
}
