#!/usr/bin/env python3
"""The whole-sweep peer: a plain PyTorch loop over the same 9 configs as bench/sweep.toml.

The reference CNN (bench/reference.toml) with dropout x dense units on a 3x3 grid, 3 epochs each on the
full Fashion-MNIST training set, test accuracy after every epoch (as native-sweep validates
every epoch), CPU, `torch.set_num_threads(2)`; the configs run one after another, which is
how the course's scripts run a grid.

usage: pytorch_sweep.py DATA_DIR [EPOCHS]
Prints one JSON line: wall seconds and each config's last test accuracy.
"""
import itertools, json, sys, time

import torch
from torch import nn

from pytorch_reference import load, model, test_accuracy, train_epoch

DROPOUT = [0.0, 0.25, 0.5]
UNITS = [32, 64, 128]


def main():
    torch.set_num_threads(2)
    d = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/fashion-mnist"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    t0 = time.perf_counter()
    x, y = load(d, "train")
    tx, ty = load(d, "t10k")
    mean, std = x.mean(), x.std()
    x, tx = (x - mean) / std, (tx - mean) / std
    results = []
    for seed, (dropout, units) in enumerate(itertools.product(DROPOUT, UNITS)):
        torch.manual_seed(seed)
        net = model(dropout, units)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        for _ in range(epochs):
            train_epoch(net, opt, loss_fn, x, y)
            acc = test_accuracy(net, tx, ty)
        results.append({"dropout": dropout, "units": units, "test_accuracy": acc})
    print(json.dumps({"impl": "pytorch-loop", "seconds": time.perf_counter() - t0,
                      "epochs": epochs, "configs": results}))


if __name__ == "__main__":
    main()
