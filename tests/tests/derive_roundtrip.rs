//! `#[derive(Databag)]` end to end with the runtime: a struct modelled on the Valkey v1
//! provider databag (secret groups `user` and `tls`, a JSON-encoded `requests` list, a constant
//! `version`, the `sentinel_endpoints` alias, unknown keys kept), wire versions selected by
//! `version`, and a charm's own extension with a new secret group, through split → resolver →
//! join.

use databag::{
    Bag, Databag, ErrorKind, MapResolver, Secret, SecretContent, SecretUri, Unknown, Versioned,
};

/// One answer of the provider in the v1 `requests` list, as the Valkey charm writes it.
#[derive(Clone, Debug, PartialEq, Databag)]
struct Response {
    resource: String,
    request_id: String,
    salt: String,
    /// Read-write endpoints, comma-separated.
    endpoints: Option<String>,
    read_only_endpoints: Option<String>,
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
    #[databag(secret_uri = "tls")]
    secret_tls: Option<SecretUri>,
    /// The Valkey server version (inside a response, not the wire version).
    version: Option<String>,
    // The Valkey charm writes `sentinel_endpoints` with an underscore in v0.
    #[databag(alias = "sentinel_endpoints")]
    sentinel_endpoints: Option<String>,
    mode: Option<String>,
    #[databag(secret = "user")]
    username: Option<Secret<String>>,
    #[databag(secret = "user")]
    password: Option<Secret<String>>,
    #[databag(secret = "tls")]
    tls: Option<Secret<bool>>,
    #[databag(secret = "tls")]
    tls_ca: Option<Secret<String>>,
    #[databag(flatten)]
    extra: Unknown,
}

/// The v1 provider application databag.
#[derive(Clone, Debug, PartialEq, Databag)]
struct ProviderV1 {
    #[databag(constant = "v1")]
    version: String,
    requests: Vec<Response>,
    #[databag(flatten)]
    extra: Unknown,
}

const USER_URI: &str = "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0";
const TLS_URI: &str = "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfbg";
const PASSWORD: &str = "Hk3kQ9x0bT7vZq2mWc8rYp5sLd1nFa6e";
const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";

fn bag(pairs: &[(&str, &str)]) -> Bag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn uri(text: &str) -> SecretUri {
    text.parse().expect("a valid secret URI")
}

/// The provider example of the interface document (v1), in its hand-edited form.
fn seed_provider_bag() -> Bag {
    bag(&[
        ("version", "v1"),
        (
            "requests",
            r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN", "endpoints": "valkey-1.valkey-endpoints:6379", "read-only-endpoints": "valkey-0.valkey-endpoints:6379,valkey-2.valkey-endpoints:6379", "secret-user": "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0", "secret-tls": "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfbg", "version": "9.0.1", "mode": "sentinel", "sentinel-endpoints": "valkey-0.valkey-endpoints:26379,valkey-1.valkey-endpoints:26379,valkey-2.valkey-endpoints:26379"}]"#,
        ),
    ])
}

/// A response with every secret filled in, as the provider charm builds it before `split`.
fn full_response() -> Response {
    Response {
        resource: "application:*".to_owned(),
        request_id: "836763deea236532".to_owned(),
        salt: "xqbPuYzzl2iiKeyN".to_owned(),
        endpoints: Some("10.0.0.1:6379".to_owned()),
        read_only_endpoints: Some("10.0.0.2:6379".to_owned()),
        secret_user: None,
        secret_tls: None,
        version: Some("9.0.1".to_owned()),
        sentinel_endpoints: Some("10.0.0.1:26379,10.0.0.2:26379".to_owned()),
        mode: Some("sentinel".to_owned()),
        username: Some(Secret::new("relation-7-836763deea236532".to_owned())),
        password: Some(Secret::new(PASSWORD.to_owned())),
        tls: Some(Secret::new(true)),
        tls_ca: Some(Secret::new(CA.to_owned())),
        extra: Unknown::new(),
    }
}

