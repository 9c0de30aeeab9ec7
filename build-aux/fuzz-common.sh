# fuzz-common.sh — what the fuzzing scripts share: their work folder and the libFuzzer probe
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sourced by run-fuzz.sh, run-fuzz-dicom.sh and run-fuzz-onnx.sh once they have set $clang.

# fuzz_workdir NAME — sets $work to $CARPALSCOPE_FUZZ_DIR (kept) or to a new temporary folder
# named after NAME, removed at exit unless the script sets keep=1 (when something was found).
fuzz_workdir() {
  if [ -n "${CARPALSCOPE_FUZZ_DIR:-}" ]; then
    work=$CARPALSCOPE_FUZZ_DIR
    mkdir -p "$work"
    keep=1
  else
    work=$(mktemp -d "${TMPDIR:-/tmp}/carpalscope-$1.XXXXXX")
    keep=0
  fi
  trap 'if [ "$keep" = 0 ]; then rm -rf "$work"; fi' EXIT
}

# fuzz_probe NAME — libFuzzer's runtime ships apart from clang (libclang-rt-NN-dev): when $clang
# cannot link a fuzzer, says so on stdout and ends the script with 0 (skipped, not passed).
fuzz_probe() {
  cat >"$work/probe.c" <<'PROBE'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return (int)(size & 0); }
PROBE
  if ! "$clang" -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" \
      >"$work/probe.log" 2>&1; then
    echo "$1: SKIP: $clang cannot link libFuzzer (install libclang-rt-14-dev):"
    sed 's/^/  /' "$work/probe.log" | head -5
    exit 0
  fi
}
