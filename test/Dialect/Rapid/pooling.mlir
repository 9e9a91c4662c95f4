// Pooling shapes: ceil mode, dilation, padding, global.
// RUN: rapid-opt %s | rapid-opt | FileCheck %s

// CHECK-LABEL: func.func @pools
func.func @pools(%x: tensor<1x8x7x7xf32>) {
  // 7 with k=2 s=2: floor gives 3, ceil gives 4.
  // CHECK: rapid.maxpool %{{.*}} kernel [2, 2] strides [2, 2] : (tensor<1x8x7x7xf32>) -> tensor<1x8x3x3xf32>
  %a = rapid.maxpool %x kernel [2, 2] strides [2, 2] : (tensor<1x8x7x7xf32>) -> tensor<1x8x3x3xf32>
  // CHECK: rapid.maxpool %{{.*}} kernel [2, 2] strides [2, 2] ceil_mode : (tensor<1x8x7x7xf32>) -> tensor<1x8x4x4xf32>
  %b = rapid.maxpool %x kernel [2, 2] strides [2, 2] ceil_mode : (tensor<1x8x7x7xf32>) -> tensor<1x8x4x4xf32>
  // A dilated 3x3 window spans 5: 7 - 5 + 1 = 3.
  // CHECK: rapid.maxpool %{{.*}} kernel [3, 3] dilations [2, 2] : (tensor<1x8x7x7xf32>) -> tensor<1x8x3x3xf32>
  %c = rapid.maxpool %x kernel [3, 3] dilations [2, 2] : (tensor<1x8x7x7xf32>) -> tensor<1x8x3x3xf32>
  // ceil mode drops a window that would start in the trailing padding:
  // 7 + 1 + 1 with k=3 s=3 gives ceil(6/3)+1 = 3, and (3-1)*3 = 6 < 7 + 1 keeps it.
  // CHECK: rapid.avgpool %{{.*}} kernel [3, 3] strides [3, 3] pads [1, 1, 1, 1] ceil_mode count_include_pad : (tensor<1x8x7x7xf32>) -> tensor<1x8x3x3xf32>
  %d = rapid.avgpool %x kernel [3, 3] strides [3, 3] pads [1, 1, 1, 1] ceil_mode count_include_pad : (tensor<1x8x7x7xf32>) -> tensor<1x8x3x3xf32>
  // CHECK: rapid.avgpool %{{.*}} kernel [7, 7] : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
  %e = rapid.avgpool %x kernel [7, 7] : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
  // CHECK: rapid.global_avgpool %{{.*}} : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
  %f = rapid.global_avgpool %x : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
  return
}
