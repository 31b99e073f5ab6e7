//! The Juju backends against one scenario suite: the hook-tool backend (`HookTools`) running
//! the emulated Juju CLI (`juju_emu`, spawned as real processes), and the in-memory backend.
//! Each scenario runs on both and asserts the same results and the same error texts.
//! Emulator-only tests at the end check what only real processes show: command lines, exit
//! codes, the state file lock, hook rollback.

use std::path::{Path, PathBuf};
use std::process::Command;

use databag::juju::{
    Backend, BagOf, BagUpdate, ErrorKind, Fetch, Level, Model, RelationId, SecretOwner, SecretRef,
    State, WorkloadStatus,
};
use databag::testing::{EmuModel, Hook};
use databag::{Bag, SecretContent, SecretUri};
use serde_json::{Map, Value};

const MODEL_UUID: &str = "5a1e3c6b-8d2f-4a7e-9b1c-0d3e5f7a9b2c";
const EMULATOR: &str = env!("CARGO_BIN_EXE_juju_emu");
const PASSWORD: &str = "Zq7pW3xLr9TmK2vB8nY4cJ6hF1dS5gA0";
const NEW_PASSWORD: &str = "Hx2mN8qR4tV6wZ0bC3eG5jL7pS9uY1aD";

/// The model every scenario starts from: `requirer` (2 units) related to `valkey` (2 units)
/// on relation 0 (`cache` ↔ `valkey-client`), and `other` (1 unit) related to `valkey` on
/// relation 1. The first unit of each app leads.
fn base_state() -> State {
    let mut state = State::new(MODEL_UUID);
    state.add_app("requirer", 2);
    state.add_app("valkey", 2);
    state.add_app("other", 1);
    assert_eq!(
        state.relate("requirer", "cache", "valkey", "valkey-client"),
        0
    );
    assert_eq!(state.relate("other", "cache", "valkey", "valkey-client"), 1);
    state
}

/// A model and a way to act as one of its units.
trait World {
    fn backend(&self, unit: &str) -> Box<dyn Backend>;
    fn state(&self) -> State;
    fn fail_next(&self, tool: &str, times: u32);
    fn set_config(&self, app: &str, config: Map<String, Value>);
}

struct MemoryWorld(Model);

impl MemoryWorld {
    fn new() -> Self {
        MemoryWorld(Model::new(base_state()))
    }
}

impl World for MemoryWorld {
    fn backend(&self, unit: &str) -> Box<dyn Backend> {
        Box::new(self.0.unit(unit))
    }
    fn state(&self) -> State {
        self.0.snapshot()
    }
    fn fail_next(&self, tool: &str, times: u32) {
        self.0.state().fail_next(tool, times);
    }
    fn set_config(&self, app: &str, config: Map<String, Value>) {
        self.0.state().set_config(app, config);
    }
}

struct EmuWorld {
    _dir: tempfile::TempDir,
    model: EmuModel,
}

impl EmuWorld {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let model =
            EmuModel::new(dir.path(), Path::new(EMULATOR), &base_state()).expect("emulated model");
        EmuWorld { _dir: dir, model }
    }
}

impl World for EmuWorld {
    fn backend(&self, unit: &str) -> Box<dyn Backend> {
        Box::new(self.model.tools(&Hook::new(unit, "update-status")))
    }
    fn state(&self) -> State {
        self.model.state()
    }
    fn fail_next(&self, tool: &str, times: u32) {
        self.model.fail_next(tool, times);
    }
    fn set_config(&self, app: &str, config: Map<String, Value>) {
        self.model.update(|state| state.set_config(app, config));
    }
}

fn cache(number: u32) -> RelationId {
    RelationId::new("cache", number)
}

fn valkey_client(number: u32) -> RelationId {
    RelationId::new("valkey-client", number)
}

fn bag(pairs: &[(&str, &str)]) -> Bag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn update(pairs: &[(&str, Option<&str>)]) -> BagUpdate {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
        .collect()
}

fn user(password: &str) -> SecretContent {
    bag(&[
        ("username", "relation-0-c4c5c119c9345ffa"),
        ("password", password),
    ])
}

const LABEL: &str = "valkey-client.0.c4c5c119c9345ffa.user.secret";

// ---- scenarios: each runs against both backends ----

fn identity_and_leadership(world: &dyn World) {
    let leader = world.backend("valkey/0");
    assert_eq!(leader.app_name(), "valkey");
    assert_eq!(leader.unit_name(), "valkey/0");
    assert_eq!(leader.model_uuid(), MODEL_UUID);
    assert_eq!(leader.is_leader(), Ok(true));
    assert_eq!(world.backend("valkey/1").is_leader(), Ok(false));
    assert_eq!(world.backend("requirer/0").is_leader(), Ok(true));
}

