#!/usr/bin/python3
# phantom-ceiling.py — how well could any classifier tell the phantom's groups apart?
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: docs/phantom-ceiling.py [--value] TRAIN_STUDY_DIR TEST_STUDY_DIR [TEST_STUDY_DIR...]
#
# --value prints only the last set's accuracy on the first test study (for scripts).
#
# A network sees pixels; this script sees the truth. From each hand's truth sidecar it takes the
# parameters the phantom drew the hand from (inlet CSA, flattening, nerve echo, fascicle count,
# contrast and blur, epineurium, oedema), fits a logistic regression on them and their squares
# over the training study's hands, and gives its hand-level accuracy (p >= 0.5) on each test
# study, for nested sets of parameters:
#   - the nerve's area alone (what a CSA cut-off can do);
#   - what is plainly visible at the network's input: area, shape, echo, oedema;
#   - those and the fascicles (count and contrast);
#   - every disease parameter, exactly: an estimate of the ceiling. Images carry these
#     parameters only through speckle and a 0.13 mm pixel (a fascicle blur of 0.03-0.07 mm
#     against 0.05-0.09 mm is invisible), so a network should be expected below this line.
# Then the CTS hands each set misses, by the hand's severity, and the controls it calls CTS.
# Needs Debian's python3 with numpy and scikit-learn.
import glob
import json
import os
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SETS = [
    ("Inlet CSA", ["csa"]),
    ("CSA, shape, echo, oedema", ["csa", "flattening", "nerve_echo_db", "oedema_mm"]),
    ("... and fascicle count, contrast",
     ["csa", "flattening", "nerve_echo_db", "oedema_mm", "n_fascicles", "fascicle_contrast"]),
    ("Every disease parameter, exact",
     ["csa", "flattening", "nerve_echo_db", "oedema_mm", "n_fascicles", "fascicle_contrast",
      "fascicle_blur_mm", "epineurium_mm"]),
]
# Severity bins: below stage 2 (studies of generator 1.0), stage 2 in halves, stage 3, stages 4-5.
BINS = [0.0, 0.15, 0.25, 0.35, 0.65, 1.01]


def load(study_dir):
    files = sorted(glob.glob(os.path.join(study_dir, "sweeps", "*.truth.json")))
    if not files:
        sys.exit("phantom-ceiling: %s: no sweeps/*.truth.json (not a phantom study)" % study_dir)
    rows = []
    for path in files:
        with open(path) as f:
            t = json.load(f)
        p = dict(t["parameters"])
        p["csa"] = t["csa_inlet_mm2"]
        rows.append((p, t["group"] == "cts", t["severity"]))
    return rows


def design(rows, keys):
    x = np.array([[p[k] for k in keys] for p, _, _ in rows], dtype=float)
    return np.column_stack([x, x * x])


def fit(train, keys):
    model = make_pipeline(StandardScaler(), LogisticRegression(C=10, max_iter=10000))
    model.fit(design(train, keys), np.array([c for _, c, _ in train]))
    return model


def score(model, keys, rows):
    """The hands' true groups (CTS = True), p(CTS) and the hand-level accuracy at p >= 0.5."""
    y = np.array([c for _, c, _ in rows])
    p = model.predict_proba(design(rows, keys))[:, 1]
    return y, p, np.mean((p >= 0.5) == y)


def main():
    args = sys.argv[1:]
    value_only = bool(args) and args[0] == "--value"
    if value_only:
        args = args[1:]
    if len(args) < 2:
        sys.exit("usage: phantom-ceiling.py [--value] TRAIN_STUDY_DIR TEST_STUDY_DIR "
                 "[TEST_STUDY_DIR...]")
    train = load(args[0])
    tests = [(d, load(d)) for d in args[1:]]
    if value_only:
        keys = SETS[-1][1]
        print("%.3f" % score(fit(train, keys), keys, tests[0][1])[2])
        return

    print("Hand-level accuracy of a logistic regression on the truth parameters (trained on the "
          "%d hands of %s)\n" % (len(train), args[0]))
    print("| Parameters | " + " | ".join("%s (%d hands)" % (d, len(r)) for d, r in tests) + " |")
    print("| --- |" + " --- |" * len(tests))
    misses = []
    for name, keys in SETS:
        model = fit(train, keys)
        cells = []
        for d, rows in tests:
            y, p, accuracy = score(model, keys, rows)
            sev = np.array([s for _, _, s in rows])
            cells.append("%.3f" % accuracy)
            missed = []
            for lo, hi in zip(BINS[:-1], BINS[1:]):
                inside = y & (sev >= lo) & (sev < hi)
                missed.append("%d/%d" % (np.sum(inside & (p < 0.5)), np.sum(inside)))
            misses.append((name, d, np.sum(~y & (p >= 0.5)), missed))
        print("| %s | %s |" % (name, " | ".join(cells)))

    print("\nCTS hands called control, by severity; controls called CTS\n")
    print("| Parameters | Study | " +
          " | ".join("%.2f-%.2f" % (lo, min(hi, 1.0)) for lo, hi in zip(BINS[:-1], BINS[1:])) +
          " | Controls |")
    print("| --- | --- |" + " --- |" * (len(BINS) - 1) + " --- |")
    for name, d, fp, missed in misses:
        print("| %s | %s | %s | %d |" % (name, d, " | ".join(missed), fp))


if __name__ == "__main__":
    main()
