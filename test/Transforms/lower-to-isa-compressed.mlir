// Static sparsity (docs/backend.md): weights that are mostly zero are stored
// bitmap-compressed per B tile in model.bin, each tile in a slot of the
// largest compressed tile's size, and expanded into Lx by ext_to_lx_unpack
// DMAs (docs/isa.md). The same layers with compress-weights=never load them
// dense; rapid-sim computes the same outputs from both, reading fewer bytes
// from the compressed ones.
// RUN: split-file %s %t

// FP16 weights (10 x 48, 69 non-zero), three B tiles of 4 outputs (the last
// one peeled), double-buffered: the prefetch steps one slot on.
// RUN: rapid-opt %t/fp16.mlir --rapid-lower-to-isa | FileCheck %s --check-prefix=FP16
// RUN: rapid-opt %t/fp16.mlir --rapid-lower-to-isa=compress-weights=never | FileCheck %s --check-prefix=DENSE16
// RUN: rapid-opt %t/fp16.mlir --rapid-lower-to-isa | rapid-translate --rapid-isa-to-bin -o %t.c16.bin
// RUN: rapid-opt %t/fp16.mlir --rapid-lower-to-isa=compress-weights=never | rapid-translate --rapid-isa-to-bin -o %t.d16.bin
// RUN: %python -c "import numpy as np; np.save('%t.x16.npy', (np.arange(96, dtype=np.float32).reshape(2, 48) % 11 - 5) * 0.25)"
// RUN: rapid-sim %t.c16.bin --input x=%t.x16.npy --output-dir %t.c16 --stats > %t.c16.stats
// RUN: rapid-sim %t.d16.bin --input x=%t.x16.npy --output-dir %t.d16 --stats > %t.d16.stats
// RUN: %python %S/../tools/Inputs/compare_npy.py %t.d16/y.npy %t.c16/y.npy --rtol 0
// RUN: %python %S/Inputs/compare_dma_bytes.py %t.c16.stats %t.d16.stats | FileCheck %s --check-prefix=BYTES16

// The weights' B tiles: 192 FP16 elements, a 24-byte bitmap and at most 28
// non-zero elements, a slot of 80 bytes instead of 384.
// FP16: rapid_isa.dma_desc [[D:[0-9]+]] bits = 16 dims = {{\[\[}}192, 0, 2]]
// FP16: rapid_isa.dma path=ext_to_lx_unpack, peer=self, desc=[[D]], {{.*}}, src=a2,
// FP16: rapid_isa.addi a=[[R:a[0-9]+]], b=a2, imm=80
// FP16-NEXT: rapid_isa.seti
// FP16-NEXT: rapid_isa.dma path=ext_to_lx_unpack, peer=self, desc=[[D]], {{.*}}, src=[[R]],
// FP16: rapid_isa.addi a=a2, b=a2, imm=80
// FP16: rapid_isa.addi a=a2, b=a2, imm=-160
// DENSE16-NOT: ext_to_lx_unpack
// DENSE16: rapid_isa.addi a={{a[0-9]+}}, b=a2, imm=384
// DENSE16-NOT: ext_to_lx_unpack
// BYTES16: compressed reads fewer bytes: True

// INT4 weights (8 x 64, 86 non-zero) of an int4 gemm, three B tiles of 3
// outputs: packed elements, addressed by element (a slot's step counts
// elements).
// RUN: rapid-opt %t/int4.mlir --rapid-lower-to-isa | FileCheck %s --check-prefix=INT4
// RUN: rapid-opt %t/int4.mlir --rapid-lower-to-isa=compress-weights=never | FileCheck %s --check-prefix=DENSE4
// RUN: rapid-opt %t/int4.mlir --rapid-lower-to-isa | rapid-translate --rapid-isa-to-bin -o %t.c4.bin
// RUN: rapid-opt %t/int4.mlir --rapid-lower-to-isa=compress-weights=never | rapid-translate --rapid-isa-to-bin -o %t.d4.bin
// RUN: %python -c "import numpy as np; np.save('%t.x4.npy', (np.arange(128, dtype=np.float32).reshape(2, 64) % 13 - 6) * 0.25)"
// RUN: rapid-sim %t.c4.bin --input x=%t.x4.npy --output-dir %t.c4 --stats > %t.c4.stats
// RUN: rapid-sim %t.d4.bin --input x=%t.x4.npy --output-dir %t.d4 --stats > %t.d4.stats
// RUN: %python %S/../tools/Inputs/compare_npy.py %t.d4/y.npy %t.c4/y.npy --rtol 0
// RUN: %python %S/Inputs/compare_dma_bytes.py %t.c4.stats %t.d4.stats | FileCheck %s --check-prefix=BYTES4
// INT4: rapid_isa.dma_desc {{[0-9]+}} bits = 4 dims = {{\[\[}}{{[0-9]+}}, 0, 1]]
// The tiles: 192 elements (96 bytes), a 24-byte bitmap and at most 32
// non-zero elements (16 bytes): slots of 40 bytes, 80 elements.
// INT4: rapid_isa.dma path=ext_to_lx_unpack, {{.*}}, src=a2,
// INT4: rapid_isa.addi a={{a[0-9]+}}, b=a2, imm=80
// INT4: rapid_isa.mac dataflow={{.*}}, inp_prec=int4, ker_prec=int4, acc_prec=fp32
// DENSE4-NOT: ext_to_lx_unpack
// DENSE4: rapid_isa.addi a={{a[0-9]+}}, b=a2, imm=192
// DENSE4-NOT: ext_to_lx_unpack
// BYTES4: compressed reads fewer bytes: True

