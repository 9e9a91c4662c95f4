// Every rapid op in its custom form. Round-trips through the custom and the
// generic printer must give the same IR.
// RUN: rapid-opt %s | rapid-opt | FileCheck %s
// RUN: rapid-opt %s --mlir-print-op-generic | rapid-opt | FileCheck %s

// CHECK-LABEL: func.func @constants_and_conversions
func.func @constants_and_conversions(%x: tensor<8xf32>) -> tensor<8xf32> {
  // CHECK: %[[C:.*]] = rapid.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %c = rapid.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: rapid.quant_constant dense<[1, -2]> : tensor<2xi4> -> tensor<2x!rapid.quant<i4, 5.000000e-01>>
  %q = rapid.quant_constant dense<[1, -2]> : tensor<2xi4> -> tensor<2x!rapid.quant<i4, 5.000000e-01>>
  // CHECK: %[[H:.*]] = rapid.cast %{{.*}} : tensor<8xf32> to tensor<8xf16>
  %h = rapid.cast %x : tensor<8xf32> to tensor<8xf16>
  // CHECK: rapid.cast %[[H]] : tensor<8xf16> to tensor<8xf8E4M3B11FNUZ>
  %f8 = rapid.cast %h : tensor<8xf16> to tensor<8xf8E4M3B11FNUZ>
  // CHECK: rapid.cast %{{.*}} : tensor<8xf32> to tensor<8xf8E5M2>
  %e5 = rapid.cast %x : tensor<8xf32> to tensor<8xf8E5M2>
  // CHECK: %[[Q:.*]] = rapid.quantize %{{.*}} : tensor<8xf32> to tensor<8x!rapid.quant<i8, 2.500000e-01, zero_point = -3>>
  %qx = rapid.quantize %x : tensor<8xf32> to tensor<8x!rapid.quant<i8, 0.25, zero_point = -3>>
  // CHECK: rapid.dequantize %[[Q]] : tensor<8x!rapid.quant<i8, 2.500000e-01, zero_point = -3>> to tensor<8xf32>
  %dx = rapid.dequantize %qx : tensor<8x!rapid.quant<i8, 0.25, zero_point = -3>> to tensor<8xf32>
  return %dx : tensor<8xf32>
}

