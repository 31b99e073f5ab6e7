#!/usr/bin/env bash
# The crates a charm depends on package and build as a registry would serve them, and
# `valkey-client` pulls no code generator into a charm's build. tests/scripts/test.sh runs this.
#
# 1. `cargo package` with its verification (each packaged crate unpacked and built on its own,
#    its unpublished workspace dependencies served from a temporary local registry) for what a
#    charm depends on: the runtime `databag`, its proc-macro crate `databag-derive`, the
#    bindings `databag-interfaces` and `valkey-client`. A file a crate `include!`s from outside
#    its directory fails here, not on a charm author's machine.
#    `databag-codegen` (for charm authors who generate from their own specs in a build.rs) is
#    packaged with `--no-verify`: building it alone compiles clap, jsonschema, prettyplease and
#    the YAML stack, which on 2 cores and an empty target directory took the step from about
#    1.5 to about 5 minutes. Its sources include no file from outside codegen/ (its tests read
#    the repository's spec/ and generated/, and tests are not built by a verification).
# 2. `cargo tree` of `valkey-client`: no databag-codegen, prettyplease, serde_yaml or yaml-rust2
#    among its normal dependencies, nor among the build dependencies of anything it builds.
#
# Downloads dependencies the local cache lacks (cargo's usual network access); publishes
# nothing. On a tree with uncommitted changes (a developer's, not CI's clean checkout) it
# passes `--allow-dirty`, so what is checked is the working tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS

verified=(databag-derive databag databag-interfaces valkey-client)
unverified=(databag-codegen)
flags=(--locked)
if [[ -n "$(git status --porcelain 2>/dev/null)" ]]; then
  echo "package: uncommitted changes in the tree: packaging the working tree (--allow-dirty)"
  flags+=(--allow-dirty)
fi

# `package CARGO-FLAGS...`: cargo package, progress lines filtered out; fails when cargo does.
package() {
  if ! cargo package "${flags[@]}" "$@" 2>&1 |
    { grep -Ev '^ +(Compiling|Downloaded|Downloading|Updating|Unpacking|Blocking)' || true; }; then
    echo "package: cargo package $* failed" >&2
    exit 1
  fi
}
package "${verified[@]/#/--package=}"
# databag-codegen's lock file resolves `databag` from the packages of the same invocation.
package --no-verify --package=databag-derive --package=databag "${unverified[@]/#/--package=}"

forbidden='^(databag-codegen|prettyplease|serde_yaml|yaml-rust2) '
for edges in normal build normal,build; do
  tree=$(cargo tree --locked -p valkey-client -e "$edges" --prefix none)
  found=$(grep -E "$forbidden" <<<"$tree" | sort -u || true)
  if [[ -n "$found" ]]; then
    echo "package: a charm depending on valkey-client would build (cargo tree -e $edges):" >&2
    echo "$found" >&2
    exit 1
  fi
done
echo "package: valkey-client's tree (normal, build) has none of databag-codegen, prettyplease, serde_yaml, yaml-rust2"
echo "package: ${#verified[@]} crates packaged and verified, ${#unverified[@]} packaged, in $((SECONDS - start)) s"
