//! Shared helpers for the cross-crate test suites of databag.

/// The README's example, compiled and run as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExample;

pub mod bindings;
pub mod juju_emu;
pub mod valkey_server;
