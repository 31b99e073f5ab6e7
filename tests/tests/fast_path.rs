//! The derive's fast path against the checked path, input by input.
//!
//! `from_bag`, `join`, `to_bag` and `to_bag_routed` first try the fast path (JSON straight
//! into the typed struct, the typed struct straight into databag text) and take the checked
//! path (through the shape and a JSON tree, with error paths) when it declines. That is only
//! sound if the fast path, whenever it answers, answers exactly what the checked path does:
//! these properties check it on arbitrary databags and secrets, for the generated
//! `valkey_client` structs and for a derived struct that uses every field type and attribute.
//! The deterministic tests below check that the fast path does answer on real inputs, so a
//! fast path that always declines (correct, but slow) fails here too.

use std::collections::BTreeMap;

use databag::__private::Encoder;
use databag::{
    Bag, Databag, Error, MapResolver, Secret, SecretContent, SecretSlot, SecretUri, Unknown, Value,
};
use proptest::prelude::*;
use valkey_client::valkey_client::{Response, v0, v1};

/// Nested object: secret routing, aliases, a default and every plain kind.
#[derive(Clone, Debug, PartialEq, Databag)]
#[databag(rename_all = "kebab-case")]
struct Inner {
    #[databag(alias = "old-name", alias = "older")]
    name: String,
    count: Option<i64>,
    #[databag(default)]
    enabled: bool,
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
    #[databag(secret = "user")]
    password: Option<Secret<String>>,
    #[databag(secret = "user")]
    port: Option<Secret<i64>>,
    #[databag(flatten)]
    extra: Unknown,
}

/// A databag with every kind of top-level field.
#[derive(Clone, Debug, PartialEq, Databag)]
#[databag(rename_all = "kebab-case")]
struct Everything {
    #[databag(constant = "v9")]
    version: String,
    #[databag(alias = "database", alias = "prefix")]
    resource: Option<String>,
    tls: Option<bool>,
    port: Option<i64>,
    #[databag(json)]
    note: Option<String>,
    any: Option<Value>,
    tags: Option<Vec<String>>,
    limits: Option<BTreeMap<String, i64>>,
    items: Option<Vec<Inner>>,
    single: Option<Inner>,
    #[databag(secret_uri = "tls")]
    secret_tls: Option<SecretUri>,
    #[databag(secret = "tls")]
    tls_ca: Option<Secret<String>>,
    #[databag(flatten)]
    extra: Unknown,
}

const URIS: [&str; 3] = [
    "secret:d2fjn1fmp25004or68b0",
    "secret://1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f/d2fjn1fmp25004or68b1",
    "secret:d2fjn1fmp25004or68b2",
];

/// Texts that sit on the edges of the wire rules: JSON-looking strings, non-canonical
/// numbers, wrong boolean spellings, URIs and near-URIs, escapes.
fn scalar_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("True".to_owned()),
        Just("1".to_owned()),
        Just("-7".to_owned()),
        Just("007".to_owned()),
        Just("1.0".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("null".to_owned()),
        Just("v9".to_owned()),
        Just(String::new()),
        Just(URIS[0].to_owned()),
        Just("xsecret:abc".to_owned()),
        Just("\"quoted\"".to_owned()),
        Just("[\"a\", \"b\"]".to_owned()),
        Just("[\"a\", 3]".to_owned()),
        Just("{\"a\": 1, \"b\": -2}".to_owned()),
        Just("{\"a\": \"x\"}".to_owned()),
        "[a-z:*é .-]{0,8}",
    ]
}

/// A JSON value as text, for the inside of objects.
fn json_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("12".to_owned()),
        Just("-3".to_owned()),
        Just("1.5".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("\"true\"".to_owned()),
        Just("\"a\\u00e9\\n\"".to_owned()),
        Just("[]".to_owned()),
        Just("[1, \"x\"]".to_owned()),
        Just("{}".to_owned()),
        Just("{\"k\": [null]}".to_owned()),
        (0..URIS.len()).prop_map(|i| format!("\"{}\"", URIS[i])),
        "[a-z0-9:*]{0,6}".prop_map(|s| format!("\"{s}\"")),
    ]
}

