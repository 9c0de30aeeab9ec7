#!/usr/bin/python3
# gradcam-torch.py — Grad-CAM's combination and upsampling in PyTorch for test-explain-gradcam
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: gradcam-torch.py C H W OUT_SIZE ACTIVATIONS.f32 GRADIENTS.f32 OUT.f32
# Reads C x H x W little-endian float32 arrays and writes the OUT_SIZE x OUT_SIZE map. The
# gradients go through autograd: they are those of S = sum(G * A), whose gradient w.r.t. A is G,
# so the weights are computed exactly as a Grad-CAM hook would see them. Exit 77 without torch.
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit(77)


def main():
    c, h, w, size = (int(v) for v in sys.argv[1:5])
    a = np.fromfile(sys.argv[5], dtype="<f4").reshape(c, h, w)
    g = np.fromfile(sys.argv[6], dtype="<f4").reshape(c, h, w)
    activations = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    score = (torch.tensor(g, dtype=torch.float64) * activations).sum()
    score.backward()
    weights = activations.grad.mean(dim=(1, 2))
    cam = F.relu((weights[:, None, None] * activations.detach()).sum(dim=0))
    up = F.interpolate(cam[None, None], size=(size, size), mode="bilinear", align_corners=False)
    up[0, 0].numpy().astype("<f4").tofile(sys.argv[7])


if __name__ == "__main__":
    main()
