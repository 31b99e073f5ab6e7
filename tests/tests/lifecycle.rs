//! The `valkey_client` relation lifecycle end to end: the example charms
//! (`valkey_requirer_charm`, `valkey_provider_charm`, hook-tool backend) run as real hook
//! processes against the emulated Juju CLI (`juju_emu`): relation created → joined → changed
//! on both sides → the requirer holds resolved credentials → relation broken → the provider
//! has cleaned up. For v1 and v0 requirers, with one and several requests; with injected
//! failures and their retries; with no secret value in any databag or log line; and once with
//! a real valkey-server behind the provider charm.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use databag::juju::{BagUpdate, RelationId, State, WorkloadStatus};
use databag::testing::{EmuModel, Hook, HookRun};
use serde_json::{Value, json};
use valkey_client::valkey::acl::password_hash;

const UUID: &str = "7d3f9a1c-2b4e-4f6a-8c0d-1e2f3a4b5c6d";
const EMULATOR: &str = env!("CARGO_BIN_EXE_juju_emu");
const REQUIRER: &str = env!("CARGO_BIN_EXE_valkey_requirer_charm");
const PROVIDER: &str = env!("CARGO_BIN_EXE_valkey_provider_charm");
const CA: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBlifecycleTestCertificateBody42\n-----END CERTIFICATE-----";

/// One requirer application: name, wire version, prefixes.
type App<'a> = (&'a str, &'a str, &'a [&'a str]);

/// An emulated model: `valkey` (2 units, `valkey/0` leads) related on `valkey-client` to each
/// requirer app (2 units, endpoint `cache`), relation `n` for the `n`-th app.
struct World {
    _dir: tempfile::TempDir,
    model: EmuModel,
    /// Every line any hook printed.
    output: RefCell<Vec<String>>,
    /// Every password and CA the model held at any point.
    secrets: RefCell<BTreeSet<String>>,
    /// Whether hooks run the packed charms' `dispatch` in each unit's charm directory.
    packed: std::cell::Cell<bool>,
}

impl World {
    fn new(apps: &[App]) -> Self {
        Self::with(apps, |_| {})
    }

    /// As [`World::new`], with `more` adding to the model before it starts (another provider
    /// app, related after the requirer apps).
    fn with(apps: &[App], more: impl FnOnce(&mut State)) -> Self {
        let mut state = State::new(UUID);
        state.add_app("valkey", 2);
        for (number, (app, _, _)) in apps.iter().enumerate() {
            state.add_app(app, 2);
            let related = state.relate(app, "cache", "valkey", "valkey-client");
            assert_eq!(related as usize, number);
        }
        more(&mut state);
        let dir = tempfile::tempdir().expect("tempdir");
        let model = EmuModel::new(dir.path(), Path::new(EMULATOR), &state).expect("model");
        let world = World {
            _dir: dir,
            model,
            output: RefCell::new(Vec::new()),
            secrets: RefCell::new(BTreeSet::new()),
            packed: std::cell::Cell::new(false),
        };
        for (app, version, prefixes) in apps {
            world.configure_requirer(app, version, prefixes);
        }
        world.configure_server(&json!({
            "endpoints": "10.0.0.1:6379",
            "read-only-endpoints": "10.0.0.2:6379",
            "sentinel-endpoints": "10.0.0.1:26379,10.0.0.2:26379",
            "version": "9.0.1",
            "tls": false,
        }));
        world
    }

    fn write(&self, unit: &str, file: &str, value: &Value) {
        let dir = self.model.charm_dir(unit);
        std::fs::create_dir_all(&dir).expect("charm dir");
        std::fs::write(dir.join(file), value.to_string()).expect("write");
    }

    fn read(&self, unit: &str, file: &str) -> Value {
        let path = self.model.charm_dir(unit).join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).expect("json"),
            Err(_) => json!({}),
        }
    }

    /// The requirer's options, as `juju config APP version=.. prefixes=..` sets them.
    fn configure_requirer(&self, app: &str, version: &str, prefixes: &[&str]) {
        let options = json!({"version": version, "prefixes": prefixes.join(",")});
        let Value::Object(options) = options else {
            unreachable!("a JSON object literal")
        };
        self.model.update(|state| state.set_config(app, options));
    }

    /// From now on, hooks run the unpacked charms' `./dispatch` instead of the binaries.
    fn deploy_packed(&self) {
        self.packed.set(true);
    }

    fn configure_server(&self, server: &Value) {
        for unit in units("valkey") {
            self.write(&unit, "server.json", server);
        }
    }

    /// Runs a hook (rolled back on failure, as Juju does) and records what it printed. The
    /// `juju-log` lines of the hook are appended to its stderr: together they are what an
    /// operator reads of a hook in `juju debug-log`.
    fn run(&self, hook: &Hook, unit: &str, rollback: bool) -> HookRun {
        let program = if self.packed.get() {
            self.model.charm_dir(unit).join("dispatch")
        } else if unit.starts_with("valkey/") {
            PathBuf::from(PROVIDER)
        } else {
            PathBuf::from(REQUIRER)
        };
        let logged = self.model.log().len();
        let mut run = self
            .model
            .run_hook_with(&program, hook, rollback)
            .expect("hook process");
        for line in self.model.log().iter().skip(logged) {
            run.stderr.push_str(line);
            run.stderr.push('\n');
        }
        self.output.borrow_mut().extend(
            run.stdout
                .lines()
                .chain(run.stderr.lines())
                .map(str::to_owned),
        );
        self.harvest();
        run
    }

    /// Runs a hook that must succeed.
    fn hook(&self, unit: &str, name: &str, relation: u32) -> HookRun {
        let run = self.run(&Hook::new(unit, name).relation(relation), unit, true);
        assert!(run.success, "{unit} {name} failed:\n{}", run.stderr);
        run
    }

    /// secret-changed on `unit` for the consumed secret `uri`, labelled `label`, as Juju runs
    /// it for a new revision; must succeed.
    fn secret_changed(&self, unit: &str, uri: &str, label: &str) -> HookRun {
        let hook = Hook::new(unit, "secret-changed")
            .var("JUJU_SECRET_ID", uri)
            .var("JUJU_SECRET_LABEL", label);
        let run = self.run(&hook, unit, true);
        assert!(run.success, "{unit} secret-changed failed:\n{}", run.stderr);
        run
    }

    /// Runs a hook that must fail; returns its stderr.
    fn failing(&self, hook: Hook, unit: &str, rollback: bool) -> String {
        let run = self.run(&hook, unit, rollback);
        assert!(
            !run.success,
            "{unit}: the hook should fail:\n{}",
            run.stderr
        );
        assert_eq!(run.status, Some(1));
        run.stderr
    }

    /// Remembers every password and CA of every secret revision now in the model.
    fn harvest(&self) {
        let state = self.model.state();
        let mut secrets = self.secrets.borrow_mut();
        for secret in state.secrets() {
            for revision in 1..=secret.revision {
                for (key, value) in state
                    .secret_content(&secret.uri, Some(revision))
                    .into_iter()
                    .flatten()
                {
                    if key == "password" || key == "tls-ca" {
                        secrets.insert(value.clone());
                    }
                }
            }
        }
    }

    /// created (both sides), joined (both sides), changed on the provider then the requirer.
    fn relate(&self, number: u32, app: &str) {
        self.requested(number, app);
        for unit in units("valkey") {
            self.hook(&unit, "valkey-client-relation-joined", number);
        }
        for unit in units("valkey") {
            self.hook(&unit, "valkey-client-relation-changed", number);
        }
        for unit in units(app) {
            self.hook(&unit, "cache-relation-changed", number);
        }
    }

    /// created on both sides (the provider first: it finds no request yet), then joined on
    /// the requirer side: the requests are written, the provider has not seen them.
    fn requested(&self, number: u32, app: &str) {
        for unit in units("valkey") {
            self.hook(&unit, "valkey-client-relation-created", number);
        }
        for unit in units(app) {
            self.hook(&unit, "cache-relation-created", number);
        }
        for unit in units(app) {
            self.hook(&unit, "cache-relation-joined", number);
        }
    }

    /// relation-broken on both sides, then the relation goes away.
    fn unrelate(&self, number: u32, app: &str) {
        self.model.update(|state| state.break_relation(number));
        for unit in units(app) {
            self.hook(&unit, "cache-relation-broken", number);
        }
        for unit in units("valkey") {
            self.hook(&unit, "valkey-client-relation-broken", number);
        }
        self.model.update(|state| state.remove_relation(number));
    }

    fn bag(&self, number: u32, app: &str) -> databag::Bag {
        self.model
            .state()
            .app_bag(number, app)
            .cloned()
            .unwrap_or_default()
    }

    /// The provider's responses on relation `number` (v1).
    fn responses(&self, number: u32) -> Vec<Value> {
        let bag = self.bag(number, "valkey");
        let requests = bag.get("requests").expect("provider requests");
        let value: Value = serde_json::from_str(requests).expect("json");
        value.as_array().cloned().expect("list")
    }

    /// The valkey-owned secrets, `(label, uri, revision, granted on)`.
    fn provider_secrets(&self) -> Vec<(String, String, u32, Vec<u32>)> {
        self.model
            .state()
            .secrets()
            .into_iter()
            .filter(|s| s.owner_app == "valkey")
            .map(|s| (s.label.unwrap_or_default(), s.uri, s.revision, s.granted_on))
            .collect()
    }

    fn users(&self) -> Value {
        self.read("valkey/0", "users.json")
    }

    /// The workload's connection details on `unit` for relation `number`.
    fn connection(&self, unit: &str, number: u32, key: &str) -> Value {
        self.read(unit, "valkey-connections.json")[format!("cache:{number}")][key].clone()
    }

    /// The connection on `unit` holds the user and password the server knows.
    fn assert_connected(&self, unit: &str, number: u32, key: &str, username: &str, prefix: &str) {
        let connection = self.connection(unit, number, key);
        assert_eq!(connection["username"], username, "{unit}: {connection}");
        assert_eq!(connection["prefix"], prefix);
        let password = connection["password"].as_str().expect("password");
        assert_eq!(password.len(), 32);
        let users = self.users();
        let acl = users[username]["acl"].as_str().expect("user on the server");
        assert!(
            acl.starts_with(&format!(
                "user {username} on resetpass {}",
                password_hash(password)
            )),
            "{acl}"
        );
        assert!(acl.contains(&format!("~{prefix} &{prefix}")), "{acl}");
        assert!(
            self.secrets.borrow().contains(password),
            "read from a secret"
        );
    }

    /// Each valkey secret once per label, and named by a databag.
    fn assert_no_orphans(&self) {
        let state = self.model.state();
        let secrets = self.provider_secrets();
        let labels: BTreeSet<&String> = secrets.iter().map(|s| &s.0).collect();
        assert_eq!(labels.len(), secrets.len(), "duplicate labels: {secrets:?}");
        let values: Vec<String> = state
            .all_bags()
            .into_iter()
            .flat_map(|(_, _, bag)| bag.into_values())
            .collect();
        for (label, uri, _, granted) in &secrets {
            let id = databag::juju::state::secret_id(uri);
            assert!(
                values.iter().any(|value| value.contains(id)),
                "orphan: {label} ({uri})"
            );
            assert!(!granted.is_empty(), "{label} is granted to no relation");
        }
    }

    /// No password or CA in any databag, hook output, `juju-log` line or tool command line.
    fn assert_no_leaks(&self) {
        let secrets = self.secrets.borrow();
        assert!(!secrets.is_empty(), "no secret values to look for");
        let leaks = |text: &str| secrets.iter().any(|secret| text.contains(secret.as_str()));
        for (number, owner, bag) in self.model.state().all_bags() {
            for (key, value) in bag {
                assert!(!leaks(&value), "relation {number}, {owner}: `{key}` leaks");
            }
        }
        let output = self.output.borrow();
        assert!(output.len() > 10, "the hooks logged");
        for line in output.iter().chain(self.model.log().iter()) {
            assert!(!leaks(line), "log line leaks: {line}");
        }
        for call in self.model.calls() {
            assert!(!call.args.iter().any(|arg| leaks(arg)), "{call:?}");
        }
    }

    fn output_contains(&self, text: &str) -> bool {
        self.output.borrow().iter().any(|line| line.contains(text))
    }
}

