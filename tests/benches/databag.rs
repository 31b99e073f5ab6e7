//! Criterion throughput benches of the typed `valkey_client` bindings on v1 provider databags
//! of N = 1, 100 and 10000 responses: `decode` (`ProviderAppData::from_bag`), `join` (decode
//! plus resolving two secrets per response), `encode` (`to_bag_routed` of the joined model,
//! secrets routed out), `encode_split` (the same bytes through `split()`, `set_uri`,
//! `into_bag()`: the JSON-tree path) and `bare_serde_json` (the `requests` JSON into a plain serde struct: the practical
//! limit). The inputs are `databag_tests::bench_input`, the same as tests/scripts/bench.sh's
//! `bench_databag`, so the two cannot drift apart. Run with
//! `cargo bench -p databag-tests --bench databag`.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use databag::Versioned;
use databag_tests::bench_input::{self, BareResponse, databag};
use valkey_client::valkey_client::ProviderAppData;

/// The databag sizes of bench_databag's table.
const SIZES: [usize; 3] = [1, 100, 10_000];

/// A group whose figures read per response (`Throughput::Elements`), with a modest measurement
/// time so the whole bench stays within a few minutes on two cores.
fn group<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group
}

/// Sets the group up for `n` responses: per-element throughput and, for the largest databag,
/// where one iteration takes up to a few hundred milliseconds, 20 samples of equal iteration
/// counts (`Flat`): the default linear sampling would need 1 + 2 + ... + 100 iterations, far
/// more than the measurement time.
fn size(group: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    group.throughput(Throughput::Elements(n as u64));
    if n >= 10_000 {
        group.sample_size(20).sampling_mode(SamplingMode::Flat);
    } else {
        group.sample_size(100).sampling_mode(SamplingMode::Auto);
    }
}

fn decode(c: &mut Criterion) {
    let mut group = group(c, "decode");
    for n in SIZES {
        let (bag, _) = databag(n);
        size(&mut group, n);
        group.bench_function(n.to_string(), |b| {
            b.iter(|| ProviderAppData::from_bag(black_box(&bag)).expect("decodes"));
        });
    }
    group.finish();
}

fn join(c: &mut Criterion) {
    let mut group = group(c, "join");
    for n in SIZES {
        // Built once, outside the timed loop: `MapResolver` reads without changing anything,
        // so one resolver serves every iteration.
        let (bag, mut resolver) = databag(n);
        size(&mut group, n);
        group.bench_function(n.to_string(), |b| {
            b.iter(|| ProviderAppData::join(black_box(&bag), &mut resolver).expect("joins"));
        });
    }
    group.finish();
}

fn encode(c: &mut Criterion) {
    let mut group = group(c, "encode");
    for n in SIZES {
        let (bag, mut resolver) = databag(n);
        let joined = ProviderAppData::join(&bag, &mut resolver).expect("joins");
        size(&mut group, n);
        let uris = bench_input::slot_uris(&joined);
        group.bench_function(n.to_string(), |b| {
            b.iter(|| bench_input::encode(black_box(&joined), &uris));
        });
    }
    group.finish();
}

fn encode_split(c: &mut Criterion) {
    let mut group = group(c, "encode_split");
    for n in SIZES {
        let (bag, mut resolver) = databag(n);
        let joined = ProviderAppData::join(&bag, &mut resolver).expect("joins");
        let uris = bench_input::slot_uris(&joined);
        size(&mut group, n);
        group.bench_function(n.to_string(), |b| {
            b.iter(|| {
                let mut split = black_box(&joined).split().expect("splits");
                for (index, uri) in uris.iter().enumerate() {
                    split.set_uri(index, uri).expect("a slot per URI");
                }
                split.into_bag()
            });
        });
    }
    group.finish();
}

fn bare_serde_json(c: &mut Criterion) {
    let mut group = group(c, "bare_serde_json");
    for n in SIZES {
        let (bag, _) = databag(n);
        let requests = &bag["requests"];
        size(&mut group, n);
        group.bench_function(n.to_string(), |b| {
            b.iter(|| {
                serde_json::from_str::<Vec<BareResponse>>(black_box(requests)).expect("bare")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, decode, join, encode, encode_split, bare_serde_json);
criterion_main!(benches);
