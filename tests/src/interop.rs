//! What the interop suites (`interop_flows.rs` for Valkey, `interop_engine.rs` for the other
//! interfaces) do alike on the in-memory model: replace a databag, list the secrets an
//! application owns, bring the reference provider's answer into the model, and read the
//! drivers' answers.

use std::collections::BTreeMap;

use databag::juju::{Backend, BagOf, Model, RelationId, SecretOwner, diff};
use databag::{Bag, SecretContent, SecretUri, Value};

use crate::python_driver::bag_of;

/// Writes `bag` as the app databag of `unit`'s application in `relation`, replacing what was
/// there (`unit` must lead).
///
/// # Panics
///
/// When the read or the write fails.
pub fn write_app(model: &Model, unit: &str, relation: &RelationId, bag: &Bag) {
    let backend = model.unit(unit);
    let old = backend
        .read(relation, &BagOf::LocalApp)
        .expect("the leader reads its app databag");
    backend
        .write_app(relation, &diff(&old, bag))
        .expect("the leader writes its app databag");
}

/// Every secret `app` owns, by label: (URI, latest content).
///
/// # Panics
///
/// When one has no label or no content.
pub fn owned_secrets(model: &Model, app: &str) -> BTreeMap<String, (String, SecretContent)> {
    let state = model.state();
    state
        .secrets()
        .into_iter()
        .filter(|secret| secret.owner_app == app)
        .map(|secret| {
            let content = state
                .secret_content(&secret.uri, None)
                .cloned()
                .expect("a secret has content");
            let label = secret
                .label
                .clone()
                .expect("the provider labels its secrets");
            (label, (secret.uri, content))
        })
        .collect()
}

/// Puts the reference provider's answer (`answer`: its app databag and owned secrets) into
/// the model as `unit`'s application's on `relation`: each secret is created (or given a new
/// revision) under the reference's label and granted on the relation; the databag is written
/// with the reference's secret ids replaced by the model's URIs. `imported` maps the
/// reference's ids to the model's URIs across calls. Juju, not the charm, assigns secret IDs,
/// so only the URIs differ from what the reference wrote.
///
/// # Panics
///
/// When the answer is not the driver's shape or a hook tool fails.
pub fn import_reference_answer(
    model: &Model,
    unit: &str,
    relation: &RelationId,
    answer: &Value,
    imported: &mut BTreeMap<String, SecretUri>,
) {
    let provider = model.unit(unit);
    for secret in answer["secrets"]
        .as_array()
        .expect("the driver lists secrets")
    {
        let id = secret["id"].as_str().expect("a secret id").to_owned();
        let content: SecretContent =
            serde_json::from_value(secret["content"].clone()).expect("content of strings");
        match imported.get(&id) {
            Some(uri) => provider.secret_set(uri, &content).expect("secret-set"),
            None => {
                let uri = provider
                    .secret_add(&content, secret["label"].as_str(), SecretOwner::Application)
                    .expect("secret-add");
                provider.secret_grant(&uri, relation).expect("secret-grant");
                imported.insert(id, uri);
            }
        }
    }
    let mut bag = bag_of(&answer["app"]);
    for value in bag.values_mut() {
        for (id, uri) in imported.iter() {
            *value = value.replace(id.as_str(), uri.as_str());
        }
    }
    write_app(model, unit, relation, &bag);
}

/// The reference provider driver's secrets by label: (id, content).
///
/// # Panics
///
/// When the answer lists no secrets or one lacks its id, label or content.
pub fn reference_secrets(answer: &Value) -> BTreeMap<String, (String, SecretContent)> {
    answer["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|secret| {
            let content: SecretContent =
                serde_json::from_value(secret["content"].clone()).expect("content");
            let label = secret["label"].as_str().expect("a label").to_owned();
            let id = secret["id"].as_str().expect("an id").to_owned();
            (label, (id, content))
        })
        .collect()
}

/// The responses of a v1 answer as JSON objects without nulls, by request id.
///
/// # Panics
///
/// When `requests` is missing or not a JSON list of objects with request ids.
pub fn responses_without_nulls(bag: &Bag) -> BTreeMap<String, serde_json::Map<String, Value>> {
    let requests: Value = serde_json::from_str(&bag["requests"]).expect("requests is JSON");
    requests
        .as_array()
        .expect("requests is a list")
        .iter()
        .map(|response| {
            let object: serde_json::Map<String, Value> = response
                .as_object()
                .expect("a response object")
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let id = response["request-id"].as_str().expect("a request id");
            (id.to_owned(), object)
        })
        .collect()
}