#[test]
fn seed_example_decodes_and_round_trips() {
    let decoded = ProviderV1::from_bag(&seed_provider_bag()).expect("the seed example decodes");
    assert_eq!(decoded.version, "v1");
    assert_eq!(decoded.requests.len(), 1);
    let response = &decoded.requests[0];
    assert_eq!(response.request_id, "836763deea236532");
    assert_eq!(response.mode.as_deref(), Some("sentinel"));
    assert_eq!(response.secret_user, Some(uri(USER_URI)));
    assert_eq!(response.secret_tls, Some(uri(TLS_URI)));
    assert_eq!(
        response.sentinel_endpoints.as_deref(),
        Some(
            "valkey-0.valkey-endpoints:26379,valkey-1.valkey-endpoints:26379,valkey-2.valkey-endpoints:26379"
        )
    );
    // Plaintext only: secret fields stay empty until `join`.
    assert!(response.username.is_none() && response.password.is_none());
    assert!(response.extra.is_empty(), "{:?}", response.extra);

    let written = decoded.to_bag().expect("no secret value to route");
    assert_eq!(written.get("version").map(String::as_str), Some("v1"));
    assert_eq!(ProviderV1::from_bag(&written).expect("re-reads"), decoded);
}

#[test]
fn alias_null_padding_and_unknown_keys() {
    // What dpc 1.2.2 writes (null padding, a key this struct does not know), with the underscore
    // spelling of `sentinel_endpoints`; plus an unknown top-level key.
    let input = bag(&[
        ("version", "v1"),
        (
            "requests",
            r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN", "endpoints": "10.0.0.1:6379", "secret-user": "secret:d2fjn1fmp25004or68b0", "secret-extra": null, "sentinel_endpoints": "10.0.0.1:26379", "mode": "sentinel", "mtls-cert": null, "password": null, "prefix-resources": "application:*"}]"#,
        ),
        (
            "data",
            r#"{"836763deea236532": {"resource": "application:*"}}"#,
        ),
    ]);
    let decoded = ProviderV1::from_bag(&input).expect("decodes");
    let response = &decoded.requests[0];
    assert_eq!(
        response.sentinel_endpoints.as_deref(),
        Some("10.0.0.1:26379")
    );
    assert!(
        response.password.is_none(),
        "null padding under a secret key is absent"
    );
    assert_eq!(
        response
            .extra
            .get("prefix-resources")
            .and_then(|v| v.as_str()),
        Some("application:*")
    );
    assert!(
        !response.extra.contains_key("sentinel_endpoints"),
        "an alias is consumed, not kept as an unknown key"
    );
    assert!(decoded.extra.contains_key("data"));

    // Unknown keys survive a write; the alias is written under the field's name.
    let written = decoded.to_bag().expect("encodes");
    let requests = &written["requests"];
    assert!(
        requests.contains("\"prefix-resources\": \"application:*\""),
        "{requests}"
    );
    assert!(requests.contains("\"sentinel-endpoints\""), "{requests}");
    assert!(!requests.contains("sentinel_endpoints"), "{requests}");
    assert_eq!(written.get("data"), input.get("data"));
    assert_eq!(ProviderV1::from_bag(&written).expect("re-reads"), decoded);
}

#[test]
fn wrong_constant_is_an_error_naming_the_key() {
    let mut input = seed_provider_bag();
    input.insert("version".to_owned(), "v9".to_owned());
    let err = ProviderV1::from_bag(&input).expect_err("v9 is not v1");
    assert_eq!(err.path().to_string(), "version");
    assert!(
        matches!(err.kind(), ErrorKind::UnexpectedValue { .. }),
        "{err}"
    );
}

#[test]
fn to_bag_refuses_secret_values() {
    let bag = ProviderV1 {
        version: "v1".to_owned(),
        requests: vec![full_response()],
        extra: Unknown::new(),
    };
    let err = bag.to_bag().expect_err("secret values need split");
    assert!(
        matches!(err.kind(), ErrorKind::SecretNotRouted { group, .. } if group == "user"),
        "{err}"
    );
    assert!(!err.to_string().contains(PASSWORD));
    // The easy route is named: `to_bag_routed` stores the content and writes the URI.
    assert!(err.to_string().contains("use `to_bag_routed`"), "{err}");
}

