// Convolution variants: depthwise, grouped, dilated, quantized weights, and
// every fused activation kind.
// RUN: rapid-opt %s | rapid-opt | FileCheck %s
// RUN: rapid-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @depthwise
// CHECK: rapid.conv2d %{{.*}}, %{{.*}} strides [2, 2] pads [1, 1, 1, 1] groups 32 act clip 0.000000e+00, 6.000000e+00 : (tensor<1x32x56x56xf16>, tensor<32x1x3x3xf16>) -> tensor<1x32x28x28xf16>
// GENERIC-LABEL: sym_name = "depthwise"
// GENERIC: "rapid.conv2d"(%{{.*}}, %{{.*}}) <{activation = #rapid.act<clip 0.000000e+00, 6.000000e+00>, groups = 32 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}>
func.func @depthwise(%x: tensor<1x32x56x56xf16>, %w: tensor<32x1x3x3xf16>) -> tensor<1x32x28x28xf16> {
  %y = rapid.conv2d %x, %w strides [2, 2] pads [1, 1, 1, 1] groups 32 act clip 0.0, 6.0
      : (tensor<1x32x56x56xf16>, tensor<32x1x3x3xf16>) -> tensor<1x32x28x28xf16>
  return %y : tensor<1x32x28x28xf16>
}

// CHECK-LABEL: func.func @grouped_dilated
// CHECK: rapid.conv2d %{{.*}}, %{{.*}}, %{{.*}} pads [2, 2, 2, 2] dilations [2, 2] groups 4 act leaky_relu 2.000000e-01 : (tensor<2x16x9x9xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<2x8x9x9xf32>
func.func @grouped_dilated(%x: tensor<2x16x9x9xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<8xf32>) -> tensor<2x8x9x9xf32> {
  %y = rapid.conv2d %x, %w, %b pads [2, 2, 2, 2] dilations [2, 2] groups 4 act leaky_relu 0.2
      : (tensor<2x16x9x9xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<2x8x9x9xf32>
  return %y : tensor<2x8x9x9xf32>
}

// Asymmetric padding (top, left, bottom, right) as ONNX SAME_UPPER gives it.
// CHECK-LABEL: func.func @asymmetric
// CHECK: pads [0, 0, 1, 1] act hard_sigmoid 2.000000e-01, 5.000000e-01
func.func @asymmetric(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x2x2xf32>) -> tensor<1x4x8x8xf32> {
  %y = rapid.conv2d %x, %w pads [0, 0, 1, 1] act hard_sigmoid 0.2, 0.5
      : (tensor<1x3x8x8xf32>, tensor<4x3x2x2xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// Quantized activations and weights give a float result.
// CHECK-LABEL: func.func @quantized
// CHECK: rapid.conv2d %{{.*}}, %{{.*}} act sigmoid : (tensor<1x8x4x4x!rapid.quant<i8, 5.000000e-02>>, tensor<8x8x1x1x!rapid.quant<i2, 1.000000e+00>>) -> tensor<1x8x4x4xf16>
func.func @quantized(%x: tensor<1x8x4x4x!rapid.quant<i8, 0.05>>, %w: tensor<8x8x1x1x!rapid.quant<i2, 1.0>>) -> tensor<1x8x4x4xf16> {
  %y = rapid.conv2d %x, %w act sigmoid
      : (tensor<1x8x4x4x!rapid.quant<i8, 0.05>>, tensor<8x8x1x1x!rapid.quant<i2, 1.0>>) -> tensor<1x8x4x4xf16>
  return %y : tensor<1x8x4x4xf16>
}

// CHECK-LABEL: func.func @hfp8
// CHECK: rapid.conv2d %{{.*}}, %{{.*}} act tanh : (tensor<1x4x4x4xf8E4M3B11FNUZ>, tensor<4x4x3x3xf8E4M3B11FNUZ>) -> tensor<1x4x2x2xf16>
func.func @hfp8(%x: tensor<1x4x4x4xf8E4M3B11FNUZ>, %w: tensor<4x4x3x3xf8E4M3B11FNUZ>) -> tensor<1x4x2x2xf16> {
  %y = rapid.conv2d %x, %w act tanh : (tensor<1x4x4x4xf8E4M3B11FNUZ>, tensor<4x4x3x3xf8E4M3B11FNUZ>) -> tensor<1x4x2x2xf16>
  return %y : tensor<1x4x2x2xf16>
}
