#!/usr/bin/env bash
# Runs the databag decoder fuzz target for a bounded time (default 60 s; FUZZ_SECONDS sets it).
# libFuzzer's instrumentation needs unstable rustc flags: the one stable toolchain accepts
# them with RUSTC_BOOTSTRAP=1, which is scoped to this build only.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
mkdir -p corpus/decode_databag
cp -n seeds/* corpus/decode_databag/ 2>/dev/null || true
export RUSTC_BOOTSTRAP=1
cargo fuzz run --sanitizer none decode_databag corpus/decode_databag -- \
  -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