fn relations_and_units(world: &dyn World) {
    let provider = world.backend("valkey/1");
    assert_eq!(
        provider.relation_ids("valkey-client"),
        Ok(vec![valkey_client(0), valkey_client(1)])
    );
    assert_eq!(provider.relation_ids("nothing-here"), Ok(vec![]));
    assert_eq!(
        provider.remote_app(&valkey_client(1)),
        Ok("other".to_owned())
    );
    let requirer = world.backend("requirer/1");
    assert_eq!(requirer.relation_ids("cache"), Ok(vec![cache(0)]));
    assert_eq!(requirer.remote_app(&cache(0)), Ok("valkey".to_owned()));
    assert_eq!(
        requirer.remote_units(&cache(0)),
        Ok(vec!["valkey/0".to_owned(), "valkey/1".to_owned()])
    );
}

fn databags_read_and_write(world: &dyn World) {
    let leader = world.backend("requirer/0");
    leader
        .write_app(
            &cache(0),
            &update(&[
                ("version", Some("v1")),
                ("requests", Some("[]")),
                ("alias", Some("x")),
            ]),
        )
        .expect("leader writes the app databag");
    // One write: set, change and delete together; `None` and `""` both delete.
    leader
        .write_app(
            &cache(0),
            &update(&[
                ("requests", Some("[{}]")),
                ("alias", None),
                ("version", Some("v1")),
            ]),
        )
        .expect("second write");
    leader
        .write_unit(
            &cache(0),
            &update(&[("data", Some("{}")), ("gone", Some("x"))]),
        )
        .expect("unit write");
    leader
        .write_unit(&cache(0), &update(&[("gone", Some(""))]))
        .expect("empty value deletes");
    let expected_app = bag(&[("requests", "[{}]"), ("version", "v1")]);
    assert_eq!(
        leader.read(&cache(0), &BagOf::LocalApp),
        Ok(expected_app.clone())
    );
    assert_eq!(
        leader.read(&cache(0), &BagOf::LocalUnit),
        Ok(bag(&[("data", "{}")]))
    );
    let provider = world.backend("valkey/1");
    assert_eq!(
        provider.read(&valkey_client(0), &BagOf::RemoteApp),
        Ok(expected_app.clone())
    );
    assert_eq!(
        provider.read(
            &valkey_client(0),
            &BagOf::RemoteUnit("requirer/0".to_owned())
        ),
        Ok(bag(&[("data", "{}")]))
    );
    assert_eq!(
        provider.read(
            &valkey_client(0),
            &BagOf::RemoteUnit("requirer/1".to_owned())
        ),
        Ok(Bag::new())
    );
    assert_eq!(
        provider.read(&valkey_client(1), &BagOf::RemoteApp),
        Ok(Bag::new())
    );
    let state = world.state();
    assert_eq!(state.app_bag(0, "requirer"), Some(&expected_app));
    assert_eq!(
        state.unit_bag(0, "requirer/0"),
        Some(bag(&[("data", "{}")]))
    );
}

fn non_leader_cannot_write_app_data(world: &dyn World) {
    let follower = world.backend("requirer/1");
    let error = follower
        .write_app(&cache(0), &update(&[("version", Some("v1"))]))
        .expect_err("a non-leader write fails");
    assert_eq!(error.kind(), ErrorKind::NotLeader);
    assert_eq!(
        error.to_string(),
        "not the leader: `relation-set -r cache:0 --app --file -` exited with status 1: \
         ERROR cannot write relation settings"
    );
    assert_eq!(world.state().app_bag(0, "requirer"), Some(&Bag::new()));
    let error = follower
        .read(&cache(0), &BagOf::LocalApp)
        .expect_err("non-leader read");
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert_eq!(
        error.to_string(),
        "permission denied: `relation-get --format=json -r cache:0 --app - requirer` exited \
         with status 1: ERROR permission denied"
    );
    // Its own unit databag is fine.
    follower
        .write_unit(&cache(0), &update(&[("k", Some("v"))]))
        .expect("unit write");
}

fn unknown_relations(world: &dyn World) {
    let requirer = world.backend("requirer/0");
    for relation in [cache(9), RelationId::new("wrong-endpoint", 0), cache(1)] {
        let error = requirer
            .read(&relation, &BagOf::LocalUnit)
            .expect_err("no such relation");
        assert_eq!(error.kind(), ErrorKind::RelationNotFound, "{error}");
        assert_eq!(
            error.stderr(),
            Some(
                format!("ERROR invalid value \"{relation}\" for option -r: relation not found\n")
                    .as_str()
            )
        );
    }
}

