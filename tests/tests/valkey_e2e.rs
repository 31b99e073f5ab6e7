//! The document's promises to a client, on a real valkey-server (and valkey-sentinel): the
//! provider flow creates users on the server as a provider charm would (`ServerUsers`: ACL
//! SETUSER with our client rule), the requirer flow resolves the answer, and a real client (the
//! `redis` crate) connects with nothing but what the requirer resolved: endpoints, username,
//! password, TLS flag and CA. Juju is the in-memory model; the charm binaries run the same
//! flows through the hook tools in tests/lifecycle.rs.

use std::cell::RefCell;
use std::rc::Rc;

use databag::Secret;
use databag::juju::{Backend, BagUpdate, Model, RelationId, State};
use databag_tests::test_ca::TestCa;
use databag_tests::valkey_connect::{Endpoint, host_port};
use databag_tests::valkey_sentinel::ValkeySentinel;
use databag_tests::valkey_server::{OUTSIDE, ValkeyServer, sentinel_binary, server_binary};
use databag_tests::valkey_users::ServerUsers;
use redis::{Connection, ErrorKind, RedisResult, Value};
use valkey_client::relation::{
    Answers, Cleanup, Level, Provider, Reconciled, Requirer, status_codes,
};
use valkey_client::valkey::{ServerInfo, UserStore, ValkeyPolicy};
use valkey_client::valkey_client::Response;

const UUID: &str = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
/// The name Sentinel monitors the primary under (the interface does not carry it; a client
/// finds it with `SENTINEL MASTERS`).
const SERVICE: &str = "valkey";

/// `app` on relation 0 and `other` on relation 1, both with `valkey`; one unit each.
fn model() -> Model {
    let mut state = State::new(UUID);
    state.add_app("app", 1);
    state.add_app("other", 1);
    state.add_app("valkey", 1);
    assert_eq!(state.relate("app", "cache", "valkey", "valkey-client"), 0);
    assert_eq!(state.relate("other", "cache", "valkey", "valkey-client"), 1);
    Model::new(state)
}

fn unit_of(number: u32) -> &'static str {
    ["app/0", "other/0"][number as usize]
}

/// The server as the provider describes it: plaintext, or TLS with the CA it was signed by.
fn info(server: &ValkeyServer) -> ServerInfo {
    let mut info = ServerInfo::new(format!("127.0.0.1:{}", server.port()));
    info.version = Some("8.0.1".to_owned());
    if let Some(ca) = server.tls_ca() {
        info.tls = true;
        info.tls_ca = Some(Secret::new(ca.to_owned()));
    }
    info
}

/// The requirer of relation `number` asks for `prefixes` (relation-created).
fn request(model: &Model, number: u32, prefixes: &[&str]) {
    let backend = model.unit(unit_of(number));
    Requirer::new(&backend, "cache")
        .with_log(|_, _| {})
        .request(&RelationId::new("cache", number), prefixes)
        .expect("request")
        .expect("the leader writes");
}

/// The provider answers relation `number`, creating users in `users`; its log lines.
fn provide(
    model: &Model,
    users: &mut dyn UserStore,
    number: u32,
    server: &ServerInfo,
) -> (Reconciled, Vec<String>) {
    let backend = model.unit("valkey/0");
    let lines = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&lines);
    let report = Provider::new(&backend, "valkey-client", ValkeyPolicy::new(users))
        .with_log(move |level: Level, line: &str| sink.borrow_mut().push(format!("{level} {line}")))
        .reconcile(&RelationId::new("valkey-client", number), server)
        .expect("reconcile")
        .expect("leader");
    let lines = lines.borrow().clone();
    (report, lines)
}

/// The requirer of relation `number` reads and resolves the answers (relation-changed).
fn resolve(model: &Model, number: u32) -> Answers {
    let backend = model.unit(unit_of(number));
    Requirer::new(&backend, "cache")
        .with_log(|_, _| {})
        .read(&RelationId::new("cache", number))
        .expect("read")
}

fn broken(model: &Model, users: &mut dyn UserStore, number: u32) -> Cleanup {
    let backend = model.unit("valkey/0");
    Provider::new(&backend, "valkey-client", ValkeyPolicy::new(users))
        .with_log(|_, _| {})
        .on_relation_broken(&RelationId::new("valkey-client", number))
        .expect("broken")
        .expect("leader")
}

