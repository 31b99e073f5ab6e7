//! The inputs of the throughput benchmarks, shared by `src/bin/bench_databag.rs` (the table of
//! tests/scripts/bench.sh) and `benches/databag.rs` (Criterion) so the two time the same
//! databags and cannot drift apart: a v1 provider databag of N responses, each naming two
//! secrets, and a resolver holding those secrets.

use databag::{Bag, MapResolver, SecretContent, SecretUri, Versioned};
use serde::Deserialize;
use valkey_client::valkey_client::ProviderAppData;

/// The same response as a plain serde struct: what bare serde_json decodes into, the practical
/// limit of a decoder with no version selection, no validation and no secrets.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(
    dead_code,
    reason = "fields are decoded, never read: the decode is what is timed"
)]
pub struct BareResponse {
    resource: String,
    request_id: String,
    salt: String,
    endpoints: String,
    read_only_endpoints: Option<String>,
    secret_user: Option<String>,
    secret_tls: Option<String>,
    version: Option<String>,
    mode: Option<String>,
    sentinel_endpoints: Option<String>,
}

fn xid(n: usize, group: u8) -> String {
    // 20 base32hex characters, distinct per response and group.
    format!("d2fjn1fmp2{:09}{}", n, (b'a' + group) as char)
}

/// A v1 provider databag (`version` and `requests`) of `n` responses, every field set, and a
/// resolver holding the two secrets (user, TLS) each response names.
pub fn databag(n: usize) -> (Bag, MapResolver) {
    let mut responses = Vec::with_capacity(n);
    let mut resolver = MapResolver::new();
    for i in 0..n {
        let (user, tls) = (
            format!("secret:{}", xid(i, 0)),
            format!("secret:{}", xid(i, 1)),
        );
        responses.push(format!(
            r#"{{"resource": "application:*", "request-id": "{i:016x}", "salt": "xqbPuYzzl2iiKeyN", "endpoints": "10.0.0.1:6379", "read-only-endpoints": "10.0.0.2:6379,10.0.0.3:6379", "secret-user": "{user}", "secret-tls": "{tls}", "version": "9.0.1", "mode": "sentinel", "sentinel-endpoints": "10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379"}}"#
        ));
        let user_content = SecretContent::from([
            ("username".to_owned(), format!("relation-0-{i:016x}")),
            (
                "password".to_owned(),
                "Zx3PwY0rTq8mLk2Vb7Nc4Hd9Fs1Ga6Je".to_owned(),
            ),
        ]);
        let tls_content = SecretContent::from([
            ("tls".to_owned(), "true".to_owned()),
            (
                "tls-ca".to_owned(),
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".to_owned(),
            ),
        ]);
        resolver.insert(&SecretUri::parse(&user).expect("uri"), user_content);
        resolver.insert(&SecretUri::parse(&tls).expect("uri"), tls_content);
    }
    let bag = Bag::from([
        ("version".to_owned(), "v1".to_owned()),
        ("requests".to_owned(), format!("[{}]", responses.join(", "))),
    ]);
    (bag, resolver)
}

/// Encodes `data` as a provider does: `to_bag_routed`, each secret slot answered with the URI
/// of the secret that already holds it (a provider's `secret-add`/`secret-set` by label would
/// return the same), in the slots' order: user then TLS, response by response.
pub fn encode(data: &ProviderAppData, uris: &[SecretUri]) -> Bag {
    let mut next = uris.iter();
    data.to_bag_routed(&mut |slot| {
        next.next().cloned().ok_or_else(|| {
            databag::Error::custom(slot.path.clone(), "more slots than secrets in the input")
        })
    })
    .expect("encodes")
}

/// The URIs of the secrets `data` names, in slot order (see [`encode`]).
pub fn slot_uris(data: &ProviderAppData) -> Vec<SecretUri> {
    match data {
        ProviderAppData::V1(v1) => v1
            .requests
            .iter()
            .flat_map(|r| [r.secret_user.clone(), r.secret_tls.clone()])
            .flatten()
            .collect(),
        ProviderAppData::V0(v0) => [v0.secret_user.clone(), v0.secret_tls.clone()]
            .into_iter()
            .flatten()
            .collect(),
    }
}