fn secret_lifecycle(world: &dyn World) {
    let provider = world.backend("valkey/0");
    let requirer = world.backend("requirer/1");
    let uri = provider
        .secret_add(&user(PASSWORD), Some(LABEL), SecretOwner::Application)
        .expect("leader adds");
    assert_eq!(
        uri.model(),
        Some(MODEL_UUID),
        "secret-add prints the long form: {uri}"
    );
    // Not granted yet.
    let error = requirer
        .secret_get(&SecretRef::uri(uri.clone()), Fetch::Tracked)
        .expect_err("ungranted");
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    provider
        .secret_grant(&uri, &valkey_client(0))
        .expect("grant");
    provider
        .secret_grant(&uri, &valkey_client(0))
        .expect("granting twice is fine");
    let consumer_label = "cache.0.c4c5c119c9345ffa.user.secret";
    let first = requirer
        .secret_get(
            &SecretRef::uri_with_label(uri.clone(), consumer_label),
            Fetch::Tracked,
        )
        .expect("granted read");
    assert_eq!(first, user(PASSWORD));

    // A new revision: consumers keep the tracked one until they refresh.
    provider.secret_set(&uri, &user(NEW_PASSWORD)).expect("set");
    provider
        .secret_set(&uri, &user(NEW_PASSWORD))
        .expect("same content: no new revision");
    let by_label = SecretRef::label(consumer_label);
    let password =
        |fetch| requirer.secret_get(&by_label, fetch).expect("by label")["password"].clone();
    assert_eq!(password(Fetch::Tracked), PASSWORD);
    assert_eq!(password(Fetch::Peek), NEW_PASSWORD);
    assert_eq!(password(Fetch::Tracked), PASSWORD);
    assert_eq!(password(Fetch::Refresh), NEW_PASSWORD);
    assert_eq!(password(Fetch::Tracked), NEW_PASSWORD);
    // The other requirer unit tracks on its own: its first read is the latest.
    let sibling = world
        .backend("requirer/0")
        .secret_get(&SecretRef::uri(uri.clone()), Fetch::Tracked);
    assert_eq!(sibling.expect("sibling")["password"], NEW_PASSWORD);
    assert_eq!(
        world.state().consumer("requirer/1", uri.as_str()),
        Some((2, Some(consumer_label.to_owned())))
    );

    // Owners: latest revision, by label, from any unit; metadata by label.
    let follower = world.backend("valkey/1");
    let owned = follower
        .secret_get(&SecretRef::label(LABEL), Fetch::Tracked)
        .expect("owner read");
    assert_eq!(owned["password"], NEW_PASSWORD);
    let info = provider
        .secret_info(&SecretRef::label(LABEL))
        .expect("info");
    assert_eq!(
        (&info.uri, info.revision, info.label.as_deref(), info.owner),
        (&uri, 2, Some(LABEL), SecretOwner::Application)
    );
    assert_eq!(provider.secret_ids(), Ok(vec![uri.clone()]));
    assert_eq!(world.state().secrets()[0].granted_on, vec![0]);

    // Revoke: unreadable again. Remove: gone for everyone.
    provider
        .secret_revoke(&uri, &valkey_client(0))
        .expect("revoke");
    let error = requirer
        .secret_get(&by_label, Fetch::Tracked)
        .expect_err("revoked");
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    provider.secret_remove(&uri).expect("remove");
    let error = provider
        .secret_get(&SecretRef::uri(uri.clone()), Fetch::Tracked)
        .expect_err("removed");
    assert_eq!(error.kind(), ErrorKind::SecretNotFound);
    assert_eq!(provider.secret_ids(), Ok(vec![]));
    assert!(world.state().secrets().is_empty());
}

fn unknown_secrets(world: &dyn World) {
    let provider = world.backend("valkey/0");
    let unknown = SecretUri::parse("secret:d2fjn1fmp25004or68b0").expect("uri");
    let error = provider
        .secret_get(&SecretRef::uri(unknown.clone()), Fetch::Tracked)
        .expect_err("unknown");
    assert_eq!(error.kind(), ErrorKind::SecretNotFound);
    assert_eq!(
        error.to_string(),
        "secret not found: `secret-get --format=json secret:d2fjn1fmp25004or68b0` exited with \
         status 1: ERROR secret \"secret:d2fjn1fmp25004or68b0\" not found"
    );
    let error = provider
        .secret_get(&SecretRef::label("nope"), Fetch::Peek)
        .expect_err("unknown label");
    assert_eq!(error.kind(), ErrorKind::SecretNotFound);
    assert_eq!(
        error.stderr(),
        Some("ERROR secret with label \"nope\" not found\n")
    );
    for result in [
        provider
            .secret_info(&SecretRef::uri(unknown.clone()))
            .map(|_| ()),
        provider.secret_set(&unknown, &user(PASSWORD)),
        provider.secret_grant(&unknown, &valkey_client(0)),
        provider.secret_revoke(&unknown, &valkey_client(0)),
        provider.secret_remove(&unknown),
    ] {
        let error = result.expect_err("unknown secret");
        assert_eq!(error.kind(), ErrorKind::SecretNotFound, "{error}");
        assert!(!error.to_string().contains(PASSWORD), "{error}");
    }
}