/// Where and as whom a client connects, from a resolved response only.
fn endpoint_of(response: &Response) -> Endpoint<'_> {
    let (host, port) = host_port(&response.endpoints).expect("endpoints is host:port");
    let tls = response
        .tls
        .as_ref()
        .is_some_and(|tls| *tls.expose_secret());
    Endpoint {
        host,
        port,
        username: response
            .username
            .as_ref()
            .expect("username")
            .expose_secret(),
        password: response
            .password
            .as_ref()
            .expect("password")
            .expose_secret(),
        tls_ca: tls.then(|| {
            response
                .tls_ca
                .as_ref()
                .expect("a CA with TLS on")
                .expose_secret()
                .as_str()
        }),
    }
}

fn connect(response: &Response) -> Connection {
    endpoint_of(response)
        .connect()
        .expect("connect with the resolved credentials")
}

fn query(connection: &mut Connection, args: &[&str]) -> RedisResult<Value> {
    let mut command = redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    command.query(connection)
}

fn is_noperm(result: &RedisResult<Value>) -> bool {
    matches!(result, Err(error) if error.code() == Some("NOPERM"))
}

fn users_on(server: &ValkeyServer) -> Vec<String> {
    let mut admin = server.admin_access().connect().expect("admin");
    redis::cmd("ACL")
        .arg("USERS")
        .query(&mut admin)
        .expect("ACL USERS")
}

/// A plaintext server, its user store, a model with relation 0 asking for `app:*`, answered.
fn answered_plaintext() -> Option<(ValkeyServer, ServerUsers, Model, Response)> {
    let server = ValkeyServer::start(server_binary()?, &[]);
    let mut users = ServerUsers::open(&server.admin_access(), &[]).expect("admin connection");
    let model = model();
    request(&model, 0, &["app:*"]);
    provide(&model, &mut users, 0, &info(&server));
    let answers = resolve(&model, 0);
    assert_eq!(answers.events.len(), 1, "{:?}", answers.events);
    let response = answers.responses.into_iter().next().expect("one response");
    Some((server, users, model, response))
}

#[test]
fn a_provided_user_works_inside_its_prefix() {
    let Some((server, _users, _model, response)) = answered_plaintext() else {
        return;
    };
    // TLS off: the client is told so and connects in plain text.
    assert_eq!(
        response.tls.as_ref().map(|t| *t.expose_secret()),
        Some(false)
    );
    assert!(response.tls_ca.is_none());
    let username = response.username.as_ref().expect("user").expose_secret();
    assert!(
        users_on(&server).contains(username),
        "created on the server"
    );

    let mut client = connect(&response);
    let ok = |result: RedisResult<Value>| result.expect("allowed");
    assert_eq!(ok(query(&mut client, &["SET", "app:a", "1"])), Value::Okay);
    assert_eq!(
        ok(query(&mut client, &["GET", "app:a"])),
        Value::BulkString(b"1".to_vec())
    );
    assert_eq!(
        ok(query(&mut client, &["EXPIRE", "app:a", "100"])),
        Value::Int(1)
    );
    assert_eq!(ok(query(&mut client, &["DEL", "app:a"])), Value::Int(1));
    let (set, counted): (String, i64) = redis::pipe()
        .atomic()
        .cmd("SET")
        .arg("app:n")
        .arg(41)
        .cmd("INCR")
        .arg("app:n")
        .query(&mut client)
        .expect("MULTI/EXEC inside the prefix");
    assert_eq!((set.as_str(), counted), ("OK", 42));

    // Pub/Sub inside the prefix: a subscriber hears what another connection publishes.
    let mut listener = connect(&response);
    let mut subscriber = listener.as_pubsub();
    subscriber.subscribe("app:events").expect("SUBSCRIBE");
    subscriber
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    assert_eq!(
        ok(query(&mut client, &["PUBLISH", "app:events", "hello"])),
        Value::Int(1)
    );
    let message = subscriber.get_message().expect("a message");
    assert_eq!(message.get_channel_name(), "app:events");
    assert_eq!(message.get_payload::<String>().expect("text"), "hello");
}

#[test]
fn a_provided_user_is_refused_everything_outside_its_prefix() {
    let Some((server, _users, _model, response)) = answered_plaintext() else {
        return;
    };
    let mut admin = server.admin_access().connect().expect("admin");
    query(&mut admin, &["SET", "other:key", "other tenant's data"]).expect("seed");
    let mut client = connect(&response);
    for command in OUTSIDE {
        let result = query(&mut client, command);
        assert!(
            is_noperm(&result),
            "{command:?} was not refused: {result:?}"
        );
    }
    let mut listener = connect(&response);
    let refused = query(&mut listener, &["SUBSCRIBE", "other:events"]);
    assert!(is_noperm(&refused), "SUBSCRIBE outside: {refused:?}");
    assert_eq!(
        query(&mut admin, &["GET", "other:key"]).expect("admin GET"),
        Value::BulkString(b"other tenant's data".to_vec()),
        "nothing wiped or swapped"
    );
}

