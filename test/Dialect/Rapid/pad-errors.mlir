// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @element_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.pad' op operands and result must share one element type, got 'f32' and 'f16'}}
  %y = rapid.pad %x pads [1, 1] mode constant : (tensor<4xf32>) -> tensor<6xf16>
  return
}

// -----

func.func @count(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'rapid.pad' op pads needs 4 values (begin and end per dimension), got 2}}
  %y = rapid.pad %x pads [1, 1] mode constant : (tensor<2x4xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @empty(%x: tensor<2xf32>) {
  // expected-error @+1 {{'rapid.pad' op pads [-1, -1] leave dimension 0 empty}}
  %y = rapid.pad %x pads [-1, -1] mode constant : (tensor<2xf32>) -> tensor<1xf32>
  return
}

// -----

func.func @result(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.pad' op result shape 5 does not match the expected 6}}
  %y = rapid.pad %x pads [1, 1] mode constant : (tensor<4xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @value(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.pad' op value is only used by mode constant, not edge}}
  %y = rapid.pad %x pads [1, 1] mode edge value 1.0 : (tensor<4xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @crop(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.pad' op mode edge cannot crop (negative pad in dimension 0)}}
  %y = rapid.pad %x pads [-1, 1] mode edge : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @reflect(%x: tensor<1x4xf32>) {
  // expected-error @+1 {{'rapid.pad' op mode reflect needs pads smaller than the dimension: pad 4 in dimension 1 of size 4}}
  %y = rapid.pad %x pads [0, 4, 0, 0] mode reflect : (tensor<1x4xf32>) -> tensor<1x8xf32>
  return
}
