//! `databag validate`/`resolve` on Juju's own output (issue 16): recorded `juju show-unit` and
//! `juju show-secret --reveal` outputs of both sides of a valkey_client relation, v0 and v1,
//! in YAML and JSON, round-tripped with no manual extraction.
//!
//! The recordings (`tests/data/juju/`) follow the shapes of Juju's source:
//! `cmd/juju/application/showunit.go` (`UnitInfo`, `RelationData`: `relation-id`, `endpoint`,
//! `related-endpoint`, `application-data`, `local-unit`, `related-units`; `--app` and
//! `--endpoint`), `apiserver/facades/client/application/application.go` (`relationData`:
//! Juju 3.x shows the related application's `application-data`, releases without
//! `relation-id` the unit's own), and `cmd/juju/secrets/list.go` (`secretDisplayDetails`,
//! printed by `cmd/juju/secrets/show.go`: ID → `revision`, ..., `content`). Their databag
//! contents are the interface document's examples (`tests/data/valkey_client/`).

use std::path::{Path, PathBuf};

mod common;
use common::{assert_exit, databag, root, spec, stderr, stdout};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// `databag resolve --spec v1.yaml EXTRA...` → its JSON.
#[track_caller]
fn resolve(extra: &[&str]) -> (serde_json::Value, String) {
    let spec = spec();
    let mut args = vec!["resolve", "--spec", spec.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    let output = databag(&args);
    assert_exit(&output, 0);
    let value = serde_json::from_str(&stdout(&output)).expect("resolve prints JSON");
    (value, stderr(&output))
}

fn path(name: &str) -> String {
    data(name).to_str().expect("utf-8").to_owned()
}

#[test]
fn show_unit_and_show_secret_round_trip_on_both_sides_v0_and_v1() {
    for version in ["v0", "v1"] {
        let secrets = match version {
            "v0" => path("juju/show-secret-v0.yaml"),
            _ => path("juju/show-secret-v1.json"),
        };
        // What the flat dumps of the same databags resolve to, the role given.
        let (provider, _) = resolve(&[
            "--role",
            "provider",
            "--databag",
            &path(&format!("valkey_client/{version}-provider.yaml")),
            "--secrets",
            &path("valkey_client/secrets.json"),
        ]);
        let (requirer, _) = resolve(&[
            "--role",
            "requirer",
            "--databag",
            &path(&format!("valkey_client/{version}-requirer.yaml")),
        ]);
        for format in ["yaml", "json"] {
            // `juju show-unit app/0`: the application side shows valkey's answer.
            let dump = path(&format!("juju/show-unit-app-{version}.{format}"));
            let (value, notes) =
                resolve(&["--databag", &dump, "--relation", "7", "--secrets", &secrets]);
            assert_eq!(value, provider, "{dump}");
            assert!(notes.contains("relation 7 (endpoint `cache`"), "{notes}");
            assert!(notes.contains("read as the provider's databag"), "{notes}");
            assert!(
                notes.contains("written by the application related to app/0"),
                "{notes}"
            );
            // By endpoint name too.
            let (value, _) = resolve(&[
                "--databag",
                &dump,
                "--relation",
                "cache",
                "--secrets",
                &secrets,
            ]);
            assert_eq!(value, provider);
            // `juju show-unit valkey/0`: the provider side shows the app's request.
            let dump = path(&format!("juju/show-unit-valkey-{version}.{format}"));
            let (value, notes) = resolve(&["--databag", &dump]);
            assert_eq!(value, requirer, "{dump}");
            assert!(notes.contains("read as the requirer's databag"), "{notes}");
            assert!(notes.contains("related to valkey/0"), "{notes}");
        }
        // The --app and --endpoint forms.
        let dump = path(&format!("juju/show-unit-app-{version}-app-only.json"));
        let (value, _) = resolve(&[
            "--databag",
            &dump,
            "--relation",
            "cache",
            "--secrets",
            &secrets,
        ]);
        assert_eq!(value, provider);
        let dump = path(&format!("juju/show-unit-valkey-{version}-endpoint.yaml"));
        let (value, _) = resolve(&["--databag", &dump]);
        assert_eq!(value, requirer);
        // validate accepts them all.
        for dump in [
            format!("juju/show-unit-app-{version}.yaml"),
            format!("juju/show-unit-app-{version}.json"),
            format!("juju/show-unit-valkey-{version}.yaml"),
            format!("juju/show-unit-valkey-{version}.json"),
            format!("juju/show-unit-app-{version}-app-only.json"),
            format!("juju/show-unit-valkey-{version}-endpoint.yaml"),
        ] {
            let output = databag([
                "validate",
                "--spec",
                spec().to_str().expect("utf-8"),
                "--relation",
                "7",
                &path(&dump),
            ]);
            assert_exit(&output, 0);
            assert!(output.stdout.is_empty());
        }
    }
}

#[test]
fn several_relations_need_a_choice_and_a_wrong_one_lists_the_candidates() {
    let dump = path("juju/show-unit-app-v1.yaml");
    let spec = spec();
    let spec = spec.to_str().expect("utf-8");
    let output = databag(["validate", "--spec", spec, &dump]);
    assert_exit(&output, 2);
    let text = stderr(&output);
    assert!(
        text.contains("the output shows 2 relations; pick one with --relation ID|ENDPOINT"),
        "{text}"
    );
    assert!(text.contains("relation 7 (endpoint `cache` ↔ related endpoint `valkey-client`)"));
    assert!(text.contains("relation 3 (endpoint `logging` ↔ related endpoint `logging-provider`)"));
    for wanted in ["99", "nope"] {
        let output = databag(["validate", "--spec", spec, "--relation", wanted, &dump]);
        assert_exit(&output, 2);
        let text = stderr(&output);
        assert!(
            text.contains(&format!("no relation matches --relation {wanted}")),
            "{text}"
        );
        assert!(text.contains("relation 3 (endpoint `logging`"), "{text}");
    }
    // --relation on a plain dump is a usage error.
    let flat = path("valkey_client/v1-provider.yaml");
    let output = databag(["validate", "--spec", spec, "--relation", "7", &flat]);
    assert_exit(&output, 2);
}

#[test]
fn an_output_without_relation_id_is_the_units_own_data() {
    let dump = path("juju/show-unit-valkey-v1-before-relation-id.yaml");
    let (value, notes) = resolve(&[
        "--databag",
        &dump,
        "--secrets",
        &path("juju/show-secret-all.yaml"),
    ]);
    assert!(
        notes.contains("written by valkey/0's own application"),
        "{notes}"
    );
    assert!(notes.contains("read as the provider's databag"), "{notes}");
    assert_eq!(
        value["requests"][0]["username"],
        "relation-0-836763deea236532"
    );
    // --role overrides the inference.
    let (_, notes) = resolve(&["--databag", &dump, "--role", "requirer"]);
    assert!(
        notes.contains("read as the requirer's databag (as --role says)"),
        "{notes}"
    );
}

#[test]
fn show_secret_without_content_asks_for_reveal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secrets = dir.path().join("secrets.json");
    std::fs::write(
        &secrets,
        r#"{"d7fmpmvmp25c7618tfb0":{"revision":2,"owner":"valkey","created":"2025-11-03T10:21:44Z","updated":"2025-11-03T10:25:02Z"}}"#,
    )
    .expect("write");
    let spec = spec();
    let output = databag([
        "resolve",
        "--spec",
        spec.to_str().expect("utf-8"),
        "--databag",
        &path("juju/show-unit-app-v1.yaml"),
        "--relation",
        "7",
        "--secrets",
        secrets.to_str().expect("utf-8"),
    ]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains(
            "secret d7fmpmvmp25c7618tfb0: no `content`; run `juju show-secret d7fmpmvmp25c7618tfb0 --reveal`"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn redact_hides_every_secret_value() {
    let args = [
        "--databag",
        &path("juju/show-unit-app-v1.json"),
        "--relation",
        "7",
        "--secrets",
        &path("juju/show-secret-v1.json"),
    ];
    let (plain, _) = resolve(&args);
    assert_eq!(
        plain["requests"][0]["password"],
        "Tz8fPq1vW3nB6yK0sLdE4rJ7uMhX2cAi"
    );
    let mut redacted_args = args.to_vec();
    redacted_args.push("--redact");
    let (redacted, _) = resolve(&redacted_args);
    let text = redacted.to_string();
    for secret in [
        "Tz8fPq1vW3nB6yK0sLdE4rJ7uMhX2cAi",
        "relation-0-836763deea236532",
        "BEGIN CERTIFICATE",
    ] {
        assert!(!text.contains(secret), "{text}");
    }
    let request = &redacted["requests"][0];
    for key in ["username", "password", "tls", "tls-ca"] {
        assert_eq!(request[key], "[REDACTED]", "{key}");
    }
    // Everything else is as before.
    assert_eq!(request["endpoints"], plain["requests"][0]["endpoints"]);
    assert_eq!(request["secret-user"], plain["requests"][0]["secret-user"]);
}

#[test]
fn the_generated_docs_example_validates_as_it_is() {
    let docs =
        std::fs::read_to_string(root().join("generated/docs/valkey_client/v1.md")).expect("docs");
    let start =
        docs.find("### `v1`\n\n```yaml\n").expect("v1 example") + "### `v1`\n\n```yaml\n".len();
    let end = start + docs[start..].find("```").expect("end of block");
    let dir = tempfile::tempdir().expect("tempdir");
    let example = dir.path().join("example.yaml");
    std::fs::write(&example, &docs[start..end]).expect("write");
    let spec = spec();
    let spec = spec.to_str().expect("utf-8");
    let example = example.to_str().expect("utf-8");
    for role in ["requirer", "provider"] {
        let output = databag(["validate", "--spec", spec, "--role", role, example]);
        assert_exit(&output, 0);
    }
    let output = databag(["validate", "--spec", spec, example]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("both roles; pick one with --role"));
}

#[test]
fn the_app_only_yaml_form_and_several_units() {
    for version in ["v0", "v1"] {
        let dump = path(&format!("juju/show-unit-app-{version}-app-only.yaml"));
        let output = databag(["validate", "--spec", spec().to_str().expect("utf-8"), &dump]);
        assert_exit(&output, 0);
        assert!(stderr(&output).contains("read as the provider's databag"));
    }
    // `juju show-unit app/0 valkey/0` prints both units: one is needed.
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(data(name)).expect("read")).expect("json")
    };
    let mut both = read("juju/show-unit-app-v1.json");
    let valkey = read("juju/show-unit-valkey-v1.json");
    both.as_object_mut()
        .expect("object")
        .extend(valkey.as_object().expect("object").clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("both.json");
    std::fs::write(&file, both.to_string()).expect("write");
    let output = databag([
        "validate",
        "--spec",
        spec().to_str().expect("utf-8"),
        file.to_str().expect("utf-8"),
    ]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains(
            "a `juju show-unit` output of 2 units (app/0, valkey/0): run `juju show-unit` for one unit"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_declared_unit_databag_is_read_from_the_same_side() {
    // postgresql_client's provider declares a unit databag (`state`). On Juju 3.x, show-unit of
    // the requirer's unit shows the provider's app databag and its units' databags under
    // related-units; Juju's own keys (ingress-address, ...) are not the interface's.
    let unit = serde_json::json!({"app/0": {
        "opened-ports": [], "charm": "ch:amd64/noble/my-app-3", "leader": true, "life": "alive",
        "relation-info": [{
            "relation-id": 4, "endpoint": "database", "related-endpoint": "database",
            "application-data": {
                "database": "myappB",
                "endpoints": "postgresql-k8s-primary:5432",
                "read-only-endpoints": "postgresql-k8s-replicas:5432",
            },
            "local-unit": {"in-scope": true, "data": {"ingress-address": "10.1.0.7"}},
            "related-units": {"postgresql-k8s/0": {"in-scope": true, "data": {
                "egress-subnets": "10.1.0.9/32", "ingress-address": "10.1.0.9",
                "private-address": "10.1.0.9", "state": "ready"}}},
        }],
    }});
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("unit.json");
    std::fs::write(&file, unit.to_string()).expect("write");
    let spec = root().join("spec/postgresql_client/v0.yaml");
    let output = databag([
        "resolve",
        "--spec",
        spec.to_str().expect("utf-8"),
        "--role",
        "provider",
        "--databag",
        file.to_str().expect("utf-8"),
    ]);
    assert_exit(&output, 0);
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(value["unit"], serde_json::json!({"state": "ready"}));
    assert_eq!(value["app"]["database"], "myappB");
    assert!(stderr(&output).contains("unit databag of postgresql-k8s/0"));
}
