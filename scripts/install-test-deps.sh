#!/usr/bin/env bash
# Installs what the tests need beyond cargo: Debian's Chromium (the dashboard test loads pages in it) and
# PostgreSQL's server binaries (the ledger suite and the multi-relayer tests start throwaway clusters with
# `initdb`/`postgres`, run as the `postgres` system user when the tests run as root).
# Idempotent: installs only what is missing. Needs root (or sudo) and Debian's apt mirror.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi
missing=()
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  missing+=(chromium)
fi
if [ -z "${TREZ_PG_BIN:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing ${missing[*]} (Debian) for the tests..." >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [[ " ${missing[*]} " == *" chromium "* ]]; then
  /usr/bin/chromium --version >&2
fi
if [[ " ${missing[*]} " == *" postgresql "* ]]; then
  # Debian's package starts a system cluster; the tests use their own throwaway clusters only.
  ls /usr/lib/postgresql/*/bin/initdb >&2
fi
