#!/usr/bin/env bash
# fuzz-long.sh — run each libFuzzer harness for a set time and print what it did
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/fuzz-long.sh SECONDS [HARNESS...]   (default: every harness, one at a time)
# Harnesses: safetensors study study-lock scores video images dicom onnx (tests/fuzz,
# docs/fuzzing.md).
#
# Builds the harnesses with clang (build-aux/fuzz-build.sh, in $CARPALSCOPE_FUZZ_BUILD, default
# _build-fuzzer), then fuzzes each for SECONDS from its committed corpus (tests/fuzz/corpus/<h>),
# its built-in seeds and what earlier runs in the same work folder found, in libFuzzer's fork mode
# so that a run goes on past a crash and counts it. Every input that crashed, timed out or ran out
# of memory is kept and replayed through the sanitizer-built replay program to say where it
# failed: in our code, or inside GDCM or FFmpeg (the frame under the abort or the sanitizer's
# report lies in their library, none of ours on the way). A DICOM input that stops GDCM itself is
# contained by the product, which reads each DICOM file in a child process first: with
# $CARPALSCOPE_CLI set, `carpalscope-cli info` must refuse it with status 1 and one line.
#
# Prints a table: harness, executions, seconds, crashes (crash/timeout/out-of-memory inputs), and
# of those: ours, library (inside GDCM or FFmpeg, and for DICOM refused cleanly by the CLI), gone
# (a leak, timeout or out-of-memory that does not fail again when replayed), unrepeated (a crash
# its input alone does not repeat; it does not fail the run, and is named on stderr); the place of
# each input is in <work>/<harness>/places.txt.
# Exit status 0 when no finding is ours; 1 when one is (inputs kept in the work folder, named on
# stderr); 0 with SKIP on stdout when clang or its fuzzer runtime is missing.
# Environment: CARPALSCOPE_FUZZ_DIR (work folder, kept; default a temporary one, removed unless
# something was found), CARPALSCOPE_FUZZ_SEED (default 1), CARPALSCOPE_FUZZ_NICE (default 19),
# CARPALSCOPE_CLI, CLANG, CLANGXX.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
all=(safetensors study study-lock scores video images dicom onnx)

if [ $# -lt 1 ] || [[ ! "$1" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 SECONDS [HARNESS...] (harnesses: ${all[*]})" >&2
  exit 2
fi
seconds=$1
shift
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")
for harness in "${harnesses[@]}"; do
  case " ${all[*]} " in
    *" $harness "*) ;;
    *) echo "$0: no harness '$harness' (harnesses: ${all[*]})" >&2; exit 2 ;;
  esac
done

build=${CARPALSCOPE_FUZZ_BUILD:-$top/_build-fuzzer}
if [ -n "${CARPALSCOPE_FUZZ_DIR:-}" ]; then
  work=$CARPALSCOPE_FUZZ_DIR
  keep=1
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/carpalscope-fuzz.XXXXXX")
  keep=0
fi
mkdir -p "$work"
trap 'if [ "$keep" = 0 ]; then rm -rf "$work"; fi' EXIT

build_status=0
built=$("$here/fuzz-build.sh" "$build" "${harnesses[@]}" 2>"$work/build.log") || build_status=$?
if [ "$build_status" = 77 ]; then
  echo "fuzz-long: SKIP: $(head -1 "$work/build.log")"
  exit 0
elif [ "$build_status" != 0 ]; then
  keep=1
  echo "fuzz-long: the harnesses did not build; log in $work/build.log" >&2
  tail -20 "$work/build.log" >&2
  exit 1
fi
meson compile -C "$build" -j "${CARPALSCOPE_FUZZ_JOBS:-$(nproc)}" $(printf 'tests/fuzz/fuzz-replay-%s ' $built) >>"$work/build.log" 2>&1

# Sanitizer options as the tests have them; our leaks count, the libraries' one-time ones do not.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# GLib's slices go through malloc, so that its magazines hide no leak (tests/fuzz/lsan.supp).
cat "$top/tests/lsan.supp" "$top/tests/fuzz/lsan.supp" >"$work/lsan.supp"
export LSAN_OPTIONS=suppressions=$work/lsan.supp:print_suppressions=0
export G_SLICE=always-malloc G_DEBUG=gc-friendly

max_len() {
  case $1 in
    video) echo 32768 ;;
    study | dicom) echo 16384 ;;
    safetensors | images) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

