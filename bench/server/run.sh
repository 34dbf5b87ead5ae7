#!/bin/sh
# bench/server/run.sh BUILD_DIR — duet-server benchmarks
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds nothing: run `meson compile -C BUILD_DIR` first. Every scenario gets a
# fresh duet-server on a fresh copy of a temporary database holding 10,000
# users (bench0…bench9999, made by duet-bench-users). Writes
# bench/results/server.json and prints a markdown table. See
# docs/benchmarks.md, section "Server".
#
# Every client offers permessage-deflate, as browsers do. The call-setup
# and relay figures are taken twice: alone, and beside IDLE_HELD idle
# authenticated connections (held by duet-bench-reconnect --hold: plain
# sockets on one epoll, so that the idle clients cost the 2 cores next to
# nothing, as clients on other machines would), and once more beside
# IDLE_HELD clients that each send a `ping` every 5 s, as the kit does.
#
# Environment: CALL_PAIRS (50), CALL_SECONDS (10), RELAY_SECONDS (10),
# SWEEP_SECONDS (5), IDLE_HELD (10000), SKIP_10K=1 to leave out the
# 10,000-connection runs.
set -eu

BUILD=${1:?usage: bench/server/run.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SERVER=$BUILD/src/server/duet-server
BENCH=$BUILD/bench/server
OUT=$ROOT/bench/results/server.json
for b in "$SERVER" "$BENCH/duet-bench-users" "$BENCH/duet-bench-conns" "$BENCH/duet-bench-calls" "$BENCH/duet-bench-relay" "$BENCH/duet-bench-reconnect"; do
  [ -x "$b" ] || { echo "missing $b: run meson compile -C $1" >&2; exit 1; }
done

# this shell and its children only; never system-wide
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-server-XXXXXX")
SP=
HP=
cleanup () {
  if [ -n "$HP" ]; then kill "$HP" 2>/dev/null || true; wait "$HP" 2>/dev/null || true; fi
  if [ -n "$SP" ]; then kill "$SP" 2>/dev/null || true; wait "$SP" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

start_server () {
  rm -f "$TMP"/run.db*
  cp "$TMP/template.db" "$TMP/run.db"
  : > "$TMP/server.out"
  # capacity, not abuse: every client here shares 127.0.0.1 and a few
  # accounts, so the per-address and per-account limits are lifted
  "$SERVER" serve --port 0 --db "$TMP/run.db" --max-connections 20000 --max-pending 20000 \
    --max-pending-per-address 20000 --calls-per-minute 1000000 "$@" \
    > "$TMP/server.out" 2>> "$TMP/server.log" &
  SP=$!
  i=0
  while ! grep -q '^listening on ' "$TMP/server.out"; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "server did not start" >&2; cat "$TMP/server.log" >&2; exit 1; }
    sleep 0.05
  done
  URL=$(sed -n 's/^listening on //p' "$TMP/server.out")
  sleep 0.3   # let it settle before reading its memory
}

stop_server () {
  if [ -n "$HP" ]; then kill "$HP"; wait "$HP" 2>/dev/null || true; HP=; fi
  kill "$SP"; wait "$SP" || true; SP=
}

# IDLE_HELD idle connections, open until stop_server; their report in $1
hold_idle () {
  "$BENCH/duet-bench-reconnect" --url "$URL" --tokens "$TMP/tokens" --count "$IDLE_HELD" --skip $ACTIVE \
    --server-pid "$SP" --hold ${PINGING:+--ping-interval 5} > "$TMP/$1" &
  HP=$!
  while ! [ -s "$TMP/$1" ]; do
    kill -0 "$HP" 2>/dev/null || { echo "the idle holder failed" >&2; exit 1; }
    sleep 0.2
  done
  cat "$TMP/$1" >&2
}

echo "== users" >&2
# the first ACTIVE tokens are the calls' and relays'; idle ones come after
ACTIVE=200
IDLE_HELD=${IDLE_HELD:-10000}
[ "${SKIP_10K:-0}" = 1 ] && IDLE_HELD=1000
"$BENCH/duet-bench-users" --db "$TMP/template.db" --count $((10000 + ACTIVE)) --tokens "$TMP/tokens" > "$TMP/users.json"
# the one-process-per-user path, for the record (20 users, extrapolated)
t0=$(date +%s%N)
for i in $(seq 1 20); do
  echo pw | "$SERVER" user add --db "$TMP/cli.db" --user "cli$i" --password-stdin --kdf-cost min
  "$SERVER" token --db "$TMP/cli.db" --user "cli$i" > /dev/null
done
t1=$(date +%s%N)
echo "{\"cli_add_and_token_ms_per_user\": $(( (t1 - t0) / 20000000 ))}" > "$TMP/cli.json"

echo "== idle connections: 0, 1000$( [ "${SKIP_10K:-0}" = 1 ] || echo ', 10000')" >&2
for n in 0 1000 10000; do
  [ "$n" = 10000 ] && [ "${SKIP_10K:-0}" = 1 ] && continue
  start_server
  "$BENCH/duet-bench-conns" --url "$URL" --tokens "$TMP/tokens" --count "$n" --skip $ACTIVE \
    --server-pid "$SP" > "$TMP/conns-$n.json"
  cat "$TMP/conns-$n.json" >&2
  stop_server
done

# A restart: every client comes back at once. duet-bench-reconnect's
# clients are plain sockets, cheap next to the server they measure.
echo "== $IDLE_HELD clients signing in at once (256 handshakes in flight)" >&2
start_server
"$BENCH/duet-bench-reconnect" --url "$URL" --tokens "$TMP/tokens" --count "$IDLE_HELD" --skip $ACTIVE \
  --inflight 256 --server-pid "$SP" > "$TMP/reconnect.json"
cat "$TMP/reconnect.json" >&2
stop_server

# $1: what is measured; $2: the report's file; $3: "held" to hold IDLE_HELD
# idle connections beside it; then the bench program and its arguments
measure () {
  what=$1 report=$2 held=$3
  shift 3
  echo "== $what${held:+ beside $IDLE_HELD idle connections}" >&2
  start_server
  [ -z "$held" ] || hold_idle "held-$report"
  "$@" --url "$URL" --tokens "$TMP/tokens" > "$TMP/$report"
  cat "$TMP/$report" >&2
  stop_server
}

for held in "" held; do
  measure "call setups" "calls${held:+-idle}.json" "$held" \
    "$BENCH/duet-bench-calls" --pairs "${CALL_PAIRS:-50}" --seconds "${CALL_SECONDS:-10}"
  measure "relay at 1000 msg/s" "relay${held:+-idle}.json" "$held" \
    "$BENCH/duet-bench-relay" --rate 1000 --seconds "${RELAY_SECONDS:-10}"
done

# the same idle clients, each pinging every 5 s as the kit does
PINGING=1
measure "relay at 1000 msg/s (idle clients pinging)" relay-pinging.json held \
  "$BENCH/duet-bench-relay" --rate 1000 --seconds "${RELAY_SECONDS:-10}"
PINGING=

echo "== relay: one call at 1000 msg/s (the per-connection rate limit)" >&2
start_server
"$BENCH/duet-bench-relay" --url "$URL" --tokens "$TMP/tokens" --pairs 1 --rate 1000 \
  --seconds 3 > "$TMP/relay-one.json" 2>> "$TMP/relay-one.log"
cat "$TMP/relay-one.json" >&2
stop_server

echo "== relay sweep" >&2
start_server
"$BENCH/duet-bench-relay" --url "$URL" --tokens "$TMP/tokens" --sweep \
  --seconds "${SWEEP_SECONDS:-5}" > "$TMP/sweep.json"
cat "$TMP/sweep.json" >&2
stop_server

mkdir -p "$(dirname "$OUT")"
python3 - "$TMP" "$OUT" <<'PY'
import json, os, platform, sys, time
tmp, out = sys.argv[1], sys.argv[2]
def load(name):
    path = os.path.join(tmp, name)
    return json.load(open(path)) if os.path.exists(path) else None
model = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
mem = next((int(l.split()[1]) for l in open('/proc/meminfo') if l.startswith('MemTotal')), 0)
res = {
    'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
    'machine': {'nproc': os.cpu_count(), 'cpu': model, 'ram_mib': mem // 1024,
                'kernel': platform.release()},
    'users': load('users.json'), 'users_cli': load('cli.json'),
    'idle': {n: load(f'conns-{n}.json') for n in ('0', '1000', '10000')},
    'calls': load('calls.json'), 'relay_1000': load('relay.json'),
    'relay_one_call': load('relay-one.json'), 'relay_sweep': load('sweep.json'),
    'idle_held': load('held-relay-idle.json'), 'calls_beside_idle': load('calls-idle.json'),
    'relay_1000_beside_idle': load('relay-idle.json'), 'reconnect': load('reconnect.json'),
    'relay_1000_beside_pinging': load('relay-pinging.json'),
}
json.dump(res, open(out, 'w'), indent=2)
m = res['machine']
print(f"Machine: {m['nproc']} × {m['cpu']}, {m['ram_mib']} MiB, Linux {m['kernel']}\n")
print('| measure | value | load avg |')
print('| --- | --- | --- |')
base = res['idle']['0']
for n in ('0', '1000', '10000'):
    r = res['idle'][n]
    if not r:
        continue
    per = f", {(r['rss_kib'] - base['rss_kib']) / int(n):.2f} KiB/conn over 0" if n != '0' and base else ''
    print(f"| RSS at {int(n):,} idle authenticated conns | {r['rss_kib'] / 1024:.1f} MiB (HWM {r['hwm_kib'] / 1024:.1f}), "
          f"{r['fds']} fds, {r['authenticated']}/{n} signed in in {r['connect_all_s']} s{per} | {r['load_after']} |")
r = res['reconnect']
if r:
    print(f"| {r['clients']:,} clients signing in at once ({r['inflight']} in flight) | {r['signed_in']:,} signed in "
          f"in {r['all_signed_in_s']} s ({r['per_s']:,.0f}/s), handshake p50 {r['handshake_p50_ms']:.0f} ms, "
          f"p99 {r['handshake_p99_ms']:.0f} ms, {r['retries']} retries | {r['load_after']} |")
c = res['calls']
print(f"| call setups/s ({c['pairs']} pairs) | {c['setups_per_s']:.0f}/s, setup p50 {c['setup_p50_ms']:.1f} ms, "
      f"p99 {c['setup_p99_ms']:.1f} ms | {c['load_after']} |")
r = res['relay_1000']
print(f"| relay at 1,000 msg/s ({r['pairs']} calls) | p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f}, "
      f"p99 {r['p99_ms']:.2f}, max {r['max_ms']:.2f}, loss {r['loss_pct']:.2f} % | {r['load_after']} |")
held = res['idle_held']
if held:
    n = held['clients']
    c = res['calls_beside_idle']
    print(f"| call setups/s ({c['pairs']} pairs) beside {n:,} idle conns | {c['setups_per_s']:.0f}/s, "
          f"setup p50 {c['setup_p50_ms']:.1f} ms, p99 {c['setup_p99_ms']:.1f} ms | {c['load_after']} |")
    r = res['relay_1000_beside_idle']
    print(f"| relay at 1,000 msg/s beside {n:,} idle conns | p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f}, "
          f"p99 {r['p99_ms']:.2f}, max {r['max_ms']:.2f}, loss {r['loss_pct']:.2f} % | {r['load_after']} |")
    r = res['relay_1000_beside_pinging']
    if r:
        print(f"| relay at 1,000 msg/s beside {n:,} clients pinging every 5 s ({n // 5:,} pings/s) | p50 {r['p50_ms']:.2f} ms, "
              f"p95 {r['p95_ms']:.2f}, p99 {r['p99_ms']:.2f}, max {r['max_ms']:.2f}, loss {r['loss_pct']:.2f} % | {r['load_after']} |")
r = res['relay_one_call']
print(f"| relay, one call at 1,000 msg/s | {r['received_per_s']:.0f} msg/s delivered, {r['rate_limited']} rate_limited, "
      f"socket closed (1008) | {r['load_after']} |")
s = res['relay_sweep']
print(f"| max sustained relay rate | {s['max_sustained_rate']:,.0f} msg/s ({s['criterion']}) | "
      f"{s['steps'][-1]['load_after']} |")
PY
echo "wrote $OUT" >&2
