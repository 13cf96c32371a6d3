#!/usr/bin/env bash
# Runs the cargo-fuzz targets (fuzz/): the protocol decoder and the relayer's session state machine.
#   bash scripts/fuzz.sh            # 60 s per target (what the test command runs)
#   bash scripts/fuzz.sh 3600       # longer, on demand
# Installs cargo-fuzz from crates.io when missing. The machine has only the stable toolchain, so libFuzzer's
# instrumentation flags are enabled with RUSTC_BOOTSTRAP=1; no sanitizer (the code under test is safe Rust).
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz..." >&2
  cargo install cargo-fuzz --locked --version 0.13.2
fi
export RUSTC_BOOTSTRAP=1
cd fuzz
cargo fuzz build --sanitizer none -O
for t in protocol_decode session; do
  mkdir -p "corpus/$t"
  echo "fuzzing $t for ${SECS}s" >&2
  cargo fuzz run "$t" --sanitizer none -O "corpus/$t" "seeds/$t" -- -max_total_time="$SECS" -timeout=30 -print_final_stats=1 2>&1 \
    | grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added|ERROR|panicked|SUMMARY" || true
  if [ -n "$(ls -A "artifacts/$t" 2>/dev/null)" ]; then
    echo "fuzz target $t found a failing input: fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
