#!/bin/sh
# train-bench.sh — training throughput, ours and PyTorch's, in one run, architecture by architecture
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/train-bench.sh BUILDDIR [STEPS] [ROUNDS]
#
# Builds bench/train-bench.c against BUILDDIR's engine library, then for each architecture runs
# ours and PyTorch (2 threads, batch 16) one after the other, ROUNDS times (default 3), keeps each
# one's best round (a shared machine's load comes and goes) and prints both and their ratio
# (ours / PyTorch: 1 or more means at least as fast).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: train-bench.sh BUILDDIR [STEPS]}
steps=${2:-5}
rounds=${3:-3}
exe="$build/bench/train-bench"
mkdir -p "$build/bench"
cc -O2 -std=c11 -D_GNU_SOURCE -I"$here/../src/engine" "$here/train-bench.c" \
  "$build/src/engine/libcsnn.a" -lopenblas -lm -lpthread -o "$exe"
for arch in squeezenet1_1 mobilenet_v2 efficientnet_b0; do
  best_ours=0
  best_torch=0
  r=0
  while [ "$r" -lt "$rounds" ]; do
    ours=$("$exe" --threads 2 --batch 16 --steps "$steps" "$arch" | awk '{ print $2 }')
    torch=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$here/train-bench.py" \
      --threads 2 --batch 16 --steps "$steps" "$arch" | awk '{ print $2 }')
    best_ours=$(echo "$best_ours $ours" | awk '{ print ($2 > $1) ? $2 : $1 }')
    best_torch=$(echo "$best_torch $torch" | awk '{ print ($2 > $1) ? $2 : $1 }')
    r=$((r + 1))
  done
  echo "$arch $best_ours $best_torch" | awk '{ printf "%-16s ours %7.2f img/s   pytorch %7.2f img/s   ratio %.2f\n", $1, $2, $3, $2 / $3 }'
done
