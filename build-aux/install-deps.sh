#!/usr/bin/env bash
# install-deps.sh — install the Debian 12 packages Carpalscope needs, only those missing.
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/install-deps.sh app|test
#   app   what building and running the application needs (build-aux/debian-packages.txt)
#   test  that plus what the test suites need (every build-aux/debian-packages*.txt)
# Safe to re-run: when nothing is missing it changes nothing and needs no network.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-app}

case "$mode" in
  app) lists=("$here/debian-packages.txt") ;;
  test) lists=("$here"/debian-packages*.txt) ;;
  *) echo "usage: $0 app|test" >&2; exit 2 ;;
esac

wanted=$(cat "${lists[@]}" | sed -e 's/#.*//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u)
missing=()
for pkg in $wanted; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${mode} packages are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
