// The mapping attributes on ops are checked against the op and its workload.
// RUN: rapid-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{'func.func' op has unknown rapid attribute 'rapid.schedule'; expected 'rapid.spatial', 'rapid.mapping', 'rapid.mapping_bwd', 'rapid.mapping_upd' or 'rapid.biscaled_weights'}}
func.func @unknown() attributes {rapid.schedule = 1 : i64} {
  return
}

// -----

func.func @not_a_layer(%x: tensor<4xf32>) {
  // expected-error @+1 {{'rapid.relu' op cannot carry 'rapid.spatial': only layer ops (conv2d, conv_transpose2d, matmul, gemm, lstm, lstm_cell) are mapped}}
  %y = rapid.relu %x {rapid.spatial = #rapid.spatial<data, chips = [1, 1], cores = 1>} : tensor<4xf32>
  return
}

// -----

func.func @wrong_kind(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+1 {{'rapid.matmul' op 'rapid.spatial' must be a #rapid.spatial attribute}}
  %y = rapid.matmul %a, %b {rapid.spatial = 4 : i64} : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @wrong_mapping(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+1 {{'rapid.matmul' op 'rapid.mapping' must be a #rapid.mapping attribute}}
  %y = rapid.matmul %a, %b {rapid.mapping = #rapid.spatial<data, chips = [1, 1], cores = 1>} : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @split_exceeds(%x: tensor<1x64x7x7xf32>, %w: tensor<64x64x3x3xf32>) {
  // expected-error @+1 {{'rapid.conv2d' op splits dimension 'ij' 64 ways but the layer has only 25}}
  %y = rapid.conv2d %x, %w {rapid.spatial = #rapid.spatial<data, chips = [1, 1], cores = 64, chip_split = {}, core_split = {ij = 64}>}
      : (tensor<1x64x7x7xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x5x5xf32>
  return
}

// -----

func.func @n_mismatch(%x: tensor<10x1x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>) {
  // expected-error @+1 {{'rapid.lstm' op 'rapid.mapping' N = {in = 48, out = 128, ij = 10, mb = 2, kij = 1} does not match the per-core fwd workload {in = 48, out = 128, ij = 10, mb = 1, kij = 1}}}
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 32 direction forward {
      rapid.mapping = #rapid.mapping<weight_stationary,
        N = {in = 48, out = 128, ij = 10, mb = 2, kij = 1}, B = {}, T = {}, P = {},
        order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
        transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
        precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}
      : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>)
      -> (tensor<10x1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32>)
  return
}

// -----

func.func @n_after_split(%a: tensor<64x256xf32>, %b: tensor<256x100xf32>) {
  // expected-error @+1 {{'rapid.gemm' op 'rapid.mapping' N = {in = 256, out = 100, ij = 1, mb = 8, kij = 1} does not match the per-core fwd workload {in = 256, out = 34, ij = 1, mb = 8, kij = 1}}}
  %y = rapid.gemm %a, %b {
      rapid.spatial = #rapid.spatial<data_x_model_y, chips = [2, 3], cores = 4, chip_split = {mb = 2, out = 3}, core_split = {mb = 4}>,
      rapid.mapping = #rapid.mapping<weight_stationary,
        N = {in = 256, out = 100, ij = 1, mb = 8, kij = 1}, B = {}, T = {}, P = {},
        order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
        transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
        precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}
      : (tensor<64x256xf32>, tensor<256x100xf32>) -> tensor<64x100xf32>
  return
}

// -----

// The back-propagation kernel swaps in and out, and so does the split.
func.func @bwd_n(%a: tensor<8x256xf32>, %b: tensor<256x100xf32>) {
  // expected-error @+1 {{'rapid.gemm' op 'rapid.mapping_bwd' N = {in = 256, out = 25, ij = 1, mb = 8, kij = 1} does not match the per-core bwd workload {in = 25, out = 256, ij = 1, mb = 8, kij = 1}}}
  %y = rapid.gemm %a, %b {
      rapid.spatial = #rapid.spatial<model, chips = [1, 1], cores = 4, chip_split = {}, core_split = {out = 4}>,
      rapid.mapping_bwd = #rapid.mapping<weight_stationary,
        N = {in = 256, out = 25, ij = 1, mb = 8, kij = 1}, B = {}, T = {}, P = {},
        order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
        transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
        precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}
      : (tensor<8x256xf32>, tensor<256x100xf32>) -> tensor<8x100xf32>
  return
}

// -----

// BiScaled weights are int8-typed quantized values.
func.func @biscaled_floats(%x: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %w = rapid.constant dense<0.5> : tensor<4x8xf32>
  // expected-error @+1 {{'rapid.gemm' op 'rapid.biscaled_weights' is a unit attribute of a conv2d, matmul or gemm whose weights are int8-typed quantized values without a zero point}}
  %y = rapid.gemm %x, %w transpose_b {rapid.biscaled_weights} : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
