//! JSON Schema (draft 2020-12) of databags, from their [`Shape`]s.

use serde_json::Value;

use crate::shape::{Shape, Versions};

/// Schema of a databag following `shape`: every value a string; JSON-encoded values described
/// with `contentMediaType: application/json` and `contentSchema`.
pub fn bag_schema(shape: &Shape) -> Value {
    todo!("{}", shape.name)
}

/// Schema of a JSON object following `shape` (inside a JSON-encoded databag value).
pub fn object_schema(shape: &Shape) -> Value {
    todo!("{}", shape.name)
}

/// Schema of a versioned databag: one alternative per version, discriminated by the tag.
pub fn versions_schema(versions: &Versions) -> Value {
    todo!("{}", versions.tag)
}