#[test]
fn split_then_join_restores_every_field() {
    let original = ProviderV1 {
        version: "v1".to_owned(),
        requests: vec![full_response()],
        extra: Unknown::new(),
    };
    let mut split = original.split().expect("splits");

    // One slot per group of the one response, content keys = wire names, booleans as strings.
    let mut groups: Vec<(String, String, SecretContent)> = split
        .secrets
        .iter()
        .map(|slot| {
            (
                slot.path.to_string(),
                slot.group.clone(),
                slot.content.clone(),
            )
        })
        .collect();
    groups.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        groups,
        [
            (
                "requests[0]".to_owned(),
                "tls".to_owned(),
                bag(&[("tls", "true"), ("tls-ca", CA)])
            ),
            (
                "requests[0]".to_owned(),
                "user".to_owned(),
                bag(&[
                    ("password", PASSWORD),
                    ("username", "relation-7-836763deea236532")
                ])
            ),
        ]
    );

    // The charm stores each slot in a Juju Secret and records its URI.
    let mut resolver = MapResolver::default();
    for index in 0..split.secrets.len() {
        let slot = &split.secrets[index];
        let uri = uri(if slot.group == "user" {
            USER_URI
        } else {
            TLS_URI
        });
        resolver.insert(&uri, slot.content.clone());
        split
            .set_uri(index, &uri)
            .expect("the slot's object exists");
    }
    let plaintext = split.into_bag();
    let everything = plaintext.values().cloned().collect::<Vec<_>>().join("\n");
    for secret in [PASSWORD, "relation-7-836763deea236532", "BEGIN CERTIFICATE"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
    assert!(everything.contains(USER_URI) && everything.contains(TLS_URI));

    let joined = ProviderV1::join(&plaintext, &mut resolver).expect("joins");
    let mut expected = original;
    expected.requests[0].secret_user = Some(uri(USER_URI));
    expected.requests[0].secret_tls = Some(uri(TLS_URI));
    assert_eq!(joined, expected);
}

