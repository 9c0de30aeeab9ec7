#!/usr/bin/python3
# phantom-contact-sheets.py — one contact sheet of phantom frames per preset
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Renders a few hands of each phantom preset with carpalscope-cli and lays their middle frames
out as one PNG per preset: controls in the top row, CTS hands below, the truth outline of the
nerve in the right half of each frame only, so the nerve itself stays visible in the left.

    docs/phantom-contact-sheets.py --cli _build/src/cli/carpalscope-cli --out docs/figures

Writes OUT/phantom-preset-NAME.png for every preset that `phantom --preset list` prints (or
those given with --preset). Hands are seeds 1..N of each group; the same call gives the same
sheets. Needs Debian's python3-numpy, python3-skimage and python3-pil, and ffmpeg.
"""

import argparse
import json
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image, ImageDraw


def frame_of(sweep, truth):
    w, h, n = truth["width"], truth["height"], truth["n_frames"]
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", sweep, "-vf", f"select=eq(n\\,{n // 2})", "-vframes", "1",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(h, w)


def sheet(cli, preset, hands, tile_w, tmp):
    tiles = []
    for group in ("control", "cts"):
        row = []
        for seed in range(1, hands + 1):
            sweep = os.path.join(tmp, f"{preset}-{group}-{seed}.mkv")
            subprocess.run([cli, "phantom", "--group", group, "--seed", str(seed), "--frames", "3",
                            "--preset", preset, "--out", sweep], check=True, capture_output=True)
            with open(sweep[:-4] + ".truth.json") as fh:
                truth = json.load(fh)
            img = Image.fromarray(frame_of(sweep, truth)).convert("RGB")
            outline = truth["frames"][truth["n_frames"] // 2]["outline"]
            cx = truth["frames"][truth["n_frames"] // 2]["centre"][0]
            draw = ImageDraw.Draw(img)
            pts = [(x, y) for x, y in outline]
            for a, b in zip(pts, pts[1:] + pts[:1]):
                if a[0] >= cx and b[0] >= cx:
                    draw.line([a, b], fill=(255, 200, 0), width=2)
            scale = tile_w / img.width
            img = img.resize((tile_w, round(img.height * scale)), Image.LANCZOS)
            label = f"{group} {seed}"
            if truth.get("preset_parameters"):
                p = truth["preset_parameters"]
                label += f", {p['frequency_mhz']:.0f} MHz, {truth['spacing_mm']:.3f} mm/px"
                if p["bifid"]:
                    label += ", bifid"
                if p["median_artery_mm"] > 0:
                    label += ", median artery"
            if group == "cts":
                label += f", stage {truth['stage']}, CSA {truth['csa_inlet_mm2']:.1f}"
            ImageDraw.Draw(img).text((4, img.height - 12), label, fill=(0, 255, 120))
            row.append(img)
        tiles.append(row)
    tile_h = max(t.height for row in tiles for t in row)
    out = Image.new("RGB", (tile_w * hands + 2 * (hands - 1), tile_h * 2 + 2), (255, 255, 255))
    for r, row in enumerate(tiles):
        for c, t in enumerate(row):
            out.paste(t, (c * (tile_w + 2), r * (tile_h + 2)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--preset", action="append")
    parser.add_argument("--hands", type=int, default=4)
    parser.add_argument("--tile-width", type=int, default=300)
    args = parser.parse_args()
    presets = args.preset
    if not presets:
        listing = subprocess.run([args.cli, "phantom", "--preset", "list"], check=True,
                                 capture_output=True, text=True).stdout
        presets = [line.split()[0] for line in listing.splitlines() if line.strip()]
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for preset in presets:
            path = os.path.join(args.out, f"phantom-preset-{preset}.png")
            sheet(args.cli, preset, args.hands, args.tile_width, tmp).save(path, optimize=True)
            print(path)


if __name__ == "__main__":
    main()
