// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @rank(%x: tensor<16x8x8xf32>) {
  // expected-error @+1 {{'rapid.maxpool' op input must be rank 4 (NxCxHxW), got 16x8x8}}
  %y = rapid.maxpool %x kernel [2, 2] : (tensor<16x8x8xf32>) -> tensor<16x7x7xf32>
  return
}

// -----

func.func @kernel_count(%x: tensor<1x16x8x8xf32>) {
  // expected-error @+1 {{'rapid.maxpool' op kernel needs 2 values (height, width), got 1}}
  %y = rapid.maxpool %x kernel [2] : (tensor<1x16x8x8xf32>) -> tensor<1x16x7x7xf32>
  return
}

// -----

func.func @kernel_value(%x: tensor<1x16x8x8xf32>) {
  // expected-error @+1 {{'rapid.avgpool' op kernel values must be in [1, 2^31], got [0, 2]}}
  %y = rapid.avgpool %x kernel [0, 2] : (tensor<1x16x8x8xf32>) -> tensor<1x16x7x7xf32>
  return
}

// -----

func.func @pads(%x: tensor<1x16x8x8xf32>) {
  // expected-error @+1 {{'rapid.maxpool' op pads [2, 2, 2, 2] must be smaller than the kernel [2, 2]}}
  %y = rapid.maxpool %x kernel [2, 2] pads [2, 2, 2, 2] : (tensor<1x16x8x8xf32>) -> tensor<1x16x11x11xf32>
  return
}

// -----

func.func @maxpool_result(%x: tensor<1x16x7x7xf32>) {
  // expected-error @+1 {{'rapid.maxpool' op result shape 1x16x3x3 does not match the expected 1x16x4x4}}
  %y = rapid.maxpool %x kernel [2, 2] strides [2, 2] ceil_mode : (tensor<1x16x7x7xf32>) -> tensor<1x16x3x3xf32>
  return
}

// -----

func.func @avgpool_window(%x: tensor<1x16x2x2xf32>) {
  // expected-error @+1 {{'rapid.avgpool' op window of 3 (dilation 1) does not fit the padded input height 2 + 0 + 0}}
  %y = rapid.avgpool %x kernel [3, 3] : (tensor<1x16x2x2xf32>) -> tensor<1x16x1x1xf32>
  return
}

// -----

func.func @global_rank(%x: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'rapid.global_avgpool' op input must be rank 4 (NxCxHxW), got 1x16x4}}
  %y = rapid.global_avgpool %x : (tensor<1x16x4xf32>) -> tensor<1x16x1xf32>
  return
}

// -----

func.func @global_result(%x: tensor<1x16x4x4xf32>) {
  // expected-error @+1 {{'rapid.global_avgpool' op result shape 1x16 does not match the expected 1x16x1x1}}
  %y = rapid.global_avgpool %x : (tensor<1x16x4x4xf32>) -> tensor<1x16xf32>
  return
}
