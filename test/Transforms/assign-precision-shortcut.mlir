// rapid-assign-precision with shortcut=quantized: the residual add's
// operands are quantized and dequantized at the policy's width (the default
// keeps them at full precision); the dequantizations lower to the SFUs.
// RUN: %python -c "import numpy as np; np.save('%t.calib.npy', np.linspace(-2, 2, 16 * 32, dtype=np.float32).reshape(16, 2, 4, 4))"
// RUN: rapid-opt %s --rapid-assign-precision="policy=int8 calibration=%t.calib.npy shortcut=quantized" | FileCheck %s
// RUN: rapid-opt %s --rapid-assign-precision="policy=int8 calibration=%t.calib.npy" | FileCheck %s --check-prefix=FULL
// RUN: rapid-opt %s --rapid-assign-precision="policy=int8 calibration=%t.calib.npy shortcut=quantized" --rapid-deep-matrix --rapid-lower-to-isa | FileCheck %s --check-prefix=ISA
// RUN: rapid-opt %s --rapid-assign-precision="policy=int8 calibration=%t.calib.npy shortcut=quantized" --rapid-deep-matrix --rapid-lower-to-isa | rapid-translate --rapid-isa-to-bin -o %t.bin
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.linspace(-2, 2, 32, dtype=np.float32).reshape(1, 2, 4, 4))"
// RUN: rapid-sim %t.bin --input x=%t.x.npy --output-dir %t.out 2>&1 | FileCheck %s --check-prefix=SIM

// CHECK-LABEL: func.func @residual
// CHECK: %[[A:.*]] = rapid.conv2d %arg0
// CHECK: %[[QA:.*]] = rapid.quantize %[[A]] : tensor<1x2x4x4xf32> to tensor<1x2x4x4x!rapid.quant<i8, {{.*}}, zero_point = -128>>
// CHECK: %[[B:.*]] = rapid.conv2d %[[QA]]
// CHECK: %[[QB:.*]] = rapid.quantize %[[B]] : tensor<1x2x4x4xf32> to tensor<1x2x4x4x!rapid.quant<i8, {{[^,]*}}>>
// CHECK: %[[DB:.*]] = rapid.dequantize %[[QB]]
// CHECK: %[[QA2:.*]] = rapid.quantize %[[A]]
// CHECK: %[[DA:.*]] = rapid.dequantize %[[QA2]]
// CHECK: rapid.add %[[DB]], %[[DA]]

// FULL-NOT: rapid.dequantize

// ISA: rapid_isa.sfu op=add, in_prec=int8, out_prec=fp32, b_mode=scalar
// ISA-NEXT: rapid_isa.sfu op=mul, in_prec=fp32, out_prec=fp16, b_mode=scalar
// SIM: rapid-sim: {{.*}} on 1 core

func.func @residual(%x: tensor<1x2x4x4xf32> {rapid.name = "x"}) -> (tensor<1x3xf32> {rapid.name = "y"}) {
  %w1 = rapid.constant dense<[[[[0.5]], [[-0.25]]], [[[0.125]], [[0.75]]]]> : tensor<2x2x1x1xf32>
  %a = rapid.conv2d %x, %w1 act relu : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %w2 = rapid.constant dense<[[[[1.0]], [[-0.5]]], [[[0.25]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %b = rapid.conv2d %a, %w2 : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %s = rapid.add %b, %a : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %f = rapid.reshape %s : tensor<1x2x4x4xf32> -> tensor<1x32xf32>
  %w3 = rapid.constant dense<0.125> : tensor<3x32xf32>
  %y = rapid.gemm %f, %w3 transpose_b : (tensor<1x32xf32>, tensor<3x32xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
