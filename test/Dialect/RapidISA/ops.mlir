// The rapid_isa dialect round-trips, encodes to the same model.bin as the
// assembler's text form, and reads back from model.bin to the same IR.
// RUN: rapid-opt %s | rapid-opt | FileCheck %s
// RUN: rapid-translate --rapid-isa-to-bin %s -o %t.bin
// RUN: rapid-translate --bin-to-asm %t.bin | FileCheck %s --check-prefix=ASM
// RUN: rapid-translate --bin-to-rapid-isa %t.bin | rapid-translate --rapid-isa-to-bin -o %t.again.bin
// RUN: cmp %t.bin %t.again.bin
// RUN: not rapid-translate --bin-to-rapid-isa %s 2>&1 | FileCheck %s --check-prefix=NOTBIN

// NOTBIN: ops.mlir:0:0: error: not a model.bin: the file does not start with RAPIDBIN

// CHECK-LABEL: rapid_isa.program arch = "rapid-core" fingerprint = 0x00000000deadbeef chips = [1, 1] cores = 2 capacity = [1048576, 65536, 4096] {
// CHECK: rapid_isa.region @weights : ext [0, 64] live [0, 1]
// CHECK: rapid_isa.region @x : ext [4096, 512] live [0, 0]
// CHECK: rapid_isa.region @y : ext [4096, 512] live [1, 1]
// CHECK: rapid_isa.region @x_lx : lx [0, 512] live [0, 1]
// CHECK: rapid_isa.constants address = 0 data = dense<
// CHECK: rapid_isa.tensor input "x" : fp16 [4, 64] at 4096 scale 1.000000e+00 zero_point 0
// CHECK: rapid_isa.tensor output "y" : int8 [4, 64] at 4096 scale 5.000000e-01 zero_point -3
// CHECK: rapid_isa.core 0 {
// CHECK-NEXT: rapid_isa.dma_desc 0 bits = 16 dims = {{\[}}[64, 2, 2], [4, 128, -128]]
// CHECK-NEXT: rapid_isa.tile_desc 0 p = [64, 64, 1, 1, 4, 1, 1] inp = [1, 0, 0, 0, 64, 0, 0] ker = [1, 64, 0, 0, 0, 0, 0] out = [0, 1, 0, 0, 64, 0, 0]
// CHECK-NEXT: rapid_isa.seti a=a1, imm=@x
// CHECK-NEXT: rapid_isa.seti a=a2, imm=@x_lx[128]
// CHECK-NEXT: rapid_isa.loop count = 2 {
// CHECK-NEXT: rapid_isa.loop count = 3 {
// CHECK-NEXT: rapid_isa.dma path=ext_to_lx, peer=self, desc=0, dst=a2, dst_off=0, src=a1, src_off=-16, wait=none, signal=s0
// CHECK-NEXT: }
// CHECK-NEXT: rapid_isa.mac dataflow=ws, inp_prec=fp16, ker_prec=hfp8_143, acc_prec=fp32, chunk=64, accumulate=1, tile=0, inp=a2, inp_off=0, ker=a3, ker_off=0, out=a4, out_off=0, wait=s0, signal=s1
// CHECK-NEXT: }
// CHECK-NEXT: rapid_isa.setf f=f0, bits=0
// CHECK-NEXT: rapid_isa.sfu op=max, in_prec=fp32, out_prec=fp16, b_mode=scalar
// CHECK-NEXT: rapid_isa.dma path=lx_to_ring, peer="+x"
// CHECK-NEXT: rapid_isa.barrier scope=chip, id=0
// CHECK-NEXT: rapid_isa.halt
// CHECK: rapid_isa.core 1 {
// CHECK-NEXT: rapid_isa.sem.signal sem=s3, count=2
// CHECK-NEXT: rapid_isa.sem.wait sem=s3, count=2
// CHECK-NEXT: rapid_isa.addi a=a5, b=a5, imm=-4096
// CHECK-NEXT: rapid_isa.nop
// CHECK-NEXT: rapid_isa.barrier scope=chip, id=0
// CHECK-NEXT: rapid_isa.halt

// The region-relative immediates are resolved: @x_lx[128] is Lx byte 128;
// the loops encode with their body counts (3 and 1).
// ASM: .region name="y" space=ext offset=4096 size=512 live=1-1
// ASM: .tensor output name="y" dtype=int8 shape=4x64 address=4096 scale=5.000000000e-01 zero_point=-3
// ASM: seti a=a1, imm=4096
// ASM-NEXT: seti a=a2, imm=128
// ASM-NEXT: loop count=2, body=3
// ASM-NEXT: loop count=3, body=1
// ASM-NEXT: dma path=ext_to_lx

rapid_isa.program arch = "rapid-core" fingerprint = 0xdeadbeef chips = [1, 1]
    cores = 2 capacity = [1048576, 65536, 4096] {
  rapid_isa.region @weights : ext [0, 64] live [0, 1]
  // @y reuses @x's bytes: their live spans are disjoint.
  rapid_isa.region @x : ext [4096, 512] live [0, 0]
  rapid_isa.region @y : ext [4096, 512] live [1, 1]
  rapid_isa.region @x_lx : lx [0, 512] live [0, 1]
  rapid_isa.constants address = 0 data = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63]> : tensor<64xi8>
  rapid_isa.tensor input "x" : fp16 [4, 64] at 4096 scale 1.0 zero_point 0
  rapid_isa.tensor output "y" : int8 [4, 64] at 4096 scale 0.5 zero_point -3
  rapid_isa.core 0 {
    rapid_isa.dma_desc 0 bits = 16 dims = [[64, 2, 2], [4, 128, -128]]
    rapid_isa.tile_desc 0 p = [64, 64, 1, 1, 4, 1, 1] inp = [1, 0, 0, 0, 64, 0, 0] ker = [1, 64, 0, 0, 0, 0, 0] out = [0, 1, 0, 0, 64, 0, 0]
    rapid_isa.seti a=a1, imm=@x
    rapid_isa.seti a=a2, imm=@x_lx[128]
    rapid_isa.loop count = 2 {
      rapid_isa.loop count = 3 {
        rapid_isa.dma path=ext_to_lx, peer=self, desc=0, dst=a2, dst_off=0, src=a1, src_off=-16, wait=none, signal=s0
      }
      rapid_isa.mac dataflow=ws, inp_prec=fp16, ker_prec=hfp8_143, acc_prec=fp32, chunk=64, accumulate=1, tile=0, inp=a2, inp_off=0, ker=a3, ker_off=0, out=a4, out_off=0, wait=s0, signal=s1
    }
    rapid_isa.setf f=f0, bits=0
    rapid_isa.sfu op=max, in_prec=fp32, out_prec=fp16, b_mode=scalar, count=256, dst=a5, dst_off=0, a=a4, a_off=0, b=a0, b_off=0, wait=s1, signal=none, group=0
    rapid_isa.dma path=lx_to_ring, peer="+x", desc=0, dst=a2, dst_off=0, src=a2, src_off=0, wait=none, signal=none
    rapid_isa.barrier scope=chip, id=0
    rapid_isa.halt
  }
  rapid_isa.core 1 {
    // Fields may come in any order.
    rapid_isa.sem.signal count=2, sem=s3
    rapid_isa.sem.wait sem=s3, count=2
    rapid_isa.addi a=a5, b=a5, imm=-4096
    rapid_isa.nop
    rapid_isa.barrier scope=chip, id=0
    rapid_isa.halt
  }
}
