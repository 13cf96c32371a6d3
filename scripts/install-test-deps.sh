#!/usr/bin/env bash
# Installs what the tests need beyond cargo: Debian's Chromium (the dashboard test loads pages in it).
# Idempotent: does nothing when it is already there. Needs root (or sudo) and Debian's apt mirror.
set -euo pipefail
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi
echo "installing chromium (Debian) for the dashboard test..." >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version >&2
