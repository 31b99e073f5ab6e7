//! The generic relation engine (`databag::relation`: `Requirer<I>`, `Provider<I, P>`) running
//! `kafka_client` and `postgresql_client` (the `databag-interfaces` crate, from their specs
//! alone) against the reference Python library, dpcharmlibs-interfaces, in every release of
//! `python_driver::RELEASES` (1.0.2, what the Valkey charm locks; 1.1.0; 1.2.2), in ops'
//! testing harness (tests/python/drivers, `"interface"` input key). Per interface and release:
//!
//! - our provider (the engine plus a small policy, `Service`: one user per request, as a
//!   database or Kafka charm would) answers the reference requirer's v1 request: its
//!   `resource_created`, `endpoints_changed` and, through secret-changed on the TLS secret,
//!   `authentication_updated` carry what we granted (PROTOCOL.md §4, §11, §14); a request the
//!   requirer drops later does not crash it (§4.2, §7);
//! - the reference provider answers our requirer (`Requirer<I>`): its answer, imported into
//!   the in-memory model, reads as `ResourceCreated` then `EndpointsChanged` with the
//!   credentials it created (§4.2, §11.4, §14);
//! - v1 side by side: the reference requirer's request answered by both providers, compared
//!   response by response, `data`, secret labels and contents (§4.2, §7, §11);
//! - v0 (§5): the v0 library's requirer databag answered by both providers, compared key by
//!   key; our v0 requirer writes that databag and reads the reference's answer.
//!
//! Plus the reference's `consumer_group_prefix` bug (`kafka_consumer_group_prefix_*`).
//!
//! Rust runs on the in-memory Juju model (`databag::juju::Model`); what one side writes is
//! handed to the other as databags and secret contents, as in tests/tests/interop_flows.rs
//! (Valkey). Both sides use the endpoint names of spec/ and tests/tests/engine_flows.rs
//! (`kafka-client`, `database`), so secret labels match (§11.4). Comparisons are semantic
//! (parsed JSON, nulls ignored): the writer's byte layout is not pinned here. Nothing here
//! prints a password: secret values are compared by value, and failure messages name keys and
//! request ids only. The Python environments come from tests/scripts/python-env.sh; under
//! CI=true their absence fails every test (`python_driver::python_at`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use databag::juju::{Backend, Model, RelationId, State};
use databag::relation::{
    Event, Grant, Interface, Policy, PolicyError, Provider, Reply, RequestId, Requirer,
    WireVersion, random_alphanumeric,
};
use databag::{Bag, Databag, Secret, SecretContent, SecretUri, Value, wire};
use databag_interfaces::{kafka_client, postgresql_client};
use databag_tests::interop::{self, reference_secrets, responses_without_nulls};
use databag_tests::python_driver::{self, PROVIDER, RELEASES, REQUIRER, bag_of, python_at};
use databag_tests::test_ca::TestCa;
use serde_json::json;

/// The in-memory model's UUID (it appears in the URIs of the secrets Rust creates).
const MODEL_UUID: &str = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";

/// The provider application of every world (the reference provider's secrets are imported
/// as its).
const SERVICE: &str = "service";

/// Two requests with fixed salts, so request ids are known in advance.
const TWO: [(&str, &str); 2] = [
    ("orders", "xqbPuYzzl2iiKeyN"),
    ("audit", "AAAABBBBCCCCDDDD"),
];

/// The service as the provider charm sees it: the engine policy's input, and the reference
/// provider driver's `server`.
#[derive(Clone, Debug)]
struct Server {
    endpoints: String,
    read_only_endpoints: Option<String>,
    tls: bool,
    tls_ca: Option<String>,
    version: Option<String>,
    zookeeper_uris: Option<String>,
}

impl Server {
    /// A three-node service, TLS off.
    fn first() -> Server {
        Server {
            endpoints: "10.0.0.1:5432".to_owned(),
            read_only_endpoints: Some("10.0.0.2:5432,10.0.0.3:5432".to_owned()),
            tls: false,
            tls_ca: None,
            version: Some("16.8".to_owned()),
            zookeeper_uris: Some("10.0.0.4:2181,10.0.0.5:2181/kafka".to_owned()),
        }
    }

    /// The same service after its primary moved.
    fn moved(&self) -> Server {
        Server {
            endpoints: "10.0.0.9:5432".to_owned(),
            ..self.clone()
        }
    }

    /// The same service with TLS on, its clients trusting `ca`.
    fn with_tls(&self, ca: &str) -> Server {
        Server {
            tls: true,
            tls_ca: Some(ca.to_owned()),
            ..self.clone()
        }
    }

    /// The reference provider driver's `server` input.
    fn json(&self) -> Value {
        json!({
            "endpoints": self.endpoints,
            "read_only_endpoints": self.read_only_endpoints,
            "tls": self.tls,
            "tls_ca": self.tls_ca,
            "version": self.version,
            "zookeeper_uris": self.zookeeper_uris,
        })
    }
}

/// A database or Kafka charm's policy: one user per request (`relation-<n>-<request-id>`, v0
/// `relation-<n>`, as the reference provider driver and the Valkey charm name them) with a
/// random 32-character password, kept here as the service would keep it; the fields of the
/// response from [`Server`]. Every group of secret fields is set whole on every answer (the
/// engine stores a group's content as given; unchanged content makes no new revision).
#[derive(Default)]
struct Service {
    /// username -> password: the users the service has.
    users: BTreeMap<String, String>,
}

impl Service {
    /// The user of a request, created (with a fresh password) when missing; its password, and
    /// whether it was created now.
    fn user(
        &mut self,
        relation: &RelationId,
        request_id: Option<&RequestId>,
    ) -> Result<(String, String, bool), PolicyError> {
        let user = username(relation.number(), request_id.map(RequestId::as_str));
        if let Some(password) = self.users.get(&user) {
            return Ok((user, password.clone(), false));
        }
        let password = random_alphanumeric(32).map_err(|error| error.to_string())?;
        self.users.insert(user.clone(), password.clone());
        Ok((user, password, true))
    }
}

