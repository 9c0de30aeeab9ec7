#!/usr/bin/python3
# torch-train-step.py — one PyTorch training step of each architecture, and optimiser runs
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: torch-train-step.py OUTDIR
#
# For each architecture: torchvision's model with num_classes=2, seeded random weights (biases
# and batch-norm affine parameters too), dropout and stochastic depth off, batch norm in training
# mode; a batch of 2 images at 224 with labels [1, 0]; CrossEntropyLoss with class weights
# [1.0, 1.5]; backward; one SGD step (lr 0.05, momentum 0.9, weight decay 1e-4). Writes
#   OUTDIR/ARCH-step.safetensors: the state_dict before the step under its own names, "input",
#   "labels", "loss", "grad.NAME" for every parameter and "after.NAME" for every state_dict
#   entry after the step (running statistics included).
# And OUTDIR/optim.safetensors: torch.optim SGD(momentum) and Adam, both with weight decay, run
# for 20 steps on f(p) = 0.5 sum a (p - c)^2 from p0, "sgdm.K" and "adam.K" being p after step K.
import json
import os
import struct
import sys

import torch
import torchvision

ARCHS = ["squeezenet1_1", "mobilenet_v2", "efficientnet_b0"]


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.int64:
            t = t.float()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def make_model(arch, dtype):
    torch.manual_seed(11)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=2)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) and m.bias is not None:
                m.bias.uniform_(-0.1, 0.1)
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        if arch == "squeezenet1_1":
            # Keep the final ReLU open for both classes so every layer gets a gradient.
            model.classifier[1].bias.fill_(0.5)
        for m in model.modules():
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.0
            if type(m).__name__ == "StochasticDepth":
                m.p = 0.0
    model = model.to(dtype)
    model.train()
    return model


def run_step(model, x, dtype):
    labels = torch.tensor([1, 0])
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    weight = torch.tensor([1.0, 1.5], dtype=dtype)
    loss = torch.nn.CrossEntropyLoss(weight=weight)(model(x.to(dtype)), labels)
    opt.zero_grad()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    opt.step()
    return loss.detach(), grads, {k: v.clone() for k, v in model.state_dict().items()}


def step(arch, outdir):
    # The reference is the step in float64; the float32 step's distance from it measures how far
    # float32 arithmetic alone moves each gradient (batch norm's backward cancels a lot).
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(5))
    m32 = make_model(arch, torch.float32)
    before = {k: v.clone() for k, v in m32.state_dict().items()}
    _, g32, _ = run_step(m32, x, torch.float32)
    loss, g64, after = run_step(make_model(arch, torch.float64), x, torch.float64)
    tensors = dict(before)
    tensors["input"] = x
    tensors["labels"] = torch.tensor([1.0, 0.0])
    tensors["loss"] = loss.float().reshape(1)
    for n, g in g64.items():
        tensors["grad." + n] = g.float()
        tensors["gerr." + n] = (g32[n].double() - g).norm().float().reshape(1)
    for k, v in after.items():
        tensors["after." + k] = v.float() if v.is_floating_point() else v
    write_safetensors(os.path.join(outdir, arch + "-step.safetensors"), tensors)


def optim(outdir):
    g = torch.Generator().manual_seed(3)
    a = torch.rand(16, generator=g) * 2 + 0.1
    c = torch.randn(16, generator=g)
    p0 = torch.randn(16, generator=g)
    tensors = {"a": a, "c": c, "p0": p0}
    for name, make in (("sgdm", lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9,
                                                          weight_decay=0.01)),
                       ("adam", lambda p: torch.optim.Adam([p], lr=0.05, betas=(0.9, 0.999),
                                                           eps=1e-8, weight_decay=0.01))):
        p = p0.clone().requires_grad_(True)
        opt = make(p)
        for k in range(1, 21):
            opt.zero_grad()
            (0.5 * (a * (p - c) ** 2).sum()).backward()
            opt.step()
            tensors["%s.%d" % (name, k)] = p.detach().clone()
    write_safetensors(os.path.join(outdir, "optim.safetensors"), tensors)


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(2)
    optim(outdir)
    for arch in ARCHS:
        step(arch, outdir)


if __name__ == "__main__":
    main()
