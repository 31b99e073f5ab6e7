#!/usr/bin/env bash
# Cold start, whole process: the example Rust requirer charm handling `cache-relation-changed`
# end to end (hook tools spawned against the emulated Juju CLI, one response decoded, two
# secrets resolved, the connection file written) against the Python reference's floor,
# `python -c 'import ops, dpcharmlibs.interfaces'` (imports only, no hook work). Wall time
# (median) and peak memory (largest resident set of the process and its children), each
# command timed RUNS times after one warm-up, the two alternating.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${RUNS:-21}"
bash tests/scripts/python-env.sh >/dev/null
# GNU time measures peak memory (Debian package `time`, on the machine image already).
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
cargo build --quiet --release -p databag-tests --bins
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/bench_cold_start "$work/model" > "$work/env"
python3 tests/scripts/cold_start.py "$runs" "$work/env" "$PWD/target/release/valkey_requirer_charm" \
  "$PWD/tests/python/.venv-1.2.2/bin/python"
