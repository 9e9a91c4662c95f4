// rapid-lower-to-isa of a layer mapped in fp32 (rapidc --precision fp32, the
// verification mode): the tensors, the packed weights and bias, every
// transfer, the mac and the SFU epilogue are fp32, so nothing is rounded to
// a narrower format anywhere.
// RUN: rapid-opt %s --rapid-deep-matrix='precision=fp32' --rapid-lower-to-isa | FileCheck %s

// The weights 0.1, 0.2, 0.3, 0.4, 0.001, -0.002, 0.003, 0.33333334 and the
// bias 0.01, 1e-5 as IEEE single words (little-endian): 0x3DCCCCCD, ...
// CHECK-LABEL: rapid_isa.program arch = "rapid-core"
// CHECK: rapid_isa.constants address = 0 data = dense<"0x{{([0-9A-F][0-9A-F])*}}CDCCCC3DCDCC4C3E9A99993ECDCCCC3E6F12833A6F1203BBA69B443BABAAAA3E{{([0-9A-F][0-9A-F])*}}0AD7233CACC52737">
// CHECK: rapid_isa.tensor input "x" : fp32 [1, 4]
// CHECK: rapid_isa.tensor output "y" : fp32 [1, 2]
// CHECK-NOT: bits = 16
// CHECK: rapid_isa.dma_desc 0 bits = 32
// CHECK-NOT: bits = 16
// CHECK: rapid_isa.mac {{.*}}inp_prec=fp32, ker_prec=fp32, acc_prec=fp32, chunk=0
// CHECK: rapid_isa.sfu op=add, in_prec=fp32, out_prec=fp32
// CHECK: rapid_isa.sfu op=mov, in_prec=fp32, out_prec=fp32
// CHECK-NOT: fp16
// CHECK: rapid_isa.halt
func.func @f(%x: tensor<1x4xf32> {rapid.name = "x"}) -> (tensor<1x2xf32> {rapid.name = "y"}) {
  %w = rapid.constant dense<[[0.1, 0.2, 0.3, 0.4], [0.001, -0.002, 0.003, 0.33333334]]> : tensor<2x4xf32>
  %b = rapid.constant dense<[0.01, 0.00001]> : tensor<2xf32>
  %y = rapid.gemm %x, %w, %b transpose_b : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
