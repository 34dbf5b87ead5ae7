#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Soak: many short calls in a row and one long call through ONE duet-server.

Usage: bench/soak.py [--calls N] [--long-minutes M] [--seed S]
                     [--sample-seconds 10] [--warmup-seconds 60]
                     [--json FILE] BUILDDIR
Needs BUILDDIR/src/server/duet-server and BUILDDIR/src/cli/duet-call.
Defaults: 500 calls, a 30-minute call; both run at the same time, so the
whole soak takes as long as the longer of the two (≈1 h at the defaults).

Drives the processes with tests/kit/kit-calls.py's Server and Client (JSON
events on stdout, commands on stdin). The server is `duet-server serve`
with its defaults except --calls-per-minute, raised so that the loop's
back-to-back short calls are not rate limited. Test sources throughout.

  loop   alice calls bob N times, 320x240 at 10 fps. Each call lasts a
         random 1-10 s after both sides are connected, then the caller or
         the callee (chosen at random, --seed) sends `end`. A call passes
         when both sides connect, both `disconnected` events say NORMAL with
         the ender as source (by_remote false on the ender's side, true on
         the other), both processes exit 0 and the server's history row is
         ended/NORMAL with the same source. A failed call is recorded with
         its events and the loop goes on.
         duet-call handles one call per process (its listen mode ignores
         a second incoming call and it quits after `disconnected`), so
         both sides are new processes for every call: the loop soaks the
         server across calls; each loop client's VmRSS and fds just before
         hang-up are recorded for reference only.
  long   carol calls dave, 640x480 at 30 fps, for M minutes; then carol
         ends it. Passes when it connects, media still flows at the end and
         both sides end NORMAL.

Sampling, every --sample-seconds: VmRSS (/proc/PID/status) and the number
of open fds (/proc/PID/fd) of the server and of carol's and dave's
duet-call. The server's fds move as loop calls connect and disconnect, so
only its quiescent figures count for the verdict: those taken between two
loop calls (after both loop processes exited and the server's fd count
settled, at most 3 s) and periodic ones taken while the loop is idle. The
server is judged per stretch: while the long call is up, and (if the loop
outlasts it) after it ended. Growth = last sample - first sample at or
after the warm-up (--warmup-seconds from the start); min and max are
reported too. The server's fds are also compared with no client at all,
before the first client starts and after the last one exited.

