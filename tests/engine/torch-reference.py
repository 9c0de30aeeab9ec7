#!/usr/bin/python3
# torch-reference.py — random-init torchvision models and their logits, for the engine's tests
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: torch-reference.py OUTDIR
#
# For each architecture, builds torchvision's model with num_classes=2, gives it seeded random
# biases and batch-norm affine parameters, calibrates the batch-norm running statistics on a
# forward pass (so that folding is exercised and logits are far from zero), and writes:
#   OUTDIR/ARCH.safetensors        the state_dict (num_batches_tracked included, as PyTorch saves it)
#   OUTDIR/ARCH-cases.safetensors  "input" [N,3,224,224], "logits" [N,2], "png_logits" [1,2]
#   OUTDIR/gray.png                a 224 x 224 gray PNG; png_logits is torch on it with the
#                                  DESIGN.md preprocessing (x/255, 3 channels, ImageNet mean/std)
# The safetensors writer is written here (the format is an 8-byte little-endian header length,
# a JSON header, then the raw tensor bytes), since the safetensors package is not installed.
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision
from PIL import Image

VERSION = "3"
ARCHS = ["squeezenet1_1", "mobilenet_v2", "efficientnet_b0"]
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def write_safetensors(path, tensors, metadata=None):
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def gray_image():
    """A smooth 224 x 224 pattern with speckle, deterministic."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:224, 0:224].astype(np.float64)
    img = 128 + 60 * np.sin(x / 17.0) * np.cos(y / 23.0) + 30 * rng.standard_normal((224, 224))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def preprocess(gray):
    t = torch.from_numpy(gray).float() / 255.0
    t = t.unsqueeze(0).repeat(3, 1, 1)
    mean = torch.tensor(MEAN).view(3, 1, 1)
    std = torch.tensor(STD).view(3, 1, 1)
    return ((t - mean) / std).unsqueeze(0)


def make_model(arch, seed):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=2)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                if m.bias is not None:
                    m.bias.normal_(0.0, 0.1)
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
                m.momentum = None  # a cumulative average over the calibration pass
        if arch == "squeezenet1_1":
            model.classifier[1].weight.normal_(0.0, 0.05)
        # Calibrate the running statistics on realistic inputs, then evaluate.
        model.train()
        calib = torch.cat([preprocess(gray_image()), torch.randn(5, 3, 224, 224)])
        model(calib)
        model.eval()
    return model


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    stamp = os.path.join(out, "stamp")
    if os.path.exists(stamp) and open(stamp).read() == VERSION:
        return 0
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    gray = gray_image()
    Image.fromarray(gray, mode="L").save(os.path.join(out, "gray.png"))
    torch.manual_seed(1234)
    inputs = torch.cat([
        torch.randn(2, 3, 224, 224),           # different channels: checks channel order
        preprocess(gray),
        preprocess(np.flipud(gray).copy()),
    ])
    for i, arch in enumerate(ARCHS):
        model = make_model(arch, 100 + i)
        with torch.no_grad():
            logits = model(inputs)
            png_logits = model(preprocess(gray))
        metadata = {
            "arch": arch,
            "classes": json.dumps(["control", "cts"]),
            "input_size": "224",
            "mean": json.dumps(MEAN),
            "std": json.dumps(STD),
            "trained_on": "nothing: random initialisation for tests",
            "provenance": "tests/engine/torch-reference.py, torch %s, torchvision %s" %
                          (torch.__version__, torchvision.__version__),
        }
        write_safetensors(os.path.join(out, arch + ".safetensors"), model.state_dict(), metadata)
        write_safetensors(os.path.join(out, arch + "-cases.safetensors"),
                          {"input": inputs, "logits": logits, "png_logits": png_logits})
    with open(stamp, "w") as f:
        f.write(VERSION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
