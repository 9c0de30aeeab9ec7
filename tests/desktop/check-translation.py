#!/usr/bin/python3
# check-translation.py — each po/*.po is valid and translates every string in the sources
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-translation.py SOURCE_ROOT
# Extracts a fresh template from po/POTFILES.in with the same keywords as meson's 'glib' preset
# (in a scratch directory; the sources are not touched) and, for each language of po/LINGUAS,
# reports the template's strings that po/LANG.po, as it is committed, leaves untranslated or
# fuzzy (the catalogue the program loads is compiled from that file alone: obsolete and fuzzy
# entries do not count), and msgfmt --check errors (format strings, accelerators, header).
# Prints TAP. To fix: `meson compile -C BUILD carpalscope-update-po`, then
# translate the new strings in po/LANG.po (see po/README.md).
import os
import subprocess
import sys
import tempfile

XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]


def run(args, **kwargs):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          **kwargs)


def entries(po_text):
    """The (msgctxt, msgid) keys of a PO file printed with --no-wrap, without the header."""
    keys, ctxt, msgid, field = [], None, None, None
    for line in po_text.splitlines():
        if line.startswith('msgctxt '):
            ctxt, field = line[9:-1], 'msgctxt'
        elif line.startswith('msgid '):
            msgid, field = line[7:-1], 'msgid'
        elif line.startswith('"') and field == 'msgctxt':
            ctxt += line[1:-1]
        elif line.startswith('"') and field == 'msgid':
            msgid += line[1:-1]
        elif line.startswith(('msgstr', 'msgid_plural')):
            # The key is complete at its first msgstr (or plural) line.
            if msgid is not None and (msgid or ctxt is not None):
                keys.append((ctxt, msgid))
            ctxt, msgid, field = None, None, None
    return keys


def key_text(key):
    ctxt, msgid = key
    return msgid if ctxt is None else '%s (context %s)' % (msgid, ctxt)


def main():
    root = os.path.abspath(sys.argv[1])
    po_dir = os.path.join(root, 'po')
    with open(os.path.join(po_dir, 'LINGUAS'), encoding='utf-8') as f:
        langs = [w for line in f for w in line.split('#')[0].split()]

    tests = []
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'carpalscope.pot')
        r = run(['xgettext', '--package-name=carpalscope', '--files-from=po/POTFILES.in',
                 '--directory=' + root, '--output=' + pot] + XGETTEXT_ARGS, cwd=root)
        tests.append(('a template can be extracted from po/POTFILES.in', r.returncode == 0,
                      r.stderr.splitlines()))
        tests.append(('po/LINGUAS names at least one language', bool(langs), []))
        for lang in langs:
            po = os.path.join(po_dir, lang + '.po')
            r = run(['msgfmt', '--check', '--check-accelerators=_', '-o', os.devnull, po])
            tests.append(('%s.po passes msgfmt --check' % lang, r.returncode == 0,
                          r.stderr.splitlines()))
            if not os.path.isfile(pot):
                continue
            wanted = entries(run(['msgcat', '--no-wrap', pot]).stdout)
            done = set(entries(run(['msgattrib', '--translated', '--no-fuzzy', '--no-obsolete',
                                    '--no-wrap', po]).stdout))
            fuzzy = set(entries(run(['msgattrib', '--only-fuzzy', '--no-obsolete', '--no-wrap',
                                     po]).stdout))
            missing = [k for k in wanted if k not in done and k not in fuzzy]
            unsure = [k for k in wanted if k in fuzzy]
            tests.append(('%s.po translates every string' % lang, not missing,
                          ['untranslated: ' + key_text(k) for k in missing]))
            tests.append(('%s.po has no fuzzy string' % lang, not unsure,
                          ['fuzzy: ' + key_text(k) for k in unsure]))

    print('1..%d' % len(tests))
    failed = 0
    for number, (label, ok, notes) in enumerate(tests, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', number, label))
        if not ok:
            failed += 1
            for note in notes:
                print('# ' + note)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
