#!/usr/bin/env python3
# Checks the Flatpak manifest: valid JSON, the app id that meson's config.h
# uses, command, a pinned runtime, checksums on every downloaded source, and
# finish-args limited to an allow-list in which every entry says why it is
# needed (see docs/flatpak.md).
#
# usage: check-flatpak-manifest.py --app-id ID [--command duet] [--release] MANIFEST
#
# The checked-in manifest builds this tree (a dir source). With --release the
# manifest is one for Flathub (tools/flatpak-release): no dir source anywhere,
# and the main module builds a downloaded archive with a sha256 or a git tag
# with its commit.

import argparse
import json
import os
import re
import sys

# Every permission Duet may ask for, and why. Anything else fails the test:
# to add one, add it here with its reason and explain it in docs/flatpak.md.
ALLOWED_FINISH_ARGS = {
    '--share=network': 'talk to the Duet server and send call media (WebRTC)',
    '--share=ipc': 'X11 shared memory for the fallback-x11 socket',
    '--socket=wayland': 'show windows on Wayland',
    '--socket=fallback-x11': 'show windows on X11 sessions only',
    '--device=dri': 'GPU rendering for GTK 4 and video',
    '--socket=pulseaudio': 'microphone and speaker (pulsesrc/pulsesink, PipeWire-Pulse)',
}

# Never allowed, whatever the allow-list says: they break the sandbox or
# duplicate what a portal already gives.
FORBIDDEN = [
    (r'^--filesystem=(host|host-os|host-etc|home)(:.*)?$', 'whole-filesystem or home access'),
    (r'^--filesystem=/', 'access to absolute host paths'),
    (r'^--device=all$', 'all devices (cameras come through the Camera portal)'),
    (r'^--socket=(session-bus|system-bus)$', 'unfiltered D-Bus access'),
    (r'^--talk-name=org\.freedesktop\.Flatpak$', 'sandbox escape through flatpak-spawn --host'),
    (r'^--talk-name=org\.freedesktop\.secrets$', 'every app\'s secrets (use the Secret portal)'),
    (r'^--(own|talk|system-talk|system-own)-name=\*$', 'wildcard bus names'),
    (r'^--allow=devel$', 'ptrace and perf in release builds'),
]

ARCHIVE_TYPES = {'archive', 'file', 'extra-data'}


def check_sources(module, where, errors, release):
    for i, src in enumerate(module.get('sources', [])):
        if isinstance(src, str):
            continue  # an external sources file; checked by flatpak-builder itself
        here = f'{where}.sources[{i}]'
        kind = src.get('type')
        if release and kind == 'dir':
            errors.append(f'{here}: Flathub does not accept dir sources')
        if kind in ARCHIVE_TYPES and ('url' in src or kind == 'extra-data'):
            if not (src.get('sha256') or src.get('sha512')):
                errors.append(f'{here}: {kind} source {src.get("url")} has no sha256')
            elif src.get('sha256') and not re.fullmatch(r'[0-9a-f]{64}', src['sha256']):
                errors.append(f'{here}: sha256 is not 64 lowercase hex digits')
            if not src.get('url', 'https://').startswith('https://'):
                errors.append(f'{here}: url is not https')
        elif kind == 'git':
            if not re.fullmatch(r'[0-9a-f]{40}', src.get('commit', '')):
                errors.append(f'{here}: git source {src.get("url")} is not pinned to a commit')
        elif kind in ('dir', 'patch', 'script', 'shell', 'inline'):
            pass
        elif kind in ARCHIVE_TYPES:
            pass  # local path, no download
        else:
            errors.append(f'{here}: unknown source type {kind!r}')


