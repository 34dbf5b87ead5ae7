#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Call quality on good, thin, lossy and jittery links: Duet next to the
GStreamer-defaults baseline, in the same run.

Usage (as root: namespaces and TUN devices, removed on exit):
  bench/quality.py [--runs N] [--only good,cap,loss,jitter] [--json FILE] BUILDDIR

Both sides are duet-call with test sources at 640x480, 30 fps; "duet" is
the kit as shipped, "baseline" the same clients with DUET_MEDIA_BASELINE=1:
no congestion control (the encoder keeps its fixed 600 kbit/s), no FEC,
RTX or Opus FEC, and webrtcbin's default 200 ms receive latency.

  good    loopback, bench/call-setup.py: accept → first peer frame (median
          of N calls, both sides) and capture → render (the median over N
          more 8 s calls of each call's p50 and p95 of its stamped frames,
          both sides). Ball pattern.
  cap     bob → alice through a 500 kbit/s bottleneck (200 ms drop-tail
          queue) for 25 s, then lifted for 12 s. Bob sends the detailed
          "motion" pattern. Settle time: from media start until the 3 s
          average of bob's sent bitrate (1 s samples) stays under the cap
          to the lift (a keyframe may top a second); then alice's decoded
          fps and freezes over 500 ms until the lift; after the lift, the
          time until bob sends full size at full frame rate again.
  loss    5 % random loss both ways, 30 s, motion pattern: alice's decoded
          fps over the last 20 s, freezes over 500 ms per minute, audio
          packets concealed, NACK/RTX and FEC counters.
  jitter  100 ms ± 30 ms one-way delay both ways (uniform, no reordering),
          30 s, ball pattern with capture stamps: freezes over 500 ms and
          capture → render p95 of alice's view.
