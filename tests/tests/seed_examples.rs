//! The interface document's four example databags
//! (spec/valkey_client/seed/valkey_client_v1.md), through the generated structs: they decode,
//! round-trip, and validate against the committed JSON Schemas with a real validator; broken
//! variants fail with the key (and request index) named.

use std::path::PathBuf;

use databag::{Bag, Versioned};
use serde_json::{Value, json};
use valkey_client::valkey_client::{ProviderAppData, RequirerAppData};

fn bag(pairs: &[(&str, &str)]) -> Bag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const V1_REQUESTS: &str = r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN"}]"#;
const V1_RESPONSES: &str = r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN", "endpoints": "valkey-1.valkey-endpoints:6379", "read-only-endpoints": "valkey-0.valkey-endpoints:6379,valkey-2.valkey-endpoints:6379", "secret-user": "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0", "secret-tls": "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfbg", "version": "9.0.1", "mode": "sentinel", "sentinel-endpoints": "valkey-0.valkey-endpoints:26379,valkey-1.valkey-endpoints:26379,valkey-2.valkey-endpoints:26379"}]"#;

fn v1_requirer() -> Bag {
    bag(&[("requests", V1_REQUESTS), ("version", "v1")])
}

fn v1_provider() -> Bag {
    bag(&[("requests", V1_RESPONSES), ("version", "v1")])
}

fn v0_requirer() -> Bag {
    bag(&[
        ("database", "application:*"),
        (
            "requested-secrets",
            r#"["username", "password", "tls", "tls-ca"]"#,
        ),
    ])
}

fn v0_provider() -> Bag {
    bag(&[
        ("database", "application:*"),
        ("endpoints", "valkey-1.valkey-endpoints:6379"),
        ("mode", "sentinel"),
        (
            "read-only-endpoints",
            "valkey-0.valkey-endpoints:6379,valkey-2.valkey-endpoints:6379",
        ),
        ("resource", "application:*"),
        ("salt", "azApUR5VGy94ABXj"),
        (
            "secret-tls",
            "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmtknmp25c7618tfdg",
        ),
        (
            "secret-user",
            "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmtknmp25c7618tfd0",
        ),
        (
            "sentinel_endpoints",
            "valkey-0.valkey-endpoints:26379,valkey-1.valkey-endpoints:26379,valkey-2.valkey-endpoints:26379",
        ),
        ("version", "9.0.1"),
    ])
}

