//! The relation flows (`valkey_client::relation`: `Requirer`, `Provider`) against the reference
//! Python library (dpcharmlibs-interfaces 1.2.2 in ops' testing harness; the basic round trip,
//! cases 1 and 6, also on 1.0.2 and 1.1.0, `on_every_release!`), both ways:
//!
//! - the Rust provider answers the reference requirer: its events, credentials, TLS, updates;
//! - the reference provider (as the Valkey charm uses it) answers the Rust requirer;
//! - both providers answer one v0 requirer databag, compared key by key.
//!
//! Rust runs on the in-memory Juju model (`databag::juju::Model`); what one side writes is
//! handed to the other as databags and secret contents. Nothing here prints a password: they
//! are compared by value or through the store's `#<sha256>` hash, and failure messages name
//! keys and request ids only. The Python environment comes from tests/scripts/python-env.sh;
//! under CI=true its absence fails every test (`python_driver::python`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use databag::juju::{Model, RelationId, State};
use databag::relation::{Interface, WriterProfile};
use databag::{Bag, Databag, SecretContent, SecretUri, Value, Versioned, wire};
use databag_tests::interop::{self, reference_secrets, responses_without_nulls};
use databag_tests::python_driver::{self, PROVIDER, RELEASES, REQUIRER, bag_of, python, python_at};
use databag_tests::test_ca::TestCa;
use serde_json::json;
use valkey_client::relation::{Event, Provider, Reconciled, Requirer, WireVersion};
use valkey_client::valkey::{KeyPrefix, MemoryUserStore, ServerInfo, UserStore, ValkeyPolicy, acl};
use valkey_client::valkey_client::{RequirerAppData, ValkeyClient, v0, v1};

/// Both sides name the endpoint as the Valkey charm and the reference drivers do; labels carry
/// it (`valkey-client.<relation>.<request-id>.<group>.secret`).
const ENDPOINT: &str = "valkey-client";

/// The in-memory model's UUID (it appears in the URIs of the secrets Rust creates).
const MODEL_UUID: &str = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";

/// The v0 requirer databag of the v0 library, LIBPATCH 59 (PROTOCOL §5.1).
fn v0_requirer_bag() -> Bag {
    Bag::from([
        ("database".to_owned(), "application:*".to_owned()),
        (
            "requested-secrets".to_owned(),
            r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#
                .to_owned(),
        ),
        ("provided-secrets".to_owned(), r#"["mtls-cert"]"#.to_owned()),
    ])
}

/// A three-node Valkey, TLS off.
fn server() -> ServerInfo {
    ServerInfo {
        endpoints: "10.0.0.1:6379".to_owned(),
        read_only_endpoints: Some("10.0.0.2:6379,10.0.0.3:6379".to_owned()),
        sentinel_endpoints: Some("10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379".to_owned()),
        version: Some("9.0.1".to_owned()),
        mode: Some("sentinel".to_owned()),
        tls: false,
        tls_ca: None,
    }
}

/// A three-node Valkey with TLS on, its clients trusting `ca`.
fn tls_server(ca: &str) -> ServerInfo {
    ServerInfo {
        tls: true,
        tls_ca: Some(databag::Secret::new(ca.to_owned())),
        ..server()
    }
}

/// `server` in the reference provider driver's input format.
fn server_json(server: &ServerInfo) -> Value {
    json!({
        "endpoints": server.endpoints,
        "read_only_endpoints": server.read_only_endpoints,
        "sentinel_endpoints": server.sentinel_endpoints,
        "tls": server.tls,
        "tls_ca": server.tls_ca.as_ref().map(|ca| ca.expose_secret().clone()),
        "version": server.version,
    })
}

/// A model with a requirer application and a Valkey application, related once per requirer
/// (relation numbers 0, 1, ... in the order given), each with one leader unit.
struct World {
    model: Model,
}

impl World {
    fn new(requirers: &[&str]) -> World {
        let mut state = State::new(MODEL_UUID);
        state.add_app("valkey", 1);
        for app in requirers {
            state.add_app(app, 1);
            state.relate(app, ENDPOINT, "valkey", ENDPOINT);
        }
        World {
            model: Model::new(state),
        }
    }

    /// Relation `number`, as either side names it (both use the same endpoint name).
    fn relation(number: u32) -> RelationId {
        RelationId::new(ENDPOINT, number)
    }

    /// Writes `bag` as the app databag of `unit`'s application in relation `number`, replacing
    /// what was there (`unit` must lead).
    fn write_app(&self, unit: &str, number: u32, bag: &Bag) {
        interop::write_app(&self.model, unit, &World::relation(number), bag);
    }

    /// The app databag `app` keeps in relation `number`.
    fn app_bag(&self, number: u32, app: &str) -> Bag {
        self.model
            .state()
            .app_bag(number, app)
            .cloned()
            .expect("the relation exists")
    }

    /// Every secret the Valkey application owns, by label: (URI, latest content).
    fn valkey_secrets(&self) -> BTreeMap<String, (String, SecretContent)> {
        interop::owned_secrets(&self.model, "valkey")
    }

    /// The Rust provider's answer to relation `number`: its app databag and the content of
    /// every secret granted on the relation, by URI (the reference requirer driver's input).
    fn rust_answer(&self, number: u32) -> (Bag, Value) {
        let state = self.model.state();
        let mut secrets = serde_json::Map::new();
        for secret in state.secrets() {
            if secret.owner_app == "valkey" && secret.granted_on.contains(&number) {
                let content = state
                    .secret_content(&secret.uri, None)
                    .expect("a secret has content");
                secrets.insert(secret.uri.clone(), json!(content));
            }
        }
        let bag = state
            .app_bag(number, "valkey")
            .cloned()
            .expect("the relation exists");
        (bag, Value::Object(secrets))
    }

    /// Puts the reference provider's answer into the model as the Valkey application's on
    /// relation `number` ([`interop::import_reference_answer`]).
    fn import_reference_answer(
        &self,
        number: u32,
        answer: &Value,
        imported: &mut BTreeMap<String, SecretUri>,
    ) {
        let relation = World::relation(number);
        interop::import_reference_answer(&self.model, "valkey/0", &relation, answer, imported);
    }
}

/// The Rust provider's `reconcile` on relation `number`.
fn rust_reconcile(
    world: &World,
    users: &mut MemoryUserStore,
    number: u32,
    server: &ServerInfo,
) -> Reconciled {
    rust_reconcile_as(world, users, number, server, ValkeyClient::DEFAULT_PROFILE)
}

/// As [`rust_reconcile`], writing as `profile`.
fn rust_reconcile_as(
    world: &World,
    users: &mut MemoryUserStore,
    number: u32,
    server: &ServerInfo,
    profile: &'static WriterProfile,
) -> Reconciled {
    let valkey = world.model.unit("valkey/0");
    Provider::new(&valkey, ENDPOINT, ValkeyPolicy::new(users))
        .with_profile(profile)
        .with_log(|_, _| {})
        .reconcile(&World::relation(number), server)
        .expect("the provider answers")
        .expect("valkey/0 leads")
}

/// The reference requirer's relation-created write for `requests` (`(prefix, salt)`) on
/// relation `number`.
fn reference_requests(python: &Path, number: u32, requests: &[(&str, &str)]) -> Bag {
    let requests: Vec<Value> = requests
        .iter()
        .map(|(resource, salt)| json!({"resource": resource, "salt": salt}))
        .collect();
    let answer = python_driver::run(
        python,
        REQUIRER,
        &json!({"hook": "created", "relation_id": number, "requests": requests}),
    );
    bag_of(&answer["app"])
}

/// The reference requirer's relation-changed on what the Rust provider wrote on relation
/// `number`; `unit` is its diff memory from the previous run (`{}` the first time). Returns
/// its events and its memory after the hook. A failed hook fails the test, naming the error.
fn reference_reads_rust(
    python: &Path,
    world: &World,
    number: u32,
    requests: &[(&str, &str)],
    unit: &Value,
) -> (Vec<Value>, Value) {
    let requests: Vec<Value> = requests
        .iter()
        .map(|(resource, salt)| json!({"resource": resource, "salt": salt}))
        .collect();
    let (provider_app, secrets) = world.rust_answer(number);
    let requirer_app = world.app_bag(number, "requirer");
    let answer = python_driver::run(
        python,
        REQUIRER,
        &json!({
            "hook": "changed",
            "relation_id": number,
            "requests": requests,
            "verbose": true,
            "requirer_app": requirer_app,
            "requirer_unit": unit,
            "provider_app": provider_app,
            "secrets": secrets,
        }),
    );
    assert_eq!(
        answer["error"],
        Value::Null,
        "the reference requirer's hook failed"
    );
    let events = answer["events"].as_array().cloned().expect("events");
    (events, answer["unit"].clone())
}

/// `event`'s string field `key`.
fn text<'a>(event: &'a Value, key: &str) -> &'a str {
    event[key]
        .as_str()
        .unwrap_or_else(|| panic!("event {} lacks {key}", event["event"]))
}

