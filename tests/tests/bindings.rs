//! The generator's model of each spec equals what `#[derive(Databag)]` builds from the
//! generated Rust (names, docs, kinds, required flags), and both equal the committed schemas.
//! This is what lets the CLI validate and resolve with the bindings' exact rules.

use std::path::{Path, PathBuf};

use databag::{Databag, Versioned};
use databag_codegen::Interface;
use databag_codegen::model::RoleKind;
use databag_tests::bindings::{postgresql_client, valkey_client};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn load(spec: &str) -> Interface {
    Interface::load(root().join("spec").join(spec)).unwrap_or_else(|e| panic!("{e}"))
}

fn committed_app_schema(interface: &str, role: &str) -> Value {
    let path = root().join(format!("generated/json_schemas/{interface}/{role}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("committed schema is JSON");
    schema["properties"]["app"].clone()
}

#[test]
fn valkey_versions_equal_the_derived_ones() {
    let interface = load("valkey_client/v1.yaml");
    assert_eq!(
        Some((*valkey_client::RequirerAppData::versions()).clone()),
        interface.versions(RoleKind::Requirer)
    );
    assert_eq!(
        Some((*valkey_client::ProviderAppData::versions()).clone()),
        interface.versions(RoleKind::Provider)
    );
    let response = interface.object("response").expect("response object");
    assert_eq!(
        *valkey_client::Response::shape(),
        *interface.shape(response)
    );
}

#[test]
fn valkey_schemas_equal_the_committed_ones() {
    assert_eq!(
        valkey_client::RequirerAppData::json_schema(),
        committed_app_schema("valkey_client/v1", "requirer")
    );
    assert_eq!(
        valkey_client::ProviderAppData::json_schema(),
        committed_app_schema("valkey_client/v1", "provider")
    );
}

#[test]
fn postgresql_shapes_equal_the_derived_ones() {
    let interface = load("postgresql_client/v0.yaml");
    let app = |kind| &interface.role(kind).expect("role").versions[0].app;
    assert_eq!(
        *postgresql_client::v0::RequirerAppData::shape(),
        *interface.shape(app(RoleKind::Requirer))
    );
    assert_eq!(
        *postgresql_client::v0::ProviderAppData::shape(),
        *interface.shape(app(RoleKind::Provider))
    );
    assert_eq!(
        <postgresql_client::v0::RequirerAppData as Databag>::json_schema(),
        committed_app_schema("postgresql_client/v0", "requirer")
    );
    assert_eq!(
        <postgresql_client::v0::ProviderAppData as Databag>::json_schema(),
        committed_app_schema("postgresql_client/v0", "provider")
    );
}
