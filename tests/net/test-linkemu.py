#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tools/linkemu.py does what it says, measured with UDP sockets.

Two namespaces made here and removed on exit (whatever happens):
duet-lea-PID (10.99.0.1) and duet-leb-PID (10.99.0.2), joined only by
linkemu. The sockets live in this one process (opened inside each namespace
with setns), so one clock times both ends. Checks, in order:
  clean     UDP passes both ways
  delay     delay=50 each way: echo RTT median in [95, 130] ms
  loss      loss=20 on a2b, 2000 packets: 14-26 % lost; b2a loses none
  rate      rate=500 on a2b, 1 Mbit/s offered for 3 s: 500 kbit/s +-15 %
            arrives, and the queue drops
  jitter    delay=100 jitter=30: p90-p10 of one-way delay >= 20 ms and no
            reordering; with reorder=1 (the other way) some reordering
  live      loss=100 then `set loss=0` mid-stream: nothing passes before,
            everything after

The bounds hold on a saturated machine: loss and jitter use a fixed seed and
are 6 standard deviations wide anyway; timings allow tens of ms of
scheduling delay; counts are taken over the receiver's clock, so a late
wake-up shifts a packet but does not lose it. This process runs SCHED_FIFO
(below linkemu) where it may, so that load on the machine barely shows.
Exit 77 (skip) without root, /dev/net/tun or network namespaces.
"""
import importlib.util
import os
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


le = load("linkemu", os.path.join(HERE, "..", "..", "tools", "linkemu.py"))

PID = os.getpid()
NS_A, NS_B = "duet-lea-%d" % PID, "duet-leb-%d" % PID
PORT = 5004
HEADER = struct.Struct("!IId")   # phase, sequence number, send time
IP_UDP = 28                      # IPv4 + UDP header bytes
SO_RCVBUFFORCE = 33              # not in Python's socket module


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)
    print("  ok:", what)


def ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), check=check, capture_output=True)


class Link:
    """The two sockets, one per namespace, and the packets they exchange"""

    def __init__(self, emu):
        self.emu = emu
        self.sock = {}
        for side, ns, addr in (("a", NS_A, emu.a), ("b", NS_B, emu.b)):
            with le.in_netns(ns):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            # no drops of our own when this process is slow to read
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
            s.bind((addr, PORT))
            s.setblocking(False)
            self.sock[side] = s
        self.dest = {"a2b": ("a", (emu.b, PORT)), "b2a": ("b", (emu.a, PORT))}
        self.phase = 0
        self.sent = {}

    def send(self, direction, seq, size):
        src, dest = self.dest[direction]
        sent = time.monotonic()
        self.sent[direction][seq] = sent
        self.sock[src].sendto(HEADER.pack(self.phase, seq, sent).ljust(size, b"\0"), dest)

    def run(self, schedule, tail, echo=False, action=None):
        """Sends schedule [(offset_s, direction, seq, size)] on time while
        receiving, for tail seconds after the last send. With echo, B sends
        each a2b packet back at once. action (offset_s, fn) runs fn once.
        Returns {direction: [(seq, sent, received, size)]} of this run only;
        self.sent is {direction: {seq: sent}}."""
        self.phase += 1
        self.sent = {"a2b": {}, "b2a": {}}
        got = {"a2b": [], "b2a": []}
        t0 = time.monotonic()
        end = t0 + (schedule[-1][0] if schedule else 0) + tail
        i = 0
        while True:
            now = time.monotonic()
            while i < len(schedule) and t0 + schedule[i][0] <= now:
                _, direction, seq, size = schedule[i]
                self.send(direction, seq, size)
                i += 1
            if action and t0 + action[0] <= now:
                action[1]()
                action = None
            if now >= end:
                return got
            due = [end]
            if i < len(schedule):
                due.append(t0 + schedule[i][0])
            if action:
                due.append(t0 + action[0])
            readable, _, _ = select.select(list(self.sock.values()), [], [], max(0, min(due) - now))
            for s in readable:
                self.receive(s, got, echo)

    def receive(self, s, got, echo):
        direction = "a2b" if s is self.sock["b"] else "b2a"
        while True:
            try:
                data = s.recv(65536)
            except BlockingIOError:
                return
            now = time.monotonic()
            phase, seq, sent = HEADER.unpack_from(data)
            if phase != self.phase:
                continue     # a straggler from an earlier check
            got[direction].append((seq, sent, now, len(data)))
            if echo and direction == "a2b":
                self.sock["b"].sendto(data, self.dest["b2a"][1])

    def close(self):
        for s in self.sock.values():
            s.close()


def stream(direction, count, interval, size=100):
    return [(k * interval, direction, k, size) for k in range(count)]


def reset(emu):
    emu.set("both", **le.DEFAULTS)


def clean(link):
    sched = sorted(stream("a2b", 20, 0.005) + stream("b2a", 20, 0.005))
    got = link.run(sched, tail=0.3)
    check(len(got["a2b"]) == 20 and len(got["b2a"]) == 20,
          "clean link: 20/20 each way (got %d a2b, %d b2a)" % (len(got["a2b"]), len(got["b2a"])))


def delay(link):
    link.emu.set("both", delay=50)
    got = link.run(stream("a2b", 40, 0.025), tail=0.5, echo=True)
    rtts = [(recv - sent) * 1000 for _, sent, recv, _ in got["b2a"]]
    check(len(rtts) == 40, "delay: all 40 echoes came back (%d)" % len(rtts))
    median = statistics.median(rtts)
    check(95 <= median <= 130, "delay=50 each way: RTT median %.1f ms in [95, 130] (min %.1f, max %.1f)"
          % (median, min(rtts), max(rtts)))


def loss(link):
    link.emu.set("a2b", loss=20)
    before = link.emu.stats()
    n = 2000
    got = link.run(sorted(stream("a2b", n, 0.0005) + stream("b2a", n, 0.0005)), tail=0.5)
    after = link.emu.stats()
    lost = 1 - len(got["a2b"]) / n
    # binomial sd 0.9 % for n=2000, p=0.2: the bounds are > 6 sd away
    check(0.14 <= lost <= 0.26, "loss=20 a2b: %.1f %% of %d lost, in [14, 26]" % (lost * 100, n))
    check(len(got["b2a"]) == n and after["b2a"]["lost"] == before["b2a"]["lost"],
          "loss: b2a unaffected (%d/%d arrived)" % (len(got["b2a"]), n))


def rate(link):
    # a queue of 1 s rather than 200 ms: a late sender (this process, on a
    # busy machine) sends its backlog at once, which must not be dropped
    # and then leave the link idle. It still fills after 1 s of 2x overload.
    link.emu.set("a2b", rate=500, queue=1000)
    size = 1200
    interval = (size + IP_UDP) * 8 / 1e6          # 1 Mbit/s of IP bytes
    count = int(3.0 / interval)
    got = link.run(stream("a2b", count, interval, size), tail=0.5)
    # the queue fills within ~0.2 s: count from 0.5 s to the end of sending
    t0 = min(sent for _, sent, _, _ in got["a2b"])
    window = [n + IP_UDP for _, _, recv, n in got["a2b"] if t0 + 0.5 <= recv < t0 + 3.0]
    kbits = sum(window) * 8 / 2.5 / 1000
    check(425 <= kbits <= 575, "rate=500 a2b, 1 Mbit/s offered: %.0f kbit/s arrived, in [425, 575]" % kbits)
    drops = link.emu.stats()["a2b"]["queue_drops"]
    check(drops > 0, "rate: the queue dropped %d packets" % drops)


def in_order(rows):
    seqs = [seq for seq, _, _, _ in rows]
    return sum(1 for x, y in zip(seqs, seqs[1:]) if y < x)


def jitter(link):
    link.emu.set("both", delay=100, jitter=30)
    link.emu.set("b2a", reorder=1)
    # 20 ms apart: the no-overtaking rule then rarely hides the jitter
    got = link.run(sorted(stream("a2b", 100, 0.02) + stream("b2a", 100, 0.02)), tail=0.5)
    check(len(got["a2b"]) == 100, "jitter: all 100 a2b packets arrived (%d)" % len(got["a2b"]))
    delays = sorted((recv - sent) * 1000 for _, sent, recv, _ in got["a2b"])
    p10, p50, p90 = (delays[int(q * (len(delays) - 1))] for q in (0.1, 0.5, 0.9))
    check(p90 - p10 >= 20, "delay=100 jitter=30: p10 %.1f, median %.1f, p90 %.1f ms: spread %.1f >= 20 ms"
          % (p10, p50, p90, p90 - p10))
    check(70 <= p50 <= 160, "jitter: median one-way delay %.1f ms in [70, 160]" % p50)
    check(in_order(got["a2b"]) == 0, "jitter: no reordering a2b")
    swapped = in_order(got["b2a"])
    check(swapped > 0, "jitter: reorder=1 b2a reorders (%d inversions)" % swapped)


def live(link):
    link.emu.set("a2b", loss=100)
    marks = {}

    def open_up():
        marks["before"] = time.monotonic()
        link.emu.set("a2b", loss=0)
        marks["after"] = time.monotonic()
    got = link.run(stream("a2b", 100, 0.01), tail=0.3, action=(0.5, open_up))
    sent = link.sent["a2b"]
    before = {seq for seq, t in sent.items() if t < marks["before"]}
    after = {seq for seq, t in sent.items() if t > marks["after"]}
    arrived = {seq for seq, _, _, _ in got["a2b"]}
    check(len(before) >= 40 and not arrived & before,
          "live: nothing passes at loss=100 (%d of %d did)" % (len(arrived & before), len(before)))
    check(len(after) >= 40 and after <= arrived,
          "live: after `set a2b loss=0` every packet passes (%d of %d)" % (len(arrived & after), len(after)))


def realtime():
    """SCHED_FIFO below linkemu's priority: the timings then measure
    linkemu, not how long a busy machine keeps this process waiting. The
    bounds hold without it too (then only the timings get noisier)."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO | os.SCHED_RESET_ON_FORK, os.sched_param(5))
        return True
    except (OSError, AttributeError):
        return False


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root for network namespaces and TUN devices")
        return SKIP
    try:
        os.close(os.open("/dev/net/tun", os.O_RDWR))
    except OSError as e:
        print("SKIP: /dev/net/tun: %s" % e)
        return SKIP
    # meson's timeout sends SIGTERM: still clean up
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        try:
            for ns in (NS_A, NS_B):
                ip("netns", "add", ns)
                ip("-n", ns, "link", "set", "lo", "up")
        except (subprocess.CalledProcessError, OSError) as e:
            print("SKIP: cannot make the namespaces: %s %s" % (e, getattr(e, "stderr", b"") or b""))
            return SKIP
        t0 = time.monotonic()
        with le.LinkEmu(NS_A, NS_B, seed=1) as emu:
            link = Link(emu)
            print("linkemu real-time: %s, this test: %s" % (emu.realtime, realtime()))
            try:
                for name, fn in (("clean", clean), ("delay", delay), ("loss", loss), ("rate", rate),
                                 ("jitter", jitter), ("live", live)):
                    print(name)
                    reset(emu)
                    fn(link)
                print("stats", emu.stats())
            except Fail as e:
                print("FAIL:", e)
                print("stats", emu.stats())
                return 1
            finally:
                link.close()
        print("ok: all checks in %.1f s" % (time.monotonic() - t0))
        return 0
    finally:
        for ns in (NS_A, NS_B):
            ip("netns", "del", ns, check=False)


if __name__ == "__main__":
    sys.exit(main())
