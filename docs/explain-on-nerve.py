#!/usr/bin/python3
# explain-on-nerve.py — do the explanation maps sit on the nerve? Measured on a phantom study
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: docs/explain-on-nerve.py CLI STUDY_DIR MODEL [MODEL...] [--hands N] [--frame F]
#
# For the first N hands of each group of a phantom study (default 8) and frame F of each sweep
# (default 10, where the study has an ROI keyframe and the phantom's truth an outline), runs
# `carpalscope-cli explain` with occlusion, LIME (1000 samples, seed 0) and Grad-CAM for each model,
# explaining the hand's true class, and measures against the true nerve outline:
#   - the region: the nerve and 1 mm around it (the epineurium and the tissue next to it), in the
#     map's pixels;
#   - hit: whether the map's maximum lies in the region (the "pointing game");
#   - share: the part of the map's positive mass inside the region, beside the region's part of
#     the crop's area (what a map spread evenly would give).
# Prints a markdown table. Needs Debian's python3 with numpy and scikit-image.
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from skimage.draw import polygon
from scipy.ndimage import distance_transform_edt


def main():
    args = sys.argv[1:]
    hands, frame = 8, 10
    if "--hands" in args:
        i = args.index("--hands")
        hands = int(args[i + 1])
        del args[i:i + 2]
    if "--frame" in args:
        i = args.index("--frame")
        frame = int(args[i + 1])
        del args[i:i + 2]
    if len(args) < 3:
        sys.exit(__doc__ or "usage: explain-on-nerve.py CLI STUDY_DIR MODEL [MODEL...]")
    cli, study_dir, models = args[0], args[1], args[2:]
    study = json.load(open(os.path.join(study_dir, "study.json")))
    chosen = []
    for group in ("control", "cts"):
        chosen += [c for c in study["cases"] if c["group"] == group][:hands]

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            for method in ("occlusion", "lime", "gradcam"):
                hits, shares, areas = [], [], []
                for case in chosen:
                    sweep = os.path.join(study_dir, case["sweep"])
                    truth = json.load(open(sweep.rsplit(".", 1)[0] + ".truth.json"))
                    key = next(k for k in case["roi"] if k["frame"] == frame)
                    side = round(key["size_mm"] / case["spacing"]["mm_per_px"])
                    x0, y0 = round(key["x"] - side / 2), round(key["y"] - side / 2)
                    raw = os.path.join(tmp, "map.f32")
                    cmd = [cli, "explain", "--method", method, "--model", model,
                           "--roi", "%d,%d,%d,%d" % (x0, y0, side, side),
                           "--frame", str(frame), "--class", case["group"],
                           "--out", os.path.join(tmp, "map.png"), "--raw", raw, sweep]
                    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
                    meta = json.load(open(raw + ".json"))
                    w, h = meta["width"], meta["height"]
                    m = np.fromfile(raw, dtype="<f4").reshape(h, w)
                    scale = w / side
                    outline = np.array(truth["frames"][frame]["outline"], dtype=float)
                    rr, cc = polygon((outline[:, 1] - y0) * scale, (outline[:, 0] - x0) * scale,
                                     (h, w))
                    nerve = np.zeros((h, w), bool)
                    nerve[rr, cc] = True
                    ring_px = 1.0 / (key["size_mm"] / w)
                    region = distance_transform_edt(~nerve) <= ring_px
                    pos = np.clip(m, 0, None)
                    hits.append(bool(region.flat[int(np.argmax(m))]))
                    shares.append(pos[region].sum() / pos.sum() if pos.sum() > 0 else 0.0)
                    areas.append(region.mean())
                rows.append((os.path.basename(model).rsplit(".", 1)[0], method, len(chosen),
                             np.mean(hits), np.mean(shares), np.mean(areas)))
    print("| Model | Method | Hands | Maximum on the nerve or within 1 mm | Positive mass "
          "there | Its share of the crop |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, method, n, hit, share, area in rows:
        print("| %s | %s | %d | %.2f | %.2f | %.2f |" % (name, method, n, hit, share, area))


if __name__ == "__main__":
    main()