/// Whether `password` is the one the store keeps for `username` (compared through the ACL
/// hash the store keeps, so no password is ever shown).
fn store_knows(users: &MemoryUserStore, username: &str, password: &str) -> bool {
    users
        .get(username)
        .is_some_and(|user| user.password_hash == acl::password_hash(password))
}

/// The Valkey charm's password shape: 32 characters of `[A-Za-z0-9]`.
fn is_password(password: &str) -> bool {
    password.len() == 32 && password.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Three requests (prefix, salt) with fixed salts, so request ids are known in advance: the
/// seed's, a second prefix, and a prefix without a trailing `*`.
const THREE: [(&str, &str); 3] = [
    ("application:*", "xqbPuYzzl2iiKeyN"),
    ("jobs:*", "AAAABBBBCCCCDDDD"),
    ("cache:sessions:", "0000000000000000"),
];

/// Case 1: a v1 requirer with three prefixes; one user and one `resource_created` per request.
/// On every release of the reference (`on_every_release!` below).
fn rust_provider_answers_each_reference_request_with_its_own_user(python: &Path, release: &str) {
    let profile = ValkeyClient::profile(release).expect("the spec declares every release");
    let world = World::new(&["requirer"]);
    let request_bag = reference_requests(python, 0, &THREE);
    let RequirerAppData::V1(request) = RequirerAppData::from_bag(&request_bag).expect("v1") else {
        panic!("the reference writes v1");
    };
    let ids: Vec<String> = request
        .requests
        .iter()
        .map(|r| r.request_id.clone())
        .collect();
    for ((prefix, salt), id) in THREE.iter().zip(&ids) {
        assert_eq!(
            *id,
            wire::request_id(prefix, salt),
            "gen_hash({prefix}, salt)"
        );
    }
    world.write_app("requirer/0", 0, &request_bag);

    let mut users = MemoryUserStore::new();
    let report = rust_reconcile_as(&world, &mut users, 0, &server(), profile);
    assert_eq!(report.wire_version, Some("v1"));
    assert_eq!(report.answered, ids);
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let usernames: Vec<String> = ids.iter().map(|id| format!("relation-0-{id}")).collect();
    assert_eq!(report.created, usernames);

    let (events, _) = reference_reads_rust(python, &world, 0, &THREE, &json!({}));
    assert_eq!(events.len(), 3, "one event per request");
    let mut passwords = BTreeSet::new();
    for (index, event) in events.iter().enumerate() {
        let (prefix, _) = THREE[index];
        assert_eq!(event["event"], "resource_created", "request {index}");
        assert_eq!(text(event, "request_id"), ids[index]);
        assert_eq!(text(event, "resource"), prefix);
        assert_eq!(text(event, "username"), usernames[index]);
        let password = text(event, "password");
        assert!(
            store_knows(&users, &usernames[index], password),
            "request {index}: the reference got a password the server does not know"
        );
        assert!(is_password(password), "request {index}: password shape");
        passwords.insert(password.to_owned());
        assert_eq!(
            users.get(&usernames[index]).map(|u| u.prefix.as_str()),
            Some(prefix)
        );
        assert_eq!(text(event, "endpoints"), "10.0.0.1:6379");
        assert_eq!(
            text(event, "read_only_endpoints"),
            "10.0.0.2:6379,10.0.0.3:6379"
        );
        assert_eq!(
            text(event, "sentinel_endpoints"),
            "10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379"
        );
        assert_eq!(text(event, "version"), "9.0.1");
        assert_eq!(text(event, "mode"), "sentinel");
        assert_eq!(event["tls"], false);
        assert_eq!(event["tls_ca"], Value::Null);
    }
    assert_eq!(passwords.len(), 3, "every request has its own password");

    // One user and one tls secret per request, under the reference's v1 labels (§11.4).
    let labels: BTreeSet<String> = world.valkey_secrets().into_keys().collect();
    let expected: BTreeSet<String> = ids
        .iter()
        .flat_map(|id| ["user", "tls"].map(|group| format!("valkey-client.0.{id}.{group}.secret")))
        .collect();
    assert_eq!(labels, expected);
}

/// Case 2, TLS on: `tls-ca` is a real multi-line PEM; the reference reads `tls = True` and
/// the CA byte for byte.
fn the_reference_requirer_reads_tls_on_from_the_rust_provider(python: &Path, release: &str) {
    let profile = ValkeyClient::profile(release).expect("the spec declares every release");
    let ca = TestCa::new("interop test CA").pem();
    let world = World::new(&["requirer"]);
    let requests = &THREE[..1];
    let bag = reference_requests(python, 0, requests);
    world.write_app("requirer/0", 0, &bag);
    let mut users = MemoryUserStore::new();
    rust_reconcile_as(&world, &mut users, 0, &tls_server(&ca), profile);

    let id = wire::request_id(requests[0].0, requests[0].1);
    let secrets = world.valkey_secrets();
    let (_, tls) = &secrets[&format!("valkey-client.0.{id}.tls.secret")];
    assert_eq!(
        tls.keys().collect::<Vec<_>>(),
        ["tls", "tls-ca"],
        "content keys of the tls secret"
    );
    assert_eq!(tls["tls"], "true");
    assert!(tls["tls-ca"] == ca, "the tls secret holds the CA as given");

    let (events, _) = reference_reads_rust(python, &world, 0, requests, &json!({}));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event"], "resource_created");
    assert_eq!(
        events[0]["tls"], true,
        "`tls: \"true\"` is True to the reference"
    );
    assert_eq!(text(&events[0], "tls_ca"), ca);
}

/// Case 2, TLS off: the tls secret is `{tls: "false"}` only; the reference reads `False` and
/// no CA.
#[test]
fn the_reference_requirer_reads_tls_off_from_the_rust_provider() {
    let Some(python) = python() else { return };
    let world = World::new(&["requirer"]);
    let requests = &THREE[..1];
    let bag = reference_requests(&python, 0, requests);
    world.write_app("requirer/0", 0, &bag);
    let mut users = MemoryUserStore::new();
    rust_reconcile(&world, &mut users, 0, &server());

    let id = wire::request_id(requests[0].0, requests[0].1);
    let secrets = world.valkey_secrets();
    let (_, tls) = &secrets[&format!("valkey-client.0.{id}.tls.secret")];
    assert_eq!(
        tls,
        &SecretContent::from([("tls".to_owned(), "false".to_owned())])
    );

    let (events, _) = reference_reads_rust(&python, &world, 0, requests, &json!({}));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event"], "resource_created");
    assert_eq!(events[0]["tls"], false);
    assert_eq!(events[0]["tls_ca"], Value::Null);
}

/// The events of the Rust requirer reading relation `number` as `requirer/0`: (name, request
/// id) pairs, and the `FieldsChanged` keys.
fn rust_requirer_events(world: &World, number: u32) -> (Vec<(String, String)>, Vec<String>) {
    let unit = world.model.unit("requirer/0");
    let answers = Requirer::new(&unit, ENDPOINT)
        .with_log(|_, _| {})
        .read(&World::relation(number))
        .expect("the Rust requirer reads the answer");
    let mut keys = Vec::new();
    let mut names = Vec::new();
    for event in &answers.events {
        if let Event::FieldsChanged { keys: changed, .. } = event {
            keys.extend(changed.iter().cloned());
        } else {
            names.push((
                event.name().to_owned(),
                event.request_id().unwrap_or_default().to_owned(),
            ));
        }
    }
    (names, keys)
}

/// Whether the Rust requirer's diff memory (`requirer/0`'s unit `data`) holds what the
/// reference requirer's does (as JSON; key order aside): a unit switching implementations
/// keeps its memory and fires no spurious event.
fn same_memory(world: &World, number: u32, reference_unit: &Value) -> bool {
    let parse = |text: Option<&str>| -> Value {
        serde_json::from_str(text.expect("a `data` memory")).expect("memory is JSON")
    };
    let theirs = parse(reference_unit["data"].as_str());
    let ours = world
        .model
        .state()
        .unit_bag(number, "requirer/0")
        .expect("the relation exists");
    parse(ours.get("data").map(String::as_str)) == theirs
}

/// `(event, request_id)` of the reference's events.
fn reference_names(events: &[Value]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            (
                text(e, "event").to_owned(),
                text(e, "request_id").to_owned(),
            )
        })
        .collect()
}

