#!/usr/bin/python3
# write-card.py — a shipped model's card, written from its weights' metadata and its evaluation
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: write-card.py MODEL.safetensors EVALUATION.json TRAIN_STUDY_COMMAND TEST_STUDY_COMMAND
#                      [CEILING]
#
# Prints the model card (markdown) of MODEL: what it is and is not, how it was trained (from the
# provenance the trainer wrote into the weights, and the wall time make-phantom-models.sh added),
# and its test metrics at image and hand level (from `carpalscope-cli evaluate --json`). CEILING,
# when given, is the hand-level accuracy docs/phantom-ceiling.py found on the same test hands
# with their exact truth parameters.
# make-phantom-models.sh then stores the same text in the weights as "model_card".
import json
import os
import struct
import sys

TARGET = 0.95


def metadata(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)).get("__metadata__", {})


def feature_side(arch, size):
    """The side of the last convolutional block's output (Grad-CAM's grid) at input @size."""
    if arch == "squeezenet1_1":
        side = (size - 3) // 2 + 1  # the first convolution, then three ceil-mode max pools
        for _ in range(3):
            side = -(-(side - 3) // 2) + 1
        return side
    return -(-size // 32)


def ci(metric):
    lo, hi = metric["ci"]
    return "%.3f (%.3f-%.3f)" % (metric["value"], lo, hi)


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit("usage: write-card.py MODEL.safetensors EVALUATION.json TRAIN_STUDY_COMMAND "
                 "TEST_STUDY_COMMAND [CEILING]")
    path, evaluation, train_study, test_study = sys.argv[1:5]
    ceiling = float(sys.argv[5]) if len(sys.argv) == 6 and sys.argv[5] else None
    m = metadata(path)
    ev = json.load(open(evaluation))
    name = os.path.basename(path).rsplit(".", 1)[0]
    arch = m["arch"]
    classes = ", ".join(json.loads(m["classes"]))
    size = int(m["input_size"])
    levels = {e["level"]: e for e in ev["models"]}
    hand_acc = levels["hand"]["accuracy"]["value"]
    train_hands, val_hands = int(m["train_hands"]), int(m["val_hands"])
    minutes = float(m.get("train_wall_seconds", "0")) / 60.0
    frames = m.get("frames_per_hand", "0")
    frames_text = "every frame" if frames == "0" else "%s per hand, evenly spaced" % frames

    out = []
    out.append("# %s\n" % name)
    out.append("**A demonstrator, not for patients.** %s trained by Carpalscope's own trainer on "
               "synthetic phantom sweeps only; it has never seen a real ultrasound image and says "
               "nothing about real wrists.\n" % arch)
    out.append("| | |\n| --- | --- |")
    rows = [
        ("Architecture", "%s (torchvision's module tree and parameter names), 2 classes: %s"
         % (arch, classes)),
        ("Input", "%d x %d gray ROI crop (the study's 15 mm ROI, %.2f mm per pixel), x/255, "
         "3 channels, ImageNet mean/std" % (size, size, 15.0 / size)),
        ("Trained on", m["trained_on"]),
        ("Training study", "`%s` (%d training hands split by hand into %d for training and %d "
         "for validation; the study's test hands unused)"
         % (train_study, train_hands + val_hands, train_hands, val_hands)),
        ("Frames", "%s (%s training images)" % (frames_text, m["train_images"])),
        ("Initialisation", "from scratch (seeded, torchvision's schemes): no ImageNet weights"
         if m["init"].startswith("from scratch") else m["init"]),
        ("Optimiser", m["optimizer"]),
        ("Augmentation", m["augmentation"]),
        ("Epochs", "%s run, checkpoint of epoch %s (best validation accuracy %s by image, %s by "
         "hand)" % (m["epochs"], m["best_epoch"], m["val_accuracy"], m["val_hand_accuracy"])),
        ("Training time", "%.0f min on 2 cores (wall clock, shared machine)" % minutes),
        ("Seed", m["seed"]),
        ("Version", "Carpalscope %s, %s" % (m["version"], m["date"])),
    ]
    for key, value in rows:
        out.append("| %s | %s |" % (key, value))
    out.append("\nCommand:\n\n    %s\n" % m["command"])
    out.append("## Test: a fresh phantom study of another seed\n")
    out.append("    %s" % test_study)
    out.append("    carpalscope-cli evaluate --study study2/study.json --model models/%s.safetensors "
               "--split all --json\n" % name)
    out.append("Every frame of every hand (none seen in training). Image level: each frame "
               "(p_cts >= 0.5 is CTS); hand level: the mean p_cts of the hand's frames. 95%% CIs: "
               "stratified percentile bootstrap (%d replicates, seed %d); the AUC's is DeLong's.\n"
               % (ev["replicates"], ev["seed"]))
    out.append("| Level | n | Hands | Accuracy | Precision | Recall | Specificity | F1 | AUC | "
               "TP / FP / TN / FN |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for level in ("image", "hand"):
        e = levels[level]
        c = e["confusion"]
        out.append("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %d / %d / %d / %d |" % (
            level, e["n"], e["hands"], ci(e["accuracy"]), ci(e["precision"]), ci(e["recall"]),
            ci(e["specificity"]), ci(e["f1"]), ci(e["auc"]), c["tp"], c["fp"], c["tn"], c["fn"]))
    out.append("\n## Limits\n")
    out.append("- The phantom is built so that no single simple number separates the groups "
               "(nerve area alone gives an AUC of about 0.82; docs/phantom.md). Its CTS hands come "
               "in the paper's mix of nerve-conduction stages 2-5 with a continuous severity; "
               "the stage 2 hands (a quarter) are the subtle ones.")
    if ceiling is not None:
        out.append("- A classifier handed the exact truth parameters of each test hand (a "
                   "logistic regression on them, trained on the training study's hands; "
                   "docs/phantom-ceiling.py) reaches a hand-level accuracy of %.3f on the same "
                   "hands; the pixels carry little more (the ligament's bowing and the outline's "
                   "smoothness also follow severity), so a network should not be expected much "
                   "above it."
                   % ceiling)
    if hand_acc >= TARGET:
        out.append("- Meets the project's target on a fresh phantom study (hand-level accuracy "
                   "of at least %.2f): %.3f." % (TARGET, hand_acc))
    else:
        out.append("- Does NOT meet the project's target on a fresh phantom study (hand-level "
                   "accuracy of at least %.2f): %.3f." % (TARGET, hand_acc))
    if size < 224:
        out.append("- The input is %d pixels, not the architectures' usual 224, so that two "
                   "cores train it in reasonable time; Grad-CAM's last block is then only %d "
                   "cells across." % (size, feature_side(arch, size)))
    out.append("- Trained from scratch on %d synthetic hands: expect nothing from it on real "
               "images." % train_hands)
    print("\n".join(out))


if __name__ == "__main__":
    main()
