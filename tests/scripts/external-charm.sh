#!/usr/bin/env bash
# A charm author's path, end to end, outside this repository: a fresh crate (a copy of
# tests/external/cache-charm in a temporary directory) depends on `databag` and `valkey-client`
# by version, served from the `.crate` files tests/scripts/package.sh made (unpacked, and
# patched in for crates.io, as a registry would serve them); it builds, its `cargo tree` has no
# code generator, and its own tests pass with the `testing` feature (the in-memory model and
# the emulated hook tools). tests/scripts/test.sh runs this after package.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
start=$SECONDS
packages=$repo/target/package
crates=(databag-derive databag databag-interfaces valkey-client)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/registry"
patch=""
for crate in "${crates[@]}"; do
  file=$packages/$crate-$version.crate
  [[ -f $file ]] || { echo "external-charm: $file missing: run tests/scripts/package.sh first" >&2; exit 1; }
  tar -xzf "$file" -C "$work/registry"
  patch+="$crate = { path = \"$work/registry/$crate-$version\" }"$'\n'
done

charm=$work/cache-charm
cp -r tests/external/cache-charm "$charm"
python3 - "$charm/Cargo.toml.in" "$charm/Cargo.toml" "$patch" <<'PY'
import sys
template, out, patch = sys.argv[1:4]
open(out, "w").write(open(template).read().replace("@PACKAGES@", patch.rstrip("\n")))
PY
rm "$charm/Cargo.toml.in"
# The workspace's lock file pins the same dependency versions the suite was tested with.
cp Cargo.lock "$charm/Cargo.lock"
# Its own target directory, kept between local runs (a clean clone builds it once).
export CARGO_TARGET_DIR=$repo/target/external-charm
cd "$charm"

forbidden='^(databag-codegen|prettyplease|serde_yaml|yaml-rust2) '
tree=$(cargo tree -e normal,build --prefix none)
if grep -Eq "$forbidden" <<<"$tree"; then
  echo "external-charm: the charm would build a code generator:" >&2
  grep -E "$forbidden" <<<"$tree" | sort -u >&2
  exit 1
fi
if ! grep -q "^databag v$version ($work/registry/databag-$version)" <<<"$tree"; then
  echo "external-charm: databag does not come from the packaged crate:" >&2
  grep '^databag ' <<<"$tree" | sort -u >&2
  exit 1
fi
cargo build --quiet --release --bin cache-charm
if ! cargo test --features testing >"$work/test.log" 2>&1; then
  echo "external-charm: the charm's tests failed" >&2
  tail -n 60 "$work/test.log" >&2
  exit 1
fi
grep -E '^test result' "$work/test.log"
strip -o "$work/cache-charm.stripped" "$CARGO_TARGET_DIR/release/cache-charm"
size=$(stat -c %s "$work/cache-charm.stripped")
echo "external-charm: a crate outside the repository built and tested a charm on the packaged crates in $((SECONDS - start)) s; stripped release binary $((size / 1024)) KiB; no code generator in its tree"
