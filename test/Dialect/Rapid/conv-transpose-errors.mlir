// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<16x8x8xf32>, %w: tensor<16x8x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op input must be rank 4 (NxCxHxW), got 16x8x8}}
  %y = rapid.conv_transpose2d %x, %w : (tensor<16x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x8x10x10xf32>
  return
}

// -----

func.func @weight_rank(%x: tensor<1x16x8x8xf32>, %w: tensor<16x72xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op weight must be rank 4 (CxO/groupsxKHxKW), got 16x72}}
  %y = rapid.conv_transpose2d %x, %w : (tensor<1x16x8x8xf32>, tensor<16x72xf32>) -> tensor<1x8x10x10xf32>
  return
}

// -----

func.func @channels(%x: tensor<1x16x8x8xf32>, %w: tensor<8x8x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op weight input channels (8) must equal the input channels (16)}}
  %y = rapid.conv_transpose2d %x, %w : (tensor<1x16x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x10x10xf32>
  return
}

// -----

func.func @groups(%x: tensor<1x6x8x8xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op input channels (6) are not divisible by groups (4)}}
  %y = rapid.conv_transpose2d %x, %w groups 4 : (tensor<1x6x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x8x10x10xf32>
  return
}

// -----

func.func @groups_value(%x: tensor<1x6x8x8xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op groups must be >= 1, got 0}}
  %y = rapid.conv_transpose2d %x, %w groups 0 : (tensor<1x6x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x2x10x10xf32>
  return
}

// -----

func.func @output_padding_count(%x: tensor<1x16x8x8xf32>, %w: tensor<16x8x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op output_padding needs 2 values (height, width), got 1}}
  %y = rapid.conv_transpose2d %x, %w output_padding [1] : (tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x8x10x10xf32>
  return
}

// -----

func.func @output_padding_value(%x: tensor<1x16x8x8xf32>, %w: tensor<16x8x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op output_padding [2, 0] must be smaller than the stride or dilation}}
  %y = rapid.conv_transpose2d %x, %w strides [2, 2] output_padding [2, 0] : (tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x8x19x17xf32>
  return
}

// -----

func.func @pads(%x: tensor<1x16x1x1xf32>, %w: tensor<16x8x1x1xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op pads [1, 0, 0, 0] leave no output height}}
  %y = rapid.conv_transpose2d %x, %w pads [1, 0, 0, 0] : (tensor<1x16x1x1xf32>, tensor<16x8x1x1xf32>) -> tensor<1x8x1x1xf32>
  return
}

// -----

func.func @window(%x: tensor<1x16x8x8xf32>, %w: tensor<16x8x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op strides must be in [1, 2^31], got [0, 1]}}
  %y = rapid.conv_transpose2d %x, %w strides [0, 1] : (tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x8x10x10xf32>
  return
}

// -----

func.func @result(%x: tensor<1x16x8x8xf32>, %w: tensor<16x8x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op result shape 1x8x8x8 does not match the expected 1x8x10x10}}
  %y = rapid.conv_transpose2d %x, %w : (tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @bias(%x: tensor<1x16x8x8xf32>, %w: tensor<16x8x3x3xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'rapid.conv_transpose2d' op bias must have shape 8 (one value per output channel), got 16}}
  %y = rapid.conv_transpose2d %x, %w, %b : (tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>, tensor<16xf32>) -> tensor<1x8x10x10xf32>
  return
}
