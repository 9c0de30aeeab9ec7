# carpalscope_torch — training Carpalscope's networks with PyTorch, on one machine or many
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trains SqueezeNet 1.1, MobileNetV2 or EfficientNet-B0 on the crops that
`carpalscope-cli export-crops` writes, with the paper's augmentation, under torch.distributed
(torchrun: NCCL on GPUs, gloo on CPUs), and writes a .safetensors model with torchvision's names
and the metadata Carpalscope reads, so that it appears in `carpalscope-cli models` and the
window's model list as it is. See tools/README.md."""

__version__ = "1.0"
