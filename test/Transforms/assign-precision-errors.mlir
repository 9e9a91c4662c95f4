// rapid-assign-precision's errors: bad options, and calibration that cannot
// be done, each naming the option or file at fault.
// RUN: not rapid-opt %s --rapid-assign-precision=policy=int3 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: not rapid-opt %s --rapid-assign-precision="policy=int4 weights=median" 2>&1 | FileCheck %s --check-prefix=WEIGHTS
// RUN: not rapid-opt %s --rapid-assign-precision="policy=int4 activations=kl" 2>&1 | FileCheck %s --check-prefix=ACTS
// RUN: not rapid-opt %s --rapid-assign-precision="policy=int4 shortcut=half" 2>&1 | FileCheck %s --check-prefix=SHORTCUT
// RUN: not rapid-opt %s --rapid-assign-precision="policy=int4 quantize-ends=true" 2>&1 | FileCheck %s --check-prefix=NOCALIB
// RUN: not rapid-opt %s --rapid-assign-precision="policy=int4 quantize-ends=true calibration=%t.missing.npy" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: %python -c "import numpy as np; np.save('%t.bad.npy', np.zeros((4, 3, 8), np.float32))"
// RUN: not rapid-opt %s --rapid-assign-precision="policy=int4 quantize-ends=true calibration=%t.bad.npy" 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: %python -c "import numpy as np; np.save('%t.ok.npy', np.ones((4, 8), np.float32))"
// RUN: not rapid-opt %s --rapid-assign-precision="policy=auto calibration=%t.ok.npy labels=%t.missing.npy" 2>&1 | FileCheck %s --check-prefix=LABELS
// RUN: not rapid-opt %s --rapid-assign-precision="policy=auto tolerance=-1" 2>&1 | FileCheck %s --check-prefix=TOL

// POLICY: error: rapid-assign-precision: unknown policy 'int3'; expected fp32, fp16, hfp8, hybrid-fp8, int8, int4, int4-biscaled, int4-fpec, int2 or auto
// WEIGHTS: error: rapid-assign-precision: unknown weight clip 'median'; expected sawb, max or percentile
// ACTS: error: rapid-assign-precision: unknown activation calibration 'kl'; expected max, percentile or mse
// SHORTCUT: error: rapid-assign-precision: unknown shortcut mode 'half'; expected full or quantized
// NOCALIB: error: rapid-assign-precision: policy 'int4' needs calibration inputs to set the activations' scales (calibration=FILE.npy)
// MISSING: error: rapid-assign-precision: calibration: {{.*}}missing.npy{{.*}}
// SHAPE: error: rapid-assign-precision: calibration: '{{.*}}bad.npy' has shape [4, 3, 8]; expected [N, 8] (samples of the input without its batch dimension)
// LABELS: error: rapid-assign-precision: labels: {{.*}}missing.npy
// TOL: error: rapid-assign-precision: percentile must be in (0, 100] and tolerance >= 0

func.func @fc(%x: tensor<1x8xf32> {rapid.name = "x"}) -> (tensor<1x4xf32> {rapid.name = "y"}) {
  %w = rapid.constant dense<0.5> : tensor<4x8xf32>
  %y = rapid.gemm %x, %w transpose_b : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
