// rapid-lower-to-isa: each layer becomes the loop nest its mapping dictates.
// RUN: rapid-opt %s -split-input-file --rapid-lower-to-isa | FileCheck %s
// RUN: rapid-opt %s -split-input-file --rapid-lower-to-isa | rapid-opt -split-input-file | FileCheck %s

// A 3x3 padded convolution, output stationary, its 64 output pixels in B
// tiles of 16 (2 rows of 8) and T tiles of 8 (1 row). The input is first
// copied into a zero-bordered 10x10 image (fill, then a 3-D copy into its
// interior at row 1, column 1). Each B tile stages a 4-row, 10-column patch
// per channel (40 contiguous elements, channel stride 100 -> 40 elements);
// the weights (108 elements, packed) are loaded once, before the loops.
// The B stage is double-buffered: the first tile's patch is loaded ahead
// (signalling s3); each of the 4 B iterations waits for its own patch,
// then prefetches the next one (2 rows = 40 bytes on) into the second Lx
// buffer (at 896) before its T stage. The T stage is double-buffered too,
// output tiles included: each of its 2 iterations loads a 3-row L0 patch
// (30 elements per channel) into alternating L0 buffers, and its mac
// (tile strides read the window from the patch: oy steps 10 elements, ky
// 10, kx 1) starts fresh sums (accumulate=0, no partial sums to read) and
// signals s4, on which the write-back of its output tile waits before
// freeing the buffers (s1). Then the B tile is converted to fp16 and
// written back, the input advancing 2 rows (40 bytes), the output 16
// pixels (32 bytes).
// CHECK-LABEL: rapid_isa.program arch = "rapid-core"
// CHECK-SAME: cores = 1 capacity = [8589934592, 2097152, 65536]
// CHECK: rapid_isa.region @conv : ext [{{[0-9]+}}, 512] live [0, 1]
// CHECK: rapid_isa.region @conv.lx.inp : lx [0, 256] live [0, 0]
// CHECK: rapid_isa.region @conv.l0.inp : l0 [0, 192] live [0, 0]
// CHECK: rapid_isa.region @conv.l0.acc2 : l0 [1024, 128] live [0, 0]
// CHECK: rapid_isa.region @conv.lx.inp2 : lx [896, 256] live [0, 0]
// CHECK: rapid_isa.tensor input "input0" : fp16 [1, 3, 8, 8]
// CHECK: rapid_isa.tensor output "output0" : fp16 [1, 4, 8, 8]
// CHECK: rapid_isa.layer "conv" macs = 0
// CHECK: rapid_isa.dma_desc 0 bits = 16 dims = {{\[}}[300, 0, 2]]
// CHECK-NEXT: rapid_isa.dma_desc 1 bits = 16 dims = {{\[}}[8, 2, 2], [8, 16, 20], [3, 128, 200]]
// CHECK-NEXT: rapid_isa.dma_desc 2 bits = 16 dims = {{\[}}[108, 2, 2]]
// CHECK-NEXT: rapid_isa.dma_desc 3 bits = 16 dims = {{\[}}[40, 2, 2], [3, 200, 80]]
// CHECK: rapid_isa.tile_desc 0 p = [3, 4, 1, 8, 1, 3, 3] inp = [30, 0, 10, 1, 90, 10, 1] ker = [9, 27, 0, 0, 0, 3, 1] out = [0, 8, 8, 1, 32, 0, 0]
// CHECK: rapid_isa.mark 0
// CHECK: rapid_isa.dma path=ext_to_ext, peer=self, desc=0
// CHECK: rapid_isa.dma path=ext_to_ext, peer=self, desc=1
// CHECK: rapid_isa.dma path=ext_to_lx, peer=self, desc=2, dst=a8, dst_off=0, src=a2
// CHECK-NEXT: rapid_isa.sem.wait sem=s0, count=1
// CHECK-NEXT: rapid_isa.seti a=a8, imm=0
// CHECK-NEXT: rapid_isa.dma path=ext_to_lx, peer=self, desc=3, dst=a8, dst_off=0, src=a1, src_off=0, wait=none, signal=s3
// CHECK-NEXT: rapid_isa.sem.wait sem=s3, count=1
// CHECK-NEXT: rapid_isa.addi a=a9, b=a1, imm=40
// CHECK-NEXT: rapid_isa.seti a=a8, imm=896
// CHECK-NEXT: rapid_isa.dma path=ext_to_lx, peer=self, desc=3, dst=a8, dst_off=0, src=a9, src_off=0, wait=none, signal=s3
// CHECK: rapid_isa.sem.signal sem=s1, count=2
// CHECK-NEXT: rapid_isa.sem.wait sem=s1, count=1
// CHECK-NEXT: rapid_isa.seti a=a10, imm=0
// CHECK-NEXT: rapid_isa.dma path=lx_to_l0, peer=self, desc=4, dst=a10, dst_off=0, src=a5, src_off=0, wait=none, signal=s2
// CHECK-NEXT: rapid_isa.seti a=a12, imm=448
// CHECK-NEXT: rapid_isa.sem.wait sem=s2, count=1
// CHECK-NEXT: rapid_isa.mac dataflow=os, inp_prec=fp16, ker_prec=fp16, acc_prec=fp32, chunk=0, accumulate=0, tile=0, {{.*}}, wait=none, signal=s4
// CHECK-NEXT: rapid_isa.dma path=l0_to_lx, peer=self, desc=5, dst=a7, dst_off=0, src=a12, src_off=0, wait=s4, signal=s1
// CHECK-NEXT: rapid_isa.addi a=a5, b=a5, imm=20
// CHECK-NEXT: rapid_isa.addi a=a7, b=a7, imm=32
// CHECK-NEXT: rapid_isa.sem.wait sem=s1, count=1
// CHECK-NEXT: rapid_isa.seti a=a10, imm=576
// CHECK: rapid_isa.seti a=a12, imm=1024
// CHECK: rapid_isa.sem.wait sem=s1, count=2
// CHECK: rapid_isa.sfu op=mov, in_prec=fp32, out_prec=fp16, b_mode=vector, count=64
// CHECK: rapid_isa.dma path=lx_to_ext, peer=self, desc=6, dst=a3
// CHECK-NEXT: rapid_isa.addi a=a1, b=a1, imm=40
// CHECK-NEXT: rapid_isa.addi a=a3, b=a3, imm=32
// CHECK-NEXT: rapid_isa.sem.wait sem=s3, count=1
// CHECK: rapid_isa.halt
func.func @conv_os(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = rapid.constant dense<0.25> : tensor<4x3x3x3xf32>
  %y = rapid.conv2d %x, %w pads [1, 1, 1, 1] {rapid.mapping = #rapid.mapping<output_stationary, N = {in = 3, out = 4, ij = 64, mb = 1, kij = 9}, B = {in = 3, out = 4, ij = 16, mb = 1, kij = 9}, T = {in = 3, out = 4, ij = 8, mb = 1, kij = 9}, P = {in = 3, out = 4, ij = 8, mb = 1, kij = 1}, order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.ij, ker = lx at B.mb, out = lx at B.ij}, precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> loc("conv")
  return %y : tensor<1x4x8x8xf32>
}

// -----

// Input stationary, 6 outputs in B tiles of 4: the B loop over out is
// peeled (a full tile of 4, then the remaining 2, each its own write-back
// descriptor), while the T stage computes whole T tiles of 3 over the B
// tile padded to 6. The input is loaded once. The weights are
// double-buffered at the B stage: the first B tile's are loaded ahead, and
// the first iteration prefetches the second's (one packed B tile, 6 x 8
// fp16 = 96 bytes, on: a14) while it computes.
// CHECK-LABEL: rapid_isa.program
// CHECK: rapid_isa.dma_desc 4 bits = 16 dims = {{\[}}[4, 2, 2], [2, 12, 12]]
// CHECK-NEXT: rapid_isa.dma_desc 5 bits = 16 dims = {{\[}}[2, 2, 2], [2, 12, 12]]
// CHECK: rapid_isa.tile_desc 0 p = [8, 3, 1, 1, 2, 1, 1]
// CHECK: rapid_isa.dma path=ext_to_lx, peer=self, desc=0, dst=a8, dst_off=0, src=a1
// CHECK-NOT: desc=0, dst=a8, dst_off=0, src=a1
// CHECK: rapid_isa.dma path=ext_to_lx, peer=self, desc=1, dst=a8, dst_off=0, src=a2, {{.*}} signal=s3
// CHECK-NEXT: rapid_isa.sem.wait sem=s3, count=1
// CHECK: rapid_isa.addi a=a14, b=a2, imm=96
// CHECK: rapid_isa.dma path=ext_to_lx, peer=self, desc=1, dst=a8, dst_off=0, src=a14, {{.*}} signal=s3
// CHECK: rapid_isa.mac dataflow=is
// CHECK: rapid_isa.dma path=lx_to_ext, peer=self, desc=4, dst=a3
// CHECK-NEXT: rapid_isa.addi a=a2, b=a2, imm=96
// CHECK-NEXT: rapid_isa.addi a=a3, b=a3, imm=8
// CHECK-NEXT: rapid_isa.sem.wait sem=s3, count=1
// CHECK: rapid_isa.mac dataflow=is
// CHECK: rapid_isa.dma path=lx_to_ext, peer=self, desc=5, dst=a3
// CHECK-NEXT: rapid_isa.addi a=a2, b=a2, imm=-96
// CHECK-NEXT: rapid_isa.addi a=a3, b=a3, imm=-8
// CHECK-NEXT: rapid_isa.sem.wait sem=s0, count=1
// CHECK: rapid_isa.halt
func.func @fc_is(%x: tensor<2x8xf32>) -> tensor<2x6xf32> {
  %w = rapid.constant dense<1.0> : tensor<6x8xf32>
  %y = rapid.gemm %x, %w transpose_b {rapid.mapping = #rapid.mapping<input_stationary, N = {in = 8, out = 6, ij = 1, mb = 2, kij = 1}, B = {in = 8, out = 4, ij = 1, mb = 2, kij = 1}, T = {in = 8, out = 3, ij = 1, mb = 2, kij = 1}, P = {in = 8, out = 1, ij = 1, mb = 2, kij = 1}, order = {B = [out, mb, ij, in, kij], T = [out, mb, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.out, ker = lx at B.out, out = lx at B.out}, precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>} : (tensor<2x8xf32>, tensor<6x8xf32>) -> tensor<2x6xf32> loc("fc")
  return %y : tensor<2x6xf32>
}
