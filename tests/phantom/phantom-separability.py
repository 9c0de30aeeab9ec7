#!/usr/bin/python3
# phantom-separability.py — how well simple features separate a phantom study's groups
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: phantom-separability.py STUDY_DIR [--every N]
#
# Reads study.json, each case's sweep (decoded with ffmpeg) and its truth file, and prints the
# AUC (CTS vs control, Mann-Whitney) of per-hand features averaged over every N-th frame:
# the inlet CSA, the mean gray level of the 15 mm ROI on the nerve, the mean gray level inside
# the nerve, and a few texture measures that do not depend on the gain. The numbers go into
# docs/phantom.md; the script is a check, not a test (it needs a whole study).
import json
import os
import subprocess
import sys

import numpy as np
from skimage.draw import polygon as draw_polygon


def auc(scores_cts, scores_control):
    """P(score of a CTS hand > score of a control hand), ties counting one half."""
    a = np.asarray(scores_cts)[:, None]
    b = np.asarray(scores_control)[None, :]
    return float(((a > b).sum() + 0.5 * (a == b).sum()) / (a.size * b.size))


def decode(path, width, height):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt",
                          "gray", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width)


def features(frames, truth, every):
    sp = truth["spacing_mm"]
    h, w = truth["height"], truth["width"]
    half = 7.5 / sp
    out = {k: [] for k in ("roi_mean", "nerve_mean", "nerve_rel", "rim_rel", "nerve_cv")}
    for f in truth["frames"][::every]:
        img = frames[f["index"]].astype(float)
        cx, cy = f["centre"]
        x0, x1 = int(max(0, cx - half)), int(min(w, cx + half))
        y0, y1 = int(max(0, cy - half)), int(min(h, cy + half))
        roi = img[y0:y1, x0:x1]
        pts = np.array(f["outline"])
        rr, cc = draw_polygon(pts[:, 1], pts[:, 0], shape=(h, w))
        inside = img[rr, cc]
        # The rim: the outline scaled out by 0.3 mm about the centre, minus the inside.
        c = np.array([cx, cy])
        d = pts - c
        r = np.linalg.norm(d, axis=1, keepdims=True)
        outer = c + d * (1 + (0.3 / sp) / np.maximum(r, 1))
        rr2, cc2 = draw_polygon(outer[:, 1], outer[:, 0], shape=(h, w))
        mask = np.zeros((h, w), bool)
        mask[rr2, cc2] = True
        mask[rr, cc] = False
        rim = img[mask]
        out["roi_mean"].append(roi.mean())
        out["nerve_mean"].append(inside.mean())
        out["nerve_rel"].append(inside.mean() / max(roi.mean(), 1))
        out["rim_rel"].append(rim.mean() / max(inside.mean(), 1))
        out["nerve_cv"].append(inside.std() / max(inside.mean(), 1))
    return {k: float(np.mean(v)) for k, v in out.items()}


def main():
    study_dir = sys.argv[1]
    every = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 10
    with open(os.path.join(study_dir, "study.json")) as f:
        study = json.load(f)
    rows = []
    for case in study["cases"]:
        sweep = os.path.join(study_dir, case["sweep"] if "sweep" in case else case["sweep_path"])
        truth_path = os.path.splitext(sweep)[0] + ".truth.json"
        with open(truth_path) as f:
            truth = json.load(f)
        frames = decode(sweep, truth["width"], truth["height"])
        feats = features(frames, truth, every)
        feats["csa_inlet"] = truth["csa_inlet_mm2"]
        feats["csa_mean"] = float(np.mean([fr["csa_mm2"] for fr in truth["frames"]]))
        feats["cts"] = truth["group"] == "cts"
        feats["stage"] = truth["stage"]
        rows.append(feats)
    cts = [r for r in rows if r["cts"]]
    ctl = [r for r in rows if not r["cts"]]
    print(f"{len(ctl)} control and {len(cts)} CTS hands, every {every}th frame")
    # Each feature is oriented the way CTS is expected to move it.
    for key, sign, what in [("csa_inlet", 1, "inlet CSA (truth)"),
                            ("csa_mean", 1, "CSA, mean over the sweep (truth)"),
                            ("roi_mean", -1, "mean gray of the 15 mm ROI (lower in CTS)"),
                            ("nerve_mean", -1, "mean gray inside the nerve (lower in CTS)"),
                            ("nerve_rel", -1, "nerve / ROI mean gray (lower in CTS)"),
                            ("rim_rel", 1, "epineurial rim / nerve mean gray (higher in CTS)"),
                            ("nerve_cv", 1, "gray-level CV inside the nerve (higher in CTS)")]:
        a = auc([sign * r[key] for r in cts], [sign * r[key] for r in ctl])
        mc = np.mean([r[key] for r in ctl])
        mt = np.mean([r[key] for r in cts])
        print(f"AUC {a:.3f}  {what}: control {mc:.2f}, CTS {mt:.2f}")
    mild = [r for r in cts if r["stage"] == 2]
    if mild:
        for key, sign, what in [("nerve_rel", -1, "nerve / ROI gray"),
                                ("rim_rel", 1, "epineurial rim / nerve gray")]:
            a = auc([sign * r[key] for r in mild], [sign * r[key] for r in ctl])
            print(f"AUC {a:.3f}  {what}, only the {len(mild)} mildest CTS hands (stage 2)")


if __name__ == "__main__":
    main()
