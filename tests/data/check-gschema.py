#!/usr/bin/env python3
# Checks that the GSettings schema has the id, path and keys (with their
# types and defaults) that the app code relies on. Syntax is checked
# separately by glib-compile-schemas --strict --dry-run.
#
# usage: check-gschema.py --app-id ID SCHEMA_XML

import argparse
import sys
import xml.etree.ElementTree as ET

# key -> (type, default as written in the schema)
EXPECTED_KEYS = {
    'server-url': ('s', "''"),
    'user-id': ('s', "''"),
    'service-id': ('s', "'duet'"),
    'run-in-background': ('b', 'true'),
    'autostart': ('b', 'false'),
    'notifications': ('b', 'true'),
    'camera': ('s', "''"),
    'microphone': ('s', "''"),
    'speaker': ('s', "''"),
    'test-sources': ('b', 'false'),
    'echo-cancellation': ('b', 'true'),
    'window-width': ('i', None),
    'window-height': ('i', None),
    'window-maximized': ('b', 'false'),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--app-id', required=True)
    ap.add_argument('schema')
    args = ap.parse_args()

    errors = []
    root = ET.parse(args.schema).getroot()
    if root.get('gettext-domain') != 'duet':
        errors.append('schemalist lacks gettext-domain="duet"')
    schemas = {s.get('id'): s for s in root.findall('schema')}
    schema = schemas.get(args.app_id)
    if schema is None:
        errors.append(f'no schema with id {args.app_id}')
    else:
        expected_path = '/' + args.app_id.replace('.', '/') + '/'
        if schema.get('path') != expected_path:
            errors.append(f'path is {schema.get("path")!r}, expected {expected_path!r}')
        keys = {k.get('name'): k for k in schema.findall('key')}
        for name, (type_, default) in EXPECTED_KEYS.items():
            key = keys.get(name)
            if key is None:
                errors.append(f'key {name} is missing')
                continue
            if key.get('type') != type_:
                errors.append(f'key {name} has type {key.get("type")!r}, expected {type_!r}')
            got = (key.findtext('default') or '').strip()
            if default is not None and got != default:
                errors.append(f'key {name} defaults to {got!r}, expected {default!r}')
            if not (key.findtext('summary') or '').strip():
                errors.append(f'key {name} has no summary')
        for name in sorted(set(keys) - set(EXPECTED_KEYS)):
            print(f'note: extra key {name} (add it to EXPECTED_KEYS if the app relies on it)')

    for e in errors:
        print(f'{args.schema}: {e}', file=sys.stderr)
    if errors:
        return 1
    print(f'{args.schema}: OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
