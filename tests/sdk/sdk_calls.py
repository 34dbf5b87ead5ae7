# SPDX-License-Identifier: GPL-3.0-or-later
"""A real duet-server and a duet-call peer for the SDK tests.

The examples (examples/c, examples/python) sign in as alice and call bob;
bob is `duet-call listen --auto-accept` with test sources. Each test gets
its own server on a free loopback port with a fresh database.
"""
import json
import os
import re
import signal
import subprocess
import threading
import time

PASSWORD = "sdk-test-password"

# Small video at a low rate: three media processes share two cores
MEDIA_ENV = {
    "DUET_TEST_SOURCES": "1",
    "DUET_FAKE_AUDIO_SINK": "1",
    "DUET_VIDEO_WIDTH": "320",
    "DUET_VIDEO_HEIGHT": "240",
    "DUET_VIDEO_FPS": "10",
}


class Fail(Exception):
    pass


class Server:
    def __init__(self, server_exe, tmp, users=("alice", "bob")):
        self.exe = server_exe
        self.db = os.path.join(tmp, "duet.sqlite")
        for user in users:
            subprocess.run([self.exe, "user", "add", "--db", self.db, "--user", user,
                            "--password-stdin", "--kdf-cost", "min"],
                           input=(PASSWORD + "\n").encode(), check=True, capture_output=True)
        self.log = open(os.path.join(tmp, "server.log"), "ab")
        self.proc = subprocess.Popen([self.exe, "serve", "--port", "0", "--db", self.db],
                                     stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"listening on (https?://[0-9.]+:\d+)", line)
        if m is None:
            self.stop()
            raise Fail("duet-server did not start: %r" % line)
        self.url = m.group(1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def client_env(env, tmp):
    """A client's environment: test media, and its device id kept in TMP
    (a password sign-in makes one), not in the real home"""
    return dict(env, XDG_DATA_HOME=os.path.join(tmp, "data"), **MEDIA_ENV)


class Peer:
    """duet-call answering every call, its JSON events collected"""

    def __init__(self, call_exe, server, user, tmp, env):
        self.events = []
        self.cond = threading.Condition()
        self.err = open(os.path.join(tmp, user + ".err"), "ab")
        self.proc = subprocess.Popen([call_exe, "--server", server.url, "--user", user,
                                      "--password-stdin", "--test-sources", "listen", "--auto-accept"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, env=client_env(env, tmp))
        self.proc.stdin.write((PASSWORD + "\n").encode())
        self.proc.stdin.flush()
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

    def wait(self, name, timeout=20):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for event in self.events:
                    if event.get("event") == name:
                        return event
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise Fail("peer: no %s event; got %s"
                               % (name, [e.get("event") for e in self.events]))
                self.cond.wait(min(left, 0.5))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def run_caller(argv, env, tmp, timeout=45):
    """Runs an example that calls bob; its stdout lines, checked later"""
    with open(os.path.join(tmp, "caller.err"), "wb") as err:
        try:
            proc = subprocess.run(argv, input=(PASSWORD + "\n").encode(), stdout=subprocess.PIPE,
                                  stderr=err, env=client_env(env, tmp), timeout=timeout)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace")
            raise Fail("%s did not finish in %ds; printed:\n%s" % (argv[0], timeout, out))
    return proc.returncode, proc.stdout.decode(errors="replace").splitlines()


EXPECTED_EVENTS = ["signed-in", "wait-connected", "verified", "connected", "disconnected"]


def check_events(lines):
    """The example's events: the expected ones in order, ending NORMAL"""
    names = [line.split()[0] for line in lines if line.strip()]
    seen = [n for n in names if n in EXPECTED_EVENTS]
    if seen != EXPECTED_EVENTS:
        raise Fail("events %s, expected %s (output: %s)" % (seen, EXPECTED_EVENTS, lines))
    last = [line for line in lines if line.startswith("disconnected")][-1]
    if "reason=NORMAL" not in last.split():
        raise Fail("the call ended with %r, not reason=NORMAL" % last)
    return last


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""
