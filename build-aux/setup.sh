#!/usr/bin/env bash
# setup.sh — the two set-up commands of the README: run the app, or run every test.
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/setup.sh app [ARGS...]   install what is missing, build, run Carpalscope
#        build-aux/setup.sh test            install what is missing, build, run every test suite
#                                           in a normal build and in an ASan + UBSan build
# Both are idempotent: re-running reuses the build directories and installs nothing new.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mode=${1:-}
[ $# -gt 0 ] && shift

configure() { # builddir, meson options...
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1 || {
      cat "$dir.setup.log" >&2
      return 1
    }
  else
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
      cat "$dir.setup.log" >&2
      return 1
    }
  fi
}

case "$mode" in
  app)
    build-aux/install-deps.sh app
    configure _build --buildtype=release -Dtests=false
    meson compile -C _build
    exec build-aux/run-app.sh _build "$@"
    ;;
  test)
    build-aux/install-deps.sh test
    exec build-aux/run-tests.sh
    ;;
  *)
    echo "usage: $0 app [FILE] | test" >&2
    exit 2
    ;;
esac