fn secret_access_rules(world: &dyn World) {
    let provider = world.backend("valkey/0");
    let uri = provider
        .secret_add(&user(PASSWORD), Some(LABEL), SecretOwner::Application)
        .expect("add");
    provider
        .secret_grant(&uri, &valkey_client(0))
        .expect("grant to requirer only");
    // `other` is related to valkey too, but the grant was for relation 0.
    let error = world
        .backend("other/0")
        .secret_get(&SecretRef::uri(uri.clone()), Fetch::Tracked)
        .expect_err("not granted to other");
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert_eq!(error.tool(), Some("secret-get"));
    // Non-owners cannot change it; the owner's non-leader units cannot manage it.
    let error = world
        .backend("requirer/0")
        .secret_set(&uri, &user(NEW_PASSWORD))
        .expect_err("not owner");
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    let follower = world.backend("valkey/1");
    for (tool, result) in [
        (
            "secret-add",
            follower
                .secret_add(&user(PASSWORD), None, SecretOwner::Application)
                .map(|_| ()),
        ),
        ("secret-set", follower.secret_set(&uri, &user(NEW_PASSWORD))),
        (
            "secret-grant",
            follower.secret_grant(&uri, &valkey_client(1)),
        ),
        ("secret-remove", follower.secret_remove(&uri)),
    ] {
        let error = result.expect_err(tool);
        assert_eq!(error.kind(), ErrorKind::NotLeader, "{error}");
        assert_eq!(error.tool(), Some(tool));
        assert_eq!(error.stderr(), Some("ERROR this unit is not the leader\n"));
    }
    // A unit-owned secret is the unit's own business, leader or not.
    let own = follower
        .secret_add(
            &bag(&[("token", "t0ken-value")]),
            Some("mine"),
            SecretOwner::Unit,
        )
        .expect("unit-owned");
    follower
        .secret_set(&own, &bag(&[("token", "t0ken-value-2")]))
        .expect("unit manages its own");
    let info = follower
        .secret_info(&SecretRef::label("mine"))
        .expect("info");
    assert_eq!((info.owner, info.revision), (SecretOwner::Unit, 2));
    // Owner labels are unique per owner.
    let error = provider
        .secret_add(&user(NEW_PASSWORD), Some(LABEL), SecretOwner::Application)
        .expect_err("duplicate label");
    assert_eq!(error.kind(), ErrorKind::ToolFailed);
    assert_eq!(
        error.stderr(),
        Some(format!("ERROR secret with label \"{LABEL}\" already exists\n").as_str())
    );
    assert_eq!(world.state().secrets().len(), 2);
}

fn invalid_secret_content_is_refused_before_juju(world: &dyn World) {
    let provider = world.backend("valkey/0");
    for content in [
        SecretContent::new(),
        bag(&[("Password", "x")]),
        bag(&[("../../etc/x", "x")]),
    ] {
        let error = provider
            .secret_add(&content, None, SecretOwner::Application)
            .expect_err("invalid");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(error.tool(), None, "nothing reached Juju: {error}");
    }
    assert!(world.state().secrets().is_empty());
}

/// `state-get` / `state-set` / `state-delete` (juju/juju worker/uniter/runner/jujuc/state-*.go):
/// each unit its own values, a missing key reads as unset (non-strict `state-get` prints the
/// empty value).
fn unit_state_is_per_unit(world: &dyn World) {
    let leader = world.backend("valkey/0");
    let other = world.backend("valkey/1");
    assert_eq!(leader.state_get("k").expect("state-get"), None);
    leader.state_set("k", Some("v=1")).expect("state-set");
    assert_eq!(
        leader.state_get("k").expect("state-get"),
        Some("v=1".to_owned())
    );
    assert_eq!(other.state_get("k").expect("state-get"), None, "per unit");
    leader.state_set("k", None).expect("state-delete");
    assert_eq!(leader.state_get("k").expect("state-get"), None);

    // The whole state in one `state-get`; `state-set --file -` sets many keys at once (values
    // with newlines and quotes, as a PEM in JSON), `None` and "" delete.
    assert!(leader.state_get_all().expect("state-get").is_empty());
    let pem = "-----BEGIN CERTIFICATE-----\nMII\"x\"\n-----END CERTIFICATE-----";
    leader
        .state_update(&update(&[
            ("a", Some("1")),
            ("pem", Some(pem)),
            ("b", Some("2")),
        ]))
        .expect("state-set --file");
    leader
        .state_update(&update(&[("a", None), ("b", Some("")), ("c", Some("3"))]))
        .expect("state-set and state-delete");
    let all = leader.state_get_all().expect("state-get");
    assert_eq!(
        all,
        databag::juju::CharmState::from([
            ("c".to_owned(), "3".to_owned()),
            ("pem".to_owned(), pem.to_owned()),
        ])
    );
    assert!(
        other.state_get_all().expect("state-get").is_empty(),
        "per unit"
    );
    // Juju's per-entry quota (juju core/quota, `CheckTupleSize`): a value over 64 KiB is
    // refused, and nothing of the call is kept.
    let big = "x".repeat(databag::juju::MAX_STATE_VALUE + 1);
    let error = leader
        .state_update(&update(&[("d", Some("4")), ("e", Some(big.as_str()))]))
        .expect_err("over quota");
    assert!(
        error
            .to_string()
            .contains("max allowed value length (65536)"),
        "{error}"
    );
    assert_eq!(leader.state_get_all().expect("state-get"), all);
}

