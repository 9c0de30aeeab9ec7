#!/usr/bin/python3
# gradcam-torch-model.py — Grad-CAM of a torchvision model in PyTorch for test-explain-gradcam
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: gradcam-torch-model.py ARCH MODEL.safetensors INPUT.f32 SIZE CLASS OUT_LOGIT.f32 OUT_P.f32
# Loads the weights into torchvision's ARCH (2 classes), runs the preprocessed 3 x SIZE x SIZE
# input in eval mode, and writes the Grad-CAM maps (output of model.features, gradient of the
# class logit, or of its softmax probability; ReLU; bilinear upsampling to SIZE x SIZE,
# align_corners=False) as little-endian float32. Exit 77 without torch or torchvision.
import json
import struct
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    import torchvision
except ImportError:
    sys.exit(77)


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: expected F32")
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype="<f4").reshape(info["shape"])
        tensors[name] = torch.tensor(array.copy())
    return tensors


def main():
    arch, model_path, input_path, size, klass, out_logit, out_p = sys.argv[1:8]
    size, klass = int(size), int(klass)
    torch.set_num_threads(1)
    model = getattr(torchvision.models, arch)(num_classes=2)
    missing, unexpected = model.load_state_dict(load_safetensors(model_path), strict=False)
    if unexpected or any(not k.endswith("num_batches_tracked") for k in missing):
        raise ValueError(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")
    model.eval()
    x = torch.tensor(np.fromfile(input_path, dtype="<f4").reshape(1, 3, size, size))
    for kind, out in (("logit", out_logit), ("p", out_p)):
        saved = {}

        def hook(module, inputs, output):
            output.retain_grad()
            saved["features"] = output

        handle = model.features.register_forward_hook(hook)
        logits = model(x)
        handle.remove()
        score = logits[0, klass] if kind == "logit" else F.softmax(logits, dim=1)[0, klass]
        score.backward()
        a = saved["features"]
        weights = a.grad.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((weights * a.detach()).sum(dim=1, keepdim=True))
        up = F.interpolate(cam, size=(size, size), mode="bilinear", align_corners=False)
        up[0, 0].detach().numpy().astype("<f4").tofile(out)


if __name__ == "__main__":
    main()
