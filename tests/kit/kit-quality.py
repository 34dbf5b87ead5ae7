#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calls across an emulated thin or lossy link (tests/kit/kit-link.py).

Usage: kit-quality.py {cap,loss}
  cap   bob → alice capped at 150 kbit/s (500 ms drop-tail queue): bob's
        congestion controller must
        bring what it sends under the cap within seconds, and alice must
        keep decoding video at most of its frame rate (freezes are for
        bench/quality.py to count). DUET_CONGESTION_CONTROL=0 makes it fail
        (the encoder keeps its fixed rate, the queue overflows and the
        picture freezes).
  loss  5 % random loss both ways: alice must ask for retransmissions and
        get lost packets back (NACK/RTX or FEC counters move) and keep
        decoding most frames. DUET_LOSS_RECOVERY=0 makes it fail.
Root only (network namespaces, /dev/net/tun); exits 77 otherwise. Video is
320x240 at 10 fps of the detailed "motion" test pattern.
"""
import os
import sys
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
kl = load("kit_link", os.path.join(HERE, "kit-link.py"))
kn = kl.kn

FPS = 10         # what kit-calls' clients send
SETTLE_S = 8     # the controller's time to find the link
MEASURE_S = 5


def window(client, seconds):
    """(first, last) stats lines spanning the last `seconds`"""
    stats = [e for e in client.events if e.get("event") == "stats"]
    kc.check(len(stats) >= seconds + 1, "%s: too few stats lines (%d)" % (client.user, len(stats)))
    return stats[-(seconds + 1)], stats[-1]


def decoded_fps(client, seconds):
    first, last = window(client, seconds)
    return (last["video_frames_decoded"] - first["video_frames_decoded"]) * 1000.0 / max(1, last["t_ms"] - first["t_ms"])


def settle(alice):
    """The controller's time starts with media: on a loaded machine ICE and
    DTLS may take seconds"""
    alice.wait("first-peer-audio-buffer", 30)
    time.sleep(SETTLE_S + MEASURE_S)


def cap(ctx, tmp, link):
    # half a second of buffer, as a DSL or cable modem has: a 150 kbit/s
    # link with less cannot take one keyframe of even this small picture
    link.emu.set("b2a", rate=150, queue=500)
    alice, bob = kl.start_call(kc, ctx, tmp, link, kl.media_env(pattern="motion"))
    settle(alice)
    _, last = window(bob, MEASURE_S)
    sent = [e["tx_kbps"] for e in bob.events if e.get("event") == "stats"][-MEASURE_S:]
    sent.sort()
    median_sent = sent[len(sent) // 2]
    print("bob sent %s kbit/s (median %d), target %s kbit/s; alice decoded %.1f fps, long freezes %d"
          % (sent, median_sent, last.get("video_target_kbps"), decoded_fps(alice, MEASURE_S),
             alice.last_stats().get("long_freeze_count", -1)))
    kc.check(last.get("video_target_kbps", 10 ** 6) < 150,
             "bob's video target %s kbit/s is not under the 150 kbit/s cap" % last.get("video_target_kbps"))
    kc.check(median_sent <= 150, "bob still sends %d kbit/s into a 150 kbit/s link" % median_sent)
    kc.check(decoded_fps(alice, MEASURE_S) >= 0.6 * FPS,
             "alice decodes %.1f fps of %d through the cap" % (decoded_fps(alice, MEASURE_S), FPS))
    kc.check(bob.last_stats().get("peer_network_quality") in ("good", "fair", "poor"),
             "bob does not hear alice's receiver reports: %s" % bob.last_stats())
    alice.send("end")
    kc.disconnected(bob, "NORMAL", "CALLER", True)


def loss(ctx, tmp, link):
    link.emu.set("both", loss=5)
    alice, bob = kl.start_call(kc, ctx, tmp, link, kl.media_env(pattern="motion"))
    settle(alice)
    last = alice.last_stats()
    fps = decoded_fps(alice, MEASURE_S)
    print("alice: nack %s, retransmitted %s, fec %s, concealed audio %s, decoded %.1f fps, rx loss %s; "
          "bob: keyframes %s/%s" % (last.get("nack_count"), last.get("retransmitted_count"),
                                    last.get("fec_recovered_count"), last.get("audio_concealed_count"), fps,
                                    last.get("rx_loss"), bob.last_stats().get("keyframes_sent"),
                                    bob.last_stats().get("keyframe_requests")))
    losses = [e.get("rx_loss", 0) for e in alice.events if e.get("event") == "stats"][-MEASURE_S:]
    kc.check(max(losses) > 0.02, "alice measures no loss on an 5 %% lossy link: %s" % losses)
    kc.check(last.get("nack_count", 0) > 0, "alice asked for no retransmission: %s" % last)
    kc.check(last.get("retransmitted_count", 0) + last.get("fec_recovered_count", 0) > 0,
             "no lost packet came back: %s" % last)
    kc.check(fps >= 0.7 * FPS, "alice decodes %.1f fps of %d through 5 %% loss" % (fps, FPS))
    alice.send("end")
    kc.disconnected(bob, "NORMAL", "CALLER", True)


SCENARIOS = {"cap": cap, "loss": loss}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in SCENARIOS:
        print("usage: kit-quality.py {%s}" % ",".join(SCENARIOS), file=sys.stderr)
        return 2
    name = sys.argv[1]
    why = kl.check_root()
    if why:
        print("SKIP:", why)
        return kn.SKIP
    link = kl.Link(name)
    return kn.run(kc, name, link.make, link.remove,
                  lambda ctx, tmp: SCENARIOS[name](ctx, tmp, link), logs=("server.log",))


if __name__ == "__main__":
    sys.exit(main())