/// Metadata of app-owned secrets (`secret-ids`, `secret-info-get`) is the leader's alone: "Unit
/// leaders can also get metadata for secrets owned by the app" (juju/juju
/// apiserver/facades/agent/secretsmanager, `GetSecretMetadata`); a unit's own secrets are its
/// own, leader or not.
fn app_secret_metadata_is_the_leaders(world: &dyn World) {
    let leader = world.backend("valkey/0");
    let other = world.backend("valkey/1");
    let app_owned = leader
        .secret_add(&user(PASSWORD), Some("app-label"), SecretOwner::Application)
        .expect("secret-add");
    let unit_owned = other
        .secret_add(&user(NEW_PASSWORD), Some("unit-label"), SecretOwner::Unit)
        .expect("secret-add");
    let ids = |backend: &dyn Backend| -> Vec<String> {
        let mut ids: Vec<String> = backend
            .secret_ids()
            .expect("secret-ids")
            .iter()
            .map(|uri| uri.id().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(leader.as_ref()), [app_owned.id().to_owned()]);
    assert_eq!(ids(other.as_ref()), [unit_owned.id().to_owned()]);
    assert!(leader.secret_info(&SecretRef::label("app-label")).is_ok());
    let hidden = other
        .secret_info(&SecretRef::label("app-label"))
        .expect_err("a non-leader sees no app secret metadata");
    assert_eq!(hidden.kind(), ErrorKind::SecretNotFound, "{hidden}");
}

/// What a charm tells the operator and reads of its options. Juju: `status-set --application`
/// is the leader's only (juju/juju worker/uniter/runner/context/context.go,
/// `SetApplicationStatus` returns `ErrIsNotLeader`); a message or log line that starts with a
/// dash is not a flag after `--`; `config-get --format=json` prints the options as JSON values.
fn status_log_and_config(world: &dyn World) {
    let options: Map<String, Value> =
        serde_json::from_str(r#"{"prefixes": "app:*", "replicas": 3, "tls": true}"#)
            .expect("options");
    world.set_config("requirer", options.clone());
    let (leader, other) = (world.backend("requirer/0"), world.backend("requirer/1"));
    assert_eq!(other.config().expect("config-get"), options);
    assert!(
        world
            .backend("valkey/0")
            .config()
            .expect("config-get")
            .is_empty()
    );

    let blocked = WorkloadStatus::Blocked("-r looks like a flag".to_owned());
    other.status_set(&blocked).expect("status-set");
    assert_eq!(world.state().status("requirer/1"), Some(&blocked));
    let refused = other.app_status_set(&blocked).expect_err("not the leader");
    assert_eq!(refused.kind(), ErrorKind::NotLeader, "{refused}");
    assert_eq!(refused.tool(), Some("status-set"));
    let waiting = WorkloadStatus::Waiting("for valkey".to_owned());
    leader
        .app_status_set(&waiting)
        .expect("status-set --application");
    assert_eq!(world.state().status("requirer"), Some(&waiting));

    other.log(Level::Warning, "--not a flag").expect("juju-log");
    assert!(
        world
            .state()
            .log()
            .contains(&"requirer/1 WARNING --not a flag".to_owned()),
        "{:?}",
        world.state().log()
    );
}

fn injected_failures_name_the_tool(world: &dyn World) {
    let provider = world.backend("valkey/0");
    world.fail_next("secret-add", 1);
    let error = provider
        .secret_add(&user(PASSWORD), Some(LABEL), SecretOwner::Application)
        .expect_err("injected");
    assert_eq!(error.kind(), ErrorKind::ToolFailed);
    assert_eq!(
        error.to_string(),
        format!(
            "hook tool failed: `secret-add --label {LABEL} --owner application \
             password#file=<tempfile> username#file=<tempfile>` exited with status 1: \
             ERROR injected failure of secret-add (test fault)"
        )
    );
    assert!(
        world.state().secrets().is_empty(),
        "a failed secret-add creates nothing"
    );
    let uri = provider
        .secret_add(&user(PASSWORD), Some(LABEL), SecretOwner::Application)
        .expect("retry");

    let leader = world.backend("requirer/0");
    world.fail_next("relation-set", 2);
    for _ in 0..2 {
        let error = leader
            .write_app(&cache(0), &update(&[("version", Some("v1"))]))
            .expect_err("injected");
        assert_eq!(
            (error.kind(), error.tool()),
            (ErrorKind::ToolFailed, Some("relation-set"))
        );
        assert_eq!(
            error.stderr(),
            Some("ERROR injected failure of relation-set (test fault)\n")
        );
    }
    assert_eq!(world.state().app_bag(0, "requirer"), Some(&Bag::new()));
    leader
        .write_app(&cache(0), &update(&[("version", Some("v1"))]))
        .expect("third try");
    assert_eq!(
        world.state().app_bag(0, "requirer"),
        Some(&bag(&[("version", "v1")]))
    );

    world.fail_next("secret-get", 1);
    let error = provider
        .secret_get(&SecretRef::uri(uri), Fetch::Tracked)
        .expect_err("injected");
    assert_eq!(error.tool(), Some("secret-get"));
    assert!(!error.to_string().contains(PASSWORD));
}

macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(#[test] fn $scenario() { super::$scenario(&super::MemoryWorld::new()); })*
        }
        mod hook_tools {
            $(#[test] fn $scenario() { super::$scenario(&super::EmuWorld::new()); })*
        }
    };
}

on_both_backends!(
    identity_and_leadership,
    relations_and_units,
    databags_read_and_write,
    non_leader_cannot_write_app_data,
    unknown_relations,
    secret_lifecycle,
    unknown_secrets,
    secret_access_rules,
    invalid_secret_content_is_refused_before_juju,
    injected_failures_name_the_tool,
    unit_state_is_per_unit,
    app_secret_metadata_is_the_leaders,
    status_log_and_config,
);

// ---- the emulator as processes ----

/// Runs one emulated tool as `unit` and returns (exit status, stdout, stderr).
fn tool(
    model: &EmuModel,
    unit: &str,
    name: &str,
    args: &[&str],
    extra: &[(&str, &str)],
) -> (i32, String, String) {
    let output = Command::new(model.bin_dir().join(name))
        .args(args)
        .env_clear()
        .envs(model.hook_env(unit, "update-status", None))
        .envs(extra.iter().copied())
        .output()
        .expect("run emulated tool");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn secret_values_never_reach_a_command_line() {
    let world = EmuWorld::new();
    secret_lifecycle(&world);
    injected_failures_name_the_tool(&world);
    let calls = world.model.calls();
    let secret_calls: Vec<_> = calls
        .iter()
        .filter(|call| call.tool == "secret-add" || call.tool == "secret-set")
        .collect();
    assert!(secret_calls.len() >= 5, "{calls:?}");
    for call in &calls {
        for arg in &call.args {
            assert!(
                !arg.contains(PASSWORD) && !arg.contains(NEW_PASSWORD),
                "{call:?}"
            );
        }
    }
    // Content went through files: anonymous memory files named by descriptor (nothing to
    // remove; the number may be reused once closed), or files removed once the tool returned.
    let descriptors = format!("/proc/{}/fd/", std::process::id());
    for call in secret_calls {
        for arg in &call.args {
            if let Some((_, path)) = arg.split_once("#file=") {
                assert!(
                    path.starts_with(&descriptors) || !Path::new(path).exists(),
                    "left behind: {path}"
                );
            }
        }
    }
}

/// The `databag-secret-*` entries of the temporary directory: where content files went before
/// memfd, and still go where memfd is unavailable.
fn secret_dirs() -> std::collections::BTreeSet<std::ffi::OsString> {
    std::fs::read_dir(std::env::temp_dir())
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name())
                .filter(|name| name.to_string_lossy().starts_with("databag-secret-"))
                .collect()
        })
        .unwrap_or_default()
}

