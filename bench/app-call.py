#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""CPU and peak RSS of the GTK app (src/app/duet) during a call with its
call window shown, against a duet-call peer through a real duet-server.

Usage (a private display and session bus, as tests/app does):
  dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24 -nolisten tcp' \\
      python3 bench/app-call.py [--size WxH] [--seconds S] [--json FILE] BUILDDIR

The app (alice) calls bob (duet-call --auto-accept) through its own
app.call action over org.gtk.Actions (gdbus); after connected + 2 s it
measures utime+stime of both processes over S seconds and their VmHWM.
The app renders with GSK_RENDERER=cairo under Xvfb (software).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import importlib.util

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("call_setup", os.path.join(HERE, "call-setup.py"))
cs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cs)


def gdbus(path, method, *args):
    return subprocess.run(["gdbus", "call", "--session", "--dest", "org.duet.Duet", "--object-path", path,
                           "--method", "org.gtk.Actions." + method] + list(args),
                          capture_output=True, text=True, timeout=10)


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise RuntimeError("timed out waiting for " + what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("builddir")
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--json")
    args = ap.parse_args()
    build = os.path.abspath(args.builddir)
    w, h = args.size.split("x")

    with tempfile.TemporaryDirectory() as tmp:
        srv = cs.Server(build, tmp)
        app = bob = None
        try:
            os.makedirs(os.path.join(tmp, "share", "duet"))
            shutil.copy(os.path.join(build, "data", "org.duet.Duet-autostart.desktop"),
                        os.path.join(tmp, "share", "duet"))
            env = dict(os.environ, GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                       GSETTINGS_BACKEND="memory", XDG_CONFIG_HOME=os.path.join(tmp, "config"),
                       XDG_DATA_HOME=os.path.join(tmp, "data"),
                       XDG_DATA_DIRS=os.path.join(tmp, "share") + ":/usr/local/share:/usr/share",
                       DUET_TEST_SOURCES="1", DUET_FAKE_AUDIO_SINK="1",
                       DUET_VIDEO_WIDTH=w, DUET_VIDEO_HEIGHT=h, DUET_VIDEO_FPS=str(args.fps),
                       GDK_BACKEND="x11", GSK_RENDERER="cairo", GTK_A11Y="none", NO_AT_BRIDGE="1",
                       LANGUAGE="C", LC_ALL="C.UTF-8")
            env.pop("DUET_BENCH_STAMP", None)
            app = subprocess.Popen([os.path.join(build, "src/app/duet"), "--background", "--server", srv.url,
                                    "--user", "alice", "--password-stdin"], stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, text=True)
            app.stdin.write("pw\n")
            app.stdin.close()
            wait_for(lambda: "true" in gdbus("/org/duet/Duet", "Describe", "online").stdout, 30,
                     "the app to go online")
            cenv = dict(os.environ, DUET_FAKE_AUDIO_SINK="1")
            cenv.pop("DUET_BENCH_STAMP", None)
            bob = cs.Proc([os.path.join(build, "src/cli/duet-call"), "--server", srv.url, "--user", "bob",
                           "--token-stdin", "--test-sources", "--video-size", args.size, "--fps", str(args.fps),
                           "listen", "--auto-accept"], srv.token["bob"], cenv)
            time.sleep(1)
            r = gdbus("/org/duet/Duet", "Activate", "call", "[<('bob', 'audiovideo')>]", "{}")
            if r.returncode != 0:
                raise RuntimeError("app.call failed: " + r.stderr)
            bob.wait_event("connected", 30)
            wait_for(lambda: gdbus("/org/duet/Duet/call", "List").returncode == 0, 10, "the call window")
            time.sleep(2)
            procs = {"app": app.pid, "peer duet-call": bob.p.pid}
            t0 = time.monotonic()
            c0 = {n: cs.cpu_ticks(p) for n, p in procs.items()}
            time.sleep(args.seconds)
            wall = time.monotonic() - t0
            c1 = {n: cs.cpu_ticks(p) for n, p in procs.items()}
            hwm = {n: cs.vm_hwm_kib(p) for n, p in procs.items()}
            stats = [e for e in bob.evs if e.get("event") == "stats"]
            out = {"size": args.size, "fps": args.fps, "window_s": wall,
                   "peer_frames_decoded": stats[-1].get("video_frames_decoded") if stats else None}
            for n in procs:
                out[n] = {"cpu_pct": 100.0 * (c1[n] - c0[n]) / cs.TICK / wall, "vm_hwm_mib": hwm[n] / 1024.0}
            gdbus("/org/duet/Duet/call", "Activate", "end", "[]", "{}")
            bob.finish(15)
        finally:
            for p in (app, bob.p if bob else None):
                if p is not None and p.poll() is None:
                    p.terminate()
                    try:
                        p.wait(5)
                    except subprocess.TimeoutExpired:
                        p.kill()
            srv.stop()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