#[test]
fn two_requests_and_two_relations_cannot_touch_each_other() {
    let Some(binary) = server_binary() else {
        return;
    };
    let server = ValkeyServer::start(binary, &[]);
    let mut users = ServerUsers::open(&server.admin_access(), &[]).expect("admin");
    let model = model();
    request(&model, 0, &["app:*", "jobs:*"]);
    request(&model, 1, &["other:*"]);
    let (report, _) = provide(&model, &mut users, 0, &info(&server));
    assert_eq!(report.created.len(), 2);
    provide(&model, &mut users, 1, &info(&server));
    let mut ours = resolve(&model, 0).responses;
    ours.extend(resolve(&model, 1).responses);
    let prefixes: Vec<&str> = ours.iter().map(|r| r.resource.as_str()).collect();
    assert_eq!(prefixes, ["app:*", "jobs:*", "other:*"]);
    let usernames: Vec<&str> = ours
        .iter()
        .map(|r| r.username.as_ref().expect("user").expose_secret().as_str())
        .collect();
    assert_eq!(
        usernames
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        3,
        "one user per request: {usernames:?}"
    );
    let mut clients: Vec<Connection> = ours.iter().map(connect).collect();
    for (i, client) in clients.iter_mut().enumerate() {
        let own = format!("{}key", ours[i].resource.trim_end_matches('*'));
        query(client, &["SET", &own, "mine"]).expect("own key");
    }
    for (i, client) in clients.iter_mut().enumerate() {
        for (j, other) in ours.iter().enumerate() {
            if i == j {
                continue;
            }
            let theirs = format!("{}key", other.resource.trim_end_matches('*'));
            for command in [
                &["GET", theirs.as_str()][..],
                &["DEL", theirs.as_str()],
                &["SET", theirs.as_str(), "x"],
            ] {
                let result = query(client, command);
                assert!(
                    is_noperm(&result),
                    "{} ran {command:?}: {result:?}",
                    usernames[i]
                );
            }
        }
    }
}

#[test]
fn sentinel_clients_find_the_primary_with_their_own_credentials() {
    let (Some(server_bin), Some(sentinel_bin)) = (server_binary(), sentinel_binary()) else {
        return;
    };
    let server = ValkeyServer::start(server_bin, &[]);
    let sentinel = ValkeySentinel::start(sentinel_bin, &server, SERVICE);
    let mut users = ServerUsers::open(&server.admin_access(), &[sentinel.admin_access()])
        .expect("admin connections");
    let model = model();
    request(&model, 0, &["app:*"]);
    let mut described = info(&server);
    described.sentinel_endpoints = Some(format!("127.0.0.1:{}", sentinel.port()));
    provide(&model, &mut users, 0, &described);
    let response = resolve(&model, 0).responses.remove(0);
    assert_eq!(response.mode.as_deref(), Some("sentinel"));

    // The client knows only the sentinel list and its credentials.
    let endpoint = endpoint_of(&response);
    let first = response
        .sentinel_endpoints
        .as_deref()
        .and_then(|list| list.split(',').next())
        .and_then(host_port)
        .expect("a sentinel endpoint");
    let on_sentinel = Endpoint {
        host: first.0,
        port: first.1,
        ..endpoint.clone()
    };
    let mut asking = on_sentinel.connect().expect("the user logs in to Sentinel");
    let masters: Vec<std::collections::HashMap<String, String>> = redis::cmd("SENTINEL")
        .arg("MASTERS")
        .query(&mut asking)
        .expect("SENTINEL MASTERS");
    let name = masters[0]["name"].clone();
    assert_eq!(name, SERVICE);
    // What a client may not do on Sentinel.
    for command in [
        &["SENTINEL", "REMOVE", SERVICE][..],
        &["SENTINEL", "SET", SERVICE, "quorum", "2"],
        &["SENTINEL", "FAILOVER", SERVICE],
        &["SENTINEL", "RESET", "*"],
        &["SENTINEL", "CONFIG", "GET", "*"],
        &["SENTINEL", "DEBUG"],
        &["ACL", "LIST"],
        &["CLIENT", "LIST"],
    ] {
        let result = query(&mut asking, command);
        assert!(is_noperm(&result), "{command:?} on Sentinel: {result:?}");
    }

    // The crate's Sentinel client: find the primary, check its role, connect, work.
    let mut client = redis::sentinel::SentinelClientBuilder::new(
        [redis::ConnectionAddr::Tcp(first.0.to_owned(), first.1)],
        &name,
        redis::sentinel::SentinelServerType::Master,
    )
    .expect("builder")
    .set_client_to_sentinel_username(endpoint.username)
    .set_client_to_sentinel_password(endpoint.password)
    .set_client_to_redis_username(endpoint.username)
    .set_client_to_redis_password(endpoint.password)
    .build()
    .expect("sentinel client");
    let mut primary = client
        .get_connection()
        .expect("the primary, through Sentinel");
    assert_eq!(
        query(&mut primary, &["SET", "app:via-sentinel", "1"]).expect("SET"),
        Value::Okay
    );
    assert!(is_noperm(&query(&mut primary, &["FLUSHALL"])));

    // Relation removed: the user is gone from Sentinel too.
    broken(&model, &mut users, 0);
    let refused = on_sentinel.connect().map(|_| ());
    assert!(
        matches!(&refused, Err(error) if error.kind() == ErrorKind::AuthenticationFailed),
        "{refused:?}"
    );
}

