#!/usr/bin/env bash
# The interface author's edit loop: build cost of the generated crate `valkey-client`, debug
# and release (the charm author's clean-build cost against a serde-only charm is
# tests/scripts/bench-build.sh), measured in a temporary clone of the repository at REV (default HEAD) with a
# target directory of its own, so neither the working tree nor target/ is touched (uncommitted
# changes are therefore not measured):
#   - clean build: from scratch, every dependency compiled (none downloaded: the crates are
#     fetched, untimed, beforehand);
#   - no-op rebuild: nothing changed, what cargo's freshness check costs;
#   - rebuild after a spec edit: one field description in spec/valkey_client/v1.yaml changed,
#     then `databag generate` (the CLI built beforehand, untimed) and the build, which
#     recompiles databag-interfaces and valkey-client: the edit loop of someone changing the
#     interface (valkey-client has no build script: the bindings are committed).
# Rebuilds are timed REBUILD_RUNS times (default 3), median; the clean build once per profile.
# Wall seconds and CPU seconds (user + system of cargo and everything it ran; with /usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=$(git rev-parse "${REV:-HEAD}")
runs="${REBUILD_RUNS:-3}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A clone rather than a worktree: it shares nothing with the user's repository (no worktree
# entry to leave behind if this script is killed), and it is only a few megabytes.
git clone --quiet --no-checkout --no-hardlinks "$PWD" "$work/repo"
git -C "$work/repo" checkout --quiet --detach "$rev"
cd "$work/repo"
# The host's dependencies into cargo's cache, so the clean build times compiling, not the network.
cargo fetch --quiet --locked --target "$(rustc -vV | sed -n 's/^host: //p')"

# `measure LOG CMD...`: runs CMD (its output into LOG), prints "wall cpu" in seconds.
measure() {
  local log=$1
  shift
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -o "$work/time" -f '%e %U %S' "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$work/time"
  else
    local start end
    start=$(date +%s.%N)
    "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f -\n", e - s }'
  fi
}

# `median` of "wall cpu" lines on stdin, each column on its own ("-" when not measured).
median() {
  local lines
  lines=$(cat)
  printf '%s %s\n' "$(cut -d' ' -f1 <<<"$lines" | middle)" "$(cut -d' ' -f2 <<<"$lines" | middle)"
}
middle() {
  sort -n | awk '{ a[NR] = $1 }
    END { m = int((NR + 1) / 2)
          if (NR % 2 || a[m] == "-") print a[m]; else printf "%.2f\n", (a[m] + a[m + 1]) / 2 }'
}

spec=spec/valkey_client/v1.yaml
original='description: Random salt used to compute the request id.'
grep -qF "$original" "$spec" || { echo "bench-build: the field description to edit is not in $spec" >&2; exit 1; }

results=()
for profile in debug release; do
  # A target directory per profile: the clean build shares nothing with the other profile's.
  export CARGO_TARGET_DIR="$work/target-$profile"
  git checkout --quiet -- "$spec" generated
  flags=(--locked -p valkey-client)
  [[ $profile == release ]] && flags+=(--release)
  clean=$(measure "$work/log" cargo build "${flags[@]}")
  noop=$(for _ in $(seq "$runs"); do measure "$work/log" cargo build "${flags[@]}"; done | median)
  cargo build --quiet --locked -p databag-codegen --bin databag
  databag="$CARGO_TARGET_DIR/debug/databag"
  edit=$(
    for i in $(seq "$runs"); do
      # A different description each run, so every run has a real change to rebuild.
      sed -i "s/^\( *\)description: Random salt used to compute the request id\..*/\1$original Edit $i $profile./" "$spec"
      measure "$work/log" bash -c "\"$databag\" generate && cargo build ${flags[*]}"
      # A rebuild that did not recompile the crate would time nothing: say so rather than print it.
      grep -q 'Compiling valkey-client' "$work/log" || {
        echo "bench-build: the spec edit did not recompile valkey-client" >&2
        exit 1
      }
    done | median
  )
  results+=("clean build (from scratch, deps incl.)|$profile|$clean"
    "no-op rebuild|$profile|$noop"
    "rebuild after spec edit (1 description)|$profile|$edit")
done

printf '%-42s %-8s %8s %8s\n' step profile wall_s cpu_s
for row in "${results[@]}"; do
  IFS='|' read -r step profile figures <<<"$row"
  read -r wall cpu <<<"$figures"
  printf '%-42s %-8s %8s %8s\n' "$step" "$profile" "$wall" "$cpu"
done
echo "(seconds; cargo build -p valkey-client at ${rev:0:12}; rebuilds: median of $runs; cpu = user + system;" \
  "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
