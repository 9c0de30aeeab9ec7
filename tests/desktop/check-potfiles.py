#!/usr/bin/python3
# check-potfiles.py — fails when a file with translatable strings is missing from po/POTFILES.in
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-potfiles.py SOURCE_ROOT
# Scans src/, ui/ and data/ for marked strings: _( N_( C_( NC_( Q_( and g_dgettext-style calls in
# C, translatable="yes" in GtkBuilder files, and the desktop, metainfo, MIME and schema files that
# always carry translatable text. Every such file must be listed in po/POTFILES.in, and every
# listed file must exist. Prints TAP.
import os
import re
import sys

C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:N?C_|[NQ]?_|g_d?n?gettext|g_dpgettext2?|ngettext)\s*\(')
C_COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
C_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"', re.I)
ALWAYS = ('.desktop.in', '.metainfo.xml.in', '.appdata.xml.in', '.gschema.xml', '.mime.xml.in')


def marked(path):
    name = os.path.basename(path)
    if name.endswith(ALWAYS):
        return True
    if not name.endswith(('.c', '.h', '.ui', '.xml')):
        return False
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        return False
    if name.endswith(('.c', '.h')):
        # Comments and string contents may mention _( without marking anything.
        text = C_COMMENT.sub(' ', text)
        text = C_STRING.sub('""', text)
        return C_MARK.search(text) is not None
    if name.endswith(('.ui', '.xml')):
        return UI_MARK.search(text) is not None
    return False


def main():
    root = sys.argv[1]
    listed = []
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                listed.append(line)

    found = []
    for top in ('src', 'ui', 'data'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(('.', '_build')))
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                if marked(path):
                    found.append(os.path.relpath(path, root))

    missing = [p for p in found if p not in listed]
    absent = [p for p in listed if not os.path.isfile(os.path.join(root, p))]
    dupes = sorted({p for p in listed if listed.count(p) > 1})

    print('1..3')
    ok = True
    for number, (label, bad, hint) in enumerate((
            ('every file with marked strings is in po/POTFILES.in', missing,
             'add to po/POTFILES.in'),
            ('every file in po/POTFILES.in exists', absent, 'remove from po/POTFILES.in'),
            ('no file is listed twice', dupes, 'listed twice'))):
        if bad:
            ok = False
            print('not ok %d - %s' % (number + 1, label))
            for p in bad:
                print('# %s: %s' % (hint, p))
        else:
            print('ok %d - %s' % (number + 1, label))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
