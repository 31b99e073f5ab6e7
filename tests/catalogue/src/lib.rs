//! Typed bindings of the Juju interface catalogue (canonical/charm-relation-interfaces), one
//! module per interface version (`tracing_v2`), imported from the catalogue's JSON Schemas by
//! `databag import`. `CATALOGUE.md` says what was guessed and what failed; `AGREEMENT.md` how
//! the bindings and the catalogue's schemas judge the same databags.
//!
//! Everything but this file, `corpus/`, `tests/` and the manifest is generated:
//! `tests/scripts/catalogue.sh` regenerates it.

include!("../bindings/index.rs");
