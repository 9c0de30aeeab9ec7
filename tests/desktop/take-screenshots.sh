#!/bin/sh
# take-screenshots.sh — screenshots of the running application for the metainfo and for review
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/desktop/take-screenshots.sh PREFIX OUTDIR
#   PREFIX is an installed prefix (meson setup --prefix=PREFIX && meson install), so that the
#   translations, the icon and the compiled settings schema are found. Writes OUTDIR/main-window.png
#   (English) and OUTDIR/main-window-ja.png (Japanese; needs fonts-noto-cjk). Each run starts its
#   own Xvfb with xvfb-run; there is no window manager, so the shot is cropped to the window.
set -eu
prefix=$(cd "$1" && pwd)
outdir=$2
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

if [ -z "${CARPALSCOPE_IN_XVFB:-}" ]; then
  for lang in en ja; do
    CARPALSCOPE_IN_XVFB=$lang xvfb-run -a -s "-screen 0 1280x800x24" sh "$0" "$prefix" "$outdir"
  done
  exit 0
fi

lang=$CARPALSCOPE_IN_XVFB
case $lang in
  en) name=main-window.png ;;
  *) name=main-window-$lang.png ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A private settings store and data home keep the user's settings and recent files out of the shot.
env GDK_BACKEND=x11 GSK_RENDERER=cairo NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory \
  GSETTINGS_SCHEMA_DIR="$prefix/share/glib-2.0/schemas" \
  XDG_DATA_DIRS="$prefix/share:/usr/local/share:/usr/share" XDG_DATA_HOME="$tmp/data" \
  XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
  LANGUAGE="$lang" LANG=C.UTF-8 LC_ALL= \
  "$prefix/bin/carpalscope" >"$tmp/app.log" 2>&1 &
app=$!
sleep 4
import -window root "$tmp/root.png"
kill "$app" 2>/dev/null || true
wait "$app" 2>/dev/null || true
# The Xvfb root is black around the window; trimming leaves the window alone.
convert "$tmp/root.png" -trim +repage "$outdir/$name"
if [ -s "$tmp/app.log" ]; then
  echo "application output ($lang):" >&2
  cat "$tmp/app.log" >&2
fi
echo "$outdir/$name"
