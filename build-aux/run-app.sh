#!/usr/bin/env bash
# run-app.sh — run Carpalscope from a build directory without installing it.
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/run-app.sh BUILDDIR [FILE]
# With no FILE it opens the demo study when the build made one.
set -euo pipefail

builddir=${1:?usage: run-app.sh BUILDDIR [FILE]}
shift
demo="$builddir/demo/study.json"
if [ $# -eq 0 ] && [ -f "$demo" ]; then
  set -- "$demo"
fi
exec meson devenv -C "$builddir" --workdir "$PWD" "$PWD/$builddir/src/gui/carpalscope" "$@"
