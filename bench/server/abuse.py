#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Abuse measurements for duet-server (issue 18): what each attack costs the server.

Usage: bench/server/abuse.py SERVER_BINARY [--new | --old] [--json]
                             [--json-out FILE] [--duet-call PATH]
                             [--only 1,3,...] [--keep]

Runs nine scenarios against SERVER_BINARY (a built duet-server) and prints one
line per measurement (or, with --json, one JSON document). Whether the binary
has the issue-18 options (--max-pending, --calls-per-minute, --max-hashing, …)
is found out from `serve --help`; --new / --old override that. The new options
are passed only to a binary that has them.

Every scenario starts its own server on a fresh temporary database, bound to
127.0.0.1 (never anything else); a second client address, where one is needed,
is 127.0.0.2 (also loopback). Every loop is bounded in count and in time, and
every server is stopped at the end of its scenario.

  1 keepalive  2,000 GET /healthz, each on a new keep-alive connection that the
               client closes after the answer: server fds and CLOSE-WAIT
               sockets before and 3 s after.
  2 duet-call  10 duet-call runs, each signed in ("server-connected") and then
               stopped by SIGINT: fds and CLOSE-WAIT before and after.
  3 flood      alice sends make_call(bob)+end_call pairs for 10 s, reconnecting
               with the same token every 45 requests, bob offline; then bob
               signs in while carol pings every 10 ms.
 3b flood-nocap  (new server only) the same with the call budget lifted and
               alice paced under the message budget: --missed-calls-max is
               then what bounds bob's sign-in.
  4 big-table  300,000 ended calls between 1,000 other accounts, written
               straight into the database; a bystander's sign-in and history
               round trip (median of 20), against the same on an empty table.
  5 slots      --max-connections 300; 127.0.0.2 opens token-less WebSocket
               upgrades that never send anything, for 10 s; meanwhile a real
               user on 127.0.0.1 tries to sign in 40 times.
  6 revoked    a raw bob client that ignores close frames keeps sending
               make_call(carol) after its session was replaced, after
               `user passwd bob` and after `user remove bob`.
  7 readded    `user remove bob` + `user add bob`: does the new bob inherit the
               old one's missed call and history?
  8 hashing    29 concurrent POST /v1/token for unknown users: peak RSS
               (new server: --max-hashing 2, and --max-pending-per-address 64
               so that the accept-time bound of 16 does not hide it).
  9 idle       an HTTP connection that sends nothing and one that sends half a
               request line: are they still open after 15 s?

Python 3 standard library only; the WebSocket client below is minimal
(handshake, masked client frames, text/close/ping frames).
"""
import argparse
import base64
import hashlib
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"            # the server: loopback only
ATTACKER_ADDR = "127.0.0.2"   # a second client address, still loopback
PASSWORD = "correct horse battery staple"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def now():
    return time.monotonic()


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

class Report:
    """Collects (scenario, name, value) lines; prints them as they come."""

    def __init__(self, quiet):
        self.rows = []
        self.quiet = quiet

    def add(self, scenario, name, value):
        self.rows.append({"scenario": scenario, "name": name, "value": value})
        if not self.quiet:
            if isinstance(value, float):
                text = f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
            else:
                text = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
            print(f"{scenario:<10} {name:<60} {text}", flush=True)


# ---------------------------------------------------------------------------
# The server process and what /proc tells about it
# ---------------------------------------------------------------------------

TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
              "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
              "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}


def tcp_states(port):
    """Count the TCP sockets whose LOCAL port is `port`, by state name."""
    counts = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)  # header line
                for line in f:
                    fields = line.split()
                    local_port = int(fields[1].rsplit(":", 1)[1], 16)
                    if local_port == port:
                        state = TCP_STATES.get(fields[3], fields[3])
                        counts[state] = counts.get(state, 0) + 1
        except FileNotFoundError:
            pass
    return counts


class Server:
    """One `duet-server serve` on a given database; a context manager that
    always stops (and if need be kills) the process."""

    def __init__(self, ctx, db, extra=()):
        self.ctx = ctx
        self.argv = [ctx.binary, "serve", "--db", db, "--port", "0", "--listen", HOST, *extra]
        self.log_path = db + ".server.log"
        self.log = open(self.log_path, "ab")
        t0 = now()
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        line = b""
        deadline = t0 + 60
        while not line.endswith(b"\n") and now() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], deadline - now())
            if not ready:
                break
            chunk = os.read(self.proc.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
        m = re.search(rb"listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"server did not start: {line!r}; see {self.log_path}")
        self.port = int(m.group(1))
        self.startup_s = now() - t0
        # drain anything else it prints so that it never blocks on stdout
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        try:
            while os.read(self.proc.stdout.fileno(), 4096):
                pass
        except OSError:
            pass

    def fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def close_wait(self):
        return tcp_states(self.port).get("CLOSE_WAIT", 0)

    def status(self, key):
        """A kB value from /proc/PID/status (VmHWM, VmRSS), in MiB."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
        return None

    def fd_limit(self):
        with open(f"/proc/{self.pid}/limits") as f:
            for line in f:
                if line.startswith("Max open files"):
                    return int(line.split()[3])
        return None

    def metrics(self):
        """GET /metrics as {name-with-labels: float}."""
        status, _, body = http_request(self.port, "GET", "/metrics")
        out = {}
        if status == 200:
            for line in body.decode(errors="replace").splitlines():
                if line and not line.startswith("#"):
                    name, _, value = line.rpartition(" ")
                    try:
                        out[name] = float(value)
                    except ValueError:
                        pass
        return out

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM (SIGKILL after 10 s); a server that had died already, or
        did not exit with 0, is reported."""
        how = None
        if self.proc.poll() is not None:
            how = f"had exited on its own with {self.proc.returncode}"
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
                if self.proc.returncode != 0:
                    how = f"exited with {self.proc.returncode} after SIGTERM"
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                how = "did not exit within 10 s of SIGTERM: killed"
        if not self.log.closed:
            self.log.close()
            if how is not None:
                self.ctx.report.add("server", "ABNORMAL EXIT", f"{how} (log: {self.log_path})")
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def cli(ctx, *args, stdin=None, check=True):
    """Run `duet-server ARGS…` (user add/remove/passwd, token); return stdout."""
    r = subprocess.run([ctx.binary, *args], input=stdin, capture_output=True, timeout=120)
    if check and r.returncode != 0:
        raise RuntimeError(f"duet-server {' '.join(args)}: {r.stderr.decode(errors='replace')}")
    return r.stdout.decode().strip()


def add_user(ctx, db, user, kdf="min"):
    cli(ctx, "user", "add", "--db", db, "--user", user, "--password-stdin", "--kdf-cost", kdf,
        stdin=(PASSWORD + "\n").encode())


def token_for(ctx, db, user):
    return cli(ctx, "token", "--db", db, "--user", user)


def db_query(db, sql, args=()):
    """Read-only query on the server's database (the server may be running)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def db_size(db):
    """Size of the database file plus its -wal, in bytes."""
    total = 0
    for path in (db, db + "-wal"):
        try:
            total += os.path.getsize(path)
        except FileNotFoundError:
            pass
    return total


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

