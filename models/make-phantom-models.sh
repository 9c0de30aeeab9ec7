#!/bin/sh
# make-phantom-models.sh — how the shipped phantom models were made, step by step
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: models/make-phantom-models.sh WORKDIR [CLI]
#
# 1. A seeded phantom study to train on (3000 hands of 4 frames: many hands teach more than many
#    frames of few hands; the study marks 10 test hands per group, which training never reads)
#    and a fresh one of another seed to test on (200 hands of 10 frames). A study that already
#    exists is kept (the same seed and options give the same bytes).
# 2. Each network trained from scratch by carpalscope-cli train (the training hands split by
#    hand into training and validation; the checkpoint of best validation accuracy kept).
# 3. Each evaluated on every frame of every hand of the test study; the metrics and the model
#    card are then written into the weights' metadata (models/add-metadata.py). The card also
#    gives what a classifier handed each test hand's exact truth parameters reaches
#    (docs/phantom-ceiling.py): the phantom's own ceiling.
# The data size was chosen on a third study (seed 3, 100 + 100 hands of 10 frames) and the
# epochs on the validation curves of the training runs, never on the test study. Training runs
# one after the other (2 cores). The input is 112 pixels (0.13 mm per pixel over the 15 mm crop:
# the epineurium is 1-3 pixels thick) and the augmentation "light" (no scaling, which would blur
# the nerve's size) because that is what two cores train in about 75 minutes; see the cards.
# Results differ with the number of threads only in the last bits.
set -eu
work=${1:?usage: make-phantom-models.sh WORKDIR [CLI]}
cli=${2:-carpalscope-cli}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
cd "$work"

[ -f study1/study.json ] ||
  $cli phantom-study --hands-per-group 1500 --frames 4 --seed 4 --test-per-group 10 --out study1 \
    --threads 2 -q
[ -f study2/study.json ] ||
  $cli phantom-study --hands-per-group 100 --frames 10 --seed 2 --out study2 --threads 2 -q

common="--study study1/study.json --input-size 112 --augment light --seed 1 --threads 2 --optimizer adam"
# train ID ARGS...: trains ID.safetensors and keeps its wall time for the card. A model already
# trained (with its time) is kept, so that an interrupted run can go on where it stopped.
train() {
  id=$1
  shift
  [ -f "$id.safetensors" ] && [ -f "$id.seconds" ] && return 0
  start=$(date +%s)
  $cli train $common "$@" --out "$id.safetensors"
  echo $(($(date +%s) - start)) > "$id.seconds"
}
train mobilenet_v2-phantom --arch mobilenet_v2 --epochs 12 --lr 0.001
train efficientnet_b0-phantom --arch efficientnet_b0 --epochs 10 --lr 0.001
# SqueezeNet has no batch norm: at Adam's usual 1e-3 (or SGD at 1e-2) its class maps die. It is
# the fastest of the three, so it gets more epochs.
train squeezenet1_1-phantom --arch squeezenet1_1 --epochs 15 --lr 0.0001

# Each model's test metrics, wall time and card go into its weights; the card also beside them.
train_study="carpalscope-cli phantom-study --hands-per-group 1500 --frames 4 --seed 4 --test-per-group 10"
test_study="carpalscope-cli phantom-study --hands-per-group 100 --frames 10 --seed 2"
# The ceiling: a logistic regression on the exact truth parameters, trained on study1's hands.
/usr/bin/python3 "$here/../docs/phantom-ceiling.py" study1 study2 > ceiling.md
ceiling=$(/usr/bin/python3 "$here/../docs/phantom-ceiling.py" --value study1 study2)
for id in mobilenet_v2-phantom squeezenet1_1-phantom efficientnet_b0-phantom; do
  $cli evaluate --study study2/study.json --model "$id.safetensors" --split all --json \
    > "$id.evaluation.json"
  /usr/bin/python3 - "$id" <<'PY' > "$id.metrics"
import json, sys
ev = json.load(open(sys.argv[1] + ".evaluation.json"))
d = {m["level"]: m for m in ev["models"]}
print("test_image_accuracy=%.4f test_hand_accuracy=%.4f test_image_auc=%.4f test_hand_auc=%.4f"
      % (d["image"]["accuracy"]["value"], d["hand"]["accuracy"]["value"],
         d["image"]["auc"]["value"], d["hand"]["auc"]["value"]))
PY
  /usr/bin/python3 "$here/add-metadata.py" "$id.safetensors" $(cat "$id.metrics") \
    "train_wall_seconds=$(cat "$id.seconds")" \
    "test_study=$test_study (every frame of all 200 hands)" "demonstrator=not for patients"
  /usr/bin/python3 "$here/write-card.py" "$id.safetensors" "$id.evaluation.json" \
    "$train_study" "$test_study --out study2" "$ceiling" > "$id.md"
  /usr/bin/python3 "$here/add-metadata.py" "$id.safetensors" "model_card=@$id.md"
done
# Then: cp WORKDIR/*-phantom.safetensors WORKDIR/*-phantom.md models/
