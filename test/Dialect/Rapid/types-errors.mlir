// RUN: rapid-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{quantized storage type must be i8, i4 or i2, got 'i16'}}
func.func @storage(%x: tensor<4x!rapid.quant<i16, 0.5>>)

// -----

// expected-error @+1 {{quantization scale must be positive and finite, got -1}}
func.func @scale(%x: tensor<4x!rapid.quant<i8, -1.0>>)

// -----

// expected-error @+1 {{zero point 9 is outside the range [-8, 7] of 'i4'}}
func.func @zero_point(%x: tensor<4x!rapid.quant<i4, 0.5, zero_point = 9>>)