fn units(app: &str) -> [String; 2] {
    [format!("{app}/0"), format!("{app}/1")]
}

fn ids(responses: &[Value]) -> Vec<String> {
    responses
        .iter()
        .map(|r| r["request-id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn v1_requirer_with_one_request() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    world.relate(0, "app");
    let requirer = world.bag(0, "app");
    assert_eq!(requirer["version"], "v1");
    let requests: Value = serde_json::from_str(&requirer["requests"]).expect("json");
    let id = requests[0]["request-id"].as_str().expect("id").to_owned();
    let salt = requests[0]["salt"].as_str().expect("salt");
    assert_eq!(id, databag::wire::request_id("app:*", salt));

    let provider = world.bag(0, "valkey");
    assert_eq!(provider["version"], "v1");
    let responses = world.responses(0);
    assert_eq!(ids(&responses), std::slice::from_ref(&id));
    assert_eq!(responses[0]["endpoints"], "10.0.0.1:6379");
    assert_eq!(responses[0]["version"], "9.0.1");
    let data: Value = serde_json::from_str(&provider["data"]).expect("data");
    assert_eq!(data[&id]["resource"], "app:*");

    let secrets = world.provider_secrets();
    let labels: BTreeSet<String> = secrets.iter().map(|s| s.0.clone()).collect();
    assert_eq!(
        labels,
        BTreeSet::from([
            format!("valkey-client.0.{id}.tls.secret"),
            format!("valkey-client.0.{id}.user.secret"),
        ])
    );
    assert!(
        secrets.iter().all(|s| s.3 == [0]),
        "granted on the relation"
    );
    let username = format!("relation-0-{id}");
    for unit in units("app") {
        world.assert_connected(&unit, 0, &id, &username, "app:*");
        assert!(world.output_contains(&format!("resource_created({id})")));
        // The charm tells the operator through `status-set`, as the emulator records it.
        assert_eq!(
            world.model.state().status(&unit),
            Some(&WorkloadStatus::Active("1 Valkey connection(s)".to_owned()))
        );
        let user_uri = responses[0]["secret-user"].as_str().expect("uri");
        assert_eq!(
            world
                .model
                .state()
                .consumer(&unit, user_uri)
                .and_then(|c| c.1),
            Some(format!("cache.0.{id}.user.secret")),
            "the reference's consumer label"
        );
    }
    world.assert_no_orphans();

    world.unrelate(0, "app");
    assert!(world.provider_secrets().is_empty(), "secrets removed");
    assert_eq!(world.users(), json!({}), "users deleted");
    assert!(world.connection("app/0", 0, &id).is_null());
    world.assert_no_leaks();
}

/// `juju remove-unit valkey/0` while it leads: Juju runs relation-departed on it with
/// `JUJU_DEPARTING_UNIT=valkey/0`, once per remote unit, then relation-broken, still as leader
/// (juju/juju's relation hook docs: relation-broken runs "when the local unit is ready to depart
/// the relation itself"; ops' `RelationDepartedEvent.departing_unit` names the local unit when
/// it is the one leaving). The relation lives on: the users, secrets and answers stay, the
/// clients stay connected, and the next leader reissues no password.
#[test]
fn removing_the_provider_leader_keeps_every_client_connected() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    world.relate(0, "app");
    let id = ids(&world.responses(0))[0].clone();
    let username = format!("relation-0-{id}");
    let users = world.users();
    let secrets = world.provider_secrets();
    let answer = world.bag(0, "valkey");

    for remote in units("app") {
        let hook = Hook::new("valkey/0", "valkey-client-relation-departed")
            .relation(0)
            .remote_unit(&remote)
            .var("JUJU_DEPARTING_UNIT", "valkey/0");
        let run = world.run(&hook, "valkey/0", true);
        assert!(run.success, "{}", run.stderr);
    }
    assert!(
        world.model.state().is_leader("valkey/0").expect("unit"),
        "still leads"
    );
    world.hook("valkey/0", "valkey-client-relation-broken", 0);
    assert!(world.output_contains("this unit is leaving a relation that lives on"));
    assert_eq!(world.users(), users, "no user deleted");
    assert_eq!(world.provider_secrets(), secrets, "no secret removed");
    assert_eq!(world.bag(0, "valkey"), answer, "the answers stay");

    // The unit goes; valkey/1 is elected and keeps everything as it is.
    for unit in units("app") {
        let hook = Hook::new(&unit, "cache-relation-departed")
            .relation(0)
            .remote_unit("valkey/0")
            .var("JUJU_DEPARTING_UNIT", "valkey/0");
        assert!(world.run(&hook, &unit, true).success);
    }
    world.model.update(|state| state.remove_unit("valkey/0"));
    // The example charm keeps its users in the leader's charm directory (a real charm: on the
    // server, which every unit shares): hand them over as the server would.
    world.write("valkey/1", "users.json", &users);
    world.run(&Hook::new("valkey/1", "leader-elected"), "valkey/1", true);
    assert_eq!(
        world.bag(0, "valkey"),
        answer,
        "the new leader rewrites nothing"
    );
    assert_eq!(world.provider_secrets(), secrets, "and renews no secret");
    for unit in units("app") {
        world.hook(&unit, "cache-relation-changed", 0);
        let connection = world.connection(&unit, 0, &id);
        assert_eq!(connection["username"], username.as_str());
        let password = connection["password"].as_str().expect("password");
        let acl = users[username.as_str()]["acl"].as_str().expect("user");
        assert!(acl.contains(&password_hash(password)), "the same password");
    }
    world.assert_no_leaks();
}

#[test]
fn v1_requirer_with_several_requests_tls_and_a_neighbour() {
    let world = World::new(&[
        ("app", "v1", &["app:*", "jobs:*", "cache:*"]),
        ("other", "v1", &["other:*"]),
    ]);
    world.relate(0, "app");
    world.relate(1, "other");
    let responses = world.responses(0);
    let app_ids = ids(&responses);
    assert_eq!(app_ids.len(), 3);
    for (id, prefix) in app_ids.iter().zip(["app:*", "jobs:*", "cache:*"]) {
        for unit in units("app") {
            world.assert_connected(&unit, 0, id, &format!("relation-0-{id}"), prefix);
        }
    }
    let other_id = ids(&world.responses(1)).remove(0);
    world.assert_connected(
        "other/1",
        1,
        &other_id,
        &format!("relation-1-{other_id}"),
        "other:*",
    );
    assert_eq!(world.provider_secrets().len(), 8);
    world.assert_no_orphans();

    // TLS on, new primary: a new revision of each tls secret, new endpoints everywhere.
    let tls_before: Vec<(String, u32)> = world
        .provider_secrets()
        .into_iter()
        .filter(|s| s.0.ends_with(".tls.secret"))
        .map(|s| (s.1, s.2))
        .collect();
    world.configure_server(&json!({
        "endpoints": "10.0.0.5:6380",
        "read-only-endpoints": "10.0.0.2:6380",
        "sentinel-endpoints": "10.0.0.1:26380,10.0.0.2:26380",
        "version": "9.0.1",
        "tls": true,
        "tls-ca": CA,
    }));
    for unit in units("valkey") {
        let run = world.run(&Hook::new(&unit, "config-changed"), &unit, true);
        assert!(run.success, "{}", run.stderr);
    }
    let tls_after: Vec<(String, u32)> = world
        .provider_secrets()
        .into_iter()
        .filter(|s| s.0.ends_with(".tls.secret"))
        .map(|s| (s.1, s.2))
        .collect();
    assert_eq!(tls_after.len(), tls_before.len());
    for ((uri_before, revision), (uri_after, new_revision)) in tls_before.iter().zip(&tls_after) {
        assert_eq!(uri_before, uri_after, "same secret");
        assert_eq!(new_revision, &(revision + 1), "a new revision");
    }
    for unit in units("app") {
        world.hook(&unit, "cache-relation-changed", 0);
    }
    assert!(world.output_contains(&format!("endpoints_changed({})", app_ids[2])));
    // relation-changed reads no secret it already read (the revision a consumer tracks stays
    // until secret-changed: juju apiserver/facades/agent/secretsmanager/secrets.go,
    // `getConsumedRevision`); Juju then runs secret-changed for each tls secret on each unit.
    assert_eq!(world.connection("app/1", 0, &app_ids[0])["tls"], false);
    for (response, id) in responses.iter().zip(&app_ids) {
        let uri = response["secret-tls"].as_str().expect("uri");
        for unit in units("app") {
            world.secret_changed(&unit, uri, &format!("cache.0.{id}.tls.secret"));
        }
    }
    for id in &app_ids {
        let connection = world.connection("app/1", 0, id);
        assert_eq!(connection["endpoints"], "10.0.0.5:6380");
        assert_eq!(connection["tls"], true);
        assert_eq!(connection["tls-ca"], CA);
    }
    // secret-changed on a consumed secret: authentication_updated, as the reference.
    let tls_uri = responses[1]["secret-tls"].as_str().expect("uri").to_owned();
    let label = format!("cache.0.{}.tls.secret", app_ids[1]);
    let hook = Hook::new("app/0", "secret-changed")
        .var("JUJU_SECRET_ID", &tls_uri)
        .var("JUJU_SECRET_LABEL", &label);
    let run = world.run(&hook, "app/0", true);
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("authentication_updated({})", app_ids[1])),
        "{}",
        run.stderr
    );

    world.unrelate(0, "app");
    let left = world.provider_secrets();
    assert_eq!(left.len(), 2, "the neighbour's secrets stay: {left:?}");
    assert!(left.iter().all(|s| s.0.starts_with("valkey-client.1.")));
    let users = world.users();
    let names: Vec<&String> = users.as_object().expect("users").keys().collect();
    assert_eq!(names, [&format!("relation-1-{other_id}")]);
    world.assert_no_orphans();
    world.unrelate(1, "other");
    assert!(world.provider_secrets().is_empty());
    world.assert_no_leaks();
}

