// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv2d' op input must be rank 4 (NxCxHxW), got 3x32x32}}
  %y = rapid.conv2d %x, %w : (tensor<3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @weight_rank(%x: tensor<1x3x32x32xf32>, %w: tensor<16x27xf32>) {
  // expected-error @+1 {{weight must be rank 4 (OxC/groupsxKHxKW), got 16x27}}
  %y = rapid.conv2d %x, %w : (tensor<1x3x32x32xf32>, tensor<16x27xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @stride_count(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{strides needs 2 values (height, width), got 1}}
  %y = rapid.conv2d %x, %w strides [2] : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x15x15xf32>
  return
}

// -----

func.func @stride_value(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{strides must be in [1, 2^31], got [0, 1]}}
  %y = rapid.conv2d %x, %w strides [0, 1] : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @pad_count(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{pads needs 4 values (top, left, bottom, right), got 2}}
  %y = rapid.conv2d %x, %w pads [1, 1] : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x32x32xf32>
  return
}

// -----

func.func @pad_value(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{pads must be in [0, 2^31], got [1, -1, 1, 1]}}
  %y = rapid.conv2d %x, %w pads [1, -1, 1, 1] : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x32x32xf32>
  return
}

// -----

func.func @dilation_count(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{dilations needs 2 values (height, width), got 3}}
  %y = rapid.conv2d %x, %w dilations [1, 1, 1] : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @dilation_value(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{dilations must be in [1, 2^31], got [0, 0]}}
  %y = rapid.conv2d %x, %w dilations [0, 0] : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @groups_value(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{groups must be >= 1, got 0}}
  %y = rapid.conv2d %x, %w groups 0 : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @groups_input(%x: tensor<1x6x32x32xf32>, %w: tensor<16x1x3x3xf32>) {
  // expected-error @+1 {{input channels (6) are not divisible by groups (4)}}
  %y = rapid.conv2d %x, %w groups 4 : (tensor<1x6x32x32xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @groups_output(%x: tensor<1x8x32x32xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{output channels (6) are not divisible by groups (4)}}
  %y = rapid.conv2d %x, %w groups 4 : (tensor<1x8x32x32xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x30x30xf32>
  return
}

// -----

func.func @channels(%x: tensor<1x3x32x32xf32>, %w: tensor<16x2x3x3xf32>) {
  // expected-error @+1 {{weight input channels (2) x groups (1) must equal the input channels (3)}}
  %y = rapid.conv2d %x, %w : (tensor<1x3x32x32xf32>, tensor<16x2x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @window(%x: tensor<1x3x2x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{window of 3 (dilation 1) does not fit the padded input height 2 + 0 + 0}}
  %y = rapid.conv2d %x, %w : (tensor<1x3x2x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x1x30xf32>
  return
}

// -----

func.func @result_shape(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{result shape 1x16x32x32 does not match the expected 1x16x30x30}}
  %y = rapid.conv2d %x, %w : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x32x32xf32>
  return
}

// -----

func.func @bias(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{bias must have shape 16 (one value per output channel), got 8}}
  %y = rapid.conv2d %x, %w, %b : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<8xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @activation_clip(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{clip activation needs min <= max, got [6.000000e+00, 0.000000e+00]}}
  %y = rapid.conv2d %x, %w act clip 6.0, 0.0 : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @activation_finite(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{activation parameters must be finite}}
  %y = rapid.conv2d %x, %w act leaky_relu 0x7F800000 : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @activation_kind(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{unknown activation 'gelu'; expected relu, clip, leaky_relu, sigmoid, hard_sigmoid or tanh}}
  %y = rapid.conv2d %x, %w act gelu : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x30x30xf32>
  return
}

// -----

func.func @result_float(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{result #0 must be statically shaped tensor of}}
  %y = rapid.conv2d %x, %w : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x30x30xi32>
  return
}

// -----

func.func @bias_type(%x: tensor<1x3x32x32xf16>, %w: tensor<16x3x3x3xf16>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'rapid.conv2d' op operands and result must share one element type, got 'f32' and 'f16'}}
  %y = rapid.conv2d %x, %w, %b : (tensor<1x3x32x32xf16>, tensor<16x3x3x3xf16>, tensor<16xf32>) -> tensor<1x16x30x30xf16>
  return
}
