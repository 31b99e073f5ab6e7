//! Times the typed bindings on a v1 provider databag of N responses: decode, decode + resolve
//! secrets (`join`), encode (`split` + `into_bag`), and bare serde_json into a plain serde
//! struct with the same fields (the practical limit). Prints one JSON line of nanoseconds per
//! request. Run through tests/scripts/bench.sh, which runs the Python reference beside it.

use std::hint::black_box;
use std::time::Instant;

use databag::{Bag, MapResolver, SecretContent, SecretUri, Versioned};
use serde::Deserialize;
use valkey_client::valkey_client::ProviderAppData;

/// The same response as a plain serde struct: what bare serde_json decodes into.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(
    dead_code,
    reason = "fields are decoded, never read: the decode is what is timed"
)]
struct BareResponse {
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

fn databag(n: usize) -> (Bag, MapResolver) {
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

/// Nanoseconds per request of `f`, best of five rounds of `iterations` calls.
fn time(n: usize, iterations: usize, mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                f();
            }
            start.elapsed().as_nanos() as f64 / (iterations * n) as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let iterations = (200_000 / n).max(3);
    let (bag, resolver) = databag(n);
    let decode = time(n, iterations, || {
        black_box(ProviderAppData::from_bag(black_box(&bag)).expect("decodes"));
    });
    // `MapResolver` reads without changing anything: one resolver serves every iteration.
    let mut secrets = resolver.clone();
    let join = time(n, iterations, || {
        black_box(ProviderAppData::join(black_box(&bag), &mut secrets).expect("joins"));
    });
    let joined = ProviderAppData::join(&bag, &mut resolver.clone()).expect("joins");
    let encode = time(n, iterations, || {
        black_box(black_box(&joined).split().expect("splits").into_bag());
    });
    let requests = &bag["requests"];
    let bare = time(n, iterations, || {
        black_box(serde_json::from_str::<Vec<BareResponse>>(black_box(requests)).expect("bare"));
    });
    println!(
        r#"{{"n": {n}, "decode_ns": {decode:.1}, "join_ns": {join:.1}, "encode_ns": {encode:.1}, "bare_serde_json_ns": {bare:.1}}}"#
    );
}