/// secret-remove: when no consumer tracks an old revision any more (both requirer units
/// moved to the TLS-on revision), Juju runs secret-remove on the owner's leader with
/// `JUJU_SECRET_ID`, `JUJU_SECRET_LABEL`, `JUJU_SECRET_REVISION` (ops' `SecretRemoveEvent`,
/// which expects `remove_revision`); the provider removes exactly that revision, so old CAs
/// and passwords do not pile up, and the requirers read on.
#[test]
fn secret_remove_prunes_revisions_nobody_tracks() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    world.relate(0, "app");
    let id = ids(&world.responses(0))[0].clone();
    world.configure_server(&json!({
        "endpoints": "10.0.0.1:6380",
        "read-only-endpoints": "10.0.0.2:6380",
        "sentinel-endpoints": "10.0.0.1:26380,10.0.0.2:26380",
        "version": "9.0.1",
        "tls": true,
        "tls-ca": CA,
    }));
    let run = world.run(&Hook::new("valkey/0", "config-changed"), "valkey/0", true);
    assert!(run.success, "{}", run.stderr);
    let tls_uri = world.responses(0)[0]["secret-tls"]
        .as_str()
        .expect("uri")
        .to_owned();
    let label = format!("valkey-client.0.{id}.tls.secret");
    assert_eq!(
        world.model.state().obsolete_revisions(&tls_uri),
        Vec::<u32>::new(),
        "still tracked"
    );
    for unit in units("app") {
        world.hook(&unit, "cache-relation-changed", 0);
    }
    assert_eq!(
        world.model.state().obsolete_revisions(&tls_uri),
        Vec::<u32>::new(),
        "relation-changed reads no secret it already read: revision 1 still tracked"
    );
    for unit in units("app") {
        world.secret_changed(&unit, &tls_uri, &format!("cache.0.{id}.tls.secret"));
    }
    assert_eq!(
        world.model.state().obsolete_revisions(&tls_uri),
        [1],
        "nobody tracks revision 1"
    );

    let hook = Hook::new("valkey/0", "secret-remove")
        .var("JUJU_SECRET_ID", &tls_uri)
        .var("JUJU_SECRET_LABEL", &label)
        .var("JUJU_SECRET_REVISION", "1");
    let run = world.run(&hook, "valkey/0", true);
    assert!(run.success, "{}", run.stderr);
    let state = world.model.state();
    assert!(
        state.secret_content(&tls_uri, Some(1)).is_none(),
        "revision 1 removed"
    );
    assert!(
        state.secret_content(&tls_uri, Some(2)).is_some(),
        "revision 2 kept"
    );
    drop(state);
    assert!(world.model.state().obsolete_revisions(&tls_uri).is_empty());
    for unit in units("app") {
        world.hook(&unit, "cache-relation-changed", 0);
        assert_eq!(world.connection(&unit, 0, &id)["tls-ca"], CA);
    }
}