/// The username of a request (`None`: a v0 relation).
fn username(relation: u32, request_id: Option<&str>) -> String {
    match request_id {
        Some(id) => format!("relation-{relation}-{id}"),
        None => format!("relation-{relation}"),
    }
}

impl Policy<postgresql_client::PostgresqlClient> for Service {
    type Input = Server;

    fn respond(
        &mut self,
        grant: &Grant<'_, postgresql_client::PostgresqlClient>,
        server: &Server,
    ) -> Result<Reply<postgresql_client::Response>, PolicyError> {
        let (user, password, fresh) = self.user(grant.relation, grant.request_id)?;
        let echo = grant.echo()?;
        let uris = format!(
            "postgresql://{user}:{password}@{}/{}",
            server.endpoints, echo.resource
        );
        Ok(Reply {
            response: postgresql_client::Response {
                endpoints: Some(server.endpoints.clone()),
                read_only_endpoints: server.read_only_endpoints.clone(),
                username: Some(Secret::new(user.clone())),
                password: Some(Secret::new(password)),
                uris: Some(Secret::new(uris)),
                tls: Some(Secret::new(server.tls)),
                tls_ca: server
                    .tls_ca
                    .clone()
                    .filter(|_| server.tls)
                    .map(Secret::new),
                version: server.version.clone(),
                ..echo
            },
            created: fresh.then_some(user),
        })
    }
}

impl Policy<kafka_client::KafkaClient> for Service {
    type Input = Server;

    fn respond(
        &mut self,
        grant: &Grant<'_, kafka_client::KafkaClient>,
        server: &Server,
    ) -> Result<Reply<kafka_client::Response>, PolicyError> {
        let (user, password, fresh) = self.user(grant.relation, grant.request_id)?;
        Ok(Reply {
            response: kafka_client::Response {
                endpoints: Some(server.endpoints.clone()),
                username: Some(Secret::new(user.clone())),
                password: Some(Secret::new(password)),
                tls: Some(Secret::new(server.tls)),
                tls_ca: server
                    .tls_ca
                    .clone()
                    .filter(|_| server.tls)
                    .map(Secret::new),
                version: server.version.clone(),
                consumer_group_prefix: Some(Secret::new(format!("{user}-"))),
                zookeeper_uris: server.zookeeper_uris.clone().map(Secret::new),
                ..grant.echo()?
            },
            created: fresh.then_some(user),
        })
    }
}

/// One interface under test: its engine types, the drivers' name for it, its endpoint.
trait Case: Interface + 'static {
    /// The drivers' `"interface"`.
    const DRIVER: &'static str;
    /// The endpoint name, the same on both sides (labels carry it).
    const ENDPOINT: &'static str;
    /// The secret groups every answer of ours carries, sorted.
    const GROUPS: &'static [&'static str];

    /// What a response to a request for `resource` must hold (wire names, secret values
    /// included, `tls` as `"true"`/`"false"`; `None`: absent or null), the user being `user`
    /// with `password`, besides the fields every interface has (`endpoints`, `username`,
    /// `password`, `tls`, `tls-ca`, `version`).
    fn specific(
        server: &Server,
        user: &str,
        password: &str,
        resource: &str,
    ) -> Vec<(&'static str, Option<String>)>;
}

impl Case for postgresql_client::PostgresqlClient {
    const DRIVER: &'static str = "postgresql_client";
    const ENDPOINT: &'static str = "database";
    const GROUPS: &'static [&'static str] = &["tls", "user"];

    fn specific(
        server: &Server,
        user: &str,
        password: &str,
        resource: &str,
    ) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("read-only-endpoints", server.read_only_endpoints.clone()),
            (
                "uris",
                Some(format!(
                    "postgresql://{user}:{password}@{}/{resource}",
                    server.endpoints
                )),
            ),
        ]
    }
}

impl Case for kafka_client::KafkaClient {
    const DRIVER: &'static str = "kafka_client";
    const ENDPOINT: &'static str = "kafka-client";
    const GROUPS: &'static [&'static str] = &["extra", "tls", "user"];

    fn specific(
        server: &Server,
        user: &str,
        _password: &str,
        _resource: &str,
    ) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("consumer-group-prefix", Some(format!("{user}-"))),
            ("zookeeper-uris", server.zookeeper_uris.clone()),
        ]
    }
}

/// Everything a response to `resource` must hold (see [`Case::specific`]).
fn expected<I: Case>(
    server: &Server,
    user: &str,
    password: &str,
    resource: &str,
) -> Vec<(&'static str, Option<String>)> {
    let mut fields = vec![
        ("resource", Some(resource.to_owned())),
        ("endpoints", Some(server.endpoints.clone())),
        ("username", Some(user.to_owned())),
        ("password", Some(password.to_owned())),
        ("tls", Some(server.tls.to_string())),
        ("tls-ca", server.tls_ca.clone().filter(|_| server.tls)),
        ("version", server.version.clone()),
    ];
    fields.extend(I::specific(server, user, password, resource));
    fields
}

/// Whether a reference requirer event holds `fields` (event keys are the wire names with `_`;
/// `tls` is a boolean there). Fails naming the key and `what`, never a value.
fn assert_event_holds(event: &Value, fields: &[(&str, Option<String>)], what: &str) {
    for (key, want) in fields {
        let got = &event[key.replace('-', "_")];
        let want = match (key, want) {
            (_, None) => Value::Null,
            (&"tls", Some(flag)) => Value::Bool(flag == "true"),
            (_, Some(text)) => Value::String(text.clone()),
        };
        assert!(*got == want, "{what}: field {key} differs from ours");
    }
}

/// A response of our requirer as one map: plaintext fields and the content of every resolved
/// secret group, by wire name (nulls left out). Holds secret values: compare, never print.
fn flattened<I: Interface>(response: &I::Response) -> BTreeMap<String, String> {
    let split = response.split().expect("split a response");
    let mut fields: BTreeMap<String, String> = split
        .secrets
        .iter()
        .flat_map(|slot| slot.content.iter())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    fields.extend(split.into_bag());
    fields
}