# where HARNESS FILE LOG — replays FILE with whole stacks and says where it failed: "ours", "gdcm",
# "ffmpeg", "slow" (a timeout that takes over 10 s again), "unrepeated" (a crash the input alone
# does not repeat), or "gone" (it does not fail again: an out-of-memory or timeout of the moment,
# or a leak that whole stacks show to be a library's, tests/fuzz/lsan.supp).
where() {
  local harness=$1 input=$2 log=$3 frame start
  start=$(date +%s)
  if ASAN_OPTIONS=$ASAN_OPTIONS:handle_abort=1:fast_unwind_on_malloc=0 timeout 60 \
      "$build/tests/fuzz/fuzz-replay-$harness" "$input" >"$log" 2>&1; then
    case $(basename "$input") in
      timeout-*) [ $(($(date +%s) - start)) -le 10 ] || { echo slow; return; } ;;
      # A crash that the input alone does not repeat: the state of earlier inputs in the job
      # (heap corruption by code ASan does not see). Counted apart and said on stderr.
      crash-*) echo unrepeated; return ;;
    esac
    echo gone
    return
  fi
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log" &&
      grep -E '^ *#[0-9]+ ' "$log" | head -4 | grep -q "$top/src/"; then
    echo ours
    return
  fi
  # The first frame of the report in our code or in GDCM or FFmpeg (the C library's and the
  # sanitizers' frames, named by their source files or not, are passed over).
  frame=$(grep -E '^ *#[0-9]+ ' "$log" | grep -E "$top/|libgdcm|gdcm::|libav|libsw" | head -1 || true)
  case $frame in
    *"$top/"*) echo ours ;;
    *libgdcm* | *gdcm::*) echo gdcm ;;
    *libav* | *libsw*) echo ffmpeg ;;
    *) echo ours ;;
  esac
}

printf '%-12s %12s %8s %8s %6s %8s %6s %10s\n' harness executions seconds crashes ours library gone \
  unrepeated
failed=0
for harness in $built; do
  dir=$work/$harness
  mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/replays"
  rm -rf "$dir/seeds"
  "$build/tests/fuzz/fuzz-replay-$harness" --write-seeds "$dir/seeds" >/dev/null
  ls "$dir/artifacts" >"$dir/before.txt"
  start=$(date +%s)
  dict=()
  [ ! -e "$top/tests/fuzz/dict/$harness.dict" ] || dict=(-dict="$top/tests/fuzz/dict/$harness.dict")
  status=0
  (cd "$dir" && nice -n "${CARPALSCOPE_FUZZ_NICE:-19}" "$build/tests/fuzz/fuzz-$harness" \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -seed="${CARPALSCOPE_FUZZ_SEED:-1}" -max_total_time="$seconds" -max_len="$(max_len "$harness")" \
    -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1536 "${dict[@]}" \
    -artifact_prefix="$dir/artifacts/" corpus seeds "$top/tests/fuzz/corpus/$harness") \
    >"$dir/fuzz.log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - start))
  executions=$(grep -oE '^#[0-9]+:' "$dir/fuzz.log" | tail -1 | tr -d '#:' || true)
  ours=0 library=0 gone=0 unrepeated=0 crashes=0
  for input in "$dir"/artifacts/*; do
    [ -e "$input" ] || continue
    grep -qxF "$(basename "$input")" "$dir/before.txt" && continue
    crashes=$((crashes + 1))
    place=$(where "$harness" "$input" "$dir/replays/$(basename "$input").log")
    if [ "$place" = gdcm ] && [ -n "${CARPALSCOPE_CLI:-}" ]; then
      cli_status=0
      # Named .dcm, so that the CLI reads it as DICOM even without the Part 10 preamble.
      cp "$input" "$dir/replays/$(basename "$input").dcm"
      "$CARPALSCOPE_CLI" info "$dir/replays/$(basename "$input").dcm" \
        >"$dir/replays/$(basename "$input").cli" 2>&1 || cli_status=$?
      if [ "$cli_status" != 1 ] || grep -qE "Sanitizer|runtime error" "$dir/replays/$(basename "$input").cli"; then
        place=ours
      fi
    fi
    echo "$input $place" >>"$dir/places.txt"
    case $place in
      ours | slow) ours=$((ours + 1)); echo "fuzz-long: $harness: finding in our code: $input" >&2 ;;
      gone) gone=$((gone + 1)) ;;
      unrepeated)
        unrepeated=$((unrepeated + 1))
        echo "fuzz-long: $harness: a crash its input alone does not repeat: $input" >&2
        ;;
      *) library=$((library + 1)) ;;
    esac
  done
  if [ -z "$executions" ] || { [ "$status" != 0 ] && [ "$crashes" = 0 ]; }; then
    echo "fuzz-long: $harness: libFuzzer ended with status $status; log in $dir/fuzz.log" >&2
    tail -5 "$dir/fuzz.log" >&2
    ours=$((ours + 1))
  fi
  printf '%-12s %12s %8s %8s %6s %8s %6s %10s\n' "$harness" "${executions:-?}" "$elapsed" \
    "$crashes" "$ours" "$library" "$gone" "$unrepeated"
  [ "$ours" = 0 ] || failed=1
done
if [ "$failed" != 0 ]; then
  keep=1
  echo "fuzz-long: FAILED; inputs and logs kept in $work" >&2
  exit 1
fi