/// Scale-up and scale-down of both applications around a live relation (juju add-unit /
/// remove-unit: the new unit runs relation-created, -joined, -changed; a removed unit runs
/// relation-departed naming itself, then relation-broken, and the others see it depart).
/// New requirer units connect with the credentials already granted; new provider units and
/// removed requirer units change nothing on the provider's side; nothing is reissued.
#[test]
fn both_applications_scale_up_and_down_around_a_live_relation() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    world.relate(0, "app");
    let id = ids(&world.responses(0))[0].clone();
    let username = format!("relation-0-{id}");
    let users = world.users();
    let secrets = world.provider_secrets();
    let answer = world.bag(0, "valkey");

    // A third unit on each side.
    let new_app = world.model.update(|state| state.add_unit("app"));
    let new_valkey = world.model.update(|state| state.add_unit("valkey"));
    for (unit, endpoint) in [(&new_valkey, "valkey-client"), (&new_app, "cache")] {
        for hook in ["relation-created", "relation-joined", "relation-changed"] {
            world.hook(unit, &format!("{endpoint}-{hook}"), 0);
        }
    }
    world.assert_connected(&new_app, 0, &id, &username, "app:*");
    assert_eq!(world.users(), users, "no user made for a new unit");
    assert_eq!(world.provider_secrets(), secrets, "no secret renewed");
    assert_eq!(world.bag(0, "valkey"), answer);

    // app/0 (the requirer's leader) and the new provider unit go away.
    for (unit, endpoint, remote) in [
        ("app/0", "cache", "valkey/0"),
        (new_valkey.as_str(), "valkey-client", "app/0"),
    ] {
        let hook = Hook::new(unit, &format!("{endpoint}-relation-departed"))
            .relation(0)
            .remote_unit(remote)
            .var("JUJU_DEPARTING_UNIT", unit);
        assert!(world.run(&hook, unit, true).success);
        world.hook(unit, &format!("{endpoint}-relation-broken"), 0);
        world.model.update(|state| state.remove_unit(unit));
    }
    assert_eq!(world.users(), users, "the relation lives on");
    assert_eq!(world.provider_secrets(), secrets);
    assert!(
        world.model.state().is_leader("app/1").expect("unit"),
        "app/1 elected"
    );
    world.run(&Hook::new("app/1", "leader-elected"), "app/1", true);
    for unit in ["app/1", new_app.as_str()] {
        world.hook(unit, "cache-relation-changed", 0);
        world.assert_connected(unit, 0, &id, &username, "app:*");
    }
    world.assert_no_orphans();
    world.assert_no_leaks();
}

/// Provider text reaches the requirer's log escaped: a status message with a newline and ANSI
/// escapes cannot forge a log line of its own (PROTOCOL.md §8; the requirer logs
/// provider statuses).
#[test]
fn provider_text_cannot_forge_requirer_log_lines() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    world.relate(0, "app");
    let status = json!([{"code": 5002, "message": "bad\n\u{1b}[31mERROR forged line\u{1b}[0m", "resolution": "x\ny"}]);
    let update = BagUpdate::from([("status".to_owned(), Some(status.to_string()))]);
    world.model.update(|state| {
        state
            .relation_set(
                "valkey/0",
                &RelationId::new("valkey-client", 0),
                true,
                &update,
            )
            .expect("write")
    });
    let run = world.hook("app/0", "cache-relation-changed", 0);
    assert!(
        run.stderr.contains("provider status 5002"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains('\u{1b}'),
        "a raw escape reached the log"
    );
    assert!(
        !run.stderr
            .lines()
            .any(|line| line.starts_with("ERROR forged") || line.contains("\u{1b}[31mERROR")),
        "{}",
        run.stderr
    );
}

#[test]
fn v0_requirers_one_request_each() {
    let world = World::new(&[
        ("app", "v0", &["application:*"]),
        ("other", "v0", &["other:*"]),
    ]);
    world.relate(0, "app");
    world.relate(1, "other");
    let requirer = world.bag(0, "app");
    assert_eq!(
        requirer.keys().collect::<Vec<_>>(),
        ["database", "provided-secrets", "requested-secrets"],
        "the flat v0 layout (§5.1)"
    );
    assert_eq!(requirer["database"], "application:*");
    let provider = world.bag(0, "valkey");
    for key in [
        "database",
        "endpoints",
        "read-only-endpoints",
        "secret-user",
        "secret-tls",
        "version",
        "mode",
        "sentinel-endpoints",
        "sentinel_endpoints",
        "data",
        "salt",
    ] {
        assert!(provider.contains_key(key), "{key}: {provider:?}");
    }
    assert_eq!(provider["version"], "9.0.1");
    assert_eq!(provider["mode"], "sentinel");
    let labels: BTreeSet<String> = world.provider_secrets().into_iter().map(|s| s.0).collect();
    assert_eq!(
        labels,
        BTreeSet::from(
            [
                "valkey-client.0.tls.secret",
                "valkey-client.0.user.secret",
                "valkey-client.1.tls.secret",
                "valkey-client.1.user.secret"
            ]
            .map(str::to_owned)
        )
    );
    for unit in units("app") {
        world.assert_connected(&unit, 0, "v0", "relation-0", "application:*");
    }
    world.assert_connected("other/0", 1, "v0", "relation-1", "other:*");
    assert!(world.output_contains("resource_created(-)"));
    world.assert_no_orphans();
    world.unrelate(0, "app");
    let users = world.users();
    assert_eq!(
        users.as_object().expect("users").keys().collect::<Vec<_>>(),
        ["relation-1"]
    );
    world.unrelate(1, "other");
    assert!(world.provider_secrets().is_empty());
    assert_eq!(world.users(), json!({}));
    world.assert_no_leaks();
}

#[test]
fn secret_add_failure_is_reported_and_a_retry_converges() {
    let world = World::new(&[("app", "v1", &["app:*", "jobs:*"])]);
    world.requested(0, "app");
    world.model.fail_next("secret-add", 1);
    let hook = Hook::new("valkey/0", "valkey-client-relation-joined").relation(0);
    let stderr = world.failing(hook.clone(), "valkey/0", true);
    assert!(
        stderr.contains("ERROR relation valkey-client:0, requests[0]")
            && stderr.contains("`secret-add --label valkey-client.0.")
            && stderr.contains("ERROR injected failure of secret-add"),
        "{stderr}"
    );
    assert!(world.provider_secrets().is_empty());
    assert!(world.bag(0, "valkey").is_empty());

    // Harsher than Juju: a failed grant whose secret survives the failed hook.
    let stderr = world.failing(
        hook.clone().var("JUJU_EMU_FAIL", "secret-grant"),
        "valkey/0",
        false,
    );
    assert!(stderr.contains("`secret-grant --relation 0"), "{stderr}");
    assert_eq!(world.provider_secrets().len(), 1, "one secret left behind");

    world.hook("valkey/0", "valkey-client-relation-joined", 0);
    assert_eq!(
        world.provider_secrets().len(),
        4,
        "found by label, not duplicated"
    );
    world.assert_no_orphans();
    for unit in units("app") {
        world.hook(&unit, "cache-relation-changed", 0);
    }
    let responses = world.responses(0);
    for (response, prefix) in responses.iter().zip(["app:*", "jobs:*"]) {
        assert_eq!(response["resource"], prefix, "responses in request order");
        let id = response["request-id"].as_str().expect("id");
        world.assert_connected("app/0", 0, id, &format!("relation-0-{id}"), prefix);
    }
    world.unrelate(0, "app");
    assert!(world.provider_secrets().is_empty());
    world.assert_no_leaks();
}

