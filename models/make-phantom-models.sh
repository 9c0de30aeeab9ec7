#!/bin/sh
# make-phantom-models.sh — how the shipped phantom models were made, step by step
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: models/make-phantom-models.sh WORKDIR [CLI]
#
# 1. A seeded phantom study to train on (100 hands; the study marks 10 test hands per group,
#    which training never reads) and a fresh one of another seed to test on.
# 2. Each network trained from scratch by carpalscope-cli train (the training hands split by
#    hand into training and validation; the checkpoint of best validation accuracy kept).
# 3. Each evaluated on every frame of every hand of the test study; the metrics and the model
#    card are then written into the weights' metadata (models/add-metadata.py).
# Training runs one after the other (2 cores). The input is 64 pixels and the augmentation
# "light" because that is what the machine's time allowed to learn anything at all; see the
# cards. Results differ with the number of threads only in the last bits.
set -eu
work=${1:?usage: make-phantom-models.sh WORKDIR [CLI]}
cli=${2:-carpalscope-cli}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
cd "$work"

$cli phantom-study --hands-per-group 50 --frames 20 --seed 1 --out study1 --threads 1 -q
$cli phantom-study --hands-per-group 25 --frames 20 --seed 2 --out study2 --threads 1 -q

common="--study study1/study.json --input-size 64 --augment light --epochs 15 --frames-per-hand 10 --seed 1 --threads 2"
$cli train $common --arch mobilenet_v2 --optimizer adam --lr 0.001 \
  --out mobilenet_v2-phantom.safetensors
# SqueezeNet has no batch norm: at Adam's usual 1e-3 (or SGD at 1e-2) its class maps die.
$cli train $common --arch squeezenet1_1 --optimizer adam --lr 0.0001 \
  --out squeezenet1_1-phantom.safetensors
$cli train $common --arch efficientnet_b0 --optimizer adam --lr 0.001 \
  --out efficientnet_b0-phantom.safetensors

for id in mobilenet_v2-phantom squeezenet1_1-phantom efficientnet_b0-phantom; do
  $cli evaluate --study study2/study.json --model "$id.safetensors" --split all --json \
    > "$id.evaluation.json"
  python3 - "$id" <<'PY' > "$id.metrics"
import json, sys
ev = json.load(open(sys.argv[1] + ".evaluation.json"))
d = {m["level"]: m for m in ev["models"]}
print("test_image_accuracy=%.4f test_hand_accuracy=%.4f test_image_auc=%.4f test_hand_auc=%.4f"
      % (d["image"]["accuracy"]["value"], d["hand"]["accuracy"]["value"],
         d["image"]["auc"]["value"], d["hand"]["auc"]["value"]))
PY
  # The card (models/$id.md) is written from these numbers, then stored in the weights too.
  python3 "$here/add-metadata.py" "$id.safetensors" $(cat "$id.metrics") \
    "test_study=carpalscope-cli phantom-study --hands-per-group 25 --frames 20 --seed 2 (every frame of all 50 hands)" \
    "demonstrator=not for patients"
done
