#!/usr/bin/python3
# phantom-realism.py — do the phantom's frames cover what real images of the median nerve show?
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compares per-image statistics of real transverse images of the wrist (with expert nerve masks)
with those of phantom frames (with the generator's truth outlines).

    docs/phantom-realism.py --real ../shared/realdata/median-nerve \\
        --phantom default=study-default --phantom presets=study-presets \\
        --figure docs/figures/phantom-realism.png

REAL is a folder with images/NAME.png and masks/NAME.png (white = nerve). Each --phantom is
LABEL=FOLDER: every NAME.truth.json found under FOLDER (a phantom-study's sweeps/ or a folder of
`carpalscope-cli phantom` sweeps) with its sweep beside it; one frame of each sweep is read
through ffmpeg (the middle one; --frames-per-sweep for more). The statistics are those a
sonographer's eye uses: the gray-level histogram and its depth profile, the speckle's size
(autocorrelation widths of the high-passed image), its signal-to-noise ratio and a Nakagami m,
the nerve against its surroundings, and the nerve's size, shape and depth. For each statistic the
table gives the real images' median and 5-95 % range, each phantom's, and the fraction of real
images inside the phantom's 5-95 % range (its coverage).

The real images carry no pixel spacing; millimetres for them use --real-spacing (default 0.05
mm/px, an assumption: it puts their median nerve at 6.7 mm^2 and 3.5 mm deep; the pixel
statistics do not depend on it). Phantom frames use their truth spacing. Needs Debian's python3-numpy,
python3-scipy, python3-skimage and (for --figure) python3-matplotlib, and ffmpeg.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

import numpy as np
from scipy import ndimage
from skimage import draw, io

# (key, label, unit): the statistics in table order.
STATS = [
    ("gray_mean", "Gray level, mean", ""),
    ("gray_sd", "Gray level, SD", ""),
    ("gray_p5", "Gray level, 5th percentile", ""),
    ("gray_p50", "Gray level, median", ""),
    ("gray_p95", "Gray level, 95th percentile", ""),
    ("depth_top", "Row mean, top third of the depth", ""),
    ("depth_mid", "Row mean, middle third", ""),
    ("depth_bottom", "Row mean, bottom third", ""),
    ("fade_depth", "Depth where the row mean falls to half its peak", "of height"),
    ("speckle_axial_px", "Speckle size axial (ACF FWHM)", "px"),
    ("speckle_lateral_px", "Speckle size lateral (ACF FWHM)", "px"),
    ("speckle_axial_mm", "Speckle size axial", "mm"),
    ("speckle_lateral_mm", "Speckle size lateral", "mm"),
    ("speckle_snr", "Speckle SNR (mean / SD in 12 px windows)", ""),
    ("nakagami_m", "Nakagami m (moments, 12 px windows)", ""),
    ("nerve_mean", "Nerve mean gray", ""),
    ("nerve_ring", "Nerve / surrounding ring mean gray", "ratio"),
    ("nerve_rim", "Rim just outside the nerve / nerve mean gray", "ratio"),
    ("nerve_cv", "Gray-level CV inside the nerve", ""),
    ("nerve_area_px", "Nerve area", "px^2"),
    ("nerve_area_mm2", "Nerve area", "mm^2"),
    ("nerve_depth_px", "Nerve centre depth", "px"),
    ("nerve_depth_mm", "Nerve centre depth", "mm"),
    ("nerve_flattening", "Nerve width / depth (bounding box)", "ratio"),
]


def fwhm(profile):
    """Full width at half maximum of a symmetric autocorrelation profile centred at index 0."""
    for i in range(1, len(profile)):
        if profile[i] < 0.5:
            a, b = profile[i - 1], profile[i]
            return 2.0 * (i - 1 + (a - 0.5) / (a - b))
    return 2.0 * len(profile)


def speckle_size(img):
    """Axial and lateral FWHM (px) of the autocorrelation of the high-passed tissue region."""
    h = img.shape[0]
    region = img[int(0.05 * h):int(0.55 * h), :].astype(float)
    hp = region - ndimage.gaussian_filter(region, 6)
    hp -= hp.mean()
    f = np.fft.rfft2(hp, s=(2 * hp.shape[0], 2 * hp.shape[1]))
    acf = np.fft.irfft2(np.abs(f) ** 2, s=(2 * hp.shape[0], 2 * hp.shape[1]))
    acf /= acf[0, 0]
    return fwhm(acf[:40, 0]), fwhm(acf[0, :60])


def window_stats(img):
    """Median speckle SNR and Nakagami m over 12 x 12 windows of the upper half that are not
    dark (mean gray above 20)."""
    h, w = img.shape
    snr, m = [], []
    f = img.astype(float)
    for y in range(int(0.05 * h), int(0.5 * h) - 12, 12):
        for x in range(0, w - 12, 12):
            win = f[y:y + 12, x:x + 12]
            mu = win.mean()
            if mu <= 20:
                continue
            sd = win.std()
            if sd > 0:
                snr.append(mu / sd)
            i2 = win * win
            if i2.var() > 0:
                m.append(i2.mean() ** 2 / i2.var())
    return (float(np.median(snr)) if snr else np.nan, float(np.median(m)) if m else np.nan)


def image_stats(img, mask, spacing):
    """Every statistic of STATS for one 8-bit gray image and its boolean nerve mask."""
    s = {}
    f = img.astype(float)
    h = img.shape[0]
    s["gray_mean"] = f.mean()
    s["gray_sd"] = f.std()
    s["gray_p5"], s["gray_p50"], s["gray_p95"] = np.percentile(f, [5, 50, 95])
    rows = f.mean(axis=1)
    thirds = np.array_split(rows, 3)
    s["depth_top"], s["depth_mid"], s["depth_bottom"] = (t.mean() for t in thirds)
    smooth = ndimage.uniform_filter1d(rows, max(3, h // 30))
    # The peak is sought below the probe face's bright line (the top 3 % of rows).
    top = int(0.03 * h)
    peak = top + int(np.argmax(smooth[top:]))
    below = np.nonzero(smooth[peak:] < 0.5 * smooth[peak])[0]
    s["fade_depth"] = (peak + below[0]) / h if len(below) else 1.0
    ax, lat = speckle_size(img)
    s["speckle_axial_px"], s["speckle_lateral_px"] = ax, lat
    s["speckle_axial_mm"], s["speckle_lateral_mm"] = ax * spacing, lat * spacing
    s["speckle_snr"], s["nakagami_m"] = window_stats(img)

    inside = f[mask]
    outer = ndimage.binary_dilation(mask, iterations=12)
    near = ndimage.binary_dilation(mask, iterations=2)
    rim = ndimage.binary_dilation(mask, iterations=4) & ~mask
    ring = outer & ~near
    s["nerve_mean"] = inside.mean()
    s["nerve_ring"] = inside.mean() / max(f[ring].mean(), 1e-6)
    s["nerve_rim"] = f[rim].mean() / max(inside.mean(), 1e-6)
    s["nerve_cv"] = inside.std() / max(inside.mean(), 1e-6)
    ys, xs = np.nonzero(mask)
    s["nerve_area_px"] = float(mask.sum())
    s["nerve_area_mm2"] = mask.sum() * spacing * spacing
    s["nerve_depth_px"] = ys.mean()
    s["nerve_depth_mm"] = ys.mean() * spacing
    s["nerve_flattening"] = (xs.max() - xs.min() + 1) / (ys.max() - ys.min() + 1)
    return s


def real_stats(folder, spacing):
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "images", "*.png"))):
        name = os.path.basename(path)
        img = io.imread(path)
        if img.ndim == 3:
            img = np.round(img[..., :3].astype(float) @ [0.299, 0.587, 0.114]).astype(np.uint8)
        mask = io.imread(os.path.join(folder, "masks", name))
        if mask.ndim == 3:
            mask = mask[..., 0]
        mask = mask > 0
        if not mask.any():
            sys.exit(f"{path}: its mask is empty")
        out.append(image_stats(img, mask, spacing))
    if not out:
        sys.exit(f"{folder}: no images/*.png")
    return out


