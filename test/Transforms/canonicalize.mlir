// RUN: rapid-opt %s -split-input-file --rapid-canonicalize | FileCheck %s

// CHECK-LABEL: func.func @reshape_constant
// CHECK-NEXT: %[[C:.*]] = rapid.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK-NEXT: return %[[C]]
func.func @reshape_constant() -> tensor<2x3xf32> {
  %c = rapid.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<6xf32>
  %r = rapid.reshape %c : tensor<6xf32> -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// The weights are re-laid out at compile time.
// CHECK-LABEL: func.func @transpose_constant
// CHECK-NEXT: %[[C:.*]] = rapid.quant_constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi4> -> tensor<3x2x!rapid.quant<i4, 2.500000e-01>>
// CHECK-NEXT: return %[[C]]
func.func @transpose_constant() -> tensor<3x2x!rapid.quant<i4, 0.25>> {
  %c = rapid.quant_constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi4> -> tensor<2x3x!rapid.quant<i4, 0.25>>
  %t = rapid.transpose %c perm [1, 0] : (tensor<2x3x!rapid.quant<i4, 0.25>>) -> tensor<3x2x!rapid.quant<i4, 0.25>>
  return %t : tensor<3x2x!rapid.quant<i4, 0.25>>
}

// -----

// CHECK-LABEL: func.func @transpose_constant_3d
// CHECK-NEXT: rapid.constant dense<{{\[}}{{\[}}[0.000000e+00, 6.000000e+00], [3.000000e+00, 9.000000e+00]], {{\[}}[1.000000e+00, 7.000000e+00], [4.000000e+00, 1.000000e+01]], {{\[}}[2.000000e+00, 8.000000e+00], [5.000000e+00, 1.100000e+01]]]> : tensor<3x2x2xf16>
func.func @transpose_constant_3d() -> tensor<3x2x2xf16> {
  %c = rapid.constant dense<[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], [[6.0, 7.0, 8.0], [9.0, 10.0, 11.0]]]> : tensor<2x2x3xf16>
  %t = rapid.transpose %c perm [2, 1, 0] : (tensor<2x2x3xf16>) -> tensor<3x2x2xf16>
  return %t : tensor<3x2x2xf16>
}

// -----

// CHECK-LABEL: func.func @reshape_quant_constant
// CHECK-NEXT: %[[C:.*]] = rapid.quant_constant dense<{{\[}}[-1, 0], [1, 1]]> : tensor<2x2xi2> -> tensor<2x2x!rapid.quant<i2, 1.000000e+00>>
// CHECK-NEXT: return %[[C]]
func.func @reshape_quant_constant() -> tensor<2x2x!rapid.quant<i2, 1.0>> {
  %c = rapid.quant_constant dense<[-1, 0, 1, 1]> : tensor<4xi2> -> tensor<4x!rapid.quant<i2, 1.0>>
  %r = rapid.reshape %c : tensor<4x!rapid.quant<i2, 1.0>> -> tensor<2x2x!rapid.quant<i2, 1.0>>
  return %r : tensor<2x2x!rapid.quant<i2, 1.0>>
}

// -----

// CHECK-LABEL: func.func @identity_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity_transpose(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %t = rapid.transpose %x perm [0, 1] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %t : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_of_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = rapid.transpose %[[X]] perm [2, 1, 0] : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_of_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %a = rapid.transpose %x perm [1, 2, 0] : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %b = rapid.transpose %a perm [1, 0, 2] : (tensor<3x4x2xf32>) -> tensor<4x3x2xf32>
  return %b : tensor<4x3x2xf32>
}

// -----

// Two transposes that cancel disappear.
// CHECK-LABEL: func.func @transposes_cancel
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transposes_cancel(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %a = rapid.transpose %x perm [1, 2, 0] : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %b = rapid.transpose %a perm [2, 0, 1] : (tensor<3x4x2xf32>) -> tensor<2x3x4xf32>
  return %b : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[R:.*]] = rapid.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<4x6xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %a = rapid.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  %b = rapid.reshape %a : tensor<24xf32> -> tensor<4x6xf32>
  return %b : tensor<4x6xf32>
}

// -----

// CHECK-LABEL: func.func @flatten_is_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<1x16x4x4xf32>)
// CHECK-NEXT: %[[R:.*]] = rapid.reshape %[[X]] : tensor<1x16x4x4xf32> -> tensor<1x256xf32>
// CHECK-NEXT: return %[[R]]
func.func @flatten_is_reshape(%x: tensor<1x16x4x4xf32>) -> tensor<1x256xf32> {
  %f = rapid.flatten %x axis 1 : (tensor<1x16x4x4xf32>) -> tensor<1x256xf32>
  return %f : tensor<1x256xf32>
}

// -----

// f16 rounds to nearest even; the HFP8 1-4-3 format saturates at 30.
// CHECK-LABEL: func.func @cast_constants
// CHECK-DAG: rapid.constant dense<[1.000000e+00, 2.048000e+03, 6.550400e+04]> : tensor<3xf16>
// CHECK-DAG: rapid.constant dense<[1.000000e+00, 3.000000e+01, -3.000000e+01, 2.500000e-01, 3.000000e+01, -3.000000e+01]> : tensor<6xf8E4M3B11FNUZ>
func.func @cast_constants() -> (tensor<3xf16>, tensor<6xf8E4M3B11FNUZ>) {
  %c = rapid.constant dense<[1.0, 2049.0, 65504.0]> : tensor<3xf32>
  %h = rapid.cast %c : tensor<3xf32> to tensor<3xf16>
  // Infinities saturate too.
  %d = rapid.constant dense<[1.0, 100.0, -1000.0, 0.25, 0x7F800000, 0xFF800000]> : tensor<6xf32>
  %f = rapid.cast %d : tensor<6xf32> to tensor<6xf8E4M3B11FNUZ>
  return %h, %f : tensor<3xf16>, tensor<6xf8E4M3B11FNUZ>
}

// -----

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %c = rapid.cast %x : tensor<2x3xf32> to tensor<2x3xf32>
  %p = rapid.pad %x pads [0, 0, 0, 0] mode constant : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %k = rapid.concat %x axis 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %c, %p, %k : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Ops whose results are unused are erased; the rest stay in order.
// CHECK-LABEL: func.func @dead_code
// CHECK-NEXT: %[[R:.*]] = rapid.relu
// CHECK-NEXT: return %[[R]]
func.func @dead_code(%x: tensor<4xf32>) -> tensor<4xf32> {
  %unused = rapid.sigmoid %x : tensor<4xf32>
  %w = rapid.constant dense<1.0> : tensor<4xf32>
  %r = rapid.relu %x : tensor<4xf32>
  return %r : tensor<4xf32>
}
