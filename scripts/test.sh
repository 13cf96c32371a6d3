#!/usr/bin/env bash
# Runs every test in the workspace: unit, property, program (solana-program-test with the real SPL Token
# program), IDL freshness, relayer and end-to-end. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
cargo test --workspace --locked "$@"
