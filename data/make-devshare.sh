#!/bin/sh
# make-devshare.sh — builds the uninstalled data directory used by `meson devenv`
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: make-devshare.sh STAMP DIR ICON SYMBOLIC_ICON MIME_XML [UPDATE_MIME_DATABASE]
set -eu
stamp=$1 dir=$2 icon=$3 symbolic=$4 mime=$5
update=${6:-}

mkdir -p "$dir/icons/hicolor/scalable/apps" "$dir/icons/hicolor/symbolic/apps" "$dir/mime/packages"
cp "$icon" "$dir/icons/hicolor/scalable/apps/"
cp "$symbolic" "$dir/icons/hicolor/symbolic/apps/"
cp "$mime" "$dir/mime/packages/"
if [ -n "$update" ]; then
  "$update" "$dir/mime"
fi
touch "$stamp"
