// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @clip_order(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.clip' op needs finite min <= max, got [6.000000e+00, 0.000000e+00]}}
  %y = rapid.clip %x [6.0, 0.0] : tensor<4xf32>
  return
}

// -----

func.func @clip_finite(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.clip' op needs finite min <= max}}
  %y = rapid.clip %x [0.0, 0x7F800000] : tensor<4xf32>
  return
}

// -----

func.func @pact_lower(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.clip' op a PACT clip has lower bound 0, got -1}}
  %y = rapid.clip %x [-1.0, 2.0] pact : tensor<4xf32>
  return
}

// -----

func.func @leaky(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.leaky_relu' op alpha must be finite}}
  %y = rapid.leaky_relu %x alpha 0x7FC00000 : tensor<4xf32>
  return
}

// -----

func.func @hard_sigmoid(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.hard_sigmoid' op alpha and beta must be finite}}
  %y = rapid.hard_sigmoid %x alpha 0.2 beta 0xFF800000 : tensor<4xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<1x10xf32>) {
  // expected-error @+1 {{'rapid.softmax' op axis 2 is out of range for rank 2}}
  %y = rapid.softmax %x axis 2 : tensor<1x10xf32>
  return
}

// -----

func.func @softmax_negative_axis(%x: tensor<1x10xf32>) {
  // expected-error @+1 {{'rapid.softmax' op axis -3 is out of range for rank 2}}
  %y = rapid.softmax %x axis -3 : tensor<1x10xf32>
  return
}

// -----

func.func @same_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.relu' op requires the same type for all operands and results}}
  %y = "rapid.relu"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return
}
