// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @rank(%a: tensor<16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+1 {{'rapid.matmul' op operands must have rank >= 2, got 16 and 16x4}}
  %y = rapid.matmul %a, %b : (tensor<16xf32>, tensor<16x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @contracting(%a: tensor<8x16xf32>, %b: tensor<15x4xf32>) {
  // expected-error @+1 {{contracting dimensions differ: lhs 8x16 has 16 columns but rhs 15x4 has 15 rows}}
  %y = rapid.matmul %a, %b : (tensor<8x16xf32>, tensor<15x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @batch(%a: tensor<2x8x16xf32>, %b: tensor<3x16x4xf32>) {
  // expected-error @+1 {{batch dimensions: shapes 2 and 3 are not broadcast-compatible: dimension 0 of the result would need 2 and 3}}
  %y = rapid.matmul %a, %b : (tensor<2x8x16xf32>, tensor<3x16x4xf32>) -> tensor<2x8x4xf32>
  return
}

// -----

func.func @result(%a: tensor<2x8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+1 {{result shape 8x4 does not match the expected 2x8x4}}
  %y = rapid.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return
}
