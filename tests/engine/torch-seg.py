#!/usr/bin/python3
# torch-seg.py — PyTorch's answers for the segmentation U-Net and its operators
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: torch-seg.py OUTDIR
#
# Writes, all computed in float64 (and, for the training step, how far float32 lands from it):
#   OUTDIR/seg-ops.safetensors: bilinear x2 upsampling ("up.x", "up.y", and the input gradient
#     "up.dx" of sum(up.w * y)); the loss on logits [3, 1, 9, 11] against 0/1 masks (the third
#     empty) with dice weight 0.7: "loss.logits", "loss.target", "loss.value", "loss.bce",
#     "loss.dice", "loss.grad".
#   OUTDIR/seg-net.safetensors: a U-Net of base 4 and depth 2 at 32 x 48 with seeded random
#     weights, norm parameters and running statistics, as a weight file the engine loads
#     (state_dict names, num_batches_tracked included, metadata giving the shape).
#   OUTDIR/seg-step.safetensors: "input" [2, 1, 32, 48], "masks", "prob" (eval mode), then one
#     training step (norms in training mode, loss with dice weight 0.5): "loss", "logits",
#     "grad.NAME" and "gerr.NAME" (the float32 gradient's distance from float64) per parameter,
#     and "after.NAME" for every state_dict entry after SGD (lr 0.1, momentum 0.9, weight decay
#     1e-3 on the convolution weights only).
#   OUTDIR/seg.stamp last.
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F


def write_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.int64:
            data = t.numpy().astype("<i8").tobytes()
            dtype = "I64"
        else:
            data = t.numpy().astype("<f4").tobytes()
            dtype = "F32"
        header[name] = {"dtype": dtype, "shape": list(t.shape),
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


class DoubleConv(torch.nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(c_out)
        self.conv2 = torch.nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(x)))


class UNet(torch.nn.Module):
    """The engine's csnn_unet (src/engine/csnn-seg.h)."""

    def __init__(self, base, depth):
        super().__init__()
        self.depth = depth
        self.enc = torch.nn.ModuleList(
            [DoubleConv(1 if l == 0 else base << (l - 1), base << l) for l in range(depth + 1)])
        self.dec = torch.nn.ModuleList(
            [DoubleConv(3 * (base << l), base << l) for l in range(depth)])
        self.head = torch.nn.Conv2d(base, 1, 1)

    def forward(self, x):
        skips = []
        for l in range(self.depth + 1):
            if l > 0:
                x = F.max_pool2d(x, 2)
            x = self.enc[l](x)
            skips.append(x)
        for l in range(self.depth - 1, -1, -1):
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = self.dec[l](torch.cat([x, skips[l]], 1))
        return self.head(x)


def seg_loss(logits, target, dice_weight):
    n = logits.shape[0]
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits).reshape(n, -1)
    t = target.reshape(n, -1)
    dice = 1 - ((2 * (p * t).sum(1) + 1) / (p.sum(1) + t.sum(1) + 1)).mean()
    return bce + dice_weight * dice, bce, dice


def ops(outdir):
    g = torch.Generator().manual_seed(7)
    x = torch.randn(2, 3, 5, 7, generator=g, dtype=torch.float64).requires_grad_(True)
    w = torch.randn(2, 3, 10, 14, generator=g, dtype=torch.float64)
    y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    (w * y).sum().backward()
    logits = (torch.randn(3, 1, 9, 11, generator=g, dtype=torch.float64) * 3).requires_grad_(True)
    target = (torch.rand(3, 1, 9, 11, generator=g, dtype=torch.float64) < 0.3).double()
    target[2].zero_()
    loss, bce, dice = seg_loss(logits, target, 0.7)
    loss.backward()
    write_safetensors(os.path.join(outdir, "seg-ops.safetensors"), {
        "up.x": x, "up.w": w, "up.y": y, "up.dx": x.grad,
        "loss.logits": logits, "loss.target": target, "loss.value": loss.reshape(1),
        "loss.bce": bce.reshape(1), "loss.dice": dice.reshape(1), "loss.grad": logits.grad})


def make_net(dtype):
    torch.manual_seed(13)
    net = UNet(4, 2)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        net.head.weight.uniform_(-1.5, 1.5)
        net.head.bias.fill_(-0.3)
    return net.to(dtype)


def train_step(net, x, masks):
    net.train()
    decay = [p for n, p in net.named_parameters() if p.dim() == 4]
    other = [p for n, p in net.named_parameters() if p.dim() != 4]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 1e-3},
                           {"params": other, "weight_decay": 0.0}], lr=0.1, momentum=0.9)
    logits = net(x)
    loss, _, _ = seg_loss(logits, masks, 0.5)
    opt.zero_grad()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in net.named_parameters()}
    opt.step()
    return loss.detach(), logits.detach(), grads


def net_and_step(outdir):
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 1, 32, 48, generator=g)
    yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(48.0), indexing="ij")
    masks = torch.stack([((yy - 14) ** 2 / 36 + (xx - 20) ** 2 / 100 < 1).float(),
                         ((yy - 20) ** 2 / 16 + (xx - 30) ** 2 / 64 < 1).float()]).unsqueeze(1)
    net = make_net(torch.float32)
    meta = {"arch": "csnn_unet", "input_height": "32", "input_width": "48",
            "base_channels": "4", "depth": "2", "mean": "0.5", "std": "0.25",
            "trained_on": "nothing: seeded random weights"}
    write_safetensors(os.path.join(outdir, "seg-net.safetensors"), net.state_dict(), meta)
    n64 = make_net(torch.float64)
    n64.eval()
    with torch.no_grad():
        prob = torch.sigmoid(n64(x.double()))
    _, _, g32 = train_step(make_net(torch.float32), x, masks)
    loss, logits, g64 = train_step(n64, x.double(), masks.double())
    tensors = {"input": x, "masks": masks, "prob": prob, "loss": loss.reshape(1),
               "logits": logits}
    for n, gr in g64.items():
        tensors["grad." + n] = gr
        tensors["gerr." + n] = (g32[n].double() - gr).norm().reshape(1)
    for k, v in n64.state_dict().items():
        if v.is_floating_point():
            tensors["after." + k] = v
    write_safetensors(os.path.join(outdir, "seg-step.safetensors"),
                      {k: v.float() for k, v in tensors.items()})


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(2)
    ops(outdir)
    net_and_step(outdir)
    with open(os.path.join(outdir, "seg.stamp"), "w") as f:
        f.write("done\n")


if __name__ == "__main__":
    main()
