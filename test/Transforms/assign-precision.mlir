// rapid-assign-precision: each policy's rewrite of a conv -> PACT clip ->
// conv -> gemm network (docs/precision.md).
// RUN: rapid-opt %s --rapid-assign-precision=policy=int4 | FileCheck %s --check-prefix=INT4
// RUN: rapid-opt %s --rapid-assign-precision="policy=int4 weights=max" | FileCheck %s --check-prefix=MAX
// RUN: rapid-opt %s --rapid-assign-precision=policy=int4-biscaled | FileCheck %s --check-prefix=BISCALED
// RUN: rapid-opt %s --rapid-assign-precision=policy=int4-biscaled --rapid-deep-matrix --rapid-lower-to-isa | FileCheck %s --check-prefix=BISCALED-ISA
// RUN: rapid-opt %s --rapid-assign-precision=policy=int4-fpec | FileCheck %s --check-prefix=FPEC
// RUN: rapid-opt %s --rapid-assign-precision=policy=int4-fpec --rapid-deep-matrix --rapid-lower-to-isa | FileCheck %s --check-prefix=FPEC-ISA
// RUN: rapid-opt %s --rapid-assign-precision=policy=int4-fpec --rapid-deep-matrix --rapid-lower-to-isa | rapid-translate --rapid-isa-to-bin -o %t.fpec.bin
// RUN: rapid-opt %s --rapid-assign-precision=policy=hybrid-fp8 | FileCheck %s --check-prefix=HYBRID
// RUN: rapid-opt %s --rapid-assign-precision=policy=hybrid-fp8 --rapid-deep-matrix="mode=train search=false" | FileCheck %s --check-prefix=TRAIN
// RUN: rapid-opt %s --rapid-assign-precision=policy=hfp8 | FileCheck %s --check-prefix=HFP8
// RUN: rapid-opt %s --rapid-assign-precision=policy=fp16 | FileCheck %s --check-prefix=FP16
// Calibration: the first and last layers' inputs have no PACT clip.
// RUN: %python -c "import numpy as np; np.save('%t.calib.npy', np.linspace(-1, 3, 8 * 72, dtype=np.float32).reshape(8, 2, 6, 6))"
// RUN: rapid-opt %s --rapid-assign-precision="policy=int8 quantize-ends=true calibration=%t.calib.npy activations=max" | FileCheck %s --check-prefix=CALIB
// The rewritten model compiles and runs.
// RUN: rapid-opt %s --rapid-assign-precision=policy=int4 --rapid-deep-matrix --rapid-lower-to-isa | rapid-translate --rapid-isa-to-bin -o %t.bin
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.linspace(-1, 3, 72, dtype=np.float32).reshape(1, 2, 6, 6))"
// RUN: rapid-sim %t.bin --input x=%t.x.npy --output-dir %t.out 2>&1 | FileCheck %s --check-prefix=SIM
// RUN: rapid-sim %t.fpec.bin --input x=%t.x.npy --output-dir %t.fpec 2>&1 | FileCheck %s --check-prefix=SIM

// INT4 keeps the first and last layers; conv2's input comes from a PACT
// clip [0, 6]: 15 steps of 0.4 from zero point -8.
// INT4-LABEL: func.func @net
// INT4: %[[C1:.*]] = rapid.conv2d %arg0, %{{.*}} : (tensor<1x2x6x6xf32>, tensor<4x2x3x3xf32>)
// INT4: %[[P:.*]] = rapid.clip %[[C1]] [0.000000e+00, 6.000000e+00] pact
// INT4: %[[Q:.*]] = rapid.quantize %[[P]] : tensor<1x4x6x6xf32> to tensor<1x4x6x6x!rapid.quant<i4, 4.000000e-01, zero_point = -8>>
// INT4: %[[W:.*]] = rapid.quant_constant dense<{{.*}}> : tensor<3x4x3x3xi4> -> tensor<3x4x3x3x!rapid.quant<i4, [[S:.*]]>>
// INT4: rapid.conv2d %[[Q]], %[[W]] act relu
// INT4: rapid.gemm %{{.*}}, %{{.*}} transpose_b : (tensor<1x48xf32>, tensor<3x48xf32>)

// Max-abs weights: max |w| = 0.7 over 7 levels.
// MAX: rapid.quant_constant {{.*}} -> tensor<3x4x3x3x!rapid.quant<i4, 0.09999999{{[0-9]+}}>>

// BiScaled weights: int8-typed values of 4-bit integers or 4 times one, in
// the fine step; the PE array reads them as biscaled4.
// BISCALED: %[[W:.*]] = rapid.quant_constant dense<{{.*}}> : tensor<3x4x3x3xi8> -> tensor<3x4x3x3x!rapid.quant<i8, {{.*}}>>
// BISCALED: rapid.conv2d %{{.*}}, %[[W]] act relu {rapid.biscaled_weights}
// BISCALED-ISA: rapid_isa.mac dataflow={{.*}}, inp_prec=int4, ker_prec=biscaled4, acc_prec=fp32

// With int4-fpec, inputs and weights carry their errors' directions.
// FPEC: %[[Q:.*]] = rapid.quantize %{{.*}} : tensor<1x4x6x6xf32> to tensor<1x4x6x6x!rapid.quant<i4, 4.000000e-01, zero_point = -8, compensated>>
// FPEC: %[[W:.*]] = rapid.quant_constant {directions = dense<{{.*}}> : tensor<3x4x3x3xi2>} dense<{{.*}}> : tensor<3x4x3x3xi4> -> tensor<3x4x3x3x!rapid.quant<i4, {{.*}}, compensated>>
// FPEC: rapid.conv2d %[[Q]], %[[W]]
// FPEC-ISA: rapid_isa.sfu op=add, in_prec=fp32, out_prec=fpec4, b_mode=scalar
// FPEC-ISA: rapid_isa.mac dataflow={{.*}}, inp_prec=fpec4, ker_prec=fpec4, acc_prec=fp32