#[test]
fn join_names_a_missing_secret() {
    let mut resolver = MapResolver::default();
    let err = ProviderV1::join(&seed_provider_bag(), &mut resolver).expect_err("no secrets");
    assert!(
        matches!(err.kind(), ErrorKind::SecretMissing { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("requests[0]"), "{err}");
}

#[test]
fn debug_never_shows_a_secret() {
    let debug = format!("{:?}", full_response());
    assert!(!debug.contains(PASSWORD), "{debug}");
    assert!(!debug.contains("BEGIN CERTIFICATE"), "{debug}");
    assert!(
        debug.contains("10.0.0.1:6379"),
        "plain fields still show: {debug}"
    );
}

#[test]
fn shape_records_the_attributes() {
    let shape = Response::shape();
    let field = |name: &str| {
        shape
            .fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no field {name}"))
    };
    assert_eq!(field("sentinel-endpoints").aliases, ["sentinel_endpoints"]);
    assert_eq!(field("tls-ca").secret.as_deref(), Some("tls"));
    assert_eq!(field("secret-user").secret_uri.as_deref(), Some("user"));
    assert!(field("request-id").required);
    assert!(!field("endpoints").required);
    assert_eq!(
        field("endpoints").description.as_deref(),
        Some("Read-write endpoints, comma-separated.")
    );
    assert!(shape.keeps_unknown);
    assert!(ProviderV1::shape().fields[1].json);
    assert_eq!(
        ProviderV1::shape().fields[0].constant.as_deref(),
        Some("v1")
    );
    assert_eq!(
        ProviderV1::secret_groups(),
        [
            (
                "user".to_owned(),
                vec!["username".to_owned(), "password".to_owned()]
            ),
            (
                "tls".to_owned(),
                vec!["tls".to_owned(), "tls-ca".to_owned()]
            ),
        ]
    );
}

// ---- wire versions -------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Databag)]
struct Request {
    resource: String,
    request_id: String,
    salt: String,
}

/// v0: one flat request; the resource under a legacy alias.
#[derive(Clone, Debug, PartialEq, Databag)]
struct RequirerV0 {
    #[databag(alias = "database")]
    resource: String,
    #[databag(default)]
    requested_secrets: Vec<String>,
    #[databag(flatten)]
    extra: Unknown,
}

#[derive(Clone, Debug, PartialEq, Databag)]
struct RequirerV1 {
    #[databag(constant = "v1")]
    version: String,
    requests: Vec<Request>,
}

#[derive(Clone, Debug, PartialEq, Databag)]
#[databag(tag = "version")]
enum RequirerBag {
    #[databag(default)]
    V0(RequirerV0),
    V1(RequirerV1),
}

#[test]
fn version_tag_selects_the_variant() {
    let v0 = bag(&[
        ("database", "application:*"),
        (
            "requested-secrets",
            r#"["username", "password", "tls", "tls-ca"]"#,
        ),
    ]);
    let RequirerBag::V0(absent) = RequirerBag::from_bag(&v0).expect("v0 without version") else {
        panic!("an absent version selects v0");
    };
    assert_eq!(absent.resource, "application:*");
    assert_eq!(
        absent.requested_secrets,
        ["username", "password", "tls", "tls-ca"]
    );

    let mut tagged = v0.clone();
    tagged.insert("version".to_owned(), "v0".to_owned());
    assert!(matches!(
        RequirerBag::from_bag(&tagged),
        Ok(RequirerBag::V0(_))
    ));

    let v1 = bag(&[
        ("version", "v1"),
        (
            "requests",
            r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN"}]"#,
        ),
    ]);
    let decoded = RequirerBag::from_bag(&v1).expect("v1");
    let RequirerBag::V1(inner) = &decoded else {
        panic!("version v1 selects v1");
    };
    assert_eq!(inner.requests[0].request_id, "836763deea236532");
    let written = decoded.to_bag().expect("encodes");
    assert_eq!(RequirerBag::from_bag(&written).expect("re-reads"), decoded);

    let mut resolver = MapResolver::default();
    assert_eq!(
        RequirerBag::join(&v1, &mut resolver).expect("no secrets to fetch"),
        decoded
    );
}

#[test]
fn unknown_version_is_an_error_naming_the_tag() {
    let v2 = bag(&[("version", "v2"), ("requests", "[]")]);
    let err = RequirerBag::from_bag(&v2).expect_err("v2 is unknown");
    match err.kind() {
        ErrorKind::UnknownVersion {
            tag,
            found,
            expected,
        } => {
            assert_eq!(tag, "version");
            assert_eq!(found, "v2");
            assert_eq!(expected, &["v0", "v1"]);
        }
        other => panic!("expected UnknownVersion, got {other:?}"),
    }
    assert!(err.to_string().contains("version"), "{err}");
    let versions = RequirerBag::versions();
    assert_eq!(versions.tag, "version");
    assert_eq!(versions.variants[1].shape, RequirerV1::shape());
}

// ---- a charm's own extension ----------------------------------------------------------------

/// A charm extending the Valkey response with its own fields: one plain, one in a secret group
/// of its own (`api`).
#[derive(Clone, Debug, PartialEq, Databag)]
struct ExtendedResponse {
    resource: String,
    request_id: String,
    salt: String,
    endpoints: Option<String>,
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
    #[databag(secret = "user")]
    username: Option<Secret<String>>,
    #[databag(secret = "user")]
    password: Option<Secret<String>>,
    /// The charm's own plain field.
    api_endpoint: Option<String>,
    /// The charm's own secret.
    #[databag(secret = "api")]
    api_key: Option<Secret<String>>,
    #[databag(secret_uri = "api")]
    secret_api: Option<SecretUri>,
    #[databag(flatten)]
    extra: Unknown,
}

#[derive(Clone, Debug, PartialEq, Databag)]
struct ExtendedProviderV1 {
    #[databag(constant = "v1")]
    version: String,
    requests: Vec<ExtendedResponse>,
}

#[test]
fn charm_extension_end_to_end() {
    const API_URI: &str = "secret:d2fjn1fmp25004or68c0";
    const API_KEY: &str = "ak_9f8e7d6c5b4a";
    let original = ExtendedProviderV1 {
        version: "v1".to_owned(),
        requests: vec![ExtendedResponse {
            resource: "application:*".to_owned(),
            request_id: "836763deea236532".to_owned(),
            salt: "xqbPuYzzl2iiKeyN".to_owned(),
            endpoints: Some("10.0.0.1:6379".to_owned()),
            secret_user: None,
            username: Some(Secret::new("relation-7-836763deea236532".to_owned())),
            password: Some(Secret::new(PASSWORD.to_owned())),
            api_endpoint: Some("https://10.0.0.1:8443".to_owned()),
            api_key: Some(Secret::new(API_KEY.to_owned())),
            secret_api: None,
            extra: Unknown::new(),
        }],
    };
    assert_eq!(
        ExtendedProviderV1::secret_groups(),
        [
            (
                "user".to_owned(),
                vec!["username".to_owned(), "password".to_owned()]
            ),
            ("api".to_owned(), vec!["api-key".to_owned()]),
        ]
    );

    let mut split = original.split().expect("splits");
    let mut resolver = MapResolver::default();
    for index in 0..split.secrets.len() {
        let slot = &split.secrets[index];
        let uri = uri(match slot.group.as_str() {
            "user" => USER_URI,
            "api" => {
                assert_eq!(slot.content, bag(&[("api-key", API_KEY)]));
                API_URI
            }
            other => panic!("unexpected group {other}"),
        });
        resolver.insert(&uri, slot.content.clone());
        split
            .set_uri(index, &uri)
            .expect("the slot's object exists");
    }
    let plaintext = split.into_bag();
    let requests = &plaintext["requests"];
    assert!(
        !requests.contains(API_KEY) && !requests.contains(PASSWORD),
        "{requests}"
    );
    assert!(
        requests.contains("\"api-endpoint\": \"https://10.0.0.1:8443\""),
        "{requests}"
    );
    assert!(
        requests.contains(&format!("\"secret-api\": \"{API_URI}\"")),
        "{requests}"
    );

    let joined = ExtendedProviderV1::join(&plaintext, &mut resolver).expect("joins");
    let mut expected = original;
    expected.requests[0].secret_user = Some(uri(USER_URI));
    expected.requests[0].secret_api = Some(uri(API_URI));
    assert_eq!(joined, expected);

    // A reader that knows only the Valkey fields keeps the extension's keys as unknown ones,
    // and writes them back unchanged.
    let plain = ProviderV1::from_bag(&plaintext).expect("the Valkey-only reader decodes");
    let response = &plain.requests[0];
    assert_eq!(response.endpoints.as_deref(), Some("10.0.0.1:6379"));
    assert_eq!(
        response.extra.get("secret-api").and_then(|v| v.as_str()),
        Some(API_URI)
    );
    let rewritten = plain.to_bag().expect("encodes");
    let again = ExtendedProviderV1::join(&rewritten, &mut resolver).expect("joins again");
    assert_eq!(again, expected);
}

// Decoder and JSON Schema agree on what a databag may hold, judged by a real validator.

/// A request as a hand-written struct without `flatten`: unknown keys are not kept.
#[derive(Debug, PartialEq, Databag)]
struct ClosedItem {
    resource: String,
    count: Option<u64>,
}

/// A databag without `flatten`.
#[derive(Debug, PartialEq, Databag)]
struct Closed {
    endpoints: String,
    tls: Option<bool>,
    port: Option<u64>,
    #[databag(default)]
    items: Vec<ClosedItem>,
}

/// The same databag with `flatten`.
#[derive(Debug, PartialEq, Databag)]
struct Open {
    endpoints: String,
    tls: Option<bool>,
    port: Option<u64>,
    #[databag(default)]
    items: Vec<ClosedItem>,
    #[databag(flatten)]
    extra: Unknown,
}

fn validator_for(schema: &serde_json::Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema).expect("a valid JSON Schema")
}

/// Databags on both sides of the rules: declared keys, unknown keys (Juju's own unit keys
/// among them), missing and malformed values.
fn samples() -> Vec<Bag> {
    vec![
        bag(&[("endpoints", "10.0.0.1:6379")]),
        bag(&[
            ("endpoints", "10.0.0.1:6379"),
            ("ingress-address", "10.0.0.9"),
            ("egress-subnets", "10.0.0.9/32"),
            ("private-address", "10.0.0.9"),
        ]),
        bag(&[("endpoints", "e"), ("tls", "true"), ("port", "6379")]),
        bag(&[("endpoints", "e"), ("port", "18446744073709551615")]),
        bag(&[
            ("endpoints", "e"),
            ("items", r#"[{"resource": "r", "count": 3}]"#),
        ]),
        bag(&[("tls", "true")]),
        bag(&[("endpoints", "e"), ("tls", "yes")]),
        bag(&[("endpoints", "e"), ("port", "-1")]),
        bag(&[("endpoints", "e"), ("port", "01")]),
        bag(&[("endpoints", "e"), ("port", "6379.0")]),
    ]
}

#[test]
fn schema_accepts_exactly_what_decoding_accepts() {
    let closed = validator_for(&Closed::json_schema());
    let open = validator_for(&Open::json_schema());
    let mut accepted = 0;
    for sample in samples() {
        let instance = serde_json::to_value(&sample).expect("a map of strings");
        let decoded = Closed::from_bag(&sample);
        assert_eq!(
            closed.is_valid(&instance),
            decoded.is_ok(),
            "without flatten, {sample:?}: {decoded:?}"
        );
        let decoded = Open::from_bag(&sample);
        assert_eq!(
            open.is_valid(&instance),
            decoded.is_ok(),
            "with flatten, {sample:?}: {decoded:?}"
        );
        accepted += usize::from(decoded.is_ok());
    }
    assert_eq!(accepted, 5, "the samples cover both outcomes");
}

#[test]
fn objects_inside_json_values_agree_too() {
    let item = validator_for(&databag::schema::object_schema(&ClosedItem::shape()));
    let cases = [
        (serde_json::json!({"resource": "r"}), true),
        (
            serde_json::json!({"resource": "r", "salt": "kept-by-no-one"}),
            true,
        ),
        (serde_json::json!({"resource": "r", "count": null}), true),
        (serde_json::json!({"count": 1}), false),
        (serde_json::json!({"resource": "r", "count": -1}), false),
        (serde_json::json!({"resource": "r", "count": 1.5}), false),
    ];
    for (object, valid) in cases {
        assert_eq!(item.is_valid(&object), valid, "schema: {object}");
        let text = serde_json::to_string(&[&object]).expect("JSON");
        let decoded = Closed::from_bag(&bag(&[("endpoints", "e"), ("items", &text)]));
        assert_eq!(decoded.is_ok(), valid, "decoder: {object}: {decoded:?}");
    }
}

#[test]
fn unknown_keys_survive_with_flatten_and_are_ignored_without() {
    let sample = bag(&[
        ("endpoints", "e"),
        ("ingress-address", "10.0.0.9"),
        ("items", "[]"),
    ]);
    let open = Open::from_bag(&sample).expect("unknown keys are accepted");
    assert_eq!(open.to_bag().expect("plain"), sample);
    let closed = Closed::from_bag(&sample).expect("unknown keys are accepted");
    assert_eq!(
        closed.to_bag().expect("plain"),
        bag(&[("endpoints", "e"), ("items", "[]")])
    );
}

#[test]
fn u64_is_exact_over_its_whole_range() {
    // 2^53 + 1 is the first integer a double cannot hold; u64::MAX the last a u64 can.
    for value in [0, 9_007_199_254_740_993, u64::MAX] {
        let closed = Closed {
            endpoints: "e".into(),
            tls: None,
            port: Some(value),
            items: vec![ClosedItem {
                resource: "r".into(),
                count: Some(value),
            }],
        };
        let written = closed.to_bag().expect("plain");
        assert_eq!(written["port"], value.to_string());
        assert_eq!(
            written["items"],
            format!(r#"[{{"resource": "r", "count": {value}}}]"#)
        );
        assert_eq!(Closed::from_bag(&written).expect("reads back"), closed);
    }
    for (text, found) in [
        ("-1", r#""-1""#),
        ("18446744073709551616", r#""18446744073709551616""#),
        ("1e3", r#""1e3""#),
    ] {
        let error =
            Closed::from_bag(&bag(&[("endpoints", "e"), ("port", text)])).expect_err("not a u64");
        assert_eq!(
            error.to_string(),
            format!("port: expected a non-negative integer, found {found}")
        );
    }
    let error = Closed::from_bag(&bag(&[
        ("endpoints", "e"),
        ("items", r#"[{"resource": "r", "count": -2}]"#),
    ]))
    .expect_err("negative");
    assert_eq!(
        error.to_string(),
        "items[0].count: expected a non-negative integer, found -2"
    );
}
