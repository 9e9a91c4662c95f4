// Parse errors in the mapping attributes name the offending word.
// RUN: rapid-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{unknown parallelism 'pipeline'; expected one of data, model, data_x_model_y, model_x_data_y}}
func.func @kind() attributes {test.s = #rapid.spatial<pipeline, chips = [4, 4], cores = 32>}

// -----

// expected-error @+1 {{unknown dimension 'k'; expected one of in, out, ij, mb, kij}}
func.func @dim() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 32, chip_split = {k = 2}, core_split = {}>}

// -----

// expected-error @+1 {{dimension 'mb' appears twice in core_split}}
func.func @twice() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 32, chip_split = {}, core_split = {mb = 2, mb = 4}>}

// -----

// expected-error @+2 {{N must give every dimension; 'kij' is missing}}
func.func @n_missing() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+1 {{unknown dataflow 'row_stationary'; expected one of weight_stationary, output_stationary, input_stationary}}
func.func @dataflow() attributes {test.m = #rapid.mapping<row_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 1}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+4 {{transfer location 'Q.ij' must be <stage>.<dimension> with stage one of B, T, P and dimension one of in, out, ij, mb, kij}}
func.func @location() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 1}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at Q.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+5 {{unknown precision 'fp64'; expected one of fp32, fp16, dlfloat16, hfp8_143, hfp8_152, int8, int4, int2, ternary, binary}}
func.func @precision() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 1}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp64, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+4 {{unknown memory level 'l2'; expected one of ext, lx, l0, reg}}
func.func @level() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 1}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = l2 at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}
