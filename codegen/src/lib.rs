//! Spec → validated model → emitters (Rust, JSON Schema, Markdown docs).
#![deny(missing_docs)]

pub mod model;
