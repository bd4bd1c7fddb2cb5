#!/usr/bin/env python3
"""Builds the Fashion-MNIST subset embedded in sweeplab-core (core/data/).

Takes the first PER_CLASS_TRAIN training and PER_CLASS_TEST test images of every
class, in file order, from the standard gzip'd IDX files, and writes them as
gzip'd IDX files again. Fashion-MNIST is MIT-licensed (Zalando Research).

usage: scripts/make_embedded_subset.py [SRC_DIR] [OUT_DIR]
"""
import gzip, struct, sys, os

PER_CLASS_TRAIN, PER_CLASS_TEST = 600, 100
src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/fashion-mnist"
out = sys.argv[2] if len(sys.argv) > 2 else "core/data"


def read(path):
    data = gzip.open(path).read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def subset(split, per_class, prefix):
    (n, h, w), images = read(f"{src}/{split}-images-idx3-ubyte.gz")
    (_,), labels = read(f"{src}/{split}-labels-idx1-ubyte.gz")
    taken, keep = [0] * 10, []
    for i, label in enumerate(labels):
        if taken[label] < per_class:
            taken[label] += 1
            keep.append(i)
    size = h * w
    img = b"".join(images[i * size:(i + 1) * size] for i in keep)
    lab = bytes(labels[i] for i in keep)
    with gzip.GzipFile(f"{out}/{prefix}-images-idx3-ubyte.gz", "wb", mtime=0, compresslevel=9) as f:
        f.write(struct.pack(">BBBBIII", 0, 0, 8, 3, len(keep), h, w) + img)
    with gzip.GzipFile(f"{out}/{prefix}-labels-idx1-ubyte.gz", "wb", mtime=0, compresslevel=9) as f:
        f.write(struct.pack(">BBBBI", 0, 0, 8, 1, len(keep)) + lab)


os.makedirs(out, exist_ok=True)
subset("train", PER_CLASS_TRAIN, "train")
subset("t10k", PER_CLASS_TEST, "t10k")
