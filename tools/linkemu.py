#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""linkemu: a dialable network link between two network namespaces.

Usage: linkemu.py [options] NS_A NS_B        (as root)

NS_A and NS_B are existing namespaces (`ip netns add`; bringing lo up is the
caller's job). linkemu makes a TUN device in each (default name duetemu,
NS_A 10.99.0.1 <-> NS_B 10.99.0.2, point-to-point) and forwards every IP
packet between them in userspace, impaired per direction: a2b is what NS_A
sends to NS_B, b2a the reverse. Every packet takes this path (RTP, RTCP,
STUN, DTLS, TCP...), so congestion control and feedback see the impairment.
The devices vanish when linkemu exits, however it exits.

Per direction, on a packet's way through:
  loss    -> dropped at random (Gilbert-Elliott when burst > 1)
  rate    -> FIFO bottleneck: a packet leaves after size*8/rate of
             serialisation; drop-tail beyond `queue` ms worth of bytes
  delay   -> propagation delay plus jitter; FIFO order is kept unless reorder

Parameters (PARAMS is `key=value` items separated by commas or spaces):
  rate=KBIT    link rate in kbit/s of IP bytes; 0 = unlimited (default 0)
  queue=MS     bottleneck queue bound, in ms at the current rate, like tc
               tbf's latency; an empty queue always takes one packet
               (default 200)
  loss=PCT     long-run loss percentage, 0-100 (default 0)
  burst=N      mean loss burst length in packets; 1 = independent losses
               (default). N > 1: two-state Gilbert model, every packet lost
               in the bad state, P(bad->good) = 1/N and P(good->bad) set so
               that the long-run loss is `loss` (capped at 1: a burst
               shorter than loss/(100-loss) gives less loss than asked)
  delay=MS     one-way delay added to every packet (default 0)
  jitter=MS    per-packet delay drawn from [delay-jitter, delay+jitter],
               clamped at 0 (default 0)
  dist=uniform|normal
               jitter distribution; normal: sigma = jitter/2, clamped to
               the same range (default uniform)
  reorder=0|1  0: a packet never leaves before the one ahead of it,
               departure = max(previous departure, arrival + delay), as on
               a real path (default); 1: each packet keeps its own delay
               and may overtake

Control: one command per line on stdin, one JSON line per command on stdout.
  set a2b|b2a|both PARAMS   -> {"ok":true}  or {"ok":false,"error":...}
  get                       -> current parameters of both directions
  stats                     -> {"a2b":{...},"b2a":{...}}: in_packets,
                               in_bytes, lost, queue_drops, out_packets,
                               out_bytes, queued (inside the emulator now),
                               write_errors, late_mean_ms, late_max_ms,
                               late_over_1ms (how late packets left)
  quit                      -> removes both devices, exits 0; so do EOF on
                               stdin, SIGTERM and SIGINT
Once both devices are up it prints {"ready":true,"a":ADDR_A,"b":ADDR_B,...}.

Models: one path per direction with a single bottleneck (one drop-tail FIFO
at a fixed rate), random or bursty loss and variable delay; changes apply
live, to the next packet (a packet already in the delay stage keeps its
departure time, the one being serialised keeps its rate).
Does not model: per-flow fairness or AQM (one FIFO for all flows, like tbf
with pfifo), cross traffic, rate variation (unless you `set` it), link-layer
retransmission or duplication, corruption, MTU changes. Loss happens before
the queue, so lost packets take no link time.
Precision: one thread, select() timeouts at microsecond resolution, and
SCHED_FIFO (--rt-priority) so that busy programs under test do not delay
packets. Measured (bench/linkemu.py, 2 vCPUs): packets leave 0.05-0.08 ms
after their due time on average; over 1 ms late: under 0.2 % of packets
even with both cores saturated; worst seen 20 ms. See the late_* stats.
Rate schedules do not drift: departures follow ideal times, not wake-ups.
CPU (one core, user + system, where system includes the receiving side's
network stack run by the TUN write): ~2 % at 1.5 Mbit/s of 1200-byte
packets, ~14 % at 2000 packets/s; Python costs ~50 us per wake-up.

