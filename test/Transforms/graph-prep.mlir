// The graph-preparation pipeline as rapidc runs it: batch norms fold into
// their convolutions, activations fuse into them, flatten becomes reshape,
// unused weights disappear.
// RUN: rapid-opt %s --rapid-graph-prep | FileCheck %s

// CHECK-LABEL: func.func @net
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x4x4xf32>)
// CHECK-DAG: %[[W:.*]] = rapid.constant dense<{{\[}}{{\[}}{{\[}}[1.000000e+00]]], {{\[}}{{\[}}[6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = rapid.constant dense<[-5.000000e-01, 1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[FW:.*]] = rapid.constant dense<1.000000e+00> : tensor<3x32xf32>
// CHECK: %[[C:.*]] = rapid.conv2d %[[X]], %[[W]], %[[B]] act relu :
// CHECK-NEXT: %[[F:.*]] = rapid.reshape %[[C]] : tensor<1x2x4x4xf32> -> tensor<1x32xf32>
// CHECK-NEXT: %[[G:.*]] = rapid.gemm %[[F]], %[[FW]] transpose_b
// CHECK-NEXT: return %[[G]]
// CHECK-NOT: rapid.batchnorm
func.func @net(%x: tensor<1x1x4x4xf32>) -> tensor<1x3xf32> {
  %w = rapid.constant dense<[[[[0.5]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %scale = rapid.constant dense<[2.0, 2.0]> : tensor<2xf32>
  %shift = rapid.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %mean = rapid.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %var = rapid.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = rapid.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = rapid.batchnorm %c, %scale, %shift, %mean, %var epsilon 0.0
      : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = rapid.relu %n : tensor<1x2x4x4xf32>
  %f = rapid.flatten %r axis 1 : (tensor<1x2x4x4xf32>) -> tensor<1x32xf32>
  %fw = rapid.constant dense<1.0> : tensor<3x32xf32>
  %g = rapid.gemm %f, %fw transpose_b : (tensor<1x32xf32>, tensor<3x32xf32>) -> tensor<1x3xf32>
  return %g : tensor<1x3xf32>
}
