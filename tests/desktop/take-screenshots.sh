#!/bin/sh
# take-screenshots.sh — screenshots of the running application for the metainfo and for review
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/desktop/take-screenshots.sh PREFIX OUTDIR [FILE [WIDTHxHEIGHT]]
#   PREFIX is an installed prefix (meson setup --prefix=PREFIX && meson install), so that the
#   translations, the icon and the compiled settings schema are found. Writes OUTDIR/main-window.png
#   (English) and OUTDIR/main-window-ja.png (Japanese; needs fonts-noto-cjk). FILE, such as the
#   demo study, is opened at start; WIDTHxHEIGHT sets the window size (default 1180x760). Each run
#   starts its own Xvfb with xvfb-run; there is no window manager, so the shot is cropped to the
#   window. Set CARPALSCOPE_SHOT_DELAY (seconds, default 4) for slow starts.
set -eu
prefix=$(cd "$1" && pwd)
outdir=$2
file=${3:-}
size=${4:-1180x760}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
if [ -n "$file" ]; then
  file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
fi

if [ -z "${CARPALSCOPE_IN_XVFB:-}" ]; then
  for lang in en ja; do
    CARPALSCOPE_IN_XVFB=$lang xvfb-run -a -s "-screen 0 1600x1000x24" \
      sh "$0" "$prefix" "$outdir" "$file" "$size"
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

# A private settings store and data home keep the user's settings and recent files out of the shot;
# the window size is set through the same keys the application restores.
width=${size%x*}
height=${size#*x}
env GDK_BACKEND=x11 GSK_RENDERER=cairo NO_AT_BRIDGE=1 GSETTINGS_BACKEND=keyfile \
  GSETTINGS_SCHEMA_DIR="$prefix/share/glib-2.0/schemas" \
  XDG_DATA_DIRS="$prefix/share:/usr/local/share:/usr/share" XDG_DATA_HOME="$tmp/data" \
  XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
  LANGUAGE="$lang" LANG=C.UTF-8 LC_ALL= \
  sh -c 'gsettings set io.github.carpalscope.Carpalscope window-width "$1" &&
         gsettings set io.github.carpalscope.Carpalscope window-height "$2" &&
         shift 2 && exec "$@"' sh "$width" "$height" \
  "$prefix/bin/carpalscope" ${file:+"$file"} >"$tmp/app.log" 2>&1 &
app=$!
sleep "${CARPALSCOPE_SHOT_DELAY:-4}"
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
