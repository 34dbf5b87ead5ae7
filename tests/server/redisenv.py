#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs a command next to a throwaway redis-server.

Usage: redisenv.py COMMAND [ARGS...]

Starts redis-server on a free loopback port (no persistence, its files in
a temporary directory) and runs COMMAND with:
  DUET_TEST_REDIS        "127.0.0.1:PORT"
  DUET_TEST_REDIS_STOP   a shell command that kills it (SIGKILL, as a crash)
  DUET_TEST_REDIS_START  a shell command that starts it again, same port
The server is stopped and its directory removed whatever happens.
Exits 77 (skip) when redis-server is not installed.
"""
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    server = shutil.which("redis-server")
    if server is None:
        print("SKIP: redis-server is not installed")
        return SKIP
    command = list(sys.argv[1:])
    # it runs in another directory: paths given relative to this one stay good
    command = [os.path.abspath(a) if os.path.exists(a) else a for a in command]

    tmp = tempfile.mkdtemp(prefix="duet-redis-")
    port = free_port()
    pidfile = os.path.join(tmp, "redis.pid")
    start = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", tmp, "--daemonize", "yes", "--pidfile", pidfile,
             "--logfile", os.path.join(tmp, "redis.log")]
    stop = "kill -9 $(cat %s) && rm -f %s" % (shlex.quote(pidfile), shlex.quote(pidfile))
    try:
        subprocess.run(start, check=True, capture_output=True)
        if not wait_ready(port):
            print("FAIL: redis-server did not answer on port %d" % port)
            return 1
        env = dict(os.environ)
        env["DUET_TEST_REDIS"] = "127.0.0.1:%d" % port
        env["DUET_TEST_REDIS_STOP"] = "sh -c %s" % shlex.quote(stop)
        env["DUET_TEST_REDIS_START"] = shlex.join(start)
        return subprocess.run(command, env=env, cwd=tmp).returncode
    finally:
        subprocess.run(["sh", "-c", stop], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
