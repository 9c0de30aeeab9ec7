#!/usr/bin/env bash
# fuzz-build.sh — a clang build of the libFuzzer harnesses (tests/fuzz) with ASan and UBSan
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/fuzz-build.sh DIR [HARNESS...]
# Sets up DIR (once) as a meson build with clang, -Dfuzzing=true, AddressSanitizer and UBSan, and
# our code instrumented for libFuzzer's coverage (-fsanitize=fuzzer-no-link), then builds
# DIR/tests/fuzz/fuzz-HARNESS for each harness named (all of them by default) and only what they
# link. Prints the harnesses built, one a line, on stdout. Exit status 77 when clang or its fuzzer
# runtime is missing (said on stderr); another non-zero status when the build fails.
# Environment: CLANG (default clang), CLANGXX (default clang++), CARPALSCOPE_FUZZ_JOBS (default:
# one compile job per processor).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
clang=${CLANG:-clang}
clangxx=${CLANGXX:-clang++}
harnesses_all=(safetensors study study-lock scores video images dicom onnx)

if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [HARNESS...]" >&2
  exit 2
fi
dir=$1
shift
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${harnesses_all[@]}")

for tool in "$clang" "$clangxx"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fuzz-build: $tool is not installed (Debian: clang, libclang-rt-14-dev)" >&2
    exit 77
  fi
done
probe=$(mktemp -d "${TMPDIR:-/tmp}/carpalscope-fuzz-probe.XXXXXX")
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
  'int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);' \
  'int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return (int)(size & 0); }' \
  >"$probe/probe.c"
if ! "$clang" -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" \
    >"$probe/log" 2>&1; then
  echo "fuzz-build: $clang cannot link libFuzzer (Debian: libclang-rt-14-dev):" >&2
  head -5 "$probe/log" >&2
  exit 77
fi

if [ ! -e "$dir/build.ninja" ]; then
  # -O1 keeps the fuzzer fast and the stacks readable; no GUI, no demo study: only the layers.
  CC=$clang CXX=$clangxx meson setup "$dir" "$top" --buildtype=debug -Doptimization=1 \
    -Dgui=false -Ddemo=false -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" \
    -Dcpp_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" >"$dir.setup.log" 2>&1 || {
    cat "$dir.setup.log" >&2
    exit 1
  }
  rm -f "$dir.setup.log"
fi

targets=()
built=()
for harness in "${harnesses[@]}"; do
  if [ "$harness" = onnx ] && ! grep -q 'fuzz-onnx:' "$dir/build.ninja"; then
    echo "fuzz-build: the ONNX importer is not built here (protobuf-c, libonnx-dev)" >&2
    continue
  fi
  targets+=("tests/fuzz/fuzz-$harness")
  built+=("$harness")
done
meson compile -C "$dir" -j "${CARPALSCOPE_FUZZ_JOBS:-$(nproc)}" "${targets[@]}" >&2
printf '%s\n' "${built[@]}"
