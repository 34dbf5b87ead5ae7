# SPDX-License-Identifier: GPL-3.0-or-later
"""A call across an emulated link, for kit-quality.py and bench/quality.py.

Two namespaces joined only by tools/linkemu.py: alice in NS_A, bob and
duet-server in NS_B. Everything alice sends or receives (signalling, ICE,
DTLS, RTP, RTCP, the data channel) crosses the link, impaired per
direction: "a2b" is alice → bob, "b2a" bob → alice.
"""
import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


linkemu = load("linkemu", os.path.join(ROOT, "tools", "linkemu.py"))
kn = load("kit_netns", os.path.join(HERE, "kit-netns.py"))


class Link:
    """The namespaces and the emulator; make() raises on failure, remove()
    is safe to call in every case"""

    def __init__(self, tag):
        self.ns_a = "duet-la-%s-%d" % (tag, os.getpid())
        self.ns_b = "duet-lb-%s-%d" % (tag, os.getpid())
        self.emu = None

    def make(self, a2b=None, b2a=None, seed=1):
        for ns in (self.ns_a, self.ns_b):
            kn.ip("netns", "add", ns)
            kn.ip("-n", ns, "link", "set", "lo", "up")
        self.emu = linkemu.LinkEmu(self.ns_a, self.ns_b, a2b=a2b, b2a=b2a, seed=seed)

    def remove(self):
        if self.emu is not None:
            self.emu.close()
            self.emu = None
        kn.remove([self.ns_a, self.ns_b])


def media_env(pattern="motion"):
    """The environment of both duet-calls (kit-calls' Client sets the size:
    320x240 at 10 fps): the detailed moving picture makes a thin link bite"""
    return {"DUET_TEST_PATTERN": pattern}


def start_call(kc, ctx, tmp, link, env, options=()):
    """Server and bob in NS_B, alice in NS_A; returns (alice, bob) once both
    are connected"""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)   # kit-calls' Client copies os.environ
    try:
        server = kc.Server(tmp, prefix=kn.in_ns(link.ns_b), extra=["--listen", link.emu.b])
        ctx._server = server
        bob = ctx.client("bob", ["listen", "--auto-accept"], options=options, prefix=kn.in_ns(link.ns_b))
        bob.wait("server-connected", 15)
        alice = ctx.client("alice", ["call", "bob"], options=options, prefix=kn.in_ns(link.ns_a))
        alice.wait("connected", 30)
        bob.wait("connected", 30)
        return alice, bob
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def check_root():
    if os.geteuid() != 0:
        return "needs root for network namespaces"
    if not os.path.exists("/dev/net/tun"):
        return "needs /dev/net/tun"
    return None
