// RUN: rapid-opt %s -split-input-file -verify-diagnostics --rapid-deep-spatial-matrix='arch=%S/Inputs/tiny-scratchpad.json'
// RUN: not rapid-opt %s --rapid-deep-spatial-matrix='arch=no-such-arch' 2>&1 | FileCheck %s --check-prefix=ARCH
// RUN: not rapid-opt %s --rapid-deep-spatial-matrix='mode=fly' 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not rapid-opt %s --rapid-deep-spatial-matrix='precision=fp64' 2>&1 | FileCheck %s --check-prefix=PREC
// RUN: not rapid-opt %s --rapid-deep-spatial-matrix='budget=-1' 2>&1 | FileCheck %s --check-prefix=BUDGET

// ARCH: error: rapid-deep-spatial-matrix: {{.*}}no-such-arch
// MODE: error: rapid-deep-spatial-matrix: unknown mode 'fly'; expected infer or train
// PREC: error: rapid-deep-spatial-matrix: unknown precision 'fp64'; expected fp32, fp16, hfp8, int8, int4 or int2
// BUDGET: error: rapid-deep-spatial-matrix: budget must be >= 0

// A core whose L0 holds 8 bytes: no division of the layer has a core share
// that fits; the error names the layer.
func.func @fc(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %w = rapid.constant dense<1.0> : tensor<16x8xf32>
  // expected-error-re @+1 {{rapid-deep-spatial-matrix: on tiny-scratchpad: no division of layer '{{.*}}deep-spatial-matrix-errors.mlir{{.*}}' over 1x1 chips of 1 cores fits (even the hand-tuned mapping of every core share exceeds the scratchpads)}}
  %y = rapid.gemm %x, %w : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
