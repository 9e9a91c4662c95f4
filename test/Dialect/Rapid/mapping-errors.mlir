// RUN: rapid-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{N of dimension 'mb' must be >= 1, got 0}}
func.func @n() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 0, kij = 9}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+1 {{B tile of dimension 'in' (128) exceeds N (64)}}
func.func @b_exceeds_n() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 9}, B = {in = 128}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+1 {{T tile of dimension 'out' (64) exceeds B (32)}}
func.func @t_exceeds_b() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 9}, B = {out = 32}, T = {out = 64}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+1 {{P tile of dimension 'kij' (9) exceeds T (1)}}
func.func @p_exceeds_t() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 9}, B = {kij = 9}, T = {}, P = {kij = 9},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+1 {{loop order of stage T must list each of in, out, ij, mb, kij once}}
func.func @order_repeat() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 9}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, in], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+1 {{loop order of stage P must list each of in, out, ij, mb, kij once}}
func.func @order_short() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 9}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+1 {{transfer of 'ker' must stage into an on-chip level (lx, l0 or reg), not ext}}
func.func @transfer_ext() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 9}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = ext at T.out, out = lx at B.ij},
  precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>}

// -----

// expected-error @+1 {{accumulation precision fp16 is narrower than the operands (inp fp32, ker fp16)}}
func.func @accumulate() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 9}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = fp32, ker = fp16, acc = fp16, chunk = 0}>}

// -----

// expected-error @+1 {{chunk length must be >= 0 (0: no chunking), got -1}}
func.func @chunk() attributes {test.m = #rapid.mapping<weight_stationary,
  N = {in = 64, out = 64, ij = 16, mb = 1, kij = 9}, B = {}, T = {}, P = {},
  order = {B = [mb, out, ij, in, kij], T = [mb, out, ij, in, kij], P = [mb, out, ij, in, kij]},
  transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
  precision = {inp = hfp8_143, ker = hfp8_143, acc = fp16, chunk = -1}>}
