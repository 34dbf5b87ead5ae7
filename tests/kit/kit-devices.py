#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cameras and microphones in calls between two duet-call clients.

Usage: kit-devices.py SCENARIO   (see SCENARIOS at the bottom)
Bob uses real devices (no test sources); alice sends test sources and
reports the mean colour of bob's picture (--report-colour), so a camera's
known colour cannot be mistaken for a test pattern. The scenarios with
cameras start their own PipeWire daemon, session manager and synthetic
cameras (tests/kit/pwenv.py), and the Camera portal ones a stand-in portal
on a private bus; they exit 77 when PipeWire is not installed.
DUET_DEVICE_PROVIDERS keeps bob to that daemon, whatever the machine has.
"""
import os
import sys
import tempfile
import time

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
Fail = kc.Fail

RED = (255, 0, 0)
GREEN = (0, 255, 0)


def near(rgb, colour, tolerance=60):
    return rgb is not None and all(abs(a - b) <= tolerance for a, b in zip(rgb, colour))


def alice_watching(ctx, bob_args=("--auto-accept",), media="audiovideo"):
    """bob (real devices) listens; alice (test sources) calls him"""
    bob = ctx.bob(["listen"] + list(bob_args))
    bob.wait("server-connected")
    alice = ctx.client("alice", ["--report-colour", "call", "bob", "--media", media])
    return alice, bob


def no_camera(ctx):
    """Bob has no camera and no microphone, and did not ask for test
    sources: the call connects, bob's video is paused for the camera
    (alice sees CAMERA_INACTIVE and bob's avatar), bob is muted, and not
    one video frame leaves bob."""
    ctx.bob_env = {"DUET_DEVICE_PROVIDERS": "none"}
    alice, bob = alice_watching(ctx)
    alice.wait("connected")
    bob.wait("connected")
    e = bob.wait("device-problem", pred=lambda e: e["kind"] == "camera")
    check(e["problem"] == "missing", "bob's camera problem: %s" % e)
    e = bob.wait("device-problem", pred=lambda e: e["kind"] == "microphone")
    check(e["problem"] == "missing", "bob's microphone problem: %s" % e)
    e = alice.wait("peer-video-paused")
    check(e["reason"] == "CAMERA_INACTIVE", "alice: peer video paused for %s" % e)
    alice.wait("peer-mic-muted")
    bob.wait("mic-mute")
    # bob still receives alice's picture and sound: the call is whole
    kc.media_flows(bob)
    time.sleep(2)
    check(bob.last_stats()["video_frames_sent"] == 0, "bob sent video: %s" % bob.last_stats())
    check(alice.last_stats()["video_frames_decoded"] == 0, "alice decoded bob's video: %s" % alice.last_stats())
    check(not alice.has("peer-colour"), "alice saw a picture from bob")


SCENARIOS = {f.__name__.replace("_", "-"): f for f in (no_camera,)}


class Context(kc.Context):
    def __init__(self, tmp):
        super().__init__(tmp)
        self.bob_env = {}

    def bob(self, args):
        return self.client("bob", args, env=self.bob_env, test_sources=False)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in SCENARIOS:
        print("usage: kit-devices.py {%s}" % ",".join(SCENARIOS), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="duet-devices-") as tmp:
        ctx = Context(tmp)
        try:
            SCENARIOS[sys.argv[1]](ctx)
            ctx.stop_clean()
            print("ok", sys.argv[1])
            return 0
        except Fail as e:
            print("FAIL %s: %s" % (sys.argv[1], e))
            ctx.dump()
            return 1
        finally:
            ctx.close()


if __name__ == "__main__":
    sys.exit(main())