/// Whether our requirer's response holds `fields`. Fails naming the key and `what` only.
fn assert_response_holds<I: Interface>(
    response: &I::Response,
    fields: &[(&str, Option<String>)],
    what: &str,
) {
    let got = flattened::<I>(response);
    for (key, want) in fields {
        assert!(
            got.get(*key) == want.as_ref(),
            "{what}: field {key} differs from the reference's"
        );
    }
}

/// A model with a requirer application and the service, related once (relation 0) on
/// `I::ENDPOINT` on both sides, each with one leader unit.
struct World {
    model: Model,
    endpoint: &'static str,
}

impl World {
    fn new<I: Case>() -> World {
        let mut state = State::new(MODEL_UUID);
        state.add_app(SERVICE, 1);
        state.add_app("requirer", 1);
        state.relate("requirer", I::ENDPOINT, SERVICE, I::ENDPOINT);
        World {
            model: Model::new(state),
            endpoint: I::ENDPOINT,
        }
    }

    /// Relation 0, as either side names it.
    fn relation(&self) -> RelationId {
        RelationId::new(self.endpoint, 0)
    }

    /// Writes `bag` as the app databag of `unit`'s application, replacing what was there.
    fn write_app(&self, unit: &str, bag: &Bag) {
        interop::write_app(&self.model, unit, &self.relation(), bag);
    }

    /// The app databag `app` keeps.
    fn app_bag(&self, app: &str) -> Bag {
        self.model
            .state()
            .app_bag(0, app)
            .cloned()
            .expect("the relation exists")
    }

    /// Every secret the service owns, by label: (URI, latest content).
    fn service_secrets(&self) -> BTreeMap<String, (String, SecretContent)> {
        interop::owned_secrets(&self.model, SERVICE)
    }

    /// The service's answer: its app databag and the latest content of every secret granted
    /// on the relation, by URI (the reference requirer driver's input).
    fn rust_answer(&self) -> (Bag, Value) {
        let secrets: serde_json::Map<String, Value> = self
            .service_secrets()
            .into_values()
            .map(|(uri, content)| (uri, json!(content)))
            .collect();
        (self.app_bag(SERVICE), Value::Object(secrets))
    }

    /// Puts the reference provider's answer into the model as the service's
    /// ([`interop::import_reference_answer`]).
    fn import_reference_answer(&self, answer: &Value, imported: &mut BTreeMap<String, SecretUri>) {
        let unit = format!("{SERVICE}/0");
        interop::import_reference_answer(&self.model, &unit, &self.relation(), answer, imported);
    }
}

/// The driver's request list for `requests` (`(resource, salt)`).
fn request_list(requests: &[(&str, &str)]) -> Vec<Value> {
    requests
        .iter()
        .map(|(resource, salt)| json!({"resource": resource, "salt": salt}))
        .collect()
}

/// The reference requirer's relation-created write for `requests`.
fn reference_requests<I: Case>(python: &Path, requests: &[Value]) -> Bag {
    let answer = python_driver::run(
        python,
        REQUIRER,
        &json!({"hook": "created", "interface": I::DRIVER, "relation_id": 0,
                "requests": requests}),
    );
    bag_of(&answer["app"])
}

/// The reference requirer's hook on what our provider wrote: relation-changed, or with
/// `changed` = `(uri, label)` secret-changed on that consumed secret. `unit` is its diff
/// memory from the previous run. Returns its events and its memory after the hook; a failed
/// hook fails the test, naming the error.
fn reference_reads_rust<I: Case>(
    python: &Path,
    world: &World,
    requests: &[(&str, &str)],
    unit: &Value,
    changed: Option<(&str, &str)>,
) -> (Vec<Value>, Value) {
    let (provider_app, secrets) = world.rust_answer();
    let mut input = json!({
        "hook": "changed",
        "interface": I::DRIVER,
        "relation_id": 0,
        "requests": request_list(requests),
        "requirer_app": world.app_bag("requirer"),
        "requirer_unit": unit,
        "provider_app": provider_app,
        "secrets": secrets,
    });
    if let Some((uri, label)) = changed {
        input["hook"] = json!("secret_changed");
        input["secret"] = json!(uri);
        input["label"] = json!(label);
    }
    let answer = python_driver::run(python, REQUIRER, &input);
    assert_eq!(
        answer["error"],
        Value::Null,
        "the reference requirer's hook failed"
    );
    let events = answer["events"].as_array().cloned().expect("events");
    (events, answer["unit"].clone())
}

/// The reference provider's answer to `requirer_app` (hook `changed`), or its update cycle
/// over its earlier answer `previous` (hook `update`), without checking its error.
fn reference_provider_raw<I: Case>(
    python: &Path,
    hook: &str,
    requirer_app: &Bag,
    server: &Server,
    previous: Option<&Value>,
) -> Value {
    let mut input = json!({
        "hook": hook,
        "interface": I::DRIVER,
        "relation_id": 0,
        "requirer_app": requirer_app,
        "server": server.json(),
    });
    if let Some(previous) = previous {
        input["provider_app"] = previous["app"].clone();
        input["secrets"] = previous["secrets"].clone();
        input["users"] = previous["users"].clone();
    }
    python_driver::run(python, PROVIDER, &input)
}

/// [`reference_provider_raw`], failing the test when the reference's hook failed.
fn reference_provider<I: Case>(
    python: &Path,
    hook: &str,
    requirer_app: &Bag,
    server: &Server,
    previous: Option<&Value>,
) -> Value {
    let answer = reference_provider_raw::<I>(python, hook, requirer_app, server, previous);
    assert_eq!(
        answer["error"],
        Value::Null,
        "the reference provider's hook failed"
    );
    answer
}

/// `(event, request_id)` of the reference requirer's events.
fn reference_names(events: &[Value]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            let text = |key: &str| e[key].as_str().unwrap_or_default().to_owned();
            (text("event"), text("request_id"))
        })
        .collect()
}