#[test]
fn relation_set_failure_leaves_no_orphan_after_the_retry() {
    for rollback in [true, false] {
        let world = World::new(&[("app", "v1", &["app:*", "jobs:*"])]);
        world.requested(0, "app");
        world.model.fail_next("relation-set", 1);
        let hook = Hook::new("valkey/0", "valkey-client-relation-joined").relation(0);
        let stderr = world.failing(hook, "valkey/0", rollback);
        assert!(
            stderr.contains("relation valkey-client:0: writing the answers")
                && stderr.contains("`relation-set -r valkey-client:0 --app --file -`"),
            "{stderr}"
        );
        let left = world.provider_secrets().len();
        assert_eq!(left, if rollback { 0 } else { 4 }, "rollback {rollback}");
        world.hook("valkey/0", "valkey-client-relation-joined", 0);
        assert_eq!(world.provider_secrets().len(), 4);
        world.assert_no_orphans();
        world.hook("app/1", "cache-relation-changed", 0);
        let responses = world.responses(0);
        for (response, prefix) in responses.iter().zip(["app:*", "jobs:*"]) {
            let id = response["request-id"].as_str().expect("id");
            world.assert_connected("app/1", 0, id, &format!("relation-0-{id}"), prefix);
        }
        world.assert_no_leaks();
    }
}

/// A secret the provider names but has not granted (revoked here) cannot be read. The
/// provider's grant and its databag are committed in one hook (juju/juju applies a hook's
/// changes together), so this is the provider's data, not a passing failure: the requirer's
/// hook succeeds and warns naming the request, rather than failing every retry and stalling
/// the unit. Once the provider grants again, the next read is clean. A unit that already read
/// the secret works from what it read (it reads a secret again only on secret-changed), so a
/// grant revoked afterwards changes nothing for it.
#[test]
fn an_ungranted_secret_is_reported_and_converges() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    world.requested(0, "app");
    for hook in [
        "valkey-client-relation-joined",
        "valkey-client-relation-changed",
    ] {
        world.hook("valkey/0", hook, 0);
    }
    let responses = world.responses(0);
    let id = ids(&responses).remove(0);
    let user_uri = responses[0]["secret-user"]
        .as_str()
        .expect("uri")
        .to_owned();
    let revoke = || {
        world.model.update(|state| {
            state
                .secret_revoke("valkey/0", &user_uri, Some(0), None, None)
                .expect("revoke")
        })
    };
    revoke();
    let run = world.hook("app/1", "cache-relation-changed", 0);
    assert!(
        run.stderr.contains(&format!("(request {id})"))
            && run.stderr.contains("permission denied")
            && run.stderr.contains("WARNING"),
        "{}",
        run.stderr
    );
    assert_eq!(
        world.connection("app/1", 0, &id),
        Value::Null,
        "no answer yet"
    );
    // The provider's next hook grants again; the requirer reads without a warning.
    let run = world.run(&Hook::new("valkey/0", "update-status"), "valkey/0", true);
    assert!(run.success, "{}", run.stderr);
    let run = world.hook("app/1", "cache-relation-changed", 0);
    assert!(!run.stderr.contains("permission denied"), "{}", run.stderr);
    world.assert_connected("app/1", 0, &id, &format!("relation-0-{id}"), "app:*");
    revoke();
    let run = world.hook("app/1", "cache-relation-changed", 0);
    assert!(!run.stderr.contains("permission denied"), "{}", run.stderr);
    world.assert_connected("app/1", 0, &id, &format!("relation-0-{id}"), "app:*");
    world.assert_no_leaks();
}

#[test]
fn a_hostile_requirer_gets_a_status_and_no_user() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    for unit in units("valkey") {
        world.hook(&unit, "valkey-client-relation-created", 0);
    }
    let requests = r#"[{"resource": "x ~* +@all", "request-id": "r1", "salt": "s"},
                       {"resource": "ok:*", "request-id": "../x", "salt": "s"}]"#;
    let update = BagUpdate::from([
        ("version".to_owned(), Some("v1".to_owned())),
        ("requests".to_owned(), Some(requests.to_owned())),
    ]);
    world.model.update(|state| {
        state
            .relation_set("app/0", &RelationId::new("cache", 0), true, &update)
            .expect("hostile write")
    });
    let run = world.hook("valkey/0", "valkey-client-relation-changed", 0);
    assert!(
        run.stderr
            .contains("WARNING relation valkey-client:0: refused requests[0]")
            && run.stderr.contains("whitespace would split the ACL rule"),
        "{}",
        run.stderr
    );
    assert_eq!(world.users(), json!({}));
    assert!(world.provider_secrets().is_empty());
    let provider = world.bag(0, "valkey");
    assert_eq!(provider.keys().collect::<Vec<_>>(), ["status"]);
    let statuses: Value = serde_json::from_str(&provider["status"]).expect("status");
    assert_eq!(statuses[0]["code"], 5002);
    assert_eq!(statuses[1]["code"], 5003);
    let run = world.hook("app/0", "cache-relation-changed", 0);
    assert!(
        run.stderr.contains("provider status 5002"),
        "{}",
        run.stderr
    );
    // The provider owns no secret: `secret-ids` prints Go's `null` (juju/juju
    // worker/uniter/runner/jujuc/secret-ids.go), and relation-broken still succeeds.
    world.unrelate(0, "app");
}

/// Amplification, bounded: 2,000 requests in one `requests` value get one refusal of the
/// whole databag; a 1 MB prefix next to nine bad ones gets one short status listing five
/// reasons. No user, no secret, a few log lines, and neither the status nor any log line
/// carries the peer's text in full.
#[test]
fn a_flood_of_requests_gets_one_bounded_refusal() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    for unit in units("valkey") {
        world.hook(&unit, "valkey-client-relation-created", 0);
    }
    let huge = "k".repeat(1 << 20);
    let flood: Vec<Value> = (0..2_000)
        .map(|n| json!({"resource": format!("app{n}:*"), "request-id": format!("r{n}"), "salt": "s"}))
        .collect();
    let mut several = vec![json!({"resource": huge, "request-id": "big", "salt": "s"})];
    several
        .extend((0..9).map(
            |n| json!({"resource": "bad prefix", "request-id": format!("b{n}"), "salt": "s"}),
        ));
    for (requests, expected) in [
        (flood, "2000 requests, more than the 64"),
        (several, "and 5 more"),
    ] {
        let update = BagUpdate::from([
            ("version".to_owned(), Some("v1".to_owned())),
            (
                "requests".to_owned(),
                Some(Value::Array(requests).to_string()),
            ),
        ]);
        world.model.update(|state| {
            state
                .relation_set("app/0", &RelationId::new("cache", 0), true, &update)
                .expect("hostile write")
        });
        let run = world.hook("valkey/0", "valkey-client-relation-changed", 0);
        assert!(
            run.stderr.len() < 4_096,
            "{} bytes of log",
            run.stderr.len()
        );
        assert!(
            !run.stderr.contains(&"k".repeat(100)),
            "the prefix reached the log"
        );
        assert_eq!(world.users(), json!({}), "no user");
        assert!(world.provider_secrets().is_empty(), "no secret");
        let status = &world.bag(0, "valkey")["status"];
        assert!(status.len() < 4_096, "{} bytes of status", status.len());
        assert!(status.contains(expected), "{status}");
        assert!(
            !status.contains(&"k".repeat(100)),
            "the prefix reached the status"
        );
    }
}

/// Juju commits a hook's writes only when it exits 0 (the uniter's HookContext flushes
/// relation settings and secrets in `Flush`, after the hook process succeeded). A provider
/// whose answer on one relation cannot be rebuilt (here its own databag holds a `requests`
/// value no reader accepts, as a broken predecessor could leave it) must not fail
/// config-changed: the other relations get the new endpoints, the broken one is logged.
#[test]
fn one_broken_relation_does_not_keep_the_others_stale() {
    let world = World::new(&[("app", "v1", &["app:*"]), ("other", "v1", &["other:*"])]);
    world.relate(0, "app");
    world.relate(1, "other");
    let garbage = BagUpdate::from([("requests".to_owned(), Some("not json".to_owned()))]);
    world.model.update(|state| {
        state
            .relation_set(
                "valkey/0",
                &RelationId::new("valkey-client", 1),
                true,
                &garbage,
            )
            .expect("write")
    });
    world.configure_server(&json!({
        "endpoints": "10.0.0.9:6379",
        "read-only-endpoints": "10.0.0.2:6379",
        "sentinel-endpoints": "10.0.0.1:26379,10.0.0.2:26379",
        "version": "9.0.1",
        "tls": false,
    }));
    let run = world.run(&Hook::new("valkey/0", "config-changed"), "valkey/0", true);
    assert!(run.success, "config-changed failed:\n{}", run.stderr);
    assert!(
        run.stderr.contains("relation valkey-client:1")
            && run.stderr.contains("the other relations are answered"),
        "{}",
        run.stderr
    );
    assert_eq!(
        world.responses(0)[0]["endpoints"],
        "10.0.0.9:6379",
        "relation 0 updated"
    );
    assert_eq!(
        world.bag(1, "valkey")["requests"],
        "not json",
        "relation 1 untouched"
    );
}