/// Case 3: `update_all` after the endpoints moved. The reference emits one event per response,
/// first match wins (§14): `endpoints` beats `read-only-endpoints`; a Sentinel or version
/// change alone is silent in the reference and our `FieldsChanged`. The Rust requirer, reading
/// the same databags, reports the same events.
fn endpoint_updates_reach_the_reference_requirer_with_its_precedence(python: &Path, release: &str) {
    let profile = ValkeyClient::profile(release).expect("the spec declares every release");
    let requests = &THREE[..2];
    let ids: Vec<String> = requests
        .iter()
        .map(|(prefix, salt)| wire::request_id(prefix, salt))
        .collect();
    let world = World::new(&["requirer"]);
    let bag = reference_requests(python, 0, requests);
    world.write_app("requirer/0", 0, &bag);
    let mut users = MemoryUserStore::new();
    let mut current = server();
    rust_reconcile_as(&world, &mut users, 0, &current, profile);
    let (events, memory) = reference_reads_rust(python, &world, 0, requests, &json!({}));
    let created: Vec<(String, String)> = ids
        .iter()
        .map(|id| ("resource_created".to_owned(), id.clone()))
        .collect();
    assert_eq!(reference_names(&events), created);
    assert_eq!(rust_requirer_events(&world, 0), (created, Vec::new()));
    assert!(
        same_memory(&world, 0, &memory),
        "diff memory after the first answer"
    );

    // The primary and the replicas move at once: only endpoints_changed, with the new value.
    current.endpoints = "10.0.0.9:6379".to_owned();
    current.read_only_endpoints = Some("10.0.0.7:6379,10.0.0.8:6379".to_owned());
    let valkey = world.model.unit("valkey/0");
    let reports = Provider::new(&valkey, ENDPOINT, ValkeyPolicy::new(&mut users))
        .with_log(|_, _| {})
        .update_all(&current)
        .expect("update_all")
        .expect("valkey/0 leads");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].written_keys, ["requests"]);
    assert!(reports[0].created.is_empty(), "updates keep the users");
    let (events, memory) = reference_reads_rust(python, &world, 0, requests, &memory);
    let moved: Vec<(String, String)> = ids
        .iter()
        .map(|id| ("endpoints_changed".to_owned(), id.clone()))
        .collect();
    assert_eq!(reference_names(&events), moved);
    for event in &events {
        assert_eq!(text(event, "endpoints"), "10.0.0.9:6379");
        assert_eq!(
            text(event, "read_only_endpoints"),
            "10.0.0.7:6379,10.0.0.8:6379"
        );
        // The credentials are still resolved from the unchanged user secret.
        let id = text(event, "request_id");
        let username = format!("relation-0-{id}");
        assert_eq!(text(event, "username"), username);
        assert!(store_knows(&users, &username, text(event, "password")));
    }
    assert_eq!(rust_requirer_events(&world, 0), (moved, Vec::new()));
    assert!(
        same_memory(&world, 0, &memory),
        "diff memory after the move"
    );

    // Only the replicas move: read_only_endpoints_changed.
    current.read_only_endpoints = Some("10.0.0.8:6379".to_owned());
    Provider::new(&valkey, ENDPOINT, ValkeyPolicy::new(&mut users))
        .with_log(|_, _| {})
        .update_all(&current)
        .expect("update_all");
    let (events, memory) = reference_reads_rust(python, &world, 0, requests, &memory);
    let replicas: Vec<(String, String)> = ids
        .iter()
        .map(|id| ("read_only_endpoints_changed".to_owned(), id.clone()))
        .collect();
    assert_eq!(reference_names(&events), replicas);
    for event in &events {
        assert_eq!(text(event, "read_only_endpoints"), "10.0.0.8:6379");
    }
    assert_eq!(rust_requirer_events(&world, 0), (replicas, Vec::new()));
    assert!(
        same_memory(&world, 0, &memory),
        "diff memory after the replicas moved"
    );

    // Only the Sentinels and the version: the reference says nothing (§14); we report
    // FieldsChanged for each response.
    current.sentinel_endpoints = Some("10.0.0.8:26379,10.0.0.9:26379".to_owned());
    current.version = Some("9.0.2".to_owned());
    Provider::new(&valkey, ENDPOINT, ValkeyPolicy::new(&mut users))
        .with_log(|_, _| {})
        .update_all(&current)
        .expect("update_all");
    let (events, memory) = reference_reads_rust(python, &world, 0, requests, &memory);
    assert_eq!(reference_names(&events), Vec::<(String, String)>::new());
    let (names, keys) = rust_requirer_events(&world, 0);
    assert!(names.is_empty(), "{names:?}");
    assert!(
        same_memory(&world, 0, &memory),
        "diff memory after the silent change"
    );
    assert_eq!(
        keys,
        [
            "version",
            "sentinel-endpoints",
            "version",
            "sentinel-endpoints"
        ]
    );
}