/// `(event name, request id)` of our requirer's events, our `fields_changed` left out.
fn rust_names(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|e| !matches!(e, Event::FieldsChanged { .. }))
        .map(|e| {
            (
                e.name().to_owned(),
                e.request_id().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// `(name, id)` for every id.
fn each(name: &str, ids: &[String]) -> Vec<(String, String)> {
    ids.iter().map(|id| (name.to_owned(), id.clone())).collect()
}

/// The provider side with no log.
fn provider<'a, I: Case>(backend: &'a dyn Backend) -> Provider<'a, I, Service>
where
    Service: Policy<I, Input = Server>,
{
    Provider::new(backend, I::ENDPOINT, Service::default()).with_log(|_, _| {})
}

/// Our provider answers the reference requirer's v1 request (two resources), §4, §11, §14:
/// 1. `resource_created` per request with our user, password, endpoints, TLS off, version
///    and the interface's own fields (PostgreSQL `read-only-endpoints`, `uris`; Kafka the
///    extra secret's `consumer-group-prefix`, `zookeeper-uris`), under the reference's v1
///    labels;
/// 2. the primary moves (`update_all`): `endpoints_changed` per request, credentials intact;
/// 3. TLS on: the tls secret gets a new revision, the databag does not change (no
///    relation-changed), so the reference learns it through secret-changed on that secret
///    (its consumer label): `authentication_updated` with `tls` true and our CA (§14);
/// 4. the requirer drops its second request: we keep that response and its `data` entry
///    (the reference never removes responses either, §4.2), so the reference requirer,
///    whose `data` lookup of every response would otherwise raise (§7), reads without error.
fn rust_provider_answers_the_reference_requirer<I: Case>(python: &Path)
where
    Service: Policy<I, Input = Server>,
{
    let world = World::new::<I>();
    let request_bag = reference_requests::<I>(python, &request_list(&TWO));
    let ids: Vec<String> = TWO
        .iter()
        .map(|(resource, salt)| wire::request_id(resource, salt))
        .collect();
    world.write_app("requirer/0", &request_bag);
    let backend = world.model.unit(&format!("{SERVICE}/0"));
    let mut provider = provider::<I>(&backend);
    let mut server = Server::first();
    let report = provider
        .reconcile(&world.relation(), &server)
        .expect("the provider answers")
        .expect("the service leads");
    assert_eq!(report.wire_version, Some("v1"));
    assert_eq!(report.answered, ids);
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let users: Vec<String> = ids.iter().map(|id| username(0, Some(id))).collect();
    assert_eq!(report.created, users);

    // 1. resource_created, with what we granted.
    let (events, memory) = reference_reads_rust::<I>(python, &world, &TWO, &json!({}), None);
    assert_eq!(reference_names(&events), each("resource_created", &ids));
    for (index, event) in events.iter().enumerate() {
        let user = &users[index];
        let password = &provider.policy().users[user];
        let fields = expected::<I>(&server, user, password, TWO[index].0);
        assert_event_holds(event, &fields, &format!("request {}", ids[index]));
    }
    let labels: BTreeSet<String> = world.service_secrets().into_keys().collect();
    let want: BTreeSet<String> = ids
        .iter()
        .flat_map(|id| {
            I::GROUPS
                .iter()
                .map(move |group| format!("{}.0.{id}.{group}.secret", I::ENDPOINT))
        })
        .collect();
    assert_eq!(labels, want, "one secret per request and group, v1 labels");

    // 2. The primary moves.
    server = server.moved();
    let reports = provider
        .update_all(&server)
        .expect("update_all")
        .expect("the service leads");
    assert!(reports[0].created.is_empty(), "updates keep the users");
    let (events, memory) = reference_reads_rust::<I>(python, &world, &TWO, &memory, None);
    assert_eq!(reference_names(&events), each("endpoints_changed", &ids));
    for (index, event) in events.iter().enumerate() {
        let user = &users[index];
        let password = &provider.policy().users[user];
        let fields = expected::<I>(&server, user, password, TWO[index].0);
        assert_event_holds(event, &fields, &format!("request {} moved", ids[index]));
    }

    // 3. TLS on: a new revision of each tls secret, nothing else.
    let ca = TestCa::new("interop engine CA").pem();
    server = server.with_tls(&ca);
    let reports = provider
        .update_all(&server)
        .expect("update_all")
        .expect("the service leads");
    assert!(
        reports[0].written_keys.is_empty(),
        "TLS changes only secrets: {:?}",
        reports[0].written_keys
    );
    let label = format!("{}.0.{}.tls.secret", I::ENDPOINT, ids[0]);
    let (uri, content) = world.service_secrets()[&label].clone();
    assert_eq!(content["tls"], "true");
    assert!(
        content.get("tls-ca") == Some(&ca),
        "the tls secret holds the CA"
    );
    let (events, memory) =
        reference_reads_rust::<I>(python, &world, &TWO, &memory, Some((&uri, &label)));
    assert_eq!(
        reference_names(&events),
        each("authentication_updated", &ids[..1])
    );
    let fields = expected::<I>(
        &server,
        &users[0],
        &provider.policy().users[&users[0]],
        "orders",
    );
    assert_event_holds(&events[0], &fields, "authentication_updated");

    // 4. The requirer drops its second request (as the reference writes one request).
    let mut requests: Value = serde_json::from_str(&request_bag["requests"]).expect("JSON");
    requests.as_array_mut().expect("a list").truncate(1);
    let mut fewer = request_bag.clone();
    fewer.insert("requests".to_owned(), requests.to_string());
    world.write_app("requirer/0", &fewer);
    let report = provider
        .reconcile(&world.relation(), &server)
        .expect("the provider answers")
        .expect("the service leads");
    assert_eq!(report.answered, ids[..1]);
    let answer: Value = serde_json::from_str(&world.app_bag(SERVICE)["data"]).expect("data");
    for id in &ids {
        assert!(answer.get(id).is_some(), "`data` keeps request {id}");
    }
    let (events, _) = reference_reads_rust::<I>(python, &world, &TWO[..1], &memory, None);
    assert_eq!(reference_names(&events), Vec::<(String, String)>::new());
}

/// The reference provider (as a database or Kafka charm would use it) answers our v1
/// requirer (two resources); its answer, imported into the model, reads as
/// `ResourceCreated` per request with the credentials the reference created, the interface's
/// fields, TLS off, under the reference's consumer labels (§11.4); after its update cycle
/// with a new primary, `EndpointsChanged` per request; after one turning TLS on (new
/// revisions of its tls secrets, the databag unchanged), secret-changed on each tls secret
/// gives `AuthenticationUpdated` for its request, with `tls` true and the CA (§14).
fn the_reference_provider_answers_the_rust_requirer<I: Case>(python: &Path) {
    let world = World::new::<I>();
    let unit = world.model.unit("requirer/0");
    let relation = world.relation();
    let mut flow = Requirer::<I>::new(&unit, I::ENDPOINT).with_log(|_, _| {});
    let requests = flow
        .request(&relation, &["orders", "audit"])
        .expect("request")
        .expect("the requirer leads");
    let ids: Vec<String> = requests
        .iter()
        .map(|r| {
            let bag = r.split().expect("split").into_bag();
            bag["request-id"].clone()
        })
        .collect();
    let resources = ["orders", "audit"];

    let ca = TestCa::new("interop engine CA").pem();
    let mut server = Server::first();
    let request_bag = world.app_bag("requirer");
    let reference = reference_provider::<I>(python, "changed", &request_bag, &server, None);
    let mut imported = BTreeMap::new();
    world.import_reference_answer(&reference, &mut imported);
    let answers = flow.read(&relation).expect("read");
    assert_eq!(rust_names(&answers.events), each("resource_created", &ids));
    for (id, resource) in ids.iter().zip(resources) {
        let user = username(0, Some(id));
        let password = reference["users"][&user]
            .as_str()
            .expect("the reference made the user");
        let response = answers.response(id).expect("a response per request");
        let fields = expected::<I>(&server, &user, password, resource);
        assert_response_holds::<I>(response, &fields, &format!("request {id}"));
    }
    for uri in imported.values() {
        let (_, label) = world
            .model
            .state()
            .consumer("requirer/0", uri.as_str())
            .expect("requirer/0 consumes every secret");
        let label = label.expect("a consumer label");
        assert!(
            ids.iter().any(|id| I::GROUPS
                .iter()
                .any(|group| label == format!("{}.0.{id}.{group}.secret", I::ENDPOINT))),
            "consumer label {label}"
        );
    }

    server = server.moved();
    let updated =
        reference_provider::<I>(python, "update", &request_bag, &server, Some(&reference));
    world.import_reference_answer(&updated, &mut imported);
    let answers = flow.read(&relation).expect("read again");
    assert_eq!(rust_names(&answers.events), each("endpoints_changed", &ids));
    // A secret with a new revision (PostgreSQL's user secret holds `uris`, with the host) is
    // read on secret-changed, which Juju runs for each secret whose latest revision is past
    // the one a consumer tracks (juju apiserver/facades/agent/secretsmanager/secrets.go,
    // `getConsumedRevision`: the tracked revision until a refresh); relation-changed reads
    // no secret it already read.
    for uri in imported.values() {
        let state = world.model.state();
        let latest = state.secrets().into_iter().find(|s| s.uri == uri.as_str());
        let consumed = state.consumer("requirer/0", uri.as_str());
        drop(state);
        if let (Some(latest), Some((tracked, Some(label)))) = (latest, consumed)
            && latest.revision > tracked
        {
            flow.on_secret_changed(Some(&label))
                .expect("secret-changed");
        }
    }
    let answers = flow.read(&relation).expect("read once more");
    assert!(answers.events.is_empty(), "nothing new");
    for (id, resource) in ids.iter().zip(resources) {
        let user = username(0, Some(id));
        let password = updated["users"][&user].as_str().expect("the user stays");
        let response = answers.response(id).expect("a response per request");
        let fields = expected::<I>(&server, &user, password, resource);
        assert_response_holds::<I>(response, &fields, &format!("request {id} moved"));
    }

    // TLS on: the reference gives its tls secrets a new revision and leaves the databag as it
    // was, so Juju fires no relation-changed, only secret-changed on each tls secret.
    server = server.with_tls(&ca);
    let secured = reference_provider::<I>(python, "update", &request_bag, &server, Some(&updated));
    assert!(
        bag_of(&secured["app"]) == bag_of(&updated["app"]),
        "a TLS change leaves the reference's databag as it was"
    );
    world.import_reference_answer(&secured, &mut imported);
    for (id, resource) in ids.iter().zip(resources) {
        let label = format!("{}.0.{id}.tls.secret", I::ENDPOINT);
        let answers = flow
            .on_secret_changed(Some(&label))
            .expect("secret-changed")
            .expect("our tls secret");
        assert_eq!(
            rust_names(&answers.events),
            each("authentication_updated", std::slice::from_ref(id))
        );
        let user = username(0, Some(id));
        let password = secured["users"][&user].as_str().expect("the user stays");
        let response = answers.response(id).expect("a response per request");
        let fields = expected::<I>(&server, &user, password, resource);
        assert_response_holds::<I>(response, &fields, &format!("request {id} with TLS"));
    }
}

/// v1 side by side (§4.2, §7, §11, §18.1): the reference requirer's request (two resources,
/// its release's padding) answered by the reference provider and by ours, written with the
/// release's writer profile. The same top-level keys; `data` and `requests` byte for byte
/// (secret URIs aside, matched by label); the same secret labels and content keys, the same
/// secret values but the random passwords (and PostgreSQL's `uris`, which embed them).
fn v1_answers_agree<I: Case>(python: &Path, release: &str)
where
    Service: Policy<I, Input = Server>,
{
    let request_bag = reference_requests::<I>(python, &request_list(&TWO));
    let server = Server::first();
    let reference = reference_provider::<I>(python, "changed", &request_bag, &server, None);
    let theirs = bag_of(&reference["app"]);
    let world = World::new::<I>();
    world.write_app("requirer/0", &request_bag);
    let backend = world.model.unit(&format!("{SERVICE}/0"));
    let profile = I::profile(release).expect("the spec declares every pinned release");
    let mut ours_provider = provider::<I>(&backend).with_profile(profile);
    ours_provider
        .reconcile(&world.relation(), &server)
        .expect("the provider answers")
        .expect("the service leads");
    let ours = world.app_bag(SERVICE);

    // Writer profile `release` (PROTOCOL §18.1): the bytes the reference wrote, secret URIs
    // aside (Juju, not the charm, picks them; matched by label).
    assert_eq!(ours["data"], theirs["data"], "`data`, byte for byte");
    let mut our_requests = ours["requests"].clone();
    let their_secrets = reference_secrets(&reference);
    for (label, (uri, _)) in world.service_secrets() {
        let (id, _) = &their_secrets[&label];
        our_requests = our_requests.replace(&uri, id);
    }
    assert_eq!(
        our_requests, theirs["requests"],
        "`requests`, byte for byte"
    );

    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>(),
        "top-level keys"
    );
    assert_eq!((&theirs["version"][..], &ours["version"][..]), ("v1", "v1"));
    let parse = |bag: &Bag| -> Value { serde_json::from_str(&bag["data"]).expect("data") };
    assert_eq!(parse(&ours), parse(&theirs), "`data`, parsed");
    let (their_responses, our_responses) = (
        responses_without_nulls(&theirs),
        responses_without_nulls(&ours),
    );
    assert_eq!(
        their_responses.keys().collect::<Vec<_>>(),
        our_responses.keys().collect::<Vec<_>>(),
        "the same request ids answered"
    );
    for (id, their_response) in &their_responses {
        let our_response = &our_responses[id];
        assert_eq!(
            their_response.keys().collect::<BTreeSet<_>>(),
            our_response.keys().collect::<BTreeSet<_>>(),
            "request {id}: the non-null keys"
        );
        for (key, value) in their_response {
            if key.starts_with("secret-") {
                let uri = |v: &Value| SecretUri::parse(v.as_str().expect("a URI")).is_ok();
                assert!(uri(value) && uri(&our_response[key]), "request {id}: {key}");
            } else {
                assert_eq!(&our_response[key], value, "request {id}: {key}");
            }
        }
    }
    let their_secrets = reference_secrets(&reference);
    let our_secrets = world.service_secrets();
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
        for (key, value) in their_content {
            if key != "password" && key != "uris" {
                assert!(our_content.get(key) == Some(value), "{label}: {key}");
            }
        }
    }
}

