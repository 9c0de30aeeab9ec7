#!/usr/bin/python3
# check-schema.py — every settings key is documented and bounded
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-schema.py SCHEMA.gschema.xml APP_ID
# glib-compile-schemas checks syntax and defaults; this checks the conventions on top of it: the
# schema id and path follow the application id, a gettext domain is set, and every key has a
# summary and a description, and a range (numbers) or choices (enums). Prints TAP.
import sys
import xml.etree.ElementTree as ET

NUMERIC = set('ynqiuxtd')

results = []


def check(label, ok):
    results.append((label, bool(ok)))


def main():
    path, app_id = sys.argv[1:3]
    root = ET.parse(path).getroot()
    check('gettext-domain is set', root.get('gettext-domain'))
    schemas = root.findall('schema')
    check('one schema', len(schemas) == 1)
    schema = schemas[0]
    check('schema id is the application id', schema.get('id') == app_id)
    check('schema path follows the id', schema.get('path') == '/' + app_id.replace('.', '/') + '/')
    for key in schema.findall('key'):
        name = key.get('name')
        check('%s has a summary' % name, (key.findtext('summary') or '').strip())
        check('%s has a description' % name, (key.findtext('description') or '').strip())
        kind = key.get('type')
        if key.get('enum') or key.get('flags'):
            continue
        if kind in NUMERIC:
            check('%s has a range' % name, key.find('range') is not None)
        elif kind not in ('s', 'as', 'b'):
            check('%s has a range or choices' % name,
                  key.find('range') is not None or key.find('choices') is not None)

    print('1..%d' % len(results))
    failed = 0
    for number, (label, ok) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', number, label))
        failed += not ok
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
