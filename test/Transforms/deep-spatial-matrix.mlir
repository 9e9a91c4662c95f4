// RUN: rapid-opt %s -split-input-file --rapid-deep-spatial-matrix='arch=%S/Inputs/small-torus.json budget=20000' | FileCheck %s
// RUN: rapid-opt %s -split-input-file --rapid-deep-spatial-matrix='arch=%S/Inputs/small-torus.json budget=20000 mode=train' | FileCheck %s --check-prefix=TRAIN
// RUN: rapid-opt %s -split-input-file --rapid-deep-spatial-matrix='arch=%S/Inputs/small-torus.json baseline=true' | FileCheck %s --check-prefix=BASE
// The per-core mapping follows the division: rapid-deep-matrix maps each
// core's share (the verifier checks every N against the split workload),
// and the result round-trips.
// RUN: rapid-opt %s -split-input-file --rapid-deep-spatial-matrix='arch=%S/Inputs/small-torus.json budget=20000 mode=train' --rapid-deep-matrix='arch=%S/Inputs/small-torus.json mode=train budget=20000' | rapid-opt -split-input-file | FileCheck %s --check-prefix=MAP

// Inference at minibatch 1 on 8 chips: data parallelism is impossible (and
// so are the hybrids, which split mb along a direction).
// CHECK-LABEL: func.func @tiny_batch
// CHECK-NOT: #rapid.spatial<data
// CHECK: rapid.conv2d {{.*}}rapid.spatial = #rapid.spatial<model, chips = [2, 4], cores = 4
// CHECK-NOT: #rapid.spatial<data
// CHECK: rapid.conv2d {{.*}}rapid.spatial = #rapid.spatial<model, chips = [2, 4], cores = 4
// The baseline splits output channels over every chip when it cannot split
// the minibatch, and divides each chip's share over its cores by default.
// BASE-LABEL: func.func @tiny_batch
// BASE: rapid.conv2d {{.*}}#rapid.spatial<model, chips = [2, 4], cores = 4, chip_split = {out = 8}, core_split = {{{.*}}}>
// BASE: rapid.conv2d {{.*}}#rapid.spatial<model, chips = [2, 4], cores = 4, chip_split = {out = 8}, core_split = {{{.*}}}>
func.func @tiny_batch(%x: tensor<1x16x32x32xf32>) -> tensor<1x32x16x16xf32> {
  %w1 = rapid.constant dense<1.0> : tensor<32x16x3x3xf32>
  %w2 = rapid.constant dense<1.0> : tensor<32x32x3x3xf32>
  %a = rapid.conv2d %x, %w1 pads [1, 1, 1, 1] act relu : (tensor<1x16x32x32xf32>, tensor<32x16x3x3xf32>) -> tensor<1x32x32x32xf32>
  %y = rapid.conv2d %a, %w2 strides [2, 2] pads [1, 1, 1, 1] : (tensor<1x32x32x32xf32>, tensor<32x32x3x3xf32>) -> tensor<1x32x16x16xf32>
  return %y : tensor<1x32x16x16xf32>
}

// -----

// Training at minibatch 64: the baseline is data parallel over all 8 chips.
// BASE-LABEL: func.func @mlp
// BASE: rapid.gemm {{.*}}#rapid.spatial<data, chips = [2, 4], cores = 4, chip_split = {mb = 8}
// BASE: rapid.gemm {{.*}}#rapid.spatial<data, chips = [2, 4], cores = 4, chip_split = {mb = 8}
// Every layer gets a division, and with it each kernel's per-core mapping.
// TRAIN-LABEL: func.func @mlp
// TRAIN: rapid.gemm {{.*}}rapid.spatial = #rapid.spatial<{{data|model|data_x_model_y|model_x_data_y}}, chips = [2, 4], cores = 4
// TRAIN: rapid.gemm {{.*}}rapid.spatial = #rapid.spatial<{{data|model|data_x_model_y|model_x_data_y}}, chips = [2, 4], cores = 4
// MAP-LABEL: func.func @mlp
// MAP: rapid.gemm {{.*}}rapid.mapping = #rapid.mapping<{{.*}}rapid.mapping_upd = #rapid.mapping<{{.*}}rapid.spatial = #rapid.spatial<
// MAP: rapid.gemm {{.*}}rapid.mapping = #rapid.mapping<{{.*}}rapid.mapping_bwd = #rapid.mapping<{{.*}}rapid.mapping_upd = #rapid.mapping<{{.*}}rapid.spatial = #rapid.spatial<
func.func @mlp(%x: tensor<64x1024xf32>) -> tensor<64x1024xf32> {
  %w1 = rapid.constant dense<1.0> : tensor<1024x1024xf32>
  %w2 = rapid.constant dense<1.0> : tensor<1024x1024xf32>
  %h = rapid.gemm %x, %w1 act relu : (tensor<64x1024xf32>, tensor<1024x1024xf32>) -> tensor<64x1024xf32>
  %y = rapid.gemm %h, %w2 : (tensor<64x1024xf32>, tensor<1024x1024xf32>) -> tensor<64x1024xf32>
  return %y : tensor<64x1024xf32>
}

// -----

// A residual block (a DAG): the add joins the block's input and its second
// convolution, and a fourth convolution reads the sum; the division is
// chosen over the DAG by the frontier DP. Activation reuse may hold the
// second convolution's output for the third (its only reader), never the
// first's: the relu of it is read by the second convolution and, through
// the add, by the fourth.
// CHECK-LABEL: func.func @residual
// CHECK: %[[A:.*]] = rapid.conv2d %arg0{{.*}}rapid.spatial = #rapid.spatial<
// CHECK-NOT: hold_output
// CHECK-SAME: >
// CHECK: %[[R:.*]] = rapid.relu %[[A]]
// CHECK: %[[B:.*]] = rapid.conv2d %[[R]]{{.*}}rapid.spatial = #rapid.spatial<
// CHECK: %[[C:.*]] = rapid.conv2d %[[B]]{{.*}}rapid.spatial = #rapid.spatial<
// CHECK: %[[S:.*]] = rapid.add %[[C]], %[[R]]
// CHECK: rapid.conv2d %[[S]]{{.*}}rapid.spatial = #rapid.spatial<
func.func @residual(%x: tensor<8x32x16x16xf32>) -> tensor<8x32x16x16xf32> {
  %w = rapid.constant dense<1.0> : tensor<32x32x3x3xf32>
  %a = rapid.conv2d %x, %w pads [1, 1, 1, 1] : (tensor<8x32x16x16xf32>, tensor<32x32x3x3xf32>) -> tensor<8x32x16x16xf32>
  %r = rapid.relu %a : tensor<8x32x16x16xf32>
  %b = rapid.conv2d %r, %w pads [1, 1, 1, 1] act relu : (tensor<8x32x16x16xf32>, tensor<32x32x3x3xf32>) -> tensor<8x32x16x16xf32>
  %c = rapid.conv2d %b, %w pads [1, 1, 1, 1] : (tensor<8x32x16x16xf32>, tensor<32x32x3x3xf32>) -> tensor<8x32x16x16xf32>
  %s = rapid.add %c, %r : (tensor<8x32x16x16xf32>, tensor<8x32x16x16xf32>) -> tensor<8x32x16x16xf32>
  %d = rapid.conv2d %s, %w pads [1, 1, 1, 1] : (tensor<8x32x16x16xf32>, tensor<32x32x3x3xf32>) -> tensor<8x32x16x16xf32>
  return %d : tensor<8x32x16x16xf32>
}
