#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How precise tools/linkemu.py is, and what it costs.

Usage (as root: it makes two network namespaces, removed on exit):
  bench/linkemu.py [--seconds S]

For each load below, UDP flows A->B through linkemu with delay=20 (no
jitter, no loss) for S seconds (default 10); sender and receiver are this
process, so one clock times both ends. Reports
  extra     one-way delay minus the configured 20 ms (and minus the
            packet's serialisation time with a rate): p50, p99, max (ms);
            an upper bound on linkemu's scheduling error, since it also
            holds the kernel's path and this process's own wake-ups
  late      linkemu's own count: how late it wrote packets after their due
            time (mean, max, share over 1 ms)
  cpu       linkemu's CPU time over wall time, % of one core, user + system
            (system holds the receiving side's network stack, which runs
            in linkemu's write to the TUN device)
Loads: 1.5 Mbit/s of 1200-byte packets (156 packets/s), the same through
rate=2000 (the bottleneck paces them), and 2000 packets/s of 200 bytes.
Writes bench/results/linkemu.json and prints a markdown table. Not a test.
"""
import argparse
import importlib.util
import json
import os
import select
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("linkemu", os.path.join(HERE, "..", "tools", "linkemu.py"))
le = importlib.util.module_from_spec(spec)
spec.loader.exec_module(le)

PID = os.getpid()
NS_A, NS_B = "duet-bla-%d" % PID, "duet-blb-%d" % PID
HEADER = struct.Struct("!Id")
DELAY_MS = 20

LOADS = [  # name, packets/s, payload bytes, a2b parameters
    ("1.5 Mbit/s, 1200 B", 156, 1200, {}),
    ("1.5 Mbit/s, 1200 B, rate=2000", 156, 1200, {"rate": 2000}),
    ("2000 pkt/s, 200 B", 2000, 200, {}),
]


def cpu_seconds(pid):
    """(user, system) CPU seconds of a process"""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def measure(emu, pps, size, params, seconds):
    emu.set("a2b", **dict(le.DEFAULTS, delay=DELAY_MS, **params))
    socks = []
    for ns, addr in ((NS_A, emu.a), (NS_B, emu.b)):
        with le.in_netns(ns):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, 5006))
        s.setblocking(False)
        socks.append(s)
    tx, rx = socks
    before = emu.stats()["a2b"]
    cpu0, t0 = cpu_seconds(emu.proc.pid), time.monotonic()
    extra = []
    # the link is never busy at these loads: a packet only waits for its own serialisation
    serialise = (size + 28) * 8 / params["rate"] if params.get("rate") else 0
    n = int(pps * seconds)
    k = 0
    end = t0 + seconds + 0.5
    while True:
        now = time.monotonic()
        while k < n and t0 + k / pps <= now:
            tx.sendto(HEADER.pack(k, time.monotonic()).ljust(size, b"\0"), (emu.b, 5006))
            k += 1
        if now >= end:
            break
        wake = min(end, t0 + k / pps) if k < n else end
        if select.select([rx], [], [], max(0, wake - now))[0]:
            while True:
                try:
                    data = rx.recv(65536)
                except BlockingIOError:
                    break
                extra.append((time.monotonic() - HEADER.unpack_from(data)[1]) * 1000 - DELAY_MS - serialise)
    wall = time.monotonic() - t0
    cpu = [(b - a) / wall * 100 for a, b in zip(cpu0, cpu_seconds(emu.proc.pid))]
    after = emu.stats()["a2b"]
    for s in socks:
        s.close()
    extra.sort()
    out = after["out_packets"] - before["out_packets"]
    late_n = after["late_over_1ms"] - before["late_over_1ms"]
    return {"packets": n, "received": len(extra),
            "extra_ms": {"p50": round(extra[len(extra) // 2], 3), "p99": round(extra[int(len(extra) * 0.99)], 3),
                         "max": round(extra[-1], 3)},
            # the emulator's mean is cumulative: good enough with one load per emulator
            "late_ms": {"mean": after["late_mean_ms"], "max": after["late_max_ms"],
                        "over_1ms_pct": round(late_n / max(1, out) * 100, 2)},
            "cpu_pct": {"user": round(cpu[0], 2), "system": round(cpu[1], 2)}}


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    opts = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces, TUN devices)")
    results = {"loadavg": loadavg(), "nproc": os.cpu_count(), "seconds": opts.seconds, "loads": {}}
    try:
        for ns in (NS_A, NS_B):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        for name, pps, size, params in LOADS:
            # a fresh emulator per load, so that its cumulative stats are this load's
            with le.LinkEmu(NS_A, NS_B) as emu:
                results["loads"][name] = measure(emu, pps, size, params, opts.seconds)
    finally:
        for ns in (NS_A, NS_B):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "linkemu.json"), "w") as f:
        json.dump(results, f, indent=1)
    print("load avg %.1f, %d s per load\n" % (results["loadavg"], opts.seconds))
    print("| load | received | extra delay p50 / p99 / max | linkemu late mean / max / >1 ms | CPU user + sys |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in results["loads"].items():
        e, late = r["extra_ms"], r["late_ms"]
        print("| %s | %d/%d | %.2f / %.2f / %.1f ms | %.3f / %.1f ms / %.2f %% | %.1f + %.1f %% |"
              % (name, r["received"], r["packets"], e["p50"], e["p99"], e["max"],
                 late["mean"], late["max"], late["over_1ms_pct"], r["cpu_pct"]["user"], r["cpu_pct"]["system"]))


if __name__ == "__main__":
    main()
