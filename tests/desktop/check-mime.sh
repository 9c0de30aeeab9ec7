#!/bin/sh
# check-mime.sh — the study MIME type installs and is recognised by name and by content
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-mime.sh MIME_XML
# Builds a private MIME database from the shared-mime-info description with update-mime-database
# (which reports what it cannot parse) and asks GIO for the content type of sample files: studies
# recognised by name and, without a telling name, by content; an explanation sidecar that must not
# pass for a study; and plain JSON that must stay application/json. Prints TAP.
set -u
xml=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
type=application/x-carpalscope-study+json
n=0
failed=0

result() {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    failed=1
  fi
}

content_type() {
  XDG_DATA_DIRS="$tmp/share:/usr/share" XDG_DATA_HOME="$tmp/home" \
    gio info -a standard::content-type "$1" 2>&1 | sed -n 's/^ *standard::content-type: //p'
}

echo "1..8"
mkdir -p "$tmp/share/mime/packages" "$tmp/home" "$tmp/files"
cp "$xml" "$tmp/share/mime/packages/"
out=$(update-mime-database -V "$tmp/share/mime" 2>&1)
status=$?
echo "$out" | grep -i -E "warning|error|invalid" | sed 's/^/# /'
if echo "$out" | grep -q -i -E "warning|error|invalid"; then status=1; fi
result $status "update-mime-database accepts the description without warnings"

grep -q -x -F "$type" "$tmp/share/mime/types" 2>/dev/null
result $? "the database lists $type"

study='{"format": "carpalscope-study", "version": 1, "cases": []}'
printf '%s\n' "$study" >"$tmp/files/hands.carpalscope.json"
got=$(content_type "$tmp/files/hands.carpalscope.json")
[ "$got" = "$type" ]
result $? "a *.carpalscope.json file is $type by name (got '$got')"

printf '%s\n' "$study" >"$tmp/files/study-without-extension"
got=$(content_type "$tmp/files/study-without-extension")
[ "$got" = "$type" ]
result $? "a study without a telling name is $type by content (got '$got')"

# What the study layer writes today, through json-glib's pretty printer and a compact writer.
printf '{\n "version" : 1,\n "generator" : "Carpalscope 0.1.0",\n "cases" : []\n}\n' \
  >"$tmp/files/written-by-json-glib"
got=$(content_type "$tmp/files/written-by-json-glib")
[ "$got" = "$type" ]
result $? "a study as json-glib writes it is $type by content (got '$got')"

printf '{"version": 1, "generator": "Carpalscope 0.1.0", "cases": []}\n' >"$tmp/files/compact"
got=$(content_type "$tmp/files/compact")
[ "$got" = "$type" ]
result $? "a compact study is $type by content (got '$got')"

# An explanation sidecar is Carpalscope JSON too, but not a study.
printf '{\n "format" : "carpalscope-explanation",\n "version" : 1,\n "generator" : "carpalscope 0.1.0"\n}\n' \
  >"$tmp/files/explanation-sidecar"
got=$(content_type "$tmp/files/explanation-sidecar")
[ -n "$got" ] && [ "$got" != "$type" ]
result $? "an explanation sidecar is not a study by content (got '$got')"

printf '{"format": "something-else", "cases": []}\n' >"$tmp/files/other.json"
got=$(content_type "$tmp/files/other.json")
[ "$got" = "application/json" ]
result $? "other JSON stays application/json (got '$got')"

exit $failed
