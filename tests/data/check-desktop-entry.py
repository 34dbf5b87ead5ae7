#!/usr/bin/env python3
# Checks the keys Duet relies on in its desktop entries (desktop-file-validate
# checks the syntax; this checks our own contract).
#
# usage: check-desktop-entry.py --app-id ID --kind main|autostart FILE

import argparse
import configparser
import os
import sys


def load(path):
    parser = configparser.RawConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    with open(path, encoding='utf-8') as f:
        parser.read_file(f)
    if 'Desktop Entry' not in parser:
        raise SystemExit(f'{path}: no [Desktop Entry] group')
    return parser['Desktop Entry']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--app-id', required=True)
    ap.add_argument('--kind', choices=('main', 'autostart'), required=True)
    ap.add_argument('file')
    args = ap.parse_args()

    entry = load(args.file)
    errors = []

    def expect(key, value):
        got = entry.get(key)
        if got != value:
            errors.append(f'{key}={got!r}, expected {value!r}')

    expect('Type', 'Application')
    expect('Icon', args.app_id)
    expect('X-GNOME-UsesNotifications', 'true')
    for key in ('Name', 'Comment'):
        if not entry.get(key):
            errors.append(f'{key} is missing or empty')

    if args.kind == 'main':
        basename = os.path.basename(args.file)
        if basename != args.app_id + '.desktop':
            errors.append(f'file is named {basename}, expected {args.app_id}.desktop '
                          '(D-Bus activation needs the desktop id to be the app id)')
        expect('DBusActivatable', 'true')
        expect('StartupNotify', 'true')
        expect('Exec', 'duet')
        categories = entry.get('Categories', '').split(';')
        for cat in ('Network', 'VideoConference'):
            if cat not in categories:
                errors.append(f'Categories lacks {cat}')
        if not entry.get('Keywords', '').endswith(';'):
            errors.append('Keywords missing or not ;-terminated')
    else:
        expect('Exec', 'duet --background')
        expect('NoDisplay', 'true')
        expect('X-GNOME-Autostart-enabled', 'true')
        if entry.get('DBusActivatable') == 'true':
            errors.append('autostart entry must start the binary, not D-Bus-activate it')

    for e in errors:
        print(f'{args.file}: {e}', file=sys.stderr)
    if errors:
        return 1
    print(f'{args.file}: OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
