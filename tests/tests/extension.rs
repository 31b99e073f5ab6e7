//! A provider charm extends the Valkey response with fields of its own (one plain, one in a
//! secret group of its own); a requirer reading with the generated bindings still gets every
//! standard field, keeps the extension's keys for round trips, and never sees its secret.

use databag::{Databag, MapResolver, Secret, SecretUri, Unknown, Versioned};
use valkey_client::valkey_client::ProviderAppData;

/// The generated response's fields plus a charm's own.
#[derive(Clone, Debug, PartialEq, Databag)]
struct ExtendedResponse {
    resource: String,
    request_id: String,
    salt: String,
    endpoints: String,
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
    #[databag(secret = "user")]
    username: Option<Secret<String>>,
    #[databag(secret = "user")]
    password: Option<Secret<String>>,
    /// The charm's own plain field.
    metrics_endpoint: Option<String>,
    /// The charm's own secret, in a group of its own.
    #[databag(secret = "metrics")]
    metrics_token: Option<Secret<String>>,
    #[databag(secret_uri = "metrics")]
    secret_metrics: Option<SecretUri>,
    #[databag(flatten)]
    extra: Unknown,
}

#[derive(Clone, Debug, PartialEq, Databag)]
struct ExtendedProviderV1 {
    #[databag(constant = "v1")]
    version: String,
    requests: Vec<ExtendedResponse>,
}

const TOKEN: &str = "mt_5e4d3c2b1a09";
const PASSWORD: &str = "Zx3PwY0rTq8mLk2Vb7Nc4Hd9Fs1Ga6Je";

#[test]
fn generated_bindings_read_an_extended_response() {
    let extended = ExtendedProviderV1 {
        version: "v1".into(),
        requests: vec![ExtendedResponse {
            resource: "application:*".into(),
            request_id: "836763deea236532".into(),
            salt: "xqbPuYzzl2iiKeyN".into(),
            endpoints: "10.0.0.1:6379".into(),
            secret_user: None,
            username: Some(Secret::new("relation-0-836763deea236532".into())),
            password: Some(Secret::new(PASSWORD.into())),
            metrics_endpoint: Some("http://10.0.0.1:9121/metrics".into()),
            metrics_token: Some(Secret::new(TOKEN.into())),
            secret_metrics: None,
            extra: Unknown::new(),
        }],
    };
    let mut split = extended.split().expect("splits");
    let mut secrets = MapResolver::new();
    let ids = ["d2fjn1fmp25004or68b0", "d2fjn1fmp25004or68c0"];
    assert_eq!(
        split.secrets.len(),
        ids.len(),
        "one user and one metrics secret"
    );
    for (slot, id) in ids.iter().enumerate() {
        let uri = SecretUri::parse(&format!("secret:{id}")).expect("uri");
        secrets.insert(&uri, split.secrets[slot].content.clone());
        split.set_uri(slot, &uri).expect("slot object exists");
    }
    let bag = split.into_bag();
    assert!(
        bag.values()
            .all(|v| !v.contains(TOKEN) && !v.contains(PASSWORD))
    );

    // The generated bindings: standard fields typed and resolved, the extension kept as-is.
    let ProviderAppData::V1(read) = ProviderAppData::join(&bag, &mut secrets).expect("joins")
    else {
        panic!("`version: v1` selects v1");
    };
    let response = &read.requests[0];
    assert_eq!(response.endpoints, "10.0.0.1:6379");
    assert_eq!(
        response
            .password
            .as_ref()
            .map(|p| p.expose_secret().as_str()),
        Some(PASSWORD)
    );
    assert_eq!(
        response.extra.get("metrics-endpoint"),
        Some(&serde_json::json!("http://10.0.0.1:9121/metrics"))
    );
    assert_eq!(
        response.extra.get("secret-metrics"),
        Some(&serde_json::json!("secret:d2fjn1fmp25004or68c0"))
    );
    assert!(!format!("{read:?}").contains(TOKEN));

    // Written back by the generated bindings, the extension still reads as it was written.
    let rewritten = {
        let mut split = ProviderAppData::V1(read).split().expect("splits");
        let uri = SecretUri::parse("secret:d2fjn1fmp25004or68b0").expect("uri");
        split.set_uri(0, &uri).expect("slot object exists");
        split.into_bag()
    };
    let again = ExtendedProviderV1::join(&rewritten, &mut secrets).expect("joins");
    assert_eq!(again, {
        let mut expected = extended;
        expected.requests[0].secret_user =
            Some(SecretUri::parse("secret:d2fjn1fmp25004or68b0").expect("uri"));
        expected.requests[0].secret_metrics =
            Some(SecretUri::parse("secret:d2fjn1fmp25004or68c0").expect("uri"));
        expected
    });
}
