//! The `valkey_client` flows (the relation engine `databag::relation` with the Valkey policy)
//! against the in-memory Juju backend (`databag::juju::Memory`), which follows the same rules
//! as the emulated Juju CLI.

use std::cell::RefCell;
use std::collections::BTreeSet;

use databag::juju::{
    Backend, BagOf, BagUpdate, Fetch, Model, RelationId, SecretInfo, SecretOwner, SecretRef, State,
    WorkloadStatus,
};
use databag::{Bag, Secret, SecretContent, SecretUri, Value};

use databag::relation::random_alphanumeric;
use valkey_client::relation::{
    Answers, Event, Level, Provider, Reconciled, Requirer, WireVersion, status_codes,
};
use valkey_client::valkey::acl::password_hash;
use valkey_client::valkey::{
    KeyPrefix, MemoryUserStore, Retention, ServerInfo, UserStore, ValkeyPolicy, users_of_relation,
};

const UUID: &str = "0b7c2a4e-6f1d-4c3b-9a8e-5d2f1e0c7b6a";
const CA: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBcaBodyOfTheTestCA0123456789\n-----END CERTIFICATE-----";

/// `app` (2 units) on relation 0 and `other` (1 unit) on relation 1, both with `valkey`
/// (2 units); first units lead.
fn model() -> Model {
    let mut state = State::new(UUID);
    state.add_app("app", 2);
    state.add_app("other", 1);
    state.add_app("valkey", 2);
    assert_eq!(state.relate("app", "cache", "valkey", "valkey-client"), 0);
    assert_eq!(state.relate("other", "cache", "valkey", "valkey-client"), 1);
    Model::new(state)
}

fn cache(number: u32) -> RelationId {
    RelationId::new("cache", number)
}

fn client(number: u32) -> RelationId {
    RelationId::new("valkey-client", number)
}

fn server() -> ServerInfo {
    ServerInfo {
        endpoints: "10.0.0.1:6379".to_owned(),
        read_only_endpoints: Some("10.0.0.2:6379".to_owned()),
        sentinel_endpoints: Some("10.0.0.1:26379,10.0.0.2:26379".to_owned()),
        version: Some("9.0.1".to_owned()),
        mode: Some("sentinel".to_owned()),
        tls: false,
        tls_ca: None,
    }
}

/// Log lines collected from every flow of a test.
#[derive(Default)]
struct Lines(RefCell<Vec<String>>);

impl Lines {
    fn sink(&self) -> impl FnMut(Level, &str) + '_ {
        |level, message| self.0.borrow_mut().push(format!("{level} {message}"))
    }

    fn all(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// A backend that records the hook tools called through it.
struct Recording<'a> {
    inner: &'a dyn Backend,
    tools: RefCell<Vec<&'static str>>,
}

impl<'a> Recording<'a> {
    fn new(inner: &'a dyn Backend) -> Self {
        Recording {
            inner,
            tools: RefCell::new(Vec::new()),
        }
    }

    fn count(&self, tool: &str) -> usize {
        self.tools.borrow().iter().filter(|t| **t == tool).count()
    }

    fn note(&self, tool: &'static str) {
        self.tools.borrow_mut().push(tool);
    }
}

impl Backend for Recording<'_> {
    fn app_name(&self) -> &str {
        self.inner.app_name()
    }
    fn unit_name(&self) -> &str {
        self.inner.unit_name()
    }
    fn model_uuid(&self) -> &str {
        self.inner.model_uuid()
    }
    fn is_leader(&self) -> Result<bool, databag::juju::Error> {
        self.note("is-leader");
        self.inner.is_leader()
    }
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>, databag::juju::Error> {
        self.note("relation-ids");
        self.inner.relation_ids(endpoint)
    }
    fn remote_app(&self, relation: &RelationId) -> Result<String, databag::juju::Error> {
        self.inner.remote_app(relation)
    }
    fn remote_units(&self, relation: &RelationId) -> Result<Vec<String>, databag::juju::Error> {
        self.inner.remote_units(relation)
    }
    fn read(&self, relation: &RelationId, bag: &BagOf) -> Result<Bag, databag::juju::Error> {
        self.note("relation-get");
        self.inner.read(relation, bag)
    }
    fn write_app(
        &self,
        relation: &RelationId,
        update: &BagUpdate,
    ) -> Result<(), databag::juju::Error> {
        self.note("relation-set");
        self.inner.write_app(relation, update)
    }
    fn write_unit(
        &self,
        relation: &RelationId,
        update: &BagUpdate,
    ) -> Result<(), databag::juju::Error> {
        self.note("relation-set");
        self.inner.write_unit(relation, update)
    }
    fn secret_add(
        &self,
        content: &SecretContent,
        label: Option<&str>,
        owner: SecretOwner,
    ) -> Result<SecretUri, databag::juju::Error> {
        self.note("secret-add");
        self.inner.secret_add(content, label, owner)
    }
    fn secret_get(
        &self,
        secret: &SecretRef,
        fetch: Fetch,
    ) -> Result<SecretContent, databag::juju::Error> {
        self.note("secret-get");
        self.inner.secret_get(secret, fetch)
    }
    fn secret_info(&self, secret: &SecretRef) -> Result<SecretInfo, databag::juju::Error> {
        self.note("secret-info-get");
        self.inner.secret_info(secret)
    }
    fn secret_set(
        &self,
        uri: &SecretUri,
        content: &SecretContent,
    ) -> Result<(), databag::juju::Error> {
        self.note("secret-set");
        self.inner.secret_set(uri, content)
    }
    fn secret_grant(
        &self,
        uri: &SecretUri,
        relation: &RelationId,
    ) -> Result<(), databag::juju::Error> {
        self.note("secret-grant");
        self.inner.secret_grant(uri, relation)
    }
    fn secret_revoke(
        &self,
        uri: &SecretUri,
        relation: &RelationId,
    ) -> Result<(), databag::juju::Error> {
        self.note("secret-revoke");
        self.inner.secret_revoke(uri, relation)
    }
    fn secret_remove(&self, uri: &SecretUri) -> Result<(), databag::juju::Error> {
        self.note("secret-remove");
        self.inner.secret_remove(uri)
    }
    fn secret_ids(&self) -> Result<Vec<SecretUri>, databag::juju::Error> {
        self.note("secret-ids");
        self.inner.secret_ids()
    }
    fn secret_remove_revision(
        &self,
        uri: &SecretUri,
        revision: u32,
    ) -> Result<(), databag::juju::Error> {
        self.note("secret-remove");
        self.inner.secret_remove_revision(uri, revision)
    }
    fn state_get(&self, key: &str) -> Result<Option<String>, databag::juju::Error> {
        self.note("state-get");
        self.inner.state_get(key)
    }
    fn state_set(&self, key: &str, value: Option<&str>) -> Result<(), databag::juju::Error> {
        self.note(if value.is_some() {
            "state-set"
        } else {
            "state-delete"
        });
        self.inner.state_set(key, value)
    }
    fn status_set(&self, status: &WorkloadStatus) -> Result<(), databag::juju::Error> {
        self.note("status-set");
        self.inner.status_set(status)
    }
    fn app_status_set(&self, status: &WorkloadStatus) -> Result<(), databag::juju::Error> {
        self.note("status-set");
        self.inner.app_status_set(status)
    }
    fn log(&self, level: Level, message: &str) -> Result<(), databag::juju::Error> {
        self.note("juju-log");
        self.inner.log(level, message)
    }
    fn config(&self) -> Result<serde_json::Map<String, Value>, databag::juju::Error> {
        self.note("config-get");
        self.inner.config()
    }
    fn state_get_all(&self) -> Result<databag::juju::CharmState, databag::juju::Error> {
        self.note("state-get");
        self.inner.state_get_all()
    }
    fn state_update(&self, update: &BagUpdate) -> Result<(), databag::juju::Error> {
        self.note("state-set");
        self.inner.state_update(update)
    }
}

fn request(model: &Model, unit: &str, number: u32, prefixes: &[&str], version: WireVersion) {
    let backend = model.unit(unit);
    let written = Requirer::new(&backend, "cache")
        .with_version(version)
        .with_log(|_, _| {})
        .request(&cache(number), prefixes)
        .expect("request");
    assert!(written.is_some(), "{unit} leads and writes");
}

fn reconcile(model: &Model, store: &mut MemoryUserStore, number: u32) -> Reconciled {
    let backend = model.unit("valkey/0");
    Provider::new(&backend, "valkey-client", ValkeyPolicy::new(store))
        .with_log(|_, _| {})
        .reconcile(&client(number), &server())
        .expect("reconcile")
        .expect("leader")
}

