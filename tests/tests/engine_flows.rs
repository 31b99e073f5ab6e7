//! The relation engine (`databag::relation`) running interfaces it was never written for:
//! `postgresql_client`, `mysql_client` and `kafka_client`, each from its spec alone (the
//! generated `Interface` impl) plus a small test policy, requirer and provider, v1 and v0, on
//! the in-memory model and on the emulated Juju CLI (hook tools as separate processes).

use std::cell::RefCell;
use std::path::Path;

use databag::juju::{Backend, Model, RelationId, State};
use databag::relation::{
    Event, Grant, Interface, Policy, PolicyError, Provider, Reply, Requirer, WireVersion,
};
use databag::testing::{EmuModel, Hook};
use databag::{Bag, Databag, Secret};
use databag_interfaces::{kafka_client, mysql_client, postgresql_client};

const EMULATOR: &str = env!("CARGO_BIN_EXE_juju_emu");
const UUID: &str = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d";
const PASSWORD: &str = "pw-generated-by-the-service";

/// `app` (2 units) related to `svc` (1 unit) twice: relation 0 for a v1 requirer, relation 1
/// for a v0 one. First units lead.
fn state(provider_endpoint: &str) -> State {
    let mut state = State::new(UUID);
    state.add_app("app", 2);
    state.add_app("svc", 1);
    assert_eq!(state.relate("app", "db", "svc", provider_endpoint), 0);
    assert_eq!(state.relate("app", "legacy", "svc", provider_endpoint), 1);
    state
}

/// A model and a way to act as one of its units.
trait World {
    fn backend(&self, unit: &str) -> Box<dyn Backend + '_>;
    fn state(&self) -> State;
}

impl World for Model {
    fn backend(&self, unit: &str) -> Box<dyn Backend + '_> {
        Box::new(self.unit(unit))
    }
    fn state(&self) -> State {
        self.snapshot()
    }
}

struct Emulated {
    _dir: tempfile::TempDir,
    model: EmuModel,
}

impl World for Emulated {
    fn backend(&self, unit: &str) -> Box<dyn Backend + '_> {
        Box::new(self.model.tools(&Hook::new(unit, "update-status")))
    }
    fn state(&self) -> State {
        self.model.state()
    }
}

fn emulated(state: &State) -> Emulated {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = EmuModel::new(dir.path(), Path::new(EMULATOR), state).expect("emulated model");
    Emulated { _dir: dir, model }
}

/// A service's policy for every interface with `endpoints`, `username` and `password`: one
/// user per request, made the first time, revoked on relation-broken; endpoints from the
/// input. What a real charm would do against its database, in memory.
#[derive(Default)]
struct Users {
    made: RefCell<Vec<String>>,
}

macro_rules! users_policy {
    ($interface:ty, $module:ident) => {
        impl Policy<$interface> for Users {
            type Input = str;

            fn respond(
                &mut self,
                grant: &Grant<'_, $interface>,
                endpoints: &str,
            ) -> Result<Reply<$module::Response>, PolicyError> {
                let user = match grant.request_id {
                    Some(id) => format!("relation-{}-{id}", grant.relation.number()),
                    None => format!("relation-{}", grant.relation.number()),
                };
                let fresh = grant.previous.is_none_or(|p| p.secret_user.is_none());
                if fresh {
                    self.made.borrow_mut().push(user.clone());
                }
                Ok(Reply {
                    response: $module::Response {
                        endpoints: Some(endpoints.to_owned()),
                        username: fresh.then(|| Secret::new(user.clone())),
                        password: fresh.then(|| Secret::new(PASSWORD.to_owned())),
                        ..grant.echo()?
                    },
                    created: fresh.then_some(user),
                })
            }

            fn revoke(&mut self, relation: &RelationId) -> Result<Vec<String>, PolicyError> {
                let prefix = format!("relation-{}", relation.number());
                let mut made = self.made.borrow_mut();
                let (gone, kept): (Vec<String>, Vec<String>) = made
                    .drain(..)
                    .partition(|u| *u == prefix || u.starts_with(&format!("{prefix}-")));
                *made = kept;
                Ok(gone)
            }
        }
    };
}

users_policy!(postgresql_client::PostgresqlClient, postgresql_client);
users_policy!(mysql_client::MysqlClient, mysql_client);
users_policy!(kafka_client::KafkaClient, kafka_client);