/// `secret-add` and `secret-set` read every value from an anonymous memory file of this
/// process (`/proc/<pid>/fd/<n>`, linking to `/memfd:...` when the tool read it): no file holding
/// a value ever has a name in a directory, so a hook killed mid-call leaves none behind.
#[cfg(target_os = "linux")]
#[test]
fn secret_content_never_has_a_name_on_disk() {
    let before = secret_dirs();
    let world = EmuWorld::new();
    secret_lifecycle(&world);
    let calls = world.model.calls();
    let passed = calls
        .iter()
        .filter(|call| call.tool == "secret-add" || call.tool == "secret-set")
        .flat_map(|call| &call.args)
        .filter(|arg| arg.contains("#file="))
        .count();
    let files = world.model.content_files();
    assert!(!files.is_empty(), "{calls:?}");
    assert_eq!(files.len(), passed, "every content file read: {files:?}");
    let descriptors = format!("/proc/{}/fd/", std::process::id());
    for file in &files {
        assert!(file.path.starts_with(&descriptors), "{file:?}");
        assert!(
            file.target
                .as_deref()
                .is_some_and(|target| target.starts_with("/memfd:databag-secret")),
            "{file:?}"
        );
    }
    let new: Vec<_> = secret_dirs().difference(&before).cloned().collect();
    assert!(new.is_empty(), "new in the temporary directory: {new:?}");
}

#[test]
fn relation_hooks_name_the_remote_app_in_the_environment() {
    let world = EmuWorld::new();
    let tools = world
        .model
        .tools(&Hook::new("valkey/0", "valkey-client-relation-changed").relation(1));
    assert_eq!(tools.context().relation, Some(valkey_client(1)));
    assert_eq!(tools.context().remote_unit.as_deref(), Some("other/0"));
    assert_eq!(tools.remote_app(&valkey_client(1)), Ok("other".to_owned()));
    assert_eq!(
        tools.remote_app(&valkey_client(0)),
        Ok("requirer".to_owned())
    );
    let listed: Vec<_> = world
        .model
        .calls()
        .into_iter()
        .filter(|call| call.tool == "relation-list")
        .collect();
    assert_eq!(
        listed.len(),
        1,
        "only the relation outside the hook needs relation-list: {listed:?}"
    );
    assert_eq!(
        listed[0].args,
        ["--format=json", "-r", "valkey-client:0", "--app"]
    );
}

