// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @element_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.slice' op cannot change the element type}}
  %y = rapid.slice %x offsets [0] strides [1] : (tensor<4xf32>) -> tensor<2xf16>
  return
}

// -----

func.func @rank(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'rapid.slice' op offsets, strides and result must have the input's rank 2}}
  %y = rapid.slice %x offsets [0] strides [1, 1] : (tensor<4x4xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @stride(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.slice' op dimension 0 needs offset >= 0 and stride >= 1, got offset 0 and stride 0}}
  %y = rapid.slice %x offsets [0] strides [0] : (tensor<4xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @bounds(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'rapid.slice' op dimension 1 takes 3 elements from offset 2 with stride 3, past the input size 8}}
  %y = rapid.slice %x offsets [0, 2] strides [1, 3] : (tensor<4x8xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @overflow(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.slice' op dimension 0 takes 3 elements from offset 0 with stride 4611686018427387904, past the input size 4}}
  %y = rapid.slice %x offsets [0] strides [4611686018427387904] : (tensor<4xf32>) -> tensor<3xf32>
  return
}