As a module: LinkEmu(ns_a, ns_b, a2b=..., b2a=...) runs this program and
speaks its protocol; in_netns(ns) enters a namespace for opening sockets.
"""
import argparse
import collections
import contextlib
import ctypes
import errno
import fcntl
import heapq
import json
import os
import random
import re
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IFF_TUN_EXCL = 0x8000      # fail rather than attach to someone else's device
CLONE_NEWNET = 0x40000000
PR_SET_TIMERSLACK = 29

DEFAULTS = {"rate": 0.0, "queue": 200.0, "loss": 0.0, "burst": 1.0,
            "delay": 0.0, "jitter": 0.0, "dist": "uniform", "reorder": False}
DIRECTIONS = ("a2b", "b2a")

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


@contextlib.contextmanager
def in_netns(ns):
    """Runs the body with the calling thread in network namespace `ns` (a
    name under /run/netns). Sockets and TUN devices opened there belong to
    it for good, so one process can hold sockets in several namespaces."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        target = os.open(os.path.join("/run/netns", ns), os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(own)
    finally:
        os.close(own)


def parse_params(text):
    """'rate=500,loss=5 delay=100' -> {'rate': 500.0, ...}; ValueError if bad"""
    out = {}
    for item in re.split(r"[,\s]+", text.strip()):
        if not item:
            continue
        key, eq, value = item.partition("=")
        if not eq or key not in DEFAULTS:
            raise ValueError("unknown parameter %r (known: %s)" % (item, " ".join(DEFAULTS)))
        if key == "dist":
            if value not in ("uniform", "normal"):
                raise ValueError("dist is uniform or normal")
            out[key] = value
        elif key == "reorder":
            if value.lower() not in ("0", "1", "false", "true", "no", "yes"):
                raise ValueError("reorder is 0 or 1")
            out[key] = value.lower() in ("1", "true", "yes")
        else:
            try:
                number = float(value)
            except ValueError:
                raise ValueError("%s needs a number, not %r" % (key, value)) from None
            if not number >= 0 or number == float("inf"):
                raise ValueError("%s must be a finite number >= 0" % key)
            if key == "loss" and number > 100:
                raise ValueError("loss is a percentage, 0-100")
            if key == "burst" and number < 1:
                raise ValueError("burst is a mean length in packets, >= 1")
            if key == "queue" and number == 0:
                raise ValueError("queue must be > 0 ms")
            out[key] = number
    return out


def format_params(params):
    """The inverse of parse_params for a dict (booleans as 0/1)"""
    return ",".join("%s=%s" % (k, int(v) if isinstance(v, bool) else v) for k, v in params.items())


# --- the emulator -------------------------------------------------------------

TX, DELIVER = 0, 1   # event kinds: end of serialisation, end of the delay stage


