//! Shared helpers for the cross-crate test suites of databag.

pub mod bindings;
pub mod juju_emu;
pub mod valkey_server;
