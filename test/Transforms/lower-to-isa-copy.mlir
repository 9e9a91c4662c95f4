// Transposes and slices are strided copies in external memory: one DMA
// each, its descriptor the permuted (or stepped) strides.
// RUN: rapid-opt %s --rapid-lower-to-isa | FileCheck %s
// RUN: rapid-opt %s --rapid-lower-to-isa | rapid-translate --rapid-isa-to-bin -o %t.bin
// RUN: %python -c "import numpy as np; x = np.arange(24, dtype=np.float32).reshape(2, 3, 4); np.save('%t.x.npy', x); np.save('%t.ref.npy', x.transpose(2, 0, 1)[:, :, 1:2:2].reshape(4, 1, 2) * 2)"
// RUN: rapid-sim %t.bin --input x=%t.x.npy --output-dir %t.out -q
// RUN: %python %S/../tools/Inputs/compare_npy.py %t.ref.npy %t.out/y.npy --rtol 0

// The transpose [2, 0, 1] of 2x3x4: out (4, 2, 3) reads in strides (1, 12,
// 4) elements (2, 24, 8 bytes), writes (6, 3, 1) (12, 6, 2 bytes); the two
// inner dimensions merge (3 x 8 = 24 bytes, 3 x 2 = 6). The slice takes
// column 1 of every row: 8 elements 3 apart (6 bytes), written contiguously,
// from byte 2.
// CHECK: rapid_isa.dma_desc 0 bits = 16 dims = {{\[}}[6, 8, 2], [4, 2, 12]]
// CHECK-NEXT: rapid_isa.dma_desc 1 bits = 16 dims = {{\[}}[8, 6, 2]]
// CHECK: rapid_isa.dma path=ext_to_ext, peer=self, desc=0
// CHECK: rapid_isa.seti a=a9, imm=[[SRC:[0-9]+]]
// CHECK: rapid_isa.dma path=ext_to_ext, peer=self, desc=1

func.func @tr(%x: tensor<2x3x4xf32> {rapid.name = "x"}) -> (tensor<4x1x2xf32> {rapid.name = "y"}) {
  %t = rapid.transpose %x perm [2, 0, 1] : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %s = rapid.slice %t offsets [0, 0, 1] strides [1, 1, 2] : (tensor<4x2x3xf32>) -> tensor<4x2x1xf32>
  %r = rapid.reshape %s : tensor<4x2x1xf32> -> tensor<4x1x2xf32>
  %one = rapid.relu %r : tensor<4x1x2xf32>
  %y = rapid.add %one, %one : (tensor<4x1x2xf32>, tensor<4x1x2xf32>) -> tensor<4x1x2xf32>
  return %y : tensor<4x1x2xf32>
}
