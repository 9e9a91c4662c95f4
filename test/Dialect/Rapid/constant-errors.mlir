// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @storage() {
  // expected-error @+1 {{'rapid.quant_constant' op value of type 'tensor<2xi8>' cannot initialize 'tensor<2x!rapid.quant<i4, 5.000000e-01>>': it must have the result's shape and the storage type 'i4'}}
  %c = rapid.quant_constant dense<[1, 2]> : tensor<2xi8> -> tensor<2x!rapid.quant<i4, 0.5>>
  return
}

// -----

func.func @shape() {
  // expected-error @+1 {{'rapid.quant_constant' op value of type 'tensor<2xi4>' cannot initialize 'tensor<1x2x!rapid.quant<i4, 5.000000e-01>>'}}
  %c = rapid.quant_constant dense<[1, 2]> : tensor<2xi4> -> tensor<1x2x!rapid.quant<i4, 0.5>>
  return
}

// -----

func.func @integer_result() {
  // expected-error @+1 {{result #0 must be statically shaped tensor of rapid floating-point element}}
  %c = rapid.constant dense<[1, 2]> : tensor<2xi32>
  return
}

// -----

func.func @cast_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.cast' op requires the same shape for all operands and results}}
  %y = rapid.cast %x : tensor<4xf32> to tensor<5xf16>
  return
}

// -----

func.func @quantize_result(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.quantize' op result #0 must be statically shaped tensor of quantized integer element}}
  %y = rapid.quantize %x : tensor<4xf32> to tensor<4xf16>
  return
}
