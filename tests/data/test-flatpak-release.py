#!/usr/bin/env python3
# Runs tools/flatpak-release on a clean clone of this repository (its HEAD:
# uncommitted work is neither needed nor packed) and checks the manifest it
# writes for Flathub: valid JSON; the checked-in manifest's app id, runtime,
# finish-args and config-opts; the duet module's source an archive whose
# sha256 is the tarball's; and check-flatpak-manifest.py --release accepts it.
# Then the same with --git and a tag, and the errors for a missing tag and for
# uncommitted changes.
# Exits 77 (skip) only when meson dist cannot run: no git, no meson, or a
# source tree that is not a git checkout (an unpacked tarball).
#
# usage: test-flatpak-release.py --source-root DIR --tool tools/flatpak-release
#            --checker check-flatpak-manifest.py --app-id ID [--meson CMD]

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

URL = 'https://example.org/duet/releases/'


def skip(why):
    print(f'SKIP: {why}')
    sys.exit(77)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--tool', required=True)
    ap.add_argument('--checker', required=True)
    ap.add_argument('--app-id', required=True)
    ap.add_argument('--meson', help='the meson command (default: meson on PATH)')
    args = ap.parse_args()

    if shutil.which('git') is None:
        skip('git is not installed')
    meson = args.meson or shutil.which('meson')
    if not meson:
        skip('meson is not installed')
    r = subprocess.run(['git', '-C', args.source_root, 'rev-parse', '--is-inside-work-tree'],
                       capture_output=True, text=True)
    if r.returncode != 0 or r.stdout.strip() != 'true':
        skip(f'{args.source_root} is not a git checkout')

    errors = []
    with tempfile.TemporaryDirectory(prefix='duet-flatpak-release-') as tmp:
        src = os.path.join(tmp, 'src')
        subprocess.run(['git', 'clone', '-q', args.source_root, src], check=True)
        build = os.path.join(tmp, 'build')
        out = os.path.join(tmp, 'out', f'{args.app_id}.json')
        env = dict(os.environ, MESON=meson)
        r = subprocess.run([sys.executable, args.tool, '--source', src, '--builddir', build,
                            '--url', URL, '--output', out],
                           env=env, capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        sys.stdout.write(r.stderr)
        if r.returncode != 0:
            print(f'FAIL: flatpak-release exited with {r.returncode}')
            return 1

        with open(os.path.join(src, 'flatpak', f'{args.app_id}.json'), encoding='utf-8') as f:
            checked_in = json.load(f)
        try:
            with open(out, encoding='utf-8') as f:
                written = json.load(f)
        except (OSError, ValueError) as e:
            print(f'FAIL: {out}: {e}')
            return 1

        for key in ('id', 'app-id', 'runtime', 'runtime-version', 'sdk', 'command',
                    'finish-args', 'cleanup'):
            if written.get(key) != checked_in.get(key):
                errors.append(f'{key} is {written.get(key)!r}, '
                              f'checked in {checked_in.get(key)!r}')

        def duet_module(manifest):
            found = [m for m in manifest.get('modules', [])
                     if isinstance(m, dict) and m.get('name') == 'duet']
            return found[0] if len(found) == 1 else None

        module, checked_module = duet_module(written), duet_module(checked_in)
        if module is None or checked_module is None:
            errors.append('no single duet module')
        else:
            if module.get('config-opts') != checked_module.get('config-opts'):
                errors.append(f'config-opts are {module.get("config-opts")}, '
                              f'checked in {checked_module.get("config-opts")}')
            # nothing but the source differs
            same = {k: v for k, v in module.items() if k != 'sources'}
            if same != {k: v for k, v in checked_module.items() if k != 'sources'}:
                errors.append('the duet module differs from the checked-in one beyond its source')
            sources = module.get('sources', [])
            distdir = os.path.join(build, 'meson-dist')
            tarballs = ([f for f in os.listdir(distdir) if f.endswith('.tar.xz')]
                        if os.path.isdir(distdir) else [])
            if len(sources) != 1 or sources[0].get('type') != 'archive':
                errors.append(f'the duet module\'s sources are {sources}, not one archive')
            elif len(tarballs) != 1:
                errors.append(f'expected one tarball in {distdir}, found {tarballs}')
            else:
                source = sources[0]
                with open(os.path.join(distdir, tarballs[0]), 'rb') as f:
                    sha256 = hashlib.sha256(f.read()).hexdigest()
                if not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
                    errors.append(f'sha256 {source.get("sha256")!r} is not 64 hex digits')
                elif source['sha256'] != sha256:
                    errors.append(f'sha256 {source["sha256"]} is not the tarball\'s {sha256}')
                if source.get('url') != URL + tarballs[0]:
                    errors.append(f'url is {source.get("url")!r}, expected {URL + tarballs[0]!r}')
                if set(source) != {'type', 'url', 'sha256'}:
                    errors.append(f'unexpected keys in the archive source: {sorted(source)}')

        def check_release(manifest):
            r = subprocess.run([sys.executable, args.checker, '--app-id', args.app_id,
                                '--release', manifest], capture_output=True, text=True)
            sys.stdout.write(r.stdout)
            if r.returncode != 0:
                errors.append('check-flatpak-manifest.py --release rejects it:\n' + r.stderr)

        check_release(out)

        def tool(*tool_args):
            r = subprocess.run([sys.executable, args.tool, '--source', src,
                                '--builddir', build, *tool_args],
                               env=env, capture_output=True, text=True)
            sys.stdout.write(r.stdout + r.stderr)
            return r

        # a git source: the tag and its commit, no tarball needed
        git_out = os.path.join(tmp, 'out-git', f'{args.app_id}.json')
        git_url = 'https://example.org/duet.git'
        r = tool('--git', git_url, '--tag', 'v0.0.0-missing', '--output', git_out)
        if r.returncode == 0 or 'v0.0.0-missing not found' not in r.stderr:
            errors.append('a missing tag is not refused with a clear error')
        subprocess.run(['git', '-C', src, 'tag', 'v0.0.0-test'], check=True)
        head = subprocess.run(['git', '-C', src, 'rev-parse', 'HEAD'], check=True,
                              capture_output=True, text=True).stdout.strip()
        r = tool('--git', git_url, '--tag', 'v0.0.0-test', '--output', git_out)
        if r.returncode != 0:
            errors.append(f'flatpak-release --git exited with {r.returncode}')
        else:
            with open(git_out, encoding='utf-8') as f:
                git_module = duet_module(json.load(f))
            expected = [{'type': 'git', 'url': git_url, 'tag': 'v0.0.0-test', 'commit': head}]
            if git_module is None or git_module.get('sources') != expected:
                errors.append(f'the git source is not {expected}')
            check_release(git_out)

        # uncommitted changes would be left out of the tarball: refused
        with open(os.path.join(src, 'meson.build'), 'a', encoding='utf-8') as f:
            f.write('# uncommitted\n')
        r = tool('--url', URL, '--output', out)
        if r.returncode == 0 or 'uncommitted changes' not in r.stderr:
            errors.append('a tree with uncommitted changes is not refused with a clear error')

    for e in errors:
        print(f'FAIL: {e}')
    if errors:
        return 1
    print('OK: the Flathub manifest is the checked-in one with the release tarball as source')
    return 0


if __name__ == '__main__':
    sys.exit(main())