def new_socket(src=None, timeout=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if src is not None and src != HOST:
        s.bind((src, 0))
    s.settimeout(timeout)
    return s


def read_head(sock, deadline, buf=b""):
    """Read an HTTP response head. Returns (status, headers, rest-of-bytes)."""
    while b"\r\n\r\n" not in buf:
        remaining = deadline - now()
        if remaining <= 0:
            raise TimeoutError("no HTTP response head")
        ready, _, _ = select.select([sock], [], [], remaining)
        if not ready:
            continue
        data = sock.recv(65536)
        if not data:
            raise EOFError("connection closed before the response head")
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, rest


def read_body(sock, headers, rest, deadline):
    """Read a Content-Length body (or, without one, until EOF)."""
    length = headers.get("content-length")
    body = rest
    while (length is None or len(body) < int(length)) and now() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0.0, deadline - now()))
        if not ready:
            break
        data = sock.recv(65536)
        if not data:
            break
        body += data
    return body if length is None else body[:int(length)]


def http_request(port, method, path, body=None, headers=(), src=None, timeout=10.0):
    """One request on a fresh connection, closed afterwards.
    Returns (status, headers, body)."""
    deadline = now() + timeout
    sock = new_socket(src, timeout)
    try:
        sock.connect((HOST, port))
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
        data = body if body is not None else b""
        req = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{extra}"
               f"Content-Length: {len(data)}\r\n\r\n").encode() + data
        sock.sendall(req)
        status, hdrs, rest = read_head(sock, deadline)
        return status, hdrs, read_body(sock, hdrs, rest, deadline)
    finally:
        sock.close()


# ---------------------------------------------------------------------------
# A minimal WebSocket client (RFC 6455): handshake, masked frames out,
# unmasked frames in; text, close, ping and pong opcodes
# ---------------------------------------------------------------------------

class HandshakeError(Exception):
    def __init__(self, status):
        super().__init__(f"upgrade answered {status}")
        self.status = status


class WebSocket:
    def __init__(self, port, token=None, src=None, timeout=10.0, answer_pings=True):
        self.sock = new_socket(src, timeout)
        self.buf = bytearray()
        self.send_lock = threading.Lock()
        self.close_code = None
        self.answer_pings = answer_pings
        self.sock.connect((HOST, port))
        key = base64.b64encode(os.urandom(16)).decode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        req = (f"GET /v1/ws HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n{auth}\r\n")
        try:
            self.sock.sendall(req.encode())
            status, headers, rest = read_head(self.sock, now() + timeout)
        except BaseException:
            self.sock.close()
            raise
        if status != 101:
            self.sock.close()
            raise HandshakeError(status)
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            self.sock.close()
            raise RuntimeError("bad Sec-WebSocket-Accept")
        self.buf += rest

    # -- sending --
    def send_frame(self, opcode, payload):
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        # XOR the payload with the repeated mask, as one big integer
        keystream = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(n, "big")
        with self.send_lock:
            self.sock.sendall(head + mask + masked)

    def send_json(self, obj):
        self.send_frame(0x1, json.dumps(obj).encode())

    def close(self, code=1000):
        """Send a close frame (best effort) and drop the TCP connection."""
        try:
            self.send_frame(0x8, struct.pack("!H", code))
        except OSError:
            pass
        self.sock.close()

    # -- receiving --
    def _fill(self, n, deadline):
        """Make self.buf hold at least n bytes. False on timeout (nothing is
        consumed, so a later call goes on where this one stopped)."""
        while len(self.buf) < n:
            remaining = deadline - now()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([self.sock], [], [], remaining)
            if not ready:
                return False
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                raise EOFError()
            self.buf += data
        return True

    def recv_frame(self, timeout):
        """(fin, opcode, payload), or None on timeout. EOFError at EOF."""
        deadline = now() + timeout
        if not self._fill(2, deadline):
            return None
        b0, b1 = self.buf[0], self.buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            if not self._fill(4, deadline):
                return None
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            if not self._fill(10, deadline):
                return None
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        if b1 & 0x80:       # servers do not mask, but be tolerant
            off += 4
        if not self._fill(off + n, deadline):
            return None
        payload = bytes(self.buf[off:off + n])
        if b1 & 0x80:
            mask = self.buf[off - 4:off]
            payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        del self.buf[:off + n]
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_json(self, timeout):
        """The next message as a dict, or None on timeout. Close frames and
        EOF come back as {"type": "__close__", "code": …} / {"type": "__eof__"}."""
        deadline = now() + timeout
        parts = []
        while True:
            try:
                frame = self.recv_frame(max(0.0, deadline - now()))
            except EOFError:
                return {"type": "__eof__"}
            if frame is None:
                return None
            fin, opcode, payload = frame
            if opcode == 0x8:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                return {"type": "__close__", "code": self.close_code}
            if opcode == 0x9:
                if self.answer_pings:
                    try:
                        self.send_frame(0xA, payload)
                    except OSError:
                        pass
                continue
            if opcode == 0xA:
                continue
            parts.append(payload)    # text (0x1) or continuation (0x0)
            if fin:
                try:
                    return json.loads(b"".join(parts))
                except ValueError:
                    return {"type": "__bad_json__"}


def wait_type(ws, wanted, timeout):
    """Read until a message of type `wanted` (or close/EOF/timeout).
    Returns (message or None, list of the messages read before it)."""
    deadline = now() + timeout
    seen = []
    while now() < deadline:
        m = ws.recv_json(deadline - now())
        if m is None:
            break
        if m["type"] == wanted:
            return m, seen
        seen.append(m)
        if m["type"] in ("__eof__", "__close__"):
            break
    return None, seen


def request(ws, msg, timeout=5.0, events=None):
    """Send one request and read until its answer: a reply or an error with
    the same id, or an error with a null id (rate_limited: the answer to the
    one request in flight). Other messages go to `events`.
    Returns the answer, a __close__/__eof__ marker, or None on timeout."""
    ws.send_json(msg)
    deadline = now() + timeout
    while now() < deadline:
        m = ws.recv_json(deadline - now())
        if m is None:
            return None
        if m["type"] in ("reply", "error") and m.get("id") in (msg["id"], None):
            return m
        if m["type"] in ("__eof__", "__close__"):
            return m
        if events is not None:
            events.append(m)
    return None


