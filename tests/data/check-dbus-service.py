#!/usr/bin/env python3
# Checks the D-Bus session service file against the desktop entry: the bus
# name must be the app id (= desktop id, for DBusActivatable=true) and Exec
# must start the installed duet binary as a GApplication service.
#
# usage: check-dbus-service.py --app-id ID --bindir DIR SERVICE_FILE DESKTOP_FILE

import argparse
import configparser
import os
import shlex
import sys


def load(path, group):
    parser = configparser.RawConfigParser(strict=True, interpolation=None)
    parser.optionxform = str
    with open(path, encoding='utf-8') as f:
        parser.read_file(f)
    if group not in parser:
        raise SystemExit(f'{path}: no [{group}] group')
    return parser[group]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--app-id', required=True)
    ap.add_argument('--bindir', required=True)
    ap.add_argument('service')
    ap.add_argument('desktop')
    args = ap.parse_args()

    errors = []
    service = load(args.service, 'D-BUS Service')
    desktop = load(args.desktop, 'Desktop Entry')

    if os.path.basename(args.service) != args.app_id + '.service':
        errors.append(f'service file must be named {args.app_id}.service')
    if service.get('Name') != args.app_id:
        errors.append(f'Name={service.get("Name")!r}, expected {args.app_id!r}')

    argv = shlex.split(service.get('Exec', ''))
    expected_bin = os.path.join(args.bindir, 'duet')
    if not argv:
        errors.append('Exec is missing')
    else:
        if argv[0] != expected_bin:
            errors.append(f'Exec runs {argv[0]!r}, expected {expected_bin!r}')
        if '@' in argv[0]:
            errors.append('Exec still contains an unsubstituted @variable@')
        if '--gapplication-service' not in argv[1:]:
            errors.append('Exec lacks --gapplication-service')

    if desktop.get('DBusActivatable') != 'true':
        errors.append(f'{args.desktop}: DBusActivatable is not true')
    desktop_id = os.path.basename(args.desktop)
    if desktop_id != service.get('Name', '') + '.desktop':
        errors.append(f'desktop id {desktop_id!r} does not match bus name {service.get("Name")!r}')

    for e in errors:
        print(f'{args.service}: {e}', file=sys.stderr)
    if errors:
        return 1
    print(f'{args.service}: OK ({" ".join(argv)})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
