#!/usr/bin/env bash
# run-fuzz-dicom.sh — build the DICOM path's libFuzzer harness with clang and run it briefly
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/run-fuzz-dicom.sh [SECONDS]  (default 45; or $CARPALSCOPE_FUZZ_SECONDS)
# Environment: CLANG (default clang), CLANGXX (default clang++), CARPALSCOPE_FUZZ_DIR (work
# directory; default a new temporary one, removed afterwards unless something was found).
#
# The harness (tests/fuzz/fuzz-dicom.c) opens its input with cs_dicom_open_memory(): the structure
# check, GDCM's reading and the header's facts, then decodes the first and last frames to gray.
# Our code is instrumented; GDCM (Debian's libgdcm, with its assertions on) is not, so a finding
# inside GDCM shows as an abort with GDCM's assertion. Exit status as build-aux/run-fuzz.sh: 0
# when nothing was found or clang's fuzzer is missing (said on stdout), non-zero when an input
# crashed, read out of bounds, leaked or hit undefined behaviour; the input is kept and named.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
seconds=${1:-${CARPALSCOPE_FUZZ_SECONDS:-45}}
clang=${CLANG:-clang}
clangxx=${CLANGXX:-clang++}

case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
for tool in "$clang" "$clangxx" pkg-config; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "run-fuzz-dicom: SKIP: $tool is not installed (Debian: clang, libclang-rt-14-dev," \
      "pkg-config)"
    exit 0
  fi
done
gdcm_include=$(ls -d /usr/include/gdcm-3.* 2>/dev/null | head -1 || true)
if [ -z "$gdcm_include" ]; then
  echo "run-fuzz-dicom: SKIP: GDCM's headers are not installed (Debian: libgdcm-dev)"
  exit 0
fi

. "$here/fuzz-common.sh"
fuzz_workdir fuzz-dicom

fuzz_probe run-fuzz-dicom

cat > "$work/config.h" <<'CONFIG'
#define PACKAGE_VERSION "fuzz"
CONFIG

# The DICOM reader, the error domain, and the engine's error state fuzz-replay.c prints.
media="$top/src/media"
c_sources=("$media/cs-dicom-check.c" "$top/src/cs-error.c" "$top/src/engine/csnn-status.c")
include=(-I "$work" -I "$top/src" -I "$media" -I "$top/src/engine" -I "$top/src/base"
         -I "$top/tests/fuzz" $(pkg-config --cflags gio-2.0))
sanitize=(-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all)
libs=(-L/usr/lib/x86_64-linux-gnu -lgdcmMSFF -lgdcmDSED -lgdcmDICT -lgdcmIOD -lgdcmCommon
      $(pkg-config --libs gio-2.0) -lm -lpthread)

echo "run-fuzz-dicom: building in $work"
build() { # build FUZZER-SANITIZERS OUTPUT EXTRA-C-SOURCES...
  local sanitizers=$1 out=$2 objects=()
  shift 2
  mkdir -p "$work/obj-$out"
  for source in "${c_sources[@]}" "$@"; do
    local object="$work/obj-$out/$(basename "$source").o"
    "$clang" -std=gnu11 -D_GNU_SOURCE "${sanitize[@]}" -fsanitize="$sanitizers" "${include[@]}" \
      -c "$source" -o "$object"
    objects+=("$object")
  done
  for source in "$media/cs-dicom.cc" "$media/cs-dicom-pixels.cc"; do
    local object="$work/obj-$out/$(basename "$source").o"
    "$clangxx" -std=c++17 "${sanitize[@]}" -fsanitize="$sanitizers" "${include[@]}" \
      -I "$gdcm_include" -c "$source" -o "$object"
    objects+=("$object")
  done
  "$clangxx" "${sanitize[@]}" -fsanitize="$sanitizers" "${objects[@]}" -o "$work/$out" \
    "${libs[@]}"
}
build fuzzer,address,undefined fuzz-dicom "$top/tests/fuzz/fuzz-dicom.c"
build address,undefined fuzz-replay-dicom "$top/tests/fuzz/fuzz-dicom.c" \
  "$top/tests/fuzz/fuzz-dicom-seeds.c" "$top/tests/fuzz/fuzz-replay.c"

