// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @rank(%a: tensor<1x1x256xf32>, %b: tensor<256x10xf32>) {
  // expected-error @+1 {{'rapid.gemm' op operands must be rank 2, got 1x1x256 and 256x10}}
  %y = rapid.gemm %a, %b : (tensor<1x1x256xf32>, tensor<256x10xf32>) -> tensor<1x10xf32>
  return
}

// -----

func.func @contracting(%a: tensor<1x256xf32>, %b: tensor<256x10xf32>) {
  // expected-error @+1 {{contracting dimensions differ: op(A) is 1x256 but op(B) is 10x256}}
  %y = rapid.gemm %a, %b transpose_b : (tensor<1x256xf32>, tensor<256x10xf32>) -> tensor<1x10xf32>
  return
}

// -----

func.func @bias(%a: tensor<4x256xf32>, %b: tensor<256x10xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{c of shape 4 does not broadcast to the 4x10 result}}
  %y = rapid.gemm %a, %b, %c : (tensor<4x256xf32>, tensor<256x10xf32>, tensor<4xf32>) -> tensor<4x10xf32>
  return
}

// -----

func.func @bias_too_big(%a: tensor<1x256xf32>, %b: tensor<256x10xf32>, %c: tensor<3x10xf32>) {
  // expected-error @+1 {{c of shape 3x10 does not broadcast to the 1x10 result}}
  %y = rapid.gemm %a, %b, %c : (tensor<1x256xf32>, tensor<256x10xf32>, tensor<3x10xf32>) -> tensor<1x10xf32>
  return
}

// -----

func.func @result(%a: tensor<256x1xf32>, %b: tensor<256x10xf32>) {
  // expected-error @+1 {{result shape 256x10 does not match the expected 1x10}}
  %y = rapid.gemm %a, %b transpose_a : (tensor<256x1xf32>, tensor<256x10xf32>) -> tensor<256x10xf32>
  return
}

// -----

func.func @bias_type(%a: tensor<1x256xf16>, %b: tensor<256x10xf16>, %c: tensor<10xf32>) {
  // expected-error @+1 {{'rapid.gemm' op operands and result must share one element type, got 'f32' and 'f16'}}
  %y = rapid.gemm %a, %b, %c : (tensor<1x256xf16>, tensor<256x10xf16>, tensor<10xf32>) -> tensor<1x10xf16>
  return
}
