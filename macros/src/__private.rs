//! What `#[derive(Databag)]` expands to calls into. Not a public API: names and signatures may
//! change in any release; the derive and this crate are pinned to each other.
//!
//! Objects are `serde_json::Map`s with `preserve_order`: keys are only ever removed with
//! `shift_remove`, because `Map::remove` swaps the last key into the hole and would scramble the
//! order in which unknown keys are written back.

pub(crate) mod encode;
pub(crate) mod fast;

pub use encode::*;
pub use fast::*;
pub use serde;
pub use serde_json::{Map, Value};
pub use std::sync::{Arc, OnceLock};
pub use std::{option::Option, result::Result, string::String, vec::Vec};

use crate::Bag;
use crate::error::{Error, ErrorKind, Path};
use crate::secret::{SecretResolver, SecretUri};
use crate::shape::{Kind, Selector, Versions};

/// A Rust type usable as a databag field: how it looks in the JSON form of an object, and which
/// [`Kind`] the shape records for it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported databag field type",
    label = "unsupported field type",
    note = "a databag field is one of: `String`, `bool`, `i64`, `u64`, `serde_json::Value`, \
            `databag::SecretUri`, `Option<T>`, `Vec<T>`, `BTreeMap<String, T>`, a \
            `#[derive(Databag)]` struct, or `Option<databag::Secret<T>>` in a secret field",
    note = "for another integer type, use `i64` or `u64` and convert"
)]
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

    // The fast path (see `fast`): each method returns what the checked path above would, or
    // declines. The defaults decline, so a hand-written impl is always correct, only slower.

    /// Whether the databag form is the plain text (strings, URIs, booleans, integers) rather
    /// than JSON.
    const PLAIN: bool = false;

    /// Reads the JSON form straight from a deserializer, with no `Value` in between.
    fn deserialize_wire<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Self, D::Error> {
        let _ = deserializer;
        Err(declined())
    }

    /// The value of a plain (not JSON-encoded) databag text; `None` declines.
    fn from_plain(text: &str) -> Option<Self> {
        let _ = text;
        None
    }

    /// The value of a secret's content text (`"true"` for a boolean); `None` declines.
    fn from_content(text: &str) -> Option<Self> {
        let _ = text;
        None
    }

    /// The `secret-<group>` URI this value carries: `Ok(None)` when absent. Declines for a
    /// type that is not a URI.
    fn secret_uri(&self) -> Result<Option<&SecretUri>, Fallback> {
        Err(Fallback)
    }

    /// Whether the value is absent (`to_value` gives `None`): its key is not written.
    fn is_absent(&self) -> bool {
        false
    }

    /// Whether the value is JSON `null` (not written at the top level of a databag).
    fn is_null(&self) -> bool {
        false
    }

    /// Writes the JSON form as Python's `json.dumps` does, routing the secret fields of the
    /// objects inside into `encoder`'s slots. Declines by default.
    fn write_json(&self, out: &mut String, encoder: &mut Encoder) -> Result<(), Fallback> {
        let _ = (out, encoder);
        Err(Fallback)
    }

    /// Writes the plain databag text of a [`WireValue::PLAIN`] type. Declines by default.
    fn write_plain(&self, out: &mut String) -> Result<(), Fallback> {
        let _ = out;
        Err(Fallback)
    }

    /// Fills the secret fields of the objects inside this value from their secrets. The
    /// default has nothing to fill in a value of a plain kind and declines for the others.
    fn resolve_fast(&mut self, resolver: &mut dyn SecretResolver) -> Result<(), Fallback> {
        let _ = resolver;
        match Self::kind().object() {
            None => Ok(()),
            Some(_) => Err(Fallback),
        }
    }
}

/// The types on which `#[databag(json)]` changes the databag form: strings, then written as a
/// JSON string (`"\"text\""`). Every other type has one form already.
#[diagnostic::on_unimplemented(
    message = "`#[databag(json)]` has no effect on a `{Self}` field",
    label = "remove `json` from this field",
    note = "lists, maps, `#[derive(Databag)]` structs and `serde_json::Value` are always JSON \
            text in a databag, and `bool`, integers and `SecretUri` have one plain spelling; \
            `json` only applies to `String` fields (written as a JSON string)"
)]
pub trait JsonText {}

impl JsonText for String {}
impl JsonText for Option<String> {}

/// Compile-time check behind `#[databag(json)]`.
pub const fn assert_json_text<T: JsonText>() {}

/// Compile-time check of a field's type, emitted even when the derive reports errors so that
/// an unsupported type is reported in the same compilation.
pub const fn assert_wire_value<T: WireValue>() {}

/// Compile-time check of a `#[databag(flatten)]` field's type.
pub const fn assert_unknown<T: UnknownKeys>() {}