/// The values of every relation databag of the model (app and unit), for leak checks.
fn every_value(state: &State) -> Vec<String> {
    state
        .all_bags()
        .into_iter()
        .flat_map(|(_, _, bag)| bag.into_values())
        .collect()
}

/// The response's field, read through its JSON object (the tests are generic over the
/// interface's response type).
fn field<I: Interface>(response: &I::Response, key: &str) -> Option<String> {
    let bag: Bag = response.split().expect("split").into_bag();
    bag.get(key).cloned()
}

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::name).collect()
}

/// Both flows of interface `I` end to end in `world`: v1 on relation 0, v0 on relation 1,
/// an endpoint change, the answers read by both requirer units, then relation-broken.
fn both_flows<I: Interface>(world: &dyn World, provider_endpoint: &str)
where
    Users: Policy<I, Input = str>,
{
    let db = RelationId::new("db", 0);
    let legacy = RelationId::new("legacy", 1);
    let served = |n| RelationId::new(provider_endpoint, n);
    let quiet = |_: databag::relation::Level, _: &str| {};

    // relation-created on the requirer's leader: v1 on `db`, v0 on `legacy`.
    let app = world.backend("app/0");
    let sent = Requirer::<I>::new(&*app, "db")
        .with_log(quiet)
        .request(&db, &["orders"])
        .expect("request v1")
        .expect("leader writes");
    assert_eq!(sent.len(), 1);
    Requirer::<I>::new(&*app, "legacy")
        .with_version(WireVersion::V0)
        .with_log(quiet)
        .request(&legacy, &["orders"])
        .expect("request v0");

    // relation-changed on the provider: one user per request, secrets, one write each.
    let svc = world.backend("svc/0");
    let mut provider =
        Provider::<I, Users>::new(&*svc, provider_endpoint, Users::default()).with_log(quiet);
    let v1 = provider
        .reconcile(&served(0), "10.0.0.1:1")
        .expect("answer v1")
        .expect("leader");
    assert_eq!(
        (v1.wire_version, v1.created.len()),
        (Some("v1"), 1),
        "{v1:?}"
    );
    assert!(v1.refused.is_empty(), "{v1:?}");
    let v0 = provider
        .reconcile(&served(1), "10.0.0.1:1")
        .expect("answer v0")
        .expect("leader");
    assert_eq!(v0.wire_version, Some("v0"));
    assert_eq!(v0.created, ["relation-1"]);
    let flat = world.state().app_bag(1, "svc").cloned().expect("v0 answer");
    assert_eq!(flat[I::V0_RESOURCE_KEY], "orders", "{flat:?}");
    assert!(flat["secret-user"].starts_with("secret:"), "{flat:?}");

    // Both requirer units read their answers, credentials resolved, `resource_created`.
    for unit in ["app/0", "app/1"] {
        let backend = world.backend(unit);
        let answers = Requirer::<I>::new(&*backend, "db")
            .with_log(quiet)
            .read(&db)
            .expect("read v1");
        assert_eq!(names(&answers.events), ["resource_created"], "{unit}");
        let response = &answers.responses[0];
        assert_eq!(field::<I>(response, "resource").as_deref(), Some("orders"));
        assert_eq!(
            field::<I>(response, "endpoints").as_deref(),
            Some("10.0.0.1:1")
        );
        let split = response.split().expect("split");
        let user = split
            .secrets
            .iter()
            .find(|slot| slot.group == "user")
            .expect("user secret resolved");
        assert_eq!(user.content["password"], PASSWORD);
        let answers = Requirer::<I>::new(&*backend, "legacy")
            .with_version(WireVersion::V0)
            .with_log(quiet)
            .read(&legacy)
            .expect("read v0");
        assert_eq!(names(&answers.events), ["resource_created"], "{unit}");
        assert_eq!(
            field::<I>(&answers.responses[0], "resource").as_deref(),
            Some("orders")
        );
    }

    // The service moves: every relation gets the new endpoints, users stay.
    let reports = provider
        .update_all("10.0.0.2:1")
        .expect("update")
        .expect("leader");
    assert!(reports.iter().all(|r| r.created.is_empty()), "{reports:?}");
    let answers = Requirer::<I>::new(&*app, "db")
        .with_log(quiet)
        .read(&db)
        .expect("read again");
    assert_eq!(names(&answers.events), ["endpoints_changed"]);

    // No secret value in any databag of the model.
    let values = every_value(&world.state());
    assert!(values.len() > 10, "{values:?}");
    assert!(
        values.iter().all(|v| !v.contains(PASSWORD)),
        "a password reached a databag"
    );
    let stored = world.state().secrets().len();
    assert!(stored >= 2, "the two user secrets exist ({stored})");

    // relation-broken on the provider: the user revoked, the relation's secrets removed.
    let cleanup = provider
        .on_relation_broken(&served(0))
        .expect("broken")
        .expect("leader");
    assert_eq!(cleanup.revoked.len(), 1, "{cleanup:?}");
    assert!(!cleanup.removed_secrets.is_empty());
    assert!(
        provider
            .policy()
            .made
            .borrow()
            .iter()
            .all(|u| u == "relation-1"),
        "only relation 1's user is left"
    );
}

