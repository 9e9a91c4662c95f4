// RUN: rapid-opt %s -split-input-file --rapid-fold-batchnorm | FileCheck %s

// Per output channel o: s = scale / sqrt(var + eps) = [1.5, 1.0],
// W' = s * W = [3.0, 4.0], b' = s * (b - mean) + bias = [0.5, -2.0].
// CHECK-LABEL: func.func @conv_with_bias
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x2x2xf32>)
// CHECK-DAG: %[[W:.*]] = rapid.constant dense<{{\[}}{{\[}}{{\[}}[3.000000e+00]]], {{\[}}{{\[}}[4.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = rapid.constant dense<[5.000000e-01, -2.000000e+00]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = rapid.conv2d %[[X]], %[[W]], %[[B]] : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
// CHECK-NOT: rapid.batchnorm
// CHECK: return %[[Y]]
func.func @conv_with_bias(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = rapid.constant dense<[[[[2.0]]], [[[4.0]]]]> : tensor<2x1x1x1xf32>
  %b = rapid.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %scale = rapid.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %shift = rapid.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %mean = rapid.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %var = rapid.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %y = rapid.conv2d %x, %w, %b : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %n = rapid.batchnorm %y, %scale, %shift, %mean, %var epsilon 1.0
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %n : tensor<1x2x2x2xf32>
}

// -----

// Without a bias the fold creates one: b' = shift = bias - s * mean.
// Each output channel scales its whole C x KH x KW weight block.
// CHECK-LABEL: func.func @conv_without_bias
// CHECK-DAG: %[[W:.*]] = rapid.constant dense<{{\[}}{{\[}}{{\[}}[2.000000e+00, 4.000000e+00]]], {{\[}}{{\[}}[-3.000000e+00, -4.000000e+00]]]]> : tensor<2x1x1x2xf16>
// CHECK-DAG: %[[B:.*]] = rapid.constant dense<[-2.000000e+00, 1.000000e+00]> : tensor<2xf16>
// CHECK: rapid.conv2d %{{.*}}, %[[W]], %[[B]] strides [2, 2] :
func.func @conv_without_bias(%x: tensor<1x1x4x4xf16>) -> tensor<1x2x2x2xf16> {
  %w = rapid.constant dense<[[[[1.0, 2.0]]], [[[3.0, 4.0]]]]> : tensor<2x1x1x2xf16>
  %scale = rapid.constant dense<[2.0, -1.0]> : tensor<2xf16>
  %shift = rapid.constant dense<[0.0, 1.0]> : tensor<2xf16>
  %mean = rapid.constant dense<[1.0, 0.0]> : tensor<2xf16>
  %var = rapid.constant dense<[1.0, 1.0]> : tensor<2xf16>
  %y = rapid.conv2d %x, %w strides [2, 2] : (tensor<1x1x4x4xf16>, tensor<2x1x1x2xf16>) -> tensor<1x2x2x2xf16>
  %n = rapid.batchnorm %y, %scale, %shift, %mean, %var epsilon 0.0
      : (tensor<1x2x2x2xf16>, tensor<2xf16>, tensor<2xf16>, tensor<2xf16>, tensor<2xf16>) -> tensor<1x2x2x2xf16>
  return %n : tensor<1x2x2x2xf16>
}

// -----