// rapidc (its own mapping): the closing summary and --report say what was
// compressed.
// RUN: rapidc %t/fp16.mlir --report -o %t.rapidc.bin 2>&1 | FileCheck %s --check-prefix=RAPIDC
// RUN: rapidc %t/fp16.mlir --report --compress-weights=never -o %t.rapidc.bin 2>&1 | FileCheck %s --check-prefix=RAPIDC-NEVER
// RUN: not rapidc %t/fp16.mlir --compress-weights=no -o %t.rapidc.bin 2>&1 | FileCheck %s --check-prefix=RAPIDC-ERR
// RAPIDC: zero weights: fc 85.6% compressed
// RAPIDC: rapidc: compressed weights of 1 layer: {{[0-9]+}} bytes instead of 960 ({{[0-9]+}} bytes saved)
// RAPIDC-NEVER: zero weights: fc 85.6% dense
// RAPIDC-NEVER-NOT: compressed weights of
// RAPIDC-ERR: rapidc: error: --compress-weights must be auto, never or always, got 'no'

// An unknown mode is an error.
// RUN: not rapid-opt %t/fp16.mlir --rapid-lower-to-isa=compress-weights=sometimes 2>&1 | FileCheck %s --check-prefix=ERR
// ERR: rapid-lower-to-isa: compress-weights must be auto, never or always, got 'sometimes'

//--- fp16.mlir
func.func @fc(%x: tensor<2x48xf32> {rapid.name = "x"}) -> (tensor<2x10xf32> {rapid.name = "y"}) {
  %w = rapid.constant dense<[[-0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.75, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [-0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.75, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0]]> : tensor<10x48xf32>
  %y = rapid.gemm %x, %w transpose_b {rapid.mapping = #rapid.mapping<input_stationary, N = {in = 48, out = 10, ij = 1, mb = 2, kij = 1}, B = {in = 48, out = 4, ij = 1, mb = 2, kij = 1}, T = {in = 48, out = 2, ij = 1, mb = 2, kij = 1}, P = {in = 16, out = 1, ij = 1, mb = 2, kij = 1}, order = {B = [out, mb, ij, in, kij], T = [out, mb, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.out, ker = lx at B.out, out = lx at B.out}, precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>} : (tensor<2x48xf32>, tensor<10x48xf32>) -> tensor<2x10xf32> loc("fc")
  return %y : tensor<2x10xf32>
}

//--- int4.mlir
func.func @q(%x: tensor<2x64xf32> {rapid.name = "x"}) -> (tensor<2x8xf32> {rapid.name = "y"}) {
  %q = rapid.quantize %x : tensor<2x64xf32> to tensor<2x64x!rapid.quant<i4, 2.500000e-01>> loc("q")
  %w = rapid.quant_constant dense<[[-1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, -3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, -5, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, -7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, -2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, -4, 0, 0, 0], [0, 0, 5, 0, 0, 0, 0, 0, -6, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, -3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, -5, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, -7, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, -2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, -4, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, -6, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, -3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0], [-5, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, -7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, -2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, -4, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, -6, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, -1, 0, 0, 0], [0, 0, 2, 0, 0, 0, 0, 0, -3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, -5, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, -7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, -2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, -4, 0, 0, 0, 0, 0, 5, 0], [0, 0, 0, 0, -6, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, -3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, -5, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, -7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], [-2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, -4, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, -6, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, -3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, -5, 0, 0, 0], [0, 0, 6, 0, 0, 0, 0, 0, -7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, -2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, -4, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, -6, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 2, 0]]> : tensor<8x64xi4> -> tensor<8x64x!rapid.quant<i4, 1.250000e-01>>
  %y = rapid.gemm %q, %w transpose_b {rapid.mapping = #rapid.mapping<input_stationary, N = {in = 64, out = 8, ij = 1, mb = 2, kij = 1}, B = {in = 64, out = 3, ij = 1, mb = 2, kij = 1}, T = {in = 64, out = 3, ij = 1, mb = 2, kij = 1}, P = {in = 16, out = 1, ij = 1, mb = 2, kij = 1}, order = {B = [out, mb, ij, in, kij], T = [out, mb, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.out, ker = lx at B.out, out = lx at B.out}, precision = {inp = int4, ker = int4, acc = fp32, chunk = 0}>} : (tensor<2x64x!rapid.quant<i4, 2.500000e-01>>, tensor<8x64x!rapid.quant<i4, 1.250000e-01>>) -> tensor<2x8xf32> loc("fc")
  return %y : tensor<2x8xf32>
}