def sign_in(port, token, src=None, timeout=5.0):
    """Upgrade with the token and wait for hello. Returns (ws, seconds)."""
    t0 = now()
    ws = WebSocket(port, token, src=src, timeout=timeout)
    hello, _ = wait_type(ws, "hello", timeout)
    if hello is None:
        ws.close()
        raise RuntimeError("no hello")
    return ws, now() - t0


class Collector(threading.Thread):
    """Reads a WebSocket on a thread; keeps (time, message) pairs and calls
    on_message(message) for each. Never answers close frames."""

    def __init__(self, ws, on_message=None, limit_s=120.0):
        super().__init__(daemon=True)
        self.ws = ws
        self.on_message = on_message
        self.msgs = []
        self.cond = threading.Condition()
        self.stopping = False
        self.limit = now() + limit_s
        self.start()

    def run(self):
        while not self.stopping and now() < self.limit:
            try:
                m = self.ws.recv_json(0.1)
            except OSError:
                m = {"type": "__eof__"}
            if m is None:
                continue
            with self.cond:
                self.msgs.append((now(), m))
                self.cond.notify_all()
            if self.on_message is not None:
                try:
                    self.on_message(m)
                except OSError:
                    pass
            if m["type"] == "__eof__":
                break

    def wait_for(self, pred, timeout):
        """First (time, message) with pred(message), waiting up to timeout."""
        deadline = now() + timeout
        with self.cond:
            while True:
                for t, m in self.msgs:
                    if pred(m):
                        return t, m
                remaining = deadline - now()
                if remaining <= 0:
                    return None
                self.cond.wait(remaining)

    def of_type(self, kind):
        with self.cond:
            return [(t, m) for t, m in self.msgs if m["type"] == kind]

    def stop(self):
        self.stopping = True
        self.join(timeout=2)


# ---------------------------------------------------------------------------
# Scenario set-up
# ---------------------------------------------------------------------------

class Context:
    def __init__(self, binary, is_new, duet_call, tmp, report):
        self.binary = binary
        self.is_new = is_new
        self.duet_call = duet_call
        self.tmp = tmp
        self.report = report
        self.n = 0

    def fresh_db(self, name):
        self.n += 1
        d = os.path.join(self.tmp, f"{self.n:02d}-{name}")
        os.makedirs(d)
        return os.path.join(d, "duet.db")

    def new_only(self, *args):
        """Options only the new server knows."""
        return list(args) if self.is_new else []


# ---------------------------------------------------------------------------
# 1. keepalive: HTTP keep-alive connections closed by the client
# ---------------------------------------------------------------------------

def scenario_keepalive(ctx, requests=2000, time_limit=120.0):
    rep = lambda k, v: ctx.report.add("keepalive", k, v)
    db = ctx.fresh_db("keepalive")
    add_user(ctx, db, "alice")
    with Server(ctx, db) as srv:
        fds0, cw0 = srv.fds(), srv.close_wait()
        statuses = {}
        server_closed_first = 0
        conn_close = 0           # answers saying "Connection: close"
        deadline = now() + time_limit
        done = 0
        while done < requests and now() < deadline:
            sock = new_socket(timeout=5)
            try:
                sock.connect((HOST, srv.port))
                # HTTP/1.1: keep-alive unless someone says otherwise
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{srv.port}\r\n\r\n".encode())
                t_end = now() + 5
                status, hdrs, rest = read_head(sock, t_end)
                read_body(sock, hdrs, rest, t_end)
                statuses[status] = statuses.get(status, 0) + 1
                conn_close += hdrs.get("connection", "").lower() == "close"
                # did the server close its side right after the answer?
                ready, _, _ = select.select([sock], [], [], 0.0)
                if ready and sock.recv(1, socket.MSG_PEEK) == b"":
                    server_closed_first += 1
            except (OSError, EOFError, TimeoutError, ValueError) as e:
                statuses[type(e).__name__] = statuses.get(type(e).__name__, 0) + 1
            finally:
                sock.close()
            done += 1
        time.sleep(3)
        rep("requests sent", done)
        rep("answers by status", statuses)
        rep("answers with Connection: close", conn_close)
        rep("server had closed first (seen at once)", server_closed_first)
        rep("server fds before", fds0)
        rep("server fds 3 s after", srv.fds())
        rep("CLOSE-WAIT sockets before", cw0)
        rep("CLOSE-WAIT sockets 3 s after", srv.close_wait())


# ---------------------------------------------------------------------------
# 2. duet-call stopped by SIGINT after signing in
# ---------------------------------------------------------------------------

def run_duet_call_once(ctx, port, timeout=20.0):
    """Start duet-call listen, wait for server-connected, SIGINT it.
    Returns (signed_in, exit_code)."""
    argv = [ctx.duet_call, "--server", f"http://{HOST}:{port}", "--user", "alice",
            "--password-stdin", "--test-sources", "listen"]
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    signed_in = threading.Event()

    def read():
        for raw in p.stdout:
            try:
                if json.loads(raw).get("event") == "server-connected":
                    signed_in.set()
            except ValueError:
                pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        p.stdin.write((PASSWORD + "\n").encode())
        p.stdin.flush()
        ok = signed_in.wait(timeout)
        p.send_signal(signal.SIGINT)
        try:
            code = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            code = p.wait(timeout=10)
        return ok, code
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        reader.join(timeout=2)


def scenario_duet_call(ctx, runs=10):
    rep = lambda k, v: ctx.report.add("duet-call", k, v)
    if not ctx.duet_call or not os.access(ctx.duet_call, os.X_OK):
        rep("skipped", f"no duet-call at {ctx.duet_call}")
        return
    db = ctx.fresh_db("duet-call")
    add_user(ctx, db, "alice")
    with Server(ctx, db) as srv:
        fds0, cw0 = srv.fds(), srv.close_wait()
        signed, codes = 0, {}
        for _ in range(runs):
            ok, code = run_duet_call_once(ctx, srv.port)
            signed += ok
            codes[str(code)] = codes.get(str(code), 0) + 1
        time.sleep(3)
        rep("runs signed in (server-connected)", f"{signed}/{runs}")
        rep("duet-call exit codes", codes)
        rep("server fds before", fds0)
        rep("server fds 3 s after", srv.fds())
        rep("CLOSE-WAIT sockets before", cw0)
        rep("CLOSE-WAIT sockets 3 s after", srv.close_wait())


# ---------------------------------------------------------------------------
# 3. flood of make_call + end_call at an offline callee
# ---------------------------------------------------------------------------

class Pinger(threading.Thread):
    """Carol: a ping every `period` s, each waiting for its answer; keeps
    (sent, round-trip, answer kind)."""

    def __init__(self, ws, period=0.01, limit_s=90.0):
        super().__init__(daemon=True)
        self.ws = ws
        self.period = period
        self.samples = []
        self.stopping = False
        self.limit = now() + limit_s
        self.start()

    def run(self):
        i = 0
        while not self.stopping and now() < self.limit:
            i += 1
            t0 = now()
            try:
                ans = request(self.ws, {"type": "ping", "id": f"p{i}"}, timeout=30)
            except OSError:
                ans = {"type": "__eof__"}
            rtt = now() - t0
            kind = "timeout" if ans is None else (ans.get("code") or ans["type"])
            self.samples.append((t0, rtt, kind))
            if kind in ("__eof__", "__close__"):
                break
            time.sleep(self.period)

    def stop(self):
        self.stopping = True
        self.join(timeout=35)