fn read(model: &Model, unit: &str, number: u32, version: WireVersion) -> Answers {
    let backend = model.unit(unit);
    Requirer::new(&backend, "cache")
        .with_version(version)
        .with_log(|_, _| {})
        .read(&cache(number))
        .expect("read")
}

fn provider_bag(model: &Model, number: u32) -> Bag {
    model
        .state()
        .app_bag(number, "valkey")
        .cloned()
        .unwrap_or_default()
}

fn write_requirer_bag(model: &Model, number: u32, app: &str, pairs: &[(&str, &str)]) {
    let update: BagUpdate = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned())))
        .collect();
    model
        .unit(&format!("{app}/0"))
        .write_app(&cache(number), &update)
        .expect("requirer write");
}

/// Each provider secret once per label, labelled for a relation, and named by a databag.
fn assert_no_orphans(model: &Model) {
    let state = model.state();
    let secrets: Vec<_> = state
        .secrets()
        .into_iter()
        .filter(|s| s.owner_app == "valkey")
        .collect();
    let labels: BTreeSet<_> = secrets.iter().filter_map(|s| s.label.clone()).collect();
    assert_eq!(
        labels.len(),
        secrets.len(),
        "one secret per label: {secrets:?}"
    );
    let bags: Vec<String> = state
        .all_bags()
        .into_iter()
        .flat_map(|(_, _, bag)| bag.into_values())
        .collect();
    for secret in &secrets {
        let id = databag::juju::state::secret_id(&secret.uri).to_owned();
        assert!(
            bags.iter().any(|value| value.contains(&id)),
            "secret {} ({:?}) is named by no databag",
            secret.uri,
            secret.label
        );
    }
}

/// No password or CA body of any secret revision in any databag or log line.
fn assert_no_secret_values(model: &Model, lines: &[String]) {
    let state = model.state();
    let mut values = Vec::new();
    for secret in state.secrets() {
        for revision in 1..=secret.revision {
            if let Some(content) = state.secret_content(&secret.uri, Some(revision)) {
                for (key, value) in content {
                    if key == "password" || key == "tls-ca" {
                        values.push(value.clone());
                    }
                }
            }
        }
    }
    assert!(!values.is_empty(), "the test must have secrets to look for");
    for (number, owner, bag) in state.all_bags() {
        for (key, text) in bag {
            for value in &values {
                assert!(
                    !text.contains(value.as_str()),
                    "relation {number}, {owner}, key {key} leaks a secret value"
                );
            }
        }
    }
    for line in lines {
        for value in &values {
            assert!(!line.contains(value.as_str()), "log line leaks: {line}");
        }
    }
}

