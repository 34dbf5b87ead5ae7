#!/bin/sh
# bench/server/store.sh BUILD_DIR — call setups with the SQLite store and
# with PostgreSQL (--store), and what PostgreSQL does per call
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs itself inside tests/server/pgenv.py (a throwaway cluster on this
# machine, fsync off as in the tests: it measures the server's own cost,
# not a disk's). Each store gets CALL_PAIRS (50) caller/callee pairs for
# CALL_SECONDS (10) of back-to-back calls (duet-bench-calls). Writes
# bench/results/server-store.json and prints a markdown table. See
# docs/benchmarks.md, "The store".
set -eu

BUILD=${1:?usage: bench/server/store.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [ -z "${DUET_TEST_PG:-}" ]; then
  exec python3 "$ROOT/tests/server/pgenv.py" sh "$HERE/store.sh" "$BUILD"
fi
SERVER=$BUILD/src/server/duet-server
BENCH=$BUILD/bench/server
OUT=$ROOT/bench/results/server-store.json
PAIRS=${CALL_PAIRS:-50}
SECONDS_RUN=${CALL_SECONDS:-10}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-store-XXXXXX")
SP=
cleanup () {
  if [ -n "$SP" ]; then kill "$SP" 2>/dev/null || true; wait "$SP" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

commits () {
  psql -d "$DUET_TEST_PG" -Atc "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
}

# $1: name; the rest: the server's store options
measure () {
  name=$1
  shift
  : > "$TMP/server.out"
  "$SERVER" serve --port 0 --max-pending-per-address 20000 --calls-per-minute 1000000 "$@" \
    > "$TMP/server.out" 2>> "$TMP/server.log" &
  SP=$!
  i=0
  while ! grep -q '^listening on ' "$TMP/server.out"; do
    i=$((i + 1)); [ $i -lt 200 ] || { echo "server did not start" >&2; cat "$TMP/server.log" >&2; exit 1; }
    sleep 0.05
  done
  URL=$(sed -n 's/^listening on //p' "$TMP/server.out")
  "$BENCH/duet-bench-calls" --url "$URL" --tokens "$TMP/tokens-$name" --pairs "$PAIRS" \
    --seconds "$SECONDS_RUN" > "$TMP/calls-$name.json"
  kill "$SP"; wait "$SP" || true; SP=
  cat "$TMP/calls-$name.json" >&2
}

echo "== SQLite" >&2
"$BENCH/duet-bench-users" --db "$TMP/bench.db" --count $((PAIRS * 2)) --tokens "$TMP/tokens-sqlite" > /dev/null
measure sqlite --db "$TMP/bench.db"

echo "== PostgreSQL" >&2
"$BENCH/duet-bench-users" --store "$DUET_TEST_PG" --count $((PAIRS * 2)) --tokens "$TMP/tokens-pg" > /dev/null
sleep 1.5   # statistics reach pg_stat_database within a second
before=$(commits)
measure pg --store "$DUET_TEST_PG"
sleep 1.5
after=$(commits)
# every call the server saw end, written by the time it stopped?
recorded=$(psql -d "$DUET_TEST_PG" -Atc "SELECT count(*) FROM calls WHERE state = 'ended'")
echo "{\"commits\": $((after - before)), \"recorded\": $recorded}" > "$TMP/pg-commits.json"

mkdir -p "$(dirname "$OUT")"
python3 - "$TMP" "$OUT" <<'PY'
import json, os, platform, sys, time
tmp, out = sys.argv[1], sys.argv[2]
load = lambda name: json.load(open(os.path.join(tmp, name)))
sqlite, pg = load('calls-sqlite.json'), load('calls-pg.json')
commits, recorded = load('pg-commits.json')['commits'], load('pg-commits.json')['recorded']
model = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
res = {'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
       'machine': {'nproc': os.cpu_count(), 'cpu': model, 'kernel': platform.release()},
       'sqlite': sqlite, 'postgresql': pg, 'pg_commits': commits, 'pg_calls_recorded': recorded,
       'pg_commits_per_call': round(commits / max(pg['cycles'], 1), 2)}
json.dump(res, open(out, 'w'), indent=2)
print('| store | call setups/s | setup p50 | setup p99 | errors |')
print('| --- | --- | --- | --- | --- |')
for name, r in (('SQLite (--db)', sqlite), ('PostgreSQL (--store)', pg)):
    print(f"| {name} | {r['setups_per_s']:.0f}/s | {r['setup_p50_ms']:.1f} ms | {r['setup_p99_ms']:.1f} ms | {r['errors']} |")
print(f"\nPostgreSQL: {commits} transactions for {pg['cycles']} calls "
      f"({res['pg_commits_per_call']} per call: writes go in batches); {recorded} ended calls recorded")
PY
echo "wrote $OUT" >&2