// HYBRID-LABEL: func.func @net
// HYBRID: rapid.conv2d %arg0, %{{.*}} : (tensor<1x2x6x6xf32>
// HYBRID: %[[H:.*]] = rapid.cast %{{.*}} : tensor<1x4x6x6xf32> to tensor<1x4x6x6xf8E4M3B11FNUZ>
// HYBRID: rapid.conv2d %[[H]]
// HYBRID: rapid.gemm %{{.*}} : (tensor<1x48xf32>

// In training, the HFP8 layer's forward kernel reads 1-4-3 and its
// backward ones 1-5-2.
// TRAIN: rapid.conv2d %{{.*}} act relu {rapid.mapping = #rapid.mapping<{{.*}}precision = {inp = hfp8_143, ker = hfp8_143, acc = fp16, chunk = 64}>, rapid.mapping_bwd = #rapid.mapping<{{.*}}precision = {inp = hfp8_152, ker = hfp8_152, acc = fp16, chunk = 64}>, rapid.mapping_upd = #rapid.mapping<{{.*}}precision = {inp = hfp8_152, ker = hfp8_152

// HFP8-COUNT-3: rapid.cast {{.*}} to {{.*}}xf8E4M3B11FNUZ>

// FP16-NOT: rapid.cast
// FP16-NOT: rapid.quantize

// The model input spans [-1, 3]: symmetric, 3 / 127. The PACT clip: 6 / 255
// from zero point -128. The gemm's input, after a relu: its calibrated
// maximum over 255 steps.
// CALIB: rapid.quantize %arg0 : tensor<1x2x6x6xf32> to tensor<1x2x6x6x!rapid.quant<i8, 0.0236220472{{[0-9]*}}>>
// CALIB: rapid.quantize %{{.*}} : tensor<1x4x6x6xf32> to tensor<1x4x6x6x!rapid.quant<i8, 0.0235294117{{[0-9]*}}, zero_point = -128>>
// CALIB: rapid.quantize %{{.*}} : tensor<1x48xf32> to tensor<1x48x!rapid.quant<i8, {{[0-9.e-]+}}, zero_point = -128>>

// SIM: rapid-sim: {{.*}} 4464 MACs on 1 core

func.func @net(%x: tensor<1x2x6x6xf32> {rapid.name = "x"}) -> (tensor<1x3xf32> {rapid.name = "y"}) {
  %w1 = rapid.constant dense<0.25> : tensor<4x2x3x3xf32>
  %c1 = rapid.conv2d %x, %w1 pads [1, 1, 1, 1] : (tensor<1x2x6x6xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> loc("conv1")
  %p = rapid.clip %c1 [0.0, 6.0] pact : tensor<1x4x6x6xf32>
  %w2d = rapid.constant dense<[[[[0.7, -0.3, 0.1], [0.2, -0.5, 0.0], [0.05, 0.4, -0.6]], [[0.5249999999999999, -0.22499999999999998, 0.07500000000000001], [0.15000000000000002, -0.375, 0.0], [0.037500000000000006, 0.30000000000000004, -0.44999999999999996]], [[0.35, -0.15, 0.05], [0.1, -0.25, 0.0], [0.025, 0.2, -0.3]], [[0.175, -0.075, 0.025], [0.05, -0.125, 0.0], [0.0125, 0.1, -0.15]]], [[[0.1, 0.1, 0.1], [-0.2, 0.3, 0.0], [0.5, -0.1, 0.2]], [[0.07500000000000001, 0.07500000000000001, 0.07500000000000001], [-0.15000000000000002, 0.22499999999999998, 0.0], [0.375, -0.07500000000000001, 0.15000000000000002]], [[0.05, 0.05, 0.05], [-0.1, 0.15, 0.0], [0.25, -0.05, 0.1]], [[0.025, 0.025, 0.025], [-0.05, 0.075, 0.0], [0.125, -0.025, 0.05]]], [[[-0.7, 0.0, 0.3], [0.2, 0.2, -0.4], [0.1, 0.0, 0.6]], [[-0.5249999999999999, 0.0, 0.22499999999999998], [0.15000000000000002, 0.15000000000000002, -0.30000000000000004], [0.07500000000000001, 0.0, 0.44999999999999996]], [[-0.35, 0.0, 0.15], [0.1, 0.1, -0.2], [0.05, 0.0, 0.3]], [[-0.175, 0.0, 0.075], [0.05, 0.05, -0.1], [0.025, 0.0, 0.15]]]]> : tensor<3x4x3x3xf32>
  %c2 = rapid.conv2d %p, %w2d act relu : (tensor<1x4x6x6xf32>, tensor<3x4x3x3xf32>) -> tensor<1x3x4x4xf32> loc("conv2")
  %f = rapid.reshape %c2 : tensor<1x3x4x4xf32> -> tensor<1x48xf32>
  %w3 = rapid.constant dense<0.125> : tensor<3x48xf32>
  %y = rapid.gemm %f, %w3 transpose_b : (tensor<1x48xf32>, tensor<3x48xf32>) -> tensor<1x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}