/// A hostile v1 request (an id with a `.` and a space) gets a status, no user.
fn hostile_request<I: Interface>(world: &dyn World, provider_endpoint: &str)
where
    Users: Policy<I, Input = str>,
{
    let app = world.backend("app/0");
    let relation = RelationId::new("db", 0);
    let bad = Bag::from([
        ("version".to_owned(), "v1".to_owned()),
        (
            "requests".to_owned(),
            r#"[{"resource": "orders", "request-id": "a.b c", "salt": "s"}]"#.to_owned(),
        ),
    ]);
    let update = bad.into_iter().map(|(k, v)| (k, Some(v))).collect();
    app.write_app(&relation, &update).expect("write");
    let svc = world.backend("svc/0");
    let report = Provider::<I, Users>::new(&*svc, provider_endpoint, Users::default())
        .with_log(|_, _| {})
        .reconcile(&RelationId::new(provider_endpoint, 0), "h:1")
        .expect("reconcile")
        .expect("leader");
    assert!(report.created.is_empty());
    assert_eq!(report.refused.len(), 1, "{report:?}");
    let answer = world.state().app_bag(0, "svc").cloned().expect("status");
    assert!(answer["status"].contains("5003"), "{answer:?}");
}

/// A flat v0 answer another provider wrote, with no `salt` and no `resource` (a Python unit
/// before a Rust one took over): read as the previous answer, then completed.
fn foreign_v0_answer<I: Interface>(world: &dyn World, provider_endpoint: &str)
where
    Users: Policy<I, Input = str>,
{
    let app = world.backend("app/0");
    Requirer::<I>::new(&*app, "legacy")
        .with_version(WireVersion::V0)
        .with_log(|_, _| {})
        .request(&RelationId::new("legacy", 1), &["orders"])
        .expect("request v0");
    let svc = world.backend("svc/0");
    let served = RelationId::new(provider_endpoint, 1);
    let foreign = [(I::V0_RESOURCE_KEY, "orders"), ("endpoints", "h:1")]
        .map(|(k, v)| (k.to_owned(), Some(v.to_owned())))
        .into_iter()
        .collect();
    svc.write_app(&served, &foreign).expect("write");
    let report = Provider::<I, Users>::new(&*svc, provider_endpoint, Users::default())
        .with_log(|_, _| {})
        .reconcile(&served, "h:2")
        .expect("taken over")
        .expect("leader");
    assert_eq!(report.created, ["relation-1"], "{report:?}");
    let flat = world.state().app_bag(1, "svc").cloned().expect("answer");
    assert_eq!(flat["endpoints"], "h:2");
    assert_eq!(flat["salt"].len(), 16, "{flat:?}");
    assert!(flat["secret-user"].starts_with("secret:"), "{flat:?}");
}

macro_rules! interface_suite {
    ($name:ident, $interface:ty, $endpoint:literal) => {
        mod $name {
            use super::*;

            #[test]
            fn both_flows_in_memory() {
                let model = Model::new(state($endpoint));
                both_flows::<$interface>(&model, $endpoint);
            }

            #[test]
            fn both_flows_on_the_emulated_juju_cli() {
                let world = emulated(&state($endpoint));
                both_flows::<$interface>(&world, $endpoint);
            }

            #[test]
            fn a_foreign_v0_answer_is_taken_over() {
                let model = Model::new(state($endpoint));
                foreign_v0_answer::<$interface>(&model, $endpoint);
            }

            #[test]
            fn hostile_requests_get_a_status() {
                let model = Model::new(state($endpoint));
                hostile_request::<$interface>(&model, $endpoint);
            }
        }
    };
}

interface_suite!(postgresql, postgresql_client::PostgresqlClient, "database");
interface_suite!(mysql, mysql_client::MysqlClient, "database");
interface_suite!(kafka, kafka_client::KafkaClient, "kafka-client");
