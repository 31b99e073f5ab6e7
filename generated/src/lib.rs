//! Typed bindings of the Juju `valkey_client` relation interface.
//!
//! [`valkey_client`] is generated from `spec/valkey_client/v1.yaml` by this crate's build
//! script (`databag_codegen::Builder`); a readable copy is committed as
//! `bindings/valkey_client/v1.rs`, next to the JSON Schemas (`json_schemas/`) and the interface
//! document (`docs/`). The structs derive `databag::Databag`; the enums
//! [`valkey_client::RequirerAppData`] and [`valkey_client::ProviderAppData`] tell the wire
//! versions apart by the requirer's `version` key.
//!
//! ```
//! use databag::{Bag, Versioned};
//! use valkey_client::valkey_client::RequirerAppData;
//!
//! let requests = r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN"}]"#;
//! let bag = Bag::from([
//!     ("requests".to_owned(), requests.to_owned()),
//!     ("version".to_owned(), "v1".to_owned()),
//! ]);
//! let RequirerAppData::V1(data) = RequirerAppData::from_bag(&bag)? else {
//!     panic!("`version: v1` selects the v1 layout");
//! };
//! assert_eq!(data.requests[0].resource, "application:*");
//! # Ok::<(), databag::Error>(())
//! ```
#![warn(missing_docs)]

/// The `valkey_client` v1 databags: objects inside JSON-encoded values at the top, one module
/// per wire version (`v0`, `v1`), and per role an enum over the wire versions.
pub mod valkey_client {
    include!(concat!(env!("OUT_DIR"), "/valkey_client_v1.rs"));
}

pub mod relation;
pub mod valkey;

#[cfg(test)]
mod tests {
    /// The committed copy is what the build generated: regenerate with
    /// `cargo run -p databag-codegen -- generate` when this fails.
    #[test]
    fn committed_bindings_match_the_build() {
        let built = include_str!(concat!(env!("OUT_DIR"), "/valkey_client_v1.rs"));
        let committed = include_str!("../bindings/valkey_client/v1.rs");
        assert!(
            built == committed,
            "generated/bindings/valkey_client/v1.rs is stale; run `cargo run -p databag-codegen -- generate`"
        );
    }
}
