// Quantized element types: storage widths, scales, zero points (printed only
// when non-zero), and the ops that convert to and from them.
// RUN: rapid-opt %s | rapid-opt | FileCheck %s

// CHECK-LABEL: func.func @quant
// CHECK-SAME: tensor<4x!rapid.quant<i8, 1.250000e-01>>
// CHECK-SAME: tensor<4x!rapid.quant<i4, 5.000000e-01, zero_point = -2>>
// CHECK-SAME: tensor<4x!rapid.quant<i2, 1.000000e+00>>
func.func @quant(%a: tensor<4x!rapid.quant<i8, 0.125, zero_point = 0>>,
                 %b: tensor<4x!rapid.quant<i4, 0.5, zero_point = -2>>,
                 %c: tensor<4x!rapid.quant<i2, 1.0>>) -> tensor<4xf32> {
  // CHECK: %[[D:.*]] = rapid.dequantize %{{.*}} : tensor<4x!rapid.quant<i4, 5.000000e-01, zero_point = -2>> to tensor<4xf32>
  %d = rapid.dequantize %b : tensor<4x!rapid.quant<i4, 0.5, zero_point = -2>> to tensor<4xf32>
  // CHECK: rapid.quantize %[[D]] : tensor<4xf32> to tensor<4x!rapid.quant<i2, 1.000000e+00>>
  %q = rapid.quantize %d : tensor<4xf32> to tensor<4x!rapid.quant<i2, 1.0>>
  // Ternary weights in i2: -1, 0, 1.
  // CHECK: rapid.quant_constant dense<[-1, 0, 1, 0]> : tensor<4xi2> -> tensor<4x!rapid.quant<i2, 2.500000e-01>>
  %t = rapid.quant_constant dense<[-1, 0, 1, 0]> : tensor<4xi2> -> tensor<4x!rapid.quant<i2, 0.25>>
  return %d : tensor<4xf32>
}
