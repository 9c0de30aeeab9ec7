#!/usr/bin/python3
# torch-model.py — a model as tools/carpalscope_torch writes it, with random weights
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: torch-model.py ARCH SIZE OUT.safetensors
#
# Builds the trainer's torchvision model of ARCH (train.build_model) with seeded random weights,
# biases and batch-norm statistics calibrated on random inputs (so that a wrongly mapped tensor
# changes p(CTS)), and writes it with the trainer's safetensors writer and the metadata its
# training run would write (train.model_metadata) for crops of SIZE pixels. No training: the
# file is what the trainer's last step writes. Needs PYTHONPATH to hold tools/.
import sys
import types

import torch

from carpalscope_torch import safetensors, train


class Crops:
    """What model_metadata reads of the training set."""

    def __init__(self, size):
        self.info = {"trained_on": "random weights (tests/gui/torch-model.py)"}
        self.hands, self.size = 0, size

    def __len__(self):
        return 0


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: torch-model.py ARCH SIZE OUT.safetensors")
    arch, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    torch.manual_seed(21)
    model = train.build_model(arch)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith(".bias"):
                tensor.uniform_(-0.2, 0.2)
            elif name.endswith(".weight") and tensor.dim() == 1:
                tensor.uniform_(0.5, 1.5)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # The running statistics are the batch's own.
    model.train()
    with torch.no_grad():
        model(torch.randn(4, 3, size, size))
    model.eval()
    args = types.SimpleNamespace(crops=".", train_split=["train"], arch=arch, seed=21, epochs=0,
                                 lr=0.01, batch=16, weight_decay=1e-4, augment="none")
    run = types.SimpleNamespace(world=1, backend="gloo")
    safetensors.save(out, dict(model.state_dict()),
                     train.model_metadata(args, Crops(size), [], run, size))


if __name__ == "__main__":
    main()
