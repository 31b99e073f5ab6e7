//! Malformed specs and the exact `file:line:column: message` lines they produce: the UI tests
//! of the YAML side. Each `tests/spec_errors/<name>.yaml` has its expectation in
//! `<name>.expected`. After an intended change of messages, rerun with `DATABAG_BLESS=1` to
//! rewrite the expectations, and review the diff.

use std::path::Path;

use databag::Selector;
use databag_codegen::Interface;
use databag_codegen::model::{Field, Object, RoleKind, Type};

#[test]
fn malformed_specs_report_positions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec_errors");
    let bless = std::env::var_os("DATABAG_BLESS").is_some();
    let mut specs: Vec<_> = std::fs::read_dir(&dir)
        .expect("spec_errors directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    assert!(
        specs.len() >= 12,
        "expected at least 12 malformed specs, found {}",
        specs.len()
    );

    let mut failures = Vec::new();
    for spec in &specs {
        let name = spec.file_name().expect("file name").to_string_lossy();
        // Messages name the file as the caller gave it: keep it short and machine-independent.
        let shown = Path::new("spec_errors").join(name.as_ref());
        let text = std::fs::read_to_string(spec).expect("spec text");
        let actual = match Interface::from_str(&text, &shown) {
            Ok(_) => {
                failures.push(format!("{}: loaded without errors", spec.display()));
                continue;
            }
            Err(diagnostics) => diagnostics.to_string(),
        } + "\n";
        let expected_path = spec.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &actual).expect("write expectation");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                spec.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn several_mistakes_are_reported_together() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec_errors/several_mistakes.yaml");
    let text = std::fs::read_to_string(&spec).expect("spec text");
    let diagnostics =
        Interface::from_str(&text, "several_mistakes.yaml").expect_err("invalid spec");
    assert_eq!(diagnostics.len(), 3, "{diagnostics}");
}

fn load(spec: &str) -> Interface {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(spec);
    Interface::load(path)
        .unwrap_or_else(|diagnostics| panic!("{spec} does not load:\n{diagnostics}"))
}

fn field<'a>(object: &'a Object, name: &str) -> &'a Field {
    object
        .field(name)
        .unwrap_or_else(|| panic!("{} has no field {name}", object.rust_name))
}

#[test]
fn valkey_spec_loads_into_the_expected_model() {
    let valkey = load("spec/valkey_client/v1.yaml");
    assert_eq!((valkey.name.as_str(), valkey.version), ("valkey_client", 1));
    assert_eq!(valkey.status, "draft");
    assert_eq!(valkey.version_key.as_deref(), Some("version"));
    let groups: Vec<_> = valkey
        .secret_groups
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(groups, ["user", "tls"]);
    let objects: Vec<_> = valkey
        .objects
        .iter()
        .map(|o| o.rust_name.as_str())
        .collect();
    assert_eq!(objects, ["Request", "Response", "Status"]);

    let requirer = valkey.role(RoleKind::Requirer).expect("requirer");
    let selectors: Vec<_> = requirer
        .versions
        .iter()
        .map(|v| (v.name.as_str(), &v.selector))
        .collect();
    assert_eq!(
        selectors,
        [
            ("v0", &Selector::ValueOrAbsent("v0".into())),
            ("v1", &Selector::Value("v1".into()))
        ]
    );
    let v0 = &requirer.versions[0].app;
    assert_eq!(v0.rust_name, "RequirerAppData");
    assert_eq!(field(v0, "resource").name, "database", "the v0 alias");
    let requests = field(&requirer.versions[1].app, "requests");
    assert_eq!(
        requests.ty,
        Type::List(Box::new(Type::Object("request".into())))
    );
    assert!(requests.json && requests.required);
    let example = requirer.versions[1].example.as_ref().expect("v1 example");
    assert_eq!(example.app.get("version").map(String::as_str), Some("v1"));

    let provider = valkey.role(RoleKind::Provider).expect("provider");
    assert_eq!(provider.versions[0].selector, Selector::Other);
    assert_eq!(provider.versions[1].app.rust_name, "ProviderAppData");
    let response = valkey.object("response").expect("response");
    let read_only = field(response, "read-only-endpoints");
    assert_eq!(read_only.rust_name, "read_only_endpoints");
    assert!(!read_only.required);
    assert_eq!(
        field(response, "sentinel_endpoints").name,
        "sentinel-endpoints"
    );
    let tls = field(response, "tls");
    assert_eq!(
        (tls.ty.clone(), tls.secret.as_deref()),
        (Type::Bool, Some("tls"))
    );
    assert_eq!(
        field(response, "secret-tls").secret_uri.as_deref(),
        Some("tls")
    );
    assert_eq!(
        field(&provider.versions[1].app, "data").ty,
        Type::Map(Box::new(Type::Any))
    );
}

#[test]
fn postgresql_spec_loads_with_nothing_interface_specific() {
    let postgresql = load("spec/postgresql_client/v0.yaml");
    assert_eq!(
        (postgresql.name.as_str(), postgresql.version),
        ("postgresql_client", 0)
    );
    assert_eq!(postgresql.version_key.as_deref(), Some("version"));
    let objects: Vec<_> = postgresql.objects.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(objects, ["request", "response", "status"]);
    let groups: Vec<_> = postgresql
        .secret_groups
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(groups, ["user", "tls", "entity", "extra"]);
    for role in &postgresql.roles {
        let versions: Vec<_> = role.versions.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(versions, ["v0", "v1"]);
        assert_eq!(
            role.versions[1].selector,
            Selector::Value("v1".into()),
            "v1 by its tag"
        );
    }
    let requirer = &postgresql
        .role(RoleKind::Requirer)
        .expect("requirer")
        .versions[0];
    let requested = field(&requirer.app, "requested-secrets");
    assert_eq!(requested.ty, Type::List(Box::new(Type::String)));
    assert!(requested.json && !requested.required);
    let provider = &postgresql
        .role(RoleKind::Provider)
        .expect("provider")
        .versions[0];
    assert_eq!(
        field(&provider.app, "entity-password").secret.as_deref(),
        Some("entity")
    );
    let unit = provider.unit.as_ref().expect("provider unit databag");
    assert_eq!(unit.rust_name, "ProviderUnitData");
    assert_eq!(field(unit, "state").examples, ["ready"]);
}
