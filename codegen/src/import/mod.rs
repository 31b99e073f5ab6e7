//! `databag import`: a Juju catalogue interface (canonical/charm-relation-interfaces: the JSON
//! Schemas pydantic writes under `docs/json_schemas/<name>/v<N>/{provider,requirer}.json`, plus
//! `interfaces/<name>/v<N>/interface.yaml`) turned into a spec of ours.
//!
//! The JSON Schemas say what each databag holds; they cannot say which fields travel in Juju
//! Secrets or which wire versions a databag has, so those keep the spec defaults (no secret
//! groups, one wire version named after the interface version). Everything the importer had
//! to decide or could not carry over is a [`Note`], so a reviewer sees what to check.

use std::fmt;
use std::path::Path;

use serde_json::Value;

pub mod catalogue;
mod metadata;
mod names;
mod output;
mod schema;

/// One catalogue interface version, as read from the catalogue's files.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// Interface name (`tracing`), from the directory names.
    pub name: String,
    /// Interface version (`2` for `v2`).
    pub version: u32,
    /// `provider.json`, when the catalogue has one.
    pub provider: Option<Value>,
    /// `requirer.json`, when the catalogue has one.
    pub requirer: Option<Value>,
    /// `interface.yaml` text, when the catalogue has one.
    pub metadata: Option<String>,
    /// Where the files came from, for the spec's header (`docs/json_schemas/tracing/v2`).
    pub origin: String,
}

/// What the importer decided without the schema saying, or could not carry over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The place in the catalogue schema (`provider.app.port`, `interface.yaml`).
    pub place: String,
    /// What was decided and why.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// A successful import: the spec text and its notes.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The spec file, YAML, ready for `spec/<name>/v<N>.yaml`.
    pub spec: String,
    /// What was guessed or dropped, in schema order.
    pub notes: Vec<Note>,
}

/// An interface the spec format cannot express, or malformed input; the message names the
/// place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl Source {
    /// Reads one interface version from a checkout (or vendored copy) of the catalogue: `root`
    /// holds `docs/json_schemas/` and `interfaces/`.
    pub fn read(root: &Path, name: &str, version: u32) -> Result<Source, Error> {
        let rel = Path::new("docs/json_schemas")
            .join(name)
            .join(format!("v{version}"));
        let mut source = Source::read_dir(&root.join(&rel), name, version)?;
        source.origin = rel.display().to_string();
        let metadata_path = root
            .join("interfaces")
            .join(name)
            .join(format!("v{version}"))
            .join("interface.yaml");
        source.metadata = match std::fs::read_to_string(&metadata_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error(format!("{}: {e}", metadata_path.display()))),
        };
        Ok(source)
    }

    /// Reads `provider.json` and `requirer.json` (either may be missing) from one directory;
    /// no metadata.
    pub fn read_dir(dir: &Path, name: &str, version: u32) -> Result<Source, Error> {
        let read_json = |role: &str| -> Result<Option<Value>, Error> {
            let path = dir.join(format!("{role}.json"));
            match std::fs::read_to_string(&path) {
                Ok(text) => serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| Error(format!("{}: {e}", path.display()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error(format!("{}: {e}", path.display()))),
            }
        };
        Ok(Source {
            name: name.to_owned(),
            version,
            provider: read_json("provider")?,
            requirer: read_json("requirer")?,
            metadata: None,
            origin: dir.display().to_string(),
        })
    }
}

