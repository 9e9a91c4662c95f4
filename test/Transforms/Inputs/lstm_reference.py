"""The ONNX LSTM of lower-to-isa-lstm.mlir, evaluated with NumPy (gate order
i, o, f, c; sigmoid gates, tanh cell and hidden): writes its input x.npy
and the expected outputs y.npy, y_h.npy, y_c.npy into a directory.
The constants follow value(k) = 0.5 sin(0.7 k + offset), as in the test."""
import sys

import numpy as np

S, B, I, H, D = 3, 2, 3, 2, 2


def values(n, offset):
    return (0.5 * np.sin(0.7 * np.arange(n) + offset)).astype(np.float32)


W = values(D * 4 * H * I, 0.0).reshape(D, 4 * H, I)
R = values(D * 4 * H * H, 1.0).reshape(D, 4 * H, H)
Bias = values(D * 8 * H, 2.0).reshape(D, 8 * H)
H0 = values(D * B * H, 3.0).reshape(D, B, H)
C0 = values(D * B * H, 4.0).reshape(D, B, H)
X = values(S * B * I, 5.0).reshape(S, B, I) * 2


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def main(out):
    x = X.astype(np.float16).astype(np.float64)
    y = np.zeros((S, D, B, H))
    yh = np.zeros((D, B, H))
    yc = np.zeros((D, B, H))
    for d in range(D):
        h = H0[d].astype(np.float16).astype(np.float64)
        c = C0[d].astype(np.float64)
        order = range(S) if d == 0 else range(S - 1, -1, -1)
        w = W[d].astype(np.float16).astype(np.float64)
        r = R[d].astype(np.float16).astype(np.float64)
        b = Bias[d, :4 * H] + Bias[d, 4 * H:]
        for t in order:
            g = x[t] @ w.T + h @ r.T + b
            i, o, f, cc = (g[:, k * H:(k + 1) * H] for k in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
            h = (sigmoid(o) * np.tanh(c)).astype(np.float16).astype(np.float64)
            y[t, d] = h
        yh[d], yc[d] = h, c
    np.save(f"{out}/x.npy", X)
    np.save(f"{out}/y.npy", y.astype(np.float32))
    np.save(f"{out}/y_h.npy", yh.astype(np.float32))
    np.save(f"{out}/y_c.npy", yc.astype(np.float32))


if __name__ == "__main__":
    main(sys.argv[1])