#[test]
fn charms_dispatch_on_the_name_they_are_called_by() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    let hooks = world.model.dir().join("hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    let link = hooks.join("cache-relation-created");
    std::os::unix::fs::symlink(REQUIRER, &link).expect("symlink");
    // No hook name in the environment: only argv[0] names the hook, as with `hooks/<name>`.
    let hook = Hook::new("app/0", "cache-relation-created")
        .relation(0)
        .var("JUJU_HOOK_NAME", "")
        .var("JUJU_DISPATCH_PATH", "");
    let run = world.model.run_hook(&link, &hook).expect("hook process");
    assert!(run.success, "{}", run.stderr);
    assert!(
        world
            .model
            .log()
            .iter()
            .any(|line| line.contains("requested")),
        "{:?}",
        world.model.log()
    );
    assert_eq!(world.bag(0, "app")["version"], "v1");
}

/// The example charms as Juju deploys them: packed by tests/scripts/pack-charm.sh into `.charm`
/// zips (metadata, `dispatch`, the binary), unpacked into each unit's charm directory with the
/// archive's file modes (as Juju unpacks a charm), and every hook run through `./dispatch`
/// with `JUJU_DISPATCH_PATH=hooks/<hook>` (what Juju 2.8+ sets for a charm with a `dispatch`
/// file, worker/uniter/runner/runner.go).
#[test]
fn packed_charms_run_every_hook_through_dispatch() {
    let world = World::new(&[("app", "v1", &["app:*"])]);
    let packs = world.model.dir().join("packs");
    for (charm, binary, units) in [
        ("valkey-requirer", REQUIRER, units("app")),
        ("valkey-provider", PROVIDER, units("valkey")),
    ] {
        let out = packs.join(format!("{charm}.charm"));
        let status = std::process::Command::new("bash")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/pack-charm.sh"
            ))
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/charms/").to_owned() + charm)
            .arg(binary)
            .arg(&out)
            .status()
            .expect("pack-charm.sh");
        assert!(status.success(), "pack-charm.sh {charm}");
        let entries = unpack(&out, &world.model.charm_dir(&units[0]));
        let name = format!("valkey-{}-example", &charm["valkey-".len()..]);
        let mut expected = vec![
            (format!("bin/{name}"), 0o755),
            ("dispatch".to_owned(), 0o755),
            ("manifest.yaml".to_owned(), 0o644),
            ("metadata.yaml".to_owned(), 0o644),
        ];
        if charm == "valkey-requirer" {
            expected.insert(1, ("config.yaml".to_owned(), 0o644));
        }
        assert_eq!(entries, expected, "{charm}.charm layout and modes");
        unpack(&out, &world.model.charm_dir(&units[1]));
    }
    world.deploy_packed();
    world.relate(0, "app");
    let id = ids(&world.responses(0))[0].clone();
    for unit in units("app") {
        world.assert_connected(&unit, 0, &id, &format!("relation-0-{id}"), "app:*");
    }
    world.unrelate(0, "app");
    assert!(world.provider_secrets().is_empty(), "secrets removed");
}

/// Unpacks a `.charm` into `dir` with the modes stored in the zip; returns its files and modes.
fn unpack(charm: &Path, dir: &Path) -> Vec<(String, u32)> {
    let script = r#"
import os, sys, zipfile
entries = []
with zipfile.ZipFile(sys.argv[1]) as archive:
    for info in archive.infolist():
        path = archive.extract(info, sys.argv[2])
        mode = (info.external_attr >> 16) & 0o777
        os.chmod(path, mode)
        entries.append(f"{info.filename} {mode:o}")
print("\n".join(sorted(entries)))
"#;
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(charm)
        .arg(dir)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, mode)| (name.to_owned(), u32::from_str_radix(mode, 8).unwrap_or(0)))
        .collect()
}

/// The same charms with a real valkey-server behind the provider: the users are made with
/// ACL SETUSER, the workload connects with what its charm wrote to `valkey-connections.json`
/// (the `redis` crate), and relation-broken deletes the users on the server.
#[test]
fn charms_manage_users_on_a_real_server() {
    use databag_tests::valkey_connect::{Endpoint, host_port};
    use databag_tests::valkey_server::{ValkeyServer, server_binary};

    let Some(binary) = server_binary() else {
        return;
    };
    let server = ValkeyServer::start(binary, &[]);
    let admin = server.admin_access();
    let world = World::new(&[("app", "v1", &["app:*"]), ("legacy", "v0", &["legacy:*"])]);
    world.configure_server(&json!({
        "endpoints": format!("127.0.0.1:{}", server.port()),
        "version": "8.0.1",
        "tls": false,
        "admin": {"host": admin.host, "port": admin.port, "username": admin.username,
                  "password": admin.password},
    }));
    world.relate(0, "app");
    world.relate(1, "legacy");
    let acl_users = || -> Vec<String> {
        let mut connection = admin.connect().expect("admin");
        let mut names: Vec<String> = redis::cmd("ACL")
            .arg("USERS")
            .query(&mut connection)
            .expect("ACL USERS");
        names.retain(|name| name != "default");
        names
    };
    let id = ids(&world.responses(0)).remove(0);
    assert_eq!(
        acl_users(),
        ["relation-0-".to_owned() + &id, "relation-1".to_owned()]
    );

    let connect = |unit: &str, number: u32, key: &str| {
        let connection = world.connection(unit, number, key);
        let text = |field: &str| connection[field].as_str().expect(field).to_owned();
        let (endpoints, username, password) =
            (text("endpoints"), text("username"), text("password"));
        let (host, port) = host_port(&endpoints).expect("host:port");
        Endpoint {
            host,
            port,
            username: &username,
            password: &password,
            tls_ca: None,
        }
        .connect()
    };
    let mut v1 = connect("app/1", 0, &id).expect("the v1 workload connects");
    let mut v0 = connect("legacy/0", 1, "v0").expect("the v0 workload connects");
    let set = |connection: &mut redis::Connection, key: &str| {
        redis::cmd("SET")
            .arg(key)
            .arg("1")
            .query::<()>(connection)
            .map_err(|error| error.code().map(str::to_owned))
    };
    assert_eq!(set(&mut v1, "app:k"), Ok(()));
    assert_eq!(set(&mut v0, "legacy:k"), Ok(()));
    assert_eq!(set(&mut v1, "legacy:k"), Err(Some("NOPERM".to_owned())));
    assert_eq!(set(&mut v0, "app:k"), Err(Some("NOPERM".to_owned())));

    world.unrelate(0, "app");
    assert_eq!(
        acl_users(),
        ["relation-1"],
        "only relation 0's user deleted"
    );
    assert!(set(&mut v1, "app:k").is_err(), "its session was closed");
    assert_eq!(set(&mut v0, "legacy:k"), Ok(()), "the neighbour works on");
    world.assert_no_leaks();
}

/// Writes `pairs` into the app databag `provider` (its leader unit `<provider>/0`) holds on
/// relation `number`, as a hostile provider would.
fn provider_writes(world: &World, provider: &str, number: u32, pairs: &[(&str, &str)]) {
    let update: BagUpdate = pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), Some((*value).to_owned())))
        .collect();
    let relation = RelationId::new("valkey-client", number);
    world.model.update(|state| {
        state
            .relation_set(&format!("{provider}/0"), &relation, true, &update)
            .expect("provider write")
    });
}

/// What `unit` keeps of relation `number`: the workload's connections and the diff memory
/// (`data` in its unit databag, PROTOCOL.md §6).
fn kept(world: &World, unit: &str, number: u32) -> (Value, Option<String>) {
    let connections =
        world.read(unit, "valkey-connections.json")[format!("cache:{number}")].clone();
    let memory = world
        .model
        .state()
        .unit_bag(number, unit)
        .and_then(|bag| bag.get("data").cloned());
    (connections, memory)
}