class Direction:
    """One way through the link: loss, then the rate-limited FIFO, then the
    delay stage. Scheduling goes through the shared event heap."""

    def __init__(self, name, out_fd, rng, events):
        self.name, self.out_fd, self.rng, self.events = name, out_fd, rng, events
        self.p = dict(DEFAULTS)
        self.fifo = collections.deque()
        self.fifo_bytes = 0
        self.sending = False        # a packet is being serialised (a TX event is pending)
        self.last_departure = 0.0
        self.bad = False            # Gilbert-Elliott state
        self.delaying = 0           # packets in the delay stage
        self.c = dict.fromkeys(("in_packets", "in_bytes", "lost", "queue_drops", "out_packets",
                                "out_bytes", "write_errors", "late_over_1ms"), 0)
        self.late_sum = self.late_max = 0.0

    def lose(self):
        p = self.p["loss"] / 100
        if p <= 0:
            self.bad = False
            return False
        if p >= 1:
            return True
        if self.p["burst"] <= 1:
            return self.rng.random() < p
        to_good = 1 / self.p["burst"]
        to_bad = min(1.0, p * to_good / (1 - p))   # stationary P(bad) = p
        if self.rng.random() < (to_good if self.bad else to_bad):
            self.bad = not self.bad
        return self.bad

    def arrive(self, pkt, now):
        self.c["in_packets"] += 1
        self.c["in_bytes"] += len(pkt)
        if self.lose():
            self.c["lost"] += 1
            return
        if self.p["rate"] <= 0 and not self.sending:
            self.delay_stage(pkt, now)
            return
        # kbit/s * ms / 8 = bytes; unbounded while a queue left by a
        # limited rate drains at rate 0
        limit = self.p["rate"] * self.p["queue"] / 8 if self.p["rate"] > 0 else float("inf")
        if self.fifo and self.fifo_bytes + len(pkt) > limit:
            self.c["queue_drops"] += 1
            return
        self.fifo.append(pkt)
        self.fifo_bytes += len(pkt)
        if not self.sending:
            self.start_tx(now)

    def start_tx(self, t):
        pkt = self.fifo.popleft()
        self.fifo_bytes -= len(pkt)
        rate = self.p["rate"]
        end = t + (len(pkt) * 8 / (rate * 1000) if rate > 0 else 0.0)
        self.sending = True
        self.events.push(end, TX, self, pkt)

    def tx_done(self, t, pkt):
        # t is the ideal end time, not when we woke: the next packet starts
        # there, so the rate holds however late the wake-ups are
        self.sending = False
        self.delay_stage(pkt, t)
        if self.fifo:
            self.start_tx(t)

    def sample_delay(self):
        d, j = self.p["delay"] / 1000, self.p["jitter"] / 1000
        if j > 0:
            if self.p["dist"] == "normal":
                d = min(max(self.rng.gauss(d, j / 2), d - j), d + j)
            else:
                d = self.rng.uniform(d - j, d + j)
        return max(0.0, d)

    def delay_stage(self, pkt, t):
        departure = t + self.sample_delay()
        if not self.p["reorder"]:
            departure = max(departure, self.last_departure)
        self.last_departure = max(self.last_departure, departure)
        self.delaying += 1
        self.events.push(departure, DELIVER, self, pkt)

    def deliver(self, t, pkt):
        self.delaying -= 1
        try:
            os.write(self.out_fd, pkt)
        except OSError:
            # e.g. the device is down, or a packet the kernel refuses
            self.c["write_errors"] += 1
            return
        late = time.monotonic() - t
        self.late_sum += late
        self.late_max = max(self.late_max, late)
        if late > 0.001:
            self.c["late_over_1ms"] += 1
        self.c["out_packets"] += 1
        self.c["out_bytes"] += len(pkt)

    def stats(self):
        s = dict(self.c)
        s["queued"] = len(self.fifo) + self.sending + self.delaying
        n = max(1, s["out_packets"])
        s["late_mean_ms"] = round(self.late_sum / n * 1000, 3)
        s["late_max_ms"] = round(self.late_max * 1000, 3)
        return s


class Events:
    """Due packets, earliest first; a sequence number keeps ties in order"""

    def __init__(self):
        self.heap = []
        self.seq = 0

    def push(self, t, kind, direction, pkt):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, direction, pkt))

    def run_due(self, now):
        heap = self.heap
        while heap and heap[0][0] <= now:
            t, _, kind, direction, pkt = heapq.heappop(heap)
            if kind == TX:
                direction.tx_done(t, pkt)
            else:
                direction.deliver(t, pkt)

    def timeout(self):
        if not self.heap:
            return None
        return max(0.0, self.heap[0][0] - time.monotonic())


class Quit(Exception):
    pass


