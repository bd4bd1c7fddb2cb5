#!/usr/bin/env python3
"""The reference CNN (bench/reference.toml) in PyTorch, CPU, 2 threads: the peer of bench-cpu.

usage: pytorch_reference.py DATA_DIR speed [WARMUP TIMED] | accuracy EPOCHS
Prints one JSON line, like bench-cpu. Env TORCH_DEVICE=cuda trains on the GPU (bench/gpu.sh).
"""
import gzip, json, os, struct, sys, time

import numpy as np
import torch
from torch import nn

torch.set_num_threads(2)
torch.manual_seed(1)


def idx(path):
    data = gzip.open(path).read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(d, split):
    x = idx(f"{d}/{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = idx(f"{d}/{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


def model(dropout=0.25, units=64):
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, units), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(units, 10))


def train_epoch(net, opt, loss_fn, x, y, batch=64):
    """One shuffled pass over (x, y), reading the loss every step."""
    net.train()
    perm = torch.randperm(len(x), device=x.device)
    for i in range(0, len(x), batch):
        idx = perm[i:i + batch]
        opt.zero_grad()
        loss = loss_fn(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
        loss.item()


def test_accuracy(net, tx, ty):
    """Accuracy on (tx, ty) in evaluation mode, 1,000 images at a time."""
    net.eval()
    with torch.no_grad():
        right = sum((net(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item()
                    for i in range(0, len(tx), 1000))
    return right / len(tx)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/fashion-mnist"
    mode = sys.argv[2] if len(sys.argv) > 2 else "speed"
    dev = torch.device(os.environ.get("TORCH_DEVICE", "cpu"))
    x, y = load(d, "train")
    mean, std = x.mean(), x.std()
    x, y = ((x - mean) / std).to(dev), y.to(dev)
    net = model().to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    if mode == "speed":
        warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 5
        timed = int(sys.argv[4]) if len(sys.argv) > 4 else 60
        perm = torch.randperm(len(x), device=dev)
        net.train()
        for i in range(warmup + timed):
            if i == warmup:
                t0 = time.perf_counter()
            idx_ = perm[i * 64:(i + 1) * 64]
            opt.zero_grad()
            loss = loss_fn(net(x[idx_]), y[idx_])
            loss.backward()
            opt.step()
            loss.item()
        secs = time.perf_counter() - t0
        print(json.dumps({"impl": f"pytorch-{dev.type}", "images_per_s": timed * 64 / secs}))
    else:
        epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
        tx, ty = load(d, "t10k")
        tx, ty = ((tx - mean) / std).to(dev), ty.to(dev)
        t0 = time.perf_counter()
        for _ in range(epochs):
            train_epoch(net, opt, loss_fn, x, y)
        acc = test_accuracy(net, tx, ty)
        print(json.dumps({"impl": "pytorch", "epochs": epochs, "test_accuracy": acc,
                          "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