def flood_attack(port, token, seconds, per_connection=45, pair_interval=0.0,
                 end_retries=0, max_reconnects=5000):
    """alice: make_call(bob)+end_call pairs for `seconds`, a new connection
    (same token) every `per_connection` requests. pair_interval 0 means as
    fast as possible; end_retries: how often an end_call refused with
    rate_limited is tried again (50 ms apart). Returns a stats dict."""
    st = {"accepted": 0, "refused": {}, "connections": 0, "end_call refused": 0}
    refused = st["refused"]
    reqs = 0
    deadline = now() + seconds
    while now() < deadline and st["connections"] < max_reconnects:
        try:
            ws, _ = sign_in(port, token)
        except (OSError, RuntimeError, EOFError) as e:
            key = "sign-in:" + type(e).__name__
            refused[key] = refused.get(key, 0) + 1
            time.sleep(0.01)
            continue
        st["connections"] += 1
        n = 0
        try:
            while n < per_connection and now() < deadline:
                t_pair = now()
                reqs += 1
                n += 1
                ans = request(ws, {"type": "make_call", "id": f"m{reqs}", "peer_user": "bob",
                                   "media_type": "audio"})
                if ans is not None and ans["type"] == "reply" and "call_id" in ans:
                    st["accepted"] += 1
                    for attempt in range(1 + end_retries):
                        reqs += 1
                        n += 1
                        end = request(ws, {"type": "end_call", "id": f"e{reqs}",
                                           "call_id": ans["call_id"]})
                        if end is None or end.get("code") != "rate_limited":
                            break
                        if attempt < end_retries:
                            time.sleep(0.05)
                    if end is None or end["type"] != "reply":
                        st["end_call refused"] += 1
                else:
                    kind = "timeout" if ans is None else (
                        ans.get("start_fail_reason") or ans.get("code") or ans["type"])
                    refused[kind] = refused.get(kind, 0) + 1
                    if ans is None or ans["type"] in ("__eof__", "__close__"):
                        break
                if pair_interval > 0:
                    time.sleep(max(0.0, t_pair + pair_interval - now()))
        except OSError as e:
            key = "socket:" + type(e).__name__
            refused[key] = refused.get(key, 0) + 1
        ws.close()
    return st


def bob_signs_in(rep, srv, bob, carol):
    """bob signs in while carol pings every 10 ms; report his sign-in time,
    what he receives and carol's worst ping round trip meanwhile."""
    cws, _ = sign_in(srv.port, carol)
    pinger = Pinger(cws, period=0.01)
    time.sleep(0.3)
    t_up = now()
    missed, other, t_last, hello = 0, 0, None, None
    try:
        bws = WebSocket(srv.port, bob, timeout=30)
        hello, _ = wait_type(bws, "hello", 60)
        t_hello = now()
        # everything queued for him follows hello; stop after 1 s of
        # quiet (not longer: carol's pings have a 50/s budget, burst 100)
        limit = now() + 90
        while now() < limit:
            m = bws.recv_json(1.0)
            if m is None or m["type"] in ("__eof__", "__close__"):
                break
            t_last = now()
            if m["type"] == "missed_call":
                missed += 1
            else:
                other += 1
        bws.close()
    finally:
        t_end = t_last if t_last is not None else now()
        time.sleep(0.2)
        pinger.stop()
        cws.close()
    rep("bob: upgrade -> hello (ms)", None if hello is None else round((t_hello - t_up) * 1000, 1))
    rep("bob: missed_call events received", missed)
    rep("bob: other events received", other)
    rep("bob: upgrade -> last event (ms)", round((t_end - t_up) * 1000, 1))
    # pings that overlap [0.2 s before bob's upgrade, 0.2 s after his last
    # event]; the margin keeps the window non-empty when his sign-in is much
    # shorter than the ping period
    window = [(t0, rtt, kind) for t0, rtt, kind in pinger.samples
              if t0 <= t_end + 0.2 and t0 + rtt >= t_up - 0.2]
    rep("carol: pings overlapping bob's sign-in (+-0.2 s)", len(window))
    rep("carol: worst ping round trip then (ms)",
        round(max(r for _, r, _ in window) * 1000, 1) if window else None)
    rep("carol: median ping round trip overall (ms)",
        round(statistics.median(r for _, r, _ in pinger.samples) * 1000, 2) if pinger.samples else None)
    kinds = {}
    for _, _, k in pinger.samples:
        kinds[k] = kinds.get(k, 0) + 1
    rep("carol: ping answers by kind", kinds)


