// The mapping attributes print readably and round-trip, standalone and on
// layer ops.
// RUN: rapid-opt %s | rapid-opt | FileCheck %s
// RUN: rapid-opt %s --mlir-print-op-generic | rapid-opt | FileCheck %s

// CHECK-LABEL: func.func @standalone
// CHECK-SAME: test.hybrid = #rapid.spatial<data_x_model_y, chips = [4, 16], cores = 32, chip_split = {out = 16, mb = 4}, core_split = {out = 4, mb = 8}>
// CHECK-SAME: test.memory = #rapid.spatial<data, chips = [4, 16], cores = 32, chip_split = {mb = 64}, core_split = {out = 4, ij = 8}, spatial_minibatch = 2, hold_output, input_on_chip, lx_reserved = 200704>
// CHECK-SAME: test.pipeline = #rapid.spatial<model, chips = [24, 1], cores = 32, chip_split = {out = 24}, core_split = {out = 32}, preload_weights, pipeline_stage = 1>
// CHECK-SAME: test.plain = #rapid.spatial<model, chips = [1, 1], cores = 1>
func.func @standalone() attributes {
    test.hybrid = #rapid.spatial<data_x_model_y, chips = [4, 16], cores = 32,
                                 chip_split = {mb = 4, out = 16}, core_split = {out = 4, mb = 8}>,
    test.memory = #rapid.spatial<data, chips = [4, 16], cores = 32, chip_split = {mb = 64},
                                 core_split = {ij = 8, out = 4}, lx_reserved = 200704,
                                 input_on_chip, hold_output, spatial_minibatch = 2>,
    test.pipeline = #rapid.spatial<model, chips = [24, 1], cores = 32, pipeline_stage = 1,
                                   chip_split = {out = 24}, core_split = {out = 32}, preload_weights>,
    test.plain = #rapid.spatial<model, chips = [1, 1], cores = 1, chip_split = {}, core_split = {}>} {
  return
}

// CHECK-LABEL: func.func @conv_mapped
func.func @conv_mapped(%x: tensor<1x64x56x56xf32>, %w: tensor<128x64x3x3xf32>) -> tensor<1x128x56x56xf32> {
  // CHECK: rapid.conv2d
  // CHECK-SAME: rapid.mapping = #rapid.mapping<weight_stationary,
  // CHECK-SAME: N = {in = 64, out = 32, ij = 784, mb = 1, kij = 9},
  // CHECK-SAME: B = {in = 64, out = 32, ij = 784, mb = 1, kij = 9},
  // CHECK-SAME: T = {in = 64, out = 32, ij = 196, mb = 1, kij = 9},
  // CHECK-SAME: P = {in = 64, out = 32, ij = 1, mb = 1, kij = 1},
  // CHECK-SAME: order = {B = [mb, out, ij, in, kij], T = [out, ij, in, kij, mb], P = [kij, in, ij, out, mb]},
  // CHECK-SAME: transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  // CHECK-SAME: precision = {inp = hfp8_143, ker = hfp8_143, acc = fp16, chunk = 64}>
  // CHECK-SAME: rapid.spatial = #rapid.spatial<data, chips = [1, 1], cores = 32, chip_split = {}, core_split = {out = 4, ij = 4}>
  %y = rapid.conv2d %x, %w pads [1, 1, 1, 1] {
    rapid.spatial = #rapid.spatial<data, chips = [1, 1], cores = 32, chip_split = {}, core_split = {out = 4, ij = 4}>,
    rapid.mapping = #rapid.mapping<weight_stationary,
      N = {in = 64, out = 32, ij = 784, mb = 1, kij = 9},
      B = {in = 64, out = 32, ij = 784, kij = 9},
      T = {in = 64, out = 32, ij = 196, kij = 9},
      P = {in = 64, out = 32},
      order = {B = [mb, out, ij, in, kij], T = [out, ij, in, kij, mb], P = [kij, in, ij, out, mb]},
      transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
      precision = {inp = hfp8_143, ker = hfp8_143, acc = fp16, chunk = 64}>}
    : (tensor<1x64x56x56xf32>, tensor<128x64x3x3xf32>) -> tensor<1x128x56x56xf32>
  return %y : tensor<1x128x56x56xf32>
}

// A gemm split model-parallel across 64 chips; N is the per-core share,
// rounded up (1000 / 64 = 15.6 -> 16).
// CHECK-LABEL: func.func @gemm_mapped
func.func @gemm_mapped(%x: tensor<4x4096xf16>, %w: tensor<1000x4096xf16>) -> tensor<4x1000xf16> {
  // CHECK: rapid.gemm {{.*}} transpose_b {rapid.mapping = #rapid.mapping<output_stationary, N = {in = 4096, out = 16, ij = 1, mb = 4, kij = 1}
  // CHECK-SAME: transfers = {inp = l0 at T.in, ker = lx at B.out, out = reg at P.out}
  // CHECK-SAME: rapid.spatial = #rapid.spatial<model, chips = [4, 16], cores = 32, chip_split = {out = 64}, core_split = {}>
  %y = rapid.gemm %x, %w transpose_b {
    rapid.spatial = #rapid.spatial<model, chips = [4, 16], cores = 32, chip_split = {out = 64}, core_split = {}>,
    rapid.mapping = #rapid.mapping<output_stationary,
      N = {in = 4096, out = 16, ij = 1, mb = 4, kij = 1},
      B = {in = 1024, out = 16, mb = 4}, T = {in = 256, out = 16, mb = 4}, P = {in = 64, out = 16, mb = 4},
      order = {B = [out, mb, in, ij, kij], T = [in, out, mb, ij, kij], P = [in, out, mb, ij, kij]},
      transfers = {inp = l0 at T.in, ker = lx at B.out, out = reg at P.out},
      precision = {inp = fp16, ker = int4, acc = fp32, chunk = 0}>}
    : (tensor<4x4096xf16>, tensor<1000x4096xf16>) -> tensor<4x1000xf16>
  return %y : tensor<4x1000xf16>
}
