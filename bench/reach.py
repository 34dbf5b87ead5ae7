#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calls across networks: direct vs relayed setup, and recovery after a cut.

Usage (as root: it makes network namespaces, removed on exit):
  bench/reach.py BUILDDIR [--runs N]

Uses the topology of tests/kit/kit-turn.py: a hub namespace with duet-server
and a real coturn (fresh secret, TURN REST credentials handed out by
duet-server), alice and bob in namespaces of their own. Measures, N times
each (median, p90, max):
  direct   the hub forwards: accept → first decoded peer video frame
  relay    both clients --relay-only: the same
  blip     direct call; alice's link goes down for 3 s: link restore → the
           first peer video frame decoded again (duet-call's video-resumed,
           polled every 20 ms) and → network-available
Writes bench/results/reach.json and prints a markdown table.
"""
import importlib.util
import json
import os
import secrets
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def summary(values):
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(0.9 * len(values) + 0.5) - 1)]
    return {"n": len(values), "median_ms": round(statistics.median(values), 1),
            "p90_ms": round(p90, 1), "max_ms": round(values[-1], 1)}


def one_call(kt, kc, ctx, options, measure):
    bob = ctx.client("bob", ["listen", "--auto-accept"], options=options, prefix=kt.in_ns(kt.NS_B))
    bob.wait("server-connected", 15)
    alice = ctx.client("alice", ["call", "bob"], options=options, prefix=kt.in_ns(kt.NS_A))
    try:
        alice.wait("connected", 20)
        bob.wait("connected", 20)
        return measure(alice, bob)
    finally:
        # a proper end, so the server holds no call for the next run
        alice.send("end")
        try:
            alice.wait("disconnected", 10)
            bob.wait("disconnected", 10)
        except kc.Fail:
            pass
        for c in (alice, bob):
            c.kill()
        ctx.clients.clear()


def setup_ms(alice, bob):
    """accept (bob's accept-call) → first decoded peer video frame, both sides"""
    accept_ms = bob.wait("accept-call", 5)["mono_ms"]
    out = []
    for c in (alice, bob):
        frame = c.wait("first-peer-video-frame", 15)
        out.append(frame["at_mono_us"] / 1000 - accept_ms)
    return out


def blip_ms(kt, kc):
    def measure(alice, bob):
        kc.media_flows(alice)
        kc.media_flows(bob)
        before = {c.user: len(c.events) for c in (alice, bob)}
        kt.ip("-n", kt.HUB, "link", "set", "ha", "down")
        time.sleep(3)
        kt.ip("-n", kt.HUB, "link", "set", "ha", "up")
        restored_ms = time.monotonic() * 1000   # duet-call's mono_ms is CLOCK_MONOTONIC too
        resumed, available = [], []
        for c in (alice, bob):
            c.wait("network-unavailable", 10, after=before[c.user])
            v = c.wait("video-resumed", 20, after=before[c.user])
            a = c.wait("network-available", 20, after=before[c.user])
            resumed.append(v["at_mono_us"] / 1000 - restored_ms)
            available.append(a["mono_ms"] - restored_ms)
        return resumed, available
    return measure


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 10
    os.environ["DUET_SERVER"] = os.path.join(build, "src/server/duet-server")
    os.environ["DUET_CALL"] = os.path.join(build, "src/cli/duet-call")
    os.environ.setdefault("DUET_TEST_LIVENESS_MS", "2500")   # the kit's default
    os.environ.setdefault("DUET_TEST_GRACE_S", "20")
    kc = load("kit_calls", os.path.join(ROOT, "tests/kit/kit-calls.py"))
    kt = load("kit_turn", os.path.join(ROOT, "tests/kit/kit-turn.py"))
    if os.geteuid() != 0:
        print("needs root (network namespaces)", file=sys.stderr)
        return 1

    results = {}
    kt.setup()
    try:
        with tempfile.TemporaryDirectory(prefix="duet-reach-") as tmp:
            secret = secrets.token_urlsafe(24)
            ctx = kc.Context(tmp)
            coturn = kt.start(ctx, tmp, secret, secret)
            try:
                kt.set_forwarding(True)
                direct = [ms for _ in range(runs) for ms in one_call(kt, kc, ctx, [], setup_ms)]
                relay = [ms for _ in range(runs)
                         for ms in one_call(kt, kc, ctx, ["--relay-only"], setup_ms)]
                resumed, available = [], []
                for _ in range(runs):
                    r, a = one_call(kt, kc, ctx, [], blip_ms(kt, kc))
                    resumed += r
                    available += a
            finally:
                ctx.close()
                coturn.stop()
    finally:
        kt.cleanup()

    results = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "runs": runs,
        "accept_to_first_frame_direct": summary(direct),
        "accept_to_first_frame_relay": summary(relay),
        "restore_to_first_new_frame": summary(resumed),
        "restore_to_network_available": summary(available),
    }
    out = os.path.join(ROOT, "bench/results/reach.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print("| measure (both sides, %d calls each) | median | p90 | max |" % runs)
    print("| --- | --- | --- | --- |")
    for key, label in (("accept_to_first_frame_direct", "accept → first frame, direct"),
                       ("accept_to_first_frame_relay", "accept → first frame, relay-only"),
                       ("restore_to_first_new_frame", "link restored → first new frame (3 s cut)"),
                       ("restore_to_network_available", "link restored → network-available")):
        r = results[key]
        print("| %s | %.0f ms | %.0f ms | %.0f ms |" % (label, r["median_ms"], r["p90_ms"], r["max_ms"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