Targets: every loop call NORMAL on both sides; for each process, VmRSS
growth <= 5 MiB and fd growth <= 0. Writes bench/results/soak.json (every
call, every sample; failed calls with their events) and prints a markdown
table (docs/benchmarks.md, "Soak"). Exit status 1 when a target is missed,
a process crashed, or the run was cut short.
"""
import argparse
import importlib.util
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RSS_LIMIT_KIB = 5 * 1024
LOOP_VIDEO = ["--video-size", "320x240", "--fps", "10"]
LONG_VIDEO = ["--video-size", "640x480", "--fps", "30"]


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def proc_figures(pid):
    """(VmRSS KiB, open fds), or None once the process is gone"""
    try:
        with open("/proc/%d/status" % pid) as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        return rss, len(os.listdir("/proc/%d/fd" % pid))
    except (OSError, StopIteration):
        return None


def describe_exit(rc):
    if rc is None:
        return "running"
    if rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "exit %d" % rc


def pctl(values, p):
    """Nearest-rank percentile"""
    s = sorted(values)
    k = max(1, -(-len(s) * p // 100))
    return s[int(k) - 1]


def stderr_tail(path, offset, limit=3000):
    try:
        with open(path, errors="replace") as f:
            f.seek(offset)
            return f.read()[-limit:]
    except OSError:
        return ""


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class Soak:
    def __init__(self, kc, args, tmp):
        self.kc = kc
        self.args = args
        self.tmp = tmp
        self.rng = random.Random(args.seed)
        self.stop = threading.Event()
        self.fatal = []                 # reasons the run was cut short
        self.crashes = []               # processes that died on their own
        self.lock = threading.Lock()    # guards samples and the two states below
        self.loop_busy = threading.Lock()   # held from a call's first spawn to its settled end
        self.long_state = "before"      # before, up, ending, over
        self.samples = {"server": [], "carol": [], "dave": []}
        self.calls = []
        self.long = {"ok": False, "problems": []}
        self.clients = []               # every duet-call started, for cleanup
        self.server = None
        self.t0 = None

    # ---- processes ----

    def client(self, user, argv, options):
        c = self.kc.Client(self.server, user, argv, self.tmp, options=options)
        self.clients.append(c)
        return c

    def drop(self, c, grace=5):
        """End a client that should have exited by now; True if it had"""
        exited = c.proc.poll() is not None
        if not exited:
            c.proc.terminate()
            try:
                c.proc.wait(grace)
            except subprocess.TimeoutExpired:
                c.proc.kill()
                c.proc.wait()
        try:
            self.clients.remove(c)
        except ValueError:
            pass    # the other thread dropped it already
        return exited

    def cleanup(self):
        for c in list(self.clients):
            self.drop(c, grace=3)
        if self.server:
            self.server.stop()

    def start_server(self):
        # the server's own defaults but for the per-account call budget (20
        # a minute), which back-to-back 1 s calls would exceed
        self.server = self.kc.Server(self.tmp, ring_timeout=60, grace=20,
                                     extra=["--calls-per-minute", "1000"])
        subprocess.run([self.kc.SERVER, "user", "add", "--db", self.server.db, "--user", "dave",
                        "--password-stdin", "--kdf-cost", "min"],
                       input=b"secret\n", check=True, capture_output=True)

    def server_settled(self, fds_at_most, timeout=3.0):
        """The server's figures once its fd count is back to FDS_AT_MOST (a
        closing socket takes it a moment to see), or as they are at TIMEOUT"""
        deadline = time.monotonic() + timeout
        while True:
            fig = proc_figures(self.server.proc.pid)
            if fig is None or fig[1] <= fds_at_most or time.monotonic() >= deadline:
                return fig
            time.sleep(0.1)

    def metrics(self):
        try:
            with urllib.request.urlopen(self.server.url + "/metrics", timeout=5) as r:
                text = r.read().decode()
        except OSError as e:
            return {"error": str(e)}
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    def now(self):
        return round(time.monotonic() - self.t0, 2)

    def record(self, who, fig, **extra):
        if fig is None:
            return
        with self.lock:
            self.samples[who].append(dict(t=self.now(), rss_kib=fig[0], fds=fig[1], **extra))

    def server_sample(self, fig, quiescent, source):
        with self.lock:
            state = self.long_state
        self.record("server", fig, quiescent=quiescent, source=source, long_call=state)

    # ---- watchers ----

    def crashed(self, name, proc, rc):
        """Record a process that a signal killed (not one the soak ended)"""
        if rc is not None and rc < 0 and not any(c["process"] == name for c in self.crashes):
            self.crashes.append({"process": name, "pid": proc.pid, "status": describe_exit(rc), "t": self.now()})

    def sampler(self, carol, dave):
        next_at = time.monotonic()
        gone = set()
        while not self.stop.is_set():
            rc = self.server.proc.poll()
            if rc is not None:
                self.crashed("duet-server", self.server.proc, rc)
                self.fatal.append("duet-server %s at %.0f s" % (describe_exit(rc), self.now()))
                self.stop.set()
                return
            with self.lock:
                state = self.long_state
            if state == "up":
                for c in (carol, dave):
                    rc = c.proc.poll()
                    if rc is not None and c.user not in gone:
                        gone.add(c.user)
                        self.crashed(c.user + " (long call)", c.proc, rc)
                        self.long["problems"].append("%s: %s at %.0f s, during the call"
                                                     % (c.user, describe_exit(rc), self.now()))
            if time.monotonic() >= next_at:
                next_at += self.args.sample_seconds
                if state == "up":
                    for c in (carol, dave):
                        s = c.last_stats()
                        self.record(c.user, proc_figures(c.proc.pid),
                                    video_frames_decoded=s.get("video_frames_decoded"),
                                    audio_buffers_decoded=s.get("audio_buffers_decoded"))
                # quiescent only if no loop call is under way
                idle = self.loop_busy.acquire(blocking=False)
                try:
                    self.server_sample(proc_figures(self.server.proc.pid), idle, "periodic")
                finally:
                    if idle:
                        self.loop_busy.release()
            self.stop.wait(0.5)

    # ---- the long call ----

    def long_call_start(self):
        dave = self.client("dave", ["listen", "--auto-accept"], LONG_VIDEO)
        dave.wait("server-connected", 20)
        carol = self.client("carol", ["call", "dave"], LONG_VIDEO)
        carol.wait("connected", 30)
        dave.wait("connected", 30)
        with self.lock:
            self.long_state = "up"
        self.long["connected_at_mono_ms"] = carol.wait("connected")["mono_ms"]
        return carol, dave

    def long_call_run(self, carol, dave):
        kc = self.kc
        problems = self.long["problems"]
        try:
            if self.stop.wait(self.args.long_minutes * 60):
                problems.append("cut short")
                return
            for c in (carol, dave):
                if c.proc.poll() is not None or c.has("disconnected"):
                    problems.append("%s: the call was over before the end (%s, events %s)"
                                    % (c.user, describe_exit(c.proc.poll()), c.names()[-10:]))
            if problems:
                return
            # the last samples of the clients are taken in the call, as the first
            for c in (carol, dave):
                self.record(c.user, proc_figures(c.proc.pid), last=True,
                            video_frames_decoded=c.last_stats().get("video_frames_decoded"))
            for c in (carol, dave):
                try:
                    kc.media_flows(c)
                except kc.Fail as e:
                    problems.append("media not flowing at the end: %s" % e)
            with self.lock:
                self.long_state = "ending"
            carol.send("end")
            for c, by_remote in ((carol, False), (dave, True)):
                try:
                    e = c.wait("disconnected", 20)
                    self.long.setdefault("disconnected", {})[c.user] = e
                    if (e["reason"], e["source"], e["by_remote"]) != ("NORMAL", "CALLER", by_remote):
                        problems.append("%s: disconnected %s/%s/%s" % (c.user, e["reason"], e["source"], e["by_remote"]))
                except kc.Fail as e:
                    problems.append(str(e))
            for c in (carol, dave):
                try:
                    rc = c.proc.wait(15)
                except subprocess.TimeoutExpired:
                    rc = None
                self.long.setdefault("exit", {})[c.user] = describe_exit(rc)
                if rc != 0:
                    problems.append("%s: %s" % (c.user, describe_exit(rc)))
                    self.crashed(c.user + " (long call)", c.proc, rc)
            self.long["network_unavailable"] = {c.user: sum(1 for e in c.events if e.get("event") == "network-unavailable")
                                                for c in (carol, dave)}
        except Exception as e:  # noqa: BLE001 - any surprise here must show in the report
            problems.append("soak error: %r" % e)
        finally:
            self.long["ok"] = not problems
            if problems:
                self.long["events"] = {c.user: [e for e in c.events if e.get("event") not in
                                                ("stats", "audio-description-update")][-50:]
                                       for c in (carol, dave)}
            with self.lock:
                self.long_state = "over"
            for c in (carol, dave):
                self.drop(c)

    # ---- the loop ----

    def loop(self):
        for i in range(self.args.calls):
            duration = round(self.rng.uniform(1, 10), 2)
            ender = self.rng.choice(("caller", "callee"))
            if self.stop.is_set():
                break
            with self.loop_busy:
                before = proc_figures(self.server.proc.pid)
                rec = self.one_call(i + 1, duration, ender)
                after = self.server_settled(before[1] if before else 0)
                if after is not None:
                    rec["server_after"] = {"rss_kib": after[0], "fds": after[1]}
                    self.server_sample(after, True, "between-calls")
            self.calls.append(rec)
            print("call %d/%d: %.1f s, %s ends: %s%s" % (
                i + 1, self.args.calls, duration, ender, "ok" if rec["ok"] else "FAILED",
                "" if rec["ok"] else " (%s)" % "; ".join(rec["problems"])), file=sys.stderr)

    def one_call(self, n, duration, ender):
        kc = self.kc
        rec = {"n": n, "duration_s": duration, "ender": ender, "problems": []}
        problems = rec["problems"]
        offsets = {u: file_size(os.path.join(self.tmp, u + ".err")) for u in ("alice", "bob")}
        alice = bob = None
        try:
            bob = self.client("bob", ["listen", "--auto-accept"], LOOP_VIDEO)
            bob.wait("server-connected", 20)
            alice = self.client("alice", ["call", "bob"], LOOP_VIDEO)
            alice.wait("connected", 30)
            bob.wait("connected", 30)
            make = alice.wait("make-call")["mono_ms"]
            rec["call_id"] = bob.wait("incoming-call")["call_id"]
            rec["connect_ms"] = {"caller": alice.wait("connected")["mono_ms"] - make,
                                 "callee": bob.wait("connected")["mono_ms"] - make}
            end_at = time.monotonic() + duration
            while time.monotonic() < end_at:
                for c in (alice, bob):
                    if c.proc.poll() is not None or c.has("disconnected"):
                        raise kc.Fail("%s: the call was over before its end (%s)"
                                      % (c.user, describe_exit(c.proc.poll())))
                if self.stop.wait(0.1):
                    raise kc.Fail("soak stopped")
            rec["clients"] = {}
            for role, c in (("caller", alice), ("callee", bob)):
                fig = proc_figures(c.proc.pid)
                if fig:
                    rec["clients"][role] = {"rss_kib": fig[0], "fds": fig[1]}
            ending, other = (alice, bob) if ender == "caller" else (bob, alice)
            ending.send("end")
            source = "CALLER" if ender == "caller" else "CALLEE"
            rec["disconnected"] = {}
            for role, c in (("caller", alice), ("callee", bob)):
                try:
                    e = c.wait("disconnected", 20)
                except kc.Fail as err:
                    problems.append(str(err))
                    continue
                rec["disconnected"][role] = {k: e.get(k) for k in ("reason", "source", "by_remote")}
                want = ("NORMAL", source, c is other)
                if (e["reason"], e["source"], e["by_remote"]) != want:
                    problems.append("%s: disconnected %s/%s/%s, expected %s/%s/%s"
                                    % ((role, e["reason"], e["source"], e["by_remote"]) + want))
            self.check_history(rec, source)
        except kc.Fail as e:
            problems.append(str(e))
        except BaseException:
            self.stop.set()     # Ctrl-C or a bug: no waiting for exits below
            raise
        finally:
            rec["exit"] = {}
            for role, c in (("caller", alice), ("callee", bob)):
                if c is None:
                    continue
                try:
                    rc = c.proc.wait(0 if self.stop.is_set() else 15)
                except subprocess.TimeoutExpired:
                    rc = None
                self.drop(c)
                rec["exit"][role] = describe_exit(rc) if rc is not None else "killed by the soak"
                self.crashed("%s (loop call %d)" % (c.user, n), c.proc, rc)
                if rc != 0:
                    problems.append("%s: %s" % (role, describe_exit(rc) if rc is not None
                                                else "still running after the end, killed"))
        rec["ok"] = not problems
        if problems:
            rec["events"] = {c.user: [e for e in c.events if e.get("event") not in
                                      ("stats", "audio-description-update")]
                             for c in (alice, bob) if c is not None}
            rec["stderr"] = {u: stderr_tail(os.path.join(self.tmp, u + ".err"), offsets[u]) for u in offsets}
            self.after_failure()
        return rec

    def check_history(self, rec, source):
        deadline = time.monotonic() + 5
        row = None
        while time.monotonic() < deadline:
            row = self.server.history(rec["call_id"])
            if row and row["state"] == "ended":
                break
            time.sleep(0.1)
        rec["history"] = row
        if not row or row["state"] != "ended" or row["reason"] != "NORMAL" or row["source"] != source:
            rec["problems"].append("server history %s, expected ended/NORMAL/%s" % (row, source))

    def open_loop_calls(self):
        db = sqlite3.connect("file:%s?mode=ro" % self.server.db, uri=True)
        try:
            return db.execute("SELECT count(*) FROM calls WHERE caller_user = 'alice' AND state != 'ended'"
                              ).fetchone()[0]
        finally:
            db.close()

    def after_failure(self):
        """Let the server close whatever call the failure left open (also
        one the callee never saw), so that one failure does not make the
        next calls fail too"""
        deadline = time.monotonic() + 90   # ring timeout 60 s, grace 20 s
        while time.monotonic() < deadline and not self.stop.is_set():
            if self.open_loop_calls() == 0:
                return
            time.sleep(0.5)

    # ---- the whole run ----

    def run(self):
        self.t0 = time.monotonic()
        self.start_server()
        idle_before = proc_figures(self.server.proc.pid)
        self.metrics_before = self.metrics()
        # the HTTP request's socket must be gone before anything is measured
        idle_before = self.server_settled(idle_before[1]) or idle_before
        self.idle = {"before": {"rss_kib": idle_before[0], "fds": idle_before[1]}}
        carol, dave = self.long_call_start()
        # time 0 for samples and warm-up: both the loop and the long call run from here
        self.t0 = time.monotonic()
        sampler = threading.Thread(target=self.sampler, args=(carol, dave), daemon=True)
        sampler.start()
        long_thread = threading.Thread(target=self.long_call_run, args=(carol, dave), daemon=True)
        long_thread.start()
        self.loop()
        while long_thread.is_alive():
            long_thread.join(1)
        self.stop.set()
        sampler.join(5)
        if self.server.proc.poll() is None:
            idle_after = self.server_settled(self.idle["before"]["fds"], timeout=5)
            self.idle["after"] = {"rss_kib": idle_after[0], "fds": idle_after[1]}
            self.metrics_after = self.metrics()
        else:
            self.crashed("duet-server", self.server.proc, self.server.proc.poll())


# ---- verdicts and report ----

def flatness(series, warmup):
    """Growth of a sample series from its first sample at/after WARMUP to its last"""
    after = [s for s in series if s["t"] >= warmup]
    if len(after) < 2:
        return {"n": len(after), "ok": False, "why": "fewer than 2 samples after the warm-up"}
    first, last = after[0], after[-1]
    out = {"n": len(after), "from_t": first["t"], "to_t": last["t"],
           "rss_first_kib": first["rss_kib"], "rss_last_kib": last["rss_kib"],
           "rss_growth_kib": last["rss_kib"] - first["rss_kib"],
           "rss_min_kib": min(s["rss_kib"] for s in after), "rss_max_kib": max(s["rss_kib"] for s in after),
           "fds_first": first["fds"], "fds_last": last["fds"], "fds_growth": last["fds"] - first["fds"],
           "fds_min": min(s["fds"] for s in after), "fds_max": max(s["fds"] for s in after)}
    out["ok"] = out["rss_growth_kib"] <= RSS_LIMIT_KIB and out["fds_growth"] <= 0
    return out


def verdicts(soak, args):
    quiet = [s for s in soak.samples["server"] if s["quiescent"]]
    flat = {
        "server, long call up": flatness([s for s in quiet if s["long_call"] == "up"], args.warmup_seconds),
        "carol (long call, caller)": flatness(soak.samples["carol"], args.warmup_seconds),
        "dave (long call, callee)": flatness(soak.samples["dave"], args.warmup_seconds),
    }
    after_long = [s for s in quiet if s["long_call"] == "over"]
    if len(after_long) >= 2:
        flat["server, after the long call"] = flatness(after_long, args.warmup_seconds)
    calls = soak.calls
    ok_calls = sum(1 for c in calls if c["ok"])
    v = {
        "calls_all_normal": len(calls) == args.calls and ok_calls == len(calls),
        "long_call_normal": soak.long["ok"],
        "flat": flat,
        "server_idle_fds": (soak.idle.get("after") is not None and
                            soak.idle["after"]["fds"] <= soak.idle["before"]["fds"]),
        "no_crash": not soak.crashes,
        "not_cut_short": not soak.fatal,
    }
    v["ok"] = (v["calls_all_normal"] and v["long_call_normal"] and v["server_idle_fds"] and v["no_crash"]
               and v["not_cut_short"] and all(f["ok"] for f in flat.values()))
    return v


def mib(kib):
    return kib / 1024.0


def met(ok):
    return "**met**" if ok else "**not met**"


def table(res):
    a = res["args"]
    v = res["verdicts"]
    calls = res["calls"]
    n_ok = sum(1 for c in calls if c["ok"])
    n_conn = sum(1 for c in calls if "connect_ms" in c)
    n_normal = sum(1 for c in calls if len(c.get("disconnected", {})) == 2 and
                   all(d["reason"] == "NORMAL" for d in c["disconnected"].values()))
    n_hist = sum(1 for c in calls if (c.get("history") or {}).get("reason") == "NORMAL")
    enders = sum(1 for c in calls if c["ender"] == "callee")
    lines = ["%d short calls and one %g-minute call through one duet-server (seed %d, samples every %g s, "
             "warm-up %g s, %.0f s in all)" % (a["calls"], a["long_minutes"], a["seed"], a["sample_seconds"],
                                             a["warmup_seconds"], res.get("wall_s", 0)),
             "",
             "| measure | result | target |",
             "| --- | --- | --- |"]
    lines.append("| short calls, 320x240@10, 1–10 s each (caller ended %d, callee %d) | %d/%d connected, %d/%d NORMAL on both "
                 "sides, %d/%d NORMAL in the server's history; %d failed%s | every call NORMAL: %s |"
                 % (len(calls) - enders, enders, n_conn, a["calls"], n_normal, a["calls"], n_hist, a["calls"],
                    len(calls) - n_ok, ", %d not run" % (a["calls"] - len(calls)) if len(calls) < a["calls"] else "",
                    met(v["calls_all_normal"])))
    for role in ("caller", "callee"):
        ms = [c["connect_ms"][role] for c in calls if "connect_ms" in c]
        if ms:
            lines.append("| short calls, make_call → connected (%s): median / p95 / max | %.0f / %.0f / %.0f ms | |"
                         % (role, statistics.median(ms), pctl(ms, 95), max(ms)))
    lc = res["long_call"]
    lines.append("| long call, 640x480@30, %g min | %s | ends NORMAL: %s |"
                 % (a["long_minutes"], "connected, media flowing at the end, NORMAL on both sides" if lc["ok"]
                    else "; ".join(lc["problems"]), met(v["long_call_normal"])))
    for name, f in v["flat"].items():
        if f["n"] < 2:
            lines.append("| %s: VmRSS, fds | %s | %s |" % (name, f["why"], met(False)))
            continue
        where = "quiescent samples" if name.startswith("server") else "samples"
        lines.append("| %s: VmRSS, %d %s from %.0f s to %.0f s (min–max) | %.1f → %.1f MiB (%+.2f); %.1f–%.1f |"
                     " ≤ 5 MiB: %s |" % (name, f["n"], where, f["from_t"], f["to_t"], mib(f["rss_first_kib"]),
                                          mib(f["rss_last_kib"]), mib(f["rss_growth_kib"]), mib(f["rss_min_kib"]),
                                          mib(f["rss_max_kib"]), met(f["rss_growth_kib"] <= RSS_LIMIT_KIB)))
        lines.append("| %s: open fds, same samples (min–max) | %d → %d (%+d); %d–%d | 0: %s |"
                     % (name, f["fds_first"], f["fds_last"], f["fds_growth"], f["fds_min"], f["fds_max"],
                        met(f["fds_growth"] <= 0)))
    idle = res["server_idle"]
    if "after" in idle:
        lines.append("| server with no client, before → after the soak: fds, VmRSS | %d → %d; %.1f → %.1f MiB | fds 0: %s |"
                     % (idle["before"]["fds"], idle["after"]["fds"], mib(idle["before"]["rss_kib"]),
                        mib(idle["after"]["rss_kib"]), met(v["server_idle_fds"])))
    for role in ("caller", "callee"):
        figs = [c["clients"][role] for c in calls if role in c.get("clients", {})]
        if figs:
            rss = [mib(f["rss_kib"]) for f in figs]
            fds = [f["fds"] for f in figs]
            lines.append("| short-call %s duet-call just before hang-up: VmRSS min / median / max; fds | "
                         "%.1f / %.1f / %.1f MiB; %d–%d | (new process per call) |"
                         % (role, min(rss), statistics.median(rss), max(rss), min(fds), max(fds)))
    m = (res["server_metrics"] or {}).get("after") or {}
    if "duet_calls_started_total" in m:
        ended = {k.split('"')[1]: int(v) for k, v in m.items() if k.startswith("duet_calls_ended_total{")}
        lines.append("| server's own counters (/metrics) at the end | %d calls started; ended: %s; %d active |"
                     " |" % (m["duet_calls_started_total"], ", ".join("%s %d" % kv for kv in sorted(ended.items()))
                             or "none", m.get("duet_active_calls", 0)))
    lines.append("| crashes | %s | none: %s |" % (
        "; ".join("%s %s at %.0f s" % (c["process"], c["status"], c["t"]) for c in res["crashes"]) or "none",
        met(v["no_crash"])))
    if res["fatal"]:
        lines.append("| run cut short | %s | %s |" % ("; ".join(res["fatal"]), met(False)))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("builddir")
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--long-minutes", type=float, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample-seconds", type=float, default=10)
    ap.add_argument("--warmup-seconds", type=float, default=60)
    ap.add_argument("--json", default=os.path.join(HERE, "results", "soak.json"))
    args = ap.parse_args()
    build = os.path.abspath(args.builddir)
    os.environ["DUET_SERVER"] = os.path.join(build, "src/server/duet-server")
    os.environ["DUET_CALL"] = os.path.join(build, "src/cli/duet-call")
    for exe in (os.environ["DUET_SERVER"], os.environ["DUET_CALL"]):
        if not os.access(exe, os.X_OK):
            print("missing %s: build first (tools/setup %s)" % (exe, args.builddir), file=sys.stderr)
            return 2
    # the app's own dead-peer and lost-path timeouts, not the tests' short ones
    os.environ.setdefault("DUET_TEST_LIVENESS_MS", "2500")
    os.environ.setdefault("DUET_TEST_GRACE_S", "20")
    os.environ["DUET_TEST_SOURCES"] = "1"
    kc = load("kit_calls", os.path.join(ROOT, "tests/kit/kit-calls.py"))

    # SIGTERM and SIGHUP take the same way out as Ctrl-C: the cleanup below
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)

    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    load1 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="duet-soak-") as tmp:
        soak = Soak(kc, args, tmp)
        try:
            soak.run()
        except KeyboardInterrupt:
            soak.fatal.append("interrupted")
        except Exception as e:  # noqa: BLE001 - reported, then the processes are cleaned up
            soak.fatal.append("soak error: %r" % e)
        finally:
            soak.stop.set()
            soak.cleanup()
        server_log = stderr_tail(os.path.join(tmp, "server.log"), 0, 5000)

    res = {
        "started": started,
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "command": "bench/soak.py " + " ".join(sys.argv[1:]),
        "args": {k: getattr(args, k) for k in ("calls", "long_minutes", "seed", "sample_seconds", "warmup_seconds")},
        "nproc": os.cpu_count(), "load_before": load1, "load_after": os.getloadavg()[0],
        "wall_s": round(time.monotonic() - soak.t0) if soak.t0 else 0,
        "fatal": soak.fatal, "crashes": soak.crashes,
        "server_idle": getattr(soak, "idle", {}),
        "server_metrics": {"before": getattr(soak, "metrics_before", None),
                           "after": getattr(soak, "metrics_after", None)},
        "long_call": soak.long,
        "calls": soak.calls,
        "samples": soak.samples,
    }
    res["verdicts"] = verdicts(soak, args)
    if not res["verdicts"]["ok"]:
        res["server_log_tail"] = server_log
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(res, f, indent=1)
    print(table(res))
    failed = [c for c in soak.calls if not c["ok"]]
    if failed:
        print("\nFailed calls (events in %s):" % args.json)
        for c in failed:
            print("- call %d (%.1f s, %s ends): %s" % (c["n"], c["duration_s"], c["ender"], "; ".join(c["problems"])))
    print("\n%s" % ("All targets met." if res["verdicts"]["ok"] else "Targets missed (see above)."))
    return 0 if res["verdicts"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
