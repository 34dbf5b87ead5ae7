#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two (or three) duet-call processes against a real duet-server on loopback.

Usage: kit-calls.py SCENARIO   (see SCENARIOS at the bottom)
Env:   DUET_SERVER, DUET_CALL: paths of the binaries.
Each scenario starts its own server with a fresh database, so scenarios
can run in parallel. Video is 320x240 at 10 fps to fit two cores.
"""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

SERVER = os.environ.get("DUET_SERVER", "duet-server")
CLIENT = os.environ.get("DUET_CALL", "duet-call")
# Dead-peer timeout given to every client; the sanitizer build raises it
# (tests/kit/meson.build) and every detection bound scales with it
LIVENESS_MS = int(os.environ.get("DUET_TEST_LIVENESS_MS", "3000"))
# How long a lost media path may stay lost before the call ends (the app's
# default is 20 s; tests keep it short)
GRACE_S = int(os.environ.get("DUET_TEST_GRACE_S", "3"))


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


class Server:
    def __init__(self, tmp, ring_timeout=30, grace=30, extra=(), prefix=()):
        self.tmp = tmp
        self.extra = list(extra)
        self.prefix = list(prefix)   # e.g. ip netns exec NS
        self.db = os.path.join(tmp, "duet.sqlite")
        self.ring_timeout = ring_timeout
        self.grace = grace
        self.proc = None
        self.port = 0
        for user in ("alice", "bob", "carol"):
            subprocess.run([SERVER, "user", "add", "--db", self.db, "--user", user,
                            "--password-stdin", "--kdf-cost", "min"],
                           input=b"secret\n", check=True, capture_output=True)
        self.start()

    def start(self):
        log = open(os.path.join(self.tmp, "server.log"), "ab")
        self.proc = subprocess.Popen(self.prefix + [SERVER, "serve", "--port", str(self.port), "--db", self.db,
                                      "--ring-timeout", str(self.ring_timeout),
                                      "--grace-period", str(self.grace)] + self.extra,
                                     stdout=subprocess.PIPE, stderr=log)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"listening on (https?://[0-9.]+:(\d+))", line)
        check(m is not None, "server did not start: %r" % line)
        self.url = m.group(1)
        self.port = int(m.group(2))

    def token(self, user, device="cli"):
        out = subprocess.run([SERVER, "token", "--db", self.db, "--user", user, "--device", device],
                             check=True, capture_output=True).stdout.decode().strip()
        return out.split()[-1]

    def history(self, call_id):
        """The call's row as the server stored it (read-only, WAL allows it)"""
        db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        try:
            row = db.execute("SELECT state, reason, source, answered_at, ended_at FROM calls"
                             " WHERE call_id = ?", (call_id,)).fetchone()
        finally:
            db.close()
        return dict(zip(("state", "reason", "source", "answered_at", "ended_at"), row)) if row else None

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    def __init__(self, server, user, args, tmp, password=False, options=(), prefix=(), extra_env=None,
                 test_sources=True, device=None):
        self.user = user if device is None else "%s@%s" % (user, device)
        self.events = []
        self.cond = threading.Condition()
        env = dict(os.environ, DUET_VIDEO_WIDTH="320", DUET_VIDEO_HEIGHT="240", DUET_VIDEO_FPS="10",
                   DUET_LIVENESS_TIMEOUT_MS=str(LIVENESS_MS),
                   # a password sign-in keeps its device id here, not in the real home
                   XDG_DATA_HOME=os.path.join(tmp, "data"))
        env.update(extra_env or {})
        self.stderr_path = os.path.join(tmp, self.user + ".err")
        self.stderr = open(self.stderr_path, "ab")
        credential = "--password-stdin" if password else "--token-stdin"
        self.proc = subprocess.Popen(list(prefix) + [CLIENT, "--server", server.url, "--user", user, credential,
                                      "--network-grace-period", str(GRACE_S)]
                                     + (["--test-sources"] if test_sources else [])
                                     + list(options) + args,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env)
        self.send("secret" if password else server.token(user, device or "cli"))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                event = {"event": "bad-line", "line": raw.decode(errors="replace")}
            with self.cond:
                self.events.append(event)
                self.cond.notify_all()

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def wait(self, name, timeout=15, pred=lambda e: True, after=0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.events[after:]:
                    if e.get("event") == name and pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Fail("%s: no %s event in %ss; got %s" % (self.user, name, timeout, self.names()))
                self.cond.wait(left)

    def has(self, name):
        with self.cond:
            return any(e.get("event") == name for e in self.events)

    def names(self):
        skip = ("stats", "audio-description-update")
        return [e["event"] for e in self.events if e.get("event") not in skip]

    def last_stats(self):
        with self.cond:
            stats = [e for e in self.events if e.get("event") == "stats"]
        return stats[-1] if stats else {}

    def wait_stats(self, pred, timeout=10, what="stats"):
        try:
            return self.wait("stats", timeout, pred, after=len(self.events))
        except Fail:
            raise Fail("%s: %s not reached; last %s" % (self.user, what, self.last_stats()))

    def exit_code(self, timeout=15):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Fail("%s did not exit; events %s" % (self.user, self.names()))

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait()


def order(client, expected):
    names = [n for n in client.names() if n in expected]
    check(names == expected, "%s: events %s, expected %s" % (client.user, names, expected))


def disconnected(client, reason, source, by_remote, timeout=15):
    e = client.wait("disconnected", timeout)
    check((e["reason"], e["source"], e["by_remote"]) == (reason, source, by_remote),
          "%s: disconnected %s, expected %s/%s/%s" % (client.user, e, reason, source, by_remote))
    return e


def media_flows(client, video=True, timeout=10):
    base = client.last_stats()
    v0 = base.get("video_frames_decoded", 0)
    a0 = base.get("audio_buffers_decoded", 0)
    client.wait_stats(lambda s: s["audio_buffers_decoded"] > a0 + 20 and
                      (not video or s["video_frames_decoded"] > v0 + 5), timeout,
                      "media flowing (video=%s)" % video)


def setup_call(ctx, caller_args=(), callee_args=("--auto-accept",), password=False):
    bob = ctx.client("bob", ["listen"] + list(callee_args), password)
    bob.wait("server-connected")
    alice = ctx.client("alice", list(caller_args) + ["call", "bob"], password)
    return alice, bob


def connected_call(ctx, caller_args=(), callee_args=("--auto-accept",)):
    alice, bob = setup_call(ctx, caller_args, callee_args)
    alice.wait("connected")
    bob.wait("connected")
    return alice, bob


# ---- scenarios ----

STATS_KEYS = {
    "video_frames_decoded": int, "audio_buffers_decoded": int, "video_frames_sent": int,
    "audio_buffers_sent": int, "rx_kbps": int, "tx_kbps": int, "rtt_ms": int, "rx_loss": float,
    "tx_loss": float, "jitter_ms": int, "video_target_kbps": int, "tx_width": int, "tx_height": int,
    "tx_fps": int, "rx_width": int, "rx_height": int, "rx_fps": int, "freeze_count": int,
    "long_freeze_count": int, "jitter_buffer_ms": int, "nack_count": int, "retransmitted_count": int,
    "fec_recovered_count": int, "audio_concealed_count": int, "keyframe_requests": int,
    "keyframes_sent": int, "network_quality": str, "peer_network_quality": str,
}
QUALITIES = ("unknown", "good", "fair", "poor")


def check_stats_fields(client):
    """Every stats line carries every field, typed; qualities are nicks."""
    stats = [e for e in client.events if e.get("event") == "stats"]
    check(stats, "%s: no stats" % client.user)
    for e in stats:
        for key, kind in STATS_KEYS.items():
            check(isinstance(e.get(key), kind), "%s: stats %s is %r" % (client.user, key, e.get(key)))
        check(e["network_quality"] in QUALITIES and e["peer_network_quality"] in QUALITIES,
              "%s: stats qualities %s/%s" % (client.user, e["network_quality"], e["peer_network_quality"]))
        check(0 <= e["rx_loss"] <= 1 and 0 <= e["tx_loss"] <= 1, "%s: loss out of 0-1: %s" % (client.user, e))
    for e in client.events:
        if e.get("event") == "network-quality":
            check(e.get("network_quality") in QUALITIES and e.get("peer_network_quality") in QUALITIES,
                  "%s: network-quality event %s" % (client.user, e))


def flow(ctx):
    """Whole flow (password sign-in), ringing 1 s before accept; media both ways; caller ends."""
    bad = subprocess.run([CLIENT, "--test-pattern", "plaid", "--server", "http://127.0.0.1:1", "--user", "x",
                          "--token-stdin", "listen"], input=b"t\n", capture_output=True)
    check(bad.returncode == 2 and b"--test-pattern" in bad.stderr,
          "a bad --test-pattern gave %d: %r" % (bad.returncode, bad.stderr))
    alice, bob = setup_call(ctx, caller_args=["--test-pattern", "motion"],
                            callee_args=["--auto-accept", "--accept-after", "1000", "--test-pattern", "ball"],
                            password=True)
    alice.wait("connected")
    bob.wait("connected")
    media_flows(alice)
    media_flows(bob)
    alice.send("end")
    disconnected(alice, "NORMAL", "CALLER", False)
    disconnected(bob, "NORMAL", "CALLER", True)
    check(alice.exit_code() == 0 and bob.exit_code() == 0, "exit codes not 0")
    order(alice, ["server-connected", "make-call", "wait-connected", "verified", "connected",
                  "first-peer-video-frame", "disconnected"])
    order(bob, ["server-connected", "incoming-call", "verified", "connected",
                "first-peer-video-frame", "disconnected"])
    e = bob.wait("incoming-call")
    check(e["caller_user"] == "alice" and e["media_type"] == "audiovideo", "incoming-call fields %s" % e)
    check(any(e.get("event") == "audio-description-update" for e in alice.events), "no audio description")
    check_stats_fields(alice)
    check_stats_fields(bob)


def end_by_callee(ctx):
    alice, bob = connected_call(ctx)
    bob.send("end")
    disconnected(bob, "NORMAL", "CALLEE", False)
    disconnected(alice, "NORMAL", "CALLEE", True)
    check(alice.exit_code() == 0 and bob.exit_code() == 0, "exit codes not 0")


def hangup_after(ctx):
    alice, bob = connected_call(ctx, caller_args=["--hangup-after", "2"])
    disconnected(alice, "NORMAL", "CALLER", False)
    disconnected(bob, "NORMAL", "CALLER", True)


def media_controls(ctx):
    """Every mute/pause/enable/disable reaches the peer."""
    alice, bob = connected_call(ctx)
    media_flows(bob)
    steps = [
        (alice, "mute", "mic-mute", bob, "peer-mic-muted", None),
        (alice, "unmute", "mic-unmute", bob, "peer-mic-unmuted", None),
        (alice, "pause-video", "video-status-update", bob, "peer-video-paused", ("reason", "BY_USER")),
        (alice, "resume-video", "video-status-update", bob, "peer-video-resumed", None),
        (alice, "disable-video", "video-status-update", bob, "video-disabled-by-peer", ("reason", "USER")),
        (alice, "enable-video", "video-status-update", bob, "video-enabled-by-peer", None),
        (bob, "mute", "mic-mute", alice, "peer-mic-muted", None),
        (bob, "pause-video", "video-status-update", alice, "peer-video-paused", None),
        (bob, "resume-video", "video-status-update", alice, "peer-video-resumed", None),
    ]
    for actor, command, mine, peer, theirs, field in steps:
        n_actor, n_peer = len(actor.events), len(peer.events)
        actor.send(command)
        actor.wait(mine, 5, after=n_actor)
        e = peer.wait(theirs, 5, after=n_peer)
        if field:
            check(e.get(field[0]) == field[1], "%s: %s" % (theirs, e))
    # after resume, video flows again
    media_flows(bob)
    alice.send("end")
    disconnected(bob, "NORMAL", "CALLER", True)


def audio_gains_video(ctx):
    alice, bob = connected_call(ctx, caller_args=["--media", "audio"])
    media_flows(bob, video=False)
    check(bob.last_stats().get("video_frames_decoded", 0) == 0, "video in an audio call")
    alice.send("enable-video")
    bob.wait("video-enabled-by-peer", 5)
    media_flows(bob)
    bob.send("enable-video")
    alice.wait("video-enabled-by-peer", 5)
    media_flows(alice)
    alice.send("end")
    disconnected(bob, "NORMAL", "CALLER", True)


def initial_pause(ctx):
    """Initial PAUSE on both sides: no video frame leaves until resume."""
    alice, bob = connected_call(ctx, caller_args=["--initial-video", "pause"],
                                callee_args=["--auto-accept", "--accept-video", "pause"])
    bob.wait("peer-video-paused", 5)
    alice.wait("peer-video-paused", 5)
    media_flows(bob, video=False)
    media_flows(alice, video=False)
    time.sleep(1.5)
    for c in (alice, bob):
        s = c.last_stats()
        check(s["video_frames_sent"] == 0 and s["video_frames_decoded"] == 0,
              "%s: video while paused: %s" % (c.user, s))
    alice.send("resume-video")
    bob.wait("peer-video-resumed", 5)
    media_flows(bob)
    bob.send("resume-video")
    alice.wait("peer-video-resumed", 5)
    media_flows(alice)
    bob.send("end")
    disconnected(alice, "NORMAL", "CALLEE", True)


def no_media_before_accept(ctx):
    """While ringing (ICE/DTLS ready), nothing is sent or decoded."""
    alice, bob = setup_call(ctx, callee_args=[])
    bob.wait("verified")
    alice.wait("verified")
    # ringing: ICE and DTLS get ready, but no frame is encoded or received
    for c in (alice, bob):
        s = c.wait_stats(lambda s: True, 3)
        c.wait_stats(lambda s: True, 3)
        s = c.last_stats()
        check(s["video_frames_sent"] == 0 and s["audio_buffers_sent"] == 0 and
              s["video_frames_decoded"] == 0 and s["audio_buffers_decoded"] == 0,
              "%s: media before accept: %s" % (c.user, s))
    bob.send("accept")
    alice.wait("connected")
    bob.wait("connected")
    # the first stats line after connect counts from the start of the process
    media_flows(bob)
    alice.send("end")
    disconnected(bob, "NORMAL", "CALLER", True)


def cancel(ctx):
    alice, bob = setup_call(ctx, callee_args=[])
    bob.wait("verified")
    alice.wait("verified")
    alice.send("end")
    disconnected(alice, "CANCEL", "CALLER", False)
    disconnected(bob, "CANCEL", "CALLER", True)
    check(alice.exit_code() == 0 and bob.exit_code() == 0, "exit codes not 0")


def decline(ctx):
    alice, bob = setup_call(ctx, callee_args=[])
    bob.wait("verified")
    bob.send("end")
    disconnected(bob, "DECLINE", "CALLEE", False)
    disconnected(alice, "DECLINE", "CALLEE", True)
    check(alice.exit_code() == 0 and bob.exit_code() == 0, "exit codes not 0")


def no_answer(ctx):
    ctx.server_args = dict(ring_timeout=3)
    alice, bob = setup_call(ctx, callee_args=[])
    bob.wait("verified")
    disconnected(alice, "NOANSWER", "CALLER", False, timeout=10)
    disconnected(bob, "NOANSWER", "CALLER", True, timeout=10)
    check(alice.exit_code() == 3, "NOANSWER should exit 3")


def busy(ctx):
    alice, bob = connected_call(ctx)
    carol = ctx.client("carol", ["call", "bob"])
    disconnected(carol, "BUSY", "CALLEE", True)
    check(carol.exit_code() == 3, "BUSY should exit 3")
    bob.wait("missed-call", 5)
    check(not bob.has("disconnected") and not alice.has("disconnected"), "busy broke the call")
    media_flows(bob)
    alice.send("end")
    disconnected(bob, "NORMAL", "CALLER", True)


def start_failures(ctx):
    for peer, reason in (("nobody", "UNKNOWN_PEER"), ("alice", "ID_CONFLICT"), ("b*b", "INVALID_PARAM")):
        c = ctx.client("alice", ["call", peer])
        e = c.wait("start-failed")
        check(e["reason"] == reason, "call %s: %s, expected %s" % (peer, e, reason))
        check(c.exit_code() == 1, "start failure should exit 1")


def peer_killed(ctx):
    alice, bob = connected_call(ctx)
    media_flows(alice)
    killed = time.monotonic()
    bob.kill()
    e = alice.wait("network-unavailable", LIVENESS_MS / 1000 + 5)
    lost = time.monotonic() - killed
    check(e["seconds_left"] == GRACE_S, "network-unavailable %s" % e)
    check(lost < LIVENESS_MS / 1000 + 2.5, "lost path noticed after %.1f s" % lost)
    disconnected(alice, "NETWORK_UNSTABLE", "CLOUD_SERVER", True, timeout=GRACE_S + 15)
    took = time.monotonic() - killed
    check(took < LIVENESS_MS / 1000 + GRACE_S + 2.5, "dead peer given up after %.1f s" % took)
    print("path lost after %.2f s, call ended after %.2f s (timeout %d ms, grace %d s)"
          % (lost, took, LIVENESS_MS, GRACE_S))
    check(alice.exit_code() == 3, "NETWORK_UNSTABLE should exit 3")


def server_restart(ctx):
    """The app server restarts mid-call: media and controls go on."""
    alice, bob = connected_call(ctx)
    media_flows(bob)
    ctx.server.stop()
    alice.wait("server-disconnected", 5)
    media_flows(bob)
    media_flows(alice)
    n = len(bob.events)
    alice.send("mute")
    bob.wait("peer-mic-muted", 5, after=n)
    ctx.server.start()
    alice.wait("server-connected", 15, after=0, pred=lambda e: e["t_ms"] > 0 and
               sum(1 for x in alice.events if x.get("event") == "server-connected") >= 2)
    bob.wait("server-connected", 15, pred=lambda e: sum(1 for x in bob.events if x.get("event") == "server-connected") >= 2)
    check(not alice.has("disconnected") and not bob.has("disconnected"), "call ended by the restart")
    call_id = bob.wait("incoming-call")["call_id"]
    for c in (alice, bob):
        hello = [e for e in c.events if e.get("event") == "server-connected"][-1]
        check(call_id in hello["calls"], "%s: hello.calls %s lacks %s" % (c.user, hello["calls"], call_id))
    media_flows(bob)
    n = len(alice.events)
    bob.send("pause-video")
    alice.wait("peer-video-paused", 5, after=n)
    alice.send("end")
    disconnected(alice, "NORMAL", "CALLER", False)
    disconnected(bob, "NORMAL", "CALLER", True)
    check(alice.exit_code() == 0 and bob.exit_code() == 0, "exit codes not 0")
    assert_history(ctx, call_id, "NORMAL", "CALLER")


def assert_history(ctx, call_id, reason, source, timeout=5):
    """The restarted server wrote the ending to the history"""
    deadline = time.monotonic() + timeout
    while True:
        row = ctx.server.history(call_id)
        if row and row["state"] == "ended":
            break
        check(time.monotonic() < deadline, "history row of %s not ended: %s" % (call_id, row))
        time.sleep(0.1)
    check(row["reason"] == reason and row["source"] == source, "history %s, expected %s/%s" % (row, reason, source))
    check(row["answered_at"] and row["ended_at"] and row["ended_at"] >= row["answered_at"],
          "history times %s" % row)


def server_killed(ctx):
    """SIGKILL the app server mid-call (no chance to mark calls): after a
    restart it picks the connected call up from the database; media goes
    on, both clients reconnect, end reaches the peer, history is written."""
    alice, bob = connected_call(ctx)
    media_flows(bob)
    call_id = bob.wait("incoming-call")["call_id"]
    ctx.server.stop(signal.SIGKILL)
    alice.wait("server-disconnected", 10)
    bob.wait("server-disconnected", 10)
    media_flows(bob)
    media_flows(alice)
    ctx.server.start()
    for c in (alice, bob):
        c.wait("server-connected", 15, pred=lambda e, c=c: sum(
            1 for x in c.events if x.get("event") == "server-connected") >= 2)
        hello = [e for e in c.events if e.get("event") == "server-connected"][-1]
        check(call_id in hello["calls"], "%s: hello.calls %s lacks %s" % (c.user, hello["calls"], call_id))
    check(not alice.has("disconnected") and not bob.has("disconnected"), "call ended by the kill")
    media_flows(alice)
    n = len(alice.events)
    bob.send("mute")
    alice.wait("peer-mic-muted", 5, after=n)
    bob.send("end")
    disconnected(bob, "NORMAL", "CALLEE", False)
    disconnected(alice, "NORMAL", "CALLEE", True)
    check(alice.exit_code() == 0 and bob.exit_code() == 0, "exit codes not 0")
    assert_history(ctx, call_id, "NORMAL", "CALLEE")


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_ca(tmp, name):
    """A throwaway CA: NAME-ca.key, NAME-ca.pem"""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Duet test CA " + name,
            "-keyout", name + "-ca.key", "-out", name + "-ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=tmp)
    return os.path.join(tmp, name + "-ca.pem")


def make_server_cert(tmp, ca):
    """server.pem signed by CA for 127.0.0.1 and localhost"""
    ext = os.path.join(tmp, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                "basicConstraints=CA:FALSE\n")
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr", cwd=tmp)
    openssl("x509", "-req", "-in", "server.csr", "-CA", ca + "-ca.pem", "-CAkey", ca + "-ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", "server.pem", cwd=tmp)
    return os.path.join(tmp, "server.pem"), os.path.join(tmp, "server.key")


def rejected(ctx, user, options, password=False, expect_event="server-error", expect_msg="tls_error",
             stderr_has="TLS"):
    c = ctx.client(user, ["listen"], password=password, options=options)
    e = c.wait(expect_event, 15)
    check(expect_msg in e.get("message", ""), "%s: %s, expected %s" % (user, e, expect_msg))
    check(c.exit_code() == 1, "%s: a TLS failure should exit 1" % user)
    check(not c.has("server-connected"), "%s: connected despite the certificate" % user)
    err = open(c.stderr_path, errors="replace").read()
    check(stderr_has in err, "%s: no clear message on stderr: %r" % (user, err[-500:]))
    return e


def tls(ctx):
    """wss with a certificate from our own CA: duet-call --tls-ca-file
    connects and completes a call; a wrong CA, no CA file (system CAs) or an
    unreadable CA file is refused with a clear error and exit status 1."""
    if subprocess.run(["sh", "-c", "command -v openssl"], capture_output=True).returncode != 0:
        print("SKIP: openssl is needed")
        sys.exit(77)
    good = make_ca(ctx.tmp, "good")
    wrong = make_ca(ctx.tmp, "wrong")
    cert, key = make_server_cert(ctx.tmp, os.path.join(ctx.tmp, "good"))
    ctx.server_args = dict(extra=["--tls-cert", cert, "--tls-key", key])
    check(ctx.server.url.startswith("https://"), "server not on https: " + ctx.server.url)
    trusted = ["--tls-ca-file", good]
    # password sign-in (POST /v1/token) and the WebSocket both over TLS
    bob = ctx.client("bob", ["listen", "--auto-accept"], password=True, options=trusted)
    bob.wait("server-connected")
    alice = ctx.client("alice", ["call", "bob"], password=True, options=trusted)
    alice.wait("connected")
    bob.wait("connected")
    media_flows(bob)
    alice.send("end")
    disconnected(alice, "NORMAL", "CALLER", False)
    disconnected(bob, "NORMAL", "CALLER", True)
    check(alice.exit_code() == 0 and bob.exit_code() == 0, "exit codes not 0")

    rejected(ctx, "carol", ["--tls-ca-file", wrong])
    rejected(ctx, "carol", [])                      # system CAs do not know our CA
    rejected(ctx, "carol", ["--tls-ca-file", os.path.join(ctx.tmp, "missing.pem")], stderr_has="CA file")
    e = rejected(ctx, "carol", ["--tls-ca-file", wrong], password=True,
                 expect_event="sign-in-failed", expect_msg="", stderr_has="")
    check(re.search("certificate|TLS", e["message"], re.I), "sign-in error not about TLS: %s" % e)


def late_callee(ctx):
    """The callee signs in while the call waits: it still gets incoming_call."""
    alice = ctx.client("alice", ["call", "bob"])
    alice.wait("wait-connected")
    time.sleep(1)
    check(not alice.has("verified"), "verified without a callee")
    bob = ctx.client("bob", ["listen", "--auto-accept"])
    bob.wait("incoming-call")
    alice.wait("verified")
    alice.wait("connected")
    media_flows(alice)
    bob.send("end")
    disconnected(alice, "NORMAL", "CALLEE", True)


def end_during_outage(ctx):
    """With the app server down, end still reaches the peer (data channel)."""
    alice, bob = connected_call(ctx)
    media_flows(bob)
    ctx.server.stop()
    alice.wait("server-disconnected", 5)
    bob.wait("server-disconnected", 5)
    alice.send("end")
    disconnected(alice, "NORMAL", "CALLER", False)
    disconnected(bob, "NORMAL", "CALLER", True, timeout=5)
    check(alice.exit_code() == 0 and bob.exit_code() == 0, "exit codes not 0")


class Context:
    def __init__(self, tmp):
        self.tmp = tmp
        self.clients = []
        self.server_args = {}
        self._server = None

    @property
    def server(self):
        if self._server is None:
            self._server = Server(self.tmp, **self.server_args)
        return self._server

    def client(self, user, args, password=False, options=(), prefix=(), env=None, test_sources=True,
               device=None):
        c = Client(self.server, user, args, self.tmp, password, options, prefix, env, test_sources, device)
        self.clients.append(c)
        return c

    def stop_clean(self):
        """Stops the clients; fails on any sanitizer report"""
        for c in self.clients:
            c.kill(signal.SIGTERM)
        for c in self.clients:
            err = open(c.stderr_path, errors="replace").read()
            check("runtime error:" not in err and "AddressSanitizer" not in err and
                  "LeakSanitizer" not in err,
                  "%s: sanitizer report" % c.user)

    def dump(self):
        """Each client's events and the end of its stderr, after a failure"""
        for c in self.clients:
            print("--- %s stdout" % c.user)
            for ev in c.events:
                if ev.get("event") != "audio-description-update":
                    print(json.dumps(ev))
            print("--- %s stderr" % c.user)
            sys.stdout.write(open(c.stderr_path, errors="replace").read()[-3000:])

    def close(self):
        for c in self.clients:
            c.kill(signal.SIGTERM if c.proc.poll() is None else signal.SIGKILL)
        if self._server:
            self._server.stop()


def responder_preparation(ctx):
    """The callee accepts with responder preparation: connected on both
    sides, nothing from the callee until it finishes, then media as usual."""
    alice, bob = setup_call(ctx, callee_args=["--auto-accept", "--responder-preparation"])
    e = alice.wait("verified")
    check(e["peer_use_responder_preparation"], "caller's verified: %s" % e)
    ea = alice.wait("connected")
    eb = bob.wait("connected")
    check(ea["is_in_responder_preparation"] and not ea["should_finish_preparation"],
          "caller's connected: %s" % ea)
    check(eb["is_in_responder_preparation"] and eb["should_finish_preparation"],
          "callee's connected: %s" % eb)
    media_flows(bob)              # the caller's media reaches the callee
    alice.wait_stats(lambda s: True, 3)
    alice.wait_stats(lambda s: True, 3)
    s = alice.last_stats()
    check(s["audio_buffers_decoded"] == 0 and s["video_frames_decoded"] == 0,
          "alice: media from a callee in preparation: %s" % s)
    n = len(alice.events)
    alice.send("finish-preparation")
    e = alice.wait("command-failed", 5, after=n)
    check("callee" in e.get("message", ""), "the caller finished the preparation: %s" % e)
    bob.send("finish-preparation")
    alice.wait("responder-preparation", 5, pred=lambda e: not e["in_preparation"])
    media_flows(alice)
    alice.send("end")
    disconnected(bob, "NORMAL", "CALLER", True)


def user_code(ctx):
    """An app-defined code reaches both sides' disconnected; a bad one is refused."""
    alice, bob = connected_call(ctx)
    n = len(bob.events)
    bob.send("end-with-code " + "x" * 128)
    e = bob.wait("command-failed", 5, after=n)
    check("127" in e.get("message", ""), "a 128-byte user code: %s" % e)
    bob.send("end-with-code left-the-meeting")
    e = disconnected(bob, "NORMAL", "CALLEE", False)
    check(e.get("user_code") == "left-the-meeting", "callee's user code: %s" % e)
    e = disconnected(alice, "NORMAL", "CALLEE", True)
    check(e.get("user_code") == "left-the-meeting", "caller's user code: %s" % e)


def user_error(ctx):
    """endCallWithError: USER_ERROR with the code on both sides."""
    alice, bob = connected_call(ctx)
    alice.send("end-with-error E42")
    e = disconnected(alice, "USER_ERROR", "CALLER", False)
    check(e.get("user_code") == "E42" and e["reason_code"] == 1110, "caller: %s" % e)
    e = disconnected(bob, "USER_ERROR", "CALLER", True)
    check(e.get("user_code") == "E42", "callee: %s" % e)


def short_data(ctx):
    """Short data both ways, exact bytes; 800 bytes pass, 801 are refused by the kit."""
    alice, bob = connected_call(ctx)
    alice.send("short-data chat hello bob")
    alice.wait("short-data-sent", 5)
    e = bob.wait("short-data-received", 5)
    check((e["type"], e["text"], e["size"]) == ("chat", "hello bob", 9), "bob got %s" % e)
    bob.send("short-data big @800")
    bob.wait("short-data-sent", 5)
    e = alice.wait("short-data-received", 5)
    check((e["type"], e["size"]) == ("big", 800), "alice got %s" % e)
    n = len(bob.events)
    bob.send("short-data big @801")
    e = bob.wait("command-failed", 5, after=n)
    check("800" in e.get("message", ""), "801 bytes: %s" % e)
    alice.send("end")
    disconnected(bob, "NORMAL", "CALLER", True)


def video_status(ctx):
    """video-status-update carries the pause reason; enable_video can start paused."""
    alice, bob = connected_call(ctx, caller_args=["--media", "audio"])
    alice.send("enable-video-paused")
    e = alice.wait("video-status-update", 5)
    check((e["state"], e.get("pause_reason")) == ("paused", "BY_USER"), "alice: %s" % e)
    bob.wait("video-enabled-by-peer", 5)
    bob.wait("peer-video-paused", 5)
    n = len(alice.events)
    alice.send("resume-video")
    e = alice.wait("video-status-update", 5, after=n)
    check(e["state"] == "enabled" and "pause_reason" not in e, "alice: %s" % e)
    media_flows(bob)
    alice.send("end")
    disconnected(bob, "NORMAL", "CALLER", True)


# ---- a user's devices (not cameras: see kit-devices.py) ----

def device(ctx, name, device_id=None, extra=()):
    """alice listening on one of her devices, signed in with her password"""
    options = ["--device-id", device_id, "--device-name", "Duet on " + name] if device_id else []
    c = ctx.client("alice", ["listen"], password=True, options=options + list(extra), device=name)
    c.wait("server-connected")
    return c


def account_devices(ctx):
    """Two devices of one user side by side: each lists both, one signs
    the other out, which stops for good with signed_out (by_user)."""
    desk = device(ctx, "desk", "desk-1")
    e = desk.wait("signed-in")
    check(e.get("device_id") == "desk-1" and e["user"] == "alice", "desk: %s" % e)
    laptop = device(ctx, "laptop", "laptop-1")
    check(laptop.wait("signed-in").get("device_id") == "laptop-1", "laptop: not its own device")
    desk.wait("account-devices-changed", pred=lambda e: e["n"] == 2)
    laptop.wait("account-devices-changed", pred=lambda e: e["n"] == 2)

    for c, me in ((desk, "desk-1"), (laptop, "laptop-1")):
        n = len(c.events)
        c.send("account-devices")
        listed = c.wait("account-devices", 5, after=n)["devices"]
        check([d["id"] for d in listed] == ["desk-1", "laptop-1"], "%s: devices %s" % (c.user, listed))
        check([d["id"] for d in listed if d["current"]] == [me], "%s: current %s" % (c.user, listed))
        check(all(d["online"] for d in listed), "%s: not all online: %s" % (c.user, listed))
        check(listed[0]["name"] == "Duet on desk" and "created_at" in listed[0], "%s: %s" % (c.user, listed))

    n = len(desk.events)
    desk.send("sign-out-device no-such-device")
    e = desk.wait("command-failed", 5, after=n)
    check(e.get("error") == "no-such-device", "signing out an unknown device: %s" % e)

    desk.send("sign-out-device laptop-1")
    e = desk.wait("device-signed-out", 5, after=n)
    check(e.get("id") == "laptop-1", "desk: %s" % e)
    e = laptop.wait("server-error", 5)
    check((e["message"], e.get("reason")) == ("signed_out", "by_user"), "laptop: %s" % e)
    check(laptop.exit_code() == 1, "a signed-out device should exit 1")
    check(sum(1 for x in laptop.events if x.get("event") == "server-connected") == 1,
          "laptop: connected again after being signed out")
    desk.wait("account-devices-changed", 5, pred=lambda e: e["n"] == 1, after=n)

    # a device signs itself out too: the reply first, then signed_out
    n = len(desk.events)
    desk.send("sign-out-device")
    check(desk.wait("device-signed-out", 5, after=n).get("id") == "desk-1", "desk: not itself")
    e = desk.wait("server-error", 5, after=n)
    check((e["message"], e.get("reason")) == ("signed_out", "by_user"), "desk: %s" % e)
    check(desk.exit_code() == 1, "a signed-out device should exit 1")


def device_limit(ctx):
    """Past --max-devices a new device signs the idlest one out (device_limit)."""
    ctx.server_args = dict(extra=["--max-devices", "2"])
    first = device(ctx, "first", "dev-1")
    second = device(ctx, "second", "dev-2")
    first.wait("account-devices-changed", pred=lambda e: e["n"] == 2)
    third = device(ctx, "third", "dev-3")
    deadline = time.monotonic() + 15
    while not (first.has("server-error") or second.has("server-error")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    out = [c for c in (first, second) if c.has("server-error")]
    check(len(out) == 1, "signed out: %s" % [c.user for c in out])
    check(out[0].exit_code() == 1, "a signed-out device should exit 1")
    e = out[0].wait("server-error", 1)
    check((e["message"], e.get("reason")) == ("signed_out", "device_limit"), "%s: %s" % (out[0].user, e))
    third.wait("account-devices-changed", 5, pred=lambda e: e["n"] == 2)
    n = len(third.events)
    third.send("account-devices")
    listed = third.wait("account-devices", 5, after=n)["devices"]
    check(len(listed) == 2 and listed[-1]["id"] == "dev-3", "third: devices %s" % listed)


def missed_call_seen(ctx):
    """A call missed while away comes to each device once; marked seen on
    one, the others hear of it and a device signing in later does not get it."""
    bob = ctx.client("bob", ["call", "alice"])
    bob.wait("wait-connected")
    bob.send("end")
    disconnected(bob, "CANCEL", "CALLER", False)
    desk = device(ctx, "desk", "desk-1")
    laptop = device(ctx, "laptop", "laptop-1")
    call_id = desk.wait("missed-call")["call_id"]
    check(laptop.wait("missed-call")["call_id"] == call_id, "laptop missed another call")
    desk.send("seen " + call_id)
    e = laptop.wait("missed-call-seen", 5)
    check(e["call_id"] == call_id, "laptop: %s" % e)
    tablet = device(ctx, "tablet", "tablet-1")
    tablet.wait("account-devices-changed", 5, pred=lambda e: e["n"] == 3)
    time.sleep(0.5)
    check(not tablet.has("missed-call"), "a call marked seen came to a new device")
    for c in (desk, laptop):
        check(sum(1 for x in c.events if x.get("event") == "missed-call") == 1, "%s: missed twice" % c.user)
        check(not c.has("server-error"), "%s: %s" % (c.user, c.names()))


def default_device(ctx):
    """Without --device-id the kit's own id for this machine: kept in
    XDG_DATA_HOME, so a second program there is the same device and takes
    its connection over (session_replaced)."""
    first = device(ctx, "first")
    device_id = first.wait("signed-in").get("device_id")
    with open(os.path.join(ctx.tmp, "data", "duet-kit-1", "device-id")) as f:
        check(f.read().strip() == device_id, "signed in as %s, not the kept id" % device_id)
    second = device(ctx, "second")
    check(second.wait("signed-in").get("device_id") == device_id, "another id the second time")
    e = first.wait("server-error", 5)
    check(e["message"] == "session_replaced" and "reason" not in e, "first: %s" % e)
    second.wait("account-devices-changed", 5, pred=lambda e: e["n"] == 1)
    n = len(second.events)
    second.send("account-devices")
    listed = second.wait("account-devices", 5, after=n)["devices"]
    check([(d["id"], d["name"]) for d in listed] == [(device_id, ("duet-call on " + os.uname().nodename)[:64])],
          "devices %s" % listed)


SCENARIOS = {f.__name__.replace("_", "-"): f for f in (
    flow, end_by_callee, hangup_after, media_controls, audio_gains_video, initial_pause,
    no_media_before_accept, cancel, decline, no_answer, busy, start_failures, peer_killed,
    server_restart, end_during_outage, late_callee, server_killed, tls, responder_preparation,
    user_code, user_error, short_data, video_status, account_devices, device_limit, missed_call_seen,
    default_device)}


class Skip(Exception):
    """The scenario cannot run on this machine (exit 77)"""


def run(scenarios, context_class, script, prefix):
    """Runs the scenario named on the command line in a fresh context"""
    if len(sys.argv) != 2 or sys.argv[1] not in scenarios:
        print("usage: %s {%s}" % (script, ",".join(scenarios)), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        ctx = context_class(tmp)
        try:
            scenarios[sys.argv[1]](ctx)
            ctx.stop_clean()
            print("ok", sys.argv[1])
            return 0
        except Skip as e:
            print("skip %s: %s" % (sys.argv[1], e))
            return 77
        except Fail as e:
            print("FAIL %s: %s" % (sys.argv[1], e))
            ctx.dump()
            return 1
        finally:
            ctx.close()


def main():
    return run(SCENARIOS, Context, "kit-calls.py", "duet-kit-")


if __name__ == "__main__":
    sys.exit(main())
