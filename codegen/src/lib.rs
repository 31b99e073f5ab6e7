//! Spec → validated model → emitters (Rust, JSON Schema, Markdown docs).
#![deny(missing_docs)]

pub mod builder;
#[cfg(feature = "cli")]
pub mod cli;
pub mod diag;
pub mod emit;
pub mod import;
pub mod model;
mod spec;

pub use builder::{Builder, Error};
pub use diag::{Diagnostic, Diagnostics};
pub use model::Interface;
