#!/usr/bin/env bash
# check-format.sh — every C file of the tree must be as clang-format (.clang-format) writes it.
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/check-format.sh [--fix]
set -euo pipefail

cd "$(dirname "$0")/.."
files=$(git ls-files -- 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c' 'bench/*.h')
[ -n "$files" ] || exit 0
if [ "${1:-}" = --fix ]; then
  clang-format -i $files
  exit 0
fi
if ! clang-format --dry-run --Werror $files; then
  echo "check-format: run build-aux/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: $(echo "$files" | wc -l) files formatted"
