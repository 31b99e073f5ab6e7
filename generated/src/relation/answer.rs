// Hand-written (not generated): the pieces of a provider's answer that need no Juju: the
// response to one request, the `data` dumps (PROTOCOL.md §7), secret URIs inside an answer.

use databag::error::Segment;
use databag::{Databag, Object, Secret, SecretUri, Value};

use super::provider::ServerInfo;
use crate::valkey_client::{Request, Response, v0};

/// The response to `request` with the server's current fields, keeping the secret URIs and
/// unknown keys of the `previous` response to the same request.
pub(crate) fn response_for(
    request: &Request,
    previous: Option<&Response>,
    server: &ServerInfo,
) -> Response {
    Response {
        resource: request.resource.clone(),
        request_id: request.request_id.clone(),
        salt: request.salt.clone(),
        endpoints: server.endpoints.clone(),
        read_only_endpoints: server.read_only_endpoints.clone(),
        secret_user: previous.and_then(|r| r.secret_user.clone()),
        secret_tls: previous.and_then(|r| r.secret_tls.clone()),
        username: None,
        password: None,
        tls: Some(Secret::new(server.tls)),
        tls_ca: server.tls_ca.clone().filter(|_| server.tls),
        version: server.version.clone(),
        mode: server.mode.clone(),
        sentinel_endpoints: server.sentinel_endpoints.clone(),
        extra: previous.map(|r| r.extra.clone()).unwrap_or_default(),
    }
}

/// A v1 request as the reference keeps it in the provider's `data` (§7): its keys without
/// nulls and without the reference model's defaults (`resource`, `request-id`, `salt`, then
/// extras).
pub(crate) fn request_dump(request: &Request) -> Value {
    let object = request
        .split()
        .map(|split| split.object)
        .unwrap_or_default();
    Value::Object(without_defaults(without_nulls(object)))
}

/// The v0 request as the reference keeps it in `data` (§7): `resource`, a salt, then the
/// requirer's other keys (`requested-secrets`, ...).
pub(crate) fn v0_request_dump(data: &v0::RequirerAppData, salt: &str) -> Value {
    let mut dump = Object::new();
    dump.insert("resource".to_owned(), Value::String(data.database.clone()));
    dump.insert("salt".to_owned(), Value::String(salt.to_owned()));
    let rest = data.split().map(|split| split.object).unwrap_or_default();
    for (key, value) in without_defaults(without_nulls(rest)) {
        if key != "database" && key != "resource" {
            dump.insert(key, value);
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

/// Every `secret-user` / `secret-tls` URI in an answer (flat, or inside `requests`).
pub(crate) fn referenced_uris(object: &Object) -> Vec<SecretUri> {
    let mut objects: Vec<&Object> = vec![object];
    if let Some(Value::Array(items)) = object.get("requests") {
        objects.extend(items.iter().filter_map(Value::as_object));
    }
    objects
        .into_iter()
        .flat_map(|o| ["secret-user", "secret-tls"].map(|key| o.get(key)))
        .flatten()
        .filter_map(|value| SecretUri::parse(value.as_str()?).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(extra: Value) -> Request {
        let Value::Object(extra) = extra else {
            panic!("extras are an object")
        };
        Request {
            resource: "app:*".to_owned(),
            request_id: "r1".to_owned(),
            salt: "s".to_owned(),
            extra,
        }
    }

    #[test]
    fn data_dumps_drop_nulls_and_the_references_defaults() {
        let padded = request(json!({
            "extra-user-roles": null, "external-node-connectivity": false, "custom": "x"
        }));
        assert_eq!(
            request_dump(&padded),
            json!({"resource": "app:*", "request-id": "r1", "salt": "s", "custom": "x"})
        );
        // Not the default: kept, as the reference keeps it.
        let external = request(json!({"external-node-connectivity": true}));
        assert_eq!(
            request_dump(&external)["external-node-connectivity"],
            json!(true)
        );
    }
}
