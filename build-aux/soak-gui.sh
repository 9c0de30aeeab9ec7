#!/usr/bin/env bash
# soak-gui.sh — the window's soak: a phantom study analysed, frames explained, saved, quit
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/soak-gui.sh BUILDDIR [OUTDIR] [-- soak-gui.py options]
#   e.g. build-aux/soak-gui.sh _build-asan                     (60 cases, 20 explanations)
#        build-aux/soak-gui.sh _build-asan /tmp/soak -- --cases 3 --explain 2
# Runs tests/soak/soak-gui.py in a private X server and session bus (tests/gui/run-xvfb.sh) on
# BUILDDIR's carpalscope and carpalscope-cli with the models it built. A build configured with
# -Db_sanitize=address,undefined also checks for leaks at exit. Writes OUTDIR/soak-gui.txt (the
# per-case RSS table and the verdict) and OUTDIR/app.log (default OUTDIR: BUILDDIR/soak). Not
# part of the test suite: 60 cases take several minutes, more under the sanitizers.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: soak-gui.sh BUILDDIR [OUTDIR] [-- options]}" && pwd)
shift
out="$build/soak"
if [ $# -gt 0 ] && [ "$1" != -- ]; then
  out=$1
  shift
fi
[ "${1:-}" = -- ] && shift
mkdir -p "$out"
export GSETTINGS_SCHEMA_DIR="$build/data"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export G_ENABLE_DIAGNOSTIC=1
exec "$src/tests/gui/run-xvfb.sh" --dbus "$src/tests/soak/soak-gui.py" \
  "$build/src/gui/carpalscope" "$build/src/cli/carpalscope-cli" "$out" \
  --models "$build/models" "$@"
