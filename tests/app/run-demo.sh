#!/bin/sh
# Two-person demo on one machine: an embedded duet-server with the demo
# accounts alice and bob, and two Duet windows signed in as them. Call bob
# from alice's window (or the other way round) to see a call end to end.
# Without a camera or microphone the call kit sends test sources by itself;
# DUET_TEST_SOURCES=1 forces them.
#
# Usage: tests/app/run-demo.sh BUILD_DIR
#
# Settings and sign-ins go to a temporary XDG_CONFIG_HOME that is removed
# on exit; the access tokens go to the keyring, if there is one, under the
# profiles "alice" and "bob".
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
server="$build/src/server/duet-server"
app="$build/src/app/duet"
for f in "$server" "$app"; do
  [ -x "$f" ] || { echo "$0: $f is missing; build first (ninja -C $build)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/duet-demo.XXXXXX")
pids=""
cleanup() {
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

for user in alice bob; do
  echo "$user-demo-password" | "$server" user add --db "$tmp/duet.db" --user "$user" \
    --password-stdin --kdf-cost min
done

"$server" serve --db "$tmp/duet.db" --port 0 > "$tmp/server.out" &
pids="$pids $!"
url=""
for _ in $(seq 50); do
  url=$(sed -n 's/^listening on //p' "$tmp/server.out")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "$0: duet-server did not start" >&2; exit 1; }
echo "duet-server is listening on $url (accounts: alice, bob; password: <user>-demo-password)"

export GSETTINGS_SCHEMA_DIR="$build/data"
export XDG_CONFIG_HOME="$tmp/config"

for user in alice bob; do
  echo "$user-demo-password" | "$app" --profile "$user" --server "$url" --user "$user" \
    --password-stdin &
  pids="$pids $!"
done

echo "Two Duet windows are starting, signed in as alice and bob. Press Ctrl+C to stop."
wait
