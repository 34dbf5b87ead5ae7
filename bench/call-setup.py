#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Call-setup timing with two duet-call processes and a real duet-server.

Usage: bench/call-setup.py [--runs N] [--ring-ms MS] BUILDDIR
Needs BUILDDIR/src/server/duet-server and BUILDDIR/src/cli/duet-call.

Per call, from the JSON events (mono_ms is the shared monotonic clock):
  make_call -> incoming : caller "make-call"  -> callee "incoming-call"
  accept -> connected    : callee "accept-call" -> callee "connected"
  accept -> first frame  : callee "accept-call" -> first decoded peer video
                           frame, on the callee and on the caller
The callee rings RING_MS before accepting (ICE and DTLS are prepared
meanwhile, as in a real call). Video 640x480 at 30 fps, test sources.
Prints the median and min/max of each over the runs.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time


def events(proc):
    out = []
    for raw in proc.stdout:
        try:
            out.append(json.loads(raw))
        except ValueError:
            pass
    return out


def first(evs, name):
    for e in evs:
        if e.get("event") == name:
            return e["mono_ms"]
    raise RuntimeError("no %s event in %s" % (name, [e.get("event") for e in evs]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("builddir")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--ring-ms", type=int, default=1000)
    args = ap.parse_args()
    server = os.path.join(args.builddir, "src/server/duet-server")
    client = os.path.join(args.builddir, "src/cli/duet-call")

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "db.sqlite")
        for u in ("alice", "bob"):
            subprocess.run([server, "user", "add", "--db", db, "--user", u, "--password-stdin",
                            "--kdf-cost", "min"], input=b"pw\n", check=True, capture_output=True)
        srv = subprocess.Popen([server, "serve", "--port", "0", "--db", db, "--ring-timeout", "30",
                                "--grace-period", "5"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
        url = re.search(r"(http://\S+)", srv.stdout.readline().decode()).group(1)
        token = {u: subprocess.run([server, "token", "--db", db, "--user", u], check=True,
                                   capture_output=True).stdout.decode().split()[-1]
                 for u in ("alice", "bob")}
        env = dict(os.environ, DUET_VIDEO_WIDTH="640", DUET_VIDEO_HEIGHT="480", DUET_VIDEO_FPS="30")
        rows = {"make_call -> incoming": [], "accept -> connected": [],
                "accept -> first frame (callee)": [], "accept -> first frame (caller)": []}
        try:
            for _ in range(args.runs):
                bob = subprocess.Popen([client, "--server", url, "--user", "bob", "--token-stdin",
                                        "--test-sources", "listen", "--auto-accept",
                                        "--accept-after", str(args.ring_ms)],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, env=env)
                bob.stdin.write((token["bob"] + "\n").encode())
                bob.stdin.flush()
                time.sleep(0.5)
                alice = subprocess.Popen([client, "--server", url, "--user", "alice", "--token-stdin",
                                          "--test-sources", "--hangup-after", "2", "call", "bob"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, env=env)
                alice.stdin.write((token["alice"] + "\n").encode())
                alice.stdin.flush()
                a, b = events(alice), events(bob)
                alice.wait()
                bob.wait()
                accept = first(b, "accept-call")
                rows["make_call -> incoming"].append(first(b, "incoming-call") - first(a, "make-call"))
                rows["accept -> connected"].append(first(b, "connected") - accept)
                rows["accept -> first frame (callee)"].append(first(b, "first-peer-video-frame") - accept)
                rows["accept -> first frame (caller)"].append(first(a, "first-peer-video-frame") - accept)
        finally:
            srv.terminate()
            srv.wait()

    print("%d calls, ring %d ms before accept, 640x480@30 VP8 + Opus, loopback" % (args.runs, args.ring_ms))
    for name, values in rows.items():
        print("%-32s median %5.0f ms  (min %d, max %d)" % (name, statistics.median(values),
                                                          min(values), max(values)))


if __name__ == "__main__":
    main()
