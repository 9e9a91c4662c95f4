// RUN: rapid-opt %s -split-input-file --rapid-fuse-bias-activation | FileCheck %s

// A per-channel constant added to a conv becomes its bias (added to the old
// one); the relu after it becomes its activation.
// CHECK-LABEL: func.func @conv_bias_relu
// CHECK: %[[B:.*]] = rapid.constant dense<[1.500000e+00, 2.500000e+00]> : tensor<2xf32>
// CHECK: %[[C:.*]] = rapid.conv2d %{{.*}}, %{{.*}}, %[[B]] act relu :
// CHECK-NEXT: return %[[C]]
func.func @conv_bias_relu(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = rapid.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b0 = rapid.constant dense<[0.5, 0.5]> : tensor<2xf32>
  %c = rapid.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %y = rapid.conv2d %x, %w, %b0 : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %a = rapid.add %y, %c : (tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %r = rapid.relu %a : tensor<1x2x2x2xf32>
  return %r : tensor<1x2x2x2xf32>
}

// -----

// matmul + per-column bias is a gemm; the clip (ReLU6) fuses into it.
// CHECK-LABEL: func.func @matmul_bias_clip
// CHECK: %[[B:.*]] = rapid.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK: %[[G:.*]] = rapid.gemm %{{.*}}, %{{.*}}, %[[B]] act clip 0.000000e+00, 6.000000e+00 :
// CHECK-NEXT: return %[[G]]
func.func @matmul_bias_clip(%x: tensor<4x5xf32>, %w: tensor<5x3xf32>) -> tensor<4x3xf32> {
  %c = rapid.constant dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>
  %m = rapid.matmul %x, %w : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
  %a = rapid.add %c, %m : (tensor<1x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  %r = rapid.clip %a [0.0, 6.0] : tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// -----

// Each activation kind carries its parameters.
// CHECK-LABEL: func.func @kinds
// CHECK: act leaky_relu 1.000000e-01
// CHECK: act hard_sigmoid 2.000000e-01, 5.000000e-01
// CHECK: act sigmoid
// CHECK: act tanh
func.func @kinds(%x: tensor<2x3xf32>, %w: tensor<3x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %g1 = rapid.gemm %x, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %a1 = rapid.leaky_relu %g1 alpha 0.1 : tensor<2x3xf32>
  %g2 = rapid.gemm %x, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %a2 = rapid.hard_sigmoid %g2 alpha 0.2 beta 0.5 : tensor<2x3xf32>
  %g3 = rapid.gemm %x, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %a3 = rapid.sigmoid %g3 : tensor<2x3xf32>
  %g4 = rapid.gemm %x, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %a4 = rapid.tanh %g4 : tensor<2x3xf32>
  return %a1, %a2, %a3, %a4 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Left alone: a bias that is not per-channel (it varies along W), a conv
// with two users, an activation after a layer that has one, a runtime bias,
// and a batched matmul.
// CHECK-LABEL: func.func @kept
// CHECK: rapid.add
// CHECK: rapid.relu
// CHECK: rapid.conv2d {{.*}} act tanh
// CHECK-NEXT: rapid.relu
// CHECK: rapid.add
// CHECK: rapid.matmul
// CHECK-NEXT: rapid.add
func.func @kept(%x: tensor<1x1x2x2xf32>, %rb: tensor<2x1x1xf32>, %bx: tensor<2x4x5xf32>, %bw: tensor<5x3xf32>)
    -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<2x4x3xf32>) {
  %w = rapid.constant dense<1.0> : tensor<2x1x1x1xf32>
  %cw = rapid.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y1 = rapid.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %a1 = rapid.add %y1, %cw : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %y2 = rapid.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %r2 = rapid.relu %y2 : tensor<1x2x2x2xf32>
  %y3 = rapid.conv2d %x, %w act tanh : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %r3 = rapid.relu %y3 : tensor<1x2x2x2xf32>
  %y4 = rapid.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %a4 = rapid.add %y4, %rb : (tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %c = rapid.constant dense<1.0> : tensor<3xf32>
  %m = rapid.matmul %bx, %bw : (tensor<2x4x5xf32>, tensor<5x3xf32>) -> tensor<2x4x3xf32>
  %a5 = rapid.add %m, %c : (tensor<2x4x3xf32>, tensor<3xf32>) -> tensor<2x4x3xf32>
  return %a1, %r2, %y2, %r3, %a4, %a5 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<2x4x3xf32>
}
