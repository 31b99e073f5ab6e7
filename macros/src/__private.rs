//! What `#[derive(Databag)]` expands to calls into. Not a public API: names and signatures may
//! change in any release; the derive and this crate are pinned to each other.

pub use serde_json::{Map, Value};
pub use std::sync::{Arc, OnceLock};
pub use std::{option::Option, result::Result, string::String, vec::Vec};

use crate::error::{Error, Path};
use crate::shape::Kind;

/// A Rust type usable as a databag field: how it looks in the JSON form of an object, and which
/// [`Kind`] the shape records for it.
pub trait WireValue: Sized {
    /// Whether the field may be absent (`Option<T>`).
    const OPTIONAL: bool = false;

    /// The kind recorded in the shape.
    fn kind() -> Kind;

    /// The JSON form. `None` means "absent": the key is not written.
    fn to_value(&self) -> Option<Value>;

    /// Reads the JSON form found at `path`.
    fn from_value(value: Value, path: &Path) -> Result<Self, Error>;

    /// The value of an absent (or `null`) key at `path`: `None` for options, else an error.
    fn absent(path: &Path) -> Result<Self, Error> {
        Err(Error::missing(path.clone()))
    }
}

/// Removes the first present, non-null key among `name` and `aliases` from `object` (all of
/// them are removed, so aliases never linger as unknown keys) and returns its value.
pub fn take(object: &mut Map<String, Value>, name: &str, aliases: &[&str]) -> Option<Value> {
    todo!("runtime helper: {object:?} {name} {aliases:?}")
}

/// Reads the field `name` of type `T` out of `object`: [`take`], then [`WireValue::from_value`]
/// or, when absent, `default` (for `#[databag(default)]`) or [`WireValue::absent`].
pub fn field<T: WireValue>(
    object: &mut Map<String, Value>,
    name: &str,
    aliases: &[&str],
    default: Option<fn() -> T>,
    path: &Path,
) -> Result<T, Error> {
    todo!("runtime helper: {object:?} {name} {aliases:?} {} {path}", default.is_some())
}

/// Checks a `#[databag(constant = "...")]` field's value.
pub fn check_constant(value: &str, expected: &str, path: &Path) -> Result<(), Error> {
    todo!("runtime helper: {value} {expected} {path}")
}

/// Writes field `name` into `object` when `value` is present.
pub fn put<T: WireValue>(object: &mut Map<String, Value>, name: &str, value: &T) {
    todo!("runtime helper: {object:?} {name} {}", value.to_value().is_some())
}