#[test]
fn v1_requests_get_users_secrets_and_one_write() {
    let model = model();
    let lines = Lines::default();
    let app = model.unit("app/0");
    let requests = Requirer::new(&app, "cache")
        .with_log(lines.sink())
        .request(&cache(0), &["app:*", "jobs:*"])
        .expect("request")
        .expect("leader");
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.salt.len(), 16);
        assert!(request.salt.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(
            request.request_id,
            databag::wire::request_id(&request.resource, &request.salt)
        );
    }
    let bag = model.state().app_bag(0, "app").cloned().expect("bag");
    assert_eq!(bag["version"], "v1");
    assert!(bag["requests"].contains(&requests[1].request_id));

    let mut store = MemoryUserStore::new();
    let valkey = model.unit("valkey/0");
    let recording = Recording::new(&valkey);
    let report = Provider::new(&recording, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(lines.sink())
        .reconcile(&client(0), &server())
        .expect("reconcile")
        .expect("leader");
    assert_eq!(recording.count("relation-set"), 1, "one databag write");
    assert_eq!(recording.count("secret-add"), 4);
    assert_eq!(report.wire_version, Some("v1"));
    assert!(report.refused.is_empty());
    let ids: Vec<&str> = requests.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(report.answered, ids);
    let usernames: Vec<String> = ids.iter().map(|id| format!("relation-0-{id}")).collect();
    assert_eq!(store.usernames().expect("names"), {
        let mut sorted = usernames.clone();
        sorted.sort();
        sorted
    });
    assert_eq!(
        store.get(&usernames[0]).expect("user").prefix.as_str(),
        "app:*"
    );

    let state = model.state();
    for id in &ids {
        for group in ["user", "tls"] {
            let label = format!("valkey-client.0.{id}.{group}.secret");
            let secret = state
                .secrets()
                .into_iter()
                .find(|s| s.label.as_deref() == Some(label.as_str()))
                .unwrap_or_else(|| panic!("no secret {label}"));
            assert_eq!(secret.owner_app, "valkey");
            assert_eq!(secret.owner_unit, None, "owned by the application");
            assert_eq!(secret.granted_on, [0]);
        }
    }
    drop(state);
    let provider = provider_bag(&model, 0);
    assert_eq!(
        provider.keys().collect::<Vec<_>>(),
        ["data", "requests", "version"]
    );
    let data: serde_json::Value = serde_json::from_str(&provider["data"]).expect("data");
    assert_eq!(data[ids[0]]["resource"], "app:*");
    assert_eq!(data[ids[1]]["salt"], requests[1].salt.as_str());

    let answers = read(&model, "app/1", 0, WireVersion::V1);
    assert_eq!(answers.responses.len(), 2);
    for (response, username) in answers.responses.iter().zip(&usernames) {
        assert_eq!(
            response.username.as_ref().map(Secret::expose_secret),
            Some(username)
        );
        let password = response
            .password
            .as_ref()
            .expect("password")
            .expose_secret();
        assert_eq!(password.len(), 32);
        assert!(password.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(
            store.get(username).expect("user").password_hash,
            password_hash(password)
        );
        assert_eq!(
            response.tls.as_ref().map(|t| *t.expose_secret()),
            Some(false)
        );
        assert_eq!(response.endpoints, "10.0.0.1:6379");
    }
    let names: Vec<&str> = answers.events.iter().map(Event::name).collect();
    assert_eq!(names, ["resource_created", "resource_created"]);
    assert_eq!(answers.events[1].request_id(), Some(ids[1]));
    let memory = model.state().unit_bag(0, "app/1").expect("unit bag");
    assert!(
        memory["data"].contains(ids[0]),
        "diff memory in the unit databag"
    );
    let again = read(&model, "app/1", 0, WireVersion::V1);
    assert!(again.events.is_empty(), "{:?}", again.events);
    assert_no_secret_values(&model, &lines.all());
    assert_no_orphans(&model);
}

#[test]
fn requests_are_written_once_and_only_by_the_leader() {
    let model = model();
    let follower = model.unit("app/1");
    let none = Requirer::new(&follower, "cache")
        .with_log(|_, _| {})
        .request(&cache(0), &["app:*"])
        .expect("follower");
    assert_eq!(none, None);
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let first = model.state().app_bag(0, "app").cloned();
    let leader = model.unit("app/0");
    let again = Requirer::new(&leader, "cache")
        .with_log(|_, _| {})
        .request(&cache(0), &["app:*"])
        .expect("again")
        .expect("leader");
    assert_eq!(model.state().app_bag(0, "app").cloned(), first);
    assert!(first.expect("bag")["requests"].contains(&again[0].salt));
    let error = Requirer::new(&leader, "cache")
        .with_resource_check(KeyPrefix::parse)
        .request(&cache(1), &["a b"])
        .expect_err("invalid prefix");
    assert!(
        error
            .to_string()
            .contains("resource 0 (\"a b\"): character ' '"),
        "{error}"
    );
    let error = Requirer::new(&leader, "cache")
        .with_version(WireVersion::V0)
        .request(&cache(0), &["a:*", "b:*"])
        .expect_err("two v0 prefixes");
    assert!(
        error
            .to_string()
            .contains("the v0 wire carries one resource, 2 were given"),
        "{error}"
    );
}

#[test]
fn updates_reach_every_request_and_tls_is_a_new_revision() {
    let model = model();
    request(&model, "app/0", 0, &["app:*", "jobs:*"], WireVersion::V1);
    request(&model, "other/0", 1, &["other:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    reconcile(&model, &mut store, 1);
    read(&model, "app/0", 0, WireVersion::V1);
    let tls_uris = |model: &Model| -> Vec<(String, u32)> {
        model
            .state()
            .secrets()
            .into_iter()
            .filter(|s| {
                s.label
                    .as_deref()
                    .is_some_and(|l| l.ends_with(".tls.secret"))
            })
            .map(|s| (s.uri, s.revision))
            .collect()
    };
    let before = tls_uris(&model);
    assert_eq!(before.len(), 3);

    let mut changed = server();
    changed.endpoints = "10.0.0.9:6380".to_owned();
    changed.tls = true;
    changed.tls_ca = Some(Secret::new(CA.to_owned()));
    let valkey = model.unit("valkey/0");
    let recording = Recording::new(&valkey);
    let reports = Provider::new(&recording, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .update_all(&changed)
        .expect("update")
        .expect("leader");
    assert_eq!(reports.len(), 2, "every relation");
    assert_eq!(recording.count("relation-set"), 2, "one write per relation");
    assert_eq!(recording.count("secret-add"), 0, "same secrets");
    assert!(
        reports.iter().all(|r| r.created.is_empty()),
        "credentials kept"
    );
    let after = tls_uris(&model);
    assert_eq!(
        after.iter().map(|(u, _)| u).collect::<Vec<_>>(),
        before.iter().map(|(u, _)| u).collect::<Vec<_>>()
    );
    assert!(
        after.iter().all(|(_, revision)| *revision == 2),
        "{after:?}"
    );

    let answers = read(&model, "app/0", 0, WireVersion::V1);
    let names: Vec<&str> = answers.events.iter().map(Event::name).collect();
    assert_eq!(
        names,
        ["endpoints_changed", "endpoints_changed"],
        "first match wins"
    );
    // relation-changed reads no secret it already read: Juju keeps a consumer on the revision
    // it tracks until secret-changed (juju apiserver/facades/agent/secretsmanager/secrets.go,
    // `getConsumedRevision`), which Juju runs for each tls secret on each consumer unit.
    let app = model.unit("app/0");
    let mut requirer = Requirer::new(&app, "cache").with_log(|_, _| {});
    let mut last = None;
    for response in &answers.responses {
        assert_eq!(response.endpoints, "10.0.0.9:6380");
        assert_eq!(
            response.tls.as_ref().map(|t| *t.expose_secret()),
            Some(false),
            "the tracked revision until secret-changed"
        );
        let label = format!("cache.0.{}.tls.secret", response.request_id);
        last = requirer
            .on_secret_changed(Some(&label))
            .expect("secret-changed");
    }
    let answers = last.expect("ours");
    assert_eq!(answers.responses.len(), 2);
    for response in &answers.responses {
        assert_eq!(response.endpoints, "10.0.0.9:6380");
        assert_eq!(
            response.tls.as_ref().map(|t| *t.expose_secret()),
            Some(true)
        );
        assert_eq!(
            response.tls_ca.as_ref().map(|c| c.expose_secret().as_str()),
            Some(CA)
        );
    }

    // Only the version: the reference says nothing, we say `server_changed`.
    changed.version = Some("9.0.2".to_owned());
    let recording = Recording::new(&valkey);
    Provider::new(&recording, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .update_all(&changed)
        .expect("update");
    assert_eq!(
        recording.count("secret-set"),
        0,
        "TLS unchanged: no new revision"
    );
    let answers = read(&model, "app/0", 0, WireVersion::V1);
    assert!(
        answers.events.iter().all(|e| matches!(
            e,
            Event::FieldsChanged { keys, .. } if keys == &["version"]
        )) && answers.events.len() == 2,
        "{:?}",
        answers.events
    );

    // Nothing changed: nothing written.
    let recording = Recording::new(&valkey);
    Provider::new(&recording, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .update_all(&changed)
        .expect("update");
    assert_eq!(recording.count("relation-set"), 0);
    assert_eq!(recording.count("secret-set"), 0);
}

#[test]
fn v0_requirers_get_a_flat_answer() {
    let model = model();
    request(&model, "app/0", 0, &["application:*"], WireVersion::V0);
    let requirer = model.state().app_bag(0, "app").cloned().expect("bag");
    assert_eq!(requirer["database"], "application:*");
    assert!(!requirer.contains_key("version"));
    assert_eq!(
        requirer["requested-secrets"],
        r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#
    );
    let mut store = MemoryUserStore::new();
    let report = reconcile(&model, &mut store, 0);
    assert_eq!(report.wire_version, Some("v0"));
    assert_eq!(store.usernames().expect("names"), ["relation-0"]);
    let bag = provider_bag(&model, 0);
    for key in [
        "database",
        "resource",
        "salt",
        "endpoints",
        "read-only-endpoints",
        "secret-user",
        "secret-tls",
        "version",
        "mode",
        "sentinel-endpoints",
        "sentinel_endpoints",
        "data",
    ] {
        assert!(bag.contains_key(key), "{key} missing: {bag:?}");
    }
    assert!(!bag.contains_key("requests") && !bag.contains_key("status"));
    assert_eq!(
        bag["version"], "9.0.1",
        "v0 `version` is the server version"
    );
    assert_eq!(bag["sentinel_endpoints"], bag["sentinel-endpoints"]);
    let data: serde_json::Value = serde_json::from_str(&bag["data"]).expect("data");
    assert_eq!(data["resource"], "application:*");
    assert_eq!(data["requested-secrets"][0], "username");
    let labels: BTreeSet<String> = model
        .state()
        .secrets()
        .into_iter()
        .filter_map(|s| s.label)
        .collect();
    assert_eq!(
        labels,
        BTreeSet::from([
            "valkey-client.0.tls.secret".to_owned(),
            "valkey-client.0.user.secret".to_owned()
        ])
    );
    let answers = read(&model, "app/1", 0, WireVersion::V0);
    let response = answers.response("").expect("v0 answer");
    assert_eq!(response.resource, "application:*");
    assert_eq!(
        response
            .username
            .as_ref()
            .map(|u| u.expose_secret().as_str()),
        Some("relation-0")
    );
    assert_eq!(answers.events.len(), 1);
    assert!(matches!(
        &answers.events[0],
        Event::ResourceCreated {
            request_id: None,
            ..
        }
    ));
    // The consumer label is the requirer's v0 label.
    let state = model.state();
    let user = bag["secret-user"].clone();
    assert_eq!(
        state.consumer("app/1", &user).and_then(|(_, label)| label),
        Some("cache.0.user.secret".to_owned())
    );
    drop(state);
    let mut moved = server();
    moved.read_only_endpoints = Some("10.0.0.3:6379".to_owned());
    let valkey = model.unit("valkey/0");
    Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .update_all(&moved)
        .expect("update");
    let answers = read(&model, "app/1", 0, WireVersion::V0);
    assert_eq!(
        answers.events.iter().map(Event::name).collect::<Vec<_>>(),
        ["read_only_endpoints_changed"]
    );
    assert_eq!(provider_bag(&model, 0)["salt"], bag["salt"], "salt kept");
}

#[test]
fn hostile_requests_get_a_status_not_a_user() {
    let model = model();
    let lines = Lines::default();
    let requests = r#"[{"resource": "good:*", "request-id": "r1", "salt": "s"},
        {"resource": "x ~* +@all", "request-id": "r2", "salt": "s"},
        {"resource": "ok:*", "request-id": "a.b", "salt": "s"},
        {"resource": "dup:*", "request-id": "r1", "salt": "s"},
        {"resource": "", "request-id": "r3", "salt": "s"}]"#;
    write_requirer_bag(
        &model,
        0,
        "app",
        &[("version", "v1"), ("requests", requests)],
    );
    let mut store = MemoryUserStore::new();
    let valkey = model.unit("valkey/0");
    let report = Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(lines.sink())
        .reconcile(&client(0), &server())
        .expect("no crash")
        .expect("leader");
    assert_eq!(store.usernames().expect("names"), ["relation-0-r1"]);
    assert_eq!(report.answered, ["r1"]);
    let refused: Vec<(Option<usize>, i64)> =
        report.refused.iter().map(|r| (r.index, r.code)).collect();
    assert_eq!(
        refused,
        [
            (Some(1), status_codes::INVALID_PREFIX),
            (Some(2), status_codes::INVALID_REQUEST_ID),
            (Some(3), status_codes::INVALID_REQUEST_ID),
            (Some(4), status_codes::INVALID_PREFIX),
        ]
    );
    let bag = provider_bag(&model, 0);
    let statuses: serde_json::Value = serde_json::from_str(&bag["status"]).expect("status");
    assert_eq!(
        statuses.as_array().map(Vec::len),
        Some(2),
        "one status per code"
    );
    assert_eq!(statuses[0]["code"], 5002);
    let message = statuses[0]["message"].as_str().expect("message");
    assert!(
        message.contains(r#"requests[1] (request-id "r2"): prefix "x ~* +@all" refused"#),
        "{message}"
    );
    assert!(
        statuses[1]["message"]
            .as_str()
            .expect("m")
            .contains("\"a.b\"")
    );
    assert!(bag["requests"].contains("\"r1\"") && !bag["requests"].contains("a.b"));
    let labels: Vec<String> = model
        .state()
        .secrets()
        .into_iter()
        .filter_map(|s| s.label)
        .collect();
    assert!(
        labels.iter().all(|l| l.starts_with("valkey-client.0.r1.")),
        "{labels:?}"
    );
    let logged = lines.all();
    assert!(
        logged
            .iter()
            .any(|l| l.starts_with("WARNING") && l.contains("refused requests[2]")),
        "{logged:?}"
    );
    // The requirer hears about it.
    let answers = read(&model, "app/0", 0, WireVersion::V1);
    let raised: Vec<i64> = answers
        .events
        .iter()
        .filter_map(|e| match e {
            Event::StatusRaised { status, .. } => Some(status.code),
            _ => None,
        })
        .collect();
    assert_eq!(raised, [5002, 5003]);
}

#[test]
fn unreadable_requirer_databags_keep_earlier_answers() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    let answered = provider_bag(&model, 0);
    for (key, value, expected) in [
        ("requests", "not json", "requests: invalid JSON"),
        (
            "requests",
            r#"[{"resource": "x:*", "salt": "s"}]"#,
            "requests[0].request-id: missing required key",
        ),
        ("version", "v2", "version: unknown wire version \"v2\""),
    ] {
        write_requirer_bag(&model, 0, "app", &[(key, value)]);
        let report = reconcile(&model, &mut store, 0);
        assert_eq!(report.refused.len(), 1);
        assert_eq!(report.refused[0].code, status_codes::INVALID_DATABAG);
        assert!(
            report.refused[0].reason.contains(expected),
            "{:?}",
            report.refused
        );
        let bag = provider_bag(&model, 0);
        assert_eq!(bag["data"], answered["data"], "data intact");
        assert_eq!(bag["requests"], answered["requests"], "answers intact");
        assert!(bag["status"].contains("5001"));
        assert_eq!(store.len(), 1);
        write_requirer_bag(&model, 0, "app", &[("version", "v1")]);
    }
}

#[test]
fn a_changed_prefix_is_refused() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    let bag = model.state().app_bag(0, "app").cloned().expect("bag");
    write_requirer_bag(
        &model,
        0,
        "app",
        &[("requests", &bag["requests"].replace("app:*", "all:*"))],
    );
    let report = reconcile(&model, &mut store, 0);
    assert_eq!(report.refused[0].code, status_codes::PREFIX_CHANGED);
    let user = store.users().values().next().expect("user");
    assert_eq!(
        user.prefix.as_str(),
        "app:*",
        "the ACL keeps the answered prefix"
    );
}

#[test]
fn failures_before_the_write_converge_without_orphans() {
    for tool in [
        "relation-set",
        "secret-grant",
        "secret-set",
        "secret-info-get",
    ] {
        for rollback in [false, true] {
            let model = model();
            request(&model, "app/0", 0, &["app:*", "jobs:*"], WireVersion::V1);
            let mut store = MemoryUserStore::new();
            if tool == "secret-set" {
                // A secret left behind by an earlier attempt is found by label and updated.
                let valkey = model.unit("valkey/0");
                let bag = model.state().app_bag(0, "app").cloned().expect("bag");
                let requests: serde_json::Value =
                    serde_json::from_str(&bag["requests"]).expect("json");
                let id = requests[0]["request-id"].as_str().expect("id");
                let content = SecretContent::from([("tls".to_owned(), "true".to_owned())]);
                let label = format!("valkey-client.0.{id}.tls.secret");
                valkey
                    .secret_add(&content, Some(&label), SecretOwner::Application)
                    .expect("leftover");
            }
            let snapshot = model.snapshot();
            model.state().fail_next(tool, 1);
            let valkey = model.unit("valkey/0");
            let error = Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut store))
                .with_log(|_, _| {})
                .reconcile(&client(0), &server())
                .expect_err("injected failure");
            assert_eq!(error.tool(), Some(tool), "{error}");
            let text = error.to_string();
            assert!(
                text.contains("ERROR injected failure")
                    && text.contains("relation valkey-client:0"),
                "{text}"
            );
            if rollback {
                model.rollback(snapshot);
            }
            assert!(
                provider_bag(&model, 0).is_empty(),
                "nothing written ({tool})"
            );
            let report = reconcile(&model, &mut store, 0);
            assert_eq!(report.answered.len(), 2);
            let secrets = model.state().secrets();
            assert_eq!(secrets.len(), 4, "{tool}, rollback {rollback}: {secrets:?}");
            assert_no_orphans(&model);
            let answers = read(&model, "app/0", 0, WireVersion::V1);
            for response in &answers.responses {
                let username = response.username.as_ref().expect("user").expose_secret();
                let password = response.password.as_ref().expect("pw").expose_secret();
                assert_eq!(
                    store.get(username).expect("user").password_hash,
                    password_hash(password),
                    "the published password is the server's"
                );
            }
        }
    }
}

#[test]
fn secret_add_failure_names_the_tool_and_a_retry_converges() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    model.state().fail_next("secret-add", 1);
    let valkey = model.unit("valkey/0");
    let error = Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .reconcile(&client(0), &server())
        .expect_err("secret-add fails");
    let text = error.to_string();
    assert!(
        text.contains("secret `user`: creating secret valkey-client.0.")
            && text.contains("`secret-add --label valkey-client.0.")
            && text.contains("password#file=<tempfile>")
            && text.contains("ERROR injected failure of secret-add"),
        "{text}"
    );
    reconcile(&model, &mut store, 0);
    assert_eq!(model.state().secrets().len(), 2);
    assert_no_orphans(&model);
}

/// A secret the provider names but has not granted is the provider's data, not a passing
/// failure (its grant and databag commit in one hook): `read` succeeds with a clear
/// `Problem` naming the request and the secret group, the request has no answer yet, and the
/// provider's next reconcile (which grants again) heals it. It used to fail the hook, and a
/// hook that fails on every retry stalls the unit.
#[test]
fn an_ungranted_secret_is_a_clear_problem_and_the_provider_heals_it() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    let user = model
        .state()
        .secrets()
        .into_iter()
        .find(|s| {
            s.label
                .as_deref()
                .is_some_and(|l| l.ends_with(".user.secret"))
        })
        .expect("user secret");
    let uri = SecretUri::parse(&user.uri).expect("uri");
    model
        .unit("valkey/0")
        .secret_revoke(&uri, &client(0))
        .expect("revoke");
    let answers = read(&model, "app/0", 0, WireVersion::V1);
    let problem = answers.problems.first().expect("a problem").to_string();
    assert!(
        problem.contains("permission denied") && problem.contains("secret `user`"),
        "{problem}"
    );
    assert!(
        answers.responses.iter().all(|r| r.password.is_none()),
        "no password yet"
    );
    reconcile(&model, &mut store, 0);
    let answers = read(&model, "app/0", 0, WireVersion::V1);
    assert!(answers.problems.is_empty(), "{:?}", answers.problems);
    assert!(answers.responses[0].password.is_some());
}

