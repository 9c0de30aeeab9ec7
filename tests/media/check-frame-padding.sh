#!/bin/sh
# check-frame-padding.sh — tiny images decoded under valgrind: nothing is written past a frame
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# swscale writes whole SIMD words, up to 8 bytes past the last pixel of a row, and so past the end
# of a frame's last row; AddressSanitizer does not see it (swscale is not instrumented) but the heap
# was corrupted (found by the images fuzzer). `carpalscope-cli info` decodes frame 0 of 3 x 3
# images of formats swscale converts to gray, under valgrind, which must report no invalid write.
# Skips without valgrind or ffmpeg, with a sanitizer-built CLI (valgrind cannot run one), and
# where valgrind cannot run the CLI at all: on some processors a system library's start-up code
# uses an instruction valgrind 3.19 does not know (seen on an AMD Zen 5: libhwy, which FFmpeg's
# JPEG XL decoder loads, stops with SIGILL in hwy::platform::TimerResolution() before main).
set -eu

cli=${CARPALSCOPE_CLI:?CARPALSCOPE_CLI must name carpalscope-cli}
for tool in valgrind ffmpeg; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done
if ldd "$cli" 2>/dev/null | grep -q 'libasan\|libubsan'; then
  echo "1..0 # SKIP the CLI is built with sanitizers, which valgrind cannot run"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/carpalscope-padding.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! valgrind -q "$cli" --version >"$work/probe" 2>&1 &&
  grep -q 'Illegal opcode\|unhandled instruction' "$work/probe"; then
  where=$(grep -m1 ' at 0x' "$work/probe" | sed 's/.*: //')
  echo "1..0 # SKIP valgrind cannot run carpalscope-cli on this processor (illegal instruction in $where)"
  exit 0
fi
n=0
failed=0
for spec in rgba:png yuvj420p:jpg bgr24:bmp; do
  format=${spec%%:*}
  extension=${spec##*:}
  image="$work/tiny-$format.$extension"
  n=$((n + 1))
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=3x3 -frames:v 1 \
    -pix_fmt "$format" "$image"
  if valgrind -q --error-exitcode=99 "$cli" info "$image" >"$work/log" 2>&1; then
    echo "ok $n - a 3 x 3 $format $extension"
  else
    echo "not ok $n - a 3 x 3 $format $extension"
    grep -A6 'Invalid' "$work/log" | sed 's/^/# /' | head -20
    failed=1
  fi
done
echo "1..$n"
exit "$failed"
