//! The runtime end to end on hand-written `Databag` impls: encode, split into plaintext and
//! secrets, join back, errors naming their place.

mod common;

use common::{Provider, ProviderV0, ProviderV1, Response, bag, secret_string, uri};
use databag::{Databag, ErrorKind, MapResolver, Secret, SecretUri, Value, Versioned};
use serde_json::json;

fn v1_model() -> ProviderV1 {
    let mut first = Response::new("836763deea236532");
    first.resource = Some("application:*".into());
    first.endpoints = Some("valkey-1.valkey-endpoints:6379".into());
    first.username = secret_string("relation-0-836763deea236532");
    first.password = secret_string("Tz8fPq1vW3nB6yK0sLdE4rJ7uMhX2cAi");
    first.tls = Some(Secret::new(true));
    first.tls_ca = secret_string("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    first.sentinel_endpoints = Some("valkey-0.valkey-endpoints:26379".into());
    first.extra.insert("salt".into(), json!("xqbPuYzzl2iiKeyN"));
    let mut second = Response::new("r2");
    second.resource = Some("b:*".into());
    second.password = secret_string("second-password");
    second.port = Some(6379);
    second.extra.insert("x_note".into(), json!("café"));
    let mut extra = databag::Unknown::new();
    extra.insert("x-top".into(), json!("kept"));
    ProviderV1 {
        version: "v1".into(),
        requests: vec![first, second],
        extra,
    }
}

/// Splits, stores each slot's content under a fresh URI, and returns the plaintext bag.
fn publish(split: databag::Split) -> (databag::Bag, MapResolver) {
    let mut split = split;
    let mut resolver = MapResolver::new();
    for index in 0..split.secrets.len() {
        let uri = uri(index);
        split.set_uri(index, &uri).expect("set_uri");
        resolver.insert(&uri, split.secrets[index].content.clone());
    }
    (split.into_bag(), resolver)
}

#[test]
fn v1_split_writes_python_bytes_and_joins_back() {
    let model = v1_model();
    let split = model.split().expect("split");
    let slots: Vec<(String, &str)> = split
        .secrets
        .iter()
        .map(|s| (s.path.to_string(), s.group.as_str()))
        .collect();
    assert_eq!(
        slots,
        [
            ("requests[0]".to_owned(), "user"),
            ("requests[0]".to_owned(), "tls"),
            ("requests[1]".to_owned(), "user")
        ]
    );
    assert_eq!(split.secrets[1].content["tls"], "true");
    assert_eq!(
        split.secrets[1].content["tls-ca"],
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    );
    let (bag, mut resolver) = publish(split);
    // `json.dumps` of the same list, printed by Python 3.
    let expected = r#"[{"request-id": "836763deea236532", "resource": "application:*", "endpoints": "valkey-1.valkey-endpoints:6379", "secret-user": "secret:00000000000000000000", "secret-tls": "secret:00000000000000000001", "sentinel-endpoints": "valkey-0.valkey-endpoints:26379", "salt": "xqbPuYzzl2iiKeyN"}, {"request-id": "r2", "resource": "b:*", "secret-user": "secret:00000000000000000002", "port": 6379, "x_note": "caf\u00e9"}]"#;
    assert_eq!(
        bag,
        common::bag(&[("version", "v1"), ("requests", expected), ("x-top", "kept")])
    );

    let joined = ProviderV1::join(&bag, &mut resolver).expect("join");
    let mut want = model;
    want.requests[0].secret_user = Some(uri(0));
    want.requests[0].secret_tls = Some(uri(1));
    want.requests[1].secret_user = Some(uri(2));
    assert_eq!(joined, want);

    let plain = ProviderV1::from_bag(&bag).expect("from_bag");
    assert!(
        plain
            .requests
            .iter()
            .all(|r| r.password.is_none() && r.tls.is_none())
    );
    assert_eq!(plain.requests[0].secret_tls, Some(uri(1)));
}

#[test]
fn to_bag_refuses_unrouted_secrets() {
    let error = v1_model().to_bag().unwrap_err();
    assert_eq!(error.path().to_string(), "requests[0].password");
    assert!(matches!(error.kind(), ErrorKind::SecretNotRouted { group, .. } if group == "user"));
    assert!(!error.to_string().contains("Tz8f"), "{error}");
    let mut clean = v1_model();
    for response in &mut clean.requests {
        response.username = None;
        response.password = None;
        response.tls = None;
        response.tls_ca = None;
    }
    let bag = clean.to_bag().expect("no secrets, plain bag");
    assert_eq!(ProviderV1::from_bag(&bag), Ok(clean));
}

/// The interface document's v1 provider example, with the reference library's `null` padding
/// and the `secret://MODEL/ID` URI form.
#[test]
fn reads_the_reference_libraries_output() {
    let requests = r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN", "endpoints": "valkey-1.valkey-endpoints:6379", "read-only-endpoints": "valkey-0.valkey-endpoints:6379,valkey-2.valkey-endpoints:6379", "secret-user": "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0", "secret-tls": "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfbg", "username": null, "password": null, "tls": null, "tls-ca": null, "version": "9.0.1", "mode": "sentinel", "sentinel_endpoints": "s:26379", "secret-mtls": null}]"#;
    let bag = bag(&[("version", "v1"), ("requests", requests)]);
    let user = SecretUri::parse("secret:d7fmpmvmp25c7618tfb0").expect("uri");
    let tls = SecretUri::parse("secret:d7fmpmvmp25c7618tfbg").expect("uri");
    let mut resolver: MapResolver = [
        (
            user,
            [
                (
                    "username".to_owned(),
                    "relation-0-836763deea236532".to_owned(),
                ),
                (
                    "password".to_owned(),
                    "Tz8fPq1vW3nB6yK0sLdE4rJ7uMhX2cAi".to_owned(),
                ),
            ]
            .into(),
        ),
        (tls, [("tls".to_owned(), "false".to_owned())].into()),
    ]
    .into_iter()
    .collect();
    let model = ProviderV1::join(&bag, &mut resolver).expect("join");
    let response = &model.requests[0];
    assert_eq!(
        response
            .password
            .as_ref()
            .map(|s| s.expose_secret().as_str()),
        Some("Tz8fPq1vW3nB6yK0sLdE4rJ7uMhX2cAi")
    );
    assert_eq!(
        response.tls.as_ref().map(|s| *s.expose_secret()),
        Some(false)
    );
    assert_eq!(response.tls_ca, None);
    assert_eq!(
        response.sentinel_endpoints.as_deref(),
        Some("s:26379"),
        "alias read"
    );
    assert_eq!(
        response.secret_user.as_ref().and_then(|u| u.model()),
        Some("bc7400b7-2fce-41dd-8509-14a984455cda")
    );
    // Unknown keys survive in order, `null` ones included; aliases and padding do not linger.
    let keys: Vec<&String> = response.extra.keys().collect();
    assert_eq!(
        keys,
        [
            "salt",
            "read-only-endpoints",
            "version",
            "mode",
            "secret-mtls"
        ]
    );
    assert_eq!(response.extra["secret-mtls"], Value::Null);

    // Written back: canonical spellings, extras in their order, URIs as read.
    let (bag, _) = publish(model.split().expect("split"));
    let written: Value = serde_json::from_str(&bag["requests"]).expect("json");
    let keys: Vec<&String> = written[0].as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "request-id",
            "resource",
            "endpoints",
            "secret-user",
            "secret-tls",
            "sentinel-endpoints",
            "salt",
            "read-only-endpoints",
            "version",
            "mode",
            "secret-mtls"
        ]
    );
}