#[test]
fn a_lost_user_gets_a_new_password_in_the_same_secret() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    let first = read(&model, "app/0", 0, WireVersion::V1);
    let old = first.responses[0].password.clone().expect("pw");
    let names = store.usernames().expect("names");
    store.delete_users(&names).expect("lost");
    let report = reconcile(&model, &mut store, 0);
    assert_eq!(report.created.len(), 1);
    assert!(report.written_keys.is_empty(), "the databag keeps its URIs");
    let app = model.unit("app/0");
    let mut requirer = Requirer::new(&app, "cache").with_log(|_, _| {});
    let label = format!("cache.0.{}.user.secret", first.responses[0].request_id);
    let answers = requirer
        .on_secret_changed(Some(&label))
        .expect("secret-changed")
        .expect("ours");
    let new = answers.responses[0].password.clone().expect("pw");
    assert_ne!(new, old);
    assert!(matches!(
        answers.events.as_slice(),
        [Event::AuthenticationUpdated {
            request_id: Some(_),
            ..
        }]
    ));
    assert_eq!(
        requirer
            .on_secret_changed(Some("other.0.x.user.secret"))
            .expect("ignored"),
        None
    );
}

#[test]
fn relation_broken_removes_exactly_its_users_and_secrets() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    request(&model, "other/0", 1, &["other:*"], WireVersion::V0);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    reconcile(&model, &mut store, 1);
    let prefix = KeyPrefix::parse("x:*").expect("prefix");
    let password = Secret::new("pw".to_owned());
    for name in [
        "relation-10",
        "relation-10-abc",
        "relation-1x",
        "relation-11-r",
    ] {
        store.put_user(name, &password, &prefix).expect("seed");
    }
    model.state().break_relation(1);
    let follower = model.unit("valkey/1");
    let none = Provider::new(&follower, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .on_relation_broken(&client(1))
        .expect("follower");
    assert_eq!(none, None);
    let valkey = model.unit("valkey/0");
    let cleanup = Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .on_relation_broken(&client(1))
        .expect("broken")
        .expect("leader");
    assert_eq!(cleanup.revoked, ["relation-1"]);
    assert_eq!(cleanup.removed_secrets.len(), 2);
    let left = store.usernames().expect("names");
    assert_eq!(left.len(), 5, "{left:?}");
    assert!(left.iter().any(|n| n.starts_with("relation-0-")));
    let labels: Vec<String> = model
        .state()
        .secrets()
        .into_iter()
        .filter_map(|s| s.label)
        .collect();
    assert_eq!(labels.len(), 2);
    assert!(
        labels.iter().all(|l| l.starts_with("valkey-client.0.")),
        "{labels:?}"
    );
}