/// Case 4: relation-broken after the reference requirer got its credentials. Exactly the
/// relation's users go (the Valkey charm's `startswith` would take `relation-10*` along when
/// relation 1 breaks, §13), and exactly the relation's secrets (the reference removes none).
#[test]
fn relation_broken_removes_exactly_that_relations_users_and_secrets() {
    let Some(python) = python() else { return };
    // Relation 0: another requirer (the Rust one); relation 1: the reference requirer.
    let world = World::new(&["other", "requirer"]);
    let mut users = MemoryUserStore::new();
    let other = world.model.unit("other/0");
    Requirer::new(&other, ENDPOINT)
        .with_log(|_, _| {})
        .request(&World::relation(0), &["other:*"])
        .expect("request");
    rust_reconcile(&world, &mut users, 0, &server());
    let requests = &THREE[..2];
    let bag = reference_requests(&python, 1, requests);
    world.write_app("requirer/0", 1, &bag);
    rust_reconcile(&world, &mut users, 1, &server());
    let (events, _) = reference_reads_rust(&python, &world, 1, requests, &json!({}));
    assert_eq!(events.len(), 2);
    // Users of a relation 10 (names only the bare-prefix match of the Valkey charm confuses).
    let prefix = KeyPrefix::parse("ten:*").expect("prefix");
    let password = databag::Secret::new("p".repeat(32));
    for name in ["relation-10", "relation-10-0123456789abcdef"] {
        users.put_user(name, &password, &prefix).expect("put_user");
    }

    // The URIs the reference requirer resolved: every secret-* in relation 1's answer.
    let answer = v1::ProviderAppData::from_bag(&world.app_bag(1, "valkey")).expect("v1 answer");
    let mut referenced: Vec<String> = answer
        .requests
        .iter()
        .flat_map(|r| [r.secret_user.clone(), r.secret_tls.clone()])
        .map(|uri| uri.expect("user and tls secrets").to_string())
        .collect();
    referenced.sort();
    assert_eq!(referenced.len(), 4);

    world.model.state().break_relation(1);
    let valkey = world.model.unit("valkey/0");
    let cleanup = Provider::new(&valkey, ENDPOINT, ValkeyPolicy::new(&mut users))
        .with_log(|_, _| {})
        .on_relation_broken(&World::relation(1))
        .expect("cleanup")
        .expect("valkey/0 leads");
    let mut deleted = cleanup.revoked.clone();
    deleted.sort();
    let mut expected: Vec<String> = requests
        .iter()
        .map(|(prefix, salt)| format!("relation-1-{}", wire::request_id(prefix, salt)))
        .collect();
    expected.sort();
    assert_eq!(deleted, expected);
    let mut removed: Vec<String> = cleanup
        .removed_secrets
        .iter()
        .map(ToString::to_string)
        .collect();
    removed.sort();
    assert_eq!(removed, referenced, "the secrets the reference resolved");

    let mut left: Vec<String> = users.users().keys().cloned().collect();
    left.sort();
    let other_id = v1::ProviderAppData::from_bag(&world.app_bag(0, "valkey"))
        .expect("relation 0's answer")
        .requests[0]
        .request_id
        .clone();
    assert_eq!(
        left,
        [
            format!("relation-0-{other_id}"),
            "relation-10".to_owned(),
            "relation-10-0123456789abcdef".to_owned()
        ]
    );
    let labels: Vec<String> = world.valkey_secrets().into_keys().collect();
    assert_eq!(
        labels,
        [
            format!("valkey-client.0.{other_id}.tls.secret"),
            format!("valkey-client.0.{other_id}.user.secret")
        ],
        "relation 0 keeps its secrets"
    );

    // A repeated relation-broken (a retried hook) finds nothing left to do.
    let again = Provider::new(&valkey, ENDPOINT, ValkeyPolicy::new(&mut users))
        .with_log(|_, _| {})
        .on_relation_broken(&World::relation(1))
        .expect("cleanup again")
        .expect("valkey/0 leads");
    assert!(again.revoked.is_empty() && again.removed_secrets.is_empty());
}

