// rapidc --precision fp32 on a model with no PE-array layer (nothing has a
// mapping to take the activations' precision from): every tensor is still
// stored in fp32, so a relu gives the fp32 input's exact values
// (1.0001 and 4.0001 are not fp16 numbers). Without --precision, fp16.
// RUN: rapidc %s --precision fp32 --emit=asm -q -o - | FileCheck %s --check-prefix=ASM
// ASM: .tensor input name="x" dtype=fp32 shape=1x4
// ASM: .tensor output name="y" dtype=fp32 shape=1x4
// ASM: sfu op=max, in_prec=fp32, out_prec=fp32
// RUN: rapidc %s --emit=asm -q -o - | FileCheck %s --check-prefix=ASM16
// ASM16: .tensor input name="x" dtype=fp16 shape=1x4
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.array([[1.0001, -2.0, 3.0, 4.0001]], np.float32))"
// RUN: rapidc %s --precision fp32 -q -o %t.bin
// RUN: rapid-sim %t.bin --input x=%t.x.npy --output-dir %t.out -q
// RUN: %python -c "import numpy as np; y = np.load('%t.out/y.npy'); print('exact' if (y == np.maximum(np.load('%t.x.npy'), 0)).all() else y)" | FileCheck %s --check-prefix=SIM
// SIM: exact
func.func @f(%x: tensor<1x4xf32> {rapid.name = "x"}) -> (tensor<1x4xf32> {rapid.name = "y"}) {
  %y = rapid.relu %x : tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
