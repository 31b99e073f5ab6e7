//! Properties of the runtime for arbitrary models and arbitrary databags.
//!
//! Secret values all contain the marker `S3cr3t`, which no other generated string can contain
//! (plain strings have no upper-case letters), so "no secret in the plaintext" is checked
//! both by the full value and by the marker.

mod common;

use common::{Provider, ProviderV0, ProviderV1, Response, uri};
use databag::wire::{bag_to_object, python_json};
use databag::{
    Bag, Databag, MapResolver, Path, Secret, SecretContent, SecretUri, Split, Unknown, Value,
    Versioned,
};
use proptest::prelude::*;

const MARKER: &str = "S3cr3t";

fn secret_text() -> impl Strategy<Value = String> {
    "[a-z0-9 é€😀\"\\\\\n]{0,4}S3cr3t[A-Za-z0-9]{6,12}"
}

fn secret_value() -> impl Strategy<Value = Option<Secret<String>>> {
    proptest::option::of(secret_text().prop_map(Secret::new))
}

fn plain() -> impl Strategy<Value = String> {
    "[a-z0-9:.*é_-]{0,12}"
}

fn some_uri() -> impl Strategy<Value = SecretUri> {
    prop_oneof![
        "[0-9a-v]{20}".prop_map(|id| SecretUri::from_id(&id).expect("id")),
        "[0-9a-v]{20}".prop_map(|id| {
            SecretUri::parse(&format!(
                "secret://bc7400b7-2fce-41dd-8509-14a984455cda/{id}"
            ))
            .expect("uri")
        }),
    ]
}

/// JSON values for unknown keys inside JSON objects (no floats: their text is not the point).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        plain().prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Unknown keys: `x_`/`x-` prefixed, so they never collide with a declared name or alias.
fn unknown(values: impl Strategy<Value = Value>) -> impl Strategy<Value = Unknown> {
    proptest::collection::btree_map("x[_-][a-z]{1,6}", values, 0..3)
        .prop_map(|m| m.into_iter().collect())
}

fn response() -> impl Strategy<Value = Response> {
    (
        (
            "[a-z0-9]{1,16}",
            proptest::option::of(plain()),
            proptest::option::of(plain()),
            proptest::option::of(some_uri()),
            secret_value(),
            secret_value(),
        ),
        (
            proptest::option::of(some_uri()),
            proptest::option::of(any::<bool>().prop_map(Secret::new)),
            secret_value(),
            proptest::option::of(plain()),
            proptest::option::of(any::<i64>()),
            unknown(json_value()),
        ),
    )
        .prop_map(
            |(
                (request_id, resource, endpoints, secret_user, username, password),
                (secret_tls, tls, tls_ca, sentinel_endpoints, port, extra),
            )| Response {
                request_id,
                resource,
                endpoints,
                secret_user,
                username,
                password,
                secret_tls,
                tls,
                tls_ca,
                sentinel_endpoints,
                port,
                extra,
            },
        )
}

fn provider_v1() -> impl Strategy<Value = ProviderV1> {
    (
        proptest::collection::vec(response(), 0..4),
        unknown(plain().prop_map(Value::String)),
    )
        .prop_map(|(requests, extra)| ProviderV1 {
            version: "v1".into(),
            requests,
            extra,
        })
}

fn provider_v0() -> impl Strategy<Value = ProviderV0> {
    (
        (
            proptest::option::of(plain()),
            proptest::option::of(plain()),
            proptest::option::of(some_uri()),
            secret_value(),
            secret_value(),
            proptest::option::of(some_uri()),
        ),
        (
            proptest::option::of(any::<bool>().prop_map(Secret::new)),
            secret_value(),
            proptest::option::of(plain()),
            proptest::option::of(proptest::collection::btree_map(
                "[a-z]{1,4}",
                json_value(),
                0..3,
            )),
            any::<bool>(),
            unknown(plain().prop_map(Value::String)),
        ),
    )
        .prop_map(
            |(
                (endpoints, version, secret_user, username, password, secret_tls),
                (tls, tls_ca, sentinel_endpoints, data, read_only, extra),
            )| ProviderV0 {
                endpoints,
                version,
                secret_user,
                username,
                password,
                secret_tls,
                tls,
                tls_ca,
                sentinel_endpoints,
                data,
                read_only,
                extra,
            },
        )
}

/// Every secret value of a model, as strings.
fn v1_secrets(model: &ProviderV1) -> Vec<String> {
    let mut out = Vec::new();
    for r in &model.requests {
        for s in [&r.username, &r.password, &r.tls_ca].into_iter().flatten() {
            out.push(s.expose_secret().clone());
        }
    }
    out
}

