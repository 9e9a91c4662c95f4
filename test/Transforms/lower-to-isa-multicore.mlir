// A layer divided over the four cores of rapid-chip by its #rapid.spatial
// (core_split = {in = 2, out = 2}): each core computes a 4-input x
// 3-output slice into one of two partial-sum slots (by its in coordinate),
// the cores meet at barrier 0 (each engine instruction completed: the
// instruction unit waits for each), every core then adds the two slots for its
// share of the 12 output planes (3 each), adds the bias, applies relu and
// writes its planes, and the cores meet at barrier 1.
// RUN: rapid-opt %s --rapid-lower-to-isa=arch=rapid-chip | FileCheck %s
// RUN: rapid-opt %s --rapid-lower-to-isa=arch=rapid-chip | rapid-translate --rapid-isa-to-bin -o %t.bin
// RUN: %python -c "import numpy as np; x = (np.arange(16, dtype=np.float32).reshape(2, 8) - 6) / 4; np.save('%t.x.npy', x); np.save('%t.ref.npy', np.maximum(x @ np.ones((8, 6), np.float32) + 0.5, 0))"
// RUN: rapid-sim %t.bin --input x=%t.x.npy --output-dir %t.out 2>&1 | FileCheck %s --check-prefix=SIM
// RUN: %python %S/../tools/Inputs/compare_npy.py %t.ref.npy %t.out/y.npy --rtol 1e-3

// CHECK-LABEL: rapid_isa.program arch = "rapid-chip"
// CHECK-SAME: cores = 4
// Two slots of 2x6 FP32 partial sums.
// CHECK: rapid_isa.region @fc.partial : ext [{{[0-9]+}}, 96] live [0, 0]
// CHECK: rapid_isa.core 3 {
// CHECK: rapid_isa.tile_desc 0 p = [4, 3, 1, 1, 2, 1, 1]
// CHECK: rapid_isa.mac dataflow=ws
// CHECK: rapid_isa.dma path=lx_to_ext
// CHECK-NEXT: rapid_isa.sem.wait sem=s0, count=1
// CHECK-NEXT: rapid_isa.barrier scope=chip, id=0
// The two slots, added.
// CHECK: rapid_isa.dma path=ext_to_lx
// CHECK: rapid_isa.dma path=ext_to_lx
// CHECK: rapid_isa.sfu op=add, in_prec=fp32, out_prec=fp32, b_mode=vector, count=3
// CHECK: rapid_isa.sfu op=max, in_prec=fp32, out_prec=fp32, b_mode=scalar, count=3
// CHECK: rapid_isa.sfu op=mov, in_prec=fp32, out_prec=fp16, b_mode=vector, count=3
// CHECK: rapid_isa.barrier scope=chip, id=1
// CHECK: rapid_isa.halt
// SIM: rapid-sim: {{.*}}: {{[0-9]+}} instructions, 96 MACs on 4 cores

func.func @split(%x: tensor<2x8xf32> {rapid.name = "x"}) -> (tensor<2x6xf32> {rapid.name = "y"}) {
  %w = rapid.constant dense<1.0> : tensor<6x8xf32>
  %b = rapid.constant dense<0.5> : tensor<6xf32>
  %y = rapid.gemm %x, %w, %b transpose_b act relu {rapid.spatial = #rapid.spatial<model, chips = [1, 1], cores = 4, chip_split = {}, core_split = {in = 2, out = 2}>, rapid.mapping = #rapid.mapping<weight_stationary, N = {in = 4, out = 3, ij = 1, mb = 2, kij = 1}, B = {in = 4, out = 3, ij = 1, mb = 2, kij = 1}, T = {in = 4, out = 3, ij = 1, mb = 2, kij = 1}, P = {in = 4, out = 3, ij = 1, mb = 2, kij = 1}, order = {B = [out, mb, ij, in, kij], T = [out, mb, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.out, ker = lx at B.out, out = lx at B.out}, precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>} : (tensor<2x8xf32>, tensor<6x8xf32>, tensor<6xf32>) -> tensor<2x6xf32> loc("fc")
  return %y : tensor<2x6xf32>
}
