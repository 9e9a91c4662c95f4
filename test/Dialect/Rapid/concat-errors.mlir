// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @empty() {
  // expected-error @+1 {{'rapid.concat' op needs at least one input}}
  %y = rapid.concat axis 0 : () -> tensor<1xf32>
  return
}

// -----

func.func @element_type(%a: tensor<2xf32>, %b: tensor<2xf16>) {
  // expected-error @+1 {{'rapid.concat' op operands and result must share one element type, got 'f32' and 'f16'}}
  %y = rapid.concat %a, %b axis 0 : (tensor<2xf32>, tensor<2xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @axis(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+1 {{'rapid.concat' op axis 2 is out of range for rank 2}}
  %y = rapid.concat %a, %b axis 2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @rank(%a: tensor<2x3xf32>, %b: tensor<6xf32>) {
  // expected-error @+1 {{'rapid.concat' op input #1 has rank 1 but input #0 has rank 2}}
  %y = rapid.concat %a, %b axis 0 : (tensor<2x3xf32>, tensor<6xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @other_dim(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{'rapid.concat' op input #1 (2x4) differs from input #0 (2x3) in dimension 1, which is not the concatenation axis}}
  %y = rapid.concat %a, %b axis 0 : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @result(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+1 {{'rapid.concat' op result shape 4x3 does not match the expected 2x6}}
  %y = rapid.concat %a, %b axis -1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}
