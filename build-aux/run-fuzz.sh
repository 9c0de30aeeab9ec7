#!/usr/bin/env bash
# run-fuzz.sh — the test run's short fuzzing: every libFuzzer harness for a few seconds
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/run-fuzz.sh [SECONDS]   (default 49, or $CARPALSCOPE_FUZZ_SECONDS: the whole
#                                           run's fuzzing time, shared by the harnesses, at least
#                                           5 s each)
# Runs build-aux/fuzz-long.sh over every harness (docs/fuzzing.md) from its committed corpus, so
# its exit status is fuzz-long.sh's: 0 when no finding is in our code (an input that stops GDCM
# itself passes when $CARPALSCOPE_CLI refuses it cleanly), or when clang or its fuzzer runtime is
# missing (said on stdout: skipped, not passed); 1 with the inputs kept and named on stderr.
# Every committed crasher (tests/fuzz/regressions) is replayed by the meson tests of both builds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-${CARPALSCOPE_FUZZ_SECONDS:-49}}
harnesses=8

case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
each=$((seconds / harnesses))
[ "$each" -ge 5 ] || each=5
exec "$here/fuzz-long.sh" "$each"
