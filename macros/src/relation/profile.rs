//! Writer profiles: writing the bytes a given release of the reference library writes
//! (PROTOCOL.md §4, §7, §18.1).
//!
//! Readers never compare bytes, but Juju does: a databag value that changes only in key order
//! or `null` padding still fires relation-changed on every remote unit. A Rust charm taking over
//! from a Python unit writes with the profile of the release that unit ran, and rewrites
//! nothing.
//!
//! A profile fixes what a databag, itself an unordered map, leaves open: the key order and
//! padding of each object in a v1 `requests` list, the order of the provider's `data` (first
//! answered first, as the reference's dict keeps it), and second spellings of flat v0 keys.

use crate::wire::python_json;
use crate::{Bag, Object, Value};

/// What one writer writes. The spec's `writers` section declares them; the generated
/// [`Interface`](super::Interface) lists them in [`Interface::PROFILES`](super::Interface::PROFILES).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriterProfile {
    /// The release it reproduces (`1.0.2`), or `compact`.
    pub name: &'static str,
    /// The keys of a request object, in order; a key without a value is padding.
    pub request: &'static [&'static str],
    /// The keys of a response object, in order; a key without a value is padding.
    pub response: &'static [&'static str],
    /// Padding other than `null`: key, JSON text (`external-node-connectivity`, `false`).
    pub pad_values: &'static [(&'static str, &'static str)],
    /// Flat v0 answer keys also written under a second spelling: key, spelling.
    pub v0_duplicates: &'static [(&'static str, &'static str)],
    /// The provider's `data` keeps its first-answered-first order (the reference's); without,
    /// it is sorted by request id.
    pub data_in_answer_order: bool,
}

impl WriterProfile {
    /// No padding, declaration order, `data` sorted: the smallest databag. The profile of an
    /// interface whose spec declares no `writers`.
    pub const COMPACT: WriterProfile = WriterProfile {
        name: "compact",
        request: &[],
        response: &[],
        pad_values: &[],
        v0_duplicates: &[],
        data_in_answer_order: false,
    };

    /// `object` laid out as this profile writes a request (`keys` = [`WriterProfile::request`])
    /// or a response: the listed keys in order, each with its value or its padding, then the
    /// other keys that have a value, in their order. A `null` of an unlisted key is dropped.
    pub fn lay_out(&self, keys: &[&str], mut object: Object) -> Object {
        let mut out = Object::new();
        for key in keys {
            let value = match object.shift_remove(*key) {
                Some(value) if !value.is_null() => value,
                _ => self.pad(key),
            };
            out.insert((*key).to_owned(), value);
        }
        out.extend(object.into_iter().filter(|(_, value)| !value.is_null()));
        out
    }

    fn pad(&self, key: &str) -> Value {
        self.pad_values
            .iter()
            .find(|(name, _)| *name == key)
            .and_then(|(_, json)| serde_json::from_str(json).ok())
            .unwrap_or(Value::Null)
    }

    /// Rewrites the JSON list under `key` of `bag` (`requests`) with each object laid out by
    /// `keys`. A list this profile does not order, or a value that is no list of objects, is
    /// left as it is.
    pub(crate) fn lay_out_list(&self, bag: &mut Bag, key: &str, keys: &[&str]) {
        if keys.is_empty() {
            return;
        }
        let Some(text) = bag.get_mut(key) else { return };
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let laid_out = items
            .into_iter()
            .map(|item| match item {
                Value::Object(object) => Value::Object(self.lay_out(keys, object)),
                other => other,
            })
            .collect();
        *text = python_json(&Value::Array(laid_out));
    }

    /// Rewrites the provider's `data` in `order` (request ids; ids not in it follow in their
    /// current order), when this profile keeps answer order.
    pub(crate) fn order_data(&self, bag: &mut Bag, order: &[String]) {
        if !self.data_in_answer_order {
            return;
        }
        let Some(text) = bag.get_mut("data") else {
            return;
        };
        let Ok(Value::Object(mut data)) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let mut ordered = Object::new();
        for id in order {
            if let Some(value) = data.shift_remove(id) {
                ordered.insert(id.clone(), value);
            }
        }
        ordered.extend(data);
        *text = python_json(&Value::Object(ordered));
    }

