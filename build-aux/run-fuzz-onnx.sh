#!/usr/bin/env bash
# run-fuzz-onnx.sh — build the ONNX importer's libFuzzer harness with clang and run it briefly
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/run-fuzz-onnx.sh [SECONDS]   (default 45; or $CARPALSCOPE_FUZZ_SECONDS)
# Environment: CLANG (default clang), CARPALSCOPE_FUZZ_DIR (work directory; default a new
# temporary one, removed afterwards unless something was found).
#
# The harness (tests/fuzz/fuzz-onnx.c) imports its input with cs_onnx_import_bytes(): protobuf-c
# decoding, the graph's walk and the matching to the three architectures. Exit status as
# build-aux/run-fuzz.sh: 0 when nothing was found or clang's fuzzer is missing (said on stdout),
# non-zero when an input crashed the importer, read out of bounds, leaked or hit undefined
# behaviour; the input is kept and named on stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
seconds=${1:-${CARPALSCOPE_FUZZ_SECONDS:-45}}
clang=${CLANG:-clang}

case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
for tool in "$clang" protoc-c pkg-config; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "run-fuzz-onnx: SKIP: $tool is not installed (Debian: clang, libclang-rt-14-dev," \
      "protobuf-c-compiler, pkg-config)"
    exit 0
  fi
done

. "$here/fuzz-common.sh"
fuzz_workdir fuzz-onnx

fuzz_probe run-fuzz-onnx

cat > "$work/config.h" <<'CONFIG'
#define PACKAGE_VERSION "fuzz"
#define MODELSDIR "/nonexistent"
#define BUILD_MODELSDIR "/nonexistent"
CONFIG
proto=/usr/include/onnx/onnx.proto
protoc-c --proto_path="$(dirname "$proto")" --c_out="$work" "$proto"

# The importer, the engine it fills, and the error domain; nothing else of the application.
sources=("$top"/src/engine/*.c "$top"/src/base/*.c "$top/src/cs-error.c"
         "$top/src/cs-engine-error.c" "$top/src/analysis/cs-onnx-graph.c"
         "$top/src/analysis/cs-onnx-import.c")
flags=(-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
       -I "$work" -I "$top/src" -I "$top/src/engine" -I "$top/src/base" -I "$top/src/analysis"
       -I "$top/tests/fuzz" $(pkg-config --cflags glib-2.0 libprotobuf-c openblas))
libs=($(pkg-config --libs glib-2.0 libprotobuf-c openblas) -lm -lpthread)

echo "run-fuzz-onnx: building in $work"
"$clang" "${flags[@]}" -fsanitize=fuzzer,address,undefined "${sources[@]}" "$work/onnx.pb-c.c" \
  "$top/tests/fuzz/fuzz-onnx.c" -o "$work/fuzz-onnx" "${libs[@]}"
"$clang" "${flags[@]}" -fsanitize=address,undefined "${sources[@]}" "$work/onnx.pb-c.c" \
  "$top/tests/fuzz/fuzz-onnx.c" "$top/tests/fuzz/fuzz-onnx-seeds.c" \
  "$top/tests/fuzz/fuzz-replay.c" -o "$work/fuzz-replay-onnx" "${libs[@]}"

rm -rf "$work/seeds"
"$work/fuzz-replay-onnx" --write-seeds "$work/seeds"
mkdir -p "$work/corpus"

# The operator and attribute names the importer compares help the fuzzer past them.
cat > "$work/onnx.dict" <<'DICT'
"Conv"
"BatchNormalization"
"Gemm"
"MatMul"
"Add"
"Mul"
"Relu"
"Clip"
"Sigmoid"
"Concat"
"MaxPool"
"GlobalAveragePool"
"Flatten"
"Reshape"
"Softmax"
"Identity"
"Constant"
"strides"
"pads"
"group"
"kernel_shape"
"ceil_mode"
"epsilon"
"transB"
"axis"
"value"
DICT

echo "run-fuzz-onnx: fuzzing cs_onnx_import_bytes for ${seconds} s"
status=0
(cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 G_SLICE=always-malloc \
  ./fuzz-onnx -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -dict=onnx.dict -artifact_prefix="$work/" -print_final_stats=1 \
    corpus seeds) >"$work/fuzz.log" 2>&1 || status=$?

grep -E '^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss_mb' "$work/fuzz.log" |
  tail -3 || true
if [ "$status" != 0 ]; then
  keep=1
  echo "run-fuzz-onnx: FAILED (status $status); log and inputs kept in $work" >&2
  grep -E 'ERROR|SUMMARY|runtime error|artifact' "$work/fuzz.log" | head -20 >&2 || true
  exit 1
fi
echo "run-fuzz-onnx: no finding in ${seconds} s ($(ls "$work/corpus" | wc -l) new corpus inputs)"
