#!/usr/bin/env python3
"""Writes an IDX folder holding only some classes of an IDX data set, relabelled 0..K-1 in order.

    python3 bench/make_class_split.py SRC OUT 0,1,2,3,4

SRC is a folder of the four (gzipped or raw) MNIST-layout IDX files, e.g. Debian's
/usr/share/datasets/fashion-mnist. Used by the fine-tuning example (docs/results/fine-tune.md):
train on classes 0-4, fine-tune on 5-9 with a new classifier.
"""
import gzip
import os
import struct
import sys


def read(path):
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            opener = gzip.open if p.endswith(".gz") else open
            with opener(p, "rb") as f:
                return f.read()
    sys.exit(f"make_class_split: {path}[.gz]: not found")


def split(src, out, keep):
    os.makedirs(out, exist_ok=True)
    relabel = {c: i for i, c in enumerate(keep)}
    for prefix in ("train", "t10k"):
        images = read(os.path.join(src, f"{prefix}-images-idx3-ubyte"))
        labels = read(os.path.join(src, f"{prefix}-labels-idx1-ubyte"))
        _, n, rows, cols = struct.unpack(">IIII", images[:16])
        size = rows * cols
        picked = [i for i in range(n) if labels[8 + i] in relabel]
        with open(os.path.join(out, f"{prefix}-images-idx3-ubyte"), "wb") as f:
            f.write(struct.pack(">IIII", 2051, len(picked), rows, cols))
            for i in picked:
                f.write(images[16 + i * size:16 + (i + 1) * size])
        with open(os.path.join(out, f"{prefix}-labels-idx1-ubyte"), "wb") as f:
            f.write(struct.pack(">II", 2049, len(picked)))
            f.write(bytes(relabel[labels[8 + i]] for i in picked))
        print(f"{out}: {prefix} {len(picked)} images of classes {keep}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    split(sys.argv[1], sys.argv[2], [int(c) for c in sys.argv[3].split(",")])
