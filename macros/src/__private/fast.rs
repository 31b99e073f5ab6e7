//! The fast path of decoding: databag text and JSON straight into the typed struct, with no
//! `serde_json::Value` tree, no per-field path and no key removal in between.
//!
//! It is an accelerator, never a second definition of the wire rules. Every fast-path function
//! either produces exactly what the checked path (`bag_to_object` → `resolve_object` →
//! `__from_object`, which reads the [`Shape`](crate::Shape)) produces, or declines with
//! [`Fallback`]; [`Databag::from_bag`](crate::Databag::from_bag) and
//! [`Databag::join`](crate::Databag::join) then run the checked path, which gives the result or
//! the error naming the place. So a fast path may be stricter than the checked one, never more
//! lenient, and its own error messages are never shown (they may quote secret values).
//! `tests/tests/fast_path.rs` holds the two paths to that, input by input.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::WireValue;
use crate::Bag;
pub use crate::secret::wipe::WipedContent;
use crate::secret::{SecretResolver, SecretUri};

/// The fast path declined: take the checked path, for the exact result or the exact error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fallback;

/// The message of a fast-path deserializer error. Never shown: the caller falls back.
pub const DECLINED: &str = "declined by the fast path";

/// A declined deserialization, in the deserializer's error type.
pub fn declined<E: de::Error>() -> E {
    E::custom(DECLINED)
}

/// An object key, borrowed from the input when it has no escapes.
pub struct Key<'de>(Cow<'de, str>);

impl<'de> Key<'de> {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string (for the unknown-keys map).
    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Deserializes a `T` through [`WireValue::deserialize_wire`].
pub struct Wire<T>(PhantomData<T>);

impl<T> Wire<T> {
    /// The seed.
    pub fn new() -> Self {
        Wire(PhantomData)
    }
}

impl<T> Default for Wire<T> {
    fn default() -> Self {
        Wire::new()
    }
}

impl<'de, T: WireValue> DeserializeSeed<'de> for Wire<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::deserialize_wire(deserializer)
    }
}

/// Deserializes the value of an object key: `null` is "absent" (`None`), as the checked path's
/// `take` treats it, whatever `T` is.
pub struct Nullable<T>(PhantomData<T>);

impl<T> Nullable<T> {
    /// The seed.
    pub fn new() -> Self {
        Nullable(PhantomData)
    }
}

impl<T> Default for Nullable<T> {
    fn default() -> Self {
        Nullable::new()
    }
}

impl<'de, T: WireValue> DeserializeSeed<'de> for Nullable<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_option(OptionVisitor::<T>(PhantomData))
    }
}

/// `null` → `None`, anything else → `Some(T)`: for [`Nullable`] and `Option<T>`.
pub(crate) struct OptionVisitor<T>(pub(crate) PhantomData<T>);

impl<'de, T: WireValue> Visitor<'de> for OptionVisitor<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        T::deserialize_wire(deserializer).map(Some)
    }
}

/// A JSON list of `T`.
pub(crate) fn deserialize_list<'de, T: WireValue, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    struct ListVisitor<T>(PhantomData<T>);
    impl<'de, T: WireValue> Visitor<'de> for ListVisitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(item) = seq.next_element_seed(Wire::<T>::new())? {
                items.push(item);
            }
            Ok(items)
        }
    }
    deserializer.deserialize_seq(ListVisitor(PhantomData))
}

/// A JSON object of `T` values. Duplicate keys: the last wins, as in the checked path.
pub(crate) fn deserialize_map<'de, T: WireValue, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<std::collections::BTreeMap<String, T>, D::Error> {
    struct MapVisitor<T>(PhantomData<T>);
    impl<'de, T: WireValue> Visitor<'de> for MapVisitor<T> {
        type Value = std::collections::BTreeMap<String, T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries = std::collections::BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = map.next_value_seed(Wire::<T>::new())?;
                entries.insert(key, value);
            }
            Ok(entries)
        }
    }
    deserializer.deserialize_map(MapVisitor(PhantomData))
}