/// The provider is untrusted input, and under Juju a unit in hook error runs no other hook
/// (on any relation) until an operator resolves it (juju `worker/uniter/operation/runhook.go`:
/// a failed hook leaves the unit in error state). So bad provider data that crashes the
/// reference requirer (PROTOCOL.md §17: `requests` not JSON, `tls: "True"` in the tls secret,
/// an unanchored `xsecret:abc` under `secret-user`, §11.1, §11.2, §16) must not fail our hook:
/// it is logged, and each request keeps its last good answer (its diff memory untouched,
/// its secrets read at the revision the unit tracks: ops `_ModelBackend.secret_get` without
/// `--refresh`, juju `worker/uniter/runner/jujuc/secret-get.go`); good responses next to a
/// bad one still go through. Failed before: each of these failed the hook.
#[test]
fn a_hostile_provider_never_fails_the_requirers_hook() {
    let world = World::new(&[("app", "v1", &["app:*", "jobs:*"])]);
    world.relate(0, "app");
    let responses = world.responses(0);
    let (first, second) = (ids(&responses)[0].clone(), ids(&responses)[1].clone());
    let original = world.bag(0, "valkey")["requests"].clone();
    let edited = |edit: &dyn Fn(&mut Value)| {
        let mut list: Value = serde_json::from_str(&original).expect("json");
        edit(&mut list);
        list.to_string()
    };
    let changed = || {
        for unit in units("app") {
            world.hook(&unit, "cache-relation-changed", 0);
        }
    };
    let before: Vec<_> = units("app").iter().map(|u| kept(&world, u, 0)).collect();

    // `requests` is not JSON: every request keeps its last good answer.
    provider_writes(&world, "valkey", 0, &[("requests", "[{\"resource\": oops")]);
    changed();
    assert!(
        world.output_contains("WARNING relation cache:0: provider data: requests: not a JSON list")
    );
    for (unit, before) in units("app").iter().zip(&before) {
        assert_eq!(&kept(&world, unit, 0), before, "{unit}");
    }

    // An unanchored URI in the first response; the second moves: it follows, the first stays.
    let requests = edited(&|list| {
        list[0]["secret-user"] = json!("xsecret:abc");
        list[1]["endpoints"] = json!("10.0.0.9:6379");
    });
    provider_writes(&world, "valkey", 0, &[("requests", &requests)]);
    changed();
    assert!(world.output_contains(&format!("requests[0] (request {first}): does not decode")));
    for (unit, (connections, memory)) in units("app").iter().zip(&before) {
        assert_eq!(
            world.connection(unit, 0, &first),
            connections[&first],
            "{unit}"
        );
        let moved = world.connection(unit, 0, &second);
        assert_eq!(moved["endpoints"], "10.0.0.9:6379", "{unit}");
        assert_eq!(moved["password"], connections[&second]["password"]);
        let memory: Value = serde_json::from_str(memory.as_deref().expect("memory")).expect("json");
        let now: Value =
            serde_json::from_str(&kept(&world, unit, 0).1.expect("memory")).expect("json");
        assert_eq!(
            now[&first], memory[&first],
            "{unit}: no bad data in the diff memory"
        );
        assert_eq!(now[&second]["endpoints"], "10.0.0.9:6379");
    }

    // A response that does not decode (`endpoints` a number): the last good one stays.
    let requests = edited(&|list| list[1]["endpoints"] = json!(5));
    provider_writes(&world, "valkey", 0, &[("requests", &requests)]);
    changed();
    assert!(world.output_contains(&format!("requests[1] (request {second}): does not decode")));
    for unit in units("app") {
        assert_eq!(
            world.connection(&unit, 0, &second)["endpoints"],
            "10.0.0.9:6379"
        );
    }

    // The provider recovers; then puts `tls: "True"` in a new revision of the tls secret.
    provider_writes(&world, "valkey", 0, &[("requests", &original)]);
    changed();
    let before: Vec<_> = units("app").iter().map(|u| kept(&world, u, 0)).collect();
    assert_eq!(before[0].0[&first]["endpoints"], "10.0.0.1:6379");
    let tls_uri = responses[0]["secret-tls"].as_str().expect("tls").to_owned();
    let tls = |value: &str| {
        let content = databag::SecretContent::from([("tls".to_owned(), value.to_owned())]);
        world.model.update(|state| {
            state
                .secret_set("valkey/0", &tls_uri, Some(&content), None)
                .expect("new revision")
        });
    };
    tls("True");
    for unit in units("app") {
        let hook = Hook::new(&unit, "secret-changed")
            .var("JUJU_SECRET_ID", &tls_uri)
            .var("JUJU_SECRET_LABEL", &format!("cache.0.{first}.tls.secret"));
        let run = world.run(&hook, &unit, true);
        assert!(run.success, "{unit}: {}", run.stderr);
        assert!(
            run.stderr.contains("secret group `tls`, key `tls`")
                && run.stderr.contains("keeping the last good answer")
                && !run.stderr.contains("authentication_updated"),
            "{}",
            run.stderr
        );
        world.hook(&unit, "cache-relation-changed", 0);
    }
    for (unit, before) in units("app").iter().zip(&before) {
        assert_eq!(&kept(&world, unit, 0), before, "{unit}");
        let (tracked, _) = world
            .model
            .state()
            .consumer(unit, &tls_uri)
            .expect("consumer");
        assert_eq!(tracked, 1, "{unit}: the bad revision is not tracked");
    }
    // Fixed by the provider: the next revision is read and tracked.
    tls("false");
    for unit in units("app") {
        let hook = Hook::new(&unit, "secret-changed")
            .var("JUJU_SECRET_ID", &tls_uri)
            .var("JUJU_SECRET_LABEL", &format!("cache.0.{first}.tls.secret"));
        assert!(world.run(&hook, &unit, true).success);
        let (tracked, _) = world
            .model
            .state()
            .consumer(&unit, &tls_uri)
            .expect("consumer");
        assert_eq!(tracked, 3, "{unit}");
        assert_eq!(world.connection(&unit, 0, &first)["tls"], false);
    }
    world.assert_no_leaks();
}