    /// Adds the second spellings of flat v0 keys.
    pub(crate) fn duplicate_v0_keys(&self, bag: &mut Bag) {
        for (key, spelling) in self.v0_duplicates {
            if let Some(value) = bag.get(*key).cloned() {
                bag.insert((*spelling).to_owned(), value);
            }
        }
    }
}

/// The keys of the JSON object in `text`, in order (`data` as written): empty when it is none.
pub(crate) fn object_keys(text: Option<&String>) -> Vec<String> {
    match text.map(|text| serde_json::from_str::<Value>(text)) {
        Some(Ok(Value::Object(object))) => object.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The valkey_client request keys of dpcharmlibs-interfaces 1.0.2 (PROTOCOL.md §4.1).
    const RELEASE: WriterProfile = WriterProfile {
        name: "1.0.2",
        request: &[
            "resource",
            "request-id",
            "salt",
            "extra-user-roles",
            "extra-group-roles",
            "external-node-connectivity",
            "entity-type",
            "entity-permissions",
            "secret-mtls",
        ],
        response: &[],
        pad_values: &[("external-node-connectivity", "false")],
        v0_duplicates: &[("sentinel-endpoints", "sentinel_endpoints")],
        data_in_answer_order: true,
    };

    #[test]
    fn a_request_is_padded_as_the_release_writes_it() {
        let mut bag = Bag::from([(
            "requests".to_owned(),
            r#"[{"salt": "xqbPuYzzl2iiKeyN", "resource": "application:*", "request-id": "c4c5c119c9345ffa", "extra": 1, "stale": null}]"#.to_owned(),
        )]);
        RELEASE.lay_out_list(&mut bag, "requests", RELEASE.request);
        // Observed from dpcharmlibs-interfaces 1.0.2, plus the unknown key `extra` at the end.
        assert_eq!(
            bag["requests"],
            r#"[{"resource": "application:*", "request-id": "c4c5c119c9345ffa", "salt": "xqbPuYzzl2iiKeyN", "extra-user-roles": null, "extra-group-roles": null, "external-node-connectivity": false, "entity-type": null, "entity-permissions": null, "secret-mtls": null, "extra": 1}]"#
        );
    }

    #[test]
    fn compact_writes_what_it_is_given() {
        let mut bag = Bag::from([("requests".to_owned(), r#"[{"b": 1, "a": 2}]"#.to_owned())]);
        WriterProfile::COMPACT.lay_out_list(&mut bag, "requests", WriterProfile::COMPACT.request);
        assert_eq!(bag["requests"], r#"[{"b": 1, "a": 2}]"#);
        WriterProfile::COMPACT.order_data(&mut bag, &[]);
        WriterProfile::COMPACT.duplicate_v0_keys(&mut bag);
        assert_eq!(bag.len(), 1);
    }

    #[test]
    fn data_follows_answer_order_and_v0_keys_get_their_second_spelling() {
        let mut bag = Bag::from([
            (
                "data".to_owned(),
                r#"{"a": {}, "b": {}, "c": {}}"#.to_owned(),
            ),
            ("sentinel-endpoints".to_owned(), "10.0.0.1:26379".to_owned()),
        ]);
        RELEASE.order_data(&mut bag, &["c".to_owned(), "a".to_owned()]);
        assert_eq!(bag["data"], r#"{"c": {}, "a": {}, "b": {}}"#);
        assert_eq!(object_keys(bag.get("data")), ["c", "a", "b"]);
        RELEASE.duplicate_v0_keys(&mut bag);
        assert_eq!(bag["sentinel_endpoints"], "10.0.0.1:26379");
        let padded = RELEASE.lay_out(
            &["resource", "mode"],
            json!({"mode": null})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        assert_eq!(
            Value::Object(padded),
            json!({"resource": null, "mode": null})
        );
    }
}
