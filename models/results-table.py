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
import importlib.util
import os
import sys

# The cards' choice of CIs, from write-card.py beside this script.
_spec = importlib.util.spec_from_file_location(
    "write_card", os.path.join(os.path.dirname(os.path.abspath(__file__)), "write-card.py"))
write_card = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(write_card)

STUDIES = [("study2", "study2: default, high-frequency, capture, compound"),
           ("study-low-frequency", "low-frequency (held out)"),
           ("study-portable", "portable (held out)"), ("study-varied", "varied (mixed)")]
ORDER = ["squeezenet1_1-phantom", "mobilenet_v2-phantom", "efficientnet_b0-phantom"]


def figure(study, level, metric):
    return write_card.summary_text(*study.summary(level, metric), dash="–")


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
            study_figures = write_card.Study(study, path, "", "", title)
            levels = study_figures.levels
            hand = study_figures.hand_accuracy()
            if in_domain is None and study == "study2":
                in_domain = hand
            gap = ""
            if with_gap and study != "study2" and in_domain is not None:
                gap = "%+.3f" % (in_domain - hand)
            out.append("| %s (%s) | %s | %d | %s | %s | %s | %s | %s |" % (
                model, label, title, levels["hand"]["hands"],
                figure(study_figures, "image", "accuracy"), figure(study_figures, "image", "auc"),
                figure(study_figures, "hand", "accuracy"), figure(study_figures, "hand", "auc"),
                gap))
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