def open_tun(ns, dev):
    """Creates TUN device `dev` inside `ns` and returns its fd. The device is
    not persistent: it goes away when the fd is closed, even on a crash."""
    with in_netns(ns):
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", dev.encode(), IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL))
        except OSError as e:
            os.close(fd)
            if e.errno == errno.EBUSY:
                raise OSError(e.errno, "%s already has a device %s (another linkemu? see --dev)" % (ns, dev)) from None
            raise
    return fd


def run_ip(*args):
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise OSError("ip %s: %s" % (" ".join(args), r.stderr.strip()))


class Emulator:
    def __init__(self, opts):
        self.opts = opts
        self.fds = []
        for ns, local, peer in ((opts.ns_a, opts.addr_a, opts.addr_b), (opts.ns_b, opts.addr_b, opts.addr_a)):
            self.fds.append(open_tun(ns, opts.dev))
            run_ip("-n", ns, "addr", "add", local, "peer", peer, "dev", opts.dev)
            run_ip("-n", ns, "link", "set", opts.dev, "up")
        self.events = Events()

        def rng(name):
            return random.Random("%s/%s" % (opts.seed, name)) if opts.seed is not None else random.Random()
        fd_a, fd_b = self.fds
        self.dirs = {"a2b": Direction("a2b", fd_b, rng("a2b"), self.events),
                     "b2a": Direction("b2a", fd_a, rng("b2a"), self.events)}
        self.dirs["a2b"].p.update(opts.a2b)
        self.dirs["b2a"].p.update(opts.b2a)
        self.source = {fd_a: self.dirs["a2b"], fd_b: self.dirs["b2a"]}
        self.stdin_buf = b""

    def close(self):
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def reply(self, obj):
        sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    def command(self, line):
        words = line.split(None, 2)
        if not words:
            return
        if words[0] == "quit":
            raise Quit()
        if words[0] == "stats":
            return self.reply({name: d.stats() for name, d in self.dirs.items()})
        if words[0] == "get":
            return self.reply({name: d.p for name, d in self.dirs.items()})
        if words[0] == "set" and len(words) >= 2 and words[1] in DIRECTIONS + ("both",):
            try:
                params = parse_params(words[2] if len(words) > 2 else "")
            except ValueError as e:
                return self.reply({"ok": False, "error": str(e)})
            for name in (DIRECTIONS if words[1] == "both" else (words[1],)):
                self.dirs[name].p.update(params)
            return self.reply({"ok": True})
        self.reply({"ok": False, "error": "commands: set a2b|b2a|both k=v..., get, stats, quit"})

    def read_stdin(self):
        data = os.read(0, 65536)
        if not data:
            raise Quit()
        self.stdin_buf += data
        *lines, self.stdin_buf = self.stdin_buf.split(b"\n")
        for line in lines:
            self.command(line.decode(errors="replace"))

    def read_tun(self, fd):
        direction = self.source[fd]
        # a bounded batch, so that one busy direction cannot starve the
        # other or hold up due departures
        for _ in range(64):
            try:
                pkt = os.read(fd, 65536)
            except BlockingIOError:
                return
            direction.arrive(pkt, time.monotonic())

    def run(self, realtime):
        self.reply({"ready": True, "a": self.opts.addr_a, "b": self.opts.addr_b, "dev": self.opts.dev,
                    "ns_a": self.opts.ns_a, "ns_b": self.opts.ns_b, "realtime": realtime})
        watched = self.fds + [0]
        while True:
            self.events.run_due(time.monotonic())
            readable, _, _ = select.select(watched, [], [], self.events.timeout())
            for fd in readable:
                if fd == 0:
                    self.read_stdin()
                else:
                    self.read_tun(fd)


def realtime(priority):
    """Real-time scheduling once setup is done (`ip` would inherit it).
    Returns whether it took: without CAP_SYS_NICE or an RT budget it does not."""
    if priority <= 0:
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
        return True
    except OSError:
        return False


