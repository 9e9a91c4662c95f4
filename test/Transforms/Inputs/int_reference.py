#!/usr/bin/env python3
"""The integer layers of lower-to-isa-int.mlir computed independently with
numpy, step by step as docs/precision.md defines them: the input stored in
fp16; quantize: x * fp32(1 / scale), plus the zero point (fp32), rounded
to nearest even and saturated; the convolution over the quantized input
padded with the zero point, the sums exact, times fp32(s_x s_w), plus the
bias less s_x s_w z sum(w) (fp32), relu, stored in fp16; the same for the
gemm (zero point 0).

    int_reference.py x.npy out.npy
"""
import sys

import numpy as np

f32, f16 = np.float32, np.float16
W1 = np.array([((i * 7 + 3) % 15) - 7 for i in range(2 * 3 * 3 * 3)],
              np.float64).reshape(2, 3, 3, 3)
W2 = np.array([((i * 37 + 11) % 255) - 127 for i in range(4 * 50)],
              np.float64).reshape(4, 50)
B1 = np.array([0.5, -0.25])


def quantize(x, scale, zp, lo, hi):
    v = (x.astype(f32) * f32(1.0 / scale)).astype(f32)
    if zp:
        v = (v + f32(zp)).astype(f32)
    return np.clip(np.rint(v), lo, hi)


def main():
    x = np.load(sys.argv[1]).astype(f16).astype(f32)
    q = quantize(x, 0.25, -8, -8, 7)                     # 1x3x5x5
    qp = np.pad(q, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-8)
    acc = np.zeros((1, 2, 5, 5))
    for o in range(2):
        for y in range(5):
            for xx in range(5):
                acc[0, o, y, xx] = (qp[0, :, y:y + 3, xx:xx + 3] * W1[o]).sum()
    s1 = f32(0.25 * 0.125)
    bias = (B1 - 0.25 * 0.125 * -8 * W1.reshape(2, -1).sum(1)).astype(f32)
    a = (acc.astype(f32) * s1).astype(f32) + bias.reshape(1, 2, 1, 1)
    h = np.maximum(a.astype(f32), 0).astype(f16).astype(f32).reshape(1, 50)
    q2 = quantize(h, 0.05, 0, -128, 127)
    acc2 = q2 @ W2.T
    y = (acc2.astype(f32) * f32(0.05 * 0.01)).astype(f32).astype(f16)
    np.save(sys.argv[2], y.astype(f32))


if __name__ == "__main__":
    main()
