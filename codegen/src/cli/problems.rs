//! What is wrong with a databag dump, one line per problem naming the key (and request index).
//!
//! The role's JSON Schema (the committed file's content) is the judge, run through a real
//! validator. JSON Schema only annotates JSON-encoded values (`contentSchema`), so their content
//! is parsed and validated here as well; and the app databag is first matched to its wire
//! version, so that messages come from that version's schema rather than from a failed choice
//! between all of them.

use std::sync::Arc;

use databag::schema::bag_schema;
use databag::{Error, ErrorKind, Kind, Path, Selector, Shape};
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::{Map, Value};

use super::dump::Dump;
use crate::emit::schema::{role_schema, unit_schema};
use crate::model::{Interface, RoleKind};

/// Every problem of `dump` as a `role` databag of `interface`, deduplicated, in discovery order.
pub(super) fn problems(interface: &Interface, role: RoleKind, dump: &Dump) -> Vec<String> {
    let mut out = Problems::default();
    if let Some(app) = &dump.app {
        match app_shape(interface, role, app) {
            Ok(Some(shape)) => check_bag(&shape, app, &Path::root(), &mut out),
            Ok(None) => {}
            Err(error) => out.push(error.to_string()),
        }
    }
    if let Some(unit) = &dump.unit {
        let schema = unit_schema(interface, role);
        let instance = Value::Object(unit.clone());
        schema_errors(&schema, &instance, &Path::root().key("unit"), &mut out);
    }
    // The whole file's verdict: never call valid what the committed schema rejects.
    let mut whole = Map::new();
    if let Some(app) = &dump.app {
        whole.insert("app".into(), Value::Object(app.clone()));
    }
    if let Some(unit) = &dump.unit {
        whole.insert("unit".into(), Value::Object(unit.clone()));
    }
    if out.lines.is_empty() {
        let schema = role_schema(interface, role);
        schema_errors(&schema, &Value::Object(whole), &Path::root(), &mut out);
    }
    out.lines
}

/// The shape of the app databag's wire version: `Ok(None)` when the role declares no version
/// (anything goes), `Err` when the version key selects none.
pub(super) fn app_shape(
    interface: &Interface,
    role: RoleKind,
    app: &Map<String, Value>,
) -> Result<Option<Arc<Shape>>, Error> {
    let Some(versions) = interface.versions(role) else {
        return Ok(interface
            .role(role)
            .and_then(|r| r.versions.first())
            .map(|v| interface.shape(&v.app)));
    };
    let tag = app.get(&versions.tag).and_then(Value::as_str);
    if let Some(variant) = versions.select(tag) {
        return Ok(Some(variant.shape.clone()));
    }
    let expected = versions
        .variants
        .iter()
        .filter_map(|v| match &v.selector {
            Selector::Value(value) | Selector::ValueOrAbsent(value) => Some(value.clone()),
            Selector::Other => None,
        })
        .collect();
    Err(Error::new(
        Path::root().key(&versions.tag),
        ErrorKind::UnknownVersion {
            tag: versions.tag.clone(),
            found: tag.unwrap_or_default().to_owned(),
            expected,
        },
    ))
}

/// A databag against its shape: secret values that must not be in plaintext, the schema, then
/// each JSON-encoded value's content.
fn check_bag(shape: &Shape, bag: &Map<String, Value>, path: &Path, out: &mut Problems) {
    let schema = bag_schema(shape);
    // Secret values first, so that schema errors at their places (which would quote the
    // value) are left out.
    object_leaks(shape, bag, path, out);
    schema_errors(&schema, &Value::Object(bag.clone()), path, out);
    for field in shape.fields.iter().filter(|f| f.json && f.secret.is_none()) {
        let Some((key, value)) = present(field, bag) else {
            continue;
        };
        let at = path.key(key);
        // A non-string is the schema's problem, already reported.
        let Some(text) = value.as_str() else {
            continue;
        };
        let content: Value = match serde_json::from_str(text) {
            Ok(content) => content,
            Err(error) => {
                let kind = ErrorKind::InvalidJson {
                    message: error.to_string(),
                };
                out.push(Error::new(at, kind).to_string());
                continue;
            }
        };
        secret_leaks(&field.kind, &content, &at, out);
        if let Some(content_schema) = content_schema(&schema, &field.name) {
            schema_errors(&content_schema, &content, &at, out);
        }
    }
}

/// The first present, non-null key among a field's name and aliases, with its value.
fn present<'a>(
    field: &'a databag::Field,
    object: &'a Map<String, Value>,
) -> Option<(&'a String, &'a Value)> {
    std::iter::once(&field.name)
        .chain(&field.aliases)
        .find_map(|k| object.get(k).filter(|v| !v.is_null()).map(|v| (k, v)))
}

/// The `contentSchema` of a bag schema's property, carrying the bag schema's `$defs` so that
/// references still resolve.
fn content_schema(bag_schema: &Value, key: &str) -> Option<Value> {
    let mut schema = bag_schema
        .get("properties")?
        .get(key)?
        .get("contentSchema")?
        .clone();
    if let (Some(defs), Value::Object(map)) = (bag_schema.get("$defs"), &mut schema) {
        map.entry("$defs").or_insert_with(|| defs.clone());
    }
    Some(schema)
}

