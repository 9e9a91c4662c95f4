// Integer layers through the backend and rapid-sim, against an independent
// numpy model of the same arithmetic (Inputs/int_reference.py): an int4
// input with a zero point (-8: non-negative data on every level) padded with
// that zero point, int4 weights, the convolution's sums scaled and biased
// (the zero point's share folded into the bias), then an int8 gemm; on the
// four cores of rapid-chip, which split the layers (and so the packed int4
// tensor at element, not byte, boundaries).
// RUN: rapid-opt %s --rapid-deep-matrix=arch=rapid-chip --rapid-lower-to-isa=arch=rapid-chip | FileCheck %s
// RUN: rapid-opt %s --rapid-deep-matrix=arch=rapid-chip --rapid-lower-to-isa=arch=rapid-chip | rapid-translate --rapid-isa-to-bin -o %t.bin
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', (np.arange(75, dtype=np.float32).reshape(1, 3, 5, 5) % 13 - 3) * 0.37)"
// RUN: rapid-sim %t.bin --input x=%t.x.npy --output-dir %t.out --stats 2>&1 | FileCheck %s --check-prefix=SIM
// RUN: %python %S/Inputs/int_reference.py %t.x.npy %t.ref.npy
// RUN: %python %S/../tools/Inputs/compare_npy.py %t.ref.npy %t.out/y.npy --rtol 1e-3

// The quantization: x / 0.25 in fp32, then the zero point, into int4.
// CHECK-LABEL: rapid_isa.program arch = "rapid-chip"
// CHECK: rapid_isa.sfu op=mul, in_prec=fp16, out_prec=fp32, b_mode=scalar
// CHECK: rapid_isa.sfu op=add, in_prec=fp32, out_prec=int4, b_mode=scalar
// The padded copy is filled from the zero point's packed element.
// CHECK: rapid_isa.dma path=ext_to_ext
// The int4 x int4 convolution, fp32 sums, scaled by 0.25 * 0.125.
// CHECK: rapid_isa.mac dataflow={{.*}}, inp_prec=int4, ker_prec=int4, acc_prec=fp32
// CHECK: rapid_isa.sfu op=mul, in_prec=fp32, out_prec=fp32, b_mode=scalar
// The int8 gemm's input, quantized in one step (no zero point).
// CHECK: rapid_isa.sfu op=mul, in_prec=fp16, out_prec=int8, b_mode=scalar
// CHECK: rapid_isa.mac dataflow={{.*}}, inp_prec=int8, ker_prec=int8, acc_prec=fp32
// SIM: macs 1550
// SIM: rapid-sim: {{.*}} 1550 MACs on 4 cores

func.func @q(%x: tensor<1x3x5x5xf32> {rapid.name = "x"}) -> (tensor<1x4xf32> {rapid.name = "y"}) {
  %q = rapid.quantize %x : tensor<1x3x5x5xf32> to tensor<1x3x5x5x!rapid.quant<i4, 2.500000e-01, zero_point = -8>> loc("q1")
  %w = rapid.quant_constant dense<[[[[-4, 3, -5], [2, -6, 1], [-7, 0, 7]], [[-1, 6, -2], [5, -3, 4], [-4, 3, -5]], [[2, -6, 1], [-7, 0, 7], [-1, 6, -2]]], [[[5, -3, 4], [-4, 3, -5], [2, -6, 1]], [[-7, 0, 7], [-1, 6, -2], [5, -3, 4]], [[-4, 3, -5], [2, -6, 1], [-7, 0, 7]]]]> : tensor<2x3x3x3xi4> -> tensor<2x3x3x3x!rapid.quant<i4, 1.250000e-01>>
  %b = rapid.constant dense<[0.5, -0.25]> : tensor<2xf32>
  %c = rapid.conv2d %q, %w, %b pads [1, 1, 1, 1] act relu : (tensor<1x3x5x5x!rapid.quant<i4, 2.500000e-01, zero_point = -8>>, tensor<2x3x3x3x!rapid.quant<i4, 1.250000e-01>>, tensor<2xf32>) -> tensor<1x2x5x5xf32> loc("conv")
  %f = rapid.reshape %c : tensor<1x2x5x5xf32> -> tensor<1x50xf32>
  %q2 = rapid.quantize %f : tensor<1x50xf32> to tensor<1x50x!rapid.quant<i8, 5.000000e-02>> loc("q2")
  %w2 = rapid.quant_constant dense<[[-116, -79, -42, -5, 32, 69, 106, -112, -75, -38, -1, 36, 73, 110, -108, -71, -34, 3, 40, 77, 114, -104, -67, -30, 7, 44, 81, 118, -100, -63, -26, 11, 48, 85, 122, -96, -59, -22, 15, 52, 89, 126, -92, -55, -18, 19, 56, 93, -125, -88], [-51, -14, 23, 60, 97, -121, -84, -47, -10, 27, 64, 101, -117, -80, -43, -6, 31, 68, 105, -113, -76, -39, -2, 35, 72, 109, -109, -72, -35, 2, 39, 76, 113, -105, -68, -31, 6, 43, 80, 117, -101, -64, -27, 10, 47, 84, 121, -97, -60, -23], [14, 51, 88, 125, -93, -56, -19, 18, 55, 92, -126, -89, -52, -15, 22, 59, 96, -122, -85, -48, -11, 26, 63, 100, -118, -81, -44, -7, 30, 67, 104, -114, -77, -40, -3, 34, 71, 108, -110, -73, -36, 1, 38, 75, 112, -106, -69, -32, 5, 42], [79, 116, -102, -65, -28, 9, 46, 83, 120, -98, -61, -24, 13, 50, 87, 124, -94, -57, -20, 17, 54, 91, -127, -90, -53, -16, 21, 58, 95, -123, -86, -49, -12, 25, 62, 99, -119, -82, -45, -8, 29, 66, 103, -115, -78, -41, -4, 33, 70, 107]]> : tensor<4x50xi8> -> tensor<4x50x!rapid.quant<i8, 1.000000e-02>>
  %y = rapid.gemm %q2, %w2 transpose_b : (tensor<1x50x!rapid.quant<i8, 5.000000e-02>>, tensor<4x50x!rapid.quant<i8, 1.000000e-02>>) -> tensor<1x4xf32> loc("fc")
  return %y : tensor<1x4xf32>
}
