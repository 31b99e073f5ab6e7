#!/usr/bin/env bash
# One command, four tables: (1) our bindings, bare serde_json and the reference Python models
# timed on the same v1 provider databags (N = 1, 100, 10000 responses), with ratios; (2) the
# hook: the Rust requirer charm against a Python charm on ops + dpcharmlibs-interfaces, same
# relation-changed through the same emulated hook tools, 1 and 50 responses, first answer and
# steady state (bench_hook, HOOK_ROUNDS, default 15); (3) cold start of a hook, Rust charm vs
# the Python reference's imports (bench-cold-start.sh, RUNS); (4) build cost a charm pays for
# databag against a serde-only charm (bench-build.sh, CLEAN_RUNS, REV). With BENCH_EDIT_LOOP=1
# also (5) the interface author's edit loop (bench-edit-loop.sh). The Criterion benches of (1)
# are separate: `cargo bench -p databag-tests --bench databag`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/scripts/python-env.sh >/dev/null
cargo build --quiet --release -p databag-tests --bin bench_databag --bin bench_hook --bin juju_emu \
  --bin valkey_requirer_charm --bin valkey_provider_charm
# Where cargo just put them: a CARGO_TARGET_DIR of the caller's, or target/.
bench_databag="${CARGO_TARGET_DIR:-target}/release/bench_databag"
bench_hook="${CARGO_TARGET_DIR:-target}/release/bench_hook"
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
echo "Hook: Rust requirer charm vs Python charm (ops + dpcharmlibs-interfaces), same tools (bench_hook):"
"$bench_hook" --rounds "${HOOK_ROUNDS:-15}"
echo
echo "Cold start (tests/scripts/bench-cold-start.sh):"
# That script builds into cargo's default target directory but runs its binaries from target/:
# without the caller's CARGO_TARGET_DIR the two agree.
env -u CARGO_TARGET_DIR bash tests/scripts/bench-cold-start.sh
echo
echo "Build cost a charm pays for databag (tests/scripts/bench-build.sh):"
bash tests/scripts/bench-build.sh
if [[ ${BENCH_EDIT_LOOP:-0} == 1 ]]; then
  echo
  echo "Edit loop of valkey-client (tests/scripts/bench-edit-loop.sh):"
  bash tests/scripts/bench-edit-loop.sh
fi