/// Secret fields with a value inside JSON-encoded content (`requests[0].password`).
fn secret_leaks(kind: &Kind, value: &Value, path: &Path, out: &mut Problems) {
    match (kind, value) {
        (Kind::Object(shape), Value::Object(object)) => object_leaks(shape, object, path, out),
        (Kind::List(item), Value::Array(items)) => {
            for (index, value) in items.iter().enumerate() {
                secret_leaks(item, value, &path.index(index), out);
            }
        }
        (Kind::Map(item), Value::Object(entries)) => {
            for (key, value) in entries {
                secret_leaks(item, value, &path.key(key), out);
            }
        }
        _ => {}
    }
}

/// Secret fields with a value in one object (or databag), and in the objects nested in it.
fn object_leaks(shape: &Shape, object: &Map<String, Value>, path: &Path, out: &mut Problems) {
    for field in &shape.fields {
        let Some((key, value)) = present(field, object) else {
            continue;
        };
        let at = path.key(key);
        match &field.secret {
            Some(group) => out.leak(at, group),
            None => secret_leaks(&field.kind, value, &at, out),
        }
    }
}

/// Runs a real JSON Schema validator and reports each error at its place under `path`.
fn schema_errors(schema: &Value, instance: &Value, path: &Path, out: &mut Problems) {
    let validator = match jsonschema::validator_for(schema) {
        Ok(validator) => validator,
        Err(error) => {
            out.push(format!(
                "internal error: the generated schema does not compile: {error}"
            ));
            return;
        }
    };
    for error in validator.iter_errors(instance) {
        let mut at = path.clone();
        for segment in error.instance_path().iter() {
            at = match segment {
                LocationSegment::Property(key) => at.key(&key),
                LocationSegment::Index(index) => at.index(index),
            };
        }
        if out.is_secret(&at) {
            continue;
        }
        match error.kind() {
            ValidationErrorKind::Required { property } => {
                let key = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned);
                out.push(Error::missing(at.key(&key)).to_string());
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    out.push(format!("{}: unexpected key", at.key(key)));
                }
            }
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => {
                out.push(no_alternative(&at, context));
            }
            ValidationErrorKind::OneOfMultipleValid { .. } => {
                out.push(located(
                    &at,
                    "matches more than one of the allowed alternatives",
                ));
            }
            _ => out.push(located(&at, &error.to_string())),
        }
    }
}

/// A failed choice, without quoting the instance (it may be a whole databag). When every
/// alternative only misses a key, the key has several accepted spellings (a field and its
/// aliases): name them.
fn no_alternative(
    path: &Path,
    alternatives: &[Vec<jsonschema::ValidationError<'static>>],
) -> String {
    let mut spellings = Vec::new();
    for errors in alternatives {
        match errors.as_slice() {
            [error] => match error.kind() {
                ValidationErrorKind::Required { property } => {
                    spellings.push(property.as_str().unwrap_or_default().to_owned());
                }
                _ => return located(path, "matches none of the allowed alternatives"),
            },
            _ => return located(path, "matches none of the allowed alternatives"),
        }
    }
    match spellings.split_first() {
        Some((first, rest)) if !rest.is_empty() => format!(
            "{}: missing required key (also accepted as: {})",
            path.key(first),
            rest.join(", ")
        ),
        Some((first, _)) => Error::missing(path.key(first)).to_string(),
        None => located(path, "matches none of the allowed alternatives"),
    }
}

fn located(path: &Path, message: &str) -> String {
    if path.is_root() {
        message.to_owned()
    } else {
        format!("{path}: {message}")
    }
}

/// Problem lines without repeats, and the places of secret values found in plaintext.
#[derive(Default)]
struct Problems {
    lines: Vec<String>,
    secrets: Vec<Path>,
}

impl Problems {
    fn push(&mut self, line: String) {
        if !self.lines.contains(&line) {
            self.lines.push(line);
        }
    }

    /// A secret field's value in plaintext at `path`. The value is never printed.
    fn leak(&mut self, path: Path, group: &str) {
        self.push(format!(
            "{path}: belongs to secret group `{group}`: its value travels in a Juju Secret, \
             never in the databag (the databag carries `secret-{group}`)"
        ));
        self.secrets.push(path);
    }

    /// Whether `path` is at or inside a secret value found in plaintext (a message about it
    /// would quote the secret).
    fn is_secret(&self, path: &Path) -> bool {
        self.secrets
            .iter()
            .any(|secret| path.segments().starts_with(secret.segments()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaks_name_the_place_and_hide_what_is_inside() {
        let mut problems = Problems::default();
        let password = Path::root().key("requests").index(1).key("password");
        problems.leak(password.clone(), "user");
        assert_eq!(problems.lines.len(), 1);
        assert!(
            problems.lines[0].starts_with("requests[1].password: belongs to secret group `user`")
        );
        assert!(problems.is_secret(&password));
        assert!(problems.is_secret(&password.index(0)));
        assert!(!problems.is_secret(&Path::root().key("requests").index(1).key("salt")));
    }
}
