// What rapid-lower-to-isa does not lower says so at the op, naming it.
// RUN: rapid-opt %s -split-input-file -verify-diagnostics --rapid-lower-to-isa
// RUN: not rapid-opt %s -split-input-file --rapid-lower-to-isa=arch=deeptools-64chip 2>&1 | FileCheck %s --check-prefix=CHIPS

// CHIPS: error: rapid-lower-to-isa: the architecture 'deeptools-64chip' has 64 chips; programs are lowered for one chip so far

func.func @softmax(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  // expected-error @+1 {{rapid-lower-to-isa: 'rapid.softmax' is not lowered to the ISA yet (layer 'softmax_0')}}
  %y = rapid.softmax %x axis 1 : tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}

// -----

func.func @unmapped(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %w = rapid.constant dense<1.0> : tensor<16x8xf32>
  // expected-error @+1 {{rapid-lower-to-isa: layer 'gemm_0' has no rapid.mapping; run rapid-deep-matrix first}}
  %y = rapid.gemm %x, %w : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @sigmoid(%x: tensor<2x8xf32>) -> tensor<2x6xf32> {
  %w = rapid.constant dense<1.0> : tensor<6x8xf32>
  // expected-error @+1 {{rapid-lower-to-isa: the fused activation 'sigmoid' is not lowered yet (relu, clip)}}
  %y = rapid.gemm %x, %w transpose_b act sigmoid {rapid.mapping = #rapid.mapping<input_stationary, N = {in = 8, out = 6, ij = 1, mb = 2, kij = 1}, B = {in = 8, out = 6, ij = 1, mb = 2, kij = 1}, T = {in = 8, out = 6, ij = 1, mb = 2, kij = 1}, P = {in = 8, out = 1, ij = 1, mb = 2, kij = 1}, order = {B = [out, mb, ij, in, kij], T = [out, mb, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.out, ker = lx at B.out, out = lx at B.out}, precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>} : (tensor<2x8xf32>, tensor<6x8xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

// The B stage's reduction loop (in) outside its output loop (out) would
// keep partial sums in external memory between visits.
func.func @revisit(%x: tensor<2x8xf32>) -> tensor<2x6xf32> {
  %w = rapid.constant dense<1.0> : tensor<6x8xf32>
  // expected-error @+1 {{rapid-lower-to-isa: layer 'gemm_0': its mapping revisits output B tiles (a reduction loop outside an output loop at the B stage); partial sums in external memory are not lowered yet}}
  %y = rapid.gemm %x, %w transpose_b {rapid.mapping = #rapid.mapping<weight_stationary, N = {in = 8, out = 6, ij = 1, mb = 2, kij = 1}, B = {in = 4, out = 3, ij = 1, mb = 2, kij = 1}, T = {in = 4, out = 3, ij = 1, mb = 2, kij = 1}, P = {in = 4, out = 3, ij = 1, mb = 1, kij = 1}, order = {B = [in, out, mb, ij, kij], T = [out, mb, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.in, ker = lx at B.out, out = lx at B.out}, precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>} : (tensor<2x8xf32>, tensor<6x8xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

func.func @grouped(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x6x6xf32> {
  %w = rapid.constant dense<0.25> : tensor<4x2x3x3xf32>
  // expected-error @+1 {{rapid-lower-to-isa: grouped convolutions are lowered only as depthwise ones (groups = input channels = output channels); this one has 2 groups}}
  %y = rapid.conv2d %x, %w groups 2 : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @broadcast(%x: tensor<1x4x2x2xf32>, %y: tensor<1x4x1x1xf32>) -> tensor<1x4x2x2xf32> {
  // expected-error @+1 {{rapid-lower-to-isa: elementwise operands of different shapes (broadcasting) are not lowered yet}}
  %z = rapid.add %x, %y : (tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x2x2xf32>
  return %z : tensor<1x4x2x2xf32>
}

// -----

func.func @avg_padded(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x4x4xf32> {
  // expected-error @+1 {{rapid-lower-to-isa: average pooling with padding or ceil_mode is not lowered yet}}
  %y = rapid.avgpool %x kernel [2, 2] strides [2, 2] pads [1, 1, 1, 1] : (tensor<1x4x6x6xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

func.func @dynamic_weights(%x: tensor<2x8xf32>, %w: tensor<8x6xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{rapid-lower-to-isa: the weights must be a float rapid.constant}}
  %y = rapid.matmul %x, %w {rapid.mapping = #rapid.mapping<input_stationary, N = {in = 8, out = 6, ij = 1, mb = 2, kij = 1}, B = {in = 8, out = 6, ij = 1, mb = 2, kij = 1}, T = {in = 8, out = 6, ij = 1, mb = 2, kij = 1}, P = {in = 8, out = 1, ij = 1, mb = 2, kij = 1}, order = {B = [out, mb, ij, in, kij], T = [out, mb, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.out, ker = lx at B.out, out = lx at B.out}, precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>} : (tensor<2x8xf32>, tensor<8x6xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

// A quantized input needs quantized weights (rapid-assign-precision makes
// both).
func.func @half_quantized(%x: tensor<1x8xf32> {rapid.name = "x"}) -> (tensor<1x4xf32> {rapid.name = "y"}) {
  %q = rapid.quantize %x : tensor<1x8xf32> to tensor<1x8x!rapid.quant<i8, 5.000000e-02>>
  %w = rapid.constant dense<0.5> : tensor<4x8xf32>
  // expected-error-re @+1 {{rapid-lower-to-isa: layer '{{.*}}': its input is quantized but its weights are not a rapid.quant_constant}}
  %y = rapid.gemm %q, %w transpose_b {rapid.mapping = #rapid.mapping<weight_stationary, N = {in = 8, out = 4, ij = 1, mb = 1, kij = 1}, B = {in = 8, out = 4, ij = 1, mb = 1, kij = 1}, T = {in = 8, out = 4, ij = 1, mb = 1, kij = 1}, P = {in = 8, out = 4, ij = 1, mb = 1, kij = 1}, order = {B = [out, mb, ij, in, kij], T = [out, mb, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.out, ker = lx at B.out, out = lx at B.out}, precision = {inp = int8, ker = fp16, acc = fp32, chunk = 0}>} : (tensor<1x8x!rapid.quant<i8, 5.000000e-02>>, tensor<4x8xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}


// -----

// BiScaled weights hold 4-bit integers or 4 times one.
func.func @biscaled_nine(%x: tensor<1x2xf32> {rapid.name = "x"}) -> (tensor<1x1xf32> {rapid.name = "y"}) {
  %q = rapid.quantize %x : tensor<1x2xf32> to tensor<1x2x!rapid.quant<i4, 5.000000e-01>>
  %w = rapid.quant_constant dense<[[8, 9]]> : tensor<1x2xi8> -> tensor<1x2x!rapid.quant<i8, 1.000000e-01>>
  // expected-error-re @+1 {{rapid-lower-to-isa: layer '{{.*}}': its BiScaled weights hold 9, neither a 4-bit integer nor 4 times one}}
  %y = rapid.gemm %q, %w transpose_b {rapid.biscaled_weights, rapid.mapping = #rapid.mapping<weight_stationary, N = {in = 2, out = 1, ij = 1, mb = 1, kij = 1}, B = {in = 2, out = 1, ij = 1, mb = 1, kij = 1}, T = {in = 2, out = 1, ij = 1, mb = 1, kij = 1}, P = {in = 2, out = 1, ij = 1, mb = 1, kij = 1}, order = {B = [out, mb, ij, in, kij], T = [out, mb, ij, in, kij], P = [kij, in, ij, out, mb]}, transfers = {inp = lx at B.out, ker = lx at B.out, out = lx at B.out}, precision = {inp = int4, ker = biscaled4, acc = fp32, chunk = 0}>} : (tensor<1x2x!rapid.quant<i4, 5.000000e-01>>, tensor<1x2x!rapid.quant<i8, 1.000000e-01>>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