/// Writer profile `release` on the requirer side (PROTOCOL §4.1, §18.1): our v1 requests are
/// the bytes the reference requirer of that release writes for the same resources, our fresh
/// salts and their request ids aside (replaced by the reference's fixed ones).
fn requests_are_byte_exact<I: Case>(python: &Path, release: &str) {
    let theirs = reference_requests::<I>(python, &request_list(&TWO));
    let world = World::new::<I>();
    let unit = world.model.unit("requirer/0");
    let profile = I::profile(release).expect("the spec declares every pinned release");
    let sent = Requirer::<I>::new(&unit, I::ENDPOINT)
        .with_profile(profile)
        .with_log(|_, _| {})
        .request(&world.relation(), &TWO.map(|(resource, _)| resource))
        .expect("request")
        .expect("the requirer leads");
    let ours = world.app_bag("requirer");
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    assert_eq!(ours["version"], theirs["version"]);
    let mut requests = ours["requests"].clone();
    for (request, (resource, salt)) in sent.iter().zip(TWO) {
        let bag = request.split().expect("split").into_bag();
        requests = requests
            .replace(&bag["salt"], salt)
            .replace(&bag["request-id"], &wire::request_id(resource, salt));
    }
    assert_eq!(requests, theirs["requests"], "`requests`, byte for byte");
}