def read_frame(sweep, width, height, index):
    """Frame @index of @sweep as 8-bit gray, through ffmpeg."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", sweep, "-vf", f"select=eq(n\\,{index})", "-vframes", "1",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True).stdout
    if len(raw) != width * height:
        sys.exit(f"{sweep}: frame {index} is {len(raw)} bytes, not {width} x {height}")
    return np.frombuffer(raw, np.uint8).reshape(height, width)


def phantom_stats(folder, per_sweep):
    out = []
    truths = sorted(glob.glob(os.path.join(folder, "**", "*.truth.json"), recursive=True))
    if not truths:
        sys.exit(f"{folder}: no *.truth.json")
    for tpath in truths:
        with open(tpath) as fh:
            truth = json.load(fh)
        sweep = os.path.join(os.path.dirname(tpath), truth["sweep"])
        w, h, n = truth["width"], truth["height"], truth["n_frames"]
        picks = sorted({int(round((k + 1) * n / (per_sweep + 1))) for k in range(per_sweep)})
        for index in (min(p, n - 1) for p in picks):
            img = read_frame(sweep, w, h, index)
            outline = np.array(truth["frames"][index]["outline"])
            rr, cc = draw.polygon(outline[:, 1], outline[:, 0], shape=(h, w))
            mask = np.zeros((h, w), bool)
            mask[rr, cc] = True
            if not mask.any():
                continue
            out.append(image_stats(img, mask, truth["spacing_mm"]))
    return out


def column(stats, key):
    v = np.array([s[key] for s in stats], float)
    return v[np.isfinite(v)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", required=True, help="folder with images/ and masks/")
    parser.add_argument("--phantom", action="append", required=True, metavar="LABEL=FOLDER")
    parser.add_argument("--real-spacing", type=float, default=0.05,
                        help="assumed mm/px of the real images (default 0.05)")
    parser.add_argument("--frames-per-sweep", type=int, default=1)
    parser.add_argument("--figure", help="PNG to draw the distributions into")
    parser.add_argument("--json", help="write every image's statistics here")
    args = parser.parse_args()

    real = real_stats(args.real, args.real_spacing)
    phantoms = []
    for item in args.phantom:
        label, sep, folder = item.partition("=")
        if not sep:
            sys.exit(f"--phantom {item}: expected LABEL=FOLDER")
        phantoms.append((label, phantom_stats(folder, args.frames_per_sweep)))

    head = "| Statistic | Real: median (5-95 %) |"
    rule = "| --- | --- |"
    for label, stats in phantoms:
        head += f" {label} ({len(stats)} frames): median (5-95 %) | covers |"
        rule += " --- | --- |"
    print(f"Real images: {len(real)} ({args.real}); real mm at {args.real_spacing} mm/px.\n")
    print(head)
    print(rule)
    summary = {label: [] for label, _ in phantoms}
    for key, name, unit in STATS:
        r = column(real, key)
        rp = np.percentile(r, [5, 50, 95])
        line = f"| {name}{', ' + unit if unit else ''} | {rp[1]:.3g} ({rp[0]:.3g}-{rp[2]:.3g}) |"
        for label, stats in phantoms:
            p = column(stats, key)
            pp = np.percentile(p, [5, 50, 95])
            cover = np.mean((r >= pp[0]) & (r <= pp[2]))
            summary[label].append(cover)
            line += f" {pp[1]:.3g} ({pp[0]:.3g}-{pp[2]:.3g}) | {100 * cover:.0f} % |"
        print(line)
    for label, covers in summary.items():
        print(f"\n{label}: mean coverage {100 * np.mean(covers):.0f} %, "
              f"{sum(c >= 0.8 for c in covers)} of {len(covers)} statistics cover >= 80 %")

    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"real": real, **{label: stats for label, stats in phantoms}}, fh,
                      default=float)
    if args.figure:
        draw_figure(args.figure, real, phantoms)


def draw_figure(path, real, phantoms):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 6
    rows = (len(STATS) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.3 * rows))
    colours = ["tab:orange", "tab:blue", "tab:green", "tab:red"]
    for ax, (key, name, unit) in zip(axes.flat, STATS):
        r = column(real, key)
        series = [r] + [column(s, key) for _, s in phantoms]
        lo = min(np.percentile(v, 1) for v in series)
        hi = max(np.percentile(v, 99) for v in series)
        bins = np.linspace(lo, hi if hi > lo else lo + 1, 25)
        ax.hist(r, bins=bins, density=True, color="0.6", label="real")
        for k, (label, stats) in enumerate(phantoms):
            p = column(stats, key)
            c = colours[k % len(colours)]
            ax.hist(p, bins=bins, density=True, histtype="step", lw=1.5, color=c, label=label)
            p5, p95 = np.percentile(p, [5, 95])
            ax.axvspan(p5, p95, color=c, alpha=0.08)
        ax.set_title(name + (f" ({unit})" if unit else ""), fontsize=7)
        ax.tick_params(labelsize=6)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(STATS):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


if __name__ == "__main__":
    main()