#[test]
fn emulated_tools_speak_juju_formats() {
    let world = EmuWorld::new();
    let model = &world.model;
    assert_eq!(
        tool(
            model,
            "valkey/1",
            "relation-ids",
            &["--format=json", "valkey-client"],
            &[]
        )
        .1,
        "[\"valkey-client:0\",\"valkey-client:1\"]\n"
    );
    assert_eq!(
        tool(model, "valkey/1", "is-leader", &["--format=json"], &[]).1,
        "false\n"
    );
    assert_eq!(
        tool(
            model,
            "valkey/0",
            "relation-list",
            &["--format=json", "-r", "1", "--app"],
            &[]
        )
        .1,
        "\"other\"\n"
    );
    let (status, _, stderr) = tool(model, "valkey/0", "relation-ids", &["--bogus"], &[]);
    assert_eq!(
        (status, stderr.as_str()),
        (2, "ERROR option provided but not defined: --bogus\n")
    );
    let (status, _, _) = tool(
        model,
        "requirer/0",
        "relation-set",
        &["-r", "cache:0", "--app", "k=v", "gone="],
        &[],
    );
    assert_eq!(status, 0);
    let (status, stdout, _) = tool(
        model,
        "valkey/0",
        "relation-get",
        &["--format=json", "-r", "0", "k", "requirer"],
        &[],
    );
    assert_eq!((status, stdout.as_str()), (0, "\"v\"\n"));
    // JUJU_EMU_FAIL fails every call of the listed tools in that process.
    let fail = [("JUJU_EMU_FAIL", "relation-set,secret-add")];
    let (status, _, stderr) = tool(
        model,
        "requirer/0",
        "relation-set",
        &["-r", "cache:0", "--app", "k=w"],
        &fail,
    );
    assert_eq!(
        (status, stderr.as_str()),
        (
            1,
            "ERROR injected failure of relation-set (JUJU_EMU_FAIL)\n"
        )
    );
    assert_eq!(
        model.state().app_bag(0, "requirer"),
        Some(&bag(&[("k", "v")]))
    );
    let (status, stdout, stderr) = tool(
        model,
        "valkey/0",
        "secret-add",
        &["--label", "l", "password=pw"],
        &[],
    );
    assert_eq!(status, 0, "{stderr}");
    let id = stdout
        .trim()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let (status, stdout, _) = tool(
        model,
        "valkey/0",
        "secret-info-get",
        &["--format=json", "--label", "l"],
        &[],
    );
    assert_eq!(status, 0);
    let info: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(info[&id]["revision"], 1);
    assert_eq!(info[&id]["owner"], "application");
}

/// `secret-ids` with no secret prints `null`, as Juju 3.x does (its output is a nil Go slice,
/// `var out []string` in juju/juju worker/uniter/runner/jujuc/secret-ids.go), and the hook-tool
/// backend reads that as no secret: a relation-broken with nothing to clean up succeeds.
#[test]
fn secret_ids_of_an_app_without_secrets_is_go_null() {
    let world = EmuWorld::new();
    let (status, stdout, _) = tool(
        &world.model,
        "valkey/0",
        "secret-ids",
        &["--format=json"],
        &[],
    );
    assert_eq!((status, stdout.as_str()), (0, "null\n"));
    let backend = world.backend("valkey/0");
    assert_eq!(backend.secret_ids().expect("null is no secret"), []);
    backend
        .secret_add(&user(PASSWORD), Some("l"), SecretOwner::Application)
        .expect("secret-add");
    assert_eq!(backend.secret_ids().expect("one secret").len(), 1);
}

