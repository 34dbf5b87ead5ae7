#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# What a second device costs the server: VmRSS and fds with N users signed
# in on one device each, then on two (N more sockets of the same users).
#
#   bench/server/devices.sh BUILDDIR [N]     (N: users, 1000 by default)
#
# Prints one JSON object; docs/benchmarks.md ("Devices of one user") has
# the figures.
set -eu

BUILD=$1
N=${2:-1000}
SERVER=$BUILD/src/server/duet-server
BENCH=$BUILD/bench/server
TMP=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-devices-XXXXXX")
SP=
cleanup () {
  if [ -n "$SP" ]; then kill "$SP" 2>/dev/null || true; wait "$SP" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

"$BENCH/duet-bench-users" --db "$TMP/template.db" --count "$N" --devices 2 --tokens "$TMP/tokens" > /dev/null

measure () {   # $1: sockets (the first N tokens are each user's first device)
  rm -f "$TMP"/run.db*
  cp "$TMP/template.db" "$TMP/run.db"
  : > "$TMP/server.out"
  "$SERVER" serve --port 0 --db "$TMP/run.db" --max-connections 20000 --max-pending 20000 \
    --max-pending-per-address 20000 > "$TMP/server.out" 2>> "$TMP/server.log" &
  SP=$!
  while ! grep -q '^listening on ' "$TMP/server.out"; do sleep 0.05; done
  URL=$(sed -n 's/^listening on //p' "$TMP/server.out")
  sleep 0.3
  "$BENCH/duet-bench-conns" --url "$URL" --tokens "$TMP/tokens" --count "$1" --server-pid "$SP"
  kill "$SP"; wait "$SP" || true; SP=
}

ONE=$(measure "$N")
TWO=$(measure $((N * 2)))
echo "{\"users\": $N, \"one_device\": $ONE, \"two_devices\": $TWO}"
