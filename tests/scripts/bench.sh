#!/usr/bin/env bash
# One command, three tables: (1) our bindings, bare serde_json and the reference Python models
# timed on the same v1 provider databags (N = 1, 100, 10000 responses), with ratios; (2) cold
# start of a hook, Rust charm vs the Python reference's imports (bench-cold-start.sh, RUNS);
# (3) build cost of the generated crate: clean, no-op and after a spec edit (bench-build.sh,
# REBUILD_RUNS, REV). The Criterion benches of (1) are separate:
# `cargo bench -p databag-tests --bench databag`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/scripts/python-env.sh >/dev/null
cargo build --quiet --release -p databag-tests --bin bench_databag
# Where cargo just put it: a CARGO_TARGET_DIR of the caller's, or target/.
bench_databag="${CARGO_TARGET_DIR:-target}/release/bench_databag"
python=tests/python/.venv-1.2.2/bin/python
printf '%-6s %12s %12s %12s %14s %12s %10s %10s %10s\n' N ours_decode ours_join ours_encode bare_serde_json ref_decode ref/ours ours/bare ref_enc/ours
for n in 1 100 10000; do
  ours=$("$bench_databag" "$n")
  ref=$("$python" tests/python/bench_reference.py "$n")
  python3 - "$ours" "$ref" <<'PY'
import json, sys
o, r = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{o['n']:<6} {o['decode_ns']:>10.0f}ns {o['join_ns']:>10.0f}ns {o['encode_ns']:>10.0f}ns "
      f"{o['bare_serde_json_ns']:>12.0f}ns {r['decode_ns']:>10.0f}ns "
      f"{r['decode_ns'] / o['decode_ns']:>9.1f}x {o['decode_ns'] / o['bare_serde_json_ns']:>9.1f}x "
      f"{r['encode_ns'] / o['encode_ns']:>9.1f}x")
PY
done
echo "(nanoseconds per request, best of 11 rounds (this machine is shared: single runs vary by up to 2x); machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
echo
echo "Cold start (tests/scripts/bench-cold-start.sh):"
# That script builds into cargo's default target directory but runs its binaries from target/:
# without the caller's CARGO_TARGET_DIR the two agree.
env -u CARGO_TARGET_DIR bash tests/scripts/bench-cold-start.sh
echo
echo "Build cost (tests/scripts/bench-build.sh):"
bash tests/scripts/bench-build.sh
