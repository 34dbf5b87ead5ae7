#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a web-calls.mjs scenario; skips (77) only when node or Chromium is
# missing. A missing puppeteer-core (npm ci not run) is a failure: the
# install step (tools/setup) puts it there.
#   run-web-test.sh SCENARIO
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (tools/setup installs it)"
  exit 77
fi
# Debian's /usr/bin/chromium is a wrapper script; the browser is beside it
if [ -z "${CHROMIUM:-}" ]; then
  for candidate in /usr/lib/chromium/chromium "$(command -v chromium)" "$(command -v chromium-browser)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      CHROMIUM=$candidate
      break
    fi
  done
fi
if [ -z "${CHROMIUM:-}" ]; then
  echo "SKIP: Chromium is not installed (tools/setup installs Debian's chromium)"
  exit 77
fi
export CHROMIUM

if [ -n "${DUET_WEB_SKIP_REASON:-}" ]; then
  echo "SKIP: $DUET_WEB_SKIP_REASON"
  exit 77
fi
exec node "$here/web-calls.mjs" "$@"
