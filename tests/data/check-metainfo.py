#!/usr/bin/env python3
# Checks the AppStream metainfo against the rest of the project (appstreamcli
# checks the format): component id, desktop launchable, binary, newest release
# == project version, screenshot location, OARS rating present.
#
# usage: check-metainfo.py --app-id ID --version VERSION METAINFO_XML

import argparse
import sys
import xml.etree.ElementTree as ET

SCREENSHOT_BASE = 'https://duet.example.org/screenshots/'


def version_key(v):
    return [int(p) if p.isdigit() else p for p in v.replace('-', '.').split('.')]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--app-id', required=True)
    ap.add_argument('--version', required=True)
    ap.add_argument('metainfo')
    args = ap.parse_args()

    errors = []
    root = ET.parse(args.metainfo).getroot()

    if root.tag != 'component' or root.get('type') != 'desktop-application':
        errors.append('root must be <component type="desktop-application">')
    if root.findtext('id') != args.app_id:
        errors.append(f'id is {root.findtext("id")!r}, expected {args.app_id!r}')

    launchables = [l.text for l in root.findall('launchable') if l.get('type') == 'desktop-id']
    if launchables != [args.app_id + '.desktop']:
        errors.append(f'desktop-id launchable is {launchables}, expected [{args.app_id}.desktop]')

    binaries = [b.text for b in root.findall('provides/binary')]
    if 'duet' not in binaries:
        errors.append('provides/binary lacks duet')

    if root.find('translation[@type="gettext"]') is None:
        errors.append('no <translation type="gettext">')

    for kind in ('homepage', 'bugtracker'):
        if root.find(f'url[@type="{kind}"]') is None:
            errors.append(f'no <url type="{kind}">')

    images = [i.text for i in root.findall('screenshots/screenshot/image')]
    if not images:
        errors.append('no screenshots')
    for image in images:
        if not image.startswith(SCREENSHOT_BASE):
            errors.append(f'screenshot {image} is not under {SCREENSHOT_BASE}')
    defaults = root.findall('screenshots/screenshot[@type="default"]')
    if len(defaults) != 1:
        errors.append(f'{len(defaults)} default screenshots, expected 1')

    rating = root.find('content_rating')
    if rating is None or rating.get('type') != 'oars-1.1':
        errors.append('no <content_rating type="oars-1.1">')
    else:
        attrs = {a.get('id'): a.text for a in rating.findall('content_attribute')}
        if attrs.get('social-audio') != 'intense':
            errors.append('social-audio must be intense: uncontrolled audio/video chat between users')

    releases = [r.get('version') for r in root.findall('releases/release')]
    if not releases:
        errors.append('no releases')
    else:
        newest = max(releases, key=version_key)
        if newest != args.version:
            errors.append(f'newest release is {newest}, but the project version is {args.version}')

    for e in errors:
        print(f'{args.metainfo}: {e}', file=sys.stderr)
    if errors:
        return 1
    print(f'{args.metainfo}: OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
