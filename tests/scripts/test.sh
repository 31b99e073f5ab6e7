#!/usr/bin/env bash
# The whole test suite, as CI runs it (`.ci/run` calls this; README.md names it).
# Installs what the tests need (valkey-server, the Python reference library) through the
# project's own scripts, checks generated/ is up to date and the published crates package, lints,
# then runs every test.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n==> %s\n' "$*"; }

step "valkey-server and valkey-sentinel"
bash tests/scripts/install-valkey.sh

step "Python reference library (dpcharmlibs-interfaces 1.0.2, 1.1.0, 1.2.2)"
bash tests/scripts/python-env.sh

step "generated/ is up to date with spec/"
cargo run --quiet -p databag-codegen --bin databag -- check

step "tests/catalogue is up to date with its corpus (tests/scripts/catalogue.sh regenerates it)"
cargo run --quiet -p databag-codegen --bin databag -- \
  import --catalogue tests/catalogue/corpus --out tests/catalogue --check

step "crates a charm depends on package and build alone; valkey-client builds no generator"
bash tests/scripts/package.sh

step "a charm crate outside the repository builds on the packaged crates and passes its tests"
bash tests/scripts/external-charm.sh

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The workspace unifies features (`testing`, the CLI) that a charm's build leaves off: lint the
# crates as a charm and a build.rs compile them too.
cargo clippy --quiet -p databag --no-default-features --features relation -- -D warnings
cargo clippy --quiet -p databag-codegen --no-default-features -- -D warnings

step "fuzz the decoders (bounded)"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash tests/scripts/fuzz.sh 2>&1 | grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|==)"

step "tests"
cargo test --workspace --no-fail-fast 2>&1 | tee target/test-output.txt
grep -E '^test result:' target/test-output.txt | awk '
  { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i; if ($(i+1) ~ /^ignored;?$/) s += $i } }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'

step "hook benchmark smoke run: the Python charm and bench_hook still work (one round; no timing judged)"
# The debug binaries `cargo test` just built; each run checks the hook's outcome (status, the
# connection file), so a broken charm or driver fails here rather than in the benchmark.
target/debug/bench_hook --rounds 1 --responses 1,2 >target/bench-hook-smoke.txt
echo "bench_hook: both charms handled cache-relation-changed (1 and 2 responses, first and steady)"
