# reference-sklearn.py — confusion metrics and ROC from scikit-learn, Mann-Whitney U from SciPy
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Usage: python3 reference-sklearn.py SCORES.csv THRESHOLD [SCORES.csv THRESHOLD ...]

Reads each scores table (hand, frame, label, model, p_cts[, csa_mm2]) and prints
"dataset NAME" (the file name without .csv), then for every model at image level (each row) and
hand level (mean p_cts per hand), lines of

    confusion LEVEL MODEL tp fp tn fn
    metric LEVEL MODEL NAME value|undefined
    roc LEVEL MODEL fpr tpr threshold     (one per point, sklearn's roc_curve)

and, when CSA is given, "mannwhitney U p" for CTS hands against control hands (scipy defaults).
Exit status 3 when scikit-learn or SciPy is missing (the test then skips).
"""
import csv
import os
import sys
import warnings

try:
    from scipy.stats import mannwhitneyu
    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, precision_score,
                                 recall_score, roc_curve)
except ImportError:
    sys.exit(3)


def fmt(x):
    return repr(float(x))


def metric(function, y, pred, **kwargs):
    """The metric, or 'undefined' when scikit-learn warns that it is ill-defined."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = function(y, pred, **kwargs)
    if any(issubclass(w.category, UndefinedMetricWarning) for w in caught):
        return "undefined"
    return fmt(value)


def evaluate_file(path, threshold):
    print("dataset", os.path.basename(path)[:-len(".csv")])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    models = list(dict.fromkeys(r["model"] for r in rows))
    hands = list(dict.fromkeys(r["hand"] for r in rows))
    label = {r["hand"]: 1 if r["label"] in ("cts", "1") else 0 for r in rows}

    for model in models:
        mine = [r for r in rows if r["model"] == model]
        mine.sort(key=lambda r: (hands.index(r["hand"]), int(r["frame"])))
        levels = {"image": ([label[r["hand"]] for r in mine], [float(r["p_cts"]) for r in mine])}
        hand_y, hand_p = [], []
        for h in hands:
            ps = [float(r["p_cts"]) for r in mine if r["hand"] == h]
            if ps:
                total = 0.0
                for p in ps:  # Sequential sum, as Carpalscope adds a hand's frames.
                    total += p
                hand_y.append(label[h])
                hand_p.append(total / len(ps))
        levels["hand"] = (hand_y, hand_p)
        for level, (y, p) in levels.items():
            pred = [1 if v >= threshold else 0 for v in p]
            tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
            print("confusion", level, model, tp, fp, tn, fn)
            print("metric", level, model, "accuracy", metric(accuracy_score, y, pred))
            print("metric", level, model, "precision", metric(precision_score, y, pred))
            print("metric", level, model, "recall", metric(recall_score, y, pred))
            print("metric", level, model, "specificity",
                  metric(recall_score, y, pred, pos_label=0))
            print("metric", level, model, "f1", metric(f1_score, y, pred))
            if 0 < sum(y) < len(y):
                fpr, tpr, thr = roc_curve(y, p, drop_intermediate=False)
                for a, b, t in zip(fpr, tpr, thr):
                    print("roc", level, model, fmt(a), fmt(b), fmt(t))

    csa = {}
    for r in rows:
        value = r.get("csa_mm2", "")
        if value not in ("", None):
            csa.setdefault(r["hand"], []).append(float(value))
    x, y = [], []
    for h in hands:
        if h in csa:
            total = 0.0
            for v in csa[h]:
                total += v
            (x if label[h] else y).append(total / len(csa[h]))
    if x and y:
        result = mannwhitneyu(x, y)
        print("mannwhitney", fmt(result.statistic), fmt(result.pvalue))


def main():
    args = sys.argv[1:]
    for i in range(0, len(args) - 1, 2):
        evaluate_file(args[i], float(args[i + 1]))


if __name__ == "__main__":
    main()
