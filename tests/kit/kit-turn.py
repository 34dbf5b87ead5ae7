#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calls through a real TURN server (coturn) that duet-server hands out.

Three network namespaces made here and removed on exit (whatever happens):
  duet-th-PID  the "internet": 10.232.1.254/24 towards alice and
               10.232.2.254/24 towards bob; duet-server and coturn listen
               on 10.232.1.254. It does not forward between the two nets,
               so alice and bob reach it but not each other: two homes
               behind NATs that refuse each other's packets.
  duet-ta-PID  alice, 10.232.1.1/24, default route via the hub
  duet-tb-PID  bob,   10.232.2.1/24, default route via the hub
The addresses exist only inside these namespaces. coturn gets a fresh
secret (TURN REST, `use-auth-secret`), duet-server the same one through
--turn-secret-file, and the clients nothing but what duet-server hands out.

Scenarios:
  relay-only      both clients --relay-only: media both ways, both ends of
                  the pair in use are relay candidates, coturn allocated
  no-direct-path  no flags: the only path is the relay, and the call takes it
  wrong-secret    duet-server's secret differs from coturn's and the hub
                  forwards: the call connects directly, and both clients
                  say the TURN server gave no relay
  bad-uri         malformed --ice-server URIs are refused at start, named

Usage: kit-turn.py SCENARIO. Exit 77 (skip) without root, `ip netns` or coturn.
"""
import importlib.util
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(here, file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


kc = load("kit_calls", "kit-calls.py")
netns = load("kit_netns", "kit-netns.py")
ip, in_ns = netns.ip, netns.in_ns

PID = os.getpid()
HUB, NS_A, NS_B = "duet-th-%d" % PID, "duet-ta-%d" % PID, "duet-tb-%d" % PID
HUB_IP = "10.232.1.254"
TURN_PORT = 3478
TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"


def cleanup():
    netns.remove((NS_A, NS_B, HUB))


def setup():
    for ns in (HUB, NS_A, NS_B):
        ip("netns", "add", ns)
        # IPv4 only: an IPv6 link-local address finishing DAD a second or
        # two after the link comes up adds a route, which GNetworkMonitor
        # reports as a network change; a client just started (slowly, under
        # ASan) then reconnects and renews its media session for nothing
        subprocess.run(in_ns(ns) + ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                                    "net.ipv6.conf.default.disable_ipv6=1"], check=True)
        ip("-n", ns, "link", "set", "lo", "up")
    for ns, side, net in ((NS_A, "a", "1"), (NS_B, "b", "2")):
        ip("-n", HUB, "link", "add", "h" + side, "type", "veth", "peer", "name", "v" + side)
        ip("-n", HUB, "link", "set", "v" + side, "netns", ns)
        ip("-n", HUB, "addr", "add", "10.232.%s.254/24" % net, "dev", "h" + side)
        ip("-n", HUB, "link", "set", "h" + side, "up")
        ip("-n", ns, "addr", "add", "10.232.%s.1/24" % net, "dev", "v" + side)
        ip("-n", ns, "link", "set", "v" + side, "up")
        ip("-n", ns, "route", "add", "default", "via", "10.232.%s.254" % net)


def set_forwarding(on):
    subprocess.run(in_ns(HUB) + ["sysctl", "-qw", "net.ipv4.ip_forward=%d" % on], check=True)


class Coturn:
    def __init__(self, tmp, secret):
        self.log_path = os.path.join(tmp, "turnserver.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(in_ns(HUB) + [
            TURNSERVER, "-n", "--no-cli", "--verbose", "--simple-log", "--log-file=stdout",
            "--listening-ip=" + HUB_IP, "--relay-ip=" + HUB_IP, "--listening-port=%d" % TURN_PORT,
            "--min-port=49152", "--max-port=49400", "--use-auth-secret",
            "--static-auth-secret=" + secret, "--realm=duet.test", "--no-tls", "--no-dtls",
            "--no-multicast-peers", "--fingerprint", "--pidfile=" + os.path.join(tmp, "turnserver.pid"),
            "--userdb=" + os.path.join(tmp, "turndb")], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while b"Total General servers" not in self.text():
            kc.check(self.proc.poll() is None, "turnserver exited: %s" % self.text()[-500:])
            kc.check(time.monotonic() < deadline, "turnserver did not start")
            time.sleep(0.05)

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read()

    def allocations(self):
        return self.text().count(b"ALLOCATE processed, success")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(ctx, tmp, server_secret, turn_secret):
    secret_file = os.path.join(tmp, "turn-secret")
    with open(secret_file, "w") as f:
        f.write(server_secret + "\n")
    os.chmod(secret_file, 0o600)
    coturn = Coturn(tmp, turn_secret)
    ctx.server_args = dict(extra=["--listen", HUB_IP,
                                  "--turn-uri", "turn:%s:%d?transport=udp" % (HUB_IP, TURN_PORT),
                                  "--turn-secret-file", secret_file],
                           prefix=in_ns(HUB))
    return coturn


def call(ctx, options=()):
    bob = ctx.client("bob", ["listen", "--auto-accept"], options=options, prefix=in_ns(NS_B))
    bob.wait("server-connected", 15)
    alice = ctx.client("alice", ["call", "bob"], options=options, prefix=in_ns(NS_A))
    alice.wait("connected", 20)
    bob.wait("connected", 20)
    kc.media_flows(alice)
    kc.media_flows(bob)
    return alice, bob


def pair(client):
    stats = client.wait_stats(lambda e: "local_candidate" in e, what="a candidate pair")
    return stats["local_candidate"], stats["remote_candidate"]


def relay_only(ctx, tmp):
    secret = secrets.token_urlsafe(24)
    coturn = start(ctx, tmp, secret, secret)
    try:
        for c in call(ctx, ["--relay-only"]):
            used = pair(c)
            print("%s: pair %s" % (c.user, used))
            kc.check(used == ("relay", "relay"), "%s: not relayed both ways: %s" % (c.user, used))
            kc.check(not c.has("network-warning"), "%s: warned: %s" % (c.user, c.names()))
        kc.check(coturn.allocations() >= 2, "coturn made %d allocations" % coturn.allocations())
    finally:
        coturn.stop()


def no_direct_path(ctx, tmp):
    secret = secrets.token_urlsafe(24)
    coturn = start(ctx, tmp, secret, secret)
    try:
        for c in call(ctx):
            used = pair(c)
            print("%s: pair %s" % (c.user, used))
            kc.check("relay" in used, "%s: no relay in the pair in use: %s" % (c.user, used))
    finally:
        coturn.stop()


def wrong_secret(ctx, tmp):
    set_forwarding(True)
    coturn = start(ctx, tmp, secrets.token_urlsafe(24), secrets.token_urlsafe(24))
    try:
        for c in call(ctx):
            e = c.wait("network-warning", 10)
            print("%s: %s" % (c.user, e["message"]))
            kc.check("TURN server" in e["message"] and HUB_IP in e["message"],
                     "%s: the warning does not name the TURN server: %s" % (c.user, e))
            # Direct: our host address to the peer's, which is "prflx" when
            # the peer's check arrived before its candidate did (a slow
            # signalling path, as under ASan): the same address, learnt first
            # from the check. Never a relay.
            used = pair(c)
            kc.check(used[0] == "host" and used[1] in ("host", "prflx"), "%s: not direct: %s" % (c.user, used))
        kc.check(coturn.allocations() == 0, "coturn allocated with a wrong secret")
    finally:
        coturn.stop()


def bad_uri(ctx, tmp):
    for uri, why in (("turn:%s:99999" % HUB_IP, "port"), ("http://%s" % HUB_IP, "scheme"),
                     ("turn:%s:3478" % HUB_IP, "credentials"), ("stun:host?transport=udp", "no query")):
        out = subprocess.run([kc.CLIENT, "--server", "http://%s:1" % HUB_IP, "--user", "alice",
                              "--token-stdin", "--ice-server", uri, "listen"],
                             input=b"token\n", capture_output=True, timeout=10)
        err = out.stderr.decode()
        print("%s -> %d %s" % (uri, out.returncode, err.strip()))
        kc.check(out.returncode == 2, "%s: exit %d" % (uri, out.returncode))
        kc.check(uri in err and why in err, "%s: the message does not say what is wrong: %s" % (uri, err))


SCENARIOS = {"relay-only": relay_only, "no-direct-path": no_direct_path,
             "wrong-secret": wrong_secret, "bad-uri": bad_uri}


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in SCENARIOS:
        print("usage: kit-turn.py {%s}" % ",".join(SCENARIOS), file=sys.stderr)
        return 2
    if name == "bad-uri":
        with tempfile.TemporaryDirectory(prefix="duet-turn-") as tmp:
            try:
                bad_uri(None, tmp)
            except kc.Fail as e:
                print("FAIL %s: %s" % (name, e))
                return 1
        print("ok", name)
        return 0
    if not os.path.exists(TURNSERVER):
        print("SKIP: no turnserver (Debian's coturn package)")
        return netns.SKIP
    return netns.run(kc, name, setup, cleanup, SCENARIOS[name], logs=("server.log", "turnserver.log"))


if __name__ == "__main__":
    sys.exit(main())
