#!/usr/bin/env bash
# Regenerates the catalogue crate (tests/catalogue): imports every interface version of the
# vendored Juju catalogue (tests/catalogue/corpus) into spec/, bindings/, json_schemas/ and the
# table CATALOGUE.md, then reruns the differential check, rewriting AGREEMENT.md.
# CI checks the same without writing: `databag import --catalogue ... --check` in test.sh, and
# tests/catalogue/tests/agree.rs (part of `cargo test --workspace`) against AGREEMENT.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --quiet -p databag-codegen --bin databag -- \
  import --catalogue tests/catalogue/corpus --out tests/catalogue
DATABAG_BLESS=1 cargo test --quiet -p databag-catalogue --test agree
git status --short tests/catalogue
