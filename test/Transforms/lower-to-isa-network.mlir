// A small network mapped by rapid-deep-matrix and lowered end to end: every
// kind of step, the activations placed by lifetime, each layer's Lx/L0
// buffers as regions of its step. (test/tools/rapid-sim-network.test runs
// the same program against torch.)
// RUN: rapid-opt %s --rapid-deep-matrix --rapid-lower-to-isa | FileCheck %s
// RUN: rapid-opt %s --rapid-deep-matrix --rapid-lower-to-isa | rapid-translate --rapid-isa-to-bin | rapid-translate --bin-to-asm | FileCheck %s --check-prefix=ASM

// Seven steps (0-6: conv, pool, residual, relu, gap, fc; the flatten
// aliases). A tensor is live from the step that writes it to the last that
// reads it, so `pool` (steps 1-2) reuses the bytes of the padded image
// (step 0) and `relu` (3-4) those of `pool`.
// CHECK-LABEL: rapid_isa.program arch = "rapid-core"
// CHECK: rapid_isa.region @constants : ext [0, [[CEND:[0-9]+]]] live [0, 6]
// CHECK: rapid_isa.region @image : ext [{{[0-9]+}}, 384] live [0, 0]
// CHECK: rapid_isa.region @image.padded : ext [[[PAD:[0-9]+]], 600] live [0, 0]
// CHECK: rapid_isa.region @conv : ext [{{[0-9]+}}, 512] live [0, 1]
// CHECK: rapid_isa.region @pool : ext [[[PAD]], 128] live [1, 2]
// CHECK: rapid_isa.region @residual : ext [{{[0-9]+}}, 128] live [2, 3]
// CHECK: rapid_isa.region @relu : ext [[[PAD]], 128] live [3, 4]
// CHECK: rapid_isa.region @gap : ext [{{[0-9]+}}, 8] live [4, 5]
// CHECK: rapid_isa.region @fc : ext [{{[0-9]+}}, 8] live [5, 6]
// CHECK: rapid_isa.region @conv.lx.inp : lx
// The SFU layers' Lx buffers, each live for its step.
// CHECK: rapid_isa.region @pool.lx.sfu : lx [0, {{[0-9]+}}] live [1, 1]
// CHECK: rapid_isa.region @gap.lx.sfu : lx [0, {{[0-9]+}}] live [4, 4]
// CHECK: rapid_isa.region @fc.l0.acc : l0 [{{[0-9]+}}, {{[0-9]+}}] live [5, 5]
// CHECK: rapid_isa.tensor input "image" : fp16 [1, 3, 8, 8]
// CHECK: rapid_isa.tensor output "logits" : fp16 [1, 4]
// The conv: mac, the bias in one grouped broadcast (element c for the 64
// pixels of channel c), relu, conversion.
// CHECK: rapid_isa.mac
// CHECK: rapid_isa.sfu op=add, in_prec=fp32, out_prec=fp32, b_mode=broadcast, count=256, {{.*}}, group=64
// CHECK: rapid_isa.sfu op=max, in_prec=fp32, out_prec=fp32, b_mode=scalar, count=256
// CHECK: rapid_isa.sfu op=mov, in_prec=fp32, out_prec=fp16, b_mode=vector, count=256
// The 2x2 max pool: four stride-2 gathers (the first straight into the
// accumulator), three maxima.
// CHECK-COUNT-2: rapid_isa.dma path=lx_to_lx
// CHECK: rapid_isa.sfu op=max, in_prec=fp16, out_prec=fp16, b_mode=vector, count=64
// CHECK: rapid_isa.dma path=lx_to_lx
// CHECK: rapid_isa.sfu op=max, in_prec=fp16, out_prec=fp16, b_mode=vector, count=64
// CHECK: rapid_isa.dma path=lx_to_lx
// CHECK: rapid_isa.sfu op=max, in_prec=fp16, out_prec=fp16, b_mode=vector, count=64
// The residual add and the relu.
// CHECK: rapid_isa.sfu op=add, in_prec=fp16, out_prec=fp16, b_mode=vector, count=64
// CHECK: rapid_isa.sfu op=max, in_prec=fp16, out_prec=fp16, b_mode=scalar, count=64
// Global average pooling: a sum per channel, times 1/16.
// CHECK: rapid_isa.setf f=f3, bits=1031798784
// CHECK: rapid_isa.loop count = 4 {
// CHECK-NEXT: rapid_isa.sfu op=reduce_sum, in_prec=fp16, out_prec=fp32, b_mode=vector, count=16
// CHECK: rapid_isa.sfu op=mul, in_prec=fp32, out_prec=fp32, b_mode=scalar, count=4
// The fc reads the flattened gap output in place.
// CHECK: rapid_isa.mac
// CHECK: rapid_isa.halt
// ASM: .model arch="rapid-core" fingerprint=0x{{[0-9a-f]+}} chips=1x1 cores=1
// ASM: .region name="pool" space=ext
// ASM-SAME: live=1-2
// ASM: .core 0
// ASM: halt
func.func @net(%x: tensor<1x3x8x8xf32> {rapid.name = "image"}) -> (tensor<1x4xf32> {rapid.name = "logits"}) {
  %w = rapid.constant dense<0.25> : tensor<4x3x3x3xf32>
  %b = rapid.constant dense<0.5> : tensor<4xf32>
  %c = rapid.conv2d %x, %w, %b pads [1, 1, 1, 1] act relu : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32> loc("conv")
  %p = rapid.maxpool %c kernel [2, 2] strides [2, 2] : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32> loc("pool")
  %s = rapid.add %p, %p : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("residual")
  %r = rapid.relu %s : tensor<1x4x4x4xf32> loc("relu")
  %g = rapid.global_avgpool %r : (tensor<1x4x4x4xf32>) -> tensor<1x4x1x1xf32> loc("gap")
  %f = rapid.flatten %g axis 1 : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32> loc("flatten")
  %w2 = rapid.constant dense<0.125> : tensor<4x4xf32>
  %y = rapid.gemm %f, %w2 transpose_b : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32> loc("fc")
  return %y : tensor<1x4xf32>
}