fn validator(role: &str) -> jsonschema::Validator {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../generated/json_schemas/valkey_client/v1")
        .join(format!("{role}.json"));
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("committed schema"))
            .expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn assert_valid(role: &str, bag: &Bag) {
    let instance = json!({ "app": bag });
    let validator = validator(role);
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{role} databag rejected: {errors:#?}");
}

#[test]
fn requirer_examples_decode_round_trip_and_validate() {
    for example in [v1_requirer(), v0_requirer()] {
        let data = RequirerAppData::from_bag(&example).expect("seed example decodes");
        assert_eq!(data.to_bag().expect("no secret values"), example);
        assert_valid("requirer", &example);
    }
    let RequirerAppData::V1(v1) = RequirerAppData::from_bag(&v1_requirer()).expect("v1") else {
        panic!("`version: v1` selects v1");
    };
    // The seed's request id is not sha256(resource:salt) of its resource; it is accepted as is.
    assert_eq!(v1.requests[0].request_id, "836763deea236532");
    assert_ne!(
        databag::wire::request_id(&v1.requests[0].resource, &v1.requests[0].salt),
        "836763deea236532"
    );
    let RequirerAppData::V0(v0) = RequirerAppData::from_bag(&v0_requirer()).expect("v0") else {
        panic!("no `version` selects v0");
    };
    assert_eq!(v0.database, "application:*");
    assert_eq!(
        v0.requested_secrets.as_deref().map(<[String]>::len),
        Some(4)
    );
}

#[test]
fn provider_examples_decode_round_trip_and_validate() {
    let v1 = v1_provider();
    let data = ProviderAppData::from_bag(&v1).expect("v1 example decodes");
    assert_eq!(data.to_bag().expect("no secret values"), v1);
    assert_valid("provider", &v1);

    let v0 = v0_provider();
    assert_valid("provider", &v0);
    let ProviderAppData::V0(data) = ProviderAppData::from_bag(&v0).expect("v0 example decodes")
    else {
        panic!("a server version in `version` selects v0");
    };
    // The Valkey charm's underscore spelling is read; we write the documented one.
    assert_eq!(
        data.sentinel_endpoints.as_deref(),
        Some(
            "valkey-0.valkey-endpoints:26379,valkey-1.valkey-endpoints:26379,valkey-2.valkey-endpoints:26379"
        )
    );
    let written = ProviderAppData::V0(data.clone())
        .to_bag()
        .expect("no secret values");
    let mut expected = v0.clone();
    let sentinels = expected.remove("sentinel_endpoints").expect("seed key");
    expected.insert("sentinel-endpoints".into(), sentinels);
    assert_eq!(written, expected);
    assert_eq!(
        ProviderAppData::from_bag(&written).expect("re-read"),
        ProviderAppData::V0(data)
    );
}

#[test]
fn bookkeeping_and_unknown_keys_survive_a_round_trip() {
    let mut example = v1_provider();
    example.insert(
        "data".into(),
        r#"{"836763deea236532": {"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN"}}"#.into(),
    );
    example.insert(
        "status".into(),
        r#"[{"code": 4001, "message": "waiting", "resolution": "wait"}]"#.into(),
    );
    example.insert(
        "encryption-secret".into(),
        "secret:d2fjn1fmp25004or68b0".into(),
    );
    example.insert("charm-specific".into(), "kept".into());
    // Unknown keys of a response come after the declared ones, as Python writes extras.
    let requests = V1_RESPONSES.replace(r#"26379"}]"#, r#"26379", "x-extra": [1, null]}]"#);
    example.insert("requests".into(), requests);
    let data = ProviderAppData::from_bag(&example).expect("decodes");
    assert_eq!(data.to_bag().expect("no secret values"), example);
    assert_valid("provider", &example);
}

#[test]
fn broken_databags_fail_naming_the_key() {
    let mut missing = v1_requirer();
    missing.remove("requests");
    let error = RequirerAppData::from_bag(&missing).expect_err("requests missing");
    assert_eq!(error.to_string(), "requests: missing required key");
    assert!(!validator("requirer").is_valid(&json!({ "app": missing })));

    let mut malformed = v1_requirer();
    malformed.insert("requests".into(), r#"[{"resource": "a""#.into());
    let error = RequirerAppData::from_bag(&malformed).expect_err("malformed JSON");
    assert!(
        error.to_string().starts_with("requests: invalid JSON"),
        "{error}"
    );

    let mut wrong = v1_requirer();
    wrong.insert(
        "requests".into(),
        r#"[{"resource": "a:*", "request-id": "1", "salt": "s"}, {"resource": 7, "request-id": "2", "salt": "s"}]"#.into(),
    );
    let error = RequirerAppData::from_bag(&wrong).expect_err("wrong type");
    assert_eq!(
        error.to_string(),
        "requests[1].resource: expected a string, found 7"
    );

    let mut bad_uri = v1_provider();
    bad_uri.insert(
        "requests".into(),
        V1_RESPONSES.replace(
            "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0",
            "foo",
        ),
    );
    let error = ProviderAppData::from_bag(&bad_uri).expect_err("bad URI");
    assert_eq!(
        error.to_string(),
        r#"requests[0].secret-user: expected a Juju secret URI, found "foo""#
    );
    // `contentSchema` is only an annotation in draft 2020-12, so the schema validator alone
    // cannot see inside `requests`; `databag validate` does (codegen/tests/cli.rs).

    let mut unknown_version = v1_requirer();
    unknown_version.insert("version".into(), "v2".into());
    let error = RequirerAppData::from_bag(&unknown_version).expect_err("v2");
    assert!(
        error
            .to_string()
            .starts_with("version: unknown wire version"),
        "{error}"
    );
}
