#!/usr/bin/env python3
# Checks that the duet-server systemd unit keeps its hardening, runs the
# server with the expected arguments, and (when systemd-analyze is given)
# passes `systemd-analyze verify` and stays under an exposure threshold of
# `systemd-analyze security --offline=yes`.
#
# usage: check-systemd-unit.py [--systemd-analyze PATH] [--max-exposure N] UNIT

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

# key -> required value (None: any non-empty value; '' : must be present and empty)
REQUIRED = {
    'DynamicUser': 'yes',
    'StateDirectory': 'duet',
    'NoNewPrivileges': 'yes',
    'ProtectSystem': 'strict',
    'ProtectHome': 'yes',
    'PrivateTmp': 'yes',
    'PrivateDevices': 'yes',
    'ProtectKernelTunables': 'yes',
    'ProtectKernelModules': 'yes',
    'ProtectKernelLogs': 'yes',
    'ProtectControlGroups': 'yes',
    'RestrictAddressFamilies': 'AF_INET AF_INET6 AF_UNIX',
    'SystemCallFilter': '@system-service',
    'SystemCallArchitectures': 'native',
    'MemoryDenyWriteExecute': 'yes',
    'LockPersonality': 'yes',
    'RestrictNamespaces': 'yes',
    'RestrictRealtime': 'yes',
    'RestrictSUIDSGID': 'yes',
    'CapabilityBoundingSet': '',
    'KillSignal': 'SIGTERM',
    'Restart': 'on-failure',
    'LimitNOFILE': '65536',
    'UMask': '0077',
}

# settings whose assignments add up rather than replace each other
ACCUMULATING = {'SystemCallFilter'}

EXPECTED_ARGS = ['serve', '--db', '/var/lib/duet/duet.db', '--listen', '0.0.0.0',
                 '--port', '8443']


def parse_unit(path):
    """Returns {section: [(key, value), ...]}; keys may repeat, as in systemd."""
    sections = {}
    current = None
    with open(path, encoding='utf-8') as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in '#;':
                continue
            if line.startswith('[') and line.endswith(']'):
                current = sections.setdefault(line[1:-1], [])
                continue
            if current is None or '=' not in line:
                raise SystemExit(f'{path}: cannot parse line {raw!r}')
            key, value = line.split('=', 1)
            current.append((key.strip(), value.strip()))
    return sections


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--systemd-analyze')
    ap.add_argument('--max-exposure', type=float, default=2.0)
    ap.add_argument('unit')
    args = ap.parse_args()

    errors = []
    sections = parse_unit(args.unit)
    service = sections.get('Service', [])
    values = {}
    for key, value in service:
        values.setdefault(key, []).append(value)

    for key, want in REQUIRED.items():
        got = values.get(key)
        if got is None:
            errors.append(f'{key}= is missing')
        elif key in ACCUMULATING:
            if want not in got:
                errors.append(f'{key}={got}, expected {want!r} among them')
        elif got[-1] != want:
            # systemd uses the last assignment of a plain setting
            errors.append(f'{key}={got[-1]!r}, expected {want!r}')

    exec_start = values.get('ExecStart', [])
    if len(exec_start) != 1:
        errors.append(f'expected exactly one ExecStart=, got {len(exec_start)}')
    else:
        argv = shlex.split(exec_start[0])
        if os.path.basename(argv[0]) != 'duet-server' or not os.path.isabs(argv[0]):
            errors.append(f'ExecStart runs {argv[0]!r}, expected an absolute path to duet-server')
        if '@' in argv[0]:
            errors.append('ExecStart still contains an unsubstituted @variable@')
        if argv[1:1 + len(EXPECTED_ARGS)] != EXPECTED_ARGS:
            errors.append(f'ExecStart arguments {argv[1:]} do not start with {EXPECTED_ARGS}')
        for opt in ('--tls-cert', '--tls-key'):
            if opt not in argv:
                errors.append(f'ExecStart lacks {opt}')
    creds = {v.split(':', 1)[0]: v.split(':', 1)[1] for v in values.get('LoadCredential', [])}
    if creds != {'tls-cert': '/etc/duet/tls/cert.pem', 'tls-key': '/etc/duet/tls/key.pem'}:
        errors.append(f'LoadCredential= gives {creds}, expected tls-cert/tls-key from /etc/duet/tls')
    if ('WantedBy', 'multi-user.target') not in sections.get('Install', []):
        errors.append('[Install] lacks WantedBy=multi-user.target')

    if args.systemd_analyze and not errors:
        errors += run_systemd_analyze(args.systemd_analyze, args.unit, args.max_exposure)

    for e in errors:
        print(f'{args.unit}: {e}', file=sys.stderr)
    if errors:
        return 1
    print(f'{args.unit}: OK')
    return 0


def run_systemd_analyze(tool, unit, max_exposure):
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        # verify insists that ExecStart's binary exists: point it at a stub.
        stub = os.path.join(tmp, 'duet-server')
        with open(stub, 'w') as f:
            f.write('#!/bin/sh\nexit 0\n')
        os.chmod(stub, 0o755)
        copy = os.path.join(tmp, os.path.basename(unit))
        with open(unit, encoding='utf-8') as src, open(copy, 'w', encoding='utf-8') as dst:
            for line in src:
                if line.startswith('ExecStart='):
                    line = re.sub(r'=\S*duet-server', '=' + stub, line, count=1)
                dst.write(line)

        res = subprocess.run([tool, 'verify', copy], capture_output=True, text=True)
        out = (res.stdout + res.stderr).strip()
        if out:
            print(out)
        if res.returncode != 0 or out:
            errors.append(f'systemd-analyze verify failed (exit {res.returncode})')

        res = subprocess.run([tool, 'security', '--offline=yes', '--no-pager', copy],
                             capture_output=True, text=True)
        m = re.search(r'Overall exposure level for \S+: ([0-9.]+)', res.stdout + res.stderr)
        if not m:
            print(res.stdout + res.stderr)
            print('systemd-analyze security --offline=yes not supported here; skipped')
        else:
            score = float(m.group(1))
            print(f'systemd-analyze security: exposure {score} (max {max_exposure})')
            if score > max_exposure:
                print(res.stdout)
                errors.append(f'exposure {score} is above {max_exposure}')
    return errors


if __name__ == '__main__':
    sys.exit(main())
