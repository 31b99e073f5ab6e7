//! The JSON Schema emitter: one file per role, describing both databags as Juju stores them
//! (the catalogue's `json_schemas/<interface>/v<N>/<role>.json`).
//!
//! The schemas of the databags themselves come from the runtime (`databag::schema`), fed with
//! the same shapes the derive builds from the generated Rust, so the committed file, the CLI's
//! `validate` and `T::json_schema()` cannot drift apart.

use databag::schema::{bag_schema, versions_schema};
use serde_json::{Map, Value, json};

use crate::model::{Interface, RoleKind};

/// The JSON Schema dialect of every emitted file.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema file of one role, pretty-printed with a trailing newline. A role the spec does
/// not declare gets a schema of free-form databags.
pub fn render(interface: &Interface, role: RoleKind) -> String {
    let value = role_schema(interface, role);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema of one role's databags: an object with `app` (the wire versions, discriminated
/// by the version key) and `unit`.
pub fn role_schema(interface: &Interface, role: RoleKind) -> Value {
    let mut schema = Map::new();
    schema.insert("$schema".into(), DIALECT.into());
    schema.insert(
        "title".into(),
        format!(
            "{}/v{} {}",
            interface.name,
            interface.version,
            role.as_str()
        )
        .into(),
    );
    let mut description = format!(
        "The databags of the {} side of the `{}` v{} relation interface.",
        role.as_str(),
        interface.name,
        interface.version
    );
    if let Some(text) = interface.role(role).and_then(|r| r.description.as_deref()) {
        description.push(' ');
        description.push_str(text);
    }
    schema.insert("description".into(), description.into());
    schema.insert("type".into(), "object".into());
    let mut properties = Map::new();
    properties.insert("app".into(), app_schema(interface, role));
    properties.insert("unit".into(), unit_schema(interface, role));
    schema.insert("properties".into(), Value::Object(properties));
    schema.insert("additionalProperties".into(), false.into());
    Value::Object(schema)
}

/// The application databag: the role's wire versions (a single version needs no
/// discrimination), or a free-form string map when the role is not declared.
pub fn app_schema(interface: &Interface, role: RoleKind) -> Value {
    if let Some(versions) = interface.versions(role) {
        return versions_schema(&versions);
    }
    match interface.role(role).map(|r| r.versions.as_slice()) {
        Some([only]) => bag_schema(&interface.shape(&only.app)),
        _ => free_bag("The application databag; this interface declares no keys for it."),
    }
}

/// The unit databag: the declared unit shape (one alternative per distinct shape across wire
/// versions), or a free-form string map.
pub fn unit_schema(interface: &Interface, role: RoleKind) -> Value {
    let mut schemas: Vec<Value> = Vec::new();
    for version in interface.role(role).into_iter().flat_map(|r| &r.versions) {
        if let Some(unit) = &version.unit {
            let schema = bag_schema(&interface.shape(unit));
            if !schemas.contains(&schema) {
                schemas.push(schema);
            }
        }
    }
    match schemas.len() {
        0 => free_bag("The unit databag; this interface declares no keys for it."),
        1 => schemas.remove(0),
        _ => json!({ "anyOf": schemas }),
    }
}

fn free_bag(description: &str) -> Value {
    json!({
        "description": description,
        "type": "object",
        "additionalProperties": { "type": "string" },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::valkey;

    #[test]
    fn role_schema_wraps_app_and_unit() {
        let interface = valkey();
        let schema = role_schema(&interface, RoleKind::Requirer);
        assert_eq!(schema["$schema"], DIALECT);
        assert_eq!(schema["title"], "valkey_client/v1 requirer");
        assert_eq!(schema["type"], "object");
        let versions = interface.versions(RoleKind::Requirer).expect("versions");
        assert_eq!(schema["properties"]["app"], versions_schema(&versions));
        assert_eq!(
            schema["properties"]["unit"]["additionalProperties"],
            json!({"type": "string"})
        );
        let text = render(&interface, RoleKind::Requirer);
        assert!(text.ends_with("}\n"));
        assert_eq!(text, render(&interface, RoleKind::Requirer));
    }
}