/// A JSON object as text, keys drawn from `keys` (duplicates allowed: text, not a map).
fn json_object(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            prop_oneof![
                4 => proptest::sample::select(keys).prop_map(str::to_owned),
                1 => "x[a-z]{0,2}",
                1 => Just("na\\u006de".to_owned()),
            ],
            json_scalar(),
        ),
        0..8,
    )
    .prop_map(|pairs| {
        let body: Vec<String> = pairs
            .iter()
            .map(|(key, value)| format!("\"{key}\": {value}"))
            .collect();
        format!("{{{}}}", body.join(", "))
    })
}

const INNER_KEYS: &[&str] = &[
    "name",
    "old-name",
    "older",
    "count",
    "enabled",
    "secret-user",
    "password",
    "port",
];

const RESPONSE_KEYS: &[&str] = &[
    "resource",
    "request-id",
    "salt",
    "endpoints",
    "read-only-endpoints",
    "secret-user",
    "secret-tls",
    "username",
    "password",
    "tls",
    "tls-ca",
    "version",
    "mode",
    "sentinel-endpoints",
    "sentinel_endpoints",
];

/// The keys a response requires, mostly with string values, before random pairs: without
/// them almost no random response decodes at all.
fn response_object() -> impl Strategy<Value = String> {
    // `request-id` has a pattern (`^[A-Za-z0-9_-]{1,64}$`): mostly ids that match it, some
    // that break it (both paths must refuse those alike).
    let required = ["resource", "request-id", "salt", "endpoints"].map(|key| {
        let text = if key == "request-id" {
            "[a-z0-9_-]{1,6}|[a-z0-9:*. ]{0,6}"
        } else {
            "[a-z0-9:*]{0,6}"
        };
        prop_oneof![
            9 => text.prop_map(move |s| format!("\"{key}\": \"{s}\"")),
            1 => json_scalar().prop_map(move |v| format!("\"{key}\": {v}")),
        ]
    });
    (required, json_object(RESPONSE_KEYS)).prop_map(|(required, rest)| {
        let rest = rest
            .trim_start_matches('{')
            .trim_end_matches('}')
            .to_owned();
        let mut pairs = required.to_vec();
        if !rest.is_empty() {
            pairs.push(rest);
        }
        format!("{{{}}}", pairs.join(", "))
    })
}

/// A JSON list of objects, or something that is almost one.
fn json_list(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    let object = if keys == RESPONSE_KEYS {
        response_object().boxed()
    } else {
        json_object(keys).boxed()
    };
    prop_oneof![
        8 => proptest::collection::vec(object, 0..4)
            .prop_map(|items| format!("[{}]", items.join(", "))),
        1 => json_scalar(),
        1 => Just("[{\"name\": \"a\"}".to_owned()),
        1 => Just("[{\"name\": \"a\"}] x".to_owned()),
    ]
}

fn value_text(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => scalar_text(),
        2 => json_object(keys),
        2 => json_list(keys),
    ]
}

/// A databag over `keys` (and a few unknown ones); values from `value`.
fn bag(
    keys: &'static [&'static str],
    value: impl Strategy<Value = String>,
) -> impl Strategy<Value = Bag> {
    proptest::collection::btree_map(
        prop_oneof![
            6 => proptest::sample::select(keys).prop_map(str::to_owned),
            1 => "x-[a-z]{1,3}",
        ],
        value,
        0..8,
    )
}

const EVERYTHING_KEYS: &[&str] = &[
    "version",
    "resource",
    "database",
    "prefix",
    "tls",
    "port",
    "note",
    "any",
    "tags",
    "limits",
    "items",
    "single",
    "secret-tls",
    "tls-ca",
];

fn everything_bag() -> impl Strategy<Value = Bag> {
    bag(EVERYTHING_KEYS, value_text(INNER_KEYS)).prop_map(|mut bag| {
        // Most bags carry the right constant, so that the rest of them gets decoded.
        bag.entry("version".to_owned())
            .or_insert_with(|| "v9".to_owned());
        bag
    })
}

