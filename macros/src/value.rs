//! [`WireValue`] for the field types the runtime knows: strings, booleans, integers, any JSON,
//! secret URIs, secrets, and options, lists and maps of those.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use zeroize::Zeroize;

use crate::__private::Encoder;
use crate::__private::WireValue;
use crate::__private::encode::{write_list, write_map};
use crate::__private::fast::{
    Fallback, Key, OptionVisitor, declined, deserialize_list, deserialize_map, json_content,
};
use crate::error::{Error, ErrorKind, Path};
use crate::secret::{Secret, SecretResolver, SecretUri};
use crate::shape::Kind;
use crate::wire::python::{write_string, write_value};
use crate::wire::{parse_integer, parse_unsigned};

/// `"true"` / `"false"`, exactly: the only boolean spellings a databag or a secret carries.
fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// How a wrong value is named in an error: short values verbatim, long strings cut, containers
/// by their type only (they can be large).
pub(crate) fn describe(value: &Value) -> String {
    const LIMIT: usize = 64;
    match value {
        Value::String(text) if text.chars().count() > LIMIT => {
            let cut: String = text.chars().take(LIMIT).collect();
            format!("{:?}…", cut)
        }
        Value::String(text) => format!("{text:?}"),
        Value::Array(_) | Value::Object(_) => type_name(value).to_owned(),
        other => other.to_string(),
    }
}

/// The JSON type of `value`, for errors that must not show the value itself (secrets).
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
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
            Value::String(text) => Ok(text),
            other => Err(Error::wrong_type(
                path.clone(),
                "a string",
                describe(&other),
            )),
        }
    }

    const PLAIN: bool = true;

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)
    }

    fn from_plain(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }

    fn from_content(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }

    fn resolve_fast(&mut self, _: &mut dyn SecretResolver) -> Result<(), Fallback> {
        Ok(())
    }

    fn write_json(&self, out: &mut String, _: &mut Encoder) -> Result<(), Fallback> {
        write_string(out, self);
        Ok(())
    }

    fn write_plain(&self, out: &mut String) -> Result<(), Fallback> {
        out.push_str(self);
        Ok(())
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
            Value::Bool(flag) => Ok(flag),
            other => Err(Error::wrong_type(
                path.clone(),
                "a boolean",
                describe(&other),
            )),
        }
    }

    const PLAIN: bool = true;

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        bool::deserialize(deserializer)
    }

    fn from_plain(text: &str) -> Option<Self> {
        parse_bool(text)
    }

    fn from_content(text: &str) -> Option<Self> {
        parse_bool(text)
    }

    fn resolve_fast(&mut self, _: &mut dyn SecretResolver) -> Result<(), Fallback> {
        Ok(())
    }

    fn write_json(&self, out: &mut String, _: &mut Encoder) -> Result<(), Fallback> {
        self.write_plain(out)
    }

    fn write_plain(&self, out: &mut String) -> Result<(), Fallback> {
        out.push_str(if *self { "true" } else { "false" });
        Ok(())
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
            Some(number) => Ok(number),
            None => Err(Error::wrong_type(
                path.clone(),
                "an integer",
                describe(&value),
            )),
        }
    }

    const PLAIN: bool = true;

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::deserialize(deserializer)
    }

    fn from_plain(text: &str) -> Option<Self> {
        parse_integer(text)
    }

    fn from_content(text: &str) -> Option<Self> {
        parse_integer(text)
    }

    fn resolve_fast(&mut self, _: &mut dyn SecretResolver) -> Result<(), Fallback> {
        Ok(())
    }

    fn write_json(&self, out: &mut String, _: &mut Encoder) -> Result<(), Fallback> {
        self.write_plain(out)
    }

    fn write_plain(&self, out: &mut String) -> Result<(), Fallback> {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(out, "{self}");
        Ok(())
    }
}

// Written out rather than generated with `i64`'s by a macro: rustc's "the following other
// types implement trait" help for an unsupported field type points at these impls, and inside
// a macro it shows the macro's body instead of `impl WireValue for u64`.
impl WireValue for u64 {
    fn kind() -> Kind {
        Kind::Unsigned
    }

