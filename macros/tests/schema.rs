//! The JSON Schemas of the test shapes, checked with a real validator: what the encoder writes
//! validates, known-bad databags do not.

mod common;

use common::{Provider, ProviderV0, ProviderV1, Response, bag, secret_string, uri};
use databag::{Bag, Databag, SecretUri, Value, Versioned};
use serde_json::json;

const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

fn validator(schema: &Value) -> jsonschema::Validator {
    let mut schema = schema.clone();
    if let Value::Object(map) = &mut schema {
        map.insert("$schema".into(), DIALECT.into());
    }
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn instance(bag: &Bag) -> Value {
    Value::Object(
        bag.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Whether a v1 provider databag is valid: the databag schema, then (JSON Schema only
/// annotates JSON-encoded values) the `requests` content against its `contentSchema`.
fn v1_valid(bag: &Bag) -> bool {
    let schema = ProviderV1::json_schema();
    if !validator(&schema).is_valid(&instance(bag)) {
        return false;
    }
    let Some(text) = bag.get("requests") else {
        return true;
    };
    let Ok(content) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    validator(&schema["properties"]["requests"]["contentSchema"]).is_valid(&content)
}

fn written_v1() -> Bag {
    let mut response = Response::new("836763deea236532");
    response.resource = Some("application:*".into());
    response.password = secret_string("hunter2");
    response.port = Some(6379);
    response.extra.insert("salt".into(), json!("s"));
    let model = ProviderV1 {
        version: "v1".into(),
        requests: vec![response, Response::new("r2")],
        extra: [("x-top".to_owned(), json!("kept"))].into_iter().collect(),
    };
    let mut split = model.split().expect("split");
    split.set_uri(0, &uri(0)).expect("set_uri");
    split.into_bag()
}

#[test]
fn written_v1_databags_validate() {
    let bag = written_v1();
    assert!(v1_valid(&bag), "{bag:?}");
    assert!(validator(&Provider::json_schema()).is_valid(&instance(&bag)));
}

#[test]
fn bad_v1_databags_do_not_validate() {
    let requests = |text: &str| bag(&[("version", "v1"), ("requests", text)]);
    let bad = [
        requests(r#"[{"request-id": "a", "password": "hunter2"}]"#),
        requests(r#"[{"request-id": "a", "secret-user": "foo"}]"#),
        requests(r#"[{"request-id": "a", "secret-user": "xsecret:00000000000000000000"}]"#),
        requests(r#"[{"resource": "a"}]"#),
        requests(r#"[{"request-id": "a", "port": "6379"}]"#),
        requests(r#"{"request-id": "a"}"#),
        requests("[{"),
        bag(&[("version", "v2"), ("requests", "[]")]),
        bag(&[("requests", "[]")]),
        bag(&[("version", "v1"), ("requests", "null")]),
    ];
    for bag in bad {
        assert!(!v1_valid(&bag), "{bag:?}");
    }
    let good = [
        requests(r#"[{"request-id": "a", "password": null, "port": null, "x": [1]}]"#),
        requests(
            r#"[{"request-id": "a", "secret-user": "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0"}]"#,
        ),
        requests("[]"),
    ];
    for bag in good {
        assert!(v1_valid(&bag), "{bag:?}");
    }
}

#[test]
fn v0_databags_validate_flat_rules() {
    let schema = validator(&ProviderV0::json_schema());
    let model = ProviderV0 {
        endpoints: Some("h:6379".into()),
        version: Some("9.0.1".into()),
        secret_user: Some(uri(3)),
        data: Some([("k".to_owned(), json!([1]))].into()),
        read_only: true,
        ..ProviderV0::default()
    };
    let written = model.to_bag().expect("no secrets");
    assert!(schema.is_valid(&instance(&written)), "{written:?}");
    let with = |key: &str, value: &str| {
        let mut bag = written.clone();
        bag.insert(key.into(), value.into());
        bag
    };
    assert!(
        schema.is_valid(&instance(&with("sentinel_endpoints", "s"))),
        "legacy spelling"
    );
    assert!(schema.is_valid(&instance(&with("x_unknown", "anything"))));
    for (key, value) in [
        ("read-only", "True"),
        ("read-only", "1"),
        ("secret-user", "secret:short"),
        ("password", "hunter2"),
        ("tls", "true"),
    ] {
        assert!(
            !schema.is_valid(&instance(&with(key, value))),
            "{key}: {value}"
        );
    }
    let versions = validator(&Provider::json_schema());
    assert!(versions.is_valid(&instance(&written)), "v0 alternative");
    let mut no_version = written.clone();
    no_version.remove("version");
    assert!(
        versions.is_valid(&instance(&no_version)),
        "absent tag selects v0"
    );
    assert!(
        !versions.is_valid(&instance(&with("version", "v1"))),
        "v1 is not a v0 server version, and the rest is no v1 databag"
    );
}

#[test]
fn versions_schema_has_one_titled_alternative_per_version() {
    let schema = Provider::json_schema();
    let titles: Vec<&Value> = schema["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .map(|v| &v["title"])
        .collect();
    assert_eq!(titles, [&json!("v0"), &json!("v1")]);
    assert_eq!(
        schema["oneOf"][0]["properties"]["version"]["not"],
        json!({"enum": ["v1"]})
    );
    assert_eq!(
        serde_json::to_string(&schema).ok(),
        serde_json::to_string(&Provider::json_schema()).ok()
    );
}

/// The schema's URI pattern and the parser accept the same strings.
#[test]
fn uri_pattern_agrees_with_the_parser() {
    let schema = ProviderV0::json_schema();
    let pattern = validator(&schema["properties"]["secret-user"]);
    for text in [
        "secret:d7fmpmvmp25c7618tfb0",
        "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0",
        "secret:0f8e6a5c-3c2b-4d6e-9f1a-2b3c4d5e6f70",
        "secret://bc7400b7-2fce-41dd-8509-14a984455cda/0f8e6a5c-3c2b-4d6e-9f1a-2b3c4d5e6f70",
        "secret:12345678901234567890",
        "",
        "secret:",
        "xsecret:d7fmpmvmp25c7618tfb0",
        "secret:d7fmpmvmp25c7618tfb0\n",
        "secret:D7FMPMVMP25C7618TFB0",
        "secret:d7fmpmvmp25c7618tfb",
        "secret://BC7400B7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0",
        "secret://bc7400b7-2fce-41dd-8509-14a984455cda/",
        "secret:0f8e6a5c-3c2b-4d6e-9f1a-2b3c4d5e6f7g",
    ] {
        assert_eq!(
            pattern.is_valid(&json!(text)),
            SecretUri::parse(text).is_ok(),
            "{text:?}"
        );
    }
}
