#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""One user on several devices: duet-call processes of bob, each signed in
as a device of its own (docs/protocol.md, Devices), and alice calling him.

Usage: kit-multidevice.py SCENARIO   (see SCENARIOS at the bottom)
Every device rings; the first to answer gets the call with media both ways,
the others end with MULTIDEV_ANSWER; a decline on one is DECLINE for the
caller and MULTIDEV_DECLINE on the others; the caller's cancel reaches all.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import importlib.util  # noqa: E402


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


kc = load("kit_calls", os.path.join(HERE, "kit-calls.py"))
check = kc.check
disconnected = kc.disconnected
media_flows = kc.media_flows


def bob_on(ctx, devices, accept=None, accept_after=1500):
    """bob listening on each of @devices; the one named @accept answers"""
    bobs = {}
    for device in devices:
        args = ["listen"]
        if device == accept:
            args += ["--auto-accept", "--accept-after", str(accept_after)]
        bobs[device] = ctx.client("bob", args, device=device)
    for b in bobs.values():
        b.wait("server-connected")
    return bobs


def ring_all(bobs):
    for b in bobs.values():
        b.wait("incoming-call")


def answered(alice, winner, others):
    alice.wait("connected")
    winner.wait("connected")
    for b in others:
        disconnected(b, "MULTIDEV_ANSWER", "CLOUD_SERVER", True)
        check(not b.has("connected"), "%s connected though another device answered" % b.user)
    media_flows(alice)
    media_flows(winner)


def answer_on_one(ctx):
    """Three devices ring; the tablet answers after 1.5 s: media both ways
    with it, MULTIDEV_ANSWER on the desk and laptop, and the end reaches
    only the tablet."""
    bobs = bob_on(ctx, ["desk", "laptop", "tablet"], accept="tablet")
    alice = ctx.client("alice", ["call", "bob"])
    ring_all(bobs)
    answered(alice, bobs["tablet"], [bobs["desk"], bobs["laptop"]])
    alice.send("end")
    disconnected(alice, "NORMAL", "CALLER", False)
    disconnected(bobs["tablet"], "NORMAL", "CALLER", True)
    check(bobs["desk"].names().count("disconnected") == 1, "desk heard the end twice")


def answer_on_late_device(ctx):
    """The desk rings and sets up media with alice; the laptop signs in
    while it rings, rings too and answers: alice offers the laptop a new
    media session, and media flows both ways with it."""
    bobs = bob_on(ctx, ["desk"])
    alice = ctx.client("alice", ["call", "bob"])
    bobs["desk"].wait("verified")
    alice.wait("verified")
    laptop = ctx.client("bob", ["listen", "--auto-accept"], device="laptop")
    laptop.wait("incoming-call")
    answered(alice, laptop, [bobs["desk"]])
    laptop.send("end")
    disconnected(laptop, "NORMAL", "CALLEE", False)
    disconnected(alice, "NORMAL", "CALLEE", True)


def decline_on_one(ctx):
    """Declined on the laptop: DECLINE for alice, MULTIDEV_DECLINE on the desk."""
    bobs = bob_on(ctx, ["desk", "laptop"])
    alice = ctx.client("alice", ["call", "bob"])
    for b in bobs.values():
        b.wait("verified")
    bobs["laptop"].send("end")
    disconnected(bobs["laptop"], "DECLINE", "CALLEE", False)
    disconnected(alice, "DECLINE", "CALLEE", True)
    disconnected(bobs["desk"], "MULTIDEV_DECLINE", "CLOUD_SERVER", True)


def cancel_reaches_all(ctx):
    bobs = bob_on(ctx, ["desk", "laptop", "tablet"])
    alice = ctx.client("alice", ["call", "bob"])
    for b in bobs.values():
        b.wait("verified")
    alice.send("end")
    disconnected(alice, "CANCEL", "CALLER", False)
    for b in bobs.values():
        disconnected(b, "CANCEL", "CALLER", True)


def busy_and_in_use(ctx):
    """bob in a call on the desk: carol's call is BUSY; a call from bob's
    laptop ends at once with MULTIDEV_IN_USE, and the call goes on."""
    bobs = bob_on(ctx, ["desk", "laptop"], accept="desk", accept_after=0)
    alice = ctx.client("alice", ["call", "bob"])
    answered(alice, bobs["desk"], [bobs["laptop"]])
    carol = ctx.client("carol", ["call", "bob"])
    disconnected(carol, "BUSY", "CALLEE", True)
    from_laptop = ctx.client("bob", ["call", "carol"], device="laptop2")
    disconnected(from_laptop, "MULTIDEV_IN_USE", "CLOUD_SERVER", True)
    check(not alice.has("disconnected") and not bobs["desk"].has("disconnected"), "the call was broken")
    media_flows(bobs["desk"])


def revocation_signs_out_all(ctx):
    """A new password signs out every device of bob, and only bob's."""
    bobs = bob_on(ctx, ["desk", "laptop"])
    alice = ctx.client("alice", ["listen"])
    alice.wait("server-connected")
    subprocess.run([kc.SERVER, "user", "passwd", "--db", ctx.server.db, "--user", "bob",
                    "--password-stdin", "--kdf-cost", "min"], input=b"new secret\n", check=True,
                   capture_output=True)
    for b in bobs.values():
        e = b.wait("server-error")
        check("auth_failed" in e.get("message", ""), "%s: %s, expected auth_failed" % (b.user, e))
    check(not alice.has("server-error"), "alice was signed out too")


SCENARIOS = {f.__name__.replace("_", "-"): f for f in (
    answer_on_one, answer_on_late_device, decline_on_one, cancel_reaches_all, busy_and_in_use,
    revocation_signs_out_all)}


def main():
    return kc.run(SCENARIOS, kc.Context, "kit-multidevice.py", "duet-multidevice-")


if __name__ == "__main__":
    sys.exit(main())
