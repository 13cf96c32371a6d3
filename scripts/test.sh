#!/usr/bin/env bash
# Runs every test in the workspace: unit, property, program (solana-program-test with the real SPL Token
# program), IDL freshness, relayer, end-to-end, and the dashboard in headless Chromium. This is the README's
# test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
bash scripts/install-test-deps.sh
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export TREZ_REQUIRE_BROWSER=1
cargo test --workspace --locked "$@"