#[test]
fn users_of_a_relation_match_exactly() {
    let names: Vec<String> = [
        "relation-1",
        "relation-1-abc",
        "relation-10",
        "relation-10-abc",
        "relation-1x",
        "relation-100",
        "other",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_eq!(
        users_of_relation(1, &names),
        ["relation-1", "relation-1-abc"]
    );
    assert_eq!(
        users_of_relation(10, &names),
        ["relation-10", "relation-10-abc"]
    );
    assert!(users_of_relation(2, &names).is_empty());
}

#[test]
fn followers_read_but_do_not_answer() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    let follower = model.unit("valkey/1");
    let none = Provider::new(&follower, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .reconcile(&client(0), &server())
        .expect("follower");
    assert_eq!(none, None);
    assert!(store.is_empty() && provider_bag(&model, 0).is_empty());
    let waiting = read(&model, "app/1", 0, WireVersion::V1);
    assert!(waiting.responses.is_empty() && waiting.events.is_empty());
    reconcile(&model, &mut store, 0);
    let answers = read(&model, "app/1", 0, WireVersion::V1);
    assert_eq!(answers.events.len(), 1);
}

#[test]
fn a_provider_without_data_gives_responses_but_no_events() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    let update = BagUpdate::from([("data".to_owned(), None)]);
    model
        .unit("valkey/0")
        .write_app(&client(0), &update)
        .expect("drop data");
    let lines = Lines::default();
    let app = model.unit("app/0");
    let answers = Requirer::new(&app, "cache")
        .with_log(lines.sink())
        .read(&cache(0))
        .expect("read");
    assert_eq!(answers.responses.len(), 1);
    assert!(answers.events.is_empty());
    assert!(
        lines
            .all()
            .iter()
            .any(|l| l.contains("missing data to compute diffs"))
    );
}

#[test]
fn random_strings_are_alphanumeric_and_fresh() {
    let a = random_alphanumeric(32).expect("random");
    let b = random_alphanumeric(32).expect("random");
    assert_eq!(a.len(), 32);
    assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(a, b);
    let many = random_alphanumeric(4000).expect("random");
    let distinct: BTreeSet<char> = many.chars().collect();
    assert_eq!(distinct.len(), 62, "every character can come out");
}

/// `update_all` under Juju's hook transactions (the uniter applies a hook's relation data and
/// secrets only when it exits 0; juju/juju worker/uniter/runner/context `HookContext.Flush`):
/// - a hook tool failing on one relation fails the hook: Juju rolls everything back
///   (`Model::rollback` here) and runs it again, and the retry updates every relation;
/// - a relation that cannot be answered for a reason a retry does not fix (here its own app
///   databag holds garbage) is reported in `Reconciled::failed`, and the others are updated
///   in a hook that succeeds. (It used to fail the hook, which kept every relation stale.)
#[test]
fn update_all_updates_every_relation_when_one_fails() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    request(&model, "other/0", 1, &["other:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    reconcile(&model, &mut store, 1);
    let endpoints = |number| {
        let bag = provider_bag(&model, number);
        let responses: serde_json::Value =
            serde_json::from_str(&bag["requests"]).expect("responses");
        responses[0]["endpoints"].as_str().map(str::to_owned)
    };

    let mut moved = server();
    moved.endpoints = "10.0.0.7:6379".to_owned();
    let before = model.snapshot();
    model.state().fail_next("relation-set", 1);
    let valkey = model.unit("valkey/0");
    let error = Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .update_all(&moved)
        .expect_err("a failing tool fails the hook");
    assert!(error.fails_the_hook());
    assert_eq!(error.tool(), Some("relation-set"), "{error}");
    assert!(
        error.to_string().contains("relation valkey-client:0"),
        "{error}"
    );
    model.rollback(before);
    assert_eq!(
        endpoints(1).as_deref(),
        Some("10.0.0.1:6379"),
        "rolled back"
    );

    // Juju retries the hook: every relation catches up.
    let reports = Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, _| {})
        .update_all(&moved)
        .expect("retry")
        .expect("leader");
    assert_eq!(reports[0].written_keys, ["requests"]);
    assert_eq!(reports[1].written_keys, ["requests"]);
    assert_eq!(endpoints(0).as_deref(), Some("10.0.0.7:6379"));
    assert_eq!(endpoints(1).as_deref(), Some("10.0.0.7:6379"));

    // Relation 0's own databag broken beyond reading: relation 1 is updated all the same.
    let garbage = BagUpdate::from([("requests".to_owned(), Some("not json".to_owned()))]);
    valkey
        .write_app(&RelationId::new("valkey-client", 0), &garbage)
        .expect("write");
    moved.endpoints = "10.0.0.8:6379".to_owned();
    let mut lines = Vec::new();
    let reports = Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut store))
        .with_log(|_, line| lines.push(line.to_owned()))
        .update_all(&moved)
        .expect("the hook succeeds")
        .expect("leader");
    let failed = reports[0].failed.as_deref().expect("relation 0 reported");
    assert!(failed.contains("relation valkey-client:0"), "{failed}");
    assert!(reports[1].failed.is_none());
    assert_eq!(endpoints(1).as_deref(), Some("10.0.0.8:6379"));
    assert!(
        lines
            .iter()
            .any(|line| line.contains("the other relations are answered"))
    );
}

/// A unit that read its relations before secret bindings existed (an upgrade: no
/// `databag::relation::BINDINGS_KEY` in its Juju charm state) rebuilds them from the URIs its
/// diff memories hold (PROTOCOL.md §6), so a provider on another relation naming relation 0's
/// user secret (granted to this app, readable by URI: juju
/// `apiserver/facades/agent/secretsmanager/secrets.go`, `canRead`) is refused at once: `read`
/// succeeds, reports the problem in `Answers::problems`, and returns no password. Failed
/// before: the read returned relation 0's password on relation 1.
#[test]
fn an_upgraded_unit_binds_the_secrets_its_memories_name() {
    let mut state = State::new(UUID);
    state.add_app("app", 2);
    state.add_app("valkey", 2);
    state.add_app("evil", 1);
    assert_eq!(state.relate("app", "cache", "valkey", "valkey-client"), 0);
    assert_eq!(state.relate("app", "cache", "evil", "valkey-client"), 1);
    let model = Model::new(state);
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    let answers = read(&model, "app/1", 0, WireVersion::V1);
    let password = answers.responses[0].password.clone().expect("password");
    assert!(answers.problems.is_empty(), "{:?}", answers.problems);
    let user_uri = answers.responses[0].secret_user.clone().expect("uri");
    // As before the upgrade: no bindings in the unit's charm state.
    let app = model.unit("app/1");
    assert!(
        app.state_get(databag::relation::BINDINGS_KEY)
            .expect("state-get")
            .is_some()
    );
    app.state_set(databag::relation::BINDINGS_KEY, None)
        .expect("state-delete");

    request(&model, "app/0", 1, &["app:*"], WireVersion::V1);
    let ours = model.state().app_bag(1, "app").cloned().expect("requests");
    let requests: serde_json::Value = serde_json::from_str(&ours["requests"]).expect("json");
    let mut response = requests[0].clone();
    let id = response["request-id"].as_str().expect("id").to_owned();
    response["endpoints"] = "203.0.113.9:6379".into();
    response["secret-user"] = user_uri.as_str().into();
    let data = serde_json::json!({ &id: requests[0].clone() });
    let update = BagUpdate::from([
        ("version".to_owned(), Some("v1".to_owned())),
        (
            "requests".to_owned(),
            Some(serde_json::json!([response]).to_string()),
        ),
        ("data".to_owned(), Some(data.to_string())),
    ]);
    model
        .unit("evil/0")
        .write_app(&client(1), &update)
        .expect("evil writes");
    let lines = Lines(RefCell::new(Vec::new()));
    let answers = Requirer::new(&app, "cache")
        .with_log(lines.sink())
        .read(&cache(1))
        .expect("a hostile provider does not fail the read");
    assert!(
        answers
            .responses
            .iter()
            .all(|r| r.password.as_ref() != Some(&password)),
        "relation 0's password handed out on relation 1"
    );
    assert!(answers.responses.is_empty());
    assert_eq!(answers.problems.len(), 1, "{:?}", answers.problems);
    let problem = &answers.problems[0];
    assert_eq!(problem.key, "requests[0]");
    assert_eq!(problem.request_id.as_deref(), Some(id.as_str()));
    assert!(
        problem.message.contains("was delivered as cache.0."),
        "{problem}"
    );
    assert!(
        lines
            .all()
            .iter()
            .any(|l| l.starts_with("WARNING relation cache:1: provider data: requests[0]")),
        "{:?}",
        lines.all()
    );
    let (_, label) = model
        .state()
        .consumer("app/1", user_uri.as_str())
        .expect("consumer");
    assert!(
        label.is_some_and(|l| l.starts_with("cache.0.")),
        "not relabelled"
    );
}