// CHECK-LABEL: func.func @layers
func.func @layers(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>,
                  %a: tensor<2x8x16xf32>, %m: tensor<16x4xf32>,
                  %g: tensor<1x256xf32>, %gw: tensor<10x256xf32>, %gb: tensor<10xf32>)
    -> (tensor<1x16x16x16xf32>, tensor<2x8x4xf32>, tensor<1x10xf32>) {
  // CHECK: rapid.conv2d %{{.*}}, %{{.*}}, %{{.*}} strides [2, 2] pads [1, 1, 1, 1] act relu : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x16x16xf32>
  %y = rapid.conv2d %x, %w, %b strides [2, 2] pads [1, 1, 1, 1] act relu
      : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x16x16xf32>
  // CHECK: rapid.conv_transpose2d %{{.*}}, %{{.*}} strides [2, 2] pads [1, 1, 1, 1] output_padding [1, 1] act relu : (tensor<1x16x16x16xf32>, tensor<16x3x3x3xf32>) -> tensor<1x3x32x32xf32>
  %up = rapid.conv_transpose2d %y, %w strides [2, 2] pads [1, 1, 1, 1] output_padding [1, 1] act relu
      : (tensor<1x16x16x16xf32>, tensor<16x3x3x3xf32>) -> tensor<1x3x32x32xf32>
  // CHECK: rapid.matmul %{{.*}}, %{{.*}} : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
  %mm = rapid.matmul %a, %m : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
  // CHECK: rapid.gemm %{{.*}}, %{{.*}}, %{{.*}} transpose_b alpha 5.000000e-01 beta 2.000000e+00 act leaky_relu 1.000000e-01
  %gm = rapid.gemm %g, %gw, %gb transpose_b alpha 0.5 beta 2.0 act leaky_relu 0.1
      : (tensor<1x256xf32>, tensor<10x256xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  return %y, %mm, %gm : tensor<1x16x16x16xf32>, tensor<2x8x4xf32>, tensor<1x10xf32>
}

// CHECK-LABEL: func.func @recurrent
func.func @recurrent(%x: tensor<10x1x16xf32>, %w: tensor<2x128x16xf32>, %r: tensor<2x128x32xf32>,
                     %b: tensor<2x256xf32>, %h0: tensor<2x1x32xf32>, %c0: tensor<2x1x32xf32>,
                     %xt: tensor<1x16xf32>, %ht: tensor<1x32xf32>, %ct: tensor<1x32xf32>,
                     %wc: tensor<128x16xf32>, %rc: tensor<128x32xf32>, %bc: tensor<256xf32>) {
  // CHECK: rapid.lstm %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} h0 %{{.*}} c0 %{{.*}} hidden_size 32 direction bidirectional
  %y, %yh, %yc = rapid.lstm %x, %w, %r bias %b h0 %h0 c0 %c0 hidden_size 32 direction bidirectional
      : (tensor<10x1x16xf32>, tensor<2x128x16xf32>, tensor<2x128x32xf32>, tensor<2x256xf32>, tensor<2x1x32xf32>, tensor<2x1x32xf32>)
      -> (tensor<10x2x1x32xf32>, tensor<2x1x32xf32>, tensor<2x1x32xf32>)
  // CHECK: rapid.lstm_cell %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x16xf32>
  %h1, %c1 = rapid.lstm_cell %xt, %ht, %ct, %wc, %rc, %bc
      : (tensor<1x16xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<256xf32>)
      -> (tensor<1x32xf32>, tensor<1x32xf32>)
  return
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<1x64x8x8xf32>, %y: tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32> {
  // CHECK: %[[A:.*]] = rapid.add %{{.*}}, %{{.*}} : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
  %a = rapid.add %x, %y : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
  // CHECK: %[[S:.*]] = rapid.sub %[[A]], %{{.*}}
  %s = rapid.sub %a, %y : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
  // CHECK: %[[M:.*]] = rapid.mul %[[S]], %{{.*}}
  %m = rapid.mul %s, %y : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
  // CHECK: %[[D:.*]] = rapid.div %[[M]], %{{.*}}
  %d = rapid.div %m, %y : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
  // CHECK: rapid.max %[[D]], %{{.*}}
  %mx = rapid.max %d, %x : (tensor<1x64x8x8xf32>, tensor<1x64x8x8xf32>) -> tensor<1x64x8x8xf32>
  return %mx : tensor<1x64x8x8xf32>
}

// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<1x32xf16>) -> tensor<1x32xf16> {
  // CHECK: %[[R:.*]] = rapid.relu %{{.*}} : tensor<1x32xf16>
  %r = rapid.relu %x : tensor<1x32xf16>
  // CHECK: %[[C:.*]] = rapid.clip %[[R]] [0.000000e+00, 6.000000e+00] : tensor<1x32xf16>
  %c = rapid.clip %r [0.0, 6.0] : tensor<1x32xf16>
  // CHECK: %[[P:.*]] = rapid.clip %[[C]] [0.000000e+00, 2.500000e+00] pact : tensor<1x32xf16>
  %p = rapid.clip %c [0.0, 2.5] pact : tensor<1x32xf16>
  // CHECK: %[[L:.*]] = rapid.leaky_relu %[[P]] alpha 0.00999999977 : tensor<1x32xf16>
  %l = rapid.leaky_relu %p alpha 0.01 : tensor<1x32xf16>
  // CHECK: %[[S:.*]] = rapid.sigmoid %[[L]] : tensor<1x32xf16>
  %s = rapid.sigmoid %l : tensor<1x32xf16>
  // CHECK: %[[HS:.*]] = rapid.hard_sigmoid %[[S]] alpha 2.000000e-01 beta 5.000000e-01 : tensor<1x32xf16>
  %hs = rapid.hard_sigmoid %s alpha 0.2 beta 0.5 : tensor<1x32xf16>
  // CHECK: %[[T:.*]] = rapid.tanh %[[HS]] : tensor<1x32xf16>
  %t = rapid.tanh %hs : tensor<1x32xf16>
  // CHECK: rapid.softmax %[[T]] axis -1 : tensor<1x32xf16>
  %sm = rapid.softmax %t axis -1 : tensor<1x32xf16>
  return %sm : tensor<1x32xf16>
}

// CHECK-LABEL: func.func @normalization_and_pooling
func.func @normalization_and_pooling(%x: tensor<1x16x8x8xf32>, %p: tensor<16xf32>) -> tensor<1x16x1x1xf32> {
  // CHECK: %[[BN:.*]] = rapid.batchnorm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} epsilon 1.000000e-03
  %bn = rapid.batchnorm %x, %p, %p, %p, %p epsilon 1.0e-3
      : (tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
  // CHECK: %[[MP:.*]] = rapid.maxpool %[[BN]] kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] : (tensor<1x16x8x8xf32>) -> tensor<1x16x4x4xf32>
  %mp = rapid.maxpool %bn kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1]
      : (tensor<1x16x8x8xf32>) -> tensor<1x16x4x4xf32>
  // CHECK: %[[AP:.*]] = rapid.avgpool %[[MP]] kernel [3, 3] strides [2, 2] ceil_mode count_include_pad : (tensor<1x16x4x4xf32>) -> tensor<1x16x2x2xf32>
  %ap = rapid.avgpool %mp kernel [3, 3] strides [2, 2] ceil_mode count_include_pad
      : (tensor<1x16x4x4xf32>) -> tensor<1x16x2x2xf32>
  // CHECK: rapid.global_avgpool %[[AP]] : (tensor<1x16x2x2xf32>) -> tensor<1x16x1x1xf32>
  %gp = rapid.global_avgpool %ap : (tensor<1x16x2x2xf32>) -> tensor<1x16x1x1xf32>
  return %gp : tensor<1x16x1x1xf32>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%a: tensor<1x16x4x4xf32>, %b: tensor<1x32x4x4xf32>) -> tensor<1x48x6x6xf32> {
  // CHECK: %[[C:.*]] = rapid.concat %{{.*}}, %{{.*}} axis 1 : (tensor<1x16x4x4xf32>, tensor<1x32x4x4xf32>) -> tensor<1x48x4x4xf32>
  %c = rapid.concat %a, %b axis 1 : (tensor<1x16x4x4xf32>, tensor<1x32x4x4xf32>) -> tensor<1x48x4x4xf32>
  // CHECK: %[[R:.*]] = rapid.reshape %[[C]] : tensor<1x48x4x4xf32> -> tensor<48x16xf32>
  %r = rapid.reshape %c : tensor<1x48x4x4xf32> -> tensor<48x16xf32>
  // CHECK: %[[F:.*]] = rapid.flatten %[[C]] axis 1 : (tensor<1x48x4x4xf32>) -> tensor<1x768xf32>
  %f = rapid.flatten %c axis 1 : (tensor<1x48x4x4xf32>) -> tensor<1x768xf32>
  // CHECK: rapid.transpose %[[R]] perm [1, 0] : (tensor<48x16xf32>) -> tensor<16x48xf32>
  %t = rapid.transpose %r perm [1, 0] : (tensor<48x16xf32>) -> tensor<16x48xf32>
  // CHECK: rapid.slice %[[C]] offsets [0, 1, 0, 0] strides [1, 2, 1, 3] : (tensor<1x48x4x4xf32>) -> tensor<1x24x4x2xf32>
  %sl = rapid.slice %c offsets [0, 1, 0, 0] strides [1, 2, 1, 3] : (tensor<1x48x4x4xf32>) -> tensor<1x24x4x2xf32>
  // CHECK: rapid.pad %[[C]] pads [0, 0, 1, 1, 0, 0, 1, 1] mode reflect : (tensor<1x48x4x4xf32>) -> tensor<1x48x6x6xf32>
  %p = rapid.pad %c pads [0, 0, 1, 1, 0, 0, 1, 1] mode reflect : (tensor<1x48x4x4xf32>) -> tensor<1x48x6x6xf32>
  // CHECK: rapid.pad %[[C]] pads [0, 0, 1, 1, 0, 0, 1, 1] mode constant value -1.000000e+00
  %q = rapid.pad %c pads [0, 0, 1, 1, 0, 0, 1, 1] mode constant value -1.0 : (tensor<1x48x4x4xf32>) -> tensor<1x48x6x6xf32>
  return %p : tensor<1x48x6x6xf32>
}
