//! Typed bindings of the Juju `valkey_client` relation interface.

pub mod valkey;
