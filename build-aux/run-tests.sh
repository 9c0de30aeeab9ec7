#!/usr/bin/env bash
# run-tests.sh — build and run every test suite twice: a normal build and an ASan + UBSan build
# (leak detection on), both with -Werror; then the format check and a short fuzzing run.
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
status=0
builds=()

configure() { # builddir, meson options...
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
  else
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
  fi || {
    cat "$dir.setup.log" >&2
    return 1
  }
}

run_build() { # name, builddir, meson options...
  local name=$1 dir=$2
  shift 2
  echo "=== $name build ($dir)"
  if ! configure "$dir" -Dwerror=true "$@" || ! meson compile -C "$dir"; then
    echo "=== $name build FAILED to build" >&2
    status=1
    return
  fi
  builds+=("$dir")
  meson test -C "$dir" --print-errorlogs --timeout-multiplier "${TIMEOUT_MULTIPLIER:-1}" ||
    status=1
}

echo "=== format check"
build-aux/check-format.sh || status=1

run_build normal _build-test --buildtype=debugoptimized
TIMEOUT_MULTIPLIER=3 run_build sanitizers _build-asan --buildtype=debug \
  -Db_sanitize=address,undefined -Db_lundef=false

if [ -x build-aux/run-fuzz.sh ]; then
  echo "=== fuzzing"
  # Inputs that stop GDCM itself are opened by the sanitizer build's CLI, which must refuse each.
  if [ -x _build-asan/src/cli/carpalscope-cli ]; then
    export CARPALSCOPE_CLI=$top/_build-asan/src/cli/carpalscope-cli
  fi
  build-aux/run-fuzz.sh || status=1
fi

# One closing line over both builds, counted from meson's own logs.
/usr/bin/python3 - "${builds[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
for build in sys.argv[1:]:
    try:
        lines = open(f"{build}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        continue
    for line in lines:
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