/// The v0 library's requirer databag for `resource` under the interface's v0 key
/// (`database`, `topic`), LIBPATCH 59 (PROTOCOL §5.1).
fn v0_requirer_bag<I: Interface>(resource: &str) -> Bag {
    Bag::from([
        (I::V0_RESOURCE_KEY.to_owned(), resource.to_owned()),
        (
            "requested-secrets".to_owned(),
            r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#
                .to_owned(),
        ),
        ("provided-secrets".to_owned(), r#"["mtls-cert"]"#.to_owned()),
    ])
}

/// v0 (§5): our v0 requirer writes the v0 library's databag (LIBPATCH 59, the interface's v0
/// resource key); the reference provider and ours answer it; the answers are compared key by
/// key (modulo secret URIs and random salts), then our v0 requirer reads the reference's
/// answer: `ResourceCreated` with the reference's credentials.
///
/// Differences found, pinned here (PROTOCOL §5.2):
/// - the reference's first answer has no `resource` (it writes `""`, §5.2); ours writes
///   `resource` beside the v0 key, the state the reference reaches after one update;
/// - Kafka: the reference, answering as the Valkey charm does (the response `responses()`
///   returns for v0 is a plain `DataContractV0`, which lacks Kafka's fields), writes
///   `consumer-group-prefix` and `zookeeper-uris` **in plaintext in the databag**, as
///   un-aliased extras `consumer_group_prefix` and `zookeeper_uris` (as Valkey's
///   `sentinel_endpoints`, §5.2), and no `secret-extra`; ours puts them in the `extra` secret
///   (`secret-extra`), as the spec and `KafkaResponseModel` say. So our v0 requirer reading
///   the reference's v0 answer gets no `consumer-group-prefix` (it reads the spec's fields).
fn v0_answers_agree<I: Case>(python: &Path)
where
    Service: Policy<I, Input = Server>,
{
    let world = World::new::<I>();
    let unit = world.model.unit("requirer/0");
    let relation = world.relation();
    let mut flow = Requirer::<I>::new(&unit, I::ENDPOINT)
        .with_version(WireVersion::V0)
        .with_log(|_, _| {});
    flow.request(&relation, &["orders"]).expect("request");
    let requirer = world.app_bag("requirer");
    assert_eq!(
        requirer,
        v0_requirer_bag::<I>("orders"),
        "our v0 request is LIBPATCH 59's"
    );

    let ca = TestCa::new("interop engine CA").pem();
    let server = Server::first().with_tls(&ca);
    let reference = reference_provider::<I>(python, "changed", &requirer, &server, None);
    let theirs = bag_of(&reference["app"]);

    // Our provider, on a world of its own, answers the same databag.
    let ours_world = World::new::<I>();
    ours_world.write_app("requirer/0", &requirer);
    let backend = ours_world.model.unit(&format!("{SERVICE}/0"));
    let mut ours_provider = provider::<I>(&backend);
    let report = ours_provider
        .reconcile(&ours_world.relation(), &server)
        .expect("the provider answers")
        .expect("the service leads");
    assert_eq!(report.wire_version, Some("v0"));
    assert_eq!(report.created, ["relation-0"]);
    let ours = ours_world.app_bag(SERVICE);

    // The keys: ours = theirs + `resource` (Kafka: - the plaintext extras + `secret-extra`).
    let kafka = I::DRIVER == "kafka_client";
    let their_keys: BTreeSet<&str> = theirs.keys().map(String::as_str).collect();
    let our_keys: BTreeSet<&str> = ours.keys().map(String::as_str).collect();
    let only_ours: Vec<&str> = our_keys.difference(&their_keys).copied().collect();
    let only_theirs: Vec<&str> = their_keys.difference(&our_keys).copied().collect();
    if kafka {
        assert_eq!(only_ours, ["resource", "secret-extra"]);
        assert_eq!(only_theirs, ["consumer_group_prefix", "zookeeper_uris"]);
        assert_eq!(theirs["consumer_group_prefix"], "relation-0-");
        assert_eq!(
            Some(&theirs["zookeeper_uris"]),
            server.zookeeper_uris.as_ref()
        );
    } else {
        assert_eq!(only_ours, ["resource"]);
        assert!(only_theirs.is_empty(), "{only_theirs:?}");
    }
    assert_eq!(ours["resource"], "orders");
    for key in their_keys.intersection(&our_keys) {
        let (their_value, our_value) = (&theirs[*key], &ours[*key]);
        match *key {
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
                let strip = |text: &str| {
                    let mut value: Value = serde_json::from_str(text).expect("data is JSON");
                    let object = value.as_object_mut().expect("data is an object");
                    object.shift_remove("salt").expect("data has a salt");
                    value
                };
                assert_eq!(strip(our_value), strip(their_value), "`data` modulo salt");
            }
            _ => assert_eq!(our_value, their_value, "key {key}"),
        }
    }

    // Secrets: the same labels (ours: + extra for Kafka), content keys and values (passwords
    // and the URIs that embed them aside).
    let their_secrets = reference_secrets(&reference);
    let our_secrets = ours_world.service_secrets();
    let label = |group: &str| format!("{}.0.{group}.secret", I::ENDPOINT);
    let their_labels: Vec<&String> = their_secrets.keys().collect();
    assert_eq!(their_labels, [&label("tls"), &label("user")]);
    let our_labels: Vec<String> = our_secrets.keys().cloned().collect();
    let want: Vec<String> = I::GROUPS.iter().map(|g| label(g)).collect();
    assert_eq!(our_labels, want);
    for group in ["tls", "user"] {
        let (_, their_content) = &their_secrets[&label(group)];
        let (_, our_content) = &our_secrets[&label(group)];
        assert_eq!(
            our_content.keys().collect::<Vec<_>>(),
            their_content.keys().collect::<Vec<_>>(),
            "content keys of {group}"
        );
        for key in our_content.keys() {
            if key == "password" || key == "uris" {
                continue;
            }
            assert!(our_content[key] == their_content[key], "{group}: {key}");
        }
    }
    let user_of = |answer: &BTreeMap<String, (String, SecretContent)>, key: &str| {
        answer[&label("user")].1.get(key).cloned()
    };
    assert_eq!(
        user_of(&their_secrets, "username").as_deref(),
        Some("relation-0")
    );
    assert!(
        user_of(&their_secrets, "password").as_deref() == reference["users"]["relation-0"].as_str(),
        "the reference's password is its user's"
    );
    assert!(
        user_of(&our_secrets, "password").as_ref()
            == ours_provider.policy().users.get("relation-0"),
        "our password is our user's"
    );

    // Our v0 requirer reads the reference's answer.
    let mut imported = BTreeMap::new();
    world.import_reference_answer(&reference, &mut imported);
    let answers = flow.read(&relation).expect("read");
    assert_eq!(
        rust_names(&answers.events),
        [("resource_created".to_owned(), String::new())]
    );
    let response = answers.response("").expect("the v0 answer");
    let password = reference["users"]["relation-0"]
        .as_str()
        .expect("a password");
    let mut fields = expected::<I>(&server, "relation-0", password, "orders");
    if kafka {
        // Plaintext extras under names the spec does not declare: not read (see above).
        for field in &mut fields {
            if field.0 == "consumer-group-prefix" || field.0 == "zookeeper-uris" {
                field.1 = None;
            }
        }
    }
    assert_response_holds::<I>(response, &fields, "the v0 answer");
}