    fn to_value(&self) -> Option<Value> {
        Some(Value::from(*self))
    }

    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        match value.as_u64() {
            Some(number) => Ok(number),
            None => Err(Error::wrong_type(
                path.clone(),
                "a non-negative integer",
                describe(&value),
            )),
        }
    }

    const PLAIN: bool = true;

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u64::deserialize(deserializer)
    }

    fn from_plain(text: &str) -> Option<Self> {
        parse_unsigned(text)
    }

    fn from_content(text: &str) -> Option<Self> {
        parse_unsigned(text)
    }

    fn resolve_fast(&mut self, _: &mut dyn SecretResolver) -> Result<(), Fallback> {
        Ok(())
    }

    fn write_json(&self, out: &mut String, _: &mut Encoder) -> Result<(), Fallback> {
        self.write_plain(out)
    }

    fn write_plain(&self, out: &mut String) -> Result<(), Fallback> {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(out, "{self}");
        Ok(())
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

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer)
    }

    /// JSON, else the raw string, as the checked path's content decoding; `null` declines
    /// (there it means "absent").
    fn from_content(text: &str) -> Option<Self> {
        match serde_json::from_str(text) {
            Ok(Value::Null) => None,
            Ok(value) => Some(value),
            Err(_) => Some(Value::String(text.to_owned())),
        }
    }

    fn resolve_fast(&mut self, _: &mut dyn SecretResolver) -> Result<(), Fallback> {
        Ok(())
    }

    fn is_null(&self) -> bool {
        Value::is_null(self)
    }

    fn write_json(&self, out: &mut String, _: &mut Encoder) -> Result<(), Fallback> {
        write_value(out, self);
        Ok(())
    }
}

