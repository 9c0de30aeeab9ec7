#!/usr/bin/python3
# check-model-cards.py — the shipped models' cards agree with their weights
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-model-cards.py MODELS_DIR
#
# For every MODELS_DIR/*.safetensors: the card beside it (same stem, .md) is the "model_card" its
# metadata carries, word for word (make-phantom-models.sh and make-nerve-model.sh write both); a
# model trained on phantoms says on its card that it is a demonstrator, not for patients; and a
# model with leave-presets-out figures (test_<study>_hand_accuracy) states the held-out targets
# as its figures give them: hand accuracy >= 0.93, within 0.03 of in-domain, hand AUC >= 0.97.
import glob
import json
import os
import struct
import sys

failures = []
checks = [0]


def check(what, ok):
    checks[0] += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", checks[0], what))
    if not ok:
        failures.append(what)


def metadata(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)).get("__metadata__", {})


def held_out_targets(name, meta):
    """Checks the targets a model's metadata and card state against its figures."""
    in_domain = float(meta["test_hand_accuracy"])
    held = [key[len("test_"):-len("_targets")] for key in meta
            if key.startswith("test_") and key.endswith("_targets")]
    check("%s: names its held-out studies" % name, len(held) > 0)
    all_met = True
    for study in held:
        accuracy = float(meta["test_%s_hand_accuracy" % study])
        auc = float(meta["test_%s_hand_auc" % study])
        gap = float(meta["test_%s_hand_accuracy_gap" % study])
        check("%s: %s gap is in-domain minus held-out" % (name, study),
              abs(gap - (in_domain - accuracy)) < 1e-3)
        met = accuracy >= 0.93 and gap <= 0.03 + 1e-9 and auc >= 0.97
        all_met = all_met and met
        check("%s: %s targets as the figures give them" % (name, study),
              meta["test_%s_targets" % study].count("not met") == (
                  (accuracy < 0.93) + (gap > 0.03 + 1e-9) + (auc < 0.97)))
    check("%s: held_out_targets is %s" % (name, "met" if all_met else "not met"),
          meta.get("held_out_targets") == ("met" if all_met else "not met"))
    card = meta.get("model_card", "")
    check("%s: the card states whether the targets are met" % name,
          ("Every target is met" in card) == all_met and
          ("Not every target is met" in card) == (not all_met))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check-model-cards.py MODELS_DIR")
    models = sorted(glob.glob(os.path.join(sys.argv[1], "*.safetensors")))
    check("there are shipped models", len(models) > 0)
    for path in models:
        name = os.path.basename(path)[:-len(".safetensors")]
        meta = metadata(path)
        card_path = path[:-len(".safetensors")] + ".md"
        check("%s: a card beside the weights" % name, os.path.exists(card_path))
        if not os.path.exists(card_path):
            continue
        with open(card_path, encoding="utf-8") as f:
            card = f.read()
        check("%s: the card is the weights' model_card" % name, meta.get("model_card") == card)
        if "phantom" in meta.get("trained_on", ""):
            check("%s: a phantom model's card says it is not for patients" % name,
                  "not for patients" in card)
        if "held_out_targets" in meta or any(k.endswith("_targets") for k in meta):
            held_out_targets(name, meta)
    print("1..%d" % checks[0])
    if failures:
        sys.exit("check-model-cards: %d failed: %s" % (len(failures), "; ".join(failures)))


if __name__ == "__main__":
    main()
