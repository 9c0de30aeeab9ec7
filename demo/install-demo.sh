#!/bin/sh
# install-demo.sh — copy the generated demo study into the installed data folder.
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
src=$1
dest=${DESTDIR:-}$2
mkdir -p "$dest"
cp "$src/study.json" "$dest/"
for dir in "$src"/*/; do
  [ -d "$dir" ] && cp -R "$dir" "$dest/"
done
