#!/usr/bin/env bash
# run-atspi.sh — run an AT-SPI driver against Carpalscope in a private X server and session bus.
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: run-atspi.sh DRIVER.py APP SCREENSHOT_DIR [ARGS...]
set -euo pipefail

driver=$1
shift
for tool in xvfb-run dbus-run-session /usr/bin/python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done
exec xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- /usr/bin/python3 "$driver" "$@" 3>&1 1>&2
