//! Shared helpers for the cross-crate test suites of databag.

/// The README's example, compiled and run as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExample;

pub mod bench_input;
pub mod bindings;
pub mod interop;
pub mod python_driver;
pub mod sibling;
pub mod test_ca;
pub mod valkey_connect;
pub mod valkey_sentinel;
pub mod valkey_server;
pub mod valkey_users;