/// Publishes a split: each slot under a fresh URI (`secret:000…n`, which random URIs never
/// are), and each URI already in the model with empty content, so the join can resolve it.
fn publish(mut split: Split, existing: &[SecretUri]) -> (Bag, MapResolver, Vec<SecretUri>) {
    let mut resolver = MapResolver::new();
    for uri in existing {
        resolver.insert(uri, SecretContent::new());
    }
    let mut fresh = Vec::new();
    for index in 0..split.secrets.len() {
        let uri = uri(index);
        split.set_uri(index, &uri).expect("set_uri");
        resolver.insert(&uri, split.secrets[index].content.clone());
        fresh.push(uri);
    }
    (split.into_bag(), resolver, fresh)
}

fn assert_no_secret_in(bag: &Bag, secrets: &[String]) -> Result<(), TestCaseError> {
    for (key, value) in bag {
        prop_assert!(
            !key.contains(MARKER) && !value.contains(MARKER),
            "{key}: {value}"
        );
        for secret in secrets {
            let escaped = python_json(&Value::String(secret.clone()));
            let escaped = &escaped[1..escaped.len() - 1];
            prop_assert!(!value.contains(secret.as_str()) && !value.contains(escaped));
        }
    }
    Ok(())
}

fn instance(bag: &Bag) -> serde_json::Map<String, Value> {
    bag.iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

fn no_secret_keys(object: &serde_json::Map<String, Value>) -> bool {
    ["username", "password", "tls", "tls-ca"]
        .iter()
        .all(|key| !object.contains_key(*key))
}

proptest! {
    #[test]
    fn v1_split_leaks_nothing_and_joins_back(model in provider_v1()) {
        let secrets = v1_secrets(&model);
        let split = model.split().expect("split");
        let existing: Vec<SecretUri> = model
            .requests
            .iter()
            .flat_map(|r| [r.secret_user.clone(), r.secret_tls.clone()])
            .flatten()
            .collect();
        // Which (request, group) got a slot decides which URIs the join sees.
        let slots: Vec<(String, String)> =
            split.secrets.iter().map(|s| (s.path.to_string(), s.group.clone())).collect();
        let (bag, mut resolver, fresh) = publish(split, &existing);

        assert_no_secret_in(&bag, &secrets)?;
        let requests: Value = serde_json::from_str(&bag["requests"]).expect("requests JSON");
        for response in requests.as_array().expect("list") {
            prop_assert!(no_secret_keys(response.as_object().expect("object")));
        }

        let mut want = model.clone();
        for ((path, group), uri) in slots.iter().zip(fresh) {
            let index: usize = path["requests[".len()..path.len() - 1].parse().expect("index");
            match group.as_str() {
                "user" => want.requests[index].secret_user = Some(uri),
                _ => want.requests[index].secret_tls = Some(uri),
            }
        }
        let joined = ProviderV1::join(&bag, &mut resolver).expect("join");
        prop_assert_eq!(&joined, &want);
        prop_assert_eq!(joined.extra, model.extra, "unknown keys survive");
        for (got, sent) in joined.requests.iter().zip(&model.requests) {
            prop_assert_eq!(&got.extra, &sent.extra);
        }
    }

    #[test]
    fn v0_split_leaks_nothing_and_joins_back(model in provider_v0()) {
        let secrets: Vec<String> = [&model.username, &model.password, &model.tls_ca]
            .into_iter()
            .flatten()
            .map(|s| s.expose_secret().clone())
            .collect();
        let split = model.split().expect("split");
        let groups: Vec<String> = split.secrets.iter().map(|s| s.group.clone()).collect();
        let existing: Vec<SecretUri> =
            [model.secret_user.clone(), model.secret_tls.clone()].into_iter().flatten().collect();
        let (bag, mut resolver, fresh) = publish(split, &existing);
        assert_no_secret_in(&bag, &secrets)?;
        prop_assert!(["username", "password", "tls", "tls-ca"].iter().all(|k| !bag.contains_key(*k)));
        let mut want = model.clone();
        for (group, uri) in groups.iter().zip(fresh) {
            match group.as_str() {
                "user" => want.secret_user = Some(uri),
                _ => want.secret_tls = Some(uri),
            }
        }
        prop_assert_eq!(ProviderV0::join(&bag, &mut resolver).expect("join"), want);
    }

    #[test]
    fn debug_never_shows_a_secret(v1 in provider_v1(), v0 in provider_v0()) {
        let text = format!("{:?}{:#?}{:?}{:#?}", v1, v1, Provider::V0(v0.clone()), v0);
        prop_assert!(!text.contains(MARKER));
        if let Ok(split) = v1.split() {
            let text = format!("{:?}", split);
            prop_assert!(!text.contains(MARKER));
        }
    }

    #[test]
    fn to_bag_refuses_or_writes_no_secret(model in provider_v1()) {
        match model.to_bag() {
            Ok(bag) => {
                prop_assert!(v1_secrets(&model).is_empty());
                assert_no_secret_in(&bag, &[])?;
                prop_assert_eq!(ProviderV1::from_bag(&bag).expect("reads back"), model);
            }
            Err(error) => {
                prop_assert!(!v1_secrets(&model).is_empty() || model.requests.iter().any(|r| r.tls.is_some()));
                prop_assert!(!error.to_string().contains(MARKER));
            }
        }
    }
}

/// Databag values: valid and broken JSON, near-misses of the declared forms, anything.
fn bag_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\[\\]{}\",:0-9a-z\\\\ -]{0,24}",
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("v1".to_owned()),
        Just("secret:d7fmpmvmp25c7618tfb0".to_owned()),
        json_value().prop_map(|v| python_json(&v)),
        proptest::collection::vec(json_value(), 0..3).prop_map(|v| python_json(&Value::Array(v))),
        // A response list, well-formed or with one entry mangled.
        (
            provider_v1(),
            any::<bool>(),
            any::<prop::sample::Index>(),
            json_value()
        )
            .prop_map(|(m, mangle, at, junk)| {
                let mut requests: Value = m
                    .requests
                    .iter()
                    .map(|r| Value::Object(r.__to_object()))
                    .collect();
                if let Some(list) = requests.as_array_mut().filter(|l| mangle && !l.is_empty()) {
                    let i = at.index(list.len());
                    if let (Some(obj), Value::Object(extra)) = (list[i].as_object_mut(), &junk) {
                        for (k, v) in extra {
                            obj.insert(k.clone(), v.clone());
                        }
                        obj.insert("secret-user".into(), junk.clone());
                    } else {
                        list[i] = junk;
                    }
                }
                python_json(&requests)
            }),
    ]
}

