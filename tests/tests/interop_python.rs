//! Interop with the reference Python library (dpcharmlibs-interfaces 1.2.2) running in ops'
//! testing harness: what it writes, Rust reads; what Rust writes, it reads and acts on.
//! The environment comes from tests/scripts/python-env.sh; under CI=true its absence fails.

use std::path::Path;

use databag::{Bag, Databag, Secret, SecretContent, SecretUri, Unknown, Value, Versioned, wire};
use databag_tests::python_driver::{self, REQUIRER, bag_of, python};
use serde_json::json;
use valkey_client::valkey_client::{RequirerAppData, Response, v1};

/// Runs the reference requirer driver with `input` on stdin; its JSON answer.
fn reference_requirer(python: &Path, input: &Value) -> Value {
    python_driver::run(python, REQUIRER, input)
}

/// The reference requirer's relation-created write, read by Rust.
fn reference_request(python: &Path) -> (Bag, v1::RequirerAppData) {
    let answer = reference_requirer(python, &json!({"hook": "created"}));
    let bag = bag_of(&answer["app"]);
    let RequirerAppData::V1(data) = RequirerAppData::from_bag(&bag).expect("v1 request") else {
        panic!("`version: v1` must select v1");
    };
    (bag, data)
}

#[test]
fn rust_reads_what_the_reference_requirer_writes() {
    let Some(python) = python() else { return };
    let (bag, data) = reference_request(&python);
    let request = &data.requests[0];
    assert_eq!(request.resource, "application:*");
    assert_eq!(request.salt, "xqbPuYzzl2iiKeyN");
    // The reference's id is gen_hash(resource, salt): ours computes the same.
    assert_eq!(
        request.request_id,
        wire::request_id(&request.resource, &request.salt)
    );
    assert_eq!(request.request_id, "c4c5c119c9345ffa");
    // Its null padding (PROTOCOL §4.1) is kept as unknown keys and written back byte for byte.
    assert_eq!(
        request.extra.get("external-node-connectivity"),
        Some(&json!(false))
    );
    assert_eq!(data.to_bag().expect("no secrets"), bag);
}

#[test]
fn the_reference_requirer_reads_what_the_rust_provider_writes() {
    let Some(python) = python() else { return };
    let (requirer_bag, request) = reference_request(&python);
    let request = &request.requests[0];

    let response = Response {
        resource: request.resource.clone(),
        request_id: request.request_id.clone(),
        salt: request.salt.clone(),
        endpoints: "10.0.0.1:6379".into(),
        read_only_endpoints: Some("10.0.0.2:6379".into()),
        secret_user: None,
        secret_tls: None,
        username: Some(Secret::new(format!("relation-0-{}", request.request_id))),
        password: Some(Secret::new("Zx3PwY0rTq8mLk2Vb7Nc4Hd9Fs1Ga6Je".into())),
        tls: Some(Secret::new(true)),
        tls_ca: Some(Secret::new(
            "-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----".into(),
        )),
        version: Some("9.0.1".into()),
        mode: Some("sentinel".into()),
        sentinel_endpoints: Some("10.0.0.1:26379,10.0.0.2:26379".into()),
        extra: Unknown::new(),
    };
    // The `data` key tells the reference requirer which request each response answers.
    let answered = json!({
        "resource": request.resource, "request-id": request.request_id, "salt": request.salt
    });
    let provider = v1::ProviderAppData {
        version: "v1".into(),
        requests: vec![response],
        data: Some(
            [(request.request_id.clone(), answered)]
                .into_iter()
                .collect(),
        ),
        status: None,
        extra: Unknown::new(),
    };
    let mut split = provider.split().expect("split");
    let mut secrets = serde_json::Map::new();
    let ids = ["d2fjn1fmp25004or68b0", "d2fjn1fmp25004or68bg"];
    assert_eq!(
        split.secrets.len(),
        ids.len(),
        "one user and one tls secret"
    );
    for (slot, id) in ids.iter().enumerate() {
        let uri = SecretUri::parse(&format!("secret:{id}")).expect("uri");
        let content: &SecretContent = &split.secrets[slot].content;
        secrets.insert(uri.to_string(), json!(content));
        split.set_uri(slot, &uri).expect("set uri");
    }
    let provider_bag = split.into_bag();
    for value in provider_bag.values() {
        assert!(
            !value.contains("Zx3PwY0rTq8mLk2Vb7Nc4Hd9Fs1Ga6Je"),
            "password in plaintext"
        );
    }

    let answer = reference_requirer(
        &python,
        &json!({
            "hook": "changed",
            "requirer_app": requirer_bag,
            "provider_app": provider_bag,
            "secrets": secrets,
        }),
    );
    assert_eq!(answer["error"], Value::Null, "{answer}");
    assert_eq!(
        answer["events"],
        json!([{
            "event": "resource_created",
            "request_id": "c4c5c119c9345ffa",
            "username": "relation-0-c4c5c119c9345ffa",
            "password": "Zx3PwY0rTq8mLk2Vb7Nc4Hd9Fs1Ga6Je",
            "endpoints": "10.0.0.1:6379",
            "sentinel_endpoints": "10.0.0.1:26379,10.0.0.2:26379",
            "tls": true,
            "tls_ca": "-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----",
        }])
    );
}
