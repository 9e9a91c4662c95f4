// rapid-assign-precision policy=auto on a 256 -> 256 -> 10 MLP with seeded
// weights (Inputs/make_mlp.py): each candidate is compiled and run on the
// 64 calibration inputs, and a layer goes a rung down (fp16 -> int8 ->
// int4) only while the top-1 answers stay within the tolerance of fp16's
// (here against the fp32 model's own answers: no labels). With any loss
// allowed both layers reach int4; with none, int4 changes answers and both
// stay at int8.
// RUN: %python %S/Inputs/make_mlp.py %t.mlir %t.calib.npy
// RUN: rapid-opt %t.mlir --rapid-assign-precision="policy=auto calibration=%t.calib.npy tolerance=100" | FileCheck %s --check-prefix=ANY
// RUN: rapid-opt %t.mlir --rapid-assign-precision="policy=auto calibration=%t.calib.npy tolerance=0" | FileCheck %s --check-prefix=NONE
// The labels given: accuracy against them.
// RUN: %python -c "import numpy as np; np.save('%t.labels.npy', np.zeros(64, np.float32))"
// RUN: rapid-opt %t.mlir --rapid-assign-precision="policy=auto calibration=%t.calib.npy labels=%t.labels.npy tolerance=100" | FileCheck %s --check-prefix=ANY

// ANY: rapid.quantize %arg0 : tensor<1x256xf32> to tensor<1x256x!rapid.quant<i4, {{[^,]*}}>>
// ANY: rapid.gemm {{.*}}tensor<256x256x!rapid.quant<i4,
// ANY: rapid.quantize {{.*}} to tensor<1x256x!rapid.quant<i4, {{.*}}, zero_point = -8>>
// ANY: rapid.gemm {{.*}}tensor<10x256x!rapid.quant<i4,

// NONE: rapid.gemm {{.*}}tensor<256x256x!rapid.quant<i8,
// NONE: rapid.gemm {{.*}}tensor<10x256x!rapid.quant<i8,
