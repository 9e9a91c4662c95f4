// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'rapid.transpose' op cannot change the element type}}
  %y = rapid.transpose %x perm [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf16>
  return
}

// -----

func.func @length(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'rapid.transpose' op permutation [1, 0] has 2 entries but the input has rank 3}}
  %y = rapid.transpose %x perm [1, 0] : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  return
}

// -----

func.func @not_permutation(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'rapid.transpose' op [0, 0] is not a permutation of [0, 2)}}
  %y = rapid.transpose %x perm [0, 0] : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'rapid.transpose' op result shape 2x3 does not match the expected 3x2}}
  %y = rapid.transpose %x perm [1, 0] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}