/// The keys of `object` that the reference's `consumer_group_prefix` bug writes.
fn bogus_keys(object: &Value) -> Vec<&String> {
    object
        .as_object()
        .expect("an object")
        .keys()
        .filter(|key| key.starts_with("secret_AfterValidator("))
        .collect()
}

/// A reference bug, pinned on every release (1.0.2, 1.1.0, 1.2.2): a `KafkaRequestModel`
/// with `consumer_group_prefix` set makes the reference *requirer* treat the field's pydantic
/// `AfterValidator` metadata as a secret group. Its request then carries a bogus key
/// `secret_AfterValidator(func=<function is_topic_value_acceptable at 0x…>)` whose value is
/// the URI of a requirer-owned secret (content `consumer-group-prefix`, label
/// `kafka-client.<n>.<id>.AfterValidator(func=…).secret`), beside the plaintext
/// `consumer-group-prefix`. The other interop tests therefore leave the prefix unset.
///
/// The reference *provider* (in ops' testing harness, the requirer's secret granted to it)
/// does not crash on such a request here; it repeats the mistake: it creates a secret of its
/// own under an `AfterValidator(…)` label holding the prefix (the label embeds a process
/// memory address, so every hook run makes another secret) and echoes into `data` both the
/// requirer's bogus key and its own.
///
/// Our provider reads the request (the bogus key is an unknown key, echoed into `data`,
/// PROTOCOL §9), answers it with no error, no refusal and no extra secret, and the reference
/// requirer reads our answer: `resource_created`, no error.
#[test]
fn kafka_consumer_group_prefix_reference_bug_and_our_provider() {
    type I = kafka_client::KafkaClient;
    let Some(pythons) = python_driver::pythons() else {
        return;
    };
    let (resource, salt) = TWO[0];
    let id = wire::request_id(resource, salt);
    for (release, python) in pythons {
        let created = python_driver::run(
            &python,
            REQUIRER,
            &json!({"hook": "created", "interface": "kafka_client", "relation_id": 0,
                    "requests": [{"resource": resource, "salt": salt,
                                  "consumer_group_prefix": "grp-"}]}),
        );
        let request_bag = bag_of(&created["app"]);
        let requests: Value = serde_json::from_str(&request_bag["requests"]).expect("JSON");
        let request = &requests[0];
        assert_eq!(request["consumer-group-prefix"], "grp-", "{release}");
        let bogus = bogus_keys(request);
        assert_eq!(bogus.len(), 1, "{release}: the bug's key is in the request");
        let uri = request[bogus[0]].as_str().expect("a URI");
        let secrets = created["secrets"]
            .as_array()
            .expect("the requirer's secrets");
        assert_eq!(secrets.len(), 1, "{release}");
        assert_eq!(secrets[0]["id"], uri, "{release}");
        let label = secrets[0]["label"].as_str().expect("a label");
        assert!(
            label.starts_with(&format!("kafka-client.0.{id}.AfterValidator(")),
            "{release}: {label}"
        );
        assert_eq!(
            secrets[0]["content"],
            json!({"consumer-group-prefix": "grp-"}),
            "{release}"
        );

        // The reference provider: no crash here, the mistake repeated.
        let reference = python_driver::run(
            &python,
            PROVIDER,
            &json!({"hook": "changed", "interface": "kafka_client", "relation_id": 0,
                    "requirer_app": request_bag,
                    "requirer_secrets": {uri: secrets[0]["content"]},
                    "server": Server::first().json()}),
        );
        assert_eq!(reference["error"], Value::Null, "{release}");
        let data: Value = serde_json::from_str(
            reference["app"]["data"]
                .as_str()
                .expect("the reference writes data"),
        )
        .expect("data is JSON");
        assert_eq!(
            bogus_keys(&data[&id]).len(),
            2,
            "{release}: theirs and ours"
        );
        let odd: Vec<String> = reference_secrets(&reference)
            .into_keys()
            .filter(|label| label.contains("AfterValidator("))
            .collect();
        assert_eq!(odd.len(), 1, "{release}: the provider's own bogus secret");

        // Ours: answered, nothing refused, no extra secret; the bogus key echoed in `data`.
        let world = World::new::<I>();
        world.write_app("requirer/0", &request_bag);
        let backend = world.model.unit(&format!("{SERVICE}/0"));
        let mut ours = provider::<I>(&backend);
        let report = ours
            .reconcile(&world.relation(), &Server::first())
            .unwrap_or_else(|error| panic!("{release}: our provider failed: {error}"))
            .expect("the service leads");
        assert_eq!(report.answered, [id.as_str()], "{release}");
        assert!(report.refused.is_empty(), "{release}: {:?}", report.refused);
        assert_eq!(report.created, [username(0, Some(&id))], "{release}");
        let data: Value =
            serde_json::from_str(&world.app_bag(SERVICE)["data"]).expect("data is JSON");
        assert_eq!(bogus_keys(&data[&id]), bogus, "{release}: echoed, §9");
        assert_eq!(data[&id]["consumer-group-prefix"], "grp-", "{release}");
        let labels: Vec<String> = world.service_secrets().into_keys().collect();
        let want: Vec<String> = I::GROUPS
            .iter()
            .map(|group| format!("kafka-client.0.{id}.{group}.secret"))
            .collect();
        assert_eq!(labels, want, "{release}");
        let (events, _) = reference_reads_rust::<I>(&python, &world, &TWO[..1], &json!({}), None);
        assert_eq!(
            reference_names(&events),
            [("resource_created".to_owned(), id.clone())],
            "{release}"
        );
    }
}