/// Confused deputy (PROTOCOL.md §11.3, §11.4). Juju lets a consumer read every secret granted
/// to its application, whatever relation the grant came through, and `secret-get URI --label L`
/// moves the consumer label of `URI` to `L`, or sets the owner label of a secret the caller's
/// application owns (juju `apiserver/facades/agent/secretsmanager/secrets.go`:
/// `getSecretContent`, `getConsumedRevision`, `updateLabelForAppOwnedOrUnitOwnedSecret`;
/// ops `_ModelBackend.secret_get` passes `--label`). Provider `evil` (relation 1) names the
/// user secret `valkey` granted us on relation 0, then a secret `app` owns: neither is read
/// nor relabelled, and relation 1 gets no password; `evil`'s own secret then goes through.
/// A response to a request `app` never sent is ignored by the leader. Failed before: relation
/// 1 got `valkey`'s password, and the consumer label moved.
#[test]
fn a_provider_naming_another_relations_secret_gets_nothing() {
    let world = World::with(&[("app", "v1", &["app:*"])], |state| {
        state.add_app("evil", 1);
        assert_eq!(state.relate("app", "cache", "evil", "valkey-client"), 1);
    });
    world.relate(0, "app");
    let responses = world.responses(0);
    let id = ids(&responses).remove(0);
    let theirs = responses[0]["secret-user"]
        .as_str()
        .expect("uri")
        .to_owned();
    let password = world.connection("app/0", 0, &id)["password"].clone();
    assert!(password.is_string());
    for unit in units("app") {
        world.hook(&unit, "cache-relation-created", 1);
    }
    let requests: Value = serde_json::from_str(&world.bag(1, "app")["requests"]).expect("json");
    let ours = requests[0]["request-id"].as_str().expect("id").to_owned();
    let salt = requests[0]["salt"].as_str().expect("salt").to_owned();
    let answer = |uri: &str| {
        let response = json!({"resource": "app:*", "request-id": ours, "salt": salt,
            "endpoints": "203.0.113.9:6379", "secret-user": uri});
        let stray = json!({"resource": "app:*", "request-id": "neverSent1", "salt": "s",
            "endpoints": "203.0.113.9:6379"});
        let data = json!({&ours: {"resource": "app:*", "request-id": ours, "salt": salt},
            "neverSent1": {"resource": "app:*", "request-id": "neverSent1", "salt": "s"}});
        provider_writes(
            &world,
            "evil",
            1,
            &[
                ("version", "v1"),
                ("requests", &json!([response, stray]).to_string()),
                ("data", &data.to_string()),
            ],
        );
        for unit in units("app") {
            world.hook(&unit, "cache-relation-changed", 1);
        }
    };
    let label = format!("cache.0.{id}.user.secret");

    answer(&theirs);
    for unit in units("app") {
        assert!(
            world.connection(&unit, 1, &ours).is_null(),
            "{unit} got a password"
        );
        let consumer = world
            .model
            .state()
            .consumer(&unit, &theirs)
            .expect("consumer");
        assert_eq!(
            consumer.1.as_deref(),
            Some(label.as_str()),
            "{unit}: not relabelled"
        );
        assert_eq!(world.connection(&unit, 0, &id)["password"], password);
    }
    assert!(world.output_contains(&format!("was delivered as {label}")));
    assert!(world.output_contains("neverSent1): answers a request this application never sent"));

    // A secret `app` owns.
    let content = databag::SecretContent::from([
        ("username".to_owned(), "own".to_owned()),
        ("password".to_owned(), "app-owned-secret-value".to_owned()),
    ]);
    let owned = world.model.update(|state| {
        state
            .secret_add(
                "app/0",
                &content,
                Some("mine"),
                databag::juju::SecretOwner::Application,
            )
            .expect("secret-add")
    });
    answer(&owned);
    assert!(world.output_contains("is a secret this application owns"));
    let secret = world
        .model
        .state()
        .secrets()
        .into_iter()
        .find(|s| s.uri == owned);
    assert_eq!(
        secret.and_then(|s| s.label).as_deref(),
        Some("mine"),
        "not relabelled"
    );
    let file = world.read("app/0", "valkey-connections.json")["cache:1"].to_string();
    assert!(
        !file.contains("app-owned-secret-value") && !file.contains(password.as_str().expect("pw"))
    );

    // What is evil's own goes through.
    let content = databag::SecretContent::from([
        ("username".to_owned(), "evil-user".to_owned()),
        ("password".to_owned(), "evil-password".to_owned()),
    ]);
    let own = world.model.update(|state| {
        let uri = state
            .secret_add(
                "evil/0",
                &content,
                None,
                databag::juju::SecretOwner::Application,
            )
            .expect("secret-add");
        state.secret_grant("evil/0", &uri, 1, None).expect("grant");
        uri
    });
    answer(&own);
    for unit in units("app") {
        assert_eq!(
            world.connection(&unit, 1, &ours)["password"],
            "evil-password"
        );
        assert_eq!(world.connection(&unit, 0, &id)["password"], password);
    }
}

/// A provider that replaces the secret of a request (a new URI for the same request, under
/// the same owner label scheme, PROTOCOL.md §11.4) is followed: Juju keeps our consumer label
/// on the old secret (juju `apiserver/facades/agent/secretsmanager/secrets.go`; the emulator
/// refuses a consumer label twice), so the new one is read by URI. Only for the same relation
/// and request: the first request's old secret named under the second request is refused, and
/// the second keeps its last good answer. Failed before: the second request was handed the
/// first one's password.
#[test]
fn a_replaced_secret_is_followed_only_for_its_own_request() {
    let world = World::new(&[("app", "v1", &["app:*", "jobs:*"])]);
    world.relate(0, "app");
    let responses = world.responses(0);
    let (first, second) = (ids(&responses)[0].clone(), ids(&responses)[1].clone());
    let old = responses[0]["secret-user"]
        .as_str()
        .expect("uri")
        .to_owned();
    let first_password = world.connection("app/0", 0, &first)["password"].clone();
    let second_password = world.connection("app/0", 0, &second)["password"].clone();
    let content = databag::SecretContent::from([
        ("username".to_owned(), format!("relation-0-{first}")),
        (
            "password".to_owned(),
            "a-replacement-password-of-32-chr".to_owned(),
        ),
    ]);
    let new = world.model.update(|state| {
        let uri = state
            .secret_add(
                "valkey/0",
                &content,
                None,
                databag::juju::SecretOwner::Application,
            )
            .expect("secret-add");
        state
            .secret_grant("valkey/0", &uri, 0, None)
            .expect("grant");
        uri
    });
    let mut list = Value::Array(responses.clone());
    list[0]["secret-user"] = json!(new);
    provider_writes(&world, "valkey", 0, &[("requests", &list.to_string())]);
    for unit in units("app") {
        world.hook(&unit, "cache-relation-changed", 0);
        let connection = world.connection(&unit, 0, &first);
        assert_eq!(
            connection["password"], "a-replacement-password-of-32-chr",
            "{unit}"
        );
    }
    assert!(world.output_contains(&format!(
        "label cache.0.{first}.user.secret names an older secret"
    )));

    // The first request's old secret, named under the second request: refused.
    list[1]["secret-user"] = json!(old);
    provider_writes(&world, "valkey", 0, &[("requests", &list.to_string())]);
    for unit in units("app") {
        world.hook(&unit, "cache-relation-changed", 0);
        assert_eq!(
            world.connection(&unit, 0, &second)["password"],
            second_password,
            "{unit}"
        );
    }
    assert_ne!(first_password, second_password);
    assert!(world.output_contains(&format!(
        "requests[1] (request {second}): secret `user`: {old} was delivered as cache.0.{first}.user.secret"
    )));
}

/// What a requirer hook costs in hook tool processes, counted by the emulated tools
/// (`calls.log`), for 1 and 50 requests: the first answer reads each secret once; a
/// relation-changed where nothing changed runs 4 tools in the engine (one `relation-get` per
/// databag and a `state-get`; the other application's name comes from `JUJU_REMOTE_APP`) and
/// the charm's own `config-get`; secret-changed
/// reads only the secret it names. Before the secret cache, the same hooks ran 2 `secret-get`
/// per secret every time (206 for 50 requests with nothing changed).
#[test]
fn requirer_hooks_run_few_hook_tools() {
    for n in [1usize, 50] {
        let prefixes: Vec<String> = (0..n).map(|i| format!("p{i}:*")).collect();
        let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        let world = World::new(&[("app", "v1", &prefixes)]);
        world.requested(0, "app");
        for hook in [
            "valkey-client-relation-joined",
            "valkey-client-relation-changed",
        ] {
            world.hook("valkey/0", hook, 0);
        }
        let tools = |run: &dyn Fn()| -> Vec<String> {
            let before = world.model.calls().len();
            run();
            world.model.calls()[before..]
                .iter()
                .map(|call| call.tool.clone())
                .collect()
        };
        for unit in units("app") {
            let first = tools(&|| {
                world.hook(&unit, "cache-relation-changed", 0);
            });
            let reads = first.iter().filter(|t| *t == "secret-get").count();
            assert_eq!(reads, 2 * n, "{unit}: each secret once: {first:?}");
            eprintln!(
                "{unit}, {n} request(s): first answer {} hook tool processes",
                first.len()
            );
            let steady = tools(&|| {
                world.hook(&unit, "cache-relation-changed", 0);
            });
            // The charm reads its options (`config-get`); the relation engine's part is one
            // `relation-get` per databag and one `state-get`. Nothing changed, so the charm
            // logs nothing and leaves its status as it is.
            assert_eq!(
                steady,
                [
                    "config-get",
                    "relation-get",
                    "relation-get",
                    "relation-get",
                    "state-get"
                ],
                "{unit}, {n} request(s), nothing changed"
            );
            let id = ids(&world.responses(0))[n - 1].clone();
            world.assert_connected(&unit, 0, &id, &format!("relation-0-{id}"), prefixes[n - 1]);
        }
        let responses = world.responses(0);
        let tls_uri = responses[0]["secret-tls"].as_str().expect("uri").to_owned();
        let id = ids(&responses).remove(0);
        let changed = tools(&|| {
            world.secret_changed("app/1", &tls_uri, &format!("cache.0.{id}.tls.secret"));
        });
        let calls = world.model.calls();
        let reads: Vec<_> = calls[calls.len() - changed.len()..]
            .iter()
            .filter(|call| call.tool == "secret-get")
            .collect();
        assert_eq!(reads.len(), 2, "peek, then refresh: {reads:?}");
        assert!(reads.iter().all(|call| call.args.contains(&tls_uri)));
        eprintln!(
            "secret-changed, {n} request(s): {} hook tool processes",
            changed.len()
        );
        world.assert_no_leaks();
    }
}
