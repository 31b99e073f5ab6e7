//! The charm's own tests, with databag's `testing` feature: its logic on the in-memory model
//! against the Valkey provider flow, and its real binary on the emulated Juju hook tools.

use databag::juju::{
    Backend, Event, Fetch, Model, RelationHook, RelationId, SecretRef, State, WorkloadStatus,
};
use databag::testing::{EmuModel, Hook};
use valkey_client::relation::Provider;
use valkey_client::valkey::{MemoryUserStore, ServerInfo, ValkeyPolicy};

const UUID: &str = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";

fn relation_hook(hook: RelationHook, relation: &RelationId) -> Event {
    Event::Relation {
        hook,
        relation: relation.clone(),
        remote_app: Some("valkey".to_owned()),
        remote_unit: None,
        departing_unit: None,
    }
}

#[test]
fn asks_for_a_user_and_goes_active_when_valkey_answers() {
    let mut state = State::new(UUID);
    state.add_app("app", 1);
    state.add_app("valkey", 1);
    let number = state.relate("app", "cache", "valkey", "valkey-client");
    // Charm options are a JSON object (`databag::Unknown` is serde_json's map).
    let mut options = databag::Unknown::new();
    options.insert("prefix".into(), databag::Value::String("app:*".into()));
    state.set_config("app", options);
    let model = Model::new(state);
    let (app, valkey) = (model.unit("app/0"), model.unit("valkey/0"));
    let cache = RelationId::new("cache", number);

    cache_charm::handle(&app, &relation_hook(RelationHook::Created, &cache)).unwrap();
    assert_eq!(
        model.state().status("app/0"),
        Some(&WorkloadStatus::Waiting("waiting for a Valkey user".into()))
    );

    let mut users = MemoryUserStore::new();
    Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut users))
        .with_log(|_, _| {})
        .reconcile(
            &RelationId::new("valkey-client", number),
            &ServerInfo::new("10.0.0.1:6379"),
        )
        .unwrap();
    assert_eq!(users.len(), 1, "one user, on app:*");

    cache_charm::handle(&app, &relation_hook(RelationHook::Changed, &cache)).unwrap();
    assert_eq!(
        model.state().status("app/0"),
        Some(&WorkloadStatus::Active("connected to 10.0.0.1:6379".into()))
    );

    // The Valkey charm rotates the password: a new revision of the user secret, and Juju
    // sends secret-changed with the consumer label the requirer gave it.
    let answer = model.state().app_bag(number, "valkey").cloned().unwrap();
    let requests: serde_json::Value = serde_json::from_str(&answer["requests"]).unwrap();
    let uri = databag::SecretUri::parse(requests[0]["secret-user"].as_str().unwrap()).unwrap();
    let label = model.state().consumer("app/0", uri.as_str()).and_then(|c| c.1);
    let mut rotated = valkey
        .secret_get(&SecretRef::uri(uri.clone()), Fetch::Tracked)
        .unwrap();
    rotated.insert("password".to_owned(), "rotated".to_owned());
    valkey.secret_set(&uri, &rotated).unwrap();
    let changed = Event::SecretChanged { secret: uri, label };
    cache_charm::handle(&app, &changed).unwrap();
    assert_eq!(
        model.state().status("app/0"),
        Some(&WorkloadStatus::Active("credentials updated".into()))
    );
}

#[test]
fn the_binary_requests_through_the_emulated_hook_tools() {
    let mut state = State::new(UUID);
    state.add_app("app", 1);
    state.add_app("valkey", 1);
    let number = state.relate("app", "cache", "valkey", "valkey-client");
    let dir = std::env::temp_dir().join(format!("cache-charm-test-{}", std::process::id()));
    let model = EmuModel::new(&dir, env!("CARGO_BIN_EXE_juju-emu").as_ref(), &state).unwrap();
    let hook = Hook::new("app/0", "cache-relation-created").relation(number);
    let run = model
        .run_hook(env!("CARGO_BIN_EXE_cache-charm").as_ref(), &hook)
        .unwrap();
    assert!(run.success, "{}", run.stderr);
    let bag = model.state().app_bag(number, "app").cloned().unwrap_or_default();
    assert_eq!(bag.get("version").map(String::as_str), Some("v1"));
    assert!(bag["requests"].contains("\"resource\": \"cache:*\""), "{bag:?}");
    let tools: Vec<String> = model.calls().into_iter().map(|call| call.tool).collect();
    assert!(tools.contains(&"config-get".to_owned()), "{tools:?}");
    assert!(tools.contains(&"status-set".to_owned()), "{tools:?}");
    std::fs::remove_dir_all(&dir).ok();
}
