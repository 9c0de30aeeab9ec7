#!/usr/bin/python3
# anatomy-mix.py — the anatomy a phantom study's hands were drawn with, from their truth files
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: anatomy-mix.py NAME=STUDY_DIR [NAME=STUDY_DIR ...]
#
# Prints a markdown table, one row per study: its hands, the presets they were drawn with, and
# the anatomy that training and test studies could differ in (bifid nerves, persistent median
# arteries, fat depth, probe tilt and pressure, tendon and fascicle counts, flattening), read from
# each hand's truth sidecar (sweeps/*.truth.json). make-phantom-models.sh puts it on each card, so
# that what the held-out studies have and training did not is measured, not assumed. Ranges are
# the 5th to 95th percentiles over the study's hands.
import collections
import glob
import json
import os
import sys


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def spread(values, fmt):
    return (fmt + " to " + fmt) % (percentile(values, 0.05), percentile(values, 0.95))


def row(name, study_dir):
    files = sorted(glob.glob(os.path.join(study_dir, "sweeps", "*.truth.json")))
    if not files:
        sys.exit("anatomy-mix: %s: no sweeps/*.truth.json (not a phantom study)" % study_dir)
    presets = collections.Counter()
    bifid = artery = 0
    fat, tilt, pressure, tendons, fascicles, flattening = [], [], [], [], [], []
    for path in files:
        with open(path) as f:
            t = json.load(f)
        p, extra = t["parameters"], t.get("preset_parameters") or {}
        presets[t.get("preset", "default")] += 1
        bifid += 1 if extra.get("bifid") else 0
        artery += 1 if extra.get("median_artery_mm", 0) > 0 else 0
        fat.append(p["fat_mm"])
        tilt.append(p["tilt_deg"])
        pressure.append(extra.get("pressure", 0.0))
        tendons.append(p["n_tendons"])
        fascicles.append(p["n_fascicles"])
        flattening.append(p["flattening"])
    n = len(files)
    mix = ", ".join("%s %d" % kv for kv in sorted(presets.items()))
    return "| %s | %d | %s | %.1f %% | %.1f %% | %s | %s | %s | %s | %s | %s |" % (
        name, n, mix, 100.0 * bifid / n, 100.0 * artery / n, spread(fat, "%.1f"),
        spread(tilt, "%.0f"), spread(pressure, "%.2f"), spread(tendons, "%.0f"),
        spread(fascicles, "%.0f"), spread(flattening, "%.1f"))


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: anatomy-mix.py NAME=STUDY_DIR [NAME=STUDY_DIR ...]")
    rows = []
    for arg in sys.argv[1:]:
        name, sep, study_dir = arg.partition("=")
        if not sep or not name or not study_dir:
            sys.exit("anatomy-mix: expected NAME=STUDY_DIR, got %r" % arg)
        rows.append(row(name, study_dir))
    print("| Study | Hands | Presets (hands) | Bifid nerve | Median artery | Fat depth, mm | "
          "Tilt, deg | Pressure | Tendons | Fascicles | Flattening |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