/// During relation-broken the relation no longer exists for the unit: reads still work, a
/// `relation-set` is refused with "permission denied" (canonical/operator#793 shows Juju's
/// error; juju/juju docs/reference/hook.md: "Once relation-broken fires, however, the
/// relation no longer exists"). Both backends.
#[test]
fn relation_set_is_refused_once_the_relation_is_broken() {
    let memory = MemoryWorld::new();
    memory.0.state().break_relation(0);
    let emulated = EmuWorld::new();
    emulated.model.update(|state| state.break_relation(0));
    for world in [&memory as &dyn World, &emulated as &dyn World] {
        let backend = world.backend("requirer/0");
        assert!(
            backend.read(&cache(0), &BagOf::LocalApp).is_ok(),
            "reads still work"
        );
        let error = backend
            .write_app(&cache(0), &update(&[("k", Some("v"))]))
            .expect_err("no write to a broken relation");
        assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{error}");
        assert!(
            backend
                .write_unit(&cache(0), &update(&[("k", Some("v"))]))
                .is_err()
        );
    }
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[test]
fn failed_hooks_are_rolled_back_like_juju() {
    let world = EmuWorld::new();
    let model = &world.model;
    let hook = Hook::new("valkey/0", "valkey-client-relation-changed").relation(0);
    let charm = script(
        model.dir(),
        "charm",
        "set -e\nsecret-add --label \"$LABEL\" password=pw >/dev/null\nrelation-set -r valkey-client:0 --app done=yes",
    );
    // relation-set fails after secret-add succeeded: Juju discards the whole hook.
    model.fail_next("relation-set", 1);
    let run = model
        .run_hook(&charm, &hook.clone().var("LABEL", "user"))
        .expect("run");
    assert!(!run.success);
    assert_eq!(
        run.stderr,
        "ERROR injected failure of relation-set (test fault)\n"
    );
    let state = model.state();
    assert!(
        state.secrets().is_empty(),
        "the failed hook's secret is discarded"
    );
    assert_eq!(state.app_bag(0, "valkey"), Some(&Bag::new()));
    // The fault stays consumed: the retry succeeds, with one secret.
    let run = model
        .run_hook(&charm, &hook.clone().var("LABEL", "user"))
        .expect("retry");
    assert!(run.success, "{}", run.stderr);
    assert_eq!(model.state().secrets().len(), 1);
    assert_eq!(
        model.state().app_bag(0, "valkey"),
        Some(&bag(&[("done", "yes")]))
    );

    // Without rollback (harsher than Juju) the half-done work stays: an orphaned secret.
    model.fail_next("relation-set", 1);
    let run = model
        .run_hook_with(&charm, &hook.clone().var("LABEL", "orphan"), false)
        .expect("run");
    assert!(!run.success);
    let labels: Vec<_> = model
        .state()
        .secrets()
        .into_iter()
        .filter_map(|s| s.label)
        .collect();
    assert_eq!(labels, ["user", "orphan"]);

    // The hook environment is what Juju sets, and only that.
    let env_dump = script(model.dir(), "env-dump", "env | sort");
    let run = model.run_hook(&env_dump, &hook).expect("run");
    assert!(run.success, "{}", run.stderr);
    for expected in [
        "JUJU_UNIT_NAME=valkey/0",
        "JUJU_RELATION_ID=valkey-client:0",
        "JUJU_REMOTE_APP=requirer",
        "JUJU_REMOTE_UNIT=requirer/0",
        "JUJU_HOOK_NAME=valkey-client-relation-changed",
        "JUJU_DISPATCH_PATH=hooks/valkey-client-relation-changed",
        &format!("JUJU_MODEL_UUID={MODEL_UUID}"),
    ] {
        assert!(
            run.stdout.lines().any(|line| line == expected),
            "{expected} in\n{}",
            run.stdout
        );
    }
}

#[test]
fn concurrent_hooks_do_not_lose_writes() {
    let world = EmuWorld::new();
    let model = &world.model;
    let writer = script(
        model.dir(),
        "writer",
        "for i in 1 2 3 4 5; do relation-set -r cache:0 \"$KEY$i=v\" || exit 1; done",
    );
    std::thread::scope(|scope| {
        for unit in ["requirer/0", "requirer/1"] {
            for key in ["a", "b"] {
                let hook = Hook::new(unit, "update-status").var("KEY", key);
                let writer = &writer;
                scope.spawn(move || {
                    let run = model.run_hook(writer, &hook).expect("run");
                    assert!(run.success, "{}", run.stderr);
                });
            }
        }
    });
    let state = model.state();
    for unit in ["requirer/0", "requirer/1"] {
        assert_eq!(
            state.unit_bag(0, unit).map(|bag| bag.len()),
            Some(10),
            "{unit}"
        );
    }
}

/// `relation-model-get` prints the remote application's model, `{"uuid": ...}` (juju/juju
/// worker/uniter/runner/jujuc/relation-model-get.go, Juju 3.6.2+; ops asks it for
/// `Relation.remote_model`, the reference library for `is_cross_model_relation`), and refuses
/// an unknown relation; boolean flags take an inline value as gnuflag reads it (ops runs
/// `status-set --application=False`).
#[test]
fn relation_model_get_and_boolean_flag_values() {
    let world = EmuWorld::new();
    let model = &world.model;
    let (status, stdout, stderr) = tool(
        model,
        "requirer/0",
        "relation-model-get",
        &["--format=json", "-r", "cache:0"],
        &[],
    );
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(stdout, format!("{{\"uuid\":\"{MODEL_UUID}\"}}\n"));
    let (status, _, stderr) = tool(
        model,
        "requirer/0",
        "relation-model-get",
        &["--format=json", "-r", "7"],
        &[],
    );
    assert_eq!(
        (status, stderr.as_str()),
        (
            2,
            "ERROR invalid value \"7\" for option -r: relation not found\n"
        )
    );

    let (status, _, stderr) = tool(
        model,
        "valkey/0",
        "status-set",
        &["--application=False", "active", "--", "unit only"],
        &[],
    );
    assert_eq!(status, 0, "{stderr}");
    let (status, _, stderr) = tool(
        model,
        "valkey/0",
        "status-set",
        &["--application=true", "blocked", "whole app"],
        &[],
    );
    assert_eq!(status, 0, "{stderr}");
    let state = model.state();
    assert_eq!(
        state.status("valkey/0"),
        Some(&WorkloadStatus::Active("unit only".to_owned()))
    );
    assert_eq!(
        state.status("valkey"),
        Some(&WorkloadStatus::Blocked("whole app".to_owned()))
    );
    let (status, _, stderr) = tool(
        model,
        "valkey/0",
        "status-set",
        &["--application=maybe", "active"],
        &[],
    );
    assert_eq!(
        (status, stderr.as_str()),
        (
            2,
            "ERROR invalid boolean value \"maybe\" for flag: --application=maybe\n"
        )
    );
}