def flood_scenario(ctx, label, server_args, seconds, **attack):
    rep = lambda k, v: ctx.report.add(label, k, v)
    db = ctx.fresh_db(label)
    for u in ("alice", "bob", "carol"):
        add_user(ctx, db, u)
    alice, bob, carol = (token_for(ctx, db, u) for u in ("alice", "bob", "carol"))
    with Server(ctx, db, server_args) as srv:
        st = flood_attack(srv.port, alice, seconds, **attack)
        rep("seconds of flood", seconds)
        rep("connections used by alice", st["connections"])
        rep("make_call accepted", st["accepted"])
        rep("make_call refused, by reason", st["refused"])
        rep("end_call not answered with a reply", st["end_call refused"])
        time.sleep(0.5)  # let the last writes land
        rows = db_query(db, "SELECT COUNT(*), COALESCE(SUM(callee_pending), 0) FROM calls"
                            " WHERE callee_user = 'bob'")[0]
        rep("calls rows with callee bob", rows[0])
        rep("of them pending for bob (callee_pending=1)", rows[1])
        rep("DB size incl. -wal (KiB)", db_size(db) // 1024)
        bob_signs_in(rep, srv, bob, carol)
        time.sleep(0.3)
        rows = db_query(db, "SELECT COALESCE(SUM(callee_pending), 0) FROM calls WHERE callee_user = 'bob'")
        rep("after his sign-in: rows still pending for bob", rows[0][0])
        # a second sign-in must find nothing more waiting
        bws, _ = sign_in(srv.port, bob)
        again, limit = 0, now() + 30
        while now() < limit:
            m = bws.recv_json(1.0)
            if m is None or m["type"] in ("__eof__", "__close__"):
                break
            again += m["type"] == "missed_call"
        bws.close()
        rep("bob signs in again: missed_call events", again)


def scenario_flood(ctx):
    """As fast as possible; the new server gets its default call budget
    spelled out (--calls-per-minute 20)."""
    flood_scenario(ctx, "flood", ctx.new_only("--calls-per-minute", "20"), 10.0)


def scenario_flood_nocap(ctx):
    """New server only: the call budget lifted, alice paced under the message
    budget (20 pairs/s, end_call retried), so that many missed calls pile up
    and --missed-calls-max (default 100) is what bounds bob's sign-in."""
    if not ctx.is_new:
        ctx.report.add("flood-nocap", "skipped", "needs --calls-per-minute (new server)")
        return
    flood_scenario(ctx, "flood-nocap", ["--calls-per-minute", "100000"], 10.0,
                   pair_interval=0.05, end_retries=5)


# ---------------------------------------------------------------------------
# 4. sign-in and history cost with 300,000 calls of other accounts
# ---------------------------------------------------------------------------

def prefill(db, template_user, n_users=1000, n_calls=300000, seed=18):
    """Write n_users accounts (the template's password hash) and n_calls ended
    calls between them straight into the database; the server is stopped.
    1,000 accounts keep each one under 1,000 calls and all calls are under
    30 days old, so the new server's default pruning (1,000 per account,
    90 days) leaves the table whole."""
    rng = random.Random(seed)
    con = sqlite3.connect(db, timeout=30)
    try:
        pwhash = con.execute("SELECT pwhash FROM users WHERE user = ?", (template_user,)).fetchone()[0]
        now_ms = int(time.time() * 1000)
        names = [f"bulk{i:04d}" for i in range(n_users)]
        con.executemany("INSERT INTO users (service, user, pwhash, token_version, created_at)"
                        " VALUES ('duet', ?, ?, 0, ?)", [(n, pwhash, now_ms) for n in names])
        user_cols = [r[1] for r in con.execute("PRAGMA table_info(users)")]
        call_cols = [r[1] for r in con.execute("PRAGMA table_info(calls)")]
        ids = dict(con.execute("SELECT user, id FROM users")) if "id" in user_cols else None
        with_ids = ids is not None and "caller_id" in call_cols
        cols = ["call_id", "caller_user", "caller_service", "callee_user", "callee_service",
                "media_type", "state", "invited_at", "verified_at", "answered_at", "ended_at",
                "reason", "source", "cc_param", "caller_pending", "callee_pending"]
        if with_ids:
            cols += ["caller_id", "callee_id"]

        def rows():
            for _ in range(n_calls):
                a = rng.randrange(n_users)
                b = (a + 1 + rng.randrange(n_users - 1)) % n_users
                invited = now_ms - rng.randrange(30 * 86400 * 1000)
                h = rng.getrandbits(128).to_bytes(16, "big").hex()
                call_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
                row = [call_id, names[a], "duet", names[b], "duet", "audio", "ended",
                       invited, invited + 2000, invited + 3000, invited + 63000,
                       "NORMAL", "CALLER", None, 0, 0]
                if with_ids:
                    row += [ids[names[a]], ids[names[b]]]
                yield row

        # (one transaction: the sqlite3 module opened it at the first INSERT)
        con.executemany(f"INSERT INTO calls ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        rows())
        con.commit()
        return with_ids
    finally:
        con.close()


def signin_and_history(port, token, runs=20):
    """runs × (upgrade -> hello; then a ping; then history(limit 50)).
    The ping matters: a server may send hello first and only then look for
    pending notices, so "upgrade -> first answer" is the sign-in's real cost.
    Returns three lists of seconds."""
    hellos, firsts, histories = [], [], []
    for i in range(runs):
        t0 = now()
        ws, t = sign_in(port, token, timeout=30)
        hellos.append(t)
        ans = request(ws, {"type": "ping", "id": f"p{i}"}, timeout=30)
        if ans is not None and ans["type"] == "reply":
            firsts.append(now() - t0)
        t1 = now()
        ans = request(ws, {"type": "history", "id": f"h{i}", "limit": 50}, timeout=30)
        if ans is not None and ans["type"] == "reply":
            histories.append(now() - t1)
        ws.close()
        time.sleep(0.05)   # let the server drop the old session first
    return hellos, firsts, histories


def scenario_big_table(ctx, n_calls=300000, n_users=1000, runs=20):
    rep = lambda k, v: ctx.report.add("big-table", k, v)
    db = ctx.fresh_db("big-table")
    add_user(ctx, db, "dave")      # the bystander, who has no calls at all
    dave = token_for(ctx, db, "dave")
    ms = lambda xs: round(statistics.median(xs) * 1000, 2) if xs else None
    mx = lambda xs: round(max(xs) * 1000, 2) if xs else None

    # the same measurement on an (almost) empty table first
    with Server(ctx, db) as srv:
        s, f, h = signin_and_history(srv.port, dave, runs)
    rep("empty table: upgrade -> hello median (ms)", ms(s))
    rep("empty table: upgrade -> first ping answered median (ms)", ms(f))
    rep("empty table: history round trip median (ms)", ms(h))

    t0 = now()
    with_ids = prefill(db, "dave", n_users=n_users, n_calls=n_calls)
    rep("prefill: calls written", n_calls)
    rep("prefill: accounts written", n_users)
    rep("prefill: caller_id/callee_id filled (new schema)", with_ids)
    rep("prefill: seconds", round(now() - t0, 1))
    rep("DB size incl. -wal (MiB)", round(db_size(db) / 2**20, 1))

    with Server(ctx, db) as srv:
        rep("server start with big table (s)", round(srv.startup_s, 2))
        s, f, h = signin_and_history(srv.port, dave, runs)
        rep(f"big table: upgrade -> hello median of {len(s)} (ms)", ms(s))
        rep(f"big table: upgrade -> first ping answered median of {len(f)} (ms)", ms(f))
        rep("big table: upgrade -> first ping answered worst (ms)", mx(f))
        rep(f"big table: history round trip median of {len(h)} (ms)", ms(h))
        rep("big table: history round trip worst (ms)", mx(h))
    rep("calls rows after the run", db_query(db, "SELECT COUNT(*) FROM calls")[0][0])


# ---------------------------------------------------------------------------
# 5. connection slots held by token-less upgrades from another address
# ---------------------------------------------------------------------------

class SlotAttacker(threading.Thread):
    """From 127.0.0.2: WebSocket upgrades without a token, as fast as
    possible, each then left silent and held open."""

    def __init__(self, port, seconds=10.0, max_attempts=300000, max_open=3000):
        super().__init__(daemon=True)
        self.port = port
        self.seconds = seconds
        self.max_attempts = max_attempts
        self.max_open = max_open
        self.held = {}           # socket -> when its upgrade was answered
        self.closed_after = []   # seconds from upgrade to the server's close
        self.stats = {"attempts": 0, "upgraded (101)": 0, "refused 503": 0,
                      "refused other status": 0, "refused EOF/reset": 0,
                      "no answer in 2 s": 0, "local errors": 0,
                      "held sockets closed by server": 0}
        self.start()

    def reap(self):
        """Close held sockets that the server has closed (EOF or close frame)."""
        if not self.held:
            return
        ready, _, _ = select.select(list(self.held), [], [], 0)
        for s in ready:
            self.closed_after.append(now() - self.held.pop(s))
            s.close()
            self.stats["held sockets closed by server"] += 1

    def run(self):
        t0 = now()
        deadline = t0 + self.seconds
        last_reap = now()
        try:
            self._run(deadline, last_reap)
        finally:
            self.stats["seconds"] = round(now() - t0, 1)

    def _run(self, deadline, last_reap):
        while now() < deadline and self.stats["attempts"] < self.max_attempts:
            if now() - last_reap > 0.2:
                self.reap()
                last_reap = now()
            if len(self.held) >= self.max_open:
                time.sleep(0.01)
                continue
            self.stats["attempts"] += 1
            try:
                s = new_socket(ATTACKER_ADDR, timeout=2)
            except OSError:
                self.stats["local errors"] += 1
                time.sleep(0.01)
                continue
            try:
                s.connect((HOST, self.port))
                key = base64.b64encode(os.urandom(16)).decode()
                s.sendall((f"GET /v1/ws HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
                status, _, _ = read_head(s, now() + 2)
                if status == 101:
                    self.stats["upgraded (101)"] += 1
                    self.held[s] = now()
                    continue
                self.stats["refused 503" if status == 503 else "refused other status"] += 1
            except TimeoutError:
                self.stats["no answer in 2 s"] += 1
            except (EOFError, ConnectionError):
                self.stats["refused EOF/reset"] += 1
            except OSError:
                self.stats["local errors"] += 1
            s.close()

    def release(self):
        self.reap()
        self.stats["held open at the end"] = len(self.held)
        if self.closed_after:
            self.stats["server closed them after (s, min-max)"] = (
                f"{min(self.closed_after):.1f}-{max(self.closed_after):.1f}")
        for s in self.held:
            s.close()
        self.held = {}


def scenario_slots(ctx, seconds=10.0, attempts=40):
    rep = lambda k, v: ctx.report.add("slots", k, v)
    db = ctx.fresh_db("slots")
    add_user(ctx, db, "alice")
    alice = token_for(ctx, db, "alice")
    with Server(ctx, db, ["--max-connections", "300"]) as srv:
        attacker = SlotAttacker(srv.port, seconds=seconds)
        time.sleep(0.5)          # let it take what it can first
        ok, failures = 0, {}
        t_user0 = now()
        t_stop = now() + 30      # hard bound on the user's attempts
        for i in range(attempts):
            if now() > t_stop:
                break
            t_next = now() + (seconds - 0.5) / attempts
            try:
                ws, _ = sign_in(srv.port, alice, timeout=2)
                ok += 1
                ws.close()
            except HandshakeError as e:
                failures[str(e.status)] = failures.get(str(e.status), 0) + 1
            except (OSError, RuntimeError, EOFError, TimeoutError) as e:
                failures[type(e).__name__] = failures.get(type(e).__name__, 0) + 1
            time.sleep(max(0.0, t_next - now()))
        t_user = now() - t_user0
        attacker.join(timeout=seconds + 10)
        rep("server fds at the end (attacker still holding)", srv.fds())
        rep("server fd limit (soft)", srv.fd_limit())
        rep("CLOSE-WAIT sockets at the end", srv.close_wait())
        rep(f"real user sign-ins that succeeded (of {attempts})", ok)
        rep("real user failures", failures)
        rep("real user: seconds for the attempts", round(t_user, 1))
        try:
            m = srv.metrics()
            rep("duet_connections at the end (attacker still holding)", m.get("duet_connections"))
            rep("duet_sockets_pending at the end (attacker still holding)", m.get("duet_sockets_pending"))
        except (OSError, EOFError) as e:
            rep("GET /metrics at the end (attacker still holding)", f"failed: {type(e).__name__}: {e}")
        attacker.release()
        rep("attacker", attacker.stats)


# ---------------------------------------------------------------------------
# 6. a session that was replaced or revoked keeps talking
# ---------------------------------------------------------------------------

class Callee:
    """Carol, signed in, counting incoming_call (and declining them while
    `decline` is set, so that bob is free to call again)."""

    def __init__(self, port, token):
        self.ws, _ = sign_in(port, token)
        self.decline = True
        self.n = 0
        self.col = Collector(self.ws, self.on_message)

    def on_message(self, m):
        if m["type"] == "incoming_call" and self.decline:
            self.n += 1
            self.ws.send_json({"type": "end_call", "id": f"d{self.n}", "call_id": m["call_id"]})

    def incoming_after(self, t):
        return [(tt, m) for tt, m in self.col.of_type("incoming_call") if tt > t]

    def wait_incoming_after(self, t, timeout):
        """The first (time, incoming_call) received after t, or None."""
        limit = now() + timeout
        while True:
            got = self.incoming_after(t)
            if got or now() >= limit:
                return got[0] if got else None
            time.sleep(0.02)

    def close(self):
        self.col.stop()
        self.ws.close()


def zombie_calls(ctx, label, zombie, carol, t_mark, seconds=3.0, period=0.05):
    """The raw client sends make_call(carol) every `period` s for `seconds`,
    starting now (right after the event: replacement, passwd, or for remove
    once the ringing-call check is done); report what reached carol after
    t_mark (now, give or take)."""
    rep = lambda k, v: ctx.report.add("revoked", f"{label}: {k}", v)
    sent, send_error = 0, None
    end = now() + seconds
    while now() < end and sent < 1000:
        sent += 1
        try:
            zombie.ws.send_json({"type": "make_call", "id": f"z{sent}", "peer_user": "carol",
                                 "media_type": "audio"})
        except OSError as e:
            send_error = type(e).__name__
            break
        time.sleep(period)
    time.sleep(0.5)   # stragglers
    got = carol.incoming_after(t_mark)
    replies = [m for t, m in zombie.msgs if t > t_mark and m["type"] == "reply" and "call_id" in m]
    errors = {}
    for t, m in zombie.msgs:
        if t > t_mark and m["type"] == "error":
            k = m.get("start_fail_reason") or m.get("code")
            errors[k] = errors.get(k, 0) + 1
    rep("make_call sent by the old session", sent)
    rep("its send failed with", send_error)
    rep("make_call replies with a call_id to it", len(replies))
    rep("errors to it", errors)
    rep("calls that reached carol", len(got))
    rep("last one to reach her, ms after sending began", round((got[-1][0] - t_mark) * 1000) if got else None)
    kinds = [m["type"] if m["type"] != "__close__" else f"close {m['code']}"
             for t, m in zombie.msgs if m["type"] not in ("reply", "error", "disconnected")]
    rep("what else the old session got", kinds[:6])


def control_call(ctx, label, zombie, carol):
    """One call before the event, to show the set-up works."""
    t0 = now()
    zombie.ws.send_json({"type": "make_call", "id": "c0", "peer_user": "carol", "media_type": "audio"})
    hit = carol.wait_incoming_after(t0, 3)
    ctx.report.add("revoked", f"{label}: control call before it reached carol", hit is not None)
    # carol declines it; wait until bob's side has heard, so bob is free
    zombie.wait_for(lambda m: m["type"] == "disconnected", 3)


def scenario_revoked(ctx):
    # -- session_replaced --
    db = ctx.fresh_db("replaced")
    for u in ("bob", "carol"):
        add_user(ctx, db, u)
    bob, carol_t = token_for(ctx, db, "bob"), token_for(ctx, db, "carol")
    with Server(ctx, db) as srv:
        carol = Callee(srv.port, carol_t)
        raw, _ = sign_in(srv.port, bob)
        zombie = Collector(raw)
        control_call(ctx, "replaced", zombie, carol)
        second, _ = sign_in(srv.port, bob)         # takes over
        t_mark = now()
        second_col = Collector(second)
        got = zombie.wait_for(lambda m: m["type"] == "session_replaced", 3)
        ctx.report.add("revoked", "replaced: old session got session_replaced", got is not None)
        zombie_calls(ctx, "replaced", zombie, carol, t_mark)
        for c in (zombie, second_col):
            c.stop()
        raw.close()
        second.close()
        carol.close()

    # -- user passwd, then user remove: committed by another process --
    for what in ("passwd", "remove"):
        db = ctx.fresh_db(what)
        for u in ("bob", "carol"):
            add_user(ctx, db, u)
        bob, carol_t = token_for(ctx, db, "bob"), token_for(ctx, db, "carol")
        with Server(ctx, db) as srv:
            carol = Callee(srv.port, carol_t)
            raw, _ = sign_in(srv.port, bob)
            zombie = Collector(raw)
            control_call(ctx, what, zombie, carol)
            ringing = None
            if what == "remove":
                # a call ringing at carol when bob is removed: spec says it
                # ends at once (disconnected AUTH_ERROR within 1 s)
                carol.decline = False
                t0 = now()
                raw.send_json({"type": "make_call", "id": "c1", "peer_user": "carol", "media_type": "audio"})
                hit = carol.wait_incoming_after(t0, 3)
                ringing = hit[1]["call_id"] if hit else None
            if what == "passwd":
                cli(ctx, "user", "passwd", "--db", db, "--user", "bob", "--password-stdin",
                    "--kdf-cost", "min", stdin=b"another password\n")
            else:
                cli(ctx, "user", "remove", "--db", db, "--user", "bob")
            t_mark = now()
            if ringing is not None:
                d = carol.col.wait_for(lambda m: m["type"] == "disconnected" and m.get("call_id") == ringing, 5)
                ctx.report.add("revoked", "remove: call ringing at removal: carol's disconnected after (ms)",
                               round((d[0] - t_mark) * 1000) if d else "none in 5 s")
                ctx.report.add("revoked", "remove: its reason/source",
                               f"{d[1].get('reason')}/{d[1].get('source')}" if d else None)
                if d is None:    # end it by hand, so bob is free for what follows
                    carol.ws.send_json({"type": "end_call", "id": "x1", "call_id": ringing})
                    time.sleep(0.3)
                carol.decline = True
                t_mark = now()
            zombie_calls(ctx, what, zombie, carol, t_mark)
            if what == "remove":
                # one more call from the removed account, left ringing: is it ended?
                carol.decline = False
                t0 = now()
                try:
                    raw.send_json({"type": "make_call", "id": "z-last", "peer_user": "carol",
                                   "media_type": "audio"})
                except OSError:
                    pass
                late = carol.wait_incoming_after(t0, 2)
                if late is None:
                    ctx.report.add("revoked", "remove: call started after removal reached carol", False)
                else:
                    cid = late[1]["call_id"]
                    d = carol.col.wait_for(lambda m: m["type"] == "disconnected" and m.get("call_id") == cid, 5)
                    ctx.report.add("revoked", "remove: call started after removal reached carol", True)
                    ctx.report.add("revoked", "remove: carol got disconnected for it within 5 s",
                                   f"{d[1].get('reason')} after {round((d[0] - late[0]) * 1000)} ms" if d else False)
                time.sleep(0.2)
                ctx.report.add("revoked", "remove: duet_active_calls afterwards",
                               srv.metrics().get("duet_active_calls"))
            zombie.stop()
            raw.close()
            carol.close()


# ---------------------------------------------------------------------------
# 7. a removed and re-added account inherits nothing
# ---------------------------------------------------------------------------

def scenario_readded(ctx):
    rep = lambda k, v: ctx.report.add("readded", k, v)
    db = ctx.fresh_db("readded")
    for u in ("bob", "carol"):
        add_user(ctx, db, u)
    bob, carol_t = token_for(ctx, db, "bob"), token_for(ctx, db, "carol")
    with Server(ctx, db) as srv:
        cws, _ = sign_in(srv.port, carol_t)
        # call 1: bob is online and declines
        bws, _ = sign_in(srv.port, bob)
        ans = request(cws, {"type": "make_call", "id": "1", "peer_user": "bob", "media_type": "audio"})
        inc, _ = wait_type(bws, "incoming_call", 5)
        if inc is not None:
            request(bws, {"type": "end_call", "id": "2", "call_id": inc["call_id"]})
        bws.close()
        time.sleep(0.5)   # the server drops bob's session
        # call 2: bob is offline; carol cancels it -> a missed call for bob
        ans = request(cws, {"type": "make_call", "id": "3", "peer_user": "bob", "media_type": "audio"})
        if ans is not None and "call_id" in ans:
            request(cws, {"type": "end_call", "id": "4", "call_id": ans["call_id"]})
        time.sleep(0.3)
        rows = db_query(db, "SELECT COUNT(*), COALESCE(SUM(callee_pending), 0) FROM calls"
                            " WHERE callee_user = 'bob'")[0]
        rep("old bob: calls in the DB / pending missed", f"{rows[0]} / {rows[1]}")

        cli(ctx, "user", "remove", "--db", db, "--user", "bob")
        add_user(ctx, db, "bob")
        new_bob = token_for(ctx, db, "bob")
        bws, _ = sign_in(srv.port, new_bob)
        missed, limit = 0, now() + 10
        while now() < limit:
            m = bws.recv_json(1.5)
            if m is None or m["type"] in ("__eof__", "__close__"):
                break
            missed += m["type"] == "missed_call"
        hist = request(bws, {"type": "history", "id": "h", "limit": 200})
        rep("new bob: missed_call events at sign-in", missed)
        rep("new bob: history length",
            len(hist.get("calls", [])) if hist is not None and hist["type"] == "reply" else hist)
        bws.close()
        cws.close()


# ---------------------------------------------------------------------------
# 8. concurrent password checks
# ---------------------------------------------------------------------------

def scenario_hashing(ctx, n=29):
    rep = lambda k, v: ctx.report.add("hashing", k, v)
    db = ctx.fresh_db("hashing")
    add_user(ctx, db, "alice")
    # new server: --max-pending-per-address 64, so that its default of 16
    # connections being set up per address does not refuse 13 of the 29 at
    # accept and --max-hashing is the only bound measured
    extra = ["--login-rate-per-address", "1000"] + ctx.new_only(
        "--max-hashing", "2", "--max-pending-per-address", "64")
    with Server(ctx, db, extra) as srv:
        http_request(srv.port, "GET", "/healthz")
        hwm0 = srv.status("VmHWM")
        barrier = threading.Barrier(n)
        results = [None] * n

        def login(i):
            body = json.dumps({"user": f"ghost{i:02d}", "password": "wrong"}).encode()
            try:
                barrier.wait(timeout=10)
                t0 = now()
                st, hdrs, answer = http_request(srv.port, "POST", "/v1/token", body,
                                                [("Content-Type", "application/json")], timeout=120)
                try:
                    error = json.loads(answer).get("error")
                except ValueError:
                    error = None
                results[i] = (st, now() - t0, hdrs.get("retry-after"), error)
            except Exception as e:     # noqa: BLE001 — reported as a status
                results[i] = (type(e).__name__, None, None, None)

        threads = [threading.Thread(target=login, args=(i,), daemon=True) for i in range(n)]
        t0 = now()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=150)
        elapsed = now() - t0
        codes = {}
        for r in results:
            k = "no result" if r is None else f"{r[0]} {r[3]}" + (f" Retry-After {r[2]}" if r[2] else "")
            codes[k] = codes.get(k, 0) + 1
        rep("concurrent POST /v1/token (unknown users)", n)
        rep("answers (status, error, Retry-After)", codes)
        rep("all answered after (s)", round(elapsed, 2))
        rep("VmHWM before (MiB)", round(hwm0, 1))
        rep("VmHWM after (MiB)", round(srv.status("VmHWM"), 1))
        busy = srv.metrics().get("duet_password_checks_busy_total")
        if busy is not None:
            rep("duet_password_checks_busy_total", busy)


# ---------------------------------------------------------------------------
# 9. idle and half-sent HTTP requests
# ---------------------------------------------------------------------------

def probe_closed(sock):
    """None while open; otherwise what ended it ('EOF', 'reset', or the
    first bytes the server wrote)."""
    try:
        data = sock.recv(256, socket.MSG_DONTWAIT | socket.MSG_PEEK)
    except BlockingIOError:
        return None
    except ConnectionError:
        return "reset"
    if not data:
        return "EOF"
    # it answered something; consider it closed once EOF follows
    try:
        more = sock.recv(65536, socket.MSG_DONTWAIT)
        if more and sock.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b"":
            return "answered " + data.split(b"\r\n", 1)[0].decode(errors="replace") + ", then EOF"
    except BlockingIOError:
        pass
    except ConnectionError:
        return "answered, then reset"
    return None


def scenario_idle(ctx, wait=15.0):
    rep = lambda k, v: ctx.report.add("idle", k, v)
    db = ctx.fresh_db("idle")
    add_user(ctx, db, "alice")
    with Server(ctx, db) as srv:
        silent = new_socket()
        silent.connect((HOST, srv.port))
        half = new_socket()
        half.connect((HOST, srv.port))
        half.sendall(b"GET /heal")          # half a request line, nothing more
        silent.setblocking(False)           # probe_closed() must never wait
        half.setblocking(False)
        t0 = now()
        ended = {"silent": None, "half request line": None}
        socks = {"silent": silent, "half request line": half}
        while now() - t0 < wait and None in ended.values():
            for name, s in socks.items():
                if ended[name] is None:
                    how = probe_closed(s)
                    if how is not None:
                        ended[name] = (round(now() - t0, 1), how)
            time.sleep(0.1)
        for name in socks:
            e = ended[name]
            rep(f"{name}: after {wait:.0f} s", "still open" if e is None else f"closed at {e[0]} s ({e[1]})")
            socks[name].close()


# ---------------------------------------------------------------------------

SCENARIOS = [
    (1, "keepalive", scenario_keepalive),
    (2, "duet-call", scenario_duet_call),
    (3, "flood", scenario_flood),
    ("3b", "flood-nocap", scenario_flood_nocap),
    (4, "big-table", scenario_big_table),
    (5, "slots", scenario_slots),
    (6, "revoked", scenario_revoked),
    (7, "readded", scenario_readded),
    (8, "hashing", scenario_hashing),
    (9, "idle", scenario_idle),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", help="duet-server to measure")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--new", action="store_true", help="the binary has the issue-18 options")
    g.add_argument("--old", action="store_true", help="the binary has not")
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    ap.add_argument("--json-out", metavar="FILE", help="also write the JSON document to FILE")
    ap.add_argument("--duet-call", metavar="PATH", help="duet-call for scenario 2 "
                    "(default: ../cli/duet-call next to the server binary)")
    ap.add_argument("--only", metavar="N,N", help="run only these scenarios (numbers or names)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    binary = os.path.abspath(args.binary)
    if args.new or args.old:
        is_new = args.new
    else:
        help_text = subprocess.run([binary, "serve", "--help"], capture_output=True,
                                   timeout=30).stdout.decode()
        is_new = "--max-pending" in help_text
    duet_call = args.duet_call or os.path.join(os.path.dirname(os.path.dirname(binary)),
                                               "cli", "duet-call")

    # the slot attacker holds many sockets: raise this process's soft limit
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    report = Report(quiet=args.json)
    tmp = tempfile.mkdtemp(prefix="duet-abuse-")
    ctx = Context(binary, is_new, duet_call, tmp, report)
    report.add("setup", "binary", binary)
    report.add("setup", "issue-18 options", is_new)
    wanted = None if not args.only else set(args.only.split(","))
    t_all = now()
    try:
        for number, name, fn in SCENARIOS:
            if wanted and str(number) not in wanted and name not in wanted:
                continue
            t0 = now()
            try:
                fn(ctx)
            except Exception as e:   # noqa: BLE001 — one scenario failing must not stop the rest
                report.add(name, "ERROR", f"{type(e).__name__}: {e}")
            report.add(name, "scenario seconds", round(now() - t0, 1))
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report.add("setup", "total seconds", round(now() - t_all, 1))
    doc = {"binary": binary, "new_options": is_new, "results": report.rows}
    if args.json:
        print(json.dumps(doc, indent=1))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
