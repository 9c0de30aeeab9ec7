#!/usr/bin/env bash
# run-xvfb.sh — run a test in a private X server (and, with --dbus, a private session bus).
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: run-xvfb.sh --dbus DRIVER.py ARGS...   an AT-SPI driver, run with Debian's python3
#        run-xvfb.sh PROGRAM ARGS...             a widget test (GTK_A11Y=test, no bus)
# An AT-SPI driver writes TAP on file descriptor 3: the session bus's services print on stdout.
set -euo pipefail

use_dbus=false
if [ "${1:-}" = --dbus ]; then
  use_dbus=true
  shift
fi
for tool in Xvfb dbus-run-session /usr/bin/python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done

work_dir=$(mktemp -d)
xvfb_pid=
cleanup() {
  if [ -n "$xvfb_pid" ]; then
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

# A display number of our own: random, skipping any with a lock file, and retried if another
# server takes it first. An X server whose SIGUSR1 is ignored signals its parent with SIGUSR1
# once it accepts connections; the socket file alone appears too early. -noreset: the AT-SPI bus
# launcher connects and leaves early, and a server reset then would refuse the application.
ready=
trap 'ready=1' USR1
for _ in $(seq 20); do
  display=$((200 + RANDOM % 700))
  [ -e "/tmp/.X$display-lock" ] && continue
  ready=
  (
    trap '' USR1
    exec Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp -noreset 2>"$work_dir/xvfb.log"
  ) &
  xvfb_pid=$!
  for _ in $(seq 150); do
    [ -n "$ready" ] && break
    kill -0 "$xvfb_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$ready" ] && kill -0 "$xvfb_pid" 2>/dev/null; then
    break
  fi
  wait "$xvfb_pid" 2>/dev/null || true
  xvfb_pid=
done
if [ -z "$xvfb_pid" ]; then
  echo "1..0 # SKIP Xvfb did not start: $(cat "$work_dir/xvfb.log")"
  exit 0
fi
export DISPLAY=":$display"
if $use_dbus; then
  # The driver's own GLib (through pyatspi) must not die on a warning of the accessibility stack;
  # the application under test keeps the G_DEBUG the suite asked for (atspi_helpers.App).
  export CARPALSCOPE_APP_G_DEBUG="${G_DEBUG:-}"
  unset G_DEBUG
  dbus-run-session -- /usr/bin/python3 "$@" 3>&1 1>&2
else
  "$@"
fi
