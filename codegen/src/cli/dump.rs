//! Reading databag dumps and secret maps given on the command line.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::Fatal;

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

/// Reads a dump from a file (`-`: stdin), as JSON or YAML.
pub(super) fn read(path: &Path) -> Result<Dump, Fatal> {
    let value = read_document(path)?;
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

/// Reads `SECRETS`: JSON mapping a secret URI to its content map (string values).
pub(super) fn read_secrets(
    path: &Path,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, Fatal> {
    let text = read_text(path)?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Fatal(format!("{}: invalid JSON: {e}", path.display())))?;
    let shape_error = || {
        Fatal(format!(
            "{}: expected an object mapping secret URIs to content objects",
            path.display()
        ))
    };
    let Value::Object(secrets) = value else {
        return Err(shape_error());
    };
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

fn read_text(path: &Path) -> Result<String, Fatal> {
    if path.as_os_str() == "-" {
        return std::io::read_to_string(std::io::stdin()).map_err(|e| Fatal(format!("stdin: {e}")));
    }
    std::fs::read_to_string(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))
}

/// JSON when it parses as JSON, else YAML (JSON is nearly a subset of YAML, but JSON's own
/// error messages are clearer for `.json` files).
fn read_document(path: &Path) -> Result<Value, Fatal> {
    let text = read_text(path)?;
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
    crate::spec::yaml::parse_value(&text)
        .map_err(|e| Fatal(format!("{}: invalid JSON or YAML: {e}", path.display())))
}
