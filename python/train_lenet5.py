#!/usr/bin/env python3
"""Trains LeNet-5 (with batch normalization) on Fashion-MNIST and exports it to
ONNX as rapid's trained reference model.

    /usr/bin/python3 python/train_lenet5.py [--epochs 2] [--out models/lenet5_fashion.onnx]

Data come from the Debian package dataset-fashion-mnist (python/fashion_mnist.py);
nothing is downloaded. Deterministic: torch.manual_seed(0), 2 threads, Adam
lr 1e-3, batch 64, a seeded shuffle. Writes the eval-mode model (the exporter
folds BatchNormalization into the convolutions) at opset 13 with input `image`
(1x1x28x28 float32, normalized as fashion_mnist.normalize does) and output
`logits` (1x10), plus a .json beside it with the measured fp32 test accuracy.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class LeNet5(nn.Module):
    """conv 6@5x5 pad 2, BN, ReLU, maxpool 2; conv 16@5x5, BN, ReLU, maxpool 2;
    FC 400-120-84-10 with ReLU. Input N x 1 x 28 x 28, output N x 10 logits."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(torch.from_numpy(x[i:i + batch]))
            correct += int((logits.argmax(1).numpy() == y[i:i + batch]).sum())
    return correct / len(x)


def export(model, path, opset=13):
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(model, dummy, path, opset_version=opset,
                      input_names=["image"], output_names=["logits"],
                      do_constant_folding=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "lenet5_fashion.onnx"),
                    help="ONNX output (a .json with the same stem is written beside it)")
    ap.add_argument("--save-state", metavar="PT",
                    help="also save the trained torch state_dict (BatchNorm unfolded) here, "
                         "for comparing torch against the ONNX model")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    try:
        x_train, y_train = fashion_mnist.load("train")
        x_test, y_test = fashion_mnist.load("test")
    except fashion_mnist.DatasetError as e:
        raise SystemExit(f"train_lenet5: error: {e}")
    print(f"[train_lenet5] torch {torch.__version__}, {args.threads} threads; "
          f"train {len(x_train)} / test {len(x_test)} images from {fashion_mnist.data_dir()}")

    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    gen = torch.Generator().manual_seed(args.seed)
    losses = []
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        te = time.time()
        perm = torch.randperm(len(xt), generator=gen)
        total, n = 0.0, 0
        for i in range(0, len(xt), args.batch):
            idx = perm[i:i + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            n += len(idx)
        losses.append(total / n)
        print(f"[train_lenet5] epoch {epoch + 1}/{args.epochs}: train loss {losses[-1]:.4f} "
              f"({time.time() - te:.1f} s)")
    train_s = time.time() - t0

    acc = evaluate(model, x_test, y_test)
    print(f"[train_lenet5] fp32 test accuracy {acc * 100:.2f}% on {len(x_test)} images "
          f"(training took {train_s:.1f} s)")

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    export(model, args.out)
    import onnx
    m = onnx.load(args.out)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})
    meta = {
        "model": "LeNet-5 with BatchNorm2d after each conv (folded into Conv by the exporter)",
        "dataset": "Fashion-MNIST (Debian package dataset-fashion-mnist)",
        "onnx": os.path.basename(args.out),
        "opset": 13,
        "input": {"name": "image", "shape": [1, 1, 28, 28], "dtype": "float32"},
        "output": {"name": "logits", "shape": [1, 10], "dtype": "float32"},
        "normalization": {"formula": "(pixel / 255 - mean) / std",
                          "mean": fashion_mnist.MEAN, "std": fashion_mnist.STD},
        "classes": list(fashion_mnist.CLASSES),
        "test_accuracy_fp32": round(acc, 4),
        "test_images": len(x_test),
        "epochs": args.epochs,
        "train_loss_per_epoch": [round(v, 4) for v in losses],
        "seed": args.seed,
        "threads": args.threads,
        "optimizer": f"Adam lr {args.lr}",
        "batch_size": args.batch,
        "train_seconds": round(train_s, 1),
        "torch_version": torch.__version__,
        "onnx_ops": ops,
    }
    if args.save_state:
        torch.save(model.state_dict(), args.save_state)
        print(f"[train_lenet5] saved the torch state_dict to {args.save_state}")
    json_path = os.path.splitext(args.out)[0] + ".json"
    with open(json_path, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"[train_lenet5] wrote {args.out} ({os.path.getsize(args.out)} bytes, ops {', '.join(ops)}) "
          f"and {json_path}")


if __name__ == "__main__":
    main()