fn bag_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "version",
            "requests",
            "endpoints",
            "secret-user",
            "secret-tls",
            "username",
            "password",
            "tls",
            "tls-ca",
            "sentinel-endpoints",
            "sentinel_endpoints",
            "data",
            "read-only",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
}

fn any_bag() -> impl Strategy<Value = Bag> {
    let random = proptest::collection::btree_map(bag_key(), bag_value(), 0..8);
    // Mostly-v1 bags, so that decoding gets past the version tag into `requests`.
    let v1 = (
        bag_value(),
        proptest::collection::btree_map(bag_key(), bag_value(), 0..3),
    )
        .prop_map(|(requests, mut bag)| {
            bag.insert("version".into(), "v1".into());
            bag.insert("requests".into(), requests);
            bag
        });
    prop_oneof![random, v1]
}

/// A resolver answering any URI with arbitrary content.
fn content() -> impl Strategy<Value = SecretContent> {
    proptest::collection::btree_map(bag_key(), bag_value(), 0..5)
}

proptest! {
    #[test]
    fn decoding_arbitrary_bags_never_panics_and_is_stable(bag in any_bag(), junk in content()) {
        let shapes = [ProviderV1::shape(), ProviderV0::shape(), Response::shape()];
        for shape in &shapes {
            if let Ok(object) = bag_to_object(shape, &bag, &Path::root()) {
                prop_assert!(object.keys().all(|k| shape.field(k).is_none_or(|f| f.secret.is_none())));
            }
        }
        match Provider::from_bag(&bag) {
            Ok(model) => {
                // What decodes re-encodes, and decodes to the same model.
                let again = model.to_bag().expect("no secrets after from_bag");
                prop_assert_eq!(Provider::from_bag(&again).expect("stable"), model);
            }
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
        let mut resolver = |_: &SecretUri| Ok(Some(junk.clone()));
        match Provider::join(&bag, &mut resolver) {
            Ok(model) => {
                let split = model.split().expect("split");
                let (plain, _, _) = publish(split, &[]);
                match model {
                    // Undeclared at the top level of v1: an unknown key, kept as read.
                    Provider::V1(_) => {
                        let requests: Value =
                            serde_json::from_str(&plain["requests"]).expect("requests JSON");
                        for response in requests.as_array().expect("list") {
                            prop_assert!(no_secret_keys(response.as_object().expect("object")));
                        }
                    }
                    Provider::V0(_) => prop_assert!(no_secret_keys(&instance(&plain))),
                }
            }
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
    }
}