#[test]
fn tls_clients_trust_only_the_delivered_ca() {
    let Some(binary) = server_binary() else {
        return;
    };
    let ca = TestCa::new("valkey test CA");
    let server = ValkeyServer::start_tls(binary, &[], &ca);
    let mut users = ServerUsers::open(&server.admin_access(), &[]).expect("admin over TLS");
    let model = model();
    request(&model, 0, &["app:*"]);
    provide(&model, &mut users, 0, &info(&server));
    let response = resolve(&model, 0).responses.remove(0);
    assert_eq!(
        response.tls.as_ref().map(|t| *t.expose_secret()),
        Some(true)
    );
    assert_eq!(
        response.tls_ca.as_ref().map(|c| c.expose_secret().as_str()),
        Some(ca.pem().as_str()),
        "the CA came through the `tls` secret"
    );

    let mut client = connect(&response);
    assert_eq!(
        query(&mut client, &["SET", "app:tls", "1"]).expect("SET over TLS"),
        Value::Okay
    );

    // Another CA: the server's certificate is not trusted.
    let impostor = TestCa::new("impostor CA").pem();
    let wrong = Endpoint {
        tls_ca: Some(&impostor),
        ..endpoint_of(&response)
    }
    .connect()
    .map(|_| ());
    let message = format!("{wrong:?}");
    assert!(
        wrong.is_err() && message.to_lowercase().contains("certificate"),
        "{message}"
    );
    // Plain text to the TLS port: no session.
    let plain = Endpoint {
        tls_ca: None,
        ..endpoint_of(&response)
    }
    .connect()
    .map(|_| ());
    assert!(plain.is_err(), "{plain:?}");
}

#[test]
fn relation_removed_deletes_the_user_and_closes_its_connections() {
    let Some((server, mut users, model, response)) = answered_plaintext() else {
        return;
    };
    let username = response
        .username
        .as_ref()
        .expect("user")
        .expose_secret()
        .clone();
    let mut open = connect(&response);
    query(&mut open, &["SET", "app:k", "1"]).expect("working before");

    let cleanup = broken(&model, &mut users, 0);
    assert_eq!(cleanup.revoked, std::slice::from_ref(&username));
    assert_eq!(cleanup.removed_secrets.len(), 2, "user and tls secrets");
    assert!(!users_on(&server).contains(&username));

    let after = query(&mut open, &["GET", "app:k"]);
    assert!(
        matches!(&after, Err(error) if error.is_connection_dropped() || error.is_io_error()),
        "the open connection was closed: {after:?}"
    );
    let again = endpoint_of(&response).connect().map(|_| ());
    assert!(
        matches!(&again, Err(error) if error.kind() == ErrorKind::AuthenticationFailed),
        "a new AUTH fails: {again:?}"
    );
}