#[test]
fn errors_name_key_and_request_index() {
    let good = r#"{"request-id": "a"}"#;
    let cases = [
        (
            format!(r#"[{good}, {{"request-id": "b", "secret-user": "foo"}}]"#),
            r#"requests[1].secret-user: expected a Juju secret URI, found "foo""#,
        ),
        (
            format!(r#"[{good}, {{"resource": "b"}}]"#),
            "requests[1].request-id: missing required key",
        ),
        (
            format!(r#"[{good}, {{"request-id": "b", "port": "6379"}}]"#),
            r#"requests[1].port: expected an integer, found "6379""#,
        ),
        (
            format!(r#"[{good}, {{"request-id": "b", "prefix": 3}}]"#),
            "requests[1].prefix: expected a string, found 3",
        ),
        (
            format!(r#"[{good}, "b"]"#),
            r#"requests[1]: expected a JSON object, found "b""#,
        ),
        (
            r#"{"request-id": "a"}"#.to_owned(),
            "requests: expected a list, found an object",
        ),
        (
            "[{".to_owned(),
            "requests: invalid JSON: EOF while parsing an object at line 1 column 2",
        ),
        (
            "xyz".to_owned(),
            "requests: invalid JSON: expected value at line 1 column 1",
        ),
    ];
    for (requests, expected) in cases {
        let error =
            ProviderV1::from_bag(&bag(&[("version", "v1"), ("requests", &requests)])).unwrap_err();
        assert_eq!(error.to_string(), expected, "{requests}");
    }
    let error = ProviderV1::from_bag(&bag(&[("version", "v2"), ("requests", "[]")])).unwrap_err();
    assert_eq!(error.to_string(), r#"version: expected "v1", found "v2""#);
    let error = ProviderV1::from_bag(&bag(&[("version", "v1")])).unwrap_err();
    assert_eq!(error.to_string(), "requests: missing required key");
}

#[test]
fn secret_errors_name_group_uri_and_key_but_not_values() {
    let requests = r#"[{"request-id": "a"}, {"request-id": "b", "secret-user": "secret:00000000000000000009", "secret-tls": "secret:00000000000000000001"}]"#;
    let bag = bag(&[("version", "v1"), ("requests", requests)]);
    let mut resolver = MapResolver::new();
    let error = ProviderV1::join(&bag, &mut resolver).unwrap_err();
    assert_eq!(
        error.to_string(),
        "requests[1].secret-user: secret secret:00000000000000000009 of group `user` could not be found"
    );
    resolver.insert(
        &uri(9),
        [("password".to_owned(), "hunter2".to_owned())].into(),
    );
    resolver.insert(
        &uri(1),
        [("tls".to_owned(), "yes-hunter2".to_owned())].into(),
    );
    let error = ProviderV1::join(&bag, &mut resolver).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"requests[1].tls: secret group `tls`, key `tls`: expected "true" or "false""#
    );
    assert!(!format!("{error:?}").contains("hunter2"));
}

fn v0_model() -> ProviderV0 {
    ProviderV0 {
        endpoints: Some("valkey-0:6379".into()),
        version: Some("9.0.1".into()),
        username: secret_string("relation-0"),
        password: secret_string("q9WfK2xL7mNc4RtY8bVz1HsJ5dGp3aEu"),
        tls: Some(Secret::new(false)),
        sentinel_endpoints: Some("s:26379".into()),
        data: Some([("database".to_owned(), json!("application:*"))].into()),
        ..ProviderV0::default()
    }
}

#[test]
fn v0_flat_secrets_split_at_the_root() {
    let model = v0_model();
    let split = model.split().expect("split");
    assert_eq!(split.secrets.len(), 2);
    assert!(split.secrets.iter().all(|s| s.path.is_root()));
    let (bag, mut resolver) = publish(split);
    assert_eq!(
        bag,
        common::bag(&[
            ("endpoints", "valkey-0:6379"),
            ("version", "9.0.1"),
            ("secret-user", "secret:00000000000000000000"),
            ("secret-tls", "secret:00000000000000000001"),
            ("sentinel-endpoints", "s:26379"),
            ("data", r#"{"database": "application:*"}"#),
            ("read-only", "false"),
        ])
    );
    let joined = ProviderV0::join(&bag, &mut resolver).expect("join");
    let mut want = model;
    want.secret_user = Some(uri(0));
    want.secret_tls = Some(uri(1));
    assert_eq!(joined, want);
    // `#[databag(default)]`: absent reads as the default.
    let mut bag = bag;
    bag.remove("read-only");
    assert!(!ProviderV0::from_bag(&bag).expect("from_bag").read_only);
}

#[test]
fn requested_secrets_gate_what_a_v0_peer_can_receive() {
    let model = v0_model();
    let all: Vec<String> = ["username", "password", "tls", "tls-ca"]
        .map(str::to_owned)
        .into();
    assert_eq!(
        model
            .split_requested(Some(&all))
            .expect("listed")
            .secrets
            .len(),
        2
    );
    let error = model.split_requested(Some(&all[..2])).unwrap_err();
    assert_eq!(
        error.kind(),
        &ErrorKind::SecretsUnsupported {
            group: "tls".into(),
            field: "tls".into()
        }
    );
    let error = model.split_requested(None).unwrap_err();
    assert!(error.to_string().contains("SecretsUnsupported"), "{error}");
    assert!(error.to_string().starts_with("username: "), "{error}");
    let nothing_secret = ProviderV0 {
        endpoints: Some("h".into()),
        ..ProviderV0::default()
    };
    assert!(nothing_secret.split_requested(None).is_ok());
}

#[test]
fn versions_select_by_tag() {
    let v1 = Provider::V1(v1_model());
    let (bag, mut resolver) = publish(v1.split().expect("split"));
    assert!(matches!(
        Provider::join(&bag, &mut resolver),
        Ok(Provider::V1(_))
    ));
    let v0 = bag_of_v0();
    assert!(
        matches!(Provider::from_bag(&v0), Ok(Provider::V0(p)) if p.version.as_deref() == Some("9.0.1"))
    );
    let mut without = v0;
    without.remove("version");
    assert!(matches!(Provider::from_bag(&without), Ok(Provider::V0(_))));
    assert!(
        Provider::V1(v1_model()).to_bag().is_err(),
        "secrets not routed"
    );
}

fn bag_of_v0() -> databag::Bag {
    bag(&[
        ("endpoints", "h:6379"),
        ("version", "9.0.1"),
        ("sentinel_endpoints", "s"),
    ])
}

#[test]
fn unknown_top_level_keys_survive_and_aliases_are_renamed() {
    let mut input = bag_of_v0();
    input.insert("x_custom".into(), "{\"not\": \"parsed\"}".into());
    let model = ProviderV0::from_bag(&input).expect("from_bag");
    assert_eq!(model.sentinel_endpoints.as_deref(), Some("s"));
    assert_eq!(model.extra["x_custom"], json!("{\"not\": \"parsed\"}"));
    let output = model.to_bag().expect("to_bag");
    assert_eq!(output["x_custom"], "{\"not\": \"parsed\"}");
    assert_eq!(output["sentinel-endpoints"], "s");
    assert!(!output.contains_key("sentinel_endpoints"));
}

#[test]
fn debug_output_redacts_secrets() {
    let text = format!("{:?} {:#?}", v1_model(), Provider::V0(v0_model()));
    assert!(text.contains("Secret([REDACTED])"));
    for secret in [
        "relation-0-8367",
        "Tz8fPq1v",
        "BEGIN CERTIFICATE",
        "q9WfK2xL",
    ] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}
