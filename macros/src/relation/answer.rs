//! The pieces of a provider's answer that need no Juju: the `data` dumps (PROTOCOL.md §7)
//! and the secret URIs inside an answer.

use crate::error::Segment;
use crate::{Object, SecretUri, Value};

/// A v1 request as the reference keeps it in the provider's `data` (§7): its keys without
/// nulls and without the reference model's defaults (`resource`, `request-id`, `salt`, then
/// extras).
pub(crate) fn request_dump(request: Object) -> Value {
    Value::Object(without_defaults(without_nulls(request)))
}

/// The v0 request as the reference keeps it in `data` (§7): `resource`, a salt, then the
/// requirer's other keys (`requested-secrets`, ...); `key` is the v0 resource key.
pub(crate) fn v0_request_dump(requirer: Object, key: &str, salt: &str) -> Value {
    let mut dump = Object::new();
    let resource = requirer.get(key).cloned().unwrap_or(Value::Null);
    dump.insert("resource".to_owned(), resource);
    dump.insert("salt".to_owned(), Value::String(salt.to_owned()));
    for (name, value) in without_defaults(without_nulls(requirer)) {
        if name != key && name != "resource" {
            dump.insert(name, value);
        }
    }
    Value::Object(dump)
}

pub(crate) fn without_nulls(object: Object) -> Object {
    object.into_iter().filter(|(_, v)| !v.is_null()).collect()
}

/// `object` without the keys whose value is the default of the reference's request model:
/// it dumps `data` with `exclude_defaults=True`, and `external-node-connectivity: false` is
/// the one non-null default of `RequirerCommonModel` (its padding, §4.1). A flat v0 value is
/// the string `"false"`, which the reference reads as JSON `false` (§2). Found by the interop
/// suite (tests/tests/interop_flows.rs): we used to echo it into `data`.
fn without_defaults(object: Object) -> Object {
    object
        .into_iter()
        .filter(|(key, value)| {
            let default = match value {
                Value::Bool(flag) => !flag,
                Value::String(text) => text == "false",
                _ => false,
            };
            !(key == "external-node-connectivity" && default)
        })
        .collect()
}

/// The secret URI under `key` in the object at `path`.
pub(crate) fn uri_at(object: &Object, path: &[Segment], key: &str) -> Option<SecretUri> {
    let mut current = object;
    // A list (or other non-object value) reached by a key, waiting for its index.
    let mut pending: Option<&Value> = None;
    for segment in path {
        let next = match (segment, pending) {
            (Segment::Key(key), None) => current.get(key),
            (Segment::Key(key), Some(value)) => value.get(key.as_str()),
            (Segment::Index(index), Some(value)) => value.get(*index),
            (Segment::Index(_), None) => None,
        }?;
        match next {
            Value::Object(inner) => {
                current = inner;
                pending = None;
            }
            other => pending = Some(other),
        }
    }
    if pending.is_some() {
        return None;
    }
    current
        .get(key)?
        .as_str()
        .and_then(|text| SecretUri::parse(text).ok())
}

/// Every `secret-<group>` URI in an answer (flat, or inside `requests`).
pub(crate) fn referenced_uris(object: &Object) -> Vec<SecretUri> {
    let mut objects: Vec<&Object> = vec![object];
    if let Some(Value::Array(items)) = object.get("requests") {
        objects.extend(items.iter().filter_map(Value::as_object));
    }
    objects
        .into_iter()
        .flat_map(|o| o.iter())
        .filter(|(key, _)| key.starts_with("secret-"))
        .filter_map(|(_, value)| SecretUri::parse(value.as_str()?).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Object {
        match value {
            Value::Object(object) => object,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn data_dumps_drop_nulls_and_the_references_defaults() {
        let padded = object(json!({
            "resource": "app:*", "request-id": "r1", "salt": "s",
            "extra-user-roles": null, "external-node-connectivity": false, "custom": "x"
        }));
        assert_eq!(
            request_dump(padded),
            json!({"resource": "app:*", "request-id": "r1", "salt": "s", "custom": "x"})
        );
        // Not the default: kept, as the reference keeps it.
        let external = object(json!({"resource": "r", "external-node-connectivity": true}));
        assert_eq!(
            request_dump(external)["external-node-connectivity"],
            json!(true)
        );
    }

    #[test]
    fn v0_dumps_put_the_resource_first_under_its_name() {
        let v0 = object(json!({"topic": "orders", "requested-secrets": ["username"], "x": null}));
        assert_eq!(
            v0_request_dump(v0, "topic", "salt"),
            json!({"resource": "orders", "salt": "salt", "requested-secrets": ["username"]})
        );
    }

    #[test]
    fn every_secret_group_uri_is_found() {
        let answer = object(json!({
            "secret-user": "secret:d2fjn1fmp25004or68b0",
            "requests": [{"secret-entity": "secret:d2fjn1fmp25004or68b1", "secret-tls": null}]
        }));
        let found: Vec<String> = referenced_uris(&answer)
            .iter()
            .map(|u| u.id().to_owned())
            .collect();
        assert_eq!(found, ["d2fjn1fmp25004or68b0", "d2fjn1fmp25004or68b1"]);
    }
}