/// The type of a `#[databag(flatten)]` field: [`crate::Unknown`].
#[diagnostic::on_unimplemented(
    message = "a `#[databag(flatten)]` field must be a `databag::Unknown`, not `{Self}`",
    label = "expected `databag::Unknown`",
    note = "`databag::Unknown` keeps every key no other field declares, as JSON values"
)]
pub trait UnknownKeys {}

impl UnknownKeys for crate::Unknown {}

/// Compile-time check of an enum variant's type.
pub const fn assert_databag<T: crate::Databag>() {}

/// Removes the first present, non-null key among `name` and `aliases` from `object` (all of
/// them are removed, so aliases never linger as unknown keys) and returns its value.
pub fn take(object: &mut Map<String, Value>, name: &str, aliases: &[&str]) -> Option<Value> {
    take_entry(object, name, aliases).map(|(_, value)| value)
}

/// As [`take`], also returning the spelling that was found (errors name the key as written).
fn take_entry<'k>(
    object: &mut Map<String, Value>,
    name: &'k str,
    aliases: &[&'k str],
) -> Option<(&'k str, Value)> {
    let mut found = None;
    for key in std::iter::once(name).chain(aliases.iter().copied()) {
        if let Some(value) = object.shift_remove(key)
            && found.is_none()
            && !value.is_null()
        {
            found = Some((key, value));
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
    match take_entry(object, name, aliases) {
        Some((key, value)) => T::from_value(value, &path.key(key)),
        None => match default {
            Some(default) => Ok(default()),
            None => T::absent(&path.key(name)),
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

/// A `#[databag(pattern = "...")]` regular expression, compiled once, at its first use. The
/// derive compiled the same literal already, so it cannot fail here; if it ever did, every
/// value is refused rather than waved through.
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<regex_lite::Regex>>,
}

impl Pattern {
    /// The pattern `source`, not compiled yet.
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `value` matches (unanchored, as JSON Schema's `pattern`).
    pub fn matches(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| regex_lite::Regex::new(self.source).ok())
            .as_ref()
            .is_some_and(|regex| regex.is_match(value))
    }
}

/// The values a `pattern` field can hold: a string, or an optional one (absent passes).
pub trait PatternValue {
    /// The text to match, `None` when absent.
    fn pattern_text(&self) -> Option<&str>;
}

impl PatternValue for String {
    fn pattern_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl PatternValue for Option<String> {
    fn pattern_text(&self) -> Option<&str> {
        self.as_deref()
    }
}

/// Checks a `#[databag(pattern = "...")]` field's value.
pub fn check_pattern(
    value: &impl PatternValue,
    pattern: &Pattern,
    path: &Path,
) -> Result<(), Error> {
    match value.pattern_text() {
        Some(text) if !pattern.matches(text) => Err(Error::new(
            path.clone(),
            ErrorKind::NoMatch {
                pattern: pattern.source.to_owned(),
                found: shown(text),
            },
        )),
        _ => Ok(()),
    }
}

/// A peer's value for an error message: at most 64 characters, control characters escaped
/// (`Debug` quoting in the message escapes them).
fn shown(text: &str) -> String {
    const LIMIT: usize = 64;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(LIMIT).collect();
        cut.push('…');
        cut
    }
}

/// Writes field `name` into `object` when `value` is present.
pub fn put<T: WireValue>(object: &mut Map<String, Value>, name: &str, value: &T) {
    if let Some(value) = value.to_value() {
        object.insert(name.to_owned(), value);
    }
}

/// Writes the keys of a `#[databag(flatten)]` field after the declared fields. A key that a
/// declared field already wrote wins: unknown keys never override typed values.
pub fn put_unknown(object: &mut Map<String, Value>, unknown: &Map<String, Value>) {
    for (key, value) in unknown {
        if !object.contains_key(key) {
            object.insert(key.clone(), value.clone());
        }
    }
}

/// The object inside `value`, or a wrong-type error at `path`.
pub fn object_from_value(value: Value, path: &Path) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(object) => Ok(object),
        other => Err(Error::wrong_type(
            path.clone(),
            "a JSON object",
            crate::value::describe(&other),
        )),
    }
}

/// The index of the variant of `versions` that the tag key of `bag` selects.
///
/// An absent tag that no variant accepts is [`ErrorKind::Missing`]; a value that no variant
/// accepts is [`ErrorKind::UnknownVersion`] listing the accepted values.
pub fn select_variant(versions: &Versions, bag: &Bag) -> Result<usize, Error> {
    let tag = bag.get(&versions.tag).map(String::as_str);
    if let Some(selected) = versions.select(tag) {
        // `select` returns a reference into `variants`; find its index by identity.
        if let Some(index) = versions
            .variants
            .iter()
            .position(|v| std::ptr::eq(v, selected))
        {
            return Ok(index);
        }
    }
    let path = Path::root().key(&versions.tag);
    match tag {
        None => Err(Error::missing(path)),
        Some(found) => Err(Error::new(
            path,
            ErrorKind::UnknownVersion {
                tag: versions.tag.clone(),
                found: found.to_owned(),
                expected: versions
                    .variants
                    .iter()
                    .filter_map(|v| match &v.selector {
                        Selector::Value(value) | Selector::ValueOrAbsent(value) => {
                            Some(value.clone())
                        }
                        Selector::Other => None,
                    })
                    .collect(),
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{Shape, Variant};
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn take_prefers_the_name_then_aliases_in_order_and_consumes_all() {
        let mut o = object(json!({"b": "2", "name": null, "a": "1", "other": "x"}));
        assert_eq!(take(&mut o, "name", &["a", "b"]), Some(json!("1")));
        assert_eq!(o, object(json!({"other": "x"})), "all spellings consumed");
        let mut o = object(json!({"b": "2", "name": "0"}));
        assert_eq!(take(&mut o, "name", &["a", "b"]), Some(json!("0")));
        assert!(o.is_empty());
        let mut o = object(json!({"x": 1, "y": 2, "z": 3}));
        assert_eq!(take(&mut o, "y", &[]), Some(json!(2)));
        assert_eq!(o.keys().collect::<Vec<_>>(), ["x", "z"], "order kept");
        assert_eq!(take(&mut o, "missing", &[]), None);
    }

    #[test]
    fn field_reads_defaults_and_names_the_key_found() {
        let mut o = object(json!({"old-name": 5}));
        let error = field::<String>(&mut o, "name", &["old-name"], None, &Path::root().key("r"))
            .unwrap_err();
        assert_eq!(error.to_string(), "r.old-name: expected a string, found 5");
        let mut o = Map::new();
        let value = field::<String>(&mut o, "name", &[], Some(String::new), &Path::root());
        assert_eq!(value, Ok(String::new()));
        let error = field::<String>(&mut o, "name", &[], None, &Path::root()).unwrap_err();
        assert_eq!(error.to_string(), "name: missing required key");
        let value = field::<Option<i64>>(&mut o, "n", &[], None, &Path::root());
        assert_eq!(value, Ok(None));
    }

    #[test]
    fn constants_are_checked() {
        assert!(check_constant("v1", "v1", &Path::root()).is_ok());
        let error = check_constant("v2", "v1", &Path::root().key("version")).unwrap_err();
        assert_eq!(error.to_string(), r#"version: expected "v1", found "v2""#);
    }

    #[test]
    fn put_skips_absent_values_and_unknown_keys_never_override() {
        let mut o = Map::new();
        put(&mut o, "a", &Some("x".to_owned()));
        put(&mut o, "b", &None::<String>);
        put_unknown(&mut o, &object(json!({"a": "y", "c": 1})));
        assert_eq!(o, object(json!({"a": "x", "c": 1})));
    }

    #[test]
    fn object_from_value_names_the_place() {
        let error = object_from_value(json!([1]), &Path::root().key("requests").index(0));
        assert_eq!(
            error.unwrap_err().to_string(),
            "requests[0]: expected a JSON object, found a list"
        );
    }

    fn versions() -> Versions {
        let shape = Arc::new(Shape::new("S"));
        let variant = |name: &str, selector| Variant {
            name: name.into(),
            selector,
            shape: shape.clone(),
        };
        Versions {
            tag: "version".into(),
            variants: vec![
                variant("v0", Selector::ValueOrAbsent("v0".into())),
                variant("v1", Selector::Value("v1".into())),
            ],
        }
    }

    #[test]
    fn variants_are_selected_by_tag() {
        let versions = versions();
        let bag = |v: Option<&str>| -> Bag {
            v.map(|v| ("version".to_owned(), v.to_owned()))
                .into_iter()
                .collect()
        };
        assert_eq!(select_variant(&versions, &bag(None)), Ok(0));
        assert_eq!(select_variant(&versions, &bag(Some("v0"))), Ok(0));
        assert_eq!(select_variant(&versions, &bag(Some("v1"))), Ok(1));
        let error = select_variant(&versions, &bag(Some("v2"))).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"version: unknown wire version version = "v2" (expected one of: v0, v1)"#
        );
        let mut strict = versions.clone();
        strict.variants.remove(0);
        let error = select_variant(&strict, &bag(None)).unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::Missing);
        let mut other = versions;
        other.variants[1].selector = Selector::Other;
        assert_eq!(select_variant(&other, &bag(Some("9.0.1"))), Ok(1));
    }
}
