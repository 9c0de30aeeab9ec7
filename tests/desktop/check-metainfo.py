#!/usr/bin/python3
# check-metainfo.py — what the validators do not check in the desktop file and the metainfo
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-metainfo.py METAINFO DESKTOP SOURCE_ROOT APP_ID VERSION
# Checks the Flathub requirements that appstreamcli 0.16 and appstream-util 0.8 pass over, and
# that the metainfo agrees with the desktop file, the screenshots in data/screenshots and the
# project version. Prints TAP.
import configparser
import os
import struct
import sys
import xml.etree.ElementTree as ET

XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'
SCREENSHOT_BASE = 'https://raw.githubusercontent.com/carpalscope/carpalscope/main/'

results = []


def check(label, ok, *notes):
    results.append((label, bool(ok), notes))


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n':
        return None
    return struct.unpack('>II', head[16:24])


def main():
    metainfo, desktop, root, app_id, version = sys.argv[1:6]
    component = ET.parse(metainfo).getroot()

    check('component id is the application id', component.findtext('id') == app_id)
    check('type is desktop-application', component.get('type') == 'desktop-application')

    developers = component.findall('developer')
    check('exactly one <developer id=…> with a <name>',
          len(developers) == 1 and developers[0].get('id')
          and developers[0].findtext('name'))

    rating = component.find('content_rating')
    check('OARS 1.1 content rating', rating is not None and rating.get('type') == 'oars-1.1')

    launchable = component.find('launchable')
    check('launchable is the desktop file',
          launchable is not None and launchable.get('type') == 'desktop-id'
          and launchable.text == app_id + '.desktop')

    binaries = sorted(b.text for b in component.findall('provides/binary'))
    check('provides both executables', binaries == ['carpalscope', 'carpalscope-cli'], binaries)

    releases = component.findall('releases/release')
    check('the newest release is the project version %s' % version,
          releases and releases[0].get('version') == version,
          'first <release> is %s' % (releases[0].get('version') if releases else None))
    check('every release has a date and a description',
          releases and all(r.get('date') and r.find('description') is not None for r in releases))

    description = ' '.join(''.join(e.itertext()) for e in component.findall('description/*')
                           if e.get(XML_LANG) is None)
    check('description says research and teaching, not a medical device',
          'research and teaching' in description and 'not a medical device' in description)

    check('summary and description are translated into Japanese',
          any(e.get(XML_LANG) == 'ja' for e in component.findall('summary'))
          and any(e.get(XML_LANG) == 'ja' for e in component.findall('description/p')))

    shots = component.findall('screenshots/screenshot')
    check('screenshots with a default one', shots and
          sum(1 for s in shots if s.get('type') == 'default') == 1)
    for shot in shots:
        caption = shot.findtext('caption')
        for image in shot.findall('image'):
            url = image.text or ''
            rel = url[len(SCREENSHOT_BASE):] if url.startswith(SCREENSHOT_BASE) else None
            path = os.path.join(root, rel) if rel else None
            size = png_size(path) if path and os.path.isfile(path) else None
            check('screenshot %s is in the repository' % url, size is not None,
                  'expected %s' % (path or ('a URL under ' + SCREENSHOT_BASE)))
            check('screenshot %s has a caption' % url, caption)
            if size is not None and image.get('width'):
                check('screenshot %s is %sx%s as declared' % (url, image.get('width'),
                                                              image.get('height')),
                      size == (int(image.get('width')), int(image.get('height'))),
                      'file is %dx%d' % size)

    entry = configparser.RawConfigParser(interpolation=None, strict=True)
    entry.optionxform = str
    entry.read(desktop, encoding='utf-8')
    section = entry['Desktop Entry']
    desktop_types = sorted(t for t in section.get('MimeType', '').split(';') if t)
    provided_types = sorted(m.text for m in component.findall('provides/mediatype'))
    check('metainfo media types equal the desktop file MimeType',
          desktop_types and desktop_types == provided_types,
          'desktop: %s' % desktop_types, 'metainfo: %s' % provided_types)
    check('desktop Icon is the application id', section.get('Icon') == app_id)
    check('desktop file is translated into Japanese',
          'Comment[ja]' in section and 'Keywords[ja]' in section)
    icon = os.path.join(root, 'data', 'icons', app_id + '.svg')
    symbolic = os.path.join(root, 'data', 'icons', app_id + '-symbolic.svg')
    check('scalable and symbolic icons exist', os.path.isfile(icon) and os.path.isfile(symbolic))

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
