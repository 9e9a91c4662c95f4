// rapidc --precision fp32, the verification mode: weights, activations and
// accumulation in fp32, so the compiled program computes what an fp32
// reference (onnxruntime) computes, up to summation order. The presets give
// fp32 no MAC rate, so the PE array emulates it at a quarter of the fp16
// lane rate (docs/cost-model.md).
//
// RUN: rapidc --help | FileCheck %s --check-prefix=HELP
// HELP: --precision=<fp32|fp16|hfp8|hybrid-fp8|int8|int4|int4-biscaled|int4-fpec|int2|auto>
// HELP-SAME: fp32 (the verification mode
// RUN: not rapidc %s --precision fp64 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: --precision must be fp32, fp16, hfp8, hybrid-fp8, int8, int4, int4-biscaled, int4-fpec, int2 or auto, got 'fp64'
//
// The report says it; every layer is mapped in fp32.
// RUN: rapidc %s --precision fp32 --report -q -o %t.mlir | FileCheck %s --check-prefix=REPORT
// REPORT: mapping on rapid-core (1 chips x 1 cores, 1.50 GHz), inference, minibatch 1, precision fp32 x fp32, fp32 accumulation (fp32 emulated at a quarter of the fp16 MAC rate)
// RUN: FileCheck %s --check-prefix=MLIR < %t.mlir
// MLIR: rapid.gemm {{.*}}precision = {inp = fp32, ker = fp32, acc = fp32, chunk = 0}
// RUN: rapidc %s --report -q -o /dev/null | FileCheck %s --check-prefix=REPORT16
// REPORT16: minibatch 1, precision fp16 x fp16, fp32 accumulation{{$}}
// RUN: rapidc %s --precision fp32 --report-json %t.json --report-html %t.html -q -o /dev/null
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// JSON: "precision": "fp32 x fp32, fp32 accumulation (fp32 emulated at a quarter of the fp16 MAC rate)"
// RUN: FileCheck %s --check-prefix=HTML < %t.html
// HTML: ; precision fp32 x fp32, fp32 accumulation (fp32 emulated at a quarter of the fp16 MAC rate).</p>
//
// Real values. Neither the weights below nor the input (1.0001, 2, 3,
// 4.0001) are fp16 numbers. In fp32 the program gives the float32 result
// (x . w + b in float64, rounded: 3.01005006, 1.33937681); in fp16 it does not.
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.array([[1.0001, 2.0, 3.0, 4.0001]], np.float32))"
// RUN: rapidc %s --precision fp32 -q -o %t.fp32.bin
// RUN: rapid-sim %t.fp32.bin --input x=%t.x.npy --output-dir %t.fp32 -q
// RUN: %python -c "import numpy as np; print('y =', ' '.join('%%.6g' %% v for v in np.load('%t.fp32/y.npy').ravel()))" | FileCheck %s --check-prefix=FP32
// FP32: y = 3.01005 1.33938
// RUN: rapidc %s -q -o %t.fp16.bin
// RUN: rapid-sim %t.fp16.bin --input x=%t.x.npy --output-dir %t.fp16 -q
// RUN: %python -c "import numpy as np; print('y =', ' '.join('%%.6g' %% v for v in np.load('%t.fp16/y.npy').ravel()))" | FileCheck %s --check-prefix=FP16
// FP16: y = 3.00977 1.33887
//
// The default model (LeNet-5) in fp32 gives onnxruntime's logits within
// 1e-5 of the largest (measured 3e-7), on one core and on the 4 cores of
// rapid-chip (divided reductions add their fp32 partial sums); in fp16 the
// error is above 1e-5 (measured 7e-4).
// RUN: rm -rf %t.ref
// RUN: node %rapid_src/tools/ort/run.mjs %default_model --output-dir %t.ref --seed 7 > /dev/null
// RUN: rapidc %default_model --precision fp32 -q -o %t.lenet.bin
// RUN: rapid-sim %t.lenet.bin --input image=%t.ref/input_image.npy --output-dir %t.lenet -q
// RUN: %python %S/Inputs/compare_npy.py %t.ref/output_logits.npy %t.lenet/logits.npy --rtol 1e-5 | FileCheck %s --check-prefix=SAME
// SAME: shape 1x10: relative error {{.*}} argmax [[C:[0-9]+]] vs [[C]]: match
// RUN: rapidc %default_model --precision fp32 --arch rapid-chip -q -o %t.chip.bin
// RUN: rapid-sim %t.chip.bin --input image=%t.ref/input_image.npy --output-dir %t.chip -q
// RUN: %python %S/Inputs/compare_npy.py %t.ref/output_logits.npy %t.chip/logits.npy --rtol 1e-5 | FileCheck %s --check-prefix=SAME
// RUN: rapidc %default_model -q -o %t.lenet16.bin
// RUN: rapid-sim %t.lenet16.bin --input image=%t.ref/input_image.npy --output-dir %t.lenet16 -q
// RUN: not %python %S/Inputs/compare_npy.py %t.ref/output_logits.npy %t.lenet16/logits.npy --rtol 1e-5
func.func @f(%x: tensor<1x4xf32> {rapid.name = "x"}) -> (tensor<1x2xf32> {rapid.name = "y"}) {
  %w = rapid.constant dense<[[0.1, 0.2, 0.3, 0.4], [0.001, -0.002, 0.003, 0.33333334]]> : tensor<2x4xf32>
  %b = rapid.constant dense<[0.01, 0.00001]> : tensor<2xf32>
  %y = rapid.gemm %x, %w, %b transpose_b : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