// gemm with transpose_b: output features are the rows of B. s = [2, 1].
// CHECK-LABEL: func.func @gemm_transposed
// CHECK: rapid.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK-DAG: %[[W:.*]] = rapid.constant dense<{{\[}}[2.000000e+00, 4.000000e+00, 6.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK-DAG: %[[B:.*]] = rapid.constant dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK: rapid.gemm %{{.*}}, %[[W]], %[[B]] transpose_b :
func.func @gemm_transposed(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = rapid.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %scale = rapid.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %shift = rapid.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %zero = rapid.constant dense<0.0> : tensor<2xf32>
  %y = rapid.gemm %x, %w transpose_b : (tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<4x2xf32>
  %n = rapid.batchnorm %y, %scale, %shift, %zero, %zero epsilon 1.0
      : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %n : tensor<4x2xf32>
}

// -----

// gemm without transpose: output features are the columns of B; the bias
// c = [1, 1] becomes s * c + shift = [2, 2].
// CHECK-LABEL: func.func @gemm_columns
// CHECK-DAG: %[[W:.*]] = rapid.constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [4.000000e+00, 5.000000e+00], [6.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: %[[B:.*]] = rapid.constant dense<2.000000e+00> : tensor<2xf32>
// CHECK: rapid.gemm %{{.*}}, %[[W]], %[[B]] :
func.func @gemm_columns(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = rapid.constant dense<[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]> : tensor<3x2xf32>
  %c = rapid.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %scale = rapid.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %shift = rapid.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %zero = rapid.constant dense<0.0> : tensor<2xf32>
  %y = rapid.gemm %x, %w, %c : (tensor<4x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %n = rapid.batchnorm %y, %scale, %shift, %zero, %zero epsilon 1.0
      : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %n : tensor<4x2xf32>
}

// -----

// Batch norms that cannot fold stay: after an activation, after a conv with
// other users, after a conv with runtime weights, with runtime statistics,
// after a gemm whose beta is not 1, and after a gemm with a per-row bias.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-6: rapid.batchnorm
func.func @kept(%x: tensor<1x1x2x2xf32>, %wr: tensor<2x1x1x1xf32>, %stat: tensor<2xf32>, %g: tensor<4x3xf32>, %x2: tensor<2x2xf32>)
    -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<4x2xf32>, tensor<2x2xf32>) {
  %w = rapid.constant dense<[[[[2.0]]], [[[4.0]]]]> : tensor<2x1x1x1xf32>
  %p = rapid.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %act = rapid.conv2d %x, %w act relu : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n1 = rapid.batchnorm %act, %p, %p, %p, %p : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %shared = rapid.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n2 = rapid.batchnorm %shared, %p, %p, %p, %p : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %runtime = rapid.conv2d %x, %wr : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n3 = rapid.batchnorm %runtime, %p, %p, %p, %p : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %y4 = rapid.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n4 = rapid.batchnorm %y4, %p, %p, %stat, %p : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %gw = rapid.constant dense<[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]> : tensor<3x2xf32>
  %gy = rapid.gemm %g, %gw, %p beta 2.0 : (tensor<4x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %n5 = rapid.batchnorm %gy, %p, %p, %p, %p : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  // A per-row bias (Mx1 with M == N) cannot absorb the per-column scale.
  %g2 = rapid.constant dense<1.0> : tensor<2x2xf32>
  %rows = rapid.constant dense<[[10.0], [20.0]]> : tensor<2x1xf32>
  %gy2 = rapid.gemm %x2, %g2, %rows : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x1xf32>) -> tensor<2x2xf32>
  %n6 = rapid.batchnorm %gy2, %p, %p, %p, %p : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %n1, %n2, %shared, %n3, %n4, %n5, %n6 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<4x2xf32>, tensor<2x2xf32>
}

// -----

// Weights in a dense_resource blob (as the ONNX importer makes them for large
// tensors) fold too; s = [1.5, 1.0] as in @conv_with_bias.
// CHECK-LABEL: func.func @resource_weights
// CHECK-DAG: rapid.constant dense<{{\[}}{{\[}}{{\[}}[3.000000e+00]]], {{\[}}{{\[}}[4.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: rapid.constant dense<-1.000000e+00> : tensor<2xf32>
func.func @resource_weights(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = rapid.constant dense_resource<conv_w> : tensor<2x1x1x1xf32>
  %scale = rapid.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %shift = rapid.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %mean = rapid.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %var = rapid.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %y = rapid.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n = rapid.batchnorm %y, %scale, %shift, %mean, %var epsilon 1.0
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %n : tensor<1x2x2x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      conv_w: "0x040000000000004000008040"
    }
  }
#-}
