# SPDX-License-Identifier: GPL-3.0-or-later
"""What the kit's network tests (kit-netcut.py, kit-turn.py) share: the
`ip` command, and running a scenario inside network namespaces that are
removed whatever happens."""
import json
import os
import signal
import subprocess
import sys
import tempfile

SKIP = 77


def ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), check=check, capture_output=True)


def in_ns(ns):
    return ["ip", "netns", "exec", ns]


def remove(namespaces):
    for ns in namespaces:
        ip("netns", "del", ns, check=False)


def dump(ctx, tmp, logs):
    tail = int(os.environ.get("DUET_TEST_STDERR_TAIL", "2000"))
    for c in ctx.clients:
        print("--- %s events" % c.user)
        for ev in c.events:
            if ev.get("event") not in ("audio-description-update", "stats"):
                print(json.dumps(ev))
        sys.stdout.write(open(c.stderr_path, errors="replace").read()[-tail:])
    for log in logs:
        path = os.path.join(tmp, log)
        if os.path.exists(path):
            print("--- %s" % log)
            sys.stdout.write(open(path, errors="replace").read()[-tail:])


def run(kc, name, setup, cleanup, scenario, logs=()):
    """Runs scenario(ctx, tmp) in the namespaces setup() makes; cleanup()
    removes them in every case. Returns the exit status: 77 (skip) without
    root or when the namespaces cannot be made."""
    if os.geteuid() != 0:
        print("SKIP: needs root for network namespaces")
        return SKIP
    # meson's timeout sends SIGTERM: still clean up
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        setup()
    except (subprocess.CalledProcessError, OSError) as e:
        cleanup()
        err = getattr(e, "stderr", b"") or b""
        print("SKIP: cannot make the namespaces: %s %s" % (e, err.decode(errors="replace").strip()))
        return SKIP
    try:
        with tempfile.TemporaryDirectory(prefix="duet-net-") as tmp:
            ctx = kc.Context(tmp)
            try:
                scenario(ctx, tmp)
                print("ok", name)
                return 0
            except kc.Fail as e:
                print("FAIL %s: %s" % (name, e))
                dump(ctx, tmp, logs)
                return 1
            finally:
                ctx.close()
    finally:
        cleanup()