/// Imports one interface version.
pub fn import(source: &Source) -> Result<Imported, Error> {
    let mut notes = Vec::new();
    let metadata = metadata::read(source, &mut notes)?;
    let mut objects = schema::Objects::default();
    let mut roles = Vec::new();
    for (role, schema) in [
        ("requirer", &source.requirer),
        ("provider", &source.provider),
    ] {
        match schema {
            Some(schema) => {
                roles.push((role, schema::role(schema, role, &mut objects, &mut notes)?));
            }
            None => notes.push(Note {
                place: role.to_owned(),
                message: "the catalogue has no schema for this role: the spec declares none"
                    .to_owned(),
            }),
        }
    }
    if roles.is_empty() {
        return Err(Error(format!(
            "{}: no provider.json nor requirer.json",
            source.origin
        )));
    }
    let spec = output::render(source, &metadata, &objects, &roles, &notes);
    Ok(Imported { spec, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Interface, RoleKind, Type};
    use serde_json::json;

    /// A provider schema as pydantic 2 writes it: an app model with a `Json[list[Model]]`, an
    /// optional field, an enum, a nested object; a unit model with a required string.
    fn provider() -> Value {
        json!({
            "$defs": {
                "Endpoint": {
                    "description": "Where to connect.",
                    "properties": {
                        "host": {"type": "string", "title": "Host", "examples": ["10.0.0.1"]},
                        "port": {"type": "integer", "title": "Port", "examples": [8080, "x"]},
                        "scheme": {"$ref": "#/$defs/Scheme"},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}}
                    },
                    "required": ["host", "port"],
                    "title": "Endpoint",
                    "type": "object"
                },
                "Scheme": {"enum": ["http", "https"], "title": "Scheme", "type": "string"},
                "AppData": {
                    "properties": {
                        "endpoints": {
                            "contentMediaType": "application/json",
                            "contentSchema": {"items": {"$ref": "#/$defs/Endpoint"}, "type": "array"},
                            "title": "Endpoints",
                            "description": "The endpoints.",
                            "type": "string"
                        },
                        "model": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": null,
                            "description": "The model name.",
                            "examples": ["cos"]
                        },
                        "type": {"type": "string", "title": "Type"}
                    },
                    "required": ["endpoints"],
                    "title": "AppData",
                    "type": "object"
                },
                "UnitData": {
                    "properties": {"address": {"type": "string", "format": "ipvanyaddress"}},
                    "required": ["address"],
                    "type": "object"
                }
            },
            "properties": {
                "unit": {"anyOf": [{"$ref": "#/$defs/UnitData"}, {"type": "null"}], "default": null},
                "app": {"$ref": "#/$defs/AppData"}
            },
            "required": ["app"],
            "title": "ProviderSchema",
            "type": "object"
        })
    }

    fn source() -> Source {
        Source {
            name: "demo_info".to_owned(),
            version: 1,
            provider: Some(provider()),
            requirer: None,
            metadata: Some(
                "name: demo_info\nversion: 1\nstatus: published\nmaintainer: team\n\
                 providers:\n  - name: demo\n    url: https://example.com/demo\n    \
                 test_setup: {}\nrequirers: []\ninternal: true\n"
                    .to_owned(),
            ),
            origin: "docs/json_schemas/demo_info/v1".to_owned(),
        }
    }

    fn load(imported: &Imported) -> Interface {
        Interface::from_str(&imported.spec, "spec/demo_info/v1.yaml")
            .unwrap_or_else(|d| panic!("{d}\n{}", imported.spec))
    }

    #[test]
    fn imports_models_into_a_valid_spec() {
        let imported = import(&source()).expect("imports");
        let interface = load(&imported);
        assert_eq!(interface.status, "published");
        assert_eq!(interface.maintainer.as_deref(), Some("team"));
        assert_eq!(interface.providers[0].name, "demo");
        assert!(interface.role(RoleKind::Requirer).is_none());
        let version = &interface
            .role(RoleKind::Provider)
            .expect("provider")
            .versions[0];
        assert_eq!(version.name, "v1");

        let endpoints = version.app.field("endpoints").expect("endpoints");
        assert_eq!(
            endpoints.ty,
            Type::List(Box::new(Type::Object("endpoint".into())))
        );
        assert!(endpoints.json && endpoints.required);
        assert_eq!(endpoints.title.as_deref(), Some("Endpoints"));
        let model = version.app.field("model").expect("model");
        assert_eq!(
            (model.ty.clone(), model.required, model.json),
            (Type::String, false, false)
        );
        assert_eq!(model.examples, ["cos"]);
        assert_eq!(
            version.app.field("type").expect("type").rust_name,
            "type_field"
        );

        let unit = version.unit.as_ref().expect("unit databag");
        assert!(unit.field("address").expect("address").required);

        let endpoint = interface.object("endpoint").expect("object");
        assert_eq!(endpoint.description.as_deref(), Some("Where to connect."));
        assert!(endpoint.keeps_unknown);
        let port = endpoint.field("port").expect("port");
        assert_eq!(
            (port.ty.clone(), port.examples.clone()),
            (Type::Int, vec!["8080".to_owned()])
        );
        let scheme = endpoint.field("scheme").expect("scheme");
        assert_eq!(scheme.pattern.as_deref(), Some("^(?:http|https)$"));
        assert!(!scheme.required);
        let labels = endpoint.field("labels").expect("labels");
        assert_eq!(labels.ty, Type::Map(Box::new(Type::String)));
    }

    #[test]
    fn notes_say_what_was_guessed() {
        let imported = import(&source()).expect("imports");
        let notes: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
        let expect = [
            "requirer: the catalogue has no schema",
            "provider.app.endpoints[].port: example \"x\" does not fit type int: dropped",
            "provider.app.endpoints[].scheme: enum [\"http\", \"https\"]",
            "provider.unit.address: format `ipvanyaddress` not checked",
        ];
        for expected in expect {
            assert!(
                notes.iter().any(|n| n.starts_with(expected)),
                "no note {expected:?} in {notes:#?}"
            );
        }
        assert_eq!(notes.len(), expect.len(), "{notes:#?}");
        // The spec file carries them as its header.
        assert!(
            imported
                .spec
                .contains("# - provider.unit.address: format `ipvanyaddress`")
        );
    }

    #[test]
    fn same_model_in_both_roles_is_one_object() {
        let mut source = source();
        source.requirer = Some(provider());
        let imported = import(&source).expect("imports");
        let interface = load(&imported);
        let names: Vec<&str> = interface.objects.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["endpoint"]);
    }

    #[test]
    fn a_role_with_unit_data_only_has_no_app() {
        let mut schema = provider();
        schema["properties"]["app"] =
            json!({"anyOf": [{"$ref": "#/$defs/Empty"}, {"type": "null"}]});
        schema["$defs"]["Empty"] =
            json!({"properties": {}, "title": "BaseModel", "type": "object"});
        let mut source = source();
        source.provider = Some(schema);
        let imported = import(&source).expect("imports");
        assert!(!imported.spec.contains("app:"), "{}", imported.spec);
        let interface = load(&imported);
        let version = &interface.roles[0].versions[0];
        assert!(version.app.fields.is_empty() && version.app.keeps_unknown);
    }

    #[test]
    fn fields_beside_app_and_unit_go_to_the_app_databag_with_a_note() {
        let mut schema = provider();
        schema["properties"]["endpoints-url"] = json!({"type": "string", "examples": ["x"]});
        schema["required"] = json!(["app", "endpoints-url"]);
        let mut source = source();
        source.provider = Some(schema);
        let imported = import(&source).expect("imports");
        assert!(imported.notes.iter().any(|n| n.place == "provider"
            && n.message.contains("sit beside `app` and `unit`")));
        let interface = load(&imported);
        let field = interface.roles[0].versions[0]
            .app
            .field("endpoints-url")
            .expect("moved");
        assert!(field.required);
    }

    #[test]
    fn an_array_databag_is_refused_with_its_place() {
        let mut schema = provider();
        schema["properties"]["app"] =
            json!({"type": "array", "items": {"$ref": "#/$defs/Endpoint"}});
        let mut source = source();
        source.provider = Some(schema);
        let error = import(&source).expect_err("a databag is a map");
        assert!(
            error
                .0
                .starts_with("provider.app: the databag is a JSON array"),
            "{error}"
        );
    }

    #[test]
    fn json_text_inside_an_object_is_a_string_with_a_note() {
        let mut schema = provider();
        schema["$defs"]["Endpoint"]["properties"]["extra"] = json!({
            "type": "string", "contentMediaType": "application/json",
            "contentSchema": {"type": "object"}
        });
        let mut source = source();
        source.provider = Some(schema);
        let imported = import(&source).expect("imports");
        let interface = load(&imported);
        let extra = interface
            .object("endpoint")
            .and_then(|o| o.field("extra"))
            .expect("extra");
        assert_eq!(extra.ty, Type::String);
        assert!(
            imported
                .notes
                .iter()
                .any(|n| n.message.starts_with("JSON text inside"))
        );
    }

    #[test]
    fn missing_metadata_defaults_to_draft() {
        let mut source = source();
        source.metadata = None;
        let imported = import(&source).expect("imports");
        assert_eq!(load(&imported).status, "draft");
        assert!(
            imported
                .notes
                .iter()
                .any(|n| n.message.starts_with("no interface.yaml"))
        );
    }

    #[test]
    fn no_schema_at_all_is_an_error() {
        let mut source = source();
        source.provider = None;
        assert!(import(&source).is_err());
    }
}