impl WireValue for SecretUri {
    fn kind() -> Kind {
        Kind::SecretUri
    }

    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.as_str().to_owned()))
    }

    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        match value {
            Value::String(text) => SecretUri::parse(&text)
                .map_err(|_| Error::new(path.clone(), ErrorKind::InvalidSecretUri { found: text })),
            other => Err(Error::wrong_type(
                path.clone(),
                "a Juju secret URI",
                describe(&other),
            )),
        }
    }

    const PLAIN: bool = true;

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Borrowed from the input when it has no escapes: only the URI itself is allocated.
        let text = Key::deserialize(deserializer)?;
        SecretUri::checked(text.as_str()).ok_or_else(declined)
    }

    fn from_plain(text: &str) -> Option<Self> {
        SecretUri::checked(text)
    }

    fn from_content(text: &str) -> Option<Self> {
        SecretUri::checked(text)
    }

    fn secret_uri(&self) -> Result<Option<&SecretUri>, Fallback> {
        Ok(Some(self))
    }

    fn resolve_fast(&mut self, _: &mut dyn SecretResolver) -> Result<(), Fallback> {
        Ok(())
    }

    fn write_json(&self, out: &mut String, _: &mut Encoder) -> Result<(), Fallback> {
        write_string(out, self.as_str());
        Ok(())
    }

    fn write_plain(&self, out: &mut String) -> Result<(), Fallback> {
        out.push_str(self.as_str());
        Ok(())
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
        // The inner error may quote the value; a secret's error names only a type.
        let outer = type_name(&value);
        T::from_value(value, path)
            .map(Secret::new)
            .map_err(|error| {
                // Deeper errors (an item of a list) are about a value whose type is not known here.
                let found = if error.path() == path {
                    outer
                } else {
                    "a value of another type"
                };
                let kind = match error.kind() {
                    ErrorKind::WrongType { expected, .. } => ErrorKind::WrongType {
                        expected: expected.clone(),
                        found: found.to_owned(),
                    },
                    _ => ErrorKind::Custom(format!("invalid secret value ({found}; not shown)")),
                };
                Error::new(error.path().clone(), kind)
            })
    }

    const PLAIN: bool = T::PLAIN;

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_wire(deserializer).map(Secret::new)
    }

    fn from_plain(text: &str) -> Option<Self> {
        T::from_plain(text).map(Secret::new)
    }

    fn from_content(text: &str) -> Option<Self> {
        T::from_content(text).map(Secret::new)
    }

    fn is_absent(&self) -> bool {
        self.expose_secret().is_absent()
    }

    fn is_null(&self) -> bool {
        self.expose_secret().is_null()
    }

    // Only ever called for a secret's content (`content_text`): the derive refuses a `Secret`
    // outside a secret field, so no plaintext databag value is written from here.
    fn write_json(&self, out: &mut String, encoder: &mut Encoder) -> Result<(), Fallback> {
        self.expose_secret().write_json(out, encoder)
    }

    fn write_plain(&self, out: &mut String) -> Result<(), Fallback> {
        self.expose_secret().write_plain(out)
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
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other, path).map(Some),
        }
    }

    fn absent(_path: &Path) -> Result<Self, Error> {
        Ok(None)
    }

    const PLAIN: bool = T::PLAIN;

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(OptionVisitor::<T>(PhantomData))
    }

    fn from_plain(text: &str) -> Option<Self> {
        T::from_plain(text).map(Some)
    }

    fn from_content(text: &str) -> Option<Self> {
        T::from_content(text).map(Some)
    }

    fn secret_uri(&self) -> Result<Option<&SecretUri>, Fallback> {
        match self {
            Some(value) => value.secret_uri(),
            None => Ok(None),
        }
    }

    fn resolve_fast(&mut self, resolver: &mut dyn SecretResolver) -> Result<(), Fallback> {
        match self {
            Some(value) => value.resolve_fast(resolver),
            None => Ok(()),
        }
    }

    fn is_absent(&self) -> bool {
        self.as_ref().is_none_or(T::is_absent)
    }

    fn is_null(&self) -> bool {
        self.as_ref().is_some_and(T::is_null)
    }

    fn write_json(&self, out: &mut String, encoder: &mut Encoder) -> Result<(), Fallback> {
        match self {
            Some(value) => value.write_json(out, encoder),
            None => {
                out.push_str("null");
                Ok(())
            }
        }
    }

    fn write_plain(&self, out: &mut String) -> Result<(), Fallback> {
        match self {
            Some(value) => value.write_plain(out),
            None => Err(Fallback),
        }
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
                .map(|(index, item)| T::from_value(item, &path.index(index)))
                .collect(),
            other => Err(Error::wrong_type(path.clone(), "a list", describe(&other))),
        }
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_list(deserializer)
    }

    fn from_content(text: &str) -> Option<Self> {
        json_content(text)
    }

    fn resolve_fast(&mut self, resolver: &mut dyn SecretResolver) -> Result<(), Fallback> {
        self.iter_mut()
            .try_for_each(|item| item.resolve_fast(resolver))
    }

    fn write_json(&self, out: &mut String, encoder: &mut Encoder) -> Result<(), Fallback> {
        write_list(out, self, encoder)
    }
}

impl<T: WireValue> WireValue for BTreeMap<String, T> {
    fn kind() -> Kind {
        Kind::Map(Box::new(T::kind()))
    }

