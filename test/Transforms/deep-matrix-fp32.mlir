// rapid-deep-matrix precision=fp32 (the verification mode): fp32 operands
// and accumulation. rapid-core gives fp32 no MAC rate of its own, so the PE
// array emulates it at a quarter of the fp16 lane rate: 16 of its 64 column
// lanes (P.out = 16 where fp16 takes all 64 outputs at once).
// RUN: rapid-opt %s --rapid-deep-matrix='precision=fp32 search=false' | FileCheck %s --check-prefix=BASE32
// RUN: rapid-opt %s --rapid-deep-matrix='search=false' | FileCheck %s --check-prefix=BASE16
// RUN: rapid-opt %s --rapid-deep-matrix='precision=fp32' | FileCheck %s
// RUN: not rapid-opt %s --rapid-deep-matrix='precision=fp64' 2>&1 | FileCheck %s --check-prefix=BAD

// BASE32: rapid.gemm {{.*}}#rapid.mapping<weight_stationary, N = {in = 16, out = 64, ij = 1, mb = 4, kij = 1}
// BASE32-SAME: P = {in = 8, out = 16, ij = 1, mb = 4, kij = 1}
// BASE32-SAME: precision = {inp = fp32, ker = fp32, acc = fp32, chunk = 0}>
// BASE16: rapid.gemm {{.*}}#rapid.mapping<weight_stationary, N = {in = 16, out = 64, ij = 1, mb = 4, kij = 1}
// BASE16-SAME: P = {in = 8, out = 64, ij = 1, mb = 4, kij = 1}
// BASE16-SAME: precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>
// The search maps it as well, in fp32 throughout.
// CHECK: rapid.gemm {{.*}}#rapid.mapping<{{[a-z_]+}}, N = {in = 16, out = 64, ij = 1, mb = 4, kij = 1}
// CHECK-SAME: precision = {inp = fp32, ker = fp32, acc = fp32, chunk = 0}>
// BAD: error: rapid-deep-matrix: unknown precision 'fp64'; expected fp32, fp16, hfp8, int8, int4 or int2
func.func @fc(%x: tensor<4x16xf32>) -> tensor<4x64xf32> {
  %w = rapid.constant dense<1.0> : tensor<16x64xf32>
  %y = rapid.gemm %x, %w : (tensor<4x16xf32>, tensor<16x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
