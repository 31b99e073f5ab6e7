//! The committed bindings of every spec, compiled as library code so that `cargo clippy
//! --all-targets -- -D warnings` lints them as a charm's crate would (no `allow` preamble).

/// `spec/kafka_client/v0.yaml`'s bindings, as committed.
pub mod kafka_client {
    include!("../../generated/bindings/kafka_client/v0.rs");
}

/// `spec/mysql_client/v0.yaml`'s bindings, as committed.
pub mod mysql_client {
    include!("../../generated/bindings/mysql_client/v0.rs");
}

/// `spec/postgresql_client/v0.yaml`'s bindings, as committed.
pub mod postgresql_client {
    include!("../../generated/bindings/postgresql_client/v0.rs");
}

/// `spec/valkey_client/v1.yaml`'s bindings, as committed (the `valkey-client` crate compiles
/// them through `databag-interfaces`).
pub mod valkey_client {
    include!("../../generated/bindings/valkey_client/v1.rs");
}
