// Concat, reshape, flatten, transpose and pad shapes, with negative axes.
// RUN: rapid-opt %s | rapid-opt | FileCheck %s

// CHECK-LABEL: func.func @movement
func.func @movement(%a: tensor<2x3x4xf32>, %b: tensor<2x3x1xf32>, %q: tensor<6x4x!rapid.quant<i8, 0.5>>) {
  // CHECK: rapid.concat %{{.*}}, %{{.*}}, %{{.*}} axis -1 : (tensor<2x3x4xf32>, tensor<2x3x1xf32>, tensor<2x3x4xf32>) -> tensor<2x3x9xf32>
  %c = rapid.concat %a, %b, %a axis -1 : (tensor<2x3x4xf32>, tensor<2x3x1xf32>, tensor<2x3x4xf32>) -> tensor<2x3x9xf32>
  // CHECK: rapid.flatten %{{.*}} axis 0 : (tensor<2x3x4xf32>) -> tensor<1x24xf32>
  %f0 = rapid.flatten %a axis 0 : (tensor<2x3x4xf32>) -> tensor<1x24xf32>
  // CHECK: rapid.flatten %{{.*}} axis -1 : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %f1 = rapid.flatten %a axis -1 : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  // CHECK: rapid.flatten %{{.*}} axis 3 : (tensor<2x3x4xf32>) -> tensor<24x1xf32>
  %f3 = rapid.flatten %a axis 3 : (tensor<2x3x4xf32>) -> tensor<24x1xf32>
  // Quantized tensors move like any other.
  // CHECK: rapid.reshape %{{.*}} : tensor<6x4x!rapid.quant<i8, 5.000000e-01>> -> tensor<24x!rapid.quant<i8, 5.000000e-01>>
  %r = rapid.reshape %q : tensor<6x4x!rapid.quant<i8, 0.5>> -> tensor<24x!rapid.quant<i8, 0.5>>
  // CHECK: rapid.transpose %{{.*}} perm [2, 0, 1] : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %t = rapid.transpose %a perm [2, 0, 1] : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // Negative pads crop; edge mode repeats the border.
  // CHECK: rapid.pad %{{.*}} pads [0, -1, 0, 0, -1, 2] mode constant : (tensor<2x3x4xf32>) -> tensor<2x1x6xf32>
  %p = rapid.pad %a pads [0, -1, 0, 0, -1, 2] mode constant : (tensor<2x3x4xf32>) -> tensor<2x1x6xf32>
  // CHECK: rapid.pad %{{.*}} pads [1, 0, 0, 1, 0, 5] mode edge : (tensor<2x3x4xf32>) -> tensor<4x3x9xf32>
  %e = rapid.pad %a pads [1, 0, 0, 1, 0, 5] mode edge : (tensor<2x3x4xf32>) -> tensor<4x3x9xf32>
  return
}
