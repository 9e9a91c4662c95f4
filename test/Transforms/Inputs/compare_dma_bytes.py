"""Reads the `dma_bytes N` lines of two `rapid-sim --stats` outputs (a model
with compressed weights, then the same with dense ones) and says whether
the compressed one's DMAs moved fewer bytes."""
import re
import sys


def dma_bytes(path):
    with open(path) as f:
        return int(re.search(r"^dma_bytes (\d+)$", f.read(), re.M).group(1))


compressed, dense = dma_bytes(sys.argv[1]), dma_bytes(sys.argv[2])
print(f"dma_bytes: compressed {compressed}, dense {dense}")
print(f"compressed reads fewer bytes: {compressed < dense}")