Each link scenario runs N calls per variant and reports the median across
them. Writes bench/results/quality.json and prints markdown tables.
"""
import argparse
import importlib.util
import json
import os
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


# The app's own dead-path timeout and grace period, not the tests' short ones:
# a benchmark call must not end because a loaded machine stalled a second
os.environ.setdefault("DUET_TEST_LIVENESS_MS", "2500")
os.environ.setdefault("DUET_TEST_GRACE_S", "20")
cs = load("call_setup", os.path.join(HERE, "call-setup.py"))
kc = load("kit_calls", os.path.join(ROOT, "tests", "kit", "kit-calls.py"))
kl = load("kit_link", os.path.join(ROOT, "tests", "kit", "kit-link.py"))

VARIANTS = {"duet": {}, "baseline": {"DUET_MEDIA_BASELINE": "1"}}
VGA = ["--video-size", "640x480", "--fps", "30"]
CAP_KBPS = 500


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def stats_lines(client):
    return [e for e in client.events if e.get("event") == "stats"]


def media_start_ms(events):
    for e in events:
        if e.get("event") == "first-peer-audio-buffer":
            return e["t_ms"]
    return None


def set_env(extra):
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    return saved


def restore_env(saved):
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def one_link_call(builddir, name, variant_env, pattern, setup_link, timeline, stamp=False):
    """One call across a fresh link; timeline(link, alice, bob) runs it.
    Returns (alice events, bob events)."""
    os.environ["DUET_SERVER"] = os.path.join(builddir, "src/server/duet-server")
    os.environ["DUET_CALL"] = os.path.join(builddir, "src/cli/duet-call")
    kc.SERVER, kc.CLIENT = os.environ["DUET_SERVER"], os.environ["DUET_CALL"]
    env = dict(variant_env, DUET_TEST_PATTERN=pattern, DUET_FAKE_AUDIO_SINK="1")
    if stamp:
        env["DUET_BENCH_STAMP"] = "1"
    link = kl.Link(name)
    saved = set_env(env)
    try:
        link.make()
        setup_link(link)
        with tempfile.TemporaryDirectory(prefix="duet-quality-") as tmp:
            ctx = kc.Context(tmp)
            try:
                alice, bob = kl.start_call(kc, ctx, tmp, link, {}, options=VGA)
                timeline(link, alice, bob)
                alice.send("end")
                alice.wait("disconnected", 15)
                bob.wait("disconnected", 15)
                time.sleep(0.5)
                return list(alice.events), list(bob.events)
            finally:
                ctx.close()
                # DUET_QUALITY_LOGS=DIR keeps each client's stderr (with
                # DUET_TRACE_QUALITY=1: a line per receiver report)
                keep = os.environ.get("DUET_QUALITY_LOGS")
                if keep:
                    os.makedirs(keep, exist_ok=True)
                    for c in ctx.clients:
                        with open(c.stderr_path, "rb") as src, \
                             open(os.path.join(keep, "%s-%s-%s.err" % (name, "baseline" if variant_env else "duet", c.user)), "wb") as dst:
                            dst.write(src.read())
    finally:
        restore_env(saved)
        link.remove()


def cap_run(builddir, variant_env):
    capped_s, lifted_s = 25, 12
    holder = {}

    def timeline(link, alice, bob):
        time.sleep(capped_s)
        holder["lift_ms"] = bob.last_stats().get("t_ms", 0)
        link.emu.set("b2a", rate=0)
        time.sleep(lifted_s)

    a, b = one_link_call(builddir, "cap", variant_env, "motion",
                         lambda link: link.emu.set("b2a", rate=CAP_KBPS, queue=200), timeline)
    start, lift = media_start_ms(a), holder["lift_ms"]
    bstats = [e for e in b if e.get("event") == "stats"]
    astats = [e for e in a if e.get("event") == "stats"]
    capped = [e for e in bstats if start is not None and e["t_ms"] >= start and e["t_ms"] <= lift]
    # settled: from the first 1 s sample after which the sent bitrate's
    # 3 s average stays under the cap (a keyframe may top one second)
    settle = None
    avg = [sum(x["tx_kbps"] for x in capped[max(0, i - 2):i + 1]) / len(capped[max(0, i - 2):i + 1])
           for i in range(len(capped))]
    for i, e in enumerate(capped):
        if all(a < CAP_KBPS for a in avg[i:]):
            settle = e["t_ms"] - start
            break
    after = [e for e in astats if settle is not None and start + settle <= e["t_ms"] <= lift]
    fps = None
    long_freezes = None
    if len(after) >= 2:
        fps = (after[-1]["video_frames_decoded"] - after[0]["video_frames_decoded"]) * 1000.0 / max(1, after[-1]["t_ms"] - after[0]["t_ms"])
        long_freezes = after[-1].get("long_freeze_count", 0) - after[0].get("long_freeze_count", 0)
    recovered = None
    for e in bstats:
        if e["t_ms"] > lift and e.get("tx_width") == 640 and e.get("tx_fps", 0) >= 27:
            recovered = e["t_ms"] - lift
            break
    sent_capped = [x["tx_kbps"] for x in capped[-10:]]
    return {"settle_ms": settle, "fps_after_settle": fps, "long_freezes_after_settle": long_freezes,
            "recover_full_ms": recovered, "sent_kbps_last_10s": median(sent_capped),
            "sent_kbps_after_lift": median([x["tx_kbps"] for x in bstats if x["t_ms"] > lift + 5000])}


def loss_run(builddir, variant_env):
    a, b = one_link_call(builddir, "loss", variant_env, "motion",
                         lambda link: link.emu.set("both", loss=5), lambda link, al, bo: time.sleep(30))
    astats = [e for e in a if e.get("event") == "stats"]
    window = astats[-21:]
    span_min = (window[-1]["t_ms"] - window[0]["t_ms"]) / 60000.0
    last = astats[-1]
    audio_expected = (window[-1]["t_ms"] - window[0]["t_ms"]) / 20.0   # Opus: 20 ms packets
    audio_got = window[-1]["audio_buffers_decoded"] - window[0]["audio_buffers_decoded"]
    return {"fps": (window[-1]["video_frames_decoded"] - window[0]["video_frames_decoded"]) / (span_min * 60),
            "long_freezes_per_min": (window[-1].get("long_freeze_count", 0) - window[0].get("long_freeze_count", 0)) / span_min,
            "audio_concealed": last.get("audio_concealed_count"),
            "audio_decoded_share": round(audio_got / audio_expected, 3) if audio_expected else None,
            "nack": last.get("nack_count"), "retransmitted": last.get("retransmitted_count"),
            "fec_recovered": last.get("fec_recovered_count"), "rx_loss": last.get("rx_loss")}


def jitter_run(builddir, variant_env):
    a, b = one_link_call(builddir, "jitter", variant_env, "ball",
                         lambda link: link.emu.set("both", delay=100, jitter=30),
                         lambda link, al, bo: time.sleep(30), stamp=True)
    astats = [e for e in a if e.get("event") == "stats"]
    lat = [e for e in a if e.get("event") == "latency"]
    lat = lat[-1] if lat else {}
    return {"long_freezes": astats[-1].get("long_freeze_count") if astats else None,
            "freezes": astats[-1].get("freeze_count") if astats else None,
            "capture_to_render_p50_ms": lat.get("latency_p50_ms"),
            "capture_to_render_p95_ms": lat.get("latency_p95_ms"),
            "latency_n": lat.get("latency_n"),
            "jitter_buffer_ms": astats[-1].get("jitter_buffer_ms") if astats else None}


def good_runs(builddir, runs, variant_env):
    """Setup over N calls; capture → render over N more calls of 8 s (the
    side a frame lands on against the display clock varies from call to
    call, so one call says little): the median of their p50s and p95s"""
    saved = set_env(variant_env)
    try:
        out = cs.measure(builddir, runs=runs, call_seconds=0)
        calls = [cs.measure(builddir, runs=1, call_seconds=8)["call"] for _ in range(runs)]
    finally:
        restore_env(saved)
    out["calls"] = calls
    for side in ("caller", "callee"):
        out.setdefault("call", {})[side] = {
            "latency_p50_ms": median([c[side]["latency_p50_ms"] for c in calls]),
            "latency_p95_ms": median([c[side]["latency_p95_ms"] for c in calls]),
            "latency_p95_ms_each": [c[side]["latency_p95_ms"] for c in calls]}
    return out


SCENARIOS = {"cap": cap_run, "loss": loss_run, "jitter": jitter_run}


def summarize(rows):
    keys = rows[0].keys() if rows else []
    return {k: median([r[k] for r in rows]) for k in keys if all(not isinstance(r[k], str) for r in rows)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("builddir")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="good,cap,loss,jitter")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "quality.json"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench/quality.py needs root (network namespaces)", file=sys.stderr)
        return 2

    out = {"runs": args.runs, "machine": {"nproc": os.cpu_count()},
           "load_before": open("/proc/loadavg").read().split()[0], "scenarios": {}}
    wanted = args.only.split(",")
    for variant, env in VARIANTS.items():
        if "good" in wanted:
            res = good_runs(args.builddir, args.runs, env)
            out["scenarios"].setdefault("good", {})[variant] = res
            setup = res.get("setup_ms", {})
            calls = res.get("call", {})
            print("good %s: accept->first frame callee %s caller %s; capture->render %s" % (
                variant, setup.get("accept -> first frame (callee)"), setup.get("accept -> first frame (caller)"),
                {k: (v.get("latency_p50_ms"), v.get("latency_p95_ms")) for k, v in calls.items()
                 if isinstance(v, dict)}), flush=True)
        for name in ("cap", "loss", "jitter"):
            if name not in wanted:
                continue
            rows = []
            for i in range(args.runs):
                try:
                    rows.append(SCENARIOS[name](args.builddir, env))
                except (kc.Fail, OSError, KeyError, IndexError) as e:
                    # a call that failed is a result too: counted, not fatal
                    rows.append({"error": "%s: %s" % (type(e).__name__, e)})
                print("%s %s run %d: %s" % (name, variant, i + 1, json.dumps(rows[-1])), flush=True)
            ok = [r for r in rows if "error" not in r]
            out["scenarios"].setdefault(name, {})[variant] = {"runs": rows, "median": summarize(ok),
                                                             "failed": len(rows) - len(ok)}
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps({k: {v: d.get("median", "see good") for v, d in s.items()} for k, s in out["scenarios"].items()},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
