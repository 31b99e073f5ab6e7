//! What is wrong with a databag dump, one line per problem naming the key (and request index).
//!
//! The role's JSON Schema (the committed file's content) is the judge, run through a real
//! validator. JSON Schema only annotates JSON-encoded values (`contentSchema`), so their content
//! is parsed and validated here as well; and the app databag is first matched to its wire
//! version, so that messages come from that version's schema rather than from a failed choice
//! between all of them.

use std::collections::HashSet;
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
        if let Err(message) = within_entry_limit(text) {
            out.push(format!("{at}: {message}"));
            continue;
        }
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
            content_errors(&content_schema, &content, &at, out);
        }
    }
}

/// How many entries a JSON-encoded list or map may hold. The relation engine answers at most
/// 64 requests per relation (`with_request_limit`); a dump with a million is an attack or a
/// bug, and building and checking a million values would cost seconds and hundreds of MB.
const MAX_ENTRIES: usize = 10_000;

/// Refuses a JSON-encoded list or map of more than [`MAX_ENTRIES`] top-level entries,
/// counting them without building them and stopping at the first one over. Anything else
/// (other JSON, invalid JSON) is left to the parser that follows.
fn within_entry_limit(text: &str) -> Result<(), String> {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor};

    struct Count;
    impl<'de> Visitor<'de> for Count {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut count = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                count += 1;
                if count > MAX_ENTRIES {
                    return Err(serde::de::Error::custom(OVER));
                }
            }
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut count = 0;
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
                count += 1;
                if count > MAX_ENTRIES {
                    return Err(serde::de::Error::custom(OVER));
                }
            }
            Ok(())
        }
    }
    const OVER: &str = "over the entry limit";
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        return Ok(());
    }
    match serde_json::Deserializer::from_str(text).deserialize_any(Count) {
        Err(error) if error.to_string().starts_with(OVER) => Err(format!(
            "more than {MAX_ENTRIES} entries, the limit for a JSON-encoded value (not checked \
             further)"
        )),
        _ => Ok(()),
    }
}

/// A JSON-encoded value's content against its schema. A list is checked item by item against
/// the item schema, so that checking stops with the report ([`MAX_PROBLEMS`]) instead of
/// validating a million entries first.
fn content_errors(schema: &Value, content: &Value, path: &Path, out: &mut Problems) {
    let item_schema = schema.get("items").map(|items| {
        let mut item = items.clone();
        if let (Some(defs), Value::Object(map)) = (schema.get("$defs"), &mut item) {
            map.entry("$defs").or_insert_with(|| defs.clone());
        }
        item
    });
    let (Value::Array(items), Some(item_schema)) = (content, item_schema) else {
        schema_errors(schema, content, path, out);
        return;
    };
    // The list itself (its type, its length) against a schema without `items`.
    let mut list_schema = schema.clone();
    if let Value::Object(map) = &mut list_schema {
        map.remove("items");
    }
    schema_errors(&list_schema, content, path, out);
    let validator = match jsonschema::validator_for(&item_schema) {
        Ok(validator) => validator,
        Err(error) => {
            out.push(format!(
                "internal error: the generated schema does not compile: {error}"
            ));
            return;
        }
    };
    for (index, item) in items.iter().enumerate() {
        if out.is_full() {
            return;
        }
        validator_errors(&validator, item, &path.index(index), out);
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
                if out.is_full() {
                    return;
                }
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
    validator_errors(&validator, instance, path, out);
}

/// Reports each error of a compiled validator at its place under `path`.
fn validator_errors(
    validator: &jsonschema::Validator,
    instance: &Value,
    path: &Path,
    out: &mut Problems,
) {
    for error in validator.iter_errors(instance) {
        if out.is_full() {
            return;
        }
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

/// How many lines a report holds at most (the last one saying that it stopped): past that, a
/// dump with a million bad entries would cost time and memory for a report nobody reads.
const MAX_PROBLEMS: usize = 1000;

/// Problem lines without repeats, and the places of secret values found in plaintext. Both
/// checks are hash lookups: a dump with a million bad entries costs a million steps, not a
/// million squared.
#[derive(Default)]
struct Problems {
    lines: Vec<String>,
    seen: HashSet<String>,
    secrets: HashSet<Path>,
}

impl Problems {
    fn push(&mut self, line: String) {
        if self.is_full() {
            return;
        }
        if self.lines.len() + 1 == MAX_PROBLEMS {
            self.lines.push(format!(
                "stopped at the limit of {MAX_PROBLEMS} problems: fix these and run again"
            ));
            return;
        }
        if !self.seen.contains(&line) {
            self.seen.insert(line.clone());
            self.lines.push(line);
        }
    }

    /// Whether the limit of reported problems is reached: checking stops there.
    fn is_full(&self) -> bool {
        self.lines.len() >= MAX_PROBLEMS
    }

    /// A secret field's value in plaintext at `path`. The value is never printed.
    fn leak(&mut self, path: Path, group: &str) {
        self.push(format!(
            "{path}: belongs to secret group `{group}`: its value travels in a Juju Secret, \
             never in the databag (the databag carries `secret-{group}`)"
        ));
        self.secrets.insert(path);
    }

    /// Whether `path` is at or inside a secret value found in plaintext (a message about it
    /// would quote the secret).
    fn is_secret(&self, path: &Path) -> bool {
        if self.secrets.is_empty() {
            return false;
        }
        let segments = path.segments();
        (0..=segments.len()).any(|end| {
            self.secrets
                .contains(&Path::from_segments(segments[..end].to_vec()))
        })
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

    #[test]
    fn json_encoded_values_have_an_entry_limit() {
        let list = |n: usize| format!("[{}]", vec!["{}"; n].join(","));
        assert_eq!(within_entry_limit(&list(MAX_ENTRIES)), Ok(()));
        let error = within_entry_limit(&list(MAX_ENTRIES + 1)).expect_err("over");
        assert!(error.starts_with("more than 10000 entries"), "{error}");
        let map = format!(
            "{{{}}}",
            (0..=MAX_ENTRIES)
                .map(|i| format!("\"k{i}\": 1"))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert!(within_entry_limit(&map).is_err());
        // Not JSON, or not a collection: the parser's to judge.
        assert_eq!(within_entry_limit("[1, 2"), Ok(()));
        assert_eq!(within_entry_limit("\"x\""), Ok(()));
    }

    #[test]
    fn reports_stop_at_the_limit_and_say_so() {
        let mut problems = Problems::default();
        for index in 0..5000 {
            problems.push(format!("requests[{index}].salt: missing required key"));
            problems.push(format!("requests[{index}].salt: missing required key"));
        }
        assert_eq!(problems.lines.len(), MAX_PROBLEMS);
        assert_eq!(problems.lines[1], "requests[1].salt: missing required key");
        assert_eq!(
            problems.lines.last().map(String::as_str),
            Some("stopped at the limit of 1000 problems: fix these and run again")
        );
    }
}