/// The releases the per-release modules below cover, in `RELEASES` order.
const COVERED: [&str; 3] = ["1.0.2", "1.1.0", "1.2.2"];

#[test]
fn every_release_of_the_reference_is_covered() {
    assert_eq!(COVERED, RELEASES);
}

macro_rules! suite {
    ($name:ident, $interface:ty, $(($module:ident, $release:literal)),+) => {
        mod $name {
            use super::*;
            $(
                mod $module {
                    use super::*;

                    #[test]
                    fn rust_provider_answers_the_reference_requirer() {
                        let Some(python) = python_at($release) else { return };
                        super::super::rust_provider_answers_the_reference_requirer::<$interface>(
                            &python,
                        );
                    }

                    #[test]
                    fn the_reference_provider_answers_the_rust_requirer() {
                        let Some(python) = python_at($release) else { return };
                        super::super::the_reference_provider_answers_the_rust_requirer::<
                            $interface,
                        >(&python);
                    }

                    #[test]
                    fn v1_answers_of_both_providers_agree() {
                        let Some(python) = python_at($release) else { return };
                        super::super::v1_answers_agree::<$interface>(&python, $release);
                    }

                    #[test]
                    fn requests_are_byte_exact_with_the_release() {
                        let Some(python) = python_at($release) else { return };
                        super::super::requests_are_byte_exact::<$interface>(&python, $release);
                    }

                    #[test]
                    fn v0_answers_agree_and_the_rust_v0_requirer_reads_the_reference() {
                        let Some(python) = python_at($release) else { return };
                        super::super::v0_answers_agree::<$interface>(&python);
                    }
                }
            )+
        }
    };
}

suite!(
    postgresql,
    postgresql_client::PostgresqlClient,
    (release_1_0_2, "1.0.2"),
    (release_1_1_0, "1.1.0"),
    (release_1_2_2, "1.2.2")
);
suite!(
    kafka,
    kafka_client::KafkaClient,
    (release_1_0_2, "1.0.2"),
    (release_1_1_0, "1.1.0"),
    (release_1_2_2, "1.2.2")
);
