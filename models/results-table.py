#!/usr/bin/python3
# results-table.py — README's Table 1: the phantom models in-domain and on held-out presets
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: results-table.py [--without-gap] LABEL=DIR [[--without-gap] LABEL=DIR ...]
#
# DIR holds the evaluations make-phantom-models.sh writes, ID.STUDY.evaluation.json for each
# model ID and test study (study2, study-low-frequency, study-portable, study-varied); LABEL says
# what the models of DIR are ("shipped", "earlier: default look only"). Prints one markdown row
# per model and study: image and hand accuracy and AUC with 95 % CIs (at image level by hand,
# as on the cards) and the gap in hand accuracy to the model's own study2 figure; --without-gap
# leaves the gap out for the next DIR (models for which study2 is not in-domain, such as the
# earlier ones trained on the default look only).
import glob
import json
import os
import sys

STUDIES = [("study2", "study2: default, high-frequency, capture, compound"),
           ("study-low-frequency", "low-frequency (held out)"),
           ("study-portable", "portable (held out)"), ("study-varied", "varied (mixed)")]
ORDER = ["squeezenet1_1-phantom", "mobilenet_v2-phantom", "efficientnet_b0-phantom"]


def figure(levels, level, metric):
    e = levels[level]
    m = e[metric]
    interval = m["ci"]
    if level == "image" and metric == "accuracy" and m.get("ci_cluster"):
        interval = m["ci_cluster"]
    elif level == "image" and metric == "auc" and e.get("auc_ci_clustered"):
        interval = e["auc_ci_clustered"]
    if interval is None or None in interval:
        return "%.3f" % m["value"]
    return "%.3f (%.3f–%.3f)" % (m["value"], interval[0], interval[1])


def load(path):
    with open(path) as f:
        return {e["level"]: e for e in json.load(f)["models"]}


def rows(label, directory, with_gap):
    found = glob.glob(os.path.join(directory, "*.study2.evaluation.json"))
    if not found:
        sys.exit("results-table: %s: no ID.study2.evaluation.json" % directory)
    ids = sorted((os.path.basename(p)[:-len(".study2.evaluation.json")] for p in found),
                 key=lambda i: (ORDER.index(i) if i in ORDER else len(ORDER), i))
    out = []
    for model in ids:
        in_domain = None
        for study, title in STUDIES:
            path = os.path.join(directory, "%s.%s.evaluation.json" % (model, study))
            if not os.path.exists(path):
                continue
            levels = load(path)
            hand = levels["hand"]["accuracy"]["value"]
            if in_domain is None and study == "study2":
                in_domain = hand
            gap = ""
            if with_gap and study != "study2" and in_domain is not None:
                gap = "%+.3f" % (in_domain - hand)
            out.append("| %s (%s) | %s | %d | %s | %s | %s | %s | %s |" % (
                model, label, title, levels["hand"]["hands"],
                figure(levels, "image", "accuracy"), figure(levels, "image", "auc"),
                figure(levels, "hand", "accuracy"), figure(levels, "hand", "auc"), gap))
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: results-table.py [--without-gap] LABEL=DIR ...")
    table = []
    with_gap = True
    for arg in sys.argv[1:]:
        if arg == "--without-gap":
            with_gap = False
            continue
        label, sep, directory = arg.partition("=")
        if not sep or not label or not directory:
            sys.exit("results-table: expected LABEL=DIR, got %r" % arg)
        table.extend(rows(label, directory, with_gap))
        with_gap = True
    print("| Model | Test study | Hands | Image accuracy | Image AUC | Hand accuracy | Hand AUC | "
          "Gap |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(table))


if __name__ == "__main__":
    main()
