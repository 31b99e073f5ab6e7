//! Reading databag dumps and secret maps given on the command line: flat dumps, Juju's own
//! output (`juju show-unit`, `juju show-secret --reveal`) and the docs' examples, each within
//! the [`Limits::DUMP`] bounds.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::Fatal;
use super::juju::{self, ShowUnit};
use crate::model::RoleKind;
use crate::spec::limits::{self, Limits};

/// What a DUMP argument holds.
#[derive(Debug)]
pub(super) enum Document {
    /// Databags as they are: a flat map or `app`/`unit` maps.
    Dump(Dump),
    /// A `juju show-unit` output: the relation and role are still to be picked.
    ShowUnit(ShowUnit),
    /// The interface docs' example form: `requirer:`/`provider:` each with
    /// `application-data:` (and `unit-data:`).
    ByRole(Vec<(RoleKind, Dump)>),
}

/// A dump's databags: a flat map is the application databag; an object whose keys are only
/// `app` and/or `unit` (each a map) holds both.
#[derive(Debug)]
pub(super) struct Dump {
    /// The application databag, if given.
    pub app: Option<Map<String, Value>>,
    /// The unit databag, if given.
    pub unit: Option<Map<String, Value>>,
    /// Whether the dump had the `app`/`unit` form (results mirror it).
    pub structured: bool,
}

/// Reads a DUMP argument from a file (`-`: stdin), as JSON or YAML.
pub(super) fn read(path: &Path) -> Result<Document, Fatal> {
    let value = read_document(path)?;
    if let Some(unit) = juju::show_unit(&value) {
        return unit
            .map(Document::ShowUnit)
            .map_err(|e| Fatal(format!("{}: {e}", path.display())));
    }
    if let Some(roles) = by_role(&value) {
        return Ok(Document::ByRole(roles));
    }
    flat(path, value).map(Document::Dump)
}

/// The docs' example form, if `value` has it.
fn by_role(value: &Value) -> Option<Vec<(RoleKind, Dump)>> {
    let map = value.as_object()?;
    if map.is_empty() {
        return None;
    }
    let mut roles = Vec::new();
    for (key, bags) in map {
        let role = match key.as_str() {
            "requirer" => RoleKind::Requirer,
            "provider" => RoleKind::Provider,
            _ => return None,
        };
        let bags = bags.as_object()?;
        if !bags
            .keys()
            .all(|k| k == "application-data" || k == "unit-data")
        {
            return None;
        }
        let bag = |key: &str| bags.get(key).and_then(Value::as_object).cloned();
        let unit = bag("unit-data");
        roles.push((
            role,
            Dump {
                app: bag("application-data"),
                structured: unit.is_some(),
                unit,
            },
        ));
    }
    Some(roles)
}

/// A flat map, or an object with `app` and/or `unit` maps.
fn flat(path: &Path, value: Value) -> Result<Dump, Fatal> {
    let Value::Object(map) = value else {
        return Err(Fatal(format!(
            "{}: expected a map of databag keys to values, or an object with `app` and/or `unit` maps",
            path.display()
        )));
    };
    let structured = !map.is_empty()
        && map
            .iter()
            .all(|(k, v)| matches!(k.as_str(), "app" | "unit") && v.is_object());
    if !structured {
        return Ok(Dump {
            app: Some(map),
            unit: None,
            structured: false,
        });
    }
    let mut map = map;
    let mut take = |key: &str| match map.remove(key) {
        Some(Value::Object(bag)) => Some(bag),
        _ => None,
    };
    Ok(Dump {
        app: take("app"),
        unit: take("unit"),
        structured: true,
    })
}

