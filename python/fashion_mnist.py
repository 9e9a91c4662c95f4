#!/usr/bin/env python3
"""Loads Fashion-MNIST from the Debian package `dataset-fashion-mnist`.

The package ships the original IDX files, gzip-compressed, in
/usr/share/datasets/fashion-mnist (override with $RAPID_FASHION_MNIST_DIR).
They are parsed here with gzip + numpy only; nothing is downloaded.

    import fashion_mnist
    x, y = fashion_mnist.load("test")   # x: (10000, 1, 28, 28) float32, y: (10000,) int64
    x, y = fashion_mnist.load("train", limit=1000)

Images are normalized exactly as python/train_lenet5.py trained on:
x = (pixel / 255 - MEAN) / STD with the constants below (the train set's
pixel mean and standard deviation, rounded to 4 digits).

Run as a script to print a summary of both splits.
"""

import gzip
import os
import struct

import numpy as np

PACKAGE = "dataset-fashion-mnist"
DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
MEAN = 0.2860
STD = 0.3530
CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# IDX element type codes (only unsigned bytes are used by Fashion-MNIST).
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DatasetError(RuntimeError):
    """The data set package or one of its files is missing or malformed."""


def data_dir():
    return os.environ.get("RAPID_FASHION_MNIST_DIR", DEFAULT_DIR)


def _path(name):
    path = os.path.join(data_dir(), name)
    if not os.path.isfile(path):
        raise DatasetError(
            f"Fashion-MNIST file {path} not found: install the Debian package "
            f"'{PACKAGE}' (apt-get install {PACKAGE}, or bash scripts/setup-models.sh) "
            f"or point $RAPID_FASHION_MNIST_DIR at a folder holding {name}")
    return path


def read_idx(path):
    """Reads one IDX file (optionally .gz) into a numpy array of its shape."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise DatasetError(f"{path}: cannot read: {e}") from e
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DatasetError(f"{path}: not an IDX file (bad magic)")
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise DatasetError(f"{path}: unknown IDX element type 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{path}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(_IDX_DTYPES[code])
    count = int(np.prod(shape)) if shape else 1
    if len(data) - header != count * dtype.itemsize:
        raise DatasetError(
            f"{path}: IDX header says shape {shape} ({count * dtype.itemsize} bytes) "
            f"but the file holds {len(data) - header} bytes of data")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)


def normalize(pixels):
    """uint8 pixels (any shape) -> float32 normalized as in training."""
    return ((pixels.astype(np.float32) / np.float32(255.0) - np.float32(MEAN))
            / np.float32(STD)).astype(np.float32)


def load(split="test", limit=None):
    """Returns (images, labels) of `split` ('train' or 'test').

    images: float32 (N, 1, 28, 28), normalized; labels: int64 (N,).
    `limit` keeps only the first N examples (the file order).
    """
    if split not in _FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    img_name, lbl_name = _FILES[split]
    img_path, lbl_path = _path(img_name), _path(lbl_name)
    images = read_idx(img_path)
    labels = read_idx(lbl_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DatasetError(f"{img_path}: expected N x 28 x 28 images, got shape {images.shape}")
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise DatasetError(
            f"{lbl_path}: {labels.shape} labels do not match {images.shape[0]} images in {img_path}")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = normalize(images).reshape(-1, 1, 28, 28)
    y = labels.astype(np.int64)
    return np.ascontiguousarray(x), y


def main():
    for split in ("train", "test"):
        x, y = load(split)
        print(f"{split}: images {x.shape} {x.dtype} mean {x.mean():.4f} std {x.std():.4f}, "
              f"labels {y.shape} {y.dtype} classes {np.bincount(y, minlength=10).tolist()}")


if __name__ == "__main__":
    try:
        main()
    except DatasetError as e:
        raise SystemExit(f"fashion_mnist: error: {e}")
