// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'rapid.reshape' op cannot change the element type ('f32' to 'f16')}}
  %y = rapid.reshape %x : tensor<2x3xf32> -> tensor<6xf16>
  return
}

// -----

func.func @count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'rapid.reshape' op cannot reshape 6 elements (2x3) into 8 (2x4)}}
  %y = rapid.reshape %x : tensor<2x3xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @flatten_type(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'rapid.flatten' op cannot change the element type}}
  %y = rapid.flatten %x axis 1 : (tensor<2x3x4xf32>) -> tensor<2x12xf16>
  return
}

// -----

func.func @flatten_axis(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'rapid.flatten' op axis 4 is out of range [-3, 3]}}
  %y = rapid.flatten %x axis 4 : (tensor<2x3x4xf32>) -> tensor<24x1xf32>
  return
}

// -----

func.func @flatten_result(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'rapid.flatten' op result shape 2x12 does not match the expected 6x4}}
  %y = rapid.flatten %x axis -1 : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  return
}

// -----

func.func @overflow(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.reshape' op element count overflows int64}}
  %y = rapid.reshape %x : tensor<4xf32> -> tensor<7x7905747460161236407x4xf32>
  return
}