    fn to_value(&self) -> Option<Value> {
        let mut map = Map::new();
        for (key, item) in self {
            map.insert(key.clone(), item.to_value().unwrap_or(Value::Null));
        }
        Some(Value::Object(map))
    }

    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        match value {
            Value::Object(entries) => entries
                .into_iter()
                .map(|(key, item)| {
                    let item = T::from_value(item, &path.key(&key))?;
                    Ok((key, item))
                })
                .collect(),
            other => Err(Error::wrong_type(
                path.clone(),
                "a JSON object",
                describe(&other),
            )),
        }
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_map(deserializer)
    }

    fn from_content(text: &str) -> Option<Self> {
        json_content(text)
    }

    fn resolve_fast(&mut self, resolver: &mut dyn SecretResolver) -> Result<(), Fallback> {
        self.values_mut()
            .try_for_each(|item| item.resolve_fast(resolver))
    }

    fn write_json(&self, out: &mut String, encoder: &mut Encoder) -> Result<(), Fallback> {
        write_map(out, self, encoder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at() -> Path {
        Path::root().key("requests").index(1).key("k")
    }

    #[test]
    fn kinds_follow_the_type() {
        assert_eq!(
            <Option<Vec<String>>>::kind(),
            Kind::List(Box::new(Kind::String))
        );
        assert_eq!(
            <BTreeMap<String, Value>>::kind(),
            Kind::Map(Box::new(Kind::Any))
        );
        assert_eq!(<Option<Secret<bool>>>::kind(), Kind::Bool);
        const { assert!(<Option<i64>>::OPTIONAL) };
        const { assert!(!<Vec<i64>>::OPTIONAL) };
    }

    #[test]
    fn values_round_trip() {
        let value = vec![Some(1i64), None];
        let json = value.to_value().expect("present");
        assert_eq!(json, json!([1, null]));
        assert_eq!(<Vec<Option<i64>>>::from_value(json, &at()), Ok(value));
        let map: BTreeMap<String, bool> = [("a".to_owned(), true)].into();
        let json = map.to_value().expect("present");
        assert_eq!(<BTreeMap<String, bool>>::from_value(json, &at()), Ok(map));
        assert_eq!(<Option<String>>::from_value(Value::Null, &at()), Ok(None));
        assert_eq!(None::<String>.to_value(), None);
    }

    #[test]
    fn u64_covers_its_range_and_refuses_the_rest() {
        assert_eq!(u64::kind(), Kind::Unsigned);
        assert_eq!(u64::from_value(json!(u64::MAX), &at()), Ok(u64::MAX));
        assert_eq!(
            u64::MAX.to_value(),
            Some(json!(18_446_744_073_709_551_615u64))
        );
        assert_eq!(u64::from_plain("18446744073709551615"), Some(u64::MAX));
        for text in ["-1", "01", "18446744073709551616", "1e3", "", " 1"] {
            assert_eq!(u64::from_plain(text), None, "{text:?}");
        }
        let error = u64::from_value(json!(-1), &at()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "requests[1].k: expected a non-negative integer, found -1"
        );
        let error = u64::from_value(json!(2.5), &at()).unwrap_err();
        assert!(error.to_string().ends_with("found 2.5"), "{error}");
        // A secret's content text, as for the other integers.
        assert_eq!(u64::from_content("42"), Some(42));
    }

    #[test]
    fn wrong_types_name_the_place_and_value() {
        let error = <Vec<String>>::from_value(json!(["a", 3]), &at()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "requests[1].k[1]: expected a string, found 3"
        );
        let error = i64::from_value(json!("12"), &at()).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"requests[1].k: expected an integer, found "12""#
        );
        let error = bool::from_value(json!({"a": 1}), &at()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "requests[1].k: expected a boolean, found an object"
        );
        let long = "x".repeat(100);
        let error = String::from_value(json!([long]), &at()).unwrap_err();
        assert!(error.to_string().ends_with("found a list"));
        let error = bool::from_value(json!(long), &at()).unwrap_err();
        assert!(error.to_string().len() < 140, "{error}");
    }

    #[test]
    fn secret_uris_are_validated() {
        let uri = SecretUri::from_value(json!("secret:d7fmpmvmp25c7618tfb0"), &at());
        assert_eq!(
            uri.map(|u| u.id().to_owned()),
            Ok("d7fmpmvmp25c7618tfb0".into())
        );
        let error = SecretUri::from_value(json!("foo"), &at()).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"requests[1].k: expected a Juju secret URI, found "foo""#
        );
    }

    #[test]
    fn secret_errors_never_show_the_value() {
        let error = <Secret<bool>>::from_value(json!("hunter2"), &at()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "requests[1].k: expected a boolean, found a string"
        );
        let error = <Option<Secret<String>>>::from_value(json!(["hunter2"]), &at()).unwrap_err();
        assert!(!error.to_string().contains("hunter2"));
        let error =
            <Secret<Vec<String>>>::from_value(json!(["a", "hunter2", 3]), &at()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "requests[1].k[2]: expected a string, found a value of another type"
        );
        let error = <Secret<i64>>::from_value(json!("hunter2"), &at()).unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
        assert!(!format!("{error:?}").contains("hunter2"), "{error:?}");
        let secret = <Secret<String>>::from_value(json!("hunter2"), &at()).expect("string");
        assert_eq!(secret.expose_secret(), "hunter2");
        assert_eq!(secret.to_value(), Some(json!("hunter2")));
    }
}