def walk_modules(modules, where, base_dir, errors, names, release):
    for i, module in enumerate(modules):
        here = f'{where}[{i}]'
        if isinstance(module, str):
            path = os.path.join(base_dir, module)
            try:
                with open(path, encoding='utf-8') as f:
                    module = json.load(f)
            except (OSError, ValueError) as e:
                errors.append(f'{here}: cannot load {module}: {e}')
                continue
        names.append(module.get('name'))
        check_sources(module, f'{here}({module.get("name")})', errors, release)
        walk_modules(module.get('modules', []), here + '.modules', base_dir, errors, names,
                     release)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--app-id', required=True)
    ap.add_argument('--command', default='duet')
    ap.add_argument('--release', action='store_true',
                    help='a manifest for Flathub: the main module downloads its source')
    ap.add_argument('manifest')
    args = ap.parse_args()

    errors = []
    try:
        with open(args.manifest, encoding='utf-8') as f:
            manifest = json.load(f)
    except ValueError as e:
        print(f'{args.manifest}: invalid JSON: {e}', file=sys.stderr)
        return 1

    app_id = manifest.get('id', manifest.get('app-id'))
    if 'id' in manifest and 'app-id' in manifest:
        errors.append('both id and app-id are set')
    if app_id != args.app_id:
        errors.append(f'app id is {app_id!r}, but meson APPLICATION_ID is {args.app_id!r}')
    if os.path.basename(args.manifest) != f'{args.app_id}.json':
        errors.append(f'manifest should be named {args.app_id}.json')
    if manifest.get('command') != args.command:
        errors.append(f'command is {manifest.get("command")!r}, expected {args.command!r}')
    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        errors.append('runtime/sdk must be org.gnome.Platform/org.gnome.Sdk')
    rv = str(manifest.get('runtime-version', ''))
    if not re.fullmatch(r'\d+', rv):
        errors.append(f'runtime-version {rv!r} is not a pinned stable GNOME version')

    finish_args = manifest.get('finish-args', [])
    if len(finish_args) != len(set(finish_args)):
        errors.append('finish-args has duplicates')
    for arg in finish_args:
        for pattern, why in FORBIDDEN:
            if re.search(pattern, arg):
                errors.append(f'finish-arg {arg} is forbidden: {why}')
                break
        else:
            if arg not in ALLOWED_FINISH_ARGS:
                errors.append(f'finish-arg {arg} is not in the allow-list '
                              '(add it with a reason here and in docs/flatpak.md)')
    if '--socket=x11' in finish_args and '--socket=fallback-x11' in finish_args:
        errors.append('use --socket=fallback-x11 alone, not with --socket=x11')

    names = []
    walk_modules(manifest.get('modules', []), 'modules',
                 os.path.dirname(os.path.abspath(args.manifest)), errors, names, args.release)
    if not names:
        errors.append('no modules')
    else:
        main_module = manifest['modules'][-1]
        if isinstance(main_module, dict):
            if main_module.get('buildsystem') != 'meson':
                errors.append('the last (main) module must use buildsystem meson')
            if '-Dserver=true' in main_module.get('config-opts', []):
                errors.append('the Flatpak must not build duet-server')
            if '-Dtests=false' not in main_module.get('config-opts', []):
                errors.append('the Flatpak must not build the tests, benchmarks and examples (-Dtests=false)')
            sources = [s for s in main_module.get('sources', []) if isinstance(s, dict)]
            if not args.release:
                if {'type': 'dir', 'path': '..'} not in sources:
                    errors.append('the main module must build this tree (type dir, path ..)')
            elif not any((s.get('type') == 'archive' and s.get('url') and s.get('sha256'))
                         or (s.get('type') == 'git' and s.get('url') and s.get('tag')
                             and s.get('commit'))
                         for s in sources):
                errors.append('the main module must build a release: an archive with its '
                              'sha256, or a git tag with its commit (tools/flatpak-release)')

    for e in errors:
        print(f'{args.manifest}: {e}', file=sys.stderr)
    if errors:
        return 1
    print(f'{args.manifest}: OK (runtime {manifest["runtime"]}//{rv}, '
          f'modules {names}, finish-args {" ".join(finish_args)})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
