//! What `#[derive(Databag)]` expands to calls into. Not a public API: names and signatures may
//! change in any release; the derive and this crate are pinned to each other.

pub use serde_json::{Map, Value};
pub use std::sync::{Arc, OnceLock};
pub use std::{option::Option, result::Result, string::String, vec::Vec};

use std::collections::BTreeMap;

use zeroize::Zeroize;

use crate::error::{Error, ErrorKind, Path};
use crate::secret::{Secret, SecretUri, kind_name};
use crate::shape::{Kind, Versions};
use crate::{Bag, Unknown};

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
    let mut found = None;
    for key in std::iter::once(name).chain(aliases.iter().copied()) {
        if let Some(value) = object.shift_remove(key)
            && found.is_none()
            && !value.is_null()
        {
            found = Some(value);
        }
    }
    found
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
    let path = path.key(name);
    match take(object, name, aliases) {
        Some(value) => T::from_value(value, &path),
        None => match default {
            Some(default) => Ok(default()),
            None => T::absent(&path),
        },
    }
}

/// Checks a `#[databag(constant = "...")]` field's value.
pub fn check_constant(value: &str, expected: &str, path: &Path) -> Result<(), Error> {
    if value == expected {
        Ok(())
    } else {
        Err(Error::new(
            path.clone(),
            ErrorKind::UnexpectedValue {
                expected: expected.to_owned(),
                found: value.to_owned(),
            },
        ))
    }
}

/// Writes field `name` into `object` when `value` is present.
pub fn put<T: WireValue>(object: &mut Map<String, Value>, name: &str, value: &T) {
    if let Some(value) = value.to_value() {
        object.insert(name.to_owned(), value);
    }
}

/// Writes the keys of a `flatten` field that no declared field wrote.
pub fn put_unknown(object: &mut Map<String, Value>, unknown: &Unknown) {
    for (key, value) in unknown {
        if !object.contains_key(key) {
            object.insert(key.clone(), value.clone());
        }
    }
}

/// The object a nested struct is read from, or a wrong-type error at `path`.
pub fn object_from_value(value: Value, path: &Path) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(object) => Ok(object),
        other => Err(Error::wrong_type(
            path.clone(),
            "an object",
            describe(&other),
        )),
    }
}

/// Index of the variant of `versions` that the databag's tag selects.
pub fn select_variant(versions: &Versions, bag: &Bag) -> Result<usize, Error> {
    let tag = bag.get(&versions.tag).map(String::as_str);
    versions
        .variants
        .iter()
        .position(|variant| Some(variant) == versions.select(tag))
        .ok_or_else(|| {
            Error::new(
                Path::root().key(&versions.tag),
                ErrorKind::UnknownVersion {
                    tag: versions.tag.clone(),
                    found: tag.unwrap_or_default().to_owned(),
                    expected: versions
                        .variants
                        .iter()
                        .map(|v| match &v.selector {
                            crate::Selector::Value(s) => s.clone(),
                            crate::Selector::ValueOrAbsent(s) => format!("{s} (or absent)"),
                            crate::Selector::Other => "any other value".to_owned(),
                        })
                        .collect(),
                },
            )
        })
}

/// A short description of a (non-secret) value for error messages.
fn describe(value: &Value) -> String {
    match value {
        Value::String(s) if s.chars().count() <= 40 => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => kind_name(other).to_owned(),
    }
}

impl WireValue for String {
    fn kind() -> Kind {
        Kind::String
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.clone()))
    }
    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(Error::wrong_type(
                path.clone(),
                "a string",
                describe(&other),
            )),
        }
    }
}

impl WireValue for bool {
    fn kind() -> Kind {
        Kind::Bool
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(Error::wrong_type(
                path.clone(),
                "a boolean",
                describe(&other),
            )),
        }
    }
}

impl WireValue for i64 {
    fn kind() -> Kind {
        Kind::Integer
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::from(*self))
    }
    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        match value.as_i64() {
            Some(n) => Ok(n),
            None => Err(Error::wrong_type(
                path.clone(),
                "an integer",
                describe(&value),
            )),
        }
    }
}

impl WireValue for Value {
    fn kind() -> Kind {
        Kind::Any
    }
    fn to_value(&self) -> Option<Value> {
        Some(self.clone())
    }
    fn from_value(value: Value, _path: &Path) -> Result<Self, Error> {
        Ok(value)
    }
}

impl WireValue for SecretUri {
    fn kind() -> Kind {
        Kind::SecretUri
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.to_string()))
    }
    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        match value {
            Value::String(s) => {
                SecretUri::parse(&s).map_err(|e| Error::new(path.clone(), e.kind().clone()))
            }
            other => Err(Error::wrong_type(
                path.clone(),
                "a Juju secret URI",
                describe(&other),
            )),
        }
    }
}

impl<T: WireValue + Zeroize> WireValue for Secret<T> {
    fn kind() -> Kind {
        T::kind()
    }
    fn to_value(&self) -> Option<Value> {
        self.expose_secret().to_value()
    }
    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        let found = kind_name(&value);
        // The inner error would quote the value: replace it by the value's type.
        T::from_value(value, path)
            .map(Secret::new)
            .map_err(|e| match e.kind() {
                ErrorKind::WrongType { expected, .. } => {
                    Error::wrong_type(path.clone(), expected.clone(), found)
                }
                _ => Error::custom(path.clone(), "malformed secret value (withheld)"),
            })
    }
}

impl<T: WireValue> WireValue for Option<T> {
    const OPTIONAL: bool = true;
    fn kind() -> Kind {
        T::kind()
    }
    fn to_value(&self) -> Option<Value> {
        self.as_ref().and_then(T::to_value)
    }
    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        if value.is_null() {
            Ok(None)
        } else {
            T::from_value(value, path).map(Some)
        }
    }
    fn absent(_path: &Path) -> Result<Self, Error> {
        Ok(None)
    }
}

impl<T: WireValue> WireValue for Vec<T> {
    fn kind() -> Kind {
        Kind::List(Box::new(T::kind()))
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::Array(
            self.iter()
                .map(|item| item.to_value().unwrap_or(Value::Null))
                .collect(),
        ))
    }
    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| T::from_value(item, &path.index(i)))
                .collect(),
            other => Err(Error::wrong_type(path.clone(), "a list", describe(&other))),
        }
    }
}

impl<T: WireValue> WireValue for BTreeMap<String, T> {
    fn kind() -> Kind {
        Kind::Map(Box::new(T::kind()))
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::Object(
            self.iter()
                .map(|(k, v)| (k.clone(), v.to_value().unwrap_or(Value::Null)))
                .collect(),
        ))
    }
    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        match value {
            Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| {
                    let item = T::from_value(v, &path.key(&k))?;
                    Ok((k, item))
                })
                .collect(),
            other => Err(Error::wrong_type(
                path.clone(),
                "an object",
                describe(&other),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_prefers_the_name_and_consumes_aliases() {
        let mut object = Map::new();
        object.insert("sentinel_endpoints".into(), Value::from("old"));
        object.insert("sentinel-endpoints".into(), Value::from("new"));
        let value = take(&mut object, "sentinel-endpoints", &["sentinel_endpoints"]);
        assert_eq!(value, Some(Value::from("new")));
        assert!(object.is_empty());
    }

    #[test]
    fn secret_errors_withhold_the_value() {
        let error = <Secret<bool>>::from_value(Value::from("hunter2"), &Path::root().key("tls"))
            .expect_err("not a bool");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }
}
