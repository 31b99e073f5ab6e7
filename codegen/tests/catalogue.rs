//! `databag catalogue`: the written tree has the Juju catalogue's layout
//! (canonical/charm-relation-interfaces), every JSON file is a valid JSON Schema, the
//! interface.yaml passes the catalogue's own checks, and every spec's examples validate against
//! the written schemas (a real validator, JSON-encoded values against their `contentSchema`).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use databag_codegen::Interface;
use databag_codegen::model::RoleKind;
use serde_json::{Value, json};

mod common;
use common::assert_exit;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn databag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_databag"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run databag")
}

fn files(dir: &Path, rel: &Path, out: &mut BTreeSet<String>) {
    for entry in fs::read_dir(dir.join(rel)).expect("read dir") {
        let entry = entry.expect("entry");
        let rel = rel.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            files(dir, &rel, out);
        } else {
            out.insert(rel.to_string_lossy().into_owned());
        }
    }
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn export_all() -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().to_str().expect("utf-8 path");
    assert_exit(&databag(&["catalogue", "--out", dir]), 0);
    out
}

#[test]
fn valkey_client_has_the_catalogue_layout() {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().to_str().expect("utf-8 path");
    let output = databag(&[
        "catalogue",
        "--spec",
        "spec/valkey_client/v1.yaml",
        "--out",
        dir,
    ]);
    assert_exit(&output, 0);
    assert!(output.stdout.is_empty());
    let mut found = BTreeSet::new();
    files(out.path(), Path::new(""), &mut found);
    let expected: BTreeSet<String> = [
        "docs/json_schemas/valkey_client/v1/provider.json",
        "docs/json_schemas/valkey_client/v1/requirer.json",
        "interfaces/valkey_client/v1/README.md",
        "interfaces/valkey_client/v1/interface.yaml",
    ]
    .map(String::from)
    .into();
    assert_eq!(found, expected);
    // The README's schema links resolve inside the catalogue tree.
    let readme = out.path().join("interfaces/valkey_client/v1");
    let text = fs::read_to_string(readme.join("README.md")).expect("README");
    for role in ["provider", "requirer"] {
        let link = format!("../../../docs/json_schemas/valkey_client/v1/{role}.json");
        assert!(text.contains(&format!("]({link})")), "no link to {link}");
        assert!(readme.join(&link).is_file(), "{link} does not resolve");
    }
}

#[test]
fn every_json_file_is_a_json_schema_in_pydantics_shape() {
    let out = export_all();
    let mut found = BTreeSet::new();
    files(out.path(), Path::new(""), &mut found);
    let schemas: Vec<&String> = found.iter().filter(|p| p.ends_with(".json")).collect();
    assert_eq!(schemas.len(), 8, "{found:?}");
    for rel in schemas {
        let schema = read_json(&out.path().join(rel));
        if let Err(error) = jsonschema::meta::validate(&schema) {
            panic!("{rel}: not a valid JSON Schema: {error}");
        }
        jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let role = if rel.ends_with("provider.json") {
            "Provider"
        } else {
            "Requirer"
        };
        assert_eq!(schema["title"], format!("{role}Schema"), "{rel}");
        assert_eq!(schema["required"], json!(["app"]), "{rel}");
        assert_eq!(
            schema["properties"]["app"]["$ref"],
            format!("#/$defs/{role}AppData")
        );
        assert_eq!(
            schema["properties"]["unit"]["$ref"],
            format!("#/$defs/{role}UnitData")
        );
    }
}

#[test]
fn interface_yaml_passes_the_catalogue_checks() {
    // utils/interface-validator.py: `InterfaceModel` forbids other keys, needs an int version,
    // a known status, charms with an http(s) url, and name/version matching the directory.
    let out = export_all();
    for entry in fs::read_dir(out.path().join("interfaces")).expect("interfaces") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        for version_dir in fs::read_dir(entry.path()).expect("versions") {
            let version_dir = version_dir.expect("version");
            let path = version_dir.path().join("interface.yaml");
            let text = fs::read_to_string(&path).expect("interface.yaml");
            let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
            let map = yaml.as_mapping().expect("mapping");
            let keys: BTreeSet<&str> = map.keys().filter_map(|k| k.as_str()).collect();
            let allowed = [
                "name",
                "version",
                "internal",
                "status",
                "requirers",
                "providers",
                "maintainer",
            ];
            assert!(keys.iter().all(|k| allowed.contains(k)), "{keys:?}");
            for required in ["name", "version", "status", "requirers", "providers"] {
                assert!(keys.contains(required), "{}: no {required}", path.display());
            }
            assert_eq!(yaml["name"].as_str(), Some(name.as_str()));
            let version = yaml["version"].as_u64().expect("int version");
            assert_eq!(
                version_dir.file_name().to_string_lossy(),
                format!("v{version}")
            );
            assert!(
                ["draft", "published", "retired"].contains(&yaml["status"].as_str().unwrap_or(""))
            );
            for list in ["providers", "requirers"] {
                for charm in yaml[list].as_sequence().expect("list") {
                    let charm = charm.as_mapping().expect("charm");
                    assert!(
                        charm
                            .keys()
                            .all(|k| matches!(k.as_str(), Some("name" | "url")))
                    );
                    assert!(charm["url"].as_str().expect("url").starts_with("http"));
                }
            }
        }
    }
}

