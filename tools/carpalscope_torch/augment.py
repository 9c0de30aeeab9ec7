# augment.py — the paper's augmentation and the engine's preprocessing, on a batch
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The same transform as the engine's trainer (src/analysis/cs-train.c, cs_train_augment_mode):
a random horizontal flip, rotation of +-10 degrees, scale 0.8-1.2, translation of +-10 % of the
side and shear of +-10 degrees about the crop's centre, sampled bilinearly with zeros outside and
rounded back to 8 bits; "light" keeps the draws but not the scale and shear. It runs on the
batch's device (the GPU under NCCL) with draws from a seeded generator, so a run is repeatable
and resumes exactly."""
import math

import torch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DESCRIPTION = {
    "paper": "flip, rotation +-10 deg, scale 0.8-1.2, translation +-10%, shear +-10 deg",
    "light": "light: flip, rotation +-10 deg, translation +-10%",
    "none": "none",
}


def augment(images, mode, generator):
    """Warps the uint8 batch @images [B, S, S] by draws from @generator; returns uint8."""
    if mode == "none":
        return images
    return warp(images, mode, torch.rand(images.shape[0], 6, generator=generator,
                                         dtype=torch.float64))


def warp(images, mode, u):
    """Warps the uint8 batch @images [B, S, S] by the uniforms @u [B, 6] in [0, 1), in the
    engine's order: flip, angle, scale, x and y translation, shear."""
    batch, size = images.shape[0], images.shape[-1]
    u = u.to(torch.float64)
    flip = torch.where(u[:, 0] < 0.5, -1.0, 1.0).double()
    angle = (-10 + 20 * u[:, 1]) * math.pi / 180
    scale = 0.8 + 0.4 * u[:, 2]
    tx, ty = (-0.1 + 0.2 * u[:, 3]) * size, (-0.1 + 0.2 * u[:, 4]) * size
    shear = (-10 + 20 * u[:, 5]) * math.pi / 180
    if mode == "light":
        scale, shear = torch.ones_like(scale), torch.zeros_like(shear)
    c, s, sh = torch.cos(angle), torch.sin(angle), torch.tan(shear)
    # Forward map about the centre: p' = T + R S H F p; sampled through its inverse.
    a, b = c * scale, (c * sh - s) * scale
    d, e = s * scale, (s * sh + c) * scale
    det = a * e - b * d
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    half = (size - 1) / 2.0
    grid = torch.arange(size, dtype=torch.float64)
    v, x = torch.meshgrid(grid - half, grid - half, indexing="ij")
    x = x[None] - tx[:, None, None]
    v = v[None] - ty[:, None, None]
    sx = (ia[:, None, None] * x + ib[:, None, None] * v) * flip[:, None, None]
    sy = id_[:, None, None] * x + ie[:, None, None] * v
    # grid_sample with align_corners: -1 and 1 are the centres of the first and last pixels.
    field = torch.stack((sx / half, sy / half), dim=-1).to(images.device, torch.float32)
    warped = torch.nn.functional.grid_sample(images[:, None].float(), field, mode="bilinear",
                                             padding_mode="zeros", align_corners=True)
    return warped[:, 0].round().clamp(0, 255).to(torch.uint8)


def preprocess(images, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """The network input of uint8 gray crops [B, S, S], as the engine makes it: x / 255, then
    (x - mean) / std per channel, the gray in all three."""
    x = images.float() / 255.0
    m = torch.tensor(mean, device=images.device).reshape(1, 3, 1, 1)
    s = torch.tensor(std, device=images.device).reshape(1, 3, 1, 1)
    return (x[:, None].expand(-1, 3, -1, -1) - m) / s
