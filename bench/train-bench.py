#!/usr/bin/python3
# train-bench.py — PyTorch's training throughput on the same terms as bench/train-bench.c
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: train-bench.py [--threads N] [--batch N] [--steps N] [ARCH...]
#
# For each architecture: torchvision's model from scratch (num_classes=2), train mode, SGD with
# momentum; one warm-up step, then the median of N timed steps (forward, cross-entropy,
# backward, optimiser step) on one random batch at 224 x 224. Prints "ARCH images_per_s
# median_step_s", as train-bench.c does.
import argparse
import statistics
import time

import torch
import torchvision


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("archs", nargs="*",
                    default=["squeezenet1_1", "mobilenet_v2", "efficientnet_b0"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for arch in args.archs:
        model = getattr(torchvision.models, arch)(weights=None, num_classes=2)
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
        x = torch.rand(args.batch, 3, 224, 224) * 4 - 2
        y = torch.arange(args.batch) % 2
        loss_fn = torch.nn.CrossEntropyLoss()
        times = []
        for k in range(-1, args.steps):
            t0 = time.perf_counter()
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
            if k >= 0:
                times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        print("%s %.2f %.4f" % (arch, args.batch / med, med), flush=True)


if __name__ == "__main__":
    main()
