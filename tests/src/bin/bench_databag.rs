//! Times the typed bindings on a v1 provider databag of N responses: decode, decode + resolve
//! secrets (`join`), encode (`to_bag_routed`, secrets routed out), and bare serde_json into a plain serde
//! struct with the same fields (the practical limit). Prints one JSON line of nanoseconds per
//! request. Run through tests/scripts/bench.sh, which runs the Python reference beside it. The
//! inputs come from `databag_tests::bench_input`, shared with the Criterion bench (benches/).

use std::hint::black_box;
use std::time::Instant;

use databag::Versioned;
use databag_tests::bench_input::{self, BareResponse, databag};
use valkey_client::valkey_client::ProviderAppData;

/// Nanoseconds per request of `f`, best of eleven rounds of `iterations` calls.
fn time(n: usize, iterations: usize, mut f: impl FnMut()) -> f64 {
    (0..11)
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
    let uris = bench_input::slot_uris(&joined);
    let encode = time(n, iterations, || {
        black_box(bench_input::encode(black_box(&joined), &uris));
    });
    let requests = &bag["requests"];
    let bare = time(n, iterations, || {
        black_box(serde_json::from_str::<Vec<BareResponse>>(black_box(requests)).expect("bare"));
    });
    println!(
        r#"{{"n": {n}, "decode_ns": {decode:.1}, "join_ns": {join:.1}, "encode_ns": {encode:.1}, "bare_serde_json_ns": {bare:.1}}}"#
    );
}
