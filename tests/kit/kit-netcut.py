#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network between two duet-call clients is cut, or changes, mid-call.

Three network namespaces made here and removed on exit (whatever happens):
  duet-hub-PID  bridge br0 10.231.0.254/24, duet-server listens there
  duet-a-PID    alice, 10.231.0.1/24 on a veth to the bridge
  duet-b-PID    bob,   10.231.0.2/24 on a veth to the bridge
The addresses exist only inside these namespaces; nothing touches the host's
network. Scenarios:
  link-down       alice's link goes down for good (`ip link set ... down`):
                  both clients say network-unavailable, then end with
                  NETWORK_UNSTABLE once the grace period is over
  netem-loss      the same with netem loss 100% (where the kernel has it)
  blip            the link is down for 3 s: network-unavailable, then
                  network-available on both sides, media flows again, and
                  the call goes on
  address-change  alice's address changes mid-call: the old path is dead,
                  a fresh media session is negotiated and swapped in, and
                  the call goes on
  loopback-only   server and both clients in one namespace whose only
                  interface is loopback (a one-machine demo without a
                  network): the call connects over 127.0.0.1 and media flows

Usage: kit-netcut.py {link-down,netem-loss,blip,address-change,loopback-only}
Exit 77 (skip) without root or without `ip netns`/veth/bridge support.
"""
import importlib.util
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(here, file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


kc = load("kit_calls", "kit-calls.py")
netns = load("kit_netns", "kit-netns.py")
ip = netns.ip

PID = os.getpid()
HUB, NS_A, NS_B = "duet-hub-%d" % PID, "duet-a-%d" % PID, "duet-b-%d" % PID
SERVER_IP = "10.231.0.254"
LOST_S = kc.LIVENESS_MS / 1000 + 2.5              # network-unavailable after the cut
BOUND_S = kc.LIVENESS_MS / 1000 + kc.GRACE_S + 2.5  # the end, as for a killed peer


def cleanup():
    netns.remove((NS_A, NS_B, HUB))


def setup_loopback_only():
    ip("netns", "add", HUB)
    ip("-n", HUB, "link", "set", "lo", "up")


def loopback_only(ctx):
    in_hub = ["ip", "netns", "exec", HUB]
    ctx.server_args = dict(grace=30, prefix=in_hub)
    bob = ctx.client("bob", ["listen", "--auto-accept"], prefix=in_hub)
    bob.wait("server-connected", 15)
    alice = ctx.client("alice", ["call", "bob"], prefix=in_hub)
    alice.wait("connected", 20)
    bob.wait("connected", 20)
    kc.media_flows(alice)
    kc.media_flows(bob)
    alice.send("end")
    for c in (alice, bob):
        kc.disconnected(c, "NORMAL", "CALLER", c is bob)


def setup():
    for ns in (HUB, NS_A, NS_B):
        ip("netns", "add", ns)
        # IPv4 only, as the scenarios' cuts and address changes are: with
        # IPv6 on, ICE may pick the link-local pair over the bridge, which an
        # IPv4 address change leaves working (the call rightly survives it)
        for conf in ("all", "default"):
            ip("netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % conf)
        ip("-n", ns, "link", "set", "lo", "up")
    ip("-n", HUB, "link", "add", "br0", "type", "bridge")
    ip("-n", HUB, "addr", "add", SERVER_IP + "/24", "dev", "br0")
    ip("-n", HUB, "link", "set", "br0", "up")
    for ns, side, addr in ((NS_A, "a", "10.231.0.1/24"), (NS_B, "b", "10.231.0.2/24")):
        # made inside the hub, one end moved into the client namespace
        ip("-n", HUB, "link", "add", "h" + side, "type", "veth", "peer", "name", "v" + side)
        ip("-n", HUB, "link", "set", "v" + side, "netns", ns)
        ip("-n", HUB, "link", "set", "h" + side, "master", "br0")
        ip("-n", HUB, "link", "set", "h" + side, "up")
        ip("-n", ns, "addr", "add", addr, "dev", "v" + side)
        ip("-n", ns, "link", "set", "v" + side, "up")


def cut(how):
    if how == "link-down":
        ip("-n", HUB, "link", "set", "ha", "down")
    else:
        ip("netns", "exec", NS_A, "tc", "qdisc", "add", "dev", "va", "root", "netem", "loss", "100%")


# Long enough for a 3 s cut or a renegotiation to heal within it
HEAL_GRACE_S = 15


def start_call(ctx, grace=None):
    ctx.server_args = dict(grace=30, extra=["--listen", SERVER_IP], prefix=["ip", "netns", "exec", HUB])
    options = ["--network-grace-period", str(grace)] if grace else []
    bob = ctx.client("bob", ["listen", "--auto-accept"], options=options, prefix=["ip", "netns", "exec", NS_B])
    bob.wait("server-connected", 15)
    alice = ctx.client("alice", ["call", "bob"], options=options, prefix=["ip", "netns", "exec", NS_A])
    alice.wait("connected", 20)
    bob.wait("connected", 20)
    kc.media_flows(alice)
    kc.media_flows(bob)
    return alice, bob


def heals(alice, bob, t0, restored):
    """Both lose the path, both get it back, media flows again, nobody hangs up"""
    for c in (alice, bob):
        e = c.wait("network-unavailable", LOST_S + 5)
        kc.check(e["seconds_left"] == HEAL_GRACE_S, "%s: network-unavailable %s" % (c.user, e))
    for c in (alice, bob):
        c.wait("network-available", HEAL_GRACE_S)
        took = time.monotonic() - restored
        print("%s: network-available %.2f s after the network came back" % (c.user, took))
    for c in (alice, bob):
        frames = c.last_stats().get("video_frames_decoded", 0)
        c.wait_stats(lambda e, f=frames: e["video_frames_decoded"] > f + 10, what="video after the cut")
        kc.check(not c.has("disconnected"), "%s: the call ended: %s" % (c.user, c.names()))
    kc.check(time.monotonic() - t0 < HEAL_GRACE_S + LOST_S, "healing took too long")


# 3 s, or long enough that the liveness timeout (longer under the
# sanitizers) sees the path go quiet
BLIP_S = max(3, kc.LIVENESS_MS / 1000 + 2)


def blip(ctx):
    alice, bob = start_call(ctx, HEAL_GRACE_S)
    t0 = time.monotonic()
    ip("-n", HUB, "link", "set", "ha", "down")
    time.sleep(BLIP_S)
    ip("-n", HUB, "link", "set", "ha", "up")
    heals(alice, bob, t0, time.monotonic())


def address_change(ctx):
    alice, bob = start_call(ctx, HEAL_GRACE_S)
    t0 = time.monotonic()
    # as after a new DHCP lease: the old address goes, a new one comes
    ip("-n", NS_A, "addr", "del", "10.231.0.1/24", "dev", "va")
    ip("-n", NS_A, "addr", "add", "10.231.0.11/24", "dev", "va")
    heals(alice, bob, t0, t0)


def scenario(ctx, how):
    if how == "blip":
        return blip(ctx)
    if how == "address-change":
        return address_change(ctx)
    if how == "loopback-only":
        return loopback_only(ctx)
    alice, bob = start_call(ctx)
    t0 = time.monotonic()
    cut(how)
    for c in (alice, bob):
        e = c.wait("network-unavailable", LOST_S + 5)
        took = time.monotonic() - t0
        kc.check(took < LOST_S, "%s: lost path noticed after %.1f s (bound %.1f s)" % (c.user, took, LOST_S))
    for c in (alice, bob):
        left = BOUND_S - (time.monotonic() - t0)
        e = c.wait("disconnected", max(left, 0.1) + 5)
        took = time.monotonic() - t0
        kc.check(e["reason"] == "NETWORK_UNSTABLE", "%s: disconnected %s" % (c.user, e))
        kc.check(took < BOUND_S, "%s: cut detected after %.1f s (bound %.1f s)" % (c.user, took, BOUND_S))
        print("%s: NETWORK_UNSTABLE (%s) %.2f s after the cut" % (c.user, e["source"], took))
        kc.check(c.exit_code() == 3, "%s: NETWORK_UNSTABLE should exit 3" % c.user)


def main():
    how = sys.argv[1] if len(sys.argv) > 1 else "link-down"
    if how not in ("link-down", "netem-loss", "blip", "address-change", "loopback-only"):
        print("usage: kit-netcut.py {link-down,netem-loss,blip,address-change,loopback-only}",
              file=sys.stderr)
        return 2
    if how == "loopback-only":
        return netns.run(kc, how, setup_loopback_only, cleanup, lambda ctx, tmp: loopback_only(ctx))

    def setup_for_scenario():
        setup()
        if how == "netem-loss":
            # probe: sch_netem may be missing from the kernel
            ip("netns", "exec", HUB, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "loss", "0%")
            ip("netns", "exec", HUB, "tc", "qdisc", "del", "dev", "lo", "root")

    return netns.run(kc, how, setup_for_scenario, cleanup, lambda ctx, tmp: scenario(ctx, how))


if __name__ == "__main__":
    sys.exit(main())
