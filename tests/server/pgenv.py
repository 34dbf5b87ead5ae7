#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs a command next to a throwaway PostgreSQL cluster.

Usage: pgenv.py COMMAND [ARGS...]

Makes a cluster in a temporary directory (initdb, trust authentication,
no fsync), starts it on a free loopback port and runs COMMAND with:
  DUET_TEST_PG        a libpq connection string for it (hostaddr, no DNS)
  DUET_TEST_PG_STOP   a shell command that stops it at once (immediate)
  DUET_TEST_PG_START  a shell command that starts it again, same port
The cluster is stopped and removed whatever happens. PostgreSQL refuses
to run as root, so under root it runs as the `postgres` user (or nobody).
Exits 77 (skip) when PostgreSQL's server programs are not installed.
"""
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile

SKIP = 77


def find_bindir():
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        if os.path.exists(os.path.join(out.stdout.strip(), "initdb")):
            return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    command = list(sys.argv[1:])
    # it runs in another directory: paths given relative to this one stay good
    command = [os.path.abspath(a) if os.path.exists(a) else a for a in command]
    bindir = find_bindir()
    if bindir is None:
        print("SKIP: PostgreSQL's server programs (initdb) are not installed")
        return SKIP

    prefix = []
    owner = None
    if os.geteuid() == 0:
        for name in ("postgres", "nobody"):
            try:
                owner = pwd.getpwnam(name)
                break
            except KeyError:
                continue
        if owner is None:
            print("SKIP: running as root and there is no postgres or nobody user")
            return SKIP
        prefix = ["runuser", "-u", owner.pw_name, "--"]

    tmp = tempfile.mkdtemp(prefix="duet-pg-")
    data = os.path.join(tmp, "data")
    log = os.path.join(tmp, "postgres.log")
    port = free_port()
    if owner is not None:
        os.chown(tmp, owner.pw_uid, owner.pw_gid)
    pg_ctl = prefix + [os.path.join(bindir, "pg_ctl"), "-D", data]
    options = "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" % (port, tmp)
    start = pg_ctl + ["-o", options, "-l", log, "-w", "-t", "30", "start"]
    stop = pg_ctl + ["-m", "immediate", "-w", "stop"]
    try:
        subprocess.run(prefix + [os.path.join(bindir, "initdb"), "-D", data, "-U", "duet", "--auth=trust",
                                 "-E", "UTF8", "--no-sync", "--no-instructions"],
                       check=True, capture_output=True, cwd=tmp)
        subprocess.run(start, check=True, capture_output=True, cwd=tmp)
        env = dict(os.environ)
        env["DUET_TEST_PG"] = "hostaddr=127.0.0.1 port=%d user=duet dbname=postgres" % port
        env["DUET_TEST_PG_STOP"] = shlex.join(stop)
        env["DUET_TEST_PG_START"] = shlex.join(start)
        status = subprocess.run(command, env=env, cwd=tmp).returncode
        if status not in (0, SKIP) and os.path.exists(log):
            print("--- postgres.log (tail)")
            sys.stdout.write(open(log, errors="replace").read()[-3000:])
        return status
    except subprocess.CalledProcessError as e:
        print("FAIL: cannot start PostgreSQL: %s\n%s%s" % (e, e.stdout.decode(errors="replace"),
                                                          e.stderr.decode(errors="replace")))
        if os.path.exists(log):
            sys.stdout.write(open(log, errors="replace").read()[-3000:])
        return 1
    finally:
        subprocess.run(stop, capture_output=True, cwd="/")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