/// Reads `SECRETS`, JSON or YAML: an object mapping a secret URI to its content map (string
/// values), or `juju show-secret --reveal` output (one or many secrets; several outputs may
/// follow each other, as YAML documents or JSON objects).
pub(super) fn read_secrets(
    path: &Path,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, Fatal> {
    let text = read_text(path)?;
    let documents = documents(path, &text)?;
    let mut out = BTreeMap::new();
    for document in documents {
        out.extend(secrets_of(path, document)?);
    }
    Ok(out)
}

/// Every JSON value or YAML document of `text`.
fn documents(path: &Path, text: &str) -> Result<Vec<Value>, Fatal> {
    check_json(path, text)?;
    let json: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect();
    let json_error = match json {
        Ok(values) if !values.is_empty() => return Ok(values),
        Ok(_) => return Err(Fatal(format!("{}: empty input", path.display()))),
        Err(error) => error,
    };
    if path.extension().is_some_and(|e| e == "json") {
        return Err(Fatal(format!(
            "{}: invalid JSON: {json_error}",
            path.display()
        )));
    }
    check_yaml(path, text)?;
    crate::spec::yaml::parse_values(text)
        .map_err(|e| Fatal(format!("{}: invalid JSON or YAML: {e}", path.display())))
}

/// One document of a SECRETS file.
fn secrets_of(
    path: &Path,
    value: Value,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, Fatal> {
    let shape_error = || {
        Fatal(format!(
            "{}: expected an object mapping secret URIs to content objects, or `juju \
             show-secret --reveal` output",
            path.display()
        ))
    };
    let Value::Object(secrets) = value else {
        return Err(shape_error());
    };
    if let Some(revealed) = juju::show_secret(&secrets) {
        return revealed.map_err(|e| Fatal(format!("{}: {e}", path.display())));
    }
    let mut out = BTreeMap::new();
    for (uri, content) in secrets {
        let Value::Object(content) = content else {
            return Err(shape_error());
        };
        let mut map = BTreeMap::new();
        for (key, value) in content {
            // Juju secret content values are strings; the value itself is never printed.
            let Value::String(value) = value else {
                return Err(Fatal(format!(
                    "{}: secret {uri}, key `{key}`: expected a string value",
                    path.display()
                )));
            };
            map.insert(key, value);
        }
        out.insert(uri, map);
    }
    Ok(out)
}

/// The file's text (`-`: stdin), refused past [`Limits::DUMP`]'s size without reading on.
fn read_text(path: &Path) -> Result<String, Fatal> {
    let bytes = if path.as_os_str() == "-" {
        limits::read_bounded(std::io::stdin().lock(), &Limits::DUMP)
            .map_err(|e| Fatal(format!("stdin: {e}")))?
    } else {
        std::fs::File::open(path)
            .and_then(|file| limits::read_bounded(file, &Limits::DUMP))
            .map_err(|e| Fatal(format!("{}: {e}", path.display())))?
    };
    limits::check_size(bytes.len(), &Limits::DUMP)
        .map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| Fatal(format!("{}: not UTF-8: {e}", path.display())))
}

/// Refuses JSON of more values than [`Limits::DUMP`] allows before serde_json builds it.
fn check_json(path: &Path, text: &str) -> Result<(), Fatal> {
    limits::check_json(text, &Limits::DUMP).map_err(|e| Fatal(format!("{}: {e}", path.display())))
}

/// Refuses YAML that expands past [`Limits::DUMP`] before serde_yaml builds it.
fn check_yaml(path: &Path, text: &str) -> Result<(), Fatal> {
    limits::check_yaml(text, &Limits::DUMP).map_err(|exceeded| match exceeded.position {
        Some((line, column)) => Fatal(format!("{}:{line}:{column}: {exceeded}", path.display())),
        None => Fatal(format!("{}: {exceeded}", path.display())),
    })
}

/// JSON when it parses as JSON, else YAML (JSON is nearly a subset of YAML, but JSON's own
/// error messages are clearer for `.json` files).
fn read_document(path: &Path) -> Result<Value, Fatal> {
    let text = read_text(path)?;
    check_json(path, &text)?;
    let json_error = match serde_json::from_str::<Value>(&text) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    if path.extension().is_some_and(|e| e == "json") {
        return Err(Fatal(format!(
            "{}: invalid JSON: {json_error}",
            path.display()
        )));
    }
    check_yaml(path, &text)?;
    crate::spec::yaml::parse_value(&text)
        .map_err(|e| Fatal(format!("{}: invalid JSON or YAML: {e}", path.display())))
}