/// The reference provider's answer to `requirer_app` on relation `number` (hook `changed`),
/// or to its own earlier answer `previous` (hook `update`). Fails the test when its hook fails.
fn reference_provider(
    python: &Path,
    hook: &str,
    number: u32,
    requirer_app: &Bag,
    server: &ServerInfo,
    previous: Option<&Value>,
) -> Value {
    let mut input = json!({
        "hook": hook,
        "relation_id": number,
        "requirer_app": requirer_app,
        "server": server_json(server),
    });
    if let Some(previous) = previous {
        input["provider_app"] = previous["app"].clone();
        input["secrets"] = previous["secrets"].clone();
        input["users"] = previous["users"].clone();
    }
    let answer = python_driver::run(python, PROVIDER, &input);
    assert_eq!(
        answer["error"],
        Value::Null,
        "the reference provider's hook failed"
    );
    answer
}

/// Cases 1 and 5 side by side for v1: the reference requirer's padded request (two prefixes)
/// answered by the reference provider and by ours, writing as the reference's release (its
/// writer profile). Byte for byte the same databag,
/// secret URIs aside (Juju, not the charm, picks them): the same keys, the same `requests`
/// text (key order, `null` padding, `sentinel-endpoints` before `mode`), the same `data` text
/// (request order; no `external-node-connectivity: false`, the reference dumps without
/// defaults), the same secrets (PROTOCOL §4.2, §7, §18.1).
fn v1_answers_of_the_reference_and_rust_providers_agree(python: &Path, release: &str) {
    let requests = &THREE[..2];
    let request_bag = reference_requests(python, 0, requests);
    let reference = reference_provider(python, "changed", 0, &request_bag, &server(), None);
    let theirs = bag_of(&reference["app"]);
    let world = World::new(&["requirer"]);
    world.write_app("requirer/0", 0, &request_bag);
    let mut users = MemoryUserStore::new();
    let profile = ValkeyClient::profile(release).expect("the spec declares every release");
    rust_reconcile_as(&world, &mut users, 0, &server(), profile);
    let ours = world.app_bag(0, "valkey");

    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>()
    );
    assert_eq!(theirs["version"], "v1");
    assert_eq!(ours["version"], "v1");
    assert_eq!(ours["data"], theirs["data"], "`data`, byte for byte");
    assert!(
        !ours["data"].contains("external-node-connectivity"),
        "no request defaults in `data`"
    );
    // Our secret URIs replaced by the reference's, matched by label.
    let mut our_requests = ours["requests"].clone();
    let their_ids = reference_secrets(&reference);
    for (label, (uri, _)) in world.valkey_secrets() {
        let (id, _) = &their_ids[&label];
        our_requests = our_requests.replace(&uri, id);
    }
    assert_eq!(
        our_requests, theirs["requests"],
        "`requests`, byte for byte"
    );
    assert!(
        theirs["requests"].contains(r#""secret-extra": null"#),
        "the reference pads"
    );

    // Under the default profile (1.0.2, what the Valkey charm locks) the same responses,
    // without 1.2's padding.
    let (their_responses, our_responses) = (
        responses_without_nulls(&theirs),
        responses_without_nulls(&ours),
    );
    assert_eq!(
        their_responses.keys().collect::<Vec<_>>(),
        our_responses.keys().collect::<Vec<_>>()
    );
    let world_default = World::new(&["requirer"]);
    world_default.write_app("requirer/0", 0, &request_bag);
    rust_reconcile(&world_default, &mut MemoryUserStore::new(), 0, &server());
    let default = world_default.app_bag(0, "valkey");
    assert!(
        !default["requests"].contains("prefix-resources"),
        "1.2 padding"
    );
    assert!(
        default["requests"].contains(r#""secret-entity": null"#),
        "1.0.2 padding"
    );
    assert_eq!(default["data"], theirs["data"]);
    assert_eq!(
        ValkeyClient::DEFAULT_PROFILE.name,
        "1.0.2",
        "the release the Valkey charm locks (PROTOCOL §1)"
    );

    let their_secrets = reference_secrets(&reference);
    let our_secrets = world.valkey_secrets();
    assert_eq!(
        their_secrets.keys().collect::<Vec<_>>(),
        our_secrets.keys().collect::<Vec<_>>(),
        "the same labels"
    );
    for (label, (_, their_content)) in &their_secrets {
        let (_, our_content) = &our_secrets[label];
        assert_eq!(
            their_content.keys().collect::<Vec<_>>(),
            our_content.keys().collect::<Vec<_>>(),
            "content keys of {label}"
        );
        for key in ["username", "tls", "tls-ca"] {
            assert!(
                their_content.get(key) == our_content.get(key),
                "{label}: {key}"
            );
        }
    }
}

/// Case 5: one v0 requirer databag, answered by the reference provider (as the Valkey charm
/// uses it) and by ours; compared key by key, modulo secret URIs and the random salts.
///
/// Differences, all pinned here (PROTOCOL §5.2, §18.3):
/// - the reference's first answer has no `resource` (it writes `""`, which deletes the key);
///   ours writes `resource: application:*`, the state the reference reaches after one update;
/// - the reference writes the Sentinels only as `sentinel_endpoints` (an un-aliased extra of
///   `DataContractV0`); ours writes that and `sentinel-endpoints`, the spelling the v0
///   library's `fetch_relation_field("sentinel-endpoints")` finds.
fn v0_answers_of_the_reference_and_rust_providers_agree_key_by_key(python: &Path, release: &str) {
    let profile = ValkeyClient::profile(release).expect("the spec declares every release");
    let ca = TestCa::new("interop test CA").pem();
    let server = tls_server(&ca);
    let requirer = v0_requirer_bag();
    let reference = reference_provider(python, "changed", 0, &requirer, &server, None);
    let theirs = bag_of(&reference["app"]);

    let world = World::new(&["requirer"]);
    world.write_app("requirer/0", 0, &requirer);
    let mut users = MemoryUserStore::new();
    let report = rust_reconcile_as(&world, &mut users, 0, &server, profile);
    assert_eq!(report.wire_version, Some("v0"));
    assert_eq!(report.created, ["relation-0"]);
    let ours = world.app_bag(0, "valkey");

    // The reference's quirks, pinned.
    assert!(
        !theirs.contains_key("resource"),
        "reference: no first `resource`"
    );
    assert!(!theirs.contains_key("sentinel-endpoints"));
    assert_eq!(
        theirs["sentinel_endpoints"],
        "10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379"
    );
    // Ours: every key of theirs, plus exactly these two.
    let their_keys: BTreeSet<&String> = theirs.keys().collect();
    let our_keys: BTreeSet<&String> = ours.keys().collect();
    let extra: Vec<&&String> = our_keys.difference(&their_keys).collect();
    assert_eq!(extra, [&"resource", &"sentinel-endpoints"]);
    assert!(their_keys.is_subset(&our_keys));
    assert_eq!(ours["resource"], "application:*");
    assert_eq!(ours["sentinel-endpoints"], theirs["sentinel_endpoints"]);

    for (key, their_value) in &theirs {
        let our_value = &ours[key];
        match key.as_str() {
            "secret-user" | "secret-tls" => {
                SecretUri::parse(their_value).expect("the reference's URI parses");
                SecretUri::parse(our_value).expect("our URI parses");
            }
            "salt" => {
                for salt in [their_value, our_value] {
                    assert!(salt.len() == 16 && salt.bytes().all(|b| b.is_ascii_alphanumeric()));
                }
            }
            "data" => {
                // The request dump: the same modulo its own random salt.
                let strip = |text: &str| {
                    let mut value: Value = serde_json::from_str(text).expect("data is JSON");
                    let salt = value
                        .as_object_mut()
                        .and_then(|o| o.shift_remove("salt"))
                        .expect("data has a salt");
                    (value, salt)
                };
                let (theirs_data, _) = strip(their_value);
                let (ours_data, _) = strip(our_value);
                assert_eq!(ours_data, theirs_data, "`data` modulo salt");
                assert_eq!(
                    ours_data["requested-secrets"][0], "username",
                    "the requirer's lists are echoed"
                );
            }
            _ => assert_eq!(our_value, their_value, "key {key}"),
        }
    }

    // Secrets: the same labels, content keys and values (passwords aside), each named by the
    // databag.
    let their_secrets = reference_secrets(&reference);
    let our_secrets = world.valkey_secrets();
    let labels = ["valkey-client.0.tls.secret", "valkey-client.0.user.secret"];
    assert_eq!(their_secrets.keys().collect::<Vec<_>>(), labels);
    assert_eq!(our_secrets.keys().collect::<Vec<_>>(), labels);
    for (label, group) in labels.iter().zip(["tls", "user"]) {
        let (their_id, their_content) = &their_secrets[*label];
        let (our_uri, our_content) = &our_secrets[*label];
        assert_eq!(&theirs[&format!("secret-{group}")], their_id);
        assert_eq!(&ours[&format!("secret-{group}")], our_uri);
        assert_eq!(
            our_content.keys().collect::<Vec<_>>(),
            their_content.keys().collect::<Vec<_>>(),
            "content keys of {label}"
        );
        for key in our_content.keys() {
            if key == "password" {
                assert!(is_password(&our_content[key]) && is_password(&their_content[key]));
            } else {
                assert!(our_content[key] == their_content[key], "{label}: {key}");
            }
        }
    }
    assert_eq!(our_secrets[labels[1]].1["username"], "relation-0");
    assert_eq!(
        our_secrets[labels[0]].1.keys().collect::<Vec<_>>(),
        ["tls", "tls-ca"]
    );

    // Both answers decode as our v0 answer, to the same plaintext fields.
    let decode = |bag: &Bag| match v0::ProviderAppData::from_bag(bag) {
        Ok(answer) => answer,
        Err(error) => panic!("a v0 answer decodes: {error}"),
    };
    let (theirs, ours) = (decode(&theirs), decode(&ours));
    assert_eq!(ours.database, theirs.database);
    assert_eq!(ours.endpoints, theirs.endpoints);
    assert_eq!(ours.read_only_endpoints, theirs.read_only_endpoints);
    assert_eq!(ours.sentinel_endpoints, theirs.sentinel_endpoints);
    assert_eq!(ours.version, theirs.version);
    assert_eq!(ours.mode, theirs.mode);
}

/// Case 5, the other way: our v0 requirer reads the reference provider's v0 answer (its
/// `sentinel_endpoints` spelling, no `resource`) and reports `resource_created` with the
/// credentials the reference created.
fn the_rust_v0_requirer_reads_the_reference_v0_answer(python: &Path, release: &str) {
    let profile = ValkeyClient::profile(release).expect("the spec declares every release");
    let world = World::new(&["requirer"]);
    let requirer = world.model.unit("requirer/0");
    let relation = World::relation(0);
    let mut flow = Requirer::new(&requirer, ENDPOINT)
        .with_profile(profile)
        .with_version(WireVersion::V0)
        .with_log(|_, _| {});
    flow.request(&relation, &["application:*"])
        .expect("request");
    let request_bag = world.app_bag(0, "requirer");
    assert_eq!(
        request_bag,
        v0_requirer_bag(),
        "our v0 request is LIBPATCH 59's"
    );

    let reference = reference_provider(python, "changed", 0, &request_bag, &server(), None);
    let mut imported = BTreeMap::new();
    world.import_reference_answer(0, &reference, &mut imported);
    let answers = flow.read(&relation).expect("read");
    assert!(matches!(
        answers.events.as_slice(),
        [Event::ResourceCreated {
            request_id: None,
            ..
        }]
    ));
    let response = answers.response("").expect("the v0 answer");
    assert_eq!(response.resource, "application:*");
    assert_eq!(
        response
            .username
            .as_ref()
            .map(|u| u.expose_secret().as_str()),
        Some("relation-0")
    );
    let password = response.password.as_ref().expect("a password");
    assert!(
        reference["users"]["relation-0"].as_str() == Some(password.expose_secret().as_str()),
        "the password the reference created"
    );
    assert_eq!(response.endpoints, "10.0.0.1:6379");
    assert_eq!(
        response.sentinel_endpoints.as_deref(),
        Some("10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379"),
        "read from `sentinel_endpoints`"
    );
    assert_eq!(
        response.tls.as_ref().map(|t| *t.expose_secret()),
        Some(false)
    );
    assert!(response.tls_ca.is_none());
    assert_eq!(response.version.as_deref(), Some("9.0.1"));
}

/// Case 6: our v1 requirer asks for two prefixes; the reference provider answers (TLS on);
/// our requirer resolves the credentials from the reference's secrets and reports
/// `resource_created` per request; after the reference's update cycle with a new primary,
/// `endpoints_changed`.
/// On every release of the reference (`on_every_release!` below).
fn the_rust_requirer_reads_the_reference_providers_answer(python: &Path, release: &str) {
    let profile = ValkeyClient::profile(release).expect("the spec declares every release");
    let ca = TestCa::new("interop test CA").pem();
    let world = World::new(&["requirer"]);
    let requirer = world.model.unit("requirer/0");
    let relation = World::relation(0);
    let mut flow = Requirer::new(&requirer, ENDPOINT)
        .with_profile(profile)
        .with_log(|_, _| {});
    let requests = flow
        .request(&relation, &["app:*", "jobs:"])
        .expect("request")
        .expect("requirer/0 leads");
    let ids: Vec<String> = requests.iter().map(|r| r.request_id.clone()).collect();

    let mut current = tls_server(&ca);
    let request_bag = world.app_bag(0, "requirer");
    let reference = reference_provider(python, "changed", 0, &request_bag, &current, None);
    // The reference answered both requests, in our order, with its users.
    let raw = v1::ProviderAppData::from_bag(&bag_of(&reference["app"]))
        .expect("our reader accepts the reference's answer, URIs included");
    assert_eq!(
        raw.requests
            .iter()
            .map(|r| r.request_id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    let data = raw.data.expect("the reference writes `data`");
    assert_eq!(data.keys().cloned().collect::<Vec<_>>(), {
        let mut sorted = ids.clone();
        sorted.sort();
        sorted
    });

    let mut imported = BTreeMap::new();
    world.import_reference_answer(0, &reference, &mut imported);
    let answers = flow.read(&relation).expect("read");
    let created: Vec<(&str, Option<&str>)> = answers
        .events
        .iter()
        .map(|e| (e.name(), e.request_id()))
        .collect();
    assert_eq!(
        created,
        ids.iter()
            .map(|id| ("resource_created", Some(id.as_str())))
            .collect::<Vec<_>>()
    );
    for (request, id) in requests.iter().zip(&ids) {
        let response = answers.response(id).expect("a response per request");
        assert_eq!(response.resource, request.resource);
        let username = format!("relation-0-{id}");
        assert_eq!(
            response
                .username
                .as_ref()
                .map(|u| u.expose_secret().clone()),
            Some(username.clone())
        );
        let password = response.password.as_ref().expect("a password");
        assert!(
            reference["users"][&username].as_str() == Some(password.expose_secret().as_str()),
            "request {id}: the password the reference created"
        );
        assert_eq!(response.endpoints, "10.0.0.1:6379");
        assert_eq!(
            response.read_only_endpoints.as_deref(),
            Some("10.0.0.2:6379,10.0.0.3:6379")
        );
        assert_eq!(
            response.sentinel_endpoints.as_deref(),
            Some("10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379")
        );
        assert_eq!(response.mode.as_deref(), Some("sentinel"));
        assert_eq!(response.version.as_deref(), Some("9.0.1"));
        assert_eq!(
            response.tls.as_ref().map(|t| *t.expose_secret()),
            Some(true)
        );
        assert!(
            response.tls_ca.as_ref().map(|c| c.expose_secret().as_str()) == Some(ca.as_str()),
            "request {id}: the CA"
        );
    }
    // The consumer labels our requirer attached are the reference's (§11.4).
    for uri in imported.values() {
        let (_, label) = world
            .model
            .state()
            .consumer("requirer/0", uri.as_str())
            .expect("requirer/0 consumes every secret");
        let label = label.expect("a consumer label");
        assert!(
            ids.iter()
                .any(|id| label == format!("valkey-client.0.{id}.user.secret")
                    || label == format!("valkey-client.0.{id}.tls.secret")),
            "label {label}"
        );
    }

    // The reference's update cycle (the charm's _update_client_relations): a new primary.
    current.endpoints = "10.0.0.3:6379".to_owned();
    let updated = reference_provider(
        python,
        "update",
        0,
        &request_bag,
        &current,
        Some(&reference),
    );
    world.import_reference_answer(0, &updated, &mut imported);
    let answers = flow.read(&relation).expect("read again");
    let moved: Vec<(&str, Option<&str>)> = answers
        .events
        .iter()
        .map(|e| (e.name(), e.request_id()))
        .collect();
    assert_eq!(
        moved,
        ids.iter()
            .map(|id| ("endpoints_changed", Some(id.as_str())))
            .collect::<Vec<_>>()
    );
    for id in &ids {
        assert_eq!(
            answers.response(id).expect("response").endpoints,
            "10.0.0.3:6379"
        );
    }
}

/// Writer profile `release` on the requirer side (PROTOCOL §4.1, §18.1): our v1 requests are
/// the bytes the reference requirer of that release writes for the same prefixes, our fresh
/// salts and their request ids aside (replaced by the reference's fixed ones).
fn requests_are_byte_exact_with_the_reference_requirer(python: &Path, release: &str) {
    let prefixes = &THREE[..2];
    let theirs = reference_requests(python, 0, prefixes);
    let world = World::new(&["requirer"]);
    let unit = world.model.unit("requirer/0");
    let profile = ValkeyClient::profile(release).expect("the spec declares every release");
    let resources: Vec<&str> = prefixes.iter().map(|(prefix, _)| *prefix).collect();
    let sent = Requirer::new(&unit, ENDPOINT)
        .with_profile(profile)
        .with_log(|_, _| {})
        .request(&World::relation(0), &resources)
        .expect("request")
        .expect("the requirer leads");
    let ours = world.app_bag(0, "requirer");
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    let mut requests = ours["requests"].clone();
    for (request, (prefix, salt)) in sent.iter().zip(prefixes) {
        requests = requests
            .replace(&request.salt, salt)
            .replace(&request.request_id, &wire::request_id(prefix, salt));
    }
    assert_eq!(requests, theirs["requests"], "`requests`, byte for byte");
}

/// One test per release of the reference (`python_driver::RELEASES`) running `$case` with that
/// release's Python and name (our side writes its profile): module `$case`, tests
/// `release_1_0_2`, `release_1_1_0`, `release_1_2_2`. The basic round trip in both directions
/// and the byte-exact answers cover Valkey on all three; the other tests run on 1.2.2.
macro_rules! on_every_release {
    ($case:ident) => {
        mod $case {
            use super::*;

            #[test]
            fn release_1_0_2() {
                let Some(python) = python_at("1.0.2") else {
                    return;
                };
                super::$case(&python, "1.0.2");
            }

            #[test]
            fn release_1_1_0() {
                let Some(python) = python_at("1.1.0") else {
                    return;
                };
                super::$case(&python, "1.1.0");
            }

            #[test]
            fn release_1_2_2() {
                let Some(python) = python_at("1.2.2") else {
                    return;
                };
                super::$case(&python, "1.2.2");
            }

            #[test]
            fn covers_every_release() {
                assert_eq!(RELEASES, ["1.0.2", "1.1.0", "1.2.2"]);
            }
        }
    };
}

on_every_release!(rust_provider_answers_each_reference_request_with_its_own_user);
on_every_release!(the_rust_requirer_reads_the_reference_providers_answer);
on_every_release!(v1_answers_of_the_reference_and_rust_providers_agree);
on_every_release!(requests_are_byte_exact_with_the_reference_requirer);
on_every_release!(endpoint_updates_reach_the_reference_requirer_with_its_precedence);
on_every_release!(the_reference_requirer_reads_tls_on_from_the_rust_provider);
on_every_release!(the_rust_v0_requirer_reads_the_reference_v0_answer);
on_every_release!(v0_answers_of_the_reference_and_rust_providers_agree_key_by_key);
