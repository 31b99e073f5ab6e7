//! Decoding a databag never panics, whatever the peer wrote: each input line `key=value`
//! becomes one databag entry (so JSON, broken JSON, odd keys and odd URIs all reach the
//! decoders), and every successful decode must encode again without panicking. Whenever the
//! derive's fast path answers, the checked path must answer the same (tests/tests/fast_path.rs
//! states the same property with proptest). The whole input is also tried as one JSON value
//! (the `requests` of a v1 provider databag), so that libFuzzer's mutations reach the JSON
//! readers directly: numbers beyond `f64`, surrogate escapes, deep nesting in skipped values
//! (`seeds/edge-*` start it there).
#![no_main]

use databag::{Bag, Databag, MapResolver, SecretContent, SecretUri, Versioned};
use libfuzzer_sys::fuzz_target;
use valkey_client::valkey_client::{ProviderAppData, RequirerAppData, v0, v1};

/// The fast path, when it answers, agrees with the checked path, for decode and for join.
fn paths_agree<T: Databag + Clone + PartialEq + std::fmt::Debug>(bag: &Bag, secrets: &MapResolver) {
    let Ok(fast) = T::__from_bag_fast(bag) else {
        return;
    };
    assert_eq!(Ok(fast.clone()), T::__from_bag_checked(bag));
    let mut joined = fast;
    if joined.__resolve_fast(&mut secrets.clone()).is_ok() {
        assert_eq!(Ok(joined), T::__join_checked(bag, &mut secrets.clone()));
    }
}

fn bag_of(data: &[u8]) -> Bag {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

/// Every secret the fuzzed bag could name resolves, so `join` exercises content decoding too.
fn resolver(bag: &Bag) -> MapResolver {
    let mut resolver = MapResolver::new();
    for value in bag.values() {
        if let Ok(uri) = SecretUri::parse(value) {
            let content = SecretContent::from([
                ("username".to_owned(), value.clone()),
                ("password".to_owned(), value.clone()),
                ("tls".to_owned(), value.clone()),
                ("tls-ca".to_owned(), value.clone()),
            ]);
            resolver.insert(&uri, content);
        }
    }
    resolver
}

fuzz_target!(|data: &[u8]| {
    let bag = bag_of(data);
    if let Ok(requirer) = RequirerAppData::from_bag(&bag) {
        let _ = requirer.to_bag();
    }
    if let Ok(provider) = ProviderAppData::from_bag(&bag) {
        let _ = provider.split();
    }
    let mut secrets = resolver(&bag);
    paths_agree::<v0::RequirerAppData>(&bag, &secrets);
    paths_agree::<v1::RequirerAppData>(&bag, &secrets);
    paths_agree::<v0::ProviderAppData>(&bag, &secrets);
    paths_agree::<v1::ProviderAppData>(&bag, &secrets);
    if let Ok(provider) = ProviderAppData::join(&bag, &mut secrets) {
        let _ = provider.split();
    }
    let json = Bag::from([
        ("version".to_owned(), "v1".to_owned()),
        ("requests".to_owned(), String::from_utf8_lossy(data).into_owned()),
    ]);
    paths_agree::<v1::ProviderAppData>(&json, &resolver(&json));
});
