#!/usr/bin/env bash
# run-fuzz.sh — build the safetensors parser's libFuzzer harness with clang and run it briefly
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/run-fuzz.sh [SECONDS]        (default 45; or $CARPALSCOPE_FUZZ_SECONDS)
# Environment: CLANG (default clang), CARPALSCOPE_FUZZ_DIR (work directory; default a new
# temporary one, removed afterwards unless something was found).
#
# Exit status: 0 when the fuzzer found nothing, or when clang or its fuzzer runtime is missing
# (said on stdout: the check is skipped, not passed); non-zero when an input crashed the parser,
# read out of bounds, leaked or hit undefined behaviour. The input is kept and named on stderr;
# replay it with the fuzz-replay program this script builds beside the fuzzer.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
seconds=${1:-${CARPALSCOPE_FUZZ_SECONDS:-45}}
clang=${CLANG:-clang}

case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

if ! command -v "$clang" >/dev/null 2>&1; then
  echo "run-fuzz: SKIP: $clang is not installed (Debian: clang, libclang-rt-14-dev)"
  exit 0
fi

. "$here/fuzz-common.sh"
fuzz_workdir fuzz

fuzz_probe run-fuzz

# The engine's models code wants the paths of config.h; the fuzzer needs none of them.
cat > "$work/config.h" <<'CONFIG'
#define MODELSDIR "/nonexistent"
#define BUILD_MODELSDIR "/nonexistent"
CONFIG

engine="$top/src/engine"
sources=("$engine/csnn-safetensors.c" "$engine/csnn-safetensors-json.c"
         "$engine/csnn-safetensors-save.c" "$engine/csnn-sha256.c" "$engine/csnn-status.c"
         "$engine/csnn-models.c" "$top/tests/fuzz/fuzz-safetensors.c")
flags=(-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
       -I "$work" -I "$engine" -I "$top/tests/fuzz")

echo "run-fuzz: building in $work"
"$clang" "${flags[@]}" -fsanitize=fuzzer,address,undefined "${sources[@]}" \
  -o "$work/fuzz-safetensors" -lm -lpthread
"$clang" "${flags[@]}" -fsanitize=address,undefined "${sources[@]}" \
  "$top/tests/fuzz/fuzz-seeds.c" "$top/tests/fuzz/fuzz-replay.c" \
  -o "$work/fuzz-replay" -lm -lpthread

# The seed corpus: the same seeds every meson build replays, written out as files.
rm -rf "$work/seeds"
"$work/fuzz-replay" --write-seeds "$work/seeds"
mkdir -p "$work/corpus"

# Tokens of the header's JSON help the fuzzer past the parser's string comparisons.
cat > "$work/safetensors.dict" <<'DICT'
"{"
"}"
"["
"]"
":"
","
"\""
"\\u"
"\\ud83d\\ude00"
"__metadata__"
"dtype"
"shape"
"data_offsets"
"F32"
"F16"
"BF16"
"F64"
"I64"
"U8"
"BOOL"
"F8_E4M3"
"arch"
"classes"
"input_size"
"mean"
"std"
"9223372036854775807"
"18446744073709551616"
"-1"
"1e3"
"\x00\x00\x00\x00\x00\x00\x00"
DICT

echo "run-fuzz: fuzzing csnn_safetensors_parse for ${seconds} s"
status=0
(cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ./fuzz-safetensors -seed="${CARPALSCOPE_FUZZ_SEED:-1}" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -dict=safetensors.dict -artifact_prefix="$work/" -print_final_stats=1 \
    corpus seeds) >"$work/fuzz.log" 2>&1 || status=$?

grep -E '^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss_mb' "$work/fuzz.log" |
  tail -3 || true
if [ "$status" != 0 ]; then
  keep=1
  echo "run-fuzz: FAILED (status $status); log and inputs kept in $work" >&2
  grep -E 'ERROR|SUMMARY|runtime error|artifact' "$work/fuzz.log" | head -20 >&2 || true
  ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2 || true
  exit 1
fi
echo "run-fuzz: no finding in ${seconds} s ($(ls "$work/corpus" | wc -l) new corpus inputs)"

# The DICOM path has a harness of its own: GDCM is C++ and links more than the engine.
"$here/run-fuzz-dicom.sh" "$seconds"
