// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @rank(%x: tensor<16xf32>, %p: tensor<16xf32>) {
  // expected-error @+1 {{'rapid.batchnorm' op input must have rank >= 2 (N x C x ...), got 16}}
  %y = rapid.batchnorm %x, %p, %p, %p, %p : (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return
}

// -----

func.func @result(%x: tensor<1x16x4x4xf32>, %p: tensor<16xf32>) {
  // expected-error @+1 {{'rapid.batchnorm' op result type 'tensor<1x16x4x4xf16>' must equal the input type 'tensor<1x16x4x4xf32>'}}
  %y = rapid.batchnorm %x, %p, %p, %p, %p : (tensor<1x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf16>
  return
}

// -----

func.func @scale(%x: tensor<1x16x4x4xf32>, %p: tensor<16xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{'rapid.batchnorm' op scale must have shape 16 (one value per channel), got 8}}
  %y = rapid.batchnorm %x, %s, %p, %p, %p : (tensor<1x16x4x4xf32>, tensor<8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  return
}

// -----

func.func @variance(%x: tensor<1x16x4x4xf32>, %p: tensor<16xf32>, %v: tensor<1x16xf32>) {
  // expected-error @+1 {{'rapid.batchnorm' op variance must have shape 16 (one value per channel), got 1x16}}
  %y = rapid.batchnorm %x, %p, %p, %p, %v : (tensor<1x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<1x16xf32>) -> tensor<1x16x4x4xf32>
  return
}

// -----

func.func @epsilon(%x: tensor<1x16x4x4xf32>, %p: tensor<16xf32>) {
  // expected-error @+1 {{'rapid.batchnorm' op epsilon must be >= 0}}
  %y = rapid.batchnorm %x, %p, %p, %p, %p epsilon -1.0 : (tensor<1x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  return
}

// -----

func.func @param_type(%x: tensor<1x16x4x4xf16>, %p: tensor<16xf16>, %q: tensor<16xf32>) {
  // expected-error @+1 {{'rapid.batchnorm' op operands and result must share one element type, got 'f16' and 'f32'}}
  %y = rapid.batchnorm %x, %p, %p, %q, %p : (tensor<1x16x4x4xf16>, tensor<16xf16>, tensor<16xf16>, tensor<16xf32>, tensor<16xf16>) -> tensor<1x16x4x4xf16>
  return
}
