#!/usr/bin/python3
# check-flatpak.py — the Flatpak manifest parses cleanly and keeps the sandbox policy
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-flatpak.py FLATPAK_BUILDER MANIFEST APP_ID
# flatpak-builder --show-manifest exits 0 on unknown keys and wrong types and only prints a
# WARNING, so the output is searched for one. The manifest it prints (JSON) is then checked
# against the project's policy: the GNOME runtime 49 or later, no network, no broad file-system
# access, OpenBLAS built for every processor without OpenMP, GDCM (DICOM) built pinned as shared
# libraries, FFmpeg and json-glib taken from the runtime. Works offline: nothing is downloaded or built. Prints TAP.
import json
import os
import subprocess
import sys
import tempfile

results = []


def check(label, ok, *notes):
    results.append((label, bool(ok), notes))


def main():
    builder, manifest, app_id = sys.argv[1:4]
    manifest = os.path.abspath(manifest)
    # flatpak-builder leaves a .flatpak-builder state folder in its working directory.
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([builder, '--show-manifest', manifest], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, cwd=tmp)
    check('flatpak-builder --show-manifest succeeds', r.returncode == 0, *r.stderr.splitlines())
    warnings = [line for line in (r.stdout + r.stderr).splitlines() if 'WARNING' in line]
    check('flatpak-builder prints no warning', not warnings, *warnings)
    try:
        m = json.loads(r.stdout)
    except ValueError as e:
        m = {}
        check('the printed manifest is JSON', False, str(e))

    check('id is the application id', m.get('id') == app_id)
    check('runtime is org.gnome.Platform with org.gnome.Sdk',
          m.get('runtime') == 'org.gnome.Platform' and m.get('sdk') == 'org.gnome.Sdk')
    version = m.get('runtime-version', '')
    check('runtime version is 49 or later', version.isdigit() and int(version) >= 49, version)
    check('command is carpalscope', m.get('command') == 'carpalscope')

    args = m.get('finish-args', [])
    for needed in ('--share=ipc', '--socket=wayland', '--socket=fallback-x11', '--device=dri'):
        check('finish-args has %s' % needed, needed in args)
    check('no file-system access (the file chooser portal is used)',
          not any(a.startswith('--filesystem') for a in args), *args)
    check('no network access', '--share=network' not in args)
    check('no X11 socket beside fallback-x11', '--socket=x11' not in args)

    modules = m.get('modules', [])
    names = [mod.get('name') if isinstance(mod, dict) else mod for mod in modules]
    check('modules are openblas, gdcm, then carpalscope',
          names == ['openblas', 'gdcm', 'carpalscope'], names)
    check('no module gets network access during the build',
          not any('--share=network' in (mod.get('build-options', {}).get('build-args', []))
                  for mod in modules if isinstance(mod, dict)))
    openblas = next((mod for mod in modules if isinstance(mod, dict)
                     and mod.get('name') == 'openblas'), {})
    make = ' '.join(openblas.get('build-commands', []))
    for flag in ('DYNAMIC_ARCH=1', 'TARGET=GENERIC', 'USE_OPENMP=0', 'NOFORTRAN=1'):
        check('OpenBLAS is built with %s' % flag, flag in make)
    sources = openblas.get('sources', [])
    check('OpenBLAS comes from a pinned source (sha256 or git commit)',
          sources and all(s.get('sha256') or s.get('commit') for s in sources))
    gdcm = next((mod for mod in modules if isinstance(mod, dict)
                 and mod.get('name') == 'gdcm'), {})
    check('GDCM comes from a pinned source (sha256 or git commit)',
          gdcm.get('sources') and all(s.get('sha256') or s.get('commit')
                                      for s in gdcm.get('sources', [])))
    gdcm_opts = gdcm.get('config-opts', [])
    check('GDCM is built as shared libraries without its applications or tests',
          '-DGDCM_BUILD_SHARED_LIBS=ON' in gdcm_opts
          and '-DGDCM_BUILD_APPLICATIONS=OFF' in gdcm_opts
          and '-DGDCM_BUILD_TESTING=OFF' in gdcm_opts, *gdcm_opts)
    app = next((mod for mod in modules if isinstance(mod, dict)
                and mod.get('name') == 'carpalscope'), {})
    check('the application builds with meson from this checkout',
          app.get('buildsystem') == 'meson'
          and any(s.get('type') == 'dir' and s.get('path') == '..'
                  for s in app.get('sources', [])))

    print('1..%d' % len(results))
    failed = 0
    for number, (label, ok, notes) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', number, label))
        if not ok:
            failed += 1
            for note in notes:
                print('# %s' % (note,))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