/// Secret content as the reference writes it, and some that does not fit.
fn content() -> impl Strategy<Value = SecretContent> {
    proptest::collection::btree_map(
        proptest::sample::select(&["password", "port", "tls-ca", "username", "other"][..])
            .prop_map(str::to_owned),
        prop_oneof![
            Just("hunter2".to_owned()),
            Just("6379".to_owned()),
            Just("07".to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
            Just("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".to_owned()),
        ],
        0..4,
    )
}

fn resolver() -> impl Strategy<Value = MapResolver> {
    proptest::collection::vec(proptest::option::of(content()), URIS.len()).prop_map(|contents| {
        let mut resolver = MapResolver::new();
        for (uri, content) in URIS.iter().zip(contents) {
            if let Some(content) = content {
                resolver.insert(&SecretUri::parse(uri).expect("uri"), content);
            }
        }
        resolver
    })
}

/// Whenever the fast path answers, the checked path answers the same. `Ok(true)`: the fast
/// path answered.
fn agree_on_decode<T: Databag + PartialEq + std::fmt::Debug>(
    bag: &Bag,
) -> Result<bool, TestCaseError> {
    let Ok(fast) = T::__from_bag_fast(bag) else {
        return Ok(false);
    };
    prop_assert_eq!(Ok(fast), T::__from_bag_checked(bag), "bag: {:?}", bag);
    Ok(true)
}

fn agree_on_join<T: Databag + PartialEq + std::fmt::Debug>(
    bag: &Bag,
    resolver: &MapResolver,
) -> Result<bool, TestCaseError> {
    let Ok(mut fast) = T::__from_bag_fast(bag) else {
        return Ok(false);
    };
    if fast.__resolve_fast(&mut resolver.clone()).is_err() {
        return Ok(false);
    }
    let checked = T::__join_checked(bag, &mut resolver.clone());
    prop_assert_eq!(Ok(fast), checked, "bag: {:?}", bag);
    Ok(true)
}

/// A slot as the route sees it.
fn seen(slot: &SecretSlot) -> (String, String, SecretContent) {
    (
        slot.path.to_string(),
        slot.group.clone(),
        slot.content.clone(),
    )
}

/// The URI the test's route gives the `n`th slot.
fn routed_uri(n: usize) -> Result<SecretUri, Error> {
    SecretUri::parse(&format!("secret:d2fjn1fmp25004or6{n:03}"))
}

/// Whenever the fast encoder answers, it writes the checked path's bytes and hands the route
/// the same slots in the same order (the checked path: `split`, `set_uri` for each slot in
/// order, `into_bag`).
fn agree_on_encode<T: Databag>(value: &T) -> Result<bool, TestCaseError> {
    let mut encoder = Encoder::new();
    if value.__encode_bag(&mut encoder).is_err() {
        return Ok(false);
    }
    let mut fast_slots = Vec::new();
    let fast = encoder.finish(&mut |slot| {
        fast_slots.push(seen(slot));
        routed_uri(fast_slots.len())
    });
    let mut checked_slots = Vec::new();
    let checked = value.split().and_then(|mut split| {
        for index in 0..split.secrets.len() {
            checked_slots.push(seen(&split.secrets[index]));
            split.set_uri(index, &routed_uri(checked_slots.len())?)?;
        }
        Ok(split.into_bag())
    });
    prop_assert_eq!(&fast, &checked);
    prop_assert_eq!(fast_slots, checked_slots);
    let unrouted = value
        .split()
        .ok()
        .and_then(|split| match split.secrets.first() {
            Some(_) => None,
            None => Some(split.into_bag()),
        });
    prop_assert_eq!(value.to_bag().ok(), unrouted, "to_bag");
    Ok(true)
}

const CASES: u32 = 2048;

/// Runs `check` on `CASES` inputs; fails on a disagreement, and when the fast path answered
/// fewer than `min_answered` of them (a fast path that always declines is correct but useless,
/// and would make this test vacuous).
fn differential<S: Strategy>(
    strategy: S,
    min_answered: u32,
    check: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) {
    let answered = std::cell::Cell::new(0u32);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(CASES));
    let result = runner.run(&strategy, |input| {
        if check(input)? {
            answered.set(answered.get() + 1);
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    assert!(
        answered.get() >= min_answered,
        "the fast path answered only {} of {CASES} inputs",
        answered.get()
    );
}

#[test]
fn everything_decodes_the_same_on_both_paths() {
    differential(everything_bag(), CASES / 10, |bag| {
        agree_on_decode::<Everything>(&bag)
    });
}

#[test]
fn everything_joins_the_same_on_both_paths() {
    differential(
        (everything_bag(), resolver()),
        CASES / 20,
        |(bag, resolver)| agree_on_join::<Everything>(&bag, &resolver),
    );
}

#[test]
fn valkey_provider_v1_agrees() {
    let strategy = (
        bag(&["data", "status"], value_text(RESPONSE_KEYS)),
        prop_oneof![4 => json_list(RESPONSE_KEYS), 1 => value_text(RESPONSE_KEYS)],
        resolver(),
    );
    // `data` and `status` are random too, so most bags are invalid somewhere.
    differential(strategy, CASES / 40, |(mut bag, requests, resolver)| {
        bag.insert("version".to_owned(), "v1".to_owned());
        bag.insert("requests".to_owned(), requests);
        let decoded = agree_on_decode::<v1::ProviderAppData>(&bag)?;
        agree_on_join::<v1::ProviderAppData>(&bag, &resolver)?;
        Ok(decoded)
    });
}

#[test]
fn valkey_flat_v0_agrees() {
    // About 11% of random flat bags decode (they need `endpoints` and valid values
    // throughout): the bound leaves room for the seed's luck.
    differential(
        (bag(RESPONSE_KEYS, scalar_text()), resolver()),
        CASES / 20,
        |(bag, resolver)| {
            let decoded = agree_on_decode::<v0::ProviderAppData>(&bag)?;
            agree_on_join::<v0::ProviderAppData>(&bag, &resolver)?;
            agree_on_decode::<v0::RequirerAppData>(&bag)?;
            Ok(decoded)
        },
    );
}

#[test]
fn responses_agree_as_json_objects() {
    differential(response_object(), CASES / 10, |text| {
        let bag = Bag::from([
            ("version".to_owned(), "v1".to_owned()),
            ("requests".to_owned(), format!("[{text}]")),
        ]);
        agree_on_decode::<v1::ProviderAppData>(&bag)
    });
}

#[test]
fn everything_encodes_the_same_on_both_paths() {
    differential(
        (everything_bag(), resolver()),
        CASES / 20,
        |(bag, resolver)| match Everything::__join_checked(&bag, &mut resolver.clone()) {
            Ok(value) => agree_on_encode(&value),
            Err(_) => Ok(false),
        },
    );
}

#[test]
fn valkey_providers_encode_the_same_on_both_paths() {
    let strategy = (
        json_list(RESPONSE_KEYS),
        bag(RESPONSE_KEYS, scalar_text()),
        resolver(),
    );
    differential(strategy, CASES / 20, |(requests, flat, resolver)| {
        let bag = Bag::from([
            ("version".to_owned(), "v1".to_owned()),
            ("requests".to_owned(), requests),
        ]);
        let mut answered = false;
        if let Ok(value) = v1::ProviderAppData::__join_checked(&bag, &mut resolver.clone()) {
            answered |= agree_on_encode(&value)?;
        }
        if let Ok(value) = v0::ProviderAppData::__join_checked(&flat, &mut resolver.clone()) {
            answered |= agree_on_encode(&value)?;
        }
        if let Ok(value) = v0::RequirerAppData::__from_bag_checked(&flat) {
            agree_on_encode(&value)?;
        }
        Ok(answered)
    });
}

/// A derived object that keeps no unknown keys: their values are skipped, not read.
#[derive(Clone, Debug, PartialEq, Databag)]
#[databag(rename_all = "kebab-case")]
struct Strict {
    name: String,
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
    #[databag(secret = "user")]
    password: Option<Secret<String>>,
}

/// A databag holding a list of [`Strict`] objects.
#[derive(Clone, Debug, PartialEq, Databag)]
struct StrictList {
    items: Vec<Strict>,
}

/// Nested JSON `depth` levels deep around `1`: `[[1]]`, or `{"a": {"a": 1}}`.
fn nested(depth: usize, object: bool) -> String {
    if object {
        format!("{}1{}", r#"{"a": "#.repeat(depth), "}".repeat(depth))
    } else {
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
    }
}

/// JSON values on the edges of the grammar, where a parser that only skips a value (checking
/// its syntax) and one that reads it (as the checked path's `serde_json::Value` does) could
/// disagree: numbers beyond `f64`, `-0`, exponents, surrogate escapes (`\ud800` alone is no
/// character: invalid UTF-8 by escape), `\u0000`, raw control characters, a byte order mark,
/// bad escapes, nesting around serde_json's recursion limit (128), duplicate keys.
fn edge_json() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(vec![
            "1e400", "-1e400", "1E+400", "1e-400", "1E+2", "1e2", "-0", "-0.0", "0e0",
            "18446744073709551615", "18446744073709551616", "-9223372036854775809",
            "123456789012345678901234567890",
            r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#, r#""\ud800\ud800""#,
            r#""x\udbff""#, r#""\ud83d\ude00""#, r#""\u0000""#, "\"\u{1}\"", "\"a\tb\"",
            r#""\x""#, r#""\u12""#, "\u{feff}1", "\u{feff}\"a\"", "[1,]", "[1 2]", "{\"a\" 1}",
            "{\"a\": 1, \"a\": 1e400}", "{\"a\": 1e400, \"a\": 1}", "[\"\\ud800\"]",
            "{\"\\ud800\": 1}", "nul", "true false", "\"x\" 1", "[] x",
        ])
        .prop_map(str::to_owned),
        2 => (120usize..132, any::<bool>()).prop_map(|(depth, object)| nested(depth, object)),
        1 => (0usize..400).prop_map(|zeros| format!("1{}", "0".repeat(zeros))),
    ]
}

/// A databag with `edge` in one of the places a derived fast path reads or skips JSON: a
/// secret field's plaintext (skipped), an unknown key (skipped, or kept with `flatten`), a
/// declared field, a list item, a map value, a top-level JSON field, after a whole value.
fn edge_bag() -> impl Strategy<Value = Bag> {
    (0usize..12, edge_json()).prop_map(|(place, edge)| {
        let item = |pairs: &str| format!(r#"[{{"name": "a"{pairs}}}]"#);
        let (key, text) = match place {
            0 => ("items", item(&format!(r#", "password": {edge}"#))),
            1 => ("items", item(&format!(r#", "x-unknown": {edge}"#))),
            2 => ("items", item(&format!(r#", "count": {edge}"#))),
            3 => ("single", format!(r#"{{"name": "a", "port": {edge}}}"#)),
            4 => ("any", edge),
            5 => ("tags", format!("[{edge}]")),
            6 => ("limits", format!(r#"{{"k": {edge}}}"#)),
            7 => ("items", format!(r#"[{{"name": "a"}}] {edge}"#)),
            8 => ("note", edge),
            9 => ("items", format!(r#"[{{"name": {edge}}}]"#)),
            10 => ("items", item(&format!(r#", "password": [{edge}, null]"#))),
            _ => ("items", format!("[{edge}]")),
        };
        Bag::from([
            ("version".to_owned(), "v9".to_owned()),
            (key.to_owned(), text),
        ])
    })
}

#[test]
fn edge_json_decodes_the_same_on_both_paths() {
    // Everything keeps unknown keys (`flatten`); StrictList skips them; the valkey response
    // skips its secret fields' plaintext. The same texts go to all three.
    differential(edge_bag(), CASES / 10, |bag| {
        let answered = agree_on_decode::<Everything>(&bag)?;
        if let Some(items) = bag.get("items") {
            let strict = Bag::from([("items".to_owned(), items.clone())]);
            agree_on_decode::<StrictList>(&strict)?;
            let items = items.replace(
                r#"{"name": "a""#,
                r#"{"resource": "r", "request-id": "i", "salt": "s", "endpoints": "e""#,
            );
            let v1 = Bag::from([
                ("version".to_owned(), "v1".to_owned()),
                ("requests".to_owned(), items),
            ]);
            agree_on_decode::<v1::ProviderAppData>(&v1)?;
        }
        Ok(answered)
    });
}

/// The inputs of the report: a number beyond `f64` and a lone surrogate in a secret field's
/// plaintext, and nesting beyond serde_json's limit. The checked path rejects them (serde_json
/// reads every value into a `Value`); the fast path skipped them unread and answered. Now it
/// declines, and the error is the checked path's, at the same place.
#[test]
fn values_the_checked_path_rejects_are_never_skipped_by_the_fast_path() {
    let deep = nested(130, false);
    for edge in [
        "1e400",
        r#""\ud800""#,
        r#""\udc00x""#,
        &format!("1{}", "0".repeat(400)),
        &deep,
    ] {
        let requests = format!(
            r#"[{{"resource": "r", "request-id": "i", "salt": "s", "endpoints": "e", "password": {edge}}}]"#
        );
        let bag = Bag::from([
            ("version".to_owned(), "v1".to_owned()),
            ("requests".to_owned(), requests),
        ]);
        let checked = v1::ProviderAppData::__from_bag_checked(&bag).expect_err(edge);
        assert!(
            v1::ProviderAppData::__from_bag_fast(&bag).is_err(),
            "the fast path accepted {edge}"
        );
        let error = <v1::ProviderAppData as Databag>::from_bag(&bag).expect_err(edge);
        assert_eq!(error, checked);
        assert_eq!(error.path().to_string(), "requests", "{error}");

        let strict = Bag::from([(
            "items".to_owned(),
            format!(r#"[{{"name": "a", "x-unknown": {edge}}}]"#),
        )]);
        assert!(StrictList::__from_bag_checked(&strict).is_err(), "{edge}");
        assert!(StrictList::__from_bag_fast(&strict).is_err(), "{edge}");
    }
    // What serde_json reads without complaint, the fast path still answers.
    let bag = Bag::from([(
        "items".to_owned(),
        r#"[{"name": "a", "x": [1e-400, -0, 1E+2, "\u0000\ud83d\ude00"], "password": {"b": null}}]"#
            .to_owned(),
    )]);
    let fast = StrictList::__from_bag_fast(&bag).expect("the fast path answers");
    assert_eq!(Ok(fast), StrictList::__from_bag_checked(&bag));
}

fn uri(i: usize) -> SecretUri {
    SecretUri::parse(URIS[i]).expect("uri")
}

/// A resolver holding each `(i, content)`'s content under `URIS[i]`.
fn secrets_of(entries: &[(usize, &[(&str, &str)])]) -> MapResolver {
    let mut resolver = MapResolver::new();
    for (i, content) in entries {
        let content = content
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        resolver.insert(&uri(*i), content);
    }
    resolver
}

/// The v1 provider databag of the seed, with a charm's extra key inside the response.
fn seed_provider_bag() -> Bag {
    Bag::from([
        ("version".to_owned(), "v1".to_owned()),
        (
            "requests".to_owned(),
            format!(
                r#"[{{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN", "endpoints": "10.0.0.1:6379", "read-only-endpoints": "10.0.0.2:6379", "secret-user": "{}", "secret-tls": "{}", "secret-extra": null, "version": "9.0.1", "mode": "sentinel", "sentinel_endpoints": "10.0.0.1:26379", "x-charm": [1, 2]}}]"#,
                URIS[0], URIS[1]
            ),
        ),
        (
            "data".to_owned(),
            r#"{"836763deea236532": {"resource": "application:*"}}"#.to_owned(),
        ),
        ("x-top".to_owned(), "kept".to_owned()),
    ])
}

#[test]
fn real_databags_take_the_fast_path() {
    let bag = seed_provider_bag();
    let fast = v1::ProviderAppData::__from_bag_fast(&bag).expect("the fast path answers");
    assert_eq!(
        Ok(fast.clone()),
        v1::ProviderAppData::__from_bag_checked(&bag)
    );
    let response: &Response = &fast.requests[0];
    assert_eq!(
        response.sentinel_endpoints.as_deref(),
        Some("10.0.0.1:26379")
    );
    assert_eq!(
        response.extra["secret-extra"],
        Value::Null,
        "unknown null padding kept"
    );
    assert_eq!(response.extra["x-charm"], serde_json::json!([1, 2]));
    assert_eq!(fast.extra["x-top"], "kept");

    let mut secrets = secrets_of(&[
        (0, &[("username", "relation-0"), ("password", "pw")]),
        (1, &[("tls", "true")]),
    ]);
    let mut joined = fast;
    joined
        .__resolve_fast(&mut secrets)
        .expect("the fast path resolves");
    assert_eq!(
        Ok(joined.clone()),
        v1::ProviderAppData::__join_checked(&bag, &mut secrets)
    );
    let response = &joined.requests[0];
    assert_eq!(
        response
            .password
            .as_ref()
            .map(|p| p.expose_secret().as_str()),
        Some("pw")
    );
    assert_eq!(
        response.tls.as_ref().map(|t| *t.expose_secret()),
        Some(true)
    );
    assert_eq!(
        response.tls_ca, None,
        "absent from the content, absent here"
    );

    let v0 = Bag::from([
        ("database".to_owned(), "application:*".to_owned()),
        (
            "requested-secrets".to_owned(),
            r#"["username", "password", "tls", "tls-ca"]"#.to_owned(),
        ),
    ]);
    let fast = v0::RequirerAppData::__from_bag_fast(&v0).expect("the fast path answers");
    assert_eq!(Ok(fast), v0::RequirerAppData::__from_bag_checked(&v0));
}

#[test]
fn the_fast_path_declines_what_it_cannot_answer_and_errors_still_name_the_place() {
    let mut bag = seed_provider_bag();
    let requests = bag["requests"].replace(r#""salt": "xqbPuYzzl2iiKeyN""#, r#""salt": 7"#);
    bag.insert("requests".to_owned(), requests);
    assert!(v1::ProviderAppData::__from_bag_fast(&bag).is_err());
    let error = <v1::ProviderAppData as Databag>::from_bag(&bag).expect_err("a number salt");
    assert_eq!(
        error.to_string(),
        "requests[0].salt: expected a string, found 7"
    );

    // A missing secret: the fast join declines, the checked one names the key.
    let bag = seed_provider_bag();
    let error = <v1::ProviderAppData as Databag>::join(&bag, &mut MapResolver::new())
        .expect_err("no secrets");
    assert_eq!(error.path().to_string(), "requests[0].secret-user");

    // A malformed secret value never shows up in the error.
    let mut secrets = MapResolver::new();
    secrets.insert(&uri(0), SecretContent::new());
    secrets.insert(
        &uri(1),
        SecretContent::from([("tls".to_owned(), "yes-hunter2".to_owned())]),
    );
    let error = <v1::ProviderAppData as Databag>::join(&bag, &mut secrets).expect_err("bad tls");
    assert!(!error.to_string().contains("hunter2"), "{error}");
    assert!(error.to_string().contains("tls"), "{error}");
}

#[test]
fn every_field_type_takes_the_fast_path() {
    let bag = Bag::from([
        ("version".to_owned(), "v9".to_owned()),
        ("prefix".to_owned(), "p:*".to_owned()),
        ("database".to_owned(), "d:*".to_owned()),
        ("tls".to_owned(), "true".to_owned()),
        ("port".to_owned(), "-6379".to_owned()),
        ("note".to_owned(), r#""json \u00e9""#.to_owned()),
        ("any".to_owned(), r#"{"a": [null, 1.5]}"#.to_owned()),
        ("tags".to_owned(), r#"["a", "b"]"#.to_owned()),
        ("limits".to_owned(), r#"{"z": 1, "a": 2}"#.to_owned()),
        (
            "items".to_owned(),
            format!(
                r#"[{{"older": "o", "old-name": "n", "count": null, "secret-user": "{}", "password": "leak", "x": {{}}}}, {{"name": "m", "name": "last"}}]"#,
                URIS[2]
            ),
        ),
        (
            "single".to_owned(),
            r#"{"name": "s", "enabled": true}"#.to_owned(),
        ),
        ("secret-tls".to_owned(), URIS[1].to_owned()),
        ("tls-ca".to_owned(), "plaintext leak".to_owned()),
        ("x-a".to_owned(), "kept".to_owned()),
    ]);
    let fast = Everything::__from_bag_fast(&bag).expect("the fast path answers");
    assert_eq!(Ok(fast.clone()), Everything::__from_bag_checked(&bag));
    assert_eq!(
        fast.resource.as_deref(),
        Some("d:*"),
        "`database` outranks `prefix`"
    );
    let items = fast.items.as_ref().expect("items");
    assert_eq!(items[0].name, "n", "`old-name` outranks `older`");
    assert_eq!(
        items[0].password, None,
        "plaintext under a secret key is never read"
    );
    assert_eq!(items[1].name, "last", "a later duplicate key wins");
    assert_eq!(fast.tls_ca, None);
    assert_eq!(fast.extra.keys().collect::<Vec<_>>(), ["x-a"]);

    let mut secrets = secrets_of(&[
        (2, &[("password", "pw"), ("port", "6379")]),
        (1, &[("tls-ca", "CA")]),
    ]);
    let mut joined = fast;
    joined.__resolve_fast(&mut secrets).expect("resolves");
    assert_eq!(
        Ok(joined.clone()),
        Everything::__join_checked(&bag, &mut secrets)
    );
    let item = &joined.items.as_ref().expect("items")[0];
    assert_eq!(item.port.as_ref().map(|p| *p.expose_secret()), Some(6379));
    assert_eq!(
        joined.tls_ca.as_ref().map(|c| c.expose_secret().as_str()),
        Some("CA")
    );
}

#[test]
fn real_answers_encode_on_the_fast_path_and_unknown_keys_that_shadow_fields_decline() {
    let bag = seed_provider_bag();
    let mut secrets = secrets_of(&[
        (0, &[("username", "relation-0"), ("password", "pw")]),
        (1, &[("tls", "false")]),
    ]);
    let value = v1::ProviderAppData::__join_checked(&bag, &mut secrets).expect("joins");
    assert!(
        matches!(agree_on_encode(&value), Ok(true)),
        "the fast encoder answers, and agrees"
    );
    let mut routed = Vec::new();
    let written = value
        .to_bag_routed(&mut |slot| {
            routed.push(seen(slot));
            routed_uri(routed.len())
        })
        .expect("encodes");
    assert_eq!(routed.len(), 2, "user and tls");
    assert_eq!(routed[0].0, "requests[0]");
    assert!(!written.values().any(|text| text.contains("pw")));
    assert!(written["requests"].contains(r#""secret-user": "secret:d2fjn1fmp25004or6001""#));
    assert!(written["requests"].contains(r#""x-charm": [1, 2]"#));

    // An unknown key spelled like a declared (secret) field: the checked path routes it as a
    // secret; the fast path declines rather than guess, and the answer is the checked one.
    let mut shadowed = value;
    shadowed.requests[0]
        .extra
        .insert("password".to_owned(), Value::String("pw2".to_owned()));
    let mut encoder = Encoder::new();
    assert!(shadowed.__encode_bag(&mut encoder).is_err());
    let written = shadowed
        .to_bag_routed(&mut |_| routed_uri(0))
        .expect("encodes");
    assert!(!written["requests"].contains("pw2"), "never in plaintext");
}
