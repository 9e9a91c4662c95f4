// Numpy broadcasting in every direction, in every float element type.
// RUN: rapid-opt %s | rapid-opt | FileCheck %s

// CHECK-LABEL: func.func @broadcasts
func.func @broadcasts(%a: tensor<5x1xf32>, %b: tensor<1x7xf32>, %s: tensor<f32>, %c: tensor<3x5x7xf32>) {
  // Both operands stretch.
  // CHECK: rapid.add %{{.*}}, %{{.*}} : (tensor<5x1xf32>, tensor<1x7xf32>) -> tensor<5x7xf32>
  %x = rapid.add %a, %b : (tensor<5x1xf32>, tensor<1x7xf32>) -> tensor<5x7xf32>
  // A rank-0 operand.
  // CHECK: rapid.mul %{{.*}}, %{{.*}} : (tensor<5x7xf32>, tensor<f32>) -> tensor<5x7xf32>
  %y = rapid.mul %x, %s : (tensor<5x7xf32>, tensor<f32>) -> tensor<5x7xf32>
  // Rank extension on the left.
  // CHECK: rapid.sub %{{.*}}, %{{.*}} : (tensor<5x7xf32>, tensor<3x5x7xf32>) -> tensor<3x5x7xf32>
  %z = rapid.sub %y, %c : (tensor<5x7xf32>, tensor<3x5x7xf32>) -> tensor<3x5x7xf32>
  return
}

// CHECK-LABEL: func.func @element_types
func.func @element_types(%h: tensor<4xf16>, %f: tensor<4xf8E4M3B11FNUZ>, %e: tensor<4xf8E5M2>) {
  // CHECK: rapid.div %{{.*}}, %{{.*}} : (tensor<4xf16>, tensor<4xf16>) -> tensor<4xf16>
  %a = rapid.div %h, %h : (tensor<4xf16>, tensor<4xf16>) -> tensor<4xf16>
  // CHECK: rapid.max %{{.*}}, %{{.*}} : (tensor<4xf8E4M3B11FNUZ>, tensor<1xf8E4M3B11FNUZ>) -> tensor<4xf8E4M3B11FNUZ>
  %c1 = rapid.constant dense<30.0> : tensor<1xf8E4M3B11FNUZ>
  %b = rapid.max %f, %c1 : (tensor<4xf8E4M3B11FNUZ>, tensor<1xf8E4M3B11FNUZ>) -> tensor<4xf8E4M3B11FNUZ>
  // CHECK: rapid.add %{{.*}}, %{{.*}} : (tensor<4xf8E5M2>, tensor<4xf8E5M2>) -> tensor<4xf8E5M2>
  %c = rapid.add %e, %e : (tensor<4xf8E5M2>, tensor<4xf8E5M2>) -> tensor<4xf8E5M2>
  return
}