/// The whole keyspace (`*`, as the Valkey charm's own test requirer asks) and a hash-tagged
/// tenant, through the whole flow: requirer, provider, users on the server, resolved answers.
#[test]
fn the_whole_keyspace_and_a_hash_tagged_tenant_get_users() {
    let Some(binary) = server_binary() else {
        return;
    };
    let server = ValkeyServer::start(binary, &[]);
    let mut users = ServerUsers::open(&server.admin_access(), &[]).expect("admin");
    let model = model();
    request(&model, 0, &["*", "app:{tenant}:*"]);
    let (report, _) = provide(&model, &mut users, 0, &info(&server));
    assert_eq!(report.created.len(), 2, "{:?}", report.refused);
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let responses = resolve(&model, 0).responses;
    let prefixes: Vec<&str> = responses.iter().map(|r| r.resource.as_str()).collect();
    assert_eq!(prefixes, ["*", "app:{tenant}:*"]);
    let mut admin = server.admin_access().connect().expect("admin");
    query(&mut admin, &["SET", "other:key", "theirs"]).expect("seed");

    let mut everything = connect(&responses[0]);
    assert_eq!(
        query(&mut everything, &["GET", "other:key"]).expect("any key"),
        Value::BulkString(b"theirs".to_vec())
    );
    query(&mut everything, &["SET", "app:{tenant}:k", "1"]).expect("any key");
    for command in [
        &["FLUSHALL"][..],
        &["KEYS", "*"],
        &["SCAN", "0"],
        &["ACL", "LIST"],
    ] {
        let result = query(&mut everything, command);
        assert!(
            is_noperm(&result),
            "{command:?} was not refused: {result:?}"
        );
    }

    let mut tenant = connect(&responses[1]);
    assert_eq!(
        query(&mut tenant, &["GET", "app:{tenant}:k"]).expect("own key"),
        Value::BulkString(b"1".to_vec())
    );
    for key in ["other:key", "app:tenant:k", "app:{other}:k", "app:{tenant}"] {
        let result = query(&mut tenant, &["GET", key]);
        assert!(is_noperm(&result), "GET {key} was not refused: {result:?}");
    }
}

/// Prefixes that would change the ACL rule or widen the pattern if pasted into it.
const HOSTILE: &[&str] = &[
    "x ~*",
    "x +@all",
    "a b",
    "x\n",
    ">pw",
    "%RW~*",
    "",
    "**",
    "~*",
    "&*",
    "+@all",
    "x#0",
    "(x)",
    "<pw",
    "x\ty",
    "x\r",
    "app:* on nopass",
    "a*b*",
    "[a-z]*",
    "é:*",
];

#[test]
fn hostile_prefixes_never_become_users() {
    let Some(binary) = server_binary() else {
        return;
    };
    let server = ValkeyServer::start(binary, &[]);
    let mut users = ServerUsers::open(&server.admin_access(), &[]).expect("admin");
    let before = users_on(&server);
    let model = model();
    // A requirer that skips the library's checks writes its requests by hand.
    let requests: Vec<serde_json::Value> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, prefix)| {
            serde_json::json!({"resource": prefix, "request-id": format!("r{i}"), "salt": "s"})
        })
        .collect();
    let update: BagUpdate = [
        ("version".to_owned(), Some("v1".to_owned())),
        (
            "requests".to_owned(),
            Some(serde_json::Value::from(requests).to_string()),
        ),
    ]
    .into_iter()
    .collect();
    model
        .unit("app/0")
        .write_app(&RelationId::new("cache", 0), &update)
        .expect("requirer write");

    let (report, lines) = provide(&model, &mut users, 0, &info(&server));
    assert!(report.created.is_empty(), "{:?}", report.created);
    assert_eq!(report.refused.len(), HOSTILE.len());
    assert!(
        report
            .refused
            .iter()
            .all(|refusal| refusal.code == status_codes::INVALID_PREFIX)
    );
    assert_eq!(users_on(&server), before, "no user created on the server");

    // The requirer sees the refusal in the relation status; the provider's log says why.
    let answers = resolve(&model, 0);
    assert!(answers.responses.is_empty());
    assert!(
        answers
            .statuses
            .iter()
            .any(|status| status.code == status_codes::INVALID_PREFIX),
        "{:?}",
        answers.statuses
    );
    // The first five refusals get a line each, the rest one count (a flood stays a few lines).
    for i in 0..5 {
        let index = format!("requests[{i}]");
        assert!(
            lines
                .iter()
                .any(|line| line.starts_with("WARNING") && line.contains(&index)),
            "no log line for {index}: {lines:#?}"
        );
    }
    let rest = format!("refused {} more request(s)", HOSTILE.len() - 5);
    assert!(
        lines.iter().any(|line| line.contains(&rest)),
        "no count of the rest: {lines:#?}"
    );
}
