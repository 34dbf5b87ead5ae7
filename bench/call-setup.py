#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Call timing with two duet-call processes and a real duet-server.

Usage: bench/call-setup.py [--runs N] [--ring-ms MS] [--size WxH] [--fps N]
                           [--call-seconds S] [--json FILE] BUILDDIR
Needs BUILDDIR/src/server/duet-server and BUILDDIR/src/cli/duet-call.

Setup, per call, from the JSON events (mono_ms / at_mono_us are the shared
CLOCK_MONOTONIC):
  make_call -> incoming  : caller "make-call"  -> callee "incoming-call"
  verify -> verified     : callee "incoming-call" (it verifies at once) ->
                           caller "verified"
  accept -> connected    : callee "accept-call" -> "connected", each side
  accept -> first frame  : callee "accept-call" -> first decoded peer video
                           frame ("at_mono_us"), each side
  accept -> first audio  : same for the first decoded peer audio buffer
The callee rings RING_MS before accepting (ICE and DTLS are prepared
meanwhile, as in a real call). Test sources, VP8 + Opus, loopback.

With --call-seconds S (> 0) one more call runs for 2 + S seconds with
DUET_BENCH_STAMP=1: capture-to-render latency of both directions (each
duet-call reads the stamps in a synced fakesink peer view; 2 s warm-up),
and CPU (utime+stime over the S-second window, % of one core) and peak
RSS (VmHWM) of each duet-call.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


class Proc:
    """A duet-call whose JSON events are collected on a thread."""

    def __init__(self, argv, token, env):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env)
        self.p.stdin.write((token + "\n").encode())
        self.p.stdin.flush()
        self.evs = []
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for raw in self.p.stdout:
            try:
                self.evs.append(json.loads(raw))
            except ValueError:
                pass

    def wait_event(self, name, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(e.get("event") == name for e in list(self.evs)):
                return
            time.sleep(0.01)
        raise RuntimeError("no %s event in %s" % (name, [e.get("event") for e in self.evs]))

    def finish(self, timeout=60):
        self.p.wait(timeout)
        self.t.join(5)
        return self.evs


def first(evs, name, field="mono_ms"):
    for e in evs:
        if e.get("event") == name:
            return e["at_mono_us"] / 1000.0 if "at_mono_us" in e else e[field]
    raise RuntimeError("no %s event in %s" % (name, [e.get("event") for e in evs]))


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])   # utime + stime


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))