rm -rf "$work/seeds"
"$work/fuzz-replay-dicom" --write-seeds "$work/seeds"
mkdir -p "$work/corpus"

# Tags, VRs and transfer syntaxes help the fuzzer past the structure check and GDCM's tests.
cat > "$work/dicom.dict" <<'DICT'
"DICM"
"\xfe\xff\x00\xe0"
"\xfe\xff\x0d\xe0"
"\xfe\xff\xdd\xe0"
"\xe0\x7f\x10\x00"
"\xff\xff\xff\xff"
"OB"
"OW"
"SQ"
"UN"
"US"
"UL"
"FD"
"DS"
"IS"
"CS"
"UI"
"MONOCHROME1"
"MONOCHROME2"
"PALETTE COLOR"
"RGB"
"YBR_FULL_422"
"1.2.840.10008.1.2"
"1.2.840.10008.1.2.1"
"1.2.840.10008.1.2.2"
"1.2.840.10008.1.2.5"
"1.2.840.10008.1.2.4.50"
"1.2.840.10008.1.2.4.70"
"1.2.840.10008.1.2.4.80"
"1.2.840.10008.1.2.4.90"
DICT

# GDCM as Debian builds it aborts on some damaged files inside its own code; the application
# contains that by reading each file once in a child process first (cs-sweep-dicom.c). With a
# built carpalscope-cli in $CARPALSCOPE_CLI, the fuzzer goes on past such an input and each one it
# finds is then opened by the CLI, which must refuse it with a message and an exit status of 1;
# anything else (a crash of the CLI, a sanitizer report, an abort in our own code) fails the run.
# Without it, any crash fails the run.
fork_args=()
if [ -n "${CARPALSCOPE_CLI:-}" ]; then
  fork_args=(-fork=1 -ignore_crashes=1)
fi

echo "run-fuzz-dicom: fuzzing cs_dicom_open_memory and cs_dicom_decode_gray for ${seconds} s"
status=0
(cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ./fuzz-dicom -seed="${CARPALSCOPE_FUZZ_SEED:-1}" "${fork_args[@]}" \
    -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -dict=dicom.dict -artifact_prefix="$work/" -print_final_stats=1 \
    corpus seeds) >"$work/fuzz.log" 2>&1 || status=$?

grep -E '^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss_mb' "$work/fuzz.log" |
  tail -3 || true
# With -ignore_crashes, libFuzzer ends with 77 when it met any crash: a sanitizer's report is
# ours to fix and fails the run; an abort (GDCM's assertions) is judged below.
if [ "${#fork_args[@]}" -gt 0 ] && [ "$status" = 77 ]; then
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:' \
      "$work/fuzz.log"; then
    status=1
  else
    status=0
  fi
fi
if [ "$status" != 0 ]; then
  keep=1
  echo "run-fuzz-dicom: FAILED (status $status); log and inputs kept in $work" >&2
  grep -E 'ERROR|SUMMARY|runtime error|artifact|Assertion' "$work/fuzz.log" | head -20 >&2 || true
  exit 1
fi
contained=0
for input in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
  [ -e "$input" ] || continue
  cli_status=0
  "$CARPALSCOPE_CLI" info "$input" >"$work/cli.log" 2>&1 || cli_status=$?
  if [ "$cli_status" != 1 ] || grep -qE 'Sanitizer|runtime error' "$work/cli.log"; then
    keep=1
    echo "run-fuzz-dicom: FAILED: carpalscope-cli info did not refuse $input cleanly" \
      "(status $cli_status); log and inputs kept in $work" >&2
    head -20 "$work/cli.log" >&2
    exit 1
  fi
  contained=$((contained + 1))
done
if [ "$contained" -gt 0 ]; then
  echo "run-fuzz-dicom: $contained input(s) stop GDCM itself; the CLI refuses each with one line:"
  for input in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$input" ] || continue
    { "$CARPALSCOPE_CLI" info "$input" 2>&1 || true; } | head -1 | sed 's/^/  /'
  done
fi
echo "run-fuzz-dicom: no finding in our code in ${seconds} s ($(ls "$work/corpus" | wc -l) new" \
  "corpus inputs)"
