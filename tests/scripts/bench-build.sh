#!/usr/bin/env bash
# What databag adds to a charm's build (issue 15's targets: at most +10 s per clean build,
# debug and release; a stripped release binary of at most 800 KiB). Two charms doing the same
# job (ask Valkey for a user on a key prefix, report the connection in the unit's status),
# both built outside the repository as a charm author builds them:
#   - tests/external/cache-charm: on `databag` + `valkey-client`, served from the `.crate`
#     files `cargo package` makes (patched in for crates.io, as external-charm.sh does);
#   - tests/external/cache-charm-serde: written by hand on serde + serde_json only.
# Each is built clean (a fresh target directory, every dependency compiled; none downloaded:
# the crates are fetched, untimed, beforehand) in debug and in release, CLEAN_RUNS times
# (default 1; the median), the two charms alternating; then the release binaries are stripped
# and weighed. The crates are packaged from a temporary clone at REV (default HEAD), so the
# working tree and target/ are untouched (and uncommitted changes are not measured).
# Wall seconds and CPU seconds (user + system of cargo and everything it ran; /usr/bin/time).
# Where the databag charm's time goes: the crates that took longest to compile in its clean
# builds of the last run (`cargo build --timings`, both charms built with it alike).
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=$(git rev-parse "${REV:-HEAD}")
runs="${CLEAN_RUNS:-1}"
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-checkout --no-hardlinks "$PWD" "$work/repo"
git -C "$work/repo" checkout --quiet --detach "$rev"
repo=$work/repo
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)

# The crates a charm depends on, as a registry would serve them (verification is
# tests/scripts/package.sh's job; here only the packaged sources matter).
crates=(databag-derive databag databag-interfaces valkey-client)
(cd "$repo" && CARGO_TARGET_DIR=$work/target-package cargo package --quiet --locked --no-verify \
  "${crates[@]/#/--package=}")
mkdir -p "$work/registry"
patch=""
for crate in "${crates[@]}"; do
  tar -xzf "$work/target-package/package/$crate-$version.crate" -C "$work/registry"
  patch+="$crate = { path = \"$work/registry/$crate-$version\" }"$'\n'
done

# `charm NAME`: the crate of tests/external/NAME, set up in $work/NAME with the workspace's lock
# file (the dependency versions the suite was tested with; cargo drops what a charm does not use).
charm() {
  local name=$1
  cp -r "$repo/tests/external/$name" "$work/$name"
  python3 - "$work/$name/Cargo.toml.in" "$work/$name/Cargo.toml" "$patch" <<'PY'
import sys
template, out, patch = sys.argv[1:4]
open(out, "w").write(open(template).read().replace("@PACKAGES@", patch.rstrip("\n")))
PY
  rm "$work/$name/Cargo.toml.in"
  cp "$repo/Cargo.lock" "$work/$name/Cargo.lock"
  (cd "$work/$name" && cargo fetch --quiet --target "$(rustc -vV | sed -n 's/^host: //p')")
}
charm cache-charm
charm cache-charm-serde

# `measure LOG CMD...`: runs CMD (its output into LOG), prints "wall cpu" in seconds.
measure() {
  local log=$1
  shift
  /usr/bin/time -o "$work/time" -f '%e %U %S' "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
  awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$work/time"
}
# `median`: of "wall cpu" lines on stdin, each column on its own.
median() {
  local lines
  lines=$(cat)
  printf '%s %s\n' "$(cut -d' ' -f1 <<<"$lines" | middle)" "$(cut -d' ' -f2 <<<"$lines" | middle)"
}
middle() {
  sort -n | awk '{ a[NR] = $1 } END { m = int((NR + 1) / 2); if (NR % 2) print a[m]; else printf "%.2f\n", (a[m] + a[m + 1]) / 2 }'
}

# `clean NAME PROFILE RUN`: one clean build of charm NAME's binary, "wall cpu".
clean() {
  local name=$1 profile=$2 run=$3 flags=(--offline --timings --bin "$1")
  [[ $profile == release ]] && flags+=(--release)
  export CARGO_TARGET_DIR=$work/target-$name-$profile-$run
  (cd "$work/$name" && measure "$work/log" cargo build "${flags[@]}")
}

# `slowest HTML`: the six crates of a `--timings` report that took longest (all their units:
# library, build script, binary), "name seconds" each.
slowest() {
  python3 - "$1" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\n\]);", html, re.S).group(1))
total = {}
for unit in units:
    total[unit["name"]] = total.get(unit["name"], 0.0) + unit["duration"]
print(", ".join(f"{name} {secs:.1f} s" for name, secs in sorted(total.items(), key=lambda kv: -kv[1])[:6]))
PY
}

declare -A figures
for profile in debug release; do
  for name in cache-charm cache-charm-serde; do : >"$work/$name-$profile"; done
  for run in $(seq "$runs"); do
    # Alternating, so a burst of load on this shared machine hits both charms alike.
    for name in cache-charm cache-charm-serde; do
      clean "$name" "$profile" "$run" >>"$work/$name-$profile"
      if [[ $name == cache-charm && $run == "$runs" ]]; then
        slowest "$work/target-$name-$profile-$run/cargo-timings/cargo-timing.html" >"$work/slowest-$profile"
      fi
      # Only the last run's release target is kept (for the binary size).
      [[ $profile == release && $run == "$runs" ]] || rm -rf "$work/target-$name-$profile-$run"
    done
  done
  for name in cache-charm cache-charm-serde; do
    figures[$name-$profile]=$(median <"$work/$name-$profile")
  done
done
for name in cache-charm cache-charm-serde; do
  strip -o "$work/$name.stripped" "$work/target-$name-release-$runs/release/$name"
  figures[$name-size]=$(( $(stat -c %s "$work/$name.stripped") / 1024 ))
done

verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "met" : "MISSED" }'; }
printf '%-32s %-16s %-16s %-16s %-10s %s\n' what databag_charm serde_only delta target verdict
for profile in debug release; do
  read -r ours_wall ours_cpu <<<"${figures[cache-charm-$profile]}"
  read -r serde_wall serde_cpu <<<"${figures[cache-charm-serde-$profile]}"
  delta_wall=$(awk -v a="$ours_wall" -v b="$serde_wall" 'BEGIN { printf "%+.1f", a - b }')
  delta_cpu=$(awk -v a="$ours_cpu" -v b="$serde_cpu" 'BEGIN { printf "%+.1f", a - b }')
  printf '%-32s %-16s %-16s %-16s %-10s %s\n' "clean build, $profile (wall/cpu)" \
    "$ours_wall/$ours_cpu s" "$serde_wall/$serde_cpu s" "$delta_wall/$delta_cpu s" "<= +10 s" \
    "$(verdict "$delta_wall" 10)"
done
printf '%-32s %-16s %-16s %-16s %-10s %s\n' "stripped release binary" \
  "${figures[cache-charm-size]} KiB" "${figures[cache-charm-serde-size]} KiB" \
  "+$(( figures[cache-charm-size] - figures[cache-charm-serde-size] )) KiB" "<= 800 KiB" \
  "$(verdict "${figures[cache-charm-size]}" 800)"
for profile in debug release; do
  echo "slowest crates of the databag charm, $profile (cargo --timings, compile seconds): $(cat "$work/slowest-$profile")"
done
echo "(clean builds of tests/external/cache-charm on the packaged databag crates at ${rev:0:12} and of" \
  "tests/external/cache-charm-serde; median of $runs; delta judged on wall time; cpu = user + system;" \
  "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg))"