#[test]
fn spec_examples_validate_against_the_written_schemas() {
    let out = export_all();
    let mut checked = 0;
    for spec in databag_codegen::builder::find_specs(&root().join("spec")).expect("specs") {
        let interface = Interface::load(&spec).unwrap_or_else(|p| panic!("{p}"));
        for role in &interface.roles {
            let rel = format!(
                "docs/json_schemas/{}/v{}/{}.json",
                interface.name,
                interface.version,
                role.kind.as_str()
            );
            let schema = read_json(&out.path().join(&rel));
            let validator = jsonschema::validator_for(&schema).expect("validator");
            for version in &role.versions {
                let Some(example) = &version.example else {
                    continue;
                };
                let instance = json!({"app": example.app, "unit": example.unit});
                let errors: Vec<String> = validator
                    .iter_errors(&instance)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                assert!(errors.is_empty(), "{rel} {}: {errors:#?}", version.name);
                contents_validate(&schema, &interface, role.kind, &version.name, &example.app);
                // The check can fail: without its required keys the example is refused.
                let mut broken = example.app.clone();
                for field in version.app.fields.iter().filter(|f| f.required) {
                    broken.remove(&field.name);
                    for alias in &field.aliases {
                        broken.remove(alias);
                    }
                }
                broken.insert("password".into(), "hunter2".into());
                if broken != example.app {
                    let instance = json!({"app": broken});
                    assert!(!validator.is_valid(&instance), "{rel} {}", version.name);
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "only {checked} examples checked");
}

/// Each JSON-encoded value of `app` validates against its `contentSchema` in the version's
/// model of the written file.
fn contents_validate(
    schema: &Value,
    interface: &Interface,
    role: RoleKind,
    version: &str,
    app: &std::collections::BTreeMap<String, String>,
) {
    let title = match role {
        RoleKind::Provider => "Provider",
        RoleKind::Requirer => "Requirer",
    };
    let defs = &schema["$defs"];
    let versioned = format!("{title}AppDataV{}", version.trim_start_matches('v'));
    let model = if defs.get(&versioned).is_some() {
        &defs[&versioned]
    } else {
        &defs[format!("{title}AppData")]
    };
    for (key, value) in app {
        let Some(content) = model["properties"][key].get("contentSchema") else {
            continue;
        };
        let parsed: Value = serde_json::from_str(value)
            .unwrap_or_else(|e| panic!("{} {version} {key}: {e}", interface.name));
        // The content's models are the document's `$defs`.
        let mut content = content.clone();
        content["$defs"] = defs.clone();
        let validator = jsonschema::validator_for(&content).expect("content validator");
        let errors: Vec<String> = validator
            .iter_errors(&parsed)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{} {version} {key}: {errors:#?}",
            interface.name
        );
        if content.get("type").is_some() {
            assert!(
                !validator.is_valid(&json!(12345)),
                "{} {version} {key}: the content schema refuses nothing",
                interface.name
            );
        }
    }
}

#[test]
fn metadata_comes_from_flags_and_bad_values_are_refused() {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().to_str().expect("utf-8 path");
    let output = databag(&[
        "catalogue",
        "--spec",
        "spec/valkey_client/v1.yaml",
        "--out",
        dir,
        "--maintainer",
        "data-platform-valkey",
        "--status",
        "published",
        "--requirer",
        "my-app=https://github.com/example/my-app",
    ]);
    assert_exit(&output, 0);
    let text = fs::read_to_string(
        out.path()
            .join("interfaces/valkey_client/v1/interface.yaml"),
    )
    .expect("interface.yaml");
    assert!(text.contains("\nstatus: published\n"), "{text}");
    assert!(
        text.contains("\nmaintainer: data-platform-valkey\n"),
        "{text}"
    );
    assert!(
        text.contains("requirers:\n  - name: my-app\n    url: https://github.com/example/my-app\n"),
        "{text}"
    );
    // Still the spec's providers.
    assert!(text.contains("  - name: valkey-operator\n"), "{text}");

    let output = databag(&[
        "catalogue",
        "--spec",
        "spec/valkey_client/v1.yaml",
        "--out",
        dir,
        "--provider",
        "no-url",
    ]);
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--provider \"no-url\": expected NAME=URL"),
        "{stderr}"
    );
    let output = databag(&[
        "catalogue",
        "--spec",
        "spec/valkey_client/v1.yaml",
        "--out",
        dir,
        "--status",
        "beta",
    ]);
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "spec/valkey_client/v1.yaml: status \"beta\" is not one the catalogue accepts"
        ),
        "{stderr}"
    );
}
