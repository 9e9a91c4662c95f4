// rapid-lower-to-isa records each step as a layer of the program with the
// cost model's prediction (the mapping report's row of its op), and marks
// each core's code with the layers it runs. Two layers of one name (ONNX
// node names need not be unique) keep their own predictions.
// RUN: rapid-opt %s --rapid-deep-matrix --rapid-lower-to-isa | FileCheck %s

// CHECK-LABEL: rapid_isa.program
// CHECK: rapid_isa.layer "fc" macs = 4096 cycles = {{\[}}[[A:.*]]]
// CHECK-NOT: [[A]]
// CHECK: rapid_isa.layer "fc" macs = 256 cycles =
// CHECK: rapid_isa.mark 0
// CHECK: rapid_isa.mac
// CHECK: rapid_isa.mark 1
// CHECK: rapid_isa.mac
// CHECK: rapid_isa.halt
func.func @two(%x: tensor<4x64xf32>) -> tensor<4x4xf32> {
  %w1 = rapid.constant dense<0.5> : tensor<16x64xf32>
  %w2 = rapid.constant dense<0.25> : tensor<4x16xf32>
  %h = rapid.gemm %x, %w1 transpose_b : (tensor<4x64xf32>, tensor<16x64xf32>) -> tensor<4x16xf32> loc("fc")
  %y = rapid.gemm %h, %w2 transpose_b : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x4xf32> loc("fc")
  return %y : tensor<4x4xf32>
}
