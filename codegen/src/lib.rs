//! Spec → validated model → emitters (Rust, JSON Schema, Markdown docs).
//!
//! Beside them: [`diff`], the breaking-change check between two versions of a spec, and
//! [`emit::catalogue`], an interface in the Juju catalogue's layout.
#![deny(missing_docs)]

pub mod builder;
#[cfg(feature = "cli")]
pub mod cli;
pub mod diag;
pub mod diff;
pub mod emit;
pub mod import;
pub mod model;
mod spec;

pub use builder::{Builder, Error};
pub use diag::{Diagnostic, Diagnostics};
pub use model::Interface;