def _params_arg(text):
    try:
        return parse_params(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="linkemu.py", description=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter, usage="%(prog)s [options] NS_A NS_B")
    parser.add_argument("ns_a", metavar="NS_A", help="namespace of side A (a name under /run/netns)")
    parser.add_argument("ns_b", metavar="NS_B", help="namespace of side B")
    parser.add_argument("--a2b", default="", metavar="PARAMS", type=_params_arg, help="initial A->B impairment")
    parser.add_argument("--b2a", default="", metavar="PARAMS", type=_params_arg, help="initial B->A impairment")
    parser.add_argument("--addr-a", default="10.99.0.1", help="A's address (default 10.99.0.1)")
    parser.add_argument("--addr-b", default="10.99.0.2", help="B's address (default 10.99.0.2)")
    parser.add_argument("--dev", default="duetemu", help="TUN device name in both namespaces (default duetemu)")
    parser.add_argument("--seed", help="seed for loss and jitter: reproducible runs")
    parser.add_argument("--rt-priority", type=int, default=10, metavar="N",
                        help="SCHED_FIFO priority (default 10), so that the programs under test cannot "
                             "delay packets by taking the CPU; 0 = normal scheduling")
    opts = parser.parse_args(argv)

    # microsecond wake-ups instead of the default 50 us timer slack
    _libc.prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)

    def stop(*_):
        raise Quit()
    emu = None
    try:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        emu = Emulator(opts)
        emu.run(realtime(opts.rt_priority))
    except Quit:
        pass
    except BrokenPipeError:
        pass  # whoever drove us is gone
    except OSError as e:
        print("linkemu: %s" % e, file=sys.stderr)
        return 1
    finally:
        if emu:
            emu.close()
    return 0


# --- the Python API -------------------------------------------------------------

class LinkEmu:
    """Runs linkemu as a subprocess between two existing namespaces and drives
    it over stdin; no threads needed. `a2b`/`b2a` are initial parameters (a
    dict or a "k=v,k=v" string). A context manager; close() removes the link.

        with LinkEmu("ns-a", "ns-b", a2b={"delay": 50}, seed=1) as emu:
            emu.set("both", loss=5, rate=500)
            print(emu.stats()["a2b"]["lost"])

    Raises RuntimeError if the link cannot be made or a reply does not come
    within `timeout` seconds, ValueError if the emulator refuses a command."""

    def __init__(self, ns_a, ns_b, a2b=None, b2a=None, addr_a="10.99.0.1", addr_b="10.99.0.2",
                 seed=None, dev="duetemu", rt_priority=10, timeout=10.0):
        args = [sys.executable, os.path.abspath(__file__), ns_a, ns_b,
                "--addr-a", addr_a, "--addr-b", addr_b, "--dev", dev, "--rt-priority", str(rt_priority)]
        for name, params in (("--a2b", a2b), ("--b2a", b2a)):
            if params:
                args += [name, params if isinstance(params, str) else format_params(params)]
        if seed is not None:
            args += ["--seed", str(seed)]
        self.timeout = timeout
        self._buf = b""
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            ready = self._read()
        except RuntimeError:
            self.close()
            raise
        self.a, self.b, self.realtime = ready["a"], ready["b"], ready.get("realtime", False)

    def _read(self):
        deadline = time.monotonic() + self.timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise RuntimeError("linkemu: no reply within %.0f s" % self.timeout)
            data = os.read(fd, 65536)
            if not data:
                raise RuntimeError("linkemu exited (status %s)" % self.proc.wait())
            self._buf += data
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, line):
        """Sends one protocol line and returns the decoded reply"""
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise RuntimeError("linkemu exited (status %s)" % self.proc.wait()) from None
        return self._read()

    def set(self, direction, **params):
        """set("a2b"|"b2a"|"both", rate=500, loss=5, ...): applies at once"""
        reply = self.command("set %s %s" % (direction, format_params(params)))
        if not reply.get("ok"):
            raise ValueError(reply.get("error"))

    def stats(self):
        return self.command("stats")

    def params(self):
        return self.command("get")

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except BrokenPipeError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


if __name__ == "__main__":
    sys.exit(main())
