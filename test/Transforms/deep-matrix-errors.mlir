// RUN: rapid-opt %s -split-input-file -verify-diagnostics --rapid-deep-matrix='arch=%S/Inputs/tiny-scratchpad.json'
// RUN: not rapid-opt %s --rapid-deep-matrix='arch=no-such-arch' 2>&1 | FileCheck %s --check-prefix=ARCH
// RUN: not rapid-opt %s --rapid-deep-matrix='mode=fly' 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not rapid-opt %s --rapid-deep-matrix='precision=fp64' 2>&1 | FileCheck %s --check-prefix=PREC

// ARCH: error: rapid-deep-matrix: {{.*}}no-such-arch
// MODE: error: rapid-deep-matrix: unknown mode 'fly'; expected infer or train
// PREC: error: rapid-deep-matrix: unknown precision 'fp64'; expected fp32, fp16, hfp8, int8, int4 or int2

// A core whose L0 holds 8 bytes cannot stage even a unit tile.
func.func @fc(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %w = rapid.constant dense<1.0> : tensor<16x8xf32>
  // expected-error-re @+1 {{cannot map layer '{{.*}}deep-matrix-errors.mlir{{.*}}' (fwd) on tiny-scratchpad: no mapping fits: even unit tiles fail: the T tile needs 16 bytes of L0 (double-buffered) but the core has 8}}
  %y = rapid.gemm %x, %w : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

