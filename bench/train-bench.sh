#!/bin/sh
# train-bench.sh — training throughput, ours and PyTorch's, in one run, architecture by architecture
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/train-bench.sh BUILDDIR [STEPS]
#
# Builds bench/train-bench.c against BUILDDIR's engine library, then for each architecture runs
# ours and PyTorch (2 threads, batch 16) one after the other and prints both and their ratio
# (ours / PyTorch: 1 or more means at least as fast).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: train-bench.sh BUILDDIR [STEPS]}
steps=${2:-5}
exe="$build/bench/train-bench"
mkdir -p "$build/bench"
cc -O2 -std=c11 -D_GNU_SOURCE -I"$here/../src/engine" "$here/train-bench.c" \
  "$build/src/engine/libcsnn.a" -lopenblas -lm -lpthread -o "$exe"
for arch in squeezenet1_1 mobilenet_v2 efficientnet_b0; do
  ours=$("$exe" --threads 2 --batch 16 --steps "$steps" "$arch")
  torch=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$here/train-bench.py" \
    --threads 2 --batch 16 --steps "$steps" "$arch")
  echo "$ours $torch" | awk '{ printf "%-16s ours %7.2f img/s   pytorch %7.2f img/s   ratio %.2f\n", $1, $2, $5, $2 / $5 }'
done
