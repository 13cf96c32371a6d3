#!/usr/bin/env bash
# Runs every test in the workspace: unit, property, program (solana-program-test with the real SPL Token
# program), IDL freshness, relayer, end-to-end, kill -9 and RPC-fault tests, the dashboard in headless
# Chromium, the miner's aarch64 kernels under qemu, then the fuzz targets for a bounded time. This is the
# README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
bash scripts/install-test-deps.sh
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export TREZ_REQUIRE_BROWSER=1
# The ledger suite runs against SQLite and a throwaway PostgreSQL cluster; missing PostgreSQL is a failure here.
export TREZ_REQUIRE_POSTGRES=1
cargo test --workspace --locked "$@"
# The miner alone, with its own feature set as `cargo install --path client-miner` builds it (in the
# workspace run, features other crates enable, such as TLS, would hide one the miner forgot).
cargo test --locked -p trez-miner
# The miner's ARM kernels, cross-built for aarch64 and run under qemu-aarch64 (installs its tools from apt and
# rustup when missing; TREZ_AARCH64=0 skips it).
bash scripts/aarch64.sh
# Coverage-guided fuzzing of the protocol decoder and the session state machine, bounded (60 s per target);
# `bash scripts/fuzz.sh 3600` runs longer on demand. TREZ_FUZZ_SECS=0 skips it.
if [ "${TREZ_FUZZ_SECS:-60}" != 0 ]; then
  bash scripts/fuzz.sh "${TREZ_FUZZ_SECS:-60}"
fi
