// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @broadcast(%x: tensor<2x3xf32>, %y: tensor<4x3xf32>) {
  // expected-error @+1 {{'rapid.add' op shapes 2x3 and 4x3 are not broadcast-compatible: dimension 0 of the result would need 2 and 4}}
  %z = rapid.add %x, %y : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @element_type(%x: tensor<2x3xf32>, %y: tensor<2x3xf16>) {
  // expected-error @+1 {{'rapid.mul' op operands and result must share one element type, got 'f32' and 'f16'}}
  %z = rapid.mul %x, %y : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<2x3xf32>
  return
}

// -----

func.func @result(%x: tensor<2x3xf32>, %y: tensor<3xf32>) {
  // expected-error @+1 {{'rapid.sub' op result shape 3 does not match the expected 2x3}}
  %z = rapid.sub %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @div_result(%x: tensor<2x1xf32>, %y: tensor<1x5xf32>) {
  // expected-error @+1 {{'rapid.div' op result shape 2x1 does not match the expected 2x5}}
  %z = rapid.div %x, %y : (tensor<2x1xf32>, tensor<1x5xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @max_types(%x: tensor<4xf8E4M3B11FNUZ>, %y: tensor<4xf8E5M2>) {
  // expected-error @+1 {{'rapid.max' op operands and result must share one element type, got 'f8E4M3B11FNUZ' and 'f8E5M2'}}
  %z = rapid.max %x, %y : (tensor<4xf8E4M3B11FNUZ>, tensor<4xf8E5M2>) -> tensor<4xf8E4M3B11FNUZ>
  return
}

// -----

func.func @integer(%x: tensor<4xi32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of rapid floating-point element}}
  %z = rapid.add %x, %y : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func.func @dynamic(%x: tensor<?xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor}}
  %z = rapid.add %x, %y : (tensor<?xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}