/// Skips the value of a key the object does not keep (a secret field's plaintext, or an unknown
/// key of an object without `flatten`), after reading it as the checked path does.
///
/// The checked path parses the whole text into a `serde_json::Value`, so every value in it is
/// read, skipped or not: a string's escapes decoded (a lone surrogate such as `"\ud800"` is an
/// error), a number converted (`1e400` overflows `f64`: an error), nesting counted against
/// serde_json's recursion limit. serde's `IgnoredAny` goes through serde_json's
/// `deserialize_ignored_any`, which checks only the syntax and counts no depth: the fast path
/// then accepted text the checked path rejects. [`Checked`] reads like `Value` and keeps
/// nothing; the common case (`null` padding) costs the same.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<Checked>().map(|_| ())
}

/// Any JSON value, read through `deserialize_any` exactly as `serde_json::Value` reads it
/// (same escapes, number conversion and recursion limit), and dropped. Borrowed or scratch
/// strings are never copied: no allocation.
pub struct Checked;

impl<'de> de::Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Checked)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = Checked;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_none<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Checked, D::Error> {
        de::Deserialize::deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        // Each item through `Checked` again: `IgnoredAny` would skip the rest unread.
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_key::<Checked>()?.is_some() {
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}

/// Keeps the value of an unknown key, as the checked path does: a later duplicate replaces the
/// value and keeps the first position.
pub fn keep<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: Key<'de>,
    unknown: &mut Map<String, Value>,
) -> Result<(), A::Error> {
    let value: Value = map.next_value()?;
    unknown.insert(key.into_owned(), value);
    Ok(())
}

/// The value of a databag field spelled `spellings` (wire name, then aliases): the first
/// spelling present with a non-`null` value wins. `json`: the field is declared JSON-encoded.
/// `Ok(None)`: absent.
pub fn bag_field<T: WireValue>(
    bag: &Bag,
    spellings: &[&str],
    json: bool,
) -> Result<Option<T>, Fallback> {
    for key in spellings {
        let Some(text) = bag.get(*key) else {
            continue;
        };
        if json || !T::PLAIN {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let value = Nullable::<T>::new()
                .deserialize(&mut deserializer)
                .map_err(|_| Fallback)?;
            deserializer.end().map_err(|_| Fallback)?;
            if value.is_some() {
                return Ok(value);
            }
        } else {
            return T::from_plain(text).map(Some).ok_or(Fallback);
        }
    }
    Ok(None)
}

/// The databag keys that no field spells (`known`: every spelling of every field), as
/// strings, in the databag's order.
pub fn bag_unknown(bag: &Bag, known: &[&str]) -> Map<String, Value> {
    bag.iter()
        .filter(|(key, _)| !known.contains(&key.as_str()))
        .map(|(key, text)| (key.clone(), Value::String(text.clone())))
        .collect()
}

/// The value of an absent key: `default` when the field has one, else
/// [`WireValue::absent`] (`None` for options; a required key declines).
pub fn absent<T: WireValue>(default: Option<fn() -> T>) -> Result<T, Fallback> {
    match default {
        Some(default) => Ok(default()),
        None => T::absent(&crate::Path::root()).map_err(|_| Fallback),
    }
}

/// Checks a `constant` field's value.
pub fn constant(value: &str, expected: &str) -> Result<(), Fallback> {
    if value == expected {
        Ok(())
    } else {
        Err(Fallback)
    }
}

/// Checks a `pattern` field's value.
pub fn pattern(value: &impl super::PatternValue, pattern: &super::Pattern) -> Result<(), Fallback> {
    match value.pattern_text() {
        Some(text) if !pattern.matches(text) => Err(Fallback),
        _ => Ok(()),
    }
}

/// The content of the secret `uri` names; a missing secret or a resolver error declines (the
/// checked path reports it, naming the key). The values are zeroized when the expansion is
/// done with them (each field has its own copy, in a `Secret` where the field is one).
pub fn fetch(resolver: &mut dyn SecretResolver, uri: &SecretUri) -> Result<WipedContent, Fallback> {
    resolver
        .resolve(uri)
        .ok()
        .flatten()
        .map(WipedContent::new)
        .ok_or(Fallback)
}

/// A secret's content value of a field of type `T`.
pub fn content<T: WireValue>(text: &str) -> Result<T, Fallback> {
    T::from_content(text).ok_or(Fallback)
}

/// A secret's content value of a JSON kind (list, map, object): strict JSON, then the type's
/// own reading.
pub fn json_content<T: WireValue>(text: &str) -> Option<T> {
    let value: Value = serde_json::from_str(text).ok()?;
    if value.is_null() {
        return None;
    }
    T::from_value(value, &crate::Path::root()).ok()
}
