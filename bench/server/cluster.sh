#!/bin/sh
# bench/server/cluster.sh BUILD_DIR — calls whose parties are on different
# nodes of a three-node cluster, next to one node on the same store, and
# what Redis and PostgreSQL do per call
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs itself inside tests/server/pgenv.py and tests/server/redisenv.py
# (throwaway PostgreSQL and Redis on this machine). Measures, for one node
# (PostgreSQL, no bus) and for three nodes on one Redis bus with every
# caller on node one and every callee on node two: call setups (CALL_PAIRS
# pairs for CALL_SECONDS of back-to-back calls) and signalling relay at
# 1,000 msg/s. Counts Redis commands (INFO commandstats) and PostgreSQL
# transactions over the call-setup run. Writes bench/results/server-cluster.json
# and prints a markdown table. See docs/benchmarks.md, "Several nodes".
set -eu

BUILD=${1:?usage: bench/server/cluster.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [ -z "${DUET_TEST_PG:-}" ]; then
  exec python3 "$ROOT/tests/server/pgenv.py" "$ROOT/tests/server/redisenv.py" sh "$HERE/cluster.sh" "$BUILD"
fi
SERVER=$BUILD/src/server/duet-server
BENCH=$BUILD/bench/server
OUT=$ROOT/bench/results/server-cluster.json
PAIRS=${CALL_PAIRS:-50}
SECONDS_RUN=${CALL_SECONDS:-10}
REDIS_HOST=${DUET_TEST_REDIS%:*}
REDIS_PORT=${DUET_TEST_REDIS#*:}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-cluster-XXXXXX")
PIDS=
cleanup () {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

commits () {
  psql -d "$DUET_TEST_PG" -Atc "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
}

redis_commands () {
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" INFO commandstats |
    awk -F'[=,:]' '/^cmdstat_/ { n += $3 } END { print n + 0 }'
}

# $1: a name for its output; the rest: its options. Sets URL.
start_node () {
  name=$1
  shift
  "$SERVER" serve --port 0 --max-pending-per-address 20000 --calls-per-minute 1000000 \
    --store "$DUET_TEST_PG" "$@" > "$TMP/$name.out" 2>> "$TMP/$name.log" &
  PIDS="$PIDS $!"
  i=0
  while ! grep -q '^listening on ' "$TMP/$name.out"; do
    i=$((i + 1)); [ $i -lt 200 ] || { echo "$name did not start" >&2; cat "$TMP/$name.log" >&2; exit 1; }
    sleep 0.05
  done
  URL=$(sed -n 's/^listening on //p' "$TMP/$name.out")
}

stop_nodes () {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=
}

# $1: a name; $2, $3: the callers' and the callees' server. Each run has
# users of its own: calls still going on when a run stops are kept (for
# the grace period), so their users are busy for a while.
measure () {
  "$BENCH/duet-bench-calls" --url "$2" --callee-url "$3" --tokens "$TMP/tokens-$1" --prefix "$1" \
    --pairs "$PAIRS" --seconds "$SECONDS_RUN" > "$TMP/calls-$1.json"
  cat "$TMP/calls-$1.json" >&2
  "$BENCH/duet-bench-relay" --url "$2" --callee-url "$3" --tokens "$TMP/tokens-$1-relay" --prefix "$1-relay" --rate 1000 \
    --seconds "${RELAY_SECONDS:-10}" > "$TMP/relay-$1.json" 2>> "$TMP/relay-$1.log" || true   # 1: not sustained
  cat "$TMP/relay-$1.json" >&2
}

IDLE_PER_NODE=${IDLE_PER_NODE:-3000}
"$BENCH/duet-bench-users" --store "$DUET_TEST_PG" --prefix idle --count $((IDLE_PER_NODE * 3)) \
  --tokens "$TMP/tokens-idle" > /dev/null
for set in single single-relay cluster cluster-relay; do
  "$BENCH/duet-bench-users" --store "$DUET_TEST_PG" --prefix "$set" --count $((PAIRS * 2)) \
    --tokens "$TMP/tokens-$set" > /dev/null
done

echo "== one node" >&2
start_node single
measure single "$URL" "$URL"
stop_nodes

echo "== three nodes, caller on one and callee on two" >&2
start_node one --bus "redis://$DUET_TEST_REDIS"
ONE=$URL
start_node two --bus "redis://$DUET_TEST_REDIS"
TWO=$URL
start_node three --bus "redis://$DUET_TEST_REDIS"
THREE=$URL
sleep 5   # the nodes' first heartbeats: each has heard of the others
sleep 1.5
pg_before=$(commits)
redis_before=$(redis_commands)
"$BENCH/duet-bench-calls" --url "$ONE" --callee-url "$TWO" --tokens "$TMP/tokens-cluster" --prefix cluster \
  --pairs "$PAIRS" --seconds "$SECONDS_RUN" > "$TMP/calls-cluster.json"
redis_after=$(redis_commands)
sleep 1.5   # statistics reach pg_stat_database within a second
pg_after=$(commits)
cat "$TMP/calls-cluster.json" >&2
"$BENCH/duet-bench-relay" --url "$ONE" --callee-url "$TWO" --tokens "$TMP/tokens-cluster-relay" --prefix cluster-relay --rate 1000 \
  --seconds "${RELAY_SECONDS:-10}" > "$TMP/relay-cluster.json" 2>> "$TMP/relay-cluster.log" || true
cat "$TMP/relay-cluster.json" >&2
rss=$(for p in $PIDS; do awk '/^VmRSS/ { print $2 }' "/proc/$p/status"; done | tr '\n' ' ')

# Idle clients, a third on each node: what each node holds, and what it
# keeps of the others' (every node's directory knows every device)
echo "== $IDLE_PER_NODE idle clients on each of the three nodes" >&2
HOLDERS=
i=0
for url in "$ONE" "$TWO" "$THREE"; do
  "$BENCH/duet-bench-reconnect" --url "$url" --tokens "$TMP/tokens-idle" --count "$IDLE_PER_NODE" \
    --skip $((i * IDLE_PER_NODE)) --inflight 128 --hold > "$TMP/idle-$i.json" &
  HOLDERS="$HOLDERS $!"
  i=$((i + 1))
done
for i in 0 1 2; do
  while ! [ -s "$TMP/idle-$i.json" ]; do sleep 0.2; done
  cat "$TMP/idle-$i.json" >&2
done
sleep 3   # the last sign-ins reach the other nodes' directories
rss_idle=$(for p in $PIDS; do awk '/^VmRSS/ { print $2 }' "/proc/$p/status"; done | tr '\n' ' ')
for p in $HOLDERS; do kill "$p"; wait "$p" 2>/dev/null || true; done
stop_nodes
echo "{\"pg_commits\": $((pg_after - pg_before)), \"redis_commands\": $((redis_after - redis_before)), \"rss_kib\": \"$rss\", \"rss_idle_kib\": \"$rss_idle\", \"idle_per_node\": $IDLE_PER_NODE}" \
  > "$TMP/costs.json"

mkdir -p "$(dirname "$OUT")"
python3 - "$TMP" "$OUT" <<'PY'
import json, os, platform, sys, time
tmp, out = sys.argv[1], sys.argv[2]
load = lambda name: json.load(open(os.path.join(tmp, name)))
calls = {k: load(f'calls-{k}.json') for k in ('single', 'cluster')}
relay = {k: load(f'relay-{k}.json') for k in ('single', 'cluster')}
costs = load('costs.json')
cycles = max(calls['cluster']['cycles'], 1)
model = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
res = {'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
       'machine': {'nproc': os.cpu_count(), 'cpu': model, 'kernel': platform.release()},
       'calls': calls, 'relay': relay,
       'redis_commands_per_call': round(costs['redis_commands'] / cycles, 2),
       'pg_commits_per_call': round(costs['pg_commits'] / cycles, 3),
       'cluster_rss_kib': costs['rss_kib'].split(),
       'idle_per_node': costs['idle_per_node'],
       'idle_signed_in_s': [load(f'idle-{i}.json')['all_signed_in_s'] for i in range(3)],
       'cluster_rss_idle_kib': costs['rss_idle_kib'].split()}
json.dump(res, open(out, 'w'), indent=2)
print('| measure | one node | three nodes, parties on different nodes |')
print('| --- | --- | --- |')
c, r = calls, relay
print(f"| call setups ({calls['single'].get('pairs', '?')} pairs) | {c['single']['setups_per_s']:.0f}/s, p50 {c['single']['setup_p50_ms']:.1f} ms, p99 {c['single']['setup_p99_ms']:.1f} ms "
      f"| {c['cluster']['setups_per_s']:.0f}/s, p50 {c['cluster']['setup_p50_ms']:.1f} ms, p99 {c['cluster']['setup_p99_ms']:.1f} ms |")
key50 = next(k for k in r['single'] if k.endswith('p50_ms'))
key99 = next(k for k in r['single'] if k.endswith('p99_ms'))
print(f"| relay at 1,000 msg/s | p50 {r['single'][key50]:.2f} ms, p99 {r['single'][key99]:.2f} ms "
      f"| p50 {r['cluster'][key50]:.2f} ms, p99 {r['cluster'][key99]:.2f} ms |")
print(f"\nPer call across nodes: {res['redis_commands_per_call']} Redis commands, "
      f"{res['pg_commits_per_call']} PostgreSQL transactions; node RSS at the end: {costs['rss_kib']} KiB")
before = [int(x) for x in res['cluster_rss_kib']]
after = [int(x) for x in res['cluster_rss_idle_kib']]
n = res['idle_per_node']
print(f"{n:,} idle clients on each node ({3 * n:,} in all), signed in in {res['idle_signed_in_s']} s: "
      f"node RSS {' / '.join(f'{a / 1024:.1f}' for a in after)} MiB "
      f"(+{' / '.join(f'{(a - b) / n:.1f}' for a, b in zip(after, before))} KiB per client held), "
      f"{sum(after) / 1024:.1f} MiB in all")
PY
echo "wrote $OUT" >&2