def pctl(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(1, -(-len(s) * p // 100))
    return s[int(k) - 1]


def summary(values):
    return {"median": statistics.median(values), "p95": pctl(values, 95),
            "min": min(values), "max": max(values), "n": len(values), "values": values}


class Server:
    def __init__(self, builddir, tmp):
        self.bin = os.path.join(builddir, "src/server/duet-server")
        db = os.path.join(tmp, "db.sqlite")
        for u in ("alice", "bob"):
            subprocess.run([self.bin, "user", "add", "--db", db, "--user", u, "--password-stdin",
                            "--kdf-cost", "min"], input=b"pw\n", check=True, capture_output=True)
        self.p = subprocess.Popen([self.bin, "serve", "--port", "0", "--db", db, "--ring-timeout", "30",
                                   "--grace-period", "5"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        self.url = re.search(r"(http://\S+)", self.p.stdout.readline().decode()).group(1)
        self.token = {u: subprocess.run([self.bin, "token", "--db", db, "--user", u], check=True,
                                        capture_output=True).stdout.decode().split()[-1]
                      for u in ("alice", "bob")}

    def stop(self):
        self.p.terminate()
        self.p.wait()


def start_pair(client, srv, env, video, ring_ms, hangup_s):
    bob = Proc([client, "--server", srv.url, "--user", "bob", "--token-stdin", "--test-sources"]
               + video + ["listen", "--auto-accept", "--accept-after", str(ring_ms)],
               srv.token["bob"], env)
    time.sleep(0.5)
    alice = Proc([client, "--server", srv.url, "--user", "alice", "--token-stdin", "--test-sources"]
                 + video + ["--hangup-after", str(hangup_s), "call", "bob"], srv.token["alice"], env)
    return alice, bob


def measure(builddir, runs=10, ring_ms=1000, size="640x480", fps=30, call_seconds=0):
    client = os.path.join(builddir, "src/cli/duet-call")
    env = dict(os.environ, DUET_FAKE_AUDIO_SINK="1")
    env.pop("DUET_BENCH_STAMP", None)
    video = ["--video-size", size, "--fps", str(fps)]
    rows = {k: [] for k in ("make_call -> incoming", "verify -> caller verified",
                            "accept -> connected (callee)", "accept -> connected (caller)",
                            "accept -> first frame (callee)", "accept -> first frame (caller)",
                            "accept -> first audio (callee)", "accept -> first audio (caller)")}
    out = {"size": size, "fps": fps, "runs": runs, "ring_ms": ring_ms}
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(builddir, tmp)
        try:
            for _ in range(runs):
                alice, bob = start_pair(client, srv, env, video, ring_ms, 2)
                a, b = alice.finish(), bob.finish()
                accept = first(b, "accept-call")
                rows["make_call -> incoming"].append(first(b, "incoming-call") - first(a, "make-call"))
                rows["verify -> caller verified"].append(first(a, "verified") - first(b, "incoming-call"))
                rows["accept -> connected (callee)"].append(first(b, "connected") - accept)
                rows["accept -> connected (caller)"].append(first(a, "connected") - accept)
                rows["accept -> first frame (callee)"].append(first(b, "first-peer-video-frame") - accept)
                rows["accept -> first frame (caller)"].append(first(a, "first-peer-video-frame") - accept)
                rows["accept -> first audio (callee)"].append(first(b, "first-peer-audio-buffer") - accept)
                rows["accept -> first audio (caller)"].append(first(a, "first-peer-audio-buffer") - accept)
            out["setup_ms"] = {k: summary(v) for k, v in rows.items()}

            if call_seconds > 0:
                env_s = dict(env, DUET_BENCH_STAMP="1")
                alice, bob = start_pair(client, srv, env_s, video, ring_ms, call_seconds + 4)
                alice.wait_event("connected", 30)
                bob.wait_event("connected", 30)
                time.sleep(2)
                t0 = time.monotonic()
                c0 = {n: cpu_ticks(p.p.pid) for n, p in (("caller", alice), ("callee", bob))}
                time.sleep(call_seconds)
                wall = time.monotonic() - t0
                c1 = {n: cpu_ticks(p.p.pid) for n, p in (("caller", alice), ("callee", bob))}
                hwm = {n: vm_hwm_kib(p.p.pid) for n, p in (("caller", alice), ("callee", bob))}
                a, b = alice.finish(), bob.finish()
                call = {}
                for n, evs in (("caller", a), ("callee", b)):
                    lat = [e for e in evs if e.get("event") == "latency"]
                    lat = lat[-1] if lat else {}
                    call[n] = {"cpu_pct": 100.0 * (c1[n] - c0[n]) / TICK / wall,
                               "vm_hwm_mib": hwm[n] / 1024.0,
                               "latency_p50_ms": lat.get("latency_p50_ms"),
                               "latency_p95_ms": lat.get("latency_p95_ms"),
                               "latency_n": lat.get("latency_n"),
                               "latency_unreadable": lat.get("latency_unreadable")}
                call["window_s"] = wall
                out["call"] = call
        finally:
            srv.stop()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("builddir")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--ring-ms", type=int, default=1000)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--call-seconds", type=int, default=0)
    ap.add_argument("--json")
    args = ap.parse_args()
    out = measure(args.builddir, args.runs, args.ring_ms, args.size, args.fps, args.call_seconds)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    print("%d calls, ring %d ms before accept, %s@%d VP8 + Opus, loopback"
          % (args.runs, args.ring_ms, args.size, args.fps))
    for name, s in out["setup_ms"].items():
        print("%-32s median %6.1f ms  p95 %6.1f  (min %.1f, max %.1f)"
              % (name, s["median"], s["p95"], s["min"], s["max"]))
    for side, c in out.get("call", {}).items():
        if isinstance(c, dict):
            print("%s: cpu %.1f %% of a core, VmHWM %.1f MiB, capture-to-render p50 %s p95 %s ms (n=%s)"
                  % (side, c["cpu_pct"], c["vm_hwm_mib"], c["latency_p50_ms"], c["latency_p95_ms"],
                     c["latency_n"]))


if __name__ == "__main__":
    main()