// ---- tenancy: who owns a prefix ------------------------------------------------------------

/// `a1`, `a2`, `a3` and `a4` on relations 0-3, each with `valkey`; one unit each.
fn tenants() -> Model {
    let mut state = State::new(UUID);
    for app in ["a1", "a2", "a3", "a4", "valkey"] {
        state.add_app(app, 1);
    }
    for (number, app) in ["a1", "a2", "a3", "a4"].iter().enumerate() {
        assert_eq!(
            state.relate(app, "cache", "valkey", "valkey-client"),
            number as u32
        );
    }
    Model::new(state)
}

/// How a test sets up the policy (sharing, retention).
type Setup = fn(ValkeyPolicy<'_>) -> ValkeyPolicy<'_>;

/// The provider, its policy set up by `setup`, answers relation `number`.
fn reconcile_with(
    model: &Model,
    store: &mut MemoryUserStore,
    setup: Setup,
    number: u32,
) -> Reconciled {
    let backend = model.unit("valkey/0");
    Provider::new(&backend, "valkey-client", setup(ValkeyPolicy::new(store)))
        .with_log(|_, _| {})
        .reconcile(&client(number), &server())
        .expect("reconcile")
        .expect("leader")
}

/// relation-broken of relation `number` on the provider, its policy set up by `setup`.
fn broken_with(
    model: &Model,
    store: &mut MemoryUserStore,
    setup: Setup,
    number: u32,
) -> Vec<String> {
    model.state().break_relation(number);
    let backend = model.unit("valkey/0");
    Provider::new(&backend, "valkey-client", setup(ValkeyPolicy::new(store)))
        .with_log(|_, _| {})
        .on_relation_broken(&client(number))
        .expect("broken")
        .expect("leader")
        .revoked
}

fn codes(report: &Reconciled) -> Vec<i64> {
    report.refused.iter().map(|r| r.code).collect()
}

fn prefix(text: &str) -> KeyPrefix {
    KeyPrefix::parse(text).expect("valid prefix")
}

/// The issue's case: `app2:*`, `app*` and `app2:*` asked on three relations at once. The
/// first is granted and owned by `a1`; the others overlap it and are refused with 5101, a
/// status naming the prefix and its owner; nothing is created for them. `*` overlaps
/// everything; `:*` and `.*` overlap nothing granted.
#[test]
fn a_prefix_overlapping_another_applications_is_refused() {
    let model = tenants();
    let mut store = MemoryUserStore::new();
    request(&model, "a1/0", 0, &["app2:*"], WireVersion::V1);
    request(&model, "a2/0", 1, &["app*", ":*", "*"], WireVersion::V1);
    request(&model, "a3/0", 2, &["app2:*", ".*", "a*"], WireVersion::V1);
    assert_eq!(reconcile(&model, &mut store, 0).answered.len(), 1);
    let second = reconcile(&model, &mut store, 1);
    let third = reconcile(&model, &mut store, 2);
    assert_eq!(
        codes(&second),
        [status_codes::PREFIX_CONFLICT, status_codes::PREFIX_CONFLICT]
    );
    assert_eq!(second.answered.len(), 1, "`:*` overlaps nothing granted");
    assert_eq!(
        codes(&third),
        [status_codes::PREFIX_CONFLICT, status_codes::PREFIX_CONFLICT]
    );
    assert_eq!(third.answered.len(), 1, "`.*` overlaps nothing granted");
    assert_eq!(status_codes::PREFIX_CONFLICT / 1000, 5, "a fatal status");
    // One user per granted request: `app2:*` for a1, `:*` for a2, `.*` for a3.
    assert_eq!(store.len(), 3);
    let owners: Vec<(String, String, Option<u32>)> = store
        .owner_records()
        .iter()
        .map(|o| (o.prefix.to_string(), o.app.clone(), o.relation))
        .collect();
    assert_eq!(
        owners,
        [
            (".*".to_owned(), "a3".to_owned(), Some(2)),
            (":*".to_owned(), "a2".to_owned(), Some(1)),
            ("app2:*".to_owned(), "a1".to_owned(), Some(0)),
        ]
    );
    let reason = &second.refused[0].reason;
    assert!(
        reason.contains(
            r#"prefix "app*" overlaps "app2:*", granted to application `a1` on relation 0"#
        ),
        "{reason}"
    );
    // The requirer hears it as a status with its resolution.
    let bag = provider_bag(&model, 1);
    let statuses: serde_json::Value = serde_json::from_str(&bag["status"]).expect("status");
    assert_eq!(statuses[0]["code"], 5101);
    let answers = read(&model, "a2/0", 1, WireVersion::V1);
    let raised: Vec<i64> = answers
        .events
        .iter()
        .filter_map(|e| match e {
            Event::StatusRaised { status, .. } => Some(status.code),
            _ => None,
        })
        .collect();
    assert_eq!(raised, [5101]);
    assert!(
        statuses[0]["resolution"]
            .as_str()
            .is_some_and(|r| r.contains("allow sharing")),
        "{statuses}"
    );
    // Answered again (update_all): a1 keeps its grant, the others stay refused.
    assert!(reconcile(&model, &mut store, 0).refused.is_empty());
    assert_eq!(codes(&reconcile(&model, &mut store, 1)).len(), 2);
}

/// One application's requests may overlap each other, on one relation or several; another
/// application's may when the provider allows sharing, and ownership is still recorded.
#[test]
fn one_applications_requests_may_overlap_and_sharing_is_a_setting() {
    let model = tenants();
    let second = model
        .state()
        .relate("a1", "jobs", "valkey", "valkey-client");
    let mut store = MemoryUserStore::new();
    request(&model, "a1/0", 0, &["app:*", "app:jobs:*"], WireVersion::V1);
    let report = reconcile(&model, &mut store, 0);
    assert_eq!(report.answered.len(), 2);
    assert!(report.refused.is_empty());
    Requirer::new(&model.unit("a1/0"), "jobs")
        .with_log(|_, _| {})
        .request(&RelationId::new("jobs", second), &["app*"])
        .expect("request");
    let report = reconcile(&model, &mut store, second);
    assert_eq!((report.answered.len(), report.refused.len()), (1, 0));

    request(&model, "a2/0", 1, &["app:shared:*"], WireVersion::V1);
    assert_eq!(
        codes(&reconcile(&model, &mut store, 1)),
        [status_codes::PREFIX_CONFLICT]
    );
    let report = reconcile_with(&model, &mut store, |p| p.with_sharing(true), 1);
    assert_eq!((report.answered.len(), report.refused.len()), (1, 0));
    assert!(
        store
            .owner_records()
            .iter()
            .any(|o| o.app == "a2" && o.prefix == prefix("app:shared:*"))
    );
}

/// Keep (the default): relation-broken deletes the users and keeps the keys for the
/// application: another application asking for an overlapping prefix is refused, naming the
/// application the keys are kept for; the same application related again gets the prefix
/// (and its keys) back; `discard_kept` ends it.
#[test]
fn kept_keys_go_back_only_to_the_same_application() {
    let model = tenants();
    let mut store = MemoryUserStore::new();
    request(&model, "a1/0", 0, &["app:*"], WireVersion::V1);
    reconcile(&model, &mut store, 0);
    let revoked = broken_with(&model, &mut store, |p| p, 0);
    assert_eq!(revoked.len(), 1, "the user goes");
    assert!(store.is_empty());
    assert!(store.deleted_prefixes().is_empty(), "no key is deleted");
    let kept: Vec<_> = store.owner_records().iter().cloned().collect();
    assert_eq!(
        kept,
        [valkey_client::valkey::PrefixOwner::kept(
            prefix("app:*"),
            "a1"
        )]
    );

    request(&model, "a2/0", 1, &["app:*"], WireVersion::V1);
    let refused = reconcile(&model, &mut store, 1);
    assert_eq!(codes(&refused), [status_codes::PREFIX_CONFLICT]);
    assert!(
        refused.refused[0]
            .reason
            .contains("whose keys are kept for application `a1` after its relation ended"),
        "{}",
        refused.refused[0].reason
    );

    // a1 comes back on a new relation: its prefix, its keys.
    let again = model
        .state()
        .relate("a1", "cache", "valkey", "valkey-client");
    request(&model, "a1/0", again, &["app:*"], WireVersion::V1);
    let report = reconcile(&model, &mut store, again);
    assert_eq!((report.answered.len(), report.refused.len()), (1, 0));
    let owners: Vec<_> = store.owner_records().iter().cloned().collect();
    assert_eq!(
        owners,
        [valkey_client::valkey::PrefixOwner::live(
            prefix("app:*"),
            "a1",
            again
        )]
    );

    // Gone for good: the operator discards what is kept.
    broken_with(&model, &mut store, |p| p, again);
    let discarded = ValkeyPolicy::new(&mut store)
        .discard_kept("a1")
        .expect("discard");
    assert_eq!(discarded, [prefix("app:*")]);
    assert_eq!(store.deleted_prefixes(), [prefix("app:*")]);
    assert!(store.owner_records().is_empty());
    assert_eq!(reconcile(&model, &mut store, 1).answered.len(), 1);
}

/// Delete: relation-broken deletes the users, then the keys under each prefix the relation
/// owned, unless a prefix of another relation overlaps it (keys another application shares
/// stay until the last one ends), and forgets the ownership: the next application starts empty.
#[test]
fn delete_retention_removes_the_keys_unless_another_relation_shares_them() {
    let model = tenants();
    let mut store = MemoryUserStore::new();
    let delete: Setup = |p| p.with_retention(Retention::Delete);
    let sharing: Setup = |p| p.with_sharing(true).with_retention(Retention::Delete);
    request(&model, "a1/0", 0, &["app:*", "app:jobs:*"], WireVersion::V1);
    request(&model, "a2/0", 1, &["other:*"], WireVersion::V1);
    request(&model, "a3/0", 2, &["shared:*"], WireVersion::V1);
    request(&model, "a4/0", 3, &["shared:*"], WireVersion::V1);
    reconcile(&model, &mut store, 0);
    reconcile(&model, &mut store, 1);
    reconcile(&model, &mut store, 2);
    assert_eq!(
        reconcile_with(&model, &mut store, sharing, 3)
            .answered
            .len(),
        1
    );

    // Both prefixes of relation 0 end together: both are deleted, `other:*` is untouched.
    assert_eq!(broken_with(&model, &mut store, delete, 0).len(), 2);
    assert_eq!(
        store.deleted_prefixes(),
        [prefix("app:*"), prefix("app:jobs:*")]
    );
    // `shared:*` is still a4's: a3's end deletes nothing; a4's end deletes the keys.
    broken_with(&model, &mut store, sharing, 2);
    assert_eq!(store.deleted_prefixes().len(), 2);
    broken_with(&model, &mut store, sharing, 3);
    assert_eq!(store.deleted_prefixes().last(), Some(&prefix("shared:*")));
    let owners: Vec<_> = store
        .owner_records()
        .iter()
        .map(|o| o.app.clone())
        .collect();
    assert_eq!(owners, ["a2"]);
    // Nothing is kept for a1: another application may have `app:*` now.
    let again = model
        .state()
        .relate("a3", "cache", "valkey", "valkey-client");
    request(&model, "a3/0", again, &["app:*"], WireVersion::V1);
    assert_eq!(reconcile(&model, &mut store, again).answered.len(), 1);
}

// ---- hook tool calls: what a requirer hook costs -------------------------------------------

/// The hook tools one call made, by tool (`relation-get` → 3).
fn tally(calls: &[databag::juju::ToolCall]) -> std::collections::BTreeMap<String, usize> {
    let mut tally = std::collections::BTreeMap::new();
    for call in calls {
        *tally.entry(call.tool.clone()).or_insert(0) += 1;
    }
    tally
}

fn counts(pairs: &[(&str, usize)]) -> std::collections::BTreeMap<String, usize> {
    pairs.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()
}

/// relation-changed on the requirer, as Juju runs it (`JUJU_REMOTE_APP` set): its answers and
/// the hook tools it called.
fn relation_changed(
    model: &Model,
    unit: &str,
    number: u32,
) -> (Answers, Vec<databag::juju::ToolCall>) {
    model.take_calls();
    let backend = model.relation_hook_unit(unit, &cache(number));
    let answers = Requirer::new(&backend, "cache")
        .with_log(|_, _| {})
        .read(&cache(number))
        .expect("read");
    (answers, model.take_calls())
}

/// A requirer reads a secret only when its URI is new or a secret-changed names it; otherwise
/// it works from what it read before, kept in its Juju charm state. Juju keeps a consumer on
/// the revision it tracks until it refreshes (juju
/// `apiserver/facades/agent/secretsmanager/secrets.go`, `getConsumedRevision`), so what it
/// read is what `secret-get` would say. Measured for 1 and 50 requests (a user and a tls
/// secret each), on the leader and on another unit: the first answer reads each secret once
/// (it read each twice, `--peek` then `--refresh`, on every hook: 210 calls for 50); a hook
/// where nothing changed makes 4 calls (206 before): one `relation-get` per databag (the
/// provider's, ours, our unit's) and one `state-get`.
#[test]
fn a_requirer_hook_calls_few_hook_tools() {
    for n in [1usize, 50] {
        let model = model();
        let prefixes: Vec<String> = (0..n).map(|i| format!("p{i}:*")).collect();
        let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        request(&model, "app/0", 0, &prefixes, WireVersion::V1);
        let mut store = MemoryUserStore::new();
        reconcile(&model, &mut store, 0);
        for unit in ["app/0", "app/1"] {
            let (answers, calls) = relation_changed(&model, unit, 0);
            assert_eq!(answers.responses.len(), n, "{unit}");
            assert!(answers.responses.iter().all(|r| r.password.is_some()));
            assert!(answers.problems.is_empty(), "{:?}", answers.problems);
            // relation-ids and one relation-get: the first read of a unit without secret
            // bindings looks for URIs in its diff memories (an upgraded unit).
            let first = counts(&[
                ("relation-get", 4),
                ("relation-ids", 1),
                ("state-get", 1),
                ("secret-ids", 1),
                ("secret-get", 2 * n),
                ("state-set", 1),
                ("relation-set", 1),
            ]);
            assert_eq!(tally(&calls), first, "{unit}, {n} request(s), first answer");
            let gets: BTreeSet<&String> = calls
                .iter()
                .filter(|c| c.tool == "secret-get")
                .map(|c| &c.args[1])
                .collect();
            assert_eq!(gets.len(), 2 * n, "each secret read once");
            assert!(
                calls
                    .iter()
                    .filter(|c| c.tool == "secret-get")
                    .all(|c| !c.args.iter().any(|a| a == "--peek" || a == "--refresh")),
                "the revision a first read tracks: the latest"
            );
            eprintln!(
                "{unit}, {n} request(s): first answer {} hook tool calls",
                calls.len()
            );

            let (again, calls) = relation_changed(&model, unit, 0);
            assert_eq!(
                tally(&calls),
                counts(&[("relation-get", 3), ("state-get", 1)]),
                "{unit}, {n} request(s), nothing changed: {calls:?}"
            );
            assert!(calls.len() <= 4);
            assert_eq!(again.responses, answers.responses, "the same answers");
            assert!(again.events.is_empty());
        }
    }
}

/// secret-changed reads the secret it names, and only that one (`--peek`, then `--refresh`
/// once its answer decoded); every other secret comes from what the unit kept. Then
/// relation-changed is back to 4 calls, with the new content.
#[test]
fn secret_changed_reads_only_the_secret_it_names() {
    let model = model();
    let prefixes: Vec<String> = (0..50).map(|i| format!("p{i}:*")).collect();
    let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
    request(&model, "app/0", 0, &prefixes, WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    let (answers, _) = relation_changed(&model, "app/1", 0);
    let target = &answers.responses[17];
    let uri = target.secret_user.clone().expect("user uri");
    let content = SecretContent::from([
        ("username".to_owned(), "relation-0-renamed".to_owned()),
        (
            "password".to_owned(),
            "a-new-password-for-request-17".to_owned(),
        ),
    ]);
    model
        .state()
        .secret_set("valkey/0", uri.as_str(), Some(&content), None)
        .expect("new revision");

    model.take_calls();
    let app = model.unit("app/1");
    let label = format!("cache.0.{}.user.secret", target.request_id);
    let changed = Requirer::new(&app, "cache")
        .with_log(|_, _| {})
        .on_secret_changed(Some(&label))
        .expect("secret-changed")
        .expect("ours");
    let calls = model.take_calls();
    let gets: Vec<&databag::juju::ToolCall> =
        calls.iter().filter(|c| c.tool == "secret-get").collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert!(gets.iter().all(|c| c.args[1] == uri.as_str()), "{gets:?}");
    assert_eq!(gets[0].args.last().map(String::as_str), Some("--peek"));
    assert_eq!(gets[1].args.last().map(String::as_str), Some("--refresh"));
    assert_eq!(
        tally(&calls),
        counts(&[
            ("relation-ids", 1),
            ("relation-list", 1),
            ("relation-get", 3),
            ("state-get", 1),
            // A secret read anew is checked against the ones this application owns.
            ("secret-ids", 1),
            ("secret-get", 2),
            ("state-set", 1),
        ]),
        "{calls:?}"
    );
    eprintln!(
        "secret-changed, 50 requests: {} hook tool calls",
        calls.len()
    );
    let password = |answers: &Answers, id: &str| {
        answers
            .response(id)
            .and_then(|r| r.password.as_ref())
            .map(|p| p.expose_secret().clone())
    };
    assert_eq!(
        password(&changed, &target.request_id).as_deref(),
        Some("a-new-password-for-request-17")
    );
    assert!(changed.events.iter().any(|e| matches!(
        e,
        Event::AuthenticationUpdated { request_id: Some(id), .. } if *id == target.request_id
    )));
    let (after, calls) = relation_changed(&model, "app/1", 0);
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(
        password(&after, &target.request_id).as_deref(),
        Some("a-new-password-for-request-17"),
        "kept"
    );
    assert_eq!(
        model.state().consumer("app/1", uri.as_str()).map(|c| c.0),
        Some(2),
        "tracks the new revision"
    );
}

/// A provider replacing a request's secret with a new URI (PROTOCOL.md §11.4): the new URI is
/// read (by URI alone: Juju keeps the consumer label on the old secret), bound to the same
/// label, kept; what was kept of the old one is deleted from the unit's charm state; the next
/// hook is back to 4 calls. A secret-changed for the new secret, which has no consumer label,
/// is found through its binding (`on_secret_changed_for`).
#[test]
fn a_replaced_secret_is_read_once_and_the_old_one_forgotten() {
    let model = model();
    request(&model, "app/0", 0, &["app:*", "jobs:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    let (answers, _) = relation_changed(&model, "app/1", 0);
    let target = answers.responses[1].clone();
    let old = target.secret_user.clone().expect("user uri");
    let content = SecretContent::from([
        ("username".to_owned(), "relation-0-other".to_owned()),
        (
            "password".to_owned(),
            "the-password-of-a-new-secret".to_owned(),
        ),
    ]);
    let valkey = model.unit("valkey/0");
    let new = valkey
        .secret_add(&content, None, SecretOwner::Application)
        .expect("secret-add");
    valkey.secret_grant(&new, &client(0)).expect("grant");
    let bag = provider_bag(&model, 0);
    let mut requests: serde_json::Value = serde_json::from_str(&bag["requests"]).expect("requests");
    requests[1]["secret-user"] = new.as_str().into();
    valkey
        .write_app(
            &client(0),
            &BagUpdate::from([("requests".to_owned(), Some(requests.to_string()))]),
        )
        .expect("provider write");
    let old_key = format!("{}{}", databag::relation::CACHE_PREFIX, old.id());
    let new_key = format!("{}{}", databag::relation::CACHE_PREFIX, new.id());
    let app = model.unit("app/1");
    assert!(app.state_get(&old_key).expect("state-get").is_some());

    let (answers, calls) = relation_changed(&model, "app/1", 0);
    assert!(answers.problems.is_empty(), "{:?}", answers.problems);
    let response = answers.response(&target.request_id).expect("answered");
    assert_eq!(
        response
            .password
            .as_ref()
            .map(|p| p.expose_secret().as_str()),
        Some("the-password-of-a-new-secret")
    );
    let gets: Vec<&databag::juju::ToolCall> =
        calls.iter().filter(|c| c.tool == "secret-get").collect();
    assert!(gets.iter().all(|c| c.args[1] == new.as_str()), "{gets:?}");
    assert_eq!(
        tally(&calls),
        counts(&[
            ("relation-get", 3),
            ("state-get", 1),
            ("secret-ids", 1),
            // With the label first (Juju refuses: it stays on the old secret), then by URI.
            ("secret-get", 2),
            ("state-set", 1),
            ("state-delete", 1),
            ("relation-set", 1),
        ]),
        "{calls:?}"
    );
    assert_eq!(app.state_get(&old_key).expect("state-get"), None);
    assert!(app.state_get(&new_key).expect("state-get").is_some());
    let (_, calls) = relation_changed(&model, "app/1", 0);
    assert_eq!(calls.len(), 4, "{calls:?}");

    // A new revision of the new secret: secret-changed without a consumer label.
    let rotated = SecretContent::from([
        ("username".to_owned(), "relation-0-other".to_owned()),
        ("password".to_owned(), "the-next-password".to_owned()),
    ]);
    valkey.secret_set(&new, &rotated).expect("secret-set");
    let changed = Requirer::new(&app, "cache")
        .with_log(|_, _| {})
        .on_secret_changed_for(&new, None)
        .expect("secret-changed")
        .expect("ours, by its binding");
    assert_eq!(
        changed
            .response(&target.request_id)
            .and_then(|r| r.password.as_ref())
            .map(|p| p.expose_secret().as_str()),
        Some("the-next-password")
    );
}

/// What a unit keeps of secrets stays in its charm state only: never in a databag; `forget`
/// (relation-broken) deletes it; with the cache off nothing is kept and each hook reads each
/// secret once, at the revision the unit tracks.
#[test]
fn kept_secrets_stay_in_charm_state_and_go_with_the_relation() {
    let model = model();
    request(&model, "app/0", 0, &["app:*"], WireVersion::V1);
    let mut store = MemoryUserStore::new();
    reconcile(&model, &mut store, 0);
    relation_changed(&model, "app/0", 0);
    let app = model.unit("app/0");
    let kept = |backend: &dyn Backend| {
        backend
            .state_get_all()
            .expect("state-get")
            .into_keys()
            .filter(|k| k.starts_with(databag::relation::CACHE_PREFIX))
            .count()
    };
    assert_eq!(kept(&app), 2, "user and tls");
    assert_no_secret_values(&model, &[]);
    // No value on a command line: the contents went to `state-set --file -` on stdin.
    let forgotten = Requirer::new(&app, "cache")
        .with_log(|_, _| {})
        .forget(&cache(0))
        .expect("forget");
    assert_eq!(forgotten, 2);
    assert_eq!(kept(&app), 0);
    assert!(
        app.state_get(databag::relation::BINDINGS_KEY)
            .expect("state-get")
            .is_some(),
        "the bindings stay"
    );

    model.take_calls();
    for _ in 0..2 {
        let answers = Requirer::new(&app, "cache")
            .with_log(|_, _| {})
            .with_secret_cache(false)
            .read(&cache(0))
            .expect("read");
        assert!(answers.responses[0].password.is_some());
    }
    let calls = model.take_calls();
    let gets: Vec<_> = calls.iter().filter(|c| c.tool == "secret-get").collect();
    assert_eq!(gets.len(), 4, "each secret once per hook");
    assert!(
        gets.iter()
            .all(|c| !c.args.iter().any(|a| a == "--peek" || a == "--refresh"))
    );
    assert_eq!(kept(&app), 0);
}
