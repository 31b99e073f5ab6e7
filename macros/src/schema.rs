//! JSON Schema (draft 2020-12) of databags, from their [`Shape`]s.
//!
//! Two levels: a databag (every value a string, JSON-encoded values described by
//! `contentMediaType`/`contentSchema`) and a JSON object inside one (native JSON types, `null`
//! standing for an absent optional key). Secret fields are described but forbidden: in a
//! databag the key must not appear; in an object only `null` (the reference library's padding)
//! is allowed. Output is deterministic: the same shape gives the same bytes. `$schema` is left
//! to whoever assembles a whole document.

use serde_json::{Map, Value, json};

use crate::shape::{Field, Kind, Selector, Shape, Versions};
use crate::wire::python_json;

/// The pattern of a flat integer value, the spelling the reader accepts.
const INTEGER_PATTERN: &str = "^-?(0|[1-9][0-9]*)$";

/// The pattern of a flat non-negative integer value (`u64`).
const UNSIGNED_PATTERN: &str = "^(0|[1-9][0-9]*)$";

/// Schema of a databag following `shape`: every value a string; JSON-encoded values described
/// with `contentMediaType: application/json` and `contentSchema`.
pub fn bag_schema(shape: &Shape) -> Value {
    let mut properties = Map::new();
    for field in &shape.fields {
        let schema = if field.secret.is_some() {
            secret_in_bag(shape, field)
        } else {
            bag_field(field)
        };
        add_with_aliases(&mut properties, field, schema);
    }
    // Undeclared keys are accepted by the decoder, kept or not (see `object`).
    object(shape, properties, json!({"type": "string"}))
}

/// Schema of a JSON object following `shape` (inside a JSON-encoded databag value).
pub fn object_schema(shape: &Shape) -> Value {
    let mut properties = Map::new();
    for field in &shape.fields {
        let schema = if field.secret.is_some() {
            secret_in_object(shape, field)
        } else {
            let mut schema = docs(field, value_schema(&field.kind), false);
            if let Some(constant) = &field.constant {
                put(&mut schema, "const", Value::String(constant.clone()));
            }
            if let Some(pattern) = &field.pattern {
                put(&mut schema, "pattern", Value::String(pattern.clone()));
            }
            if !field.required {
                schema = nullable(schema);
            }
            schema
        };
        add_with_aliases(&mut properties, field, schema);
    }
    object(shape, properties, Value::Bool(true))
}

/// Schema of a versioned databag: one alternative per version, discriminated by the tag.
pub fn versions_schema(versions: &Versions) -> Value {
    let values: Vec<Value> = versions
        .variants
        .iter()
        .filter_map(|v| match &v.selector {
            Selector::Value(value) | Selector::ValueOrAbsent(value) => {
                Some(Value::String(value.clone()))
            }
            Selector::Other => None,
        })
        .collect();
    // The variant an absent tag selects; every other one requires the tag.
    let on_absent = versions.select(None).and_then(|selected| {
        versions
            .variants
            .iter()
            .position(|v| std::ptr::eq(v, selected))
    });
    let alternatives: Vec<Value> = versions
        .variants
        .iter()
        .enumerate()
        .map(|(index, variant)| {
            let constraint = match &variant.selector {
                Selector::Value(value) | Selector::ValueOrAbsent(value) => {
                    json!({"const": value})
                }
                Selector::Other => json!({"not": {"enum": values}}),
            };
            let mut schema = match bag_schema(&variant.shape) {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            schema.insert("title".into(), Value::String(variant.name.clone()));
            constrain_tag(&mut schema, &versions.tag, constraint);
            if on_absent != Some(index) {
                let mut required = match schema.shift_remove("required") {
                    Some(Value::Array(list)) => list,
                    _ => Vec::new(),
                };
                let tag = Value::String(versions.tag.clone());
                if !required.contains(&tag) {
                    required.push(tag);
                }
                insert_before(
                    &mut schema,
                    "required",
                    Value::Array(required),
                    "additionalProperties",
                );
            }
            Value::Object(schema)
        })
        .collect();
    json!({
        "description": format!(
            "One of the wire versions, told apart by the `{}` key.",
            versions.tag
        ),
        "type": "object",
        "oneOf": alternatives,
    })
}

/// Adds the tag's selector constraint to a version's databag schema: merged into the tag's
/// property when it is declared, else as a new string property.
fn constrain_tag(schema: &mut Map<String, Value>, tag: &str, constraint: Value) {
    let Some(Value::Object(properties)) = schema.get_mut("properties") else {
        return;
    };
    let merged = match properties.get(tag) {
        Some(Value::Object(declared)) => {
            let mut merged = declared.clone();
            let mut clash = false;
            if let Value::Object(constraint) = &constraint {
                for (key, value) in constraint {
                    match merged.get(key) {
                        Some(existing) if existing != value => clash = true,
                        _ => {
                            merged.insert(key.clone(), value.clone());
                        }
                    }
                }
            }
            if clash {
                json!({"allOf": [declared, constraint]})
            } else {
                Value::Object(merged)
            }
        }
        Some(other) => json!({"allOf": [other, constraint]}),
        None => {
            let mut schema = Map::new();
            schema.insert("description".into(), "The wire version tag.".into());
            schema.insert("type".into(), "string".into());
            if let Value::Object(constraint) = constraint {
                schema.extend(constraint);
            }
            Value::Object(schema)
        }
    };
    properties.insert(tag.to_owned(), merged);
}

/// The object schema around `properties`, with `required` (aliased required fields as
/// alternatives) and the rule for undeclared keys: `unknown`, never `false`. The decoder
/// accepts an undeclared key whether or not the shape keeps it (a `flatten` field keeps it for
/// the round trip, otherwise it is ignored), because Juju itself writes keys no interface
/// declares into unit databags (`private-address`, `ingress-address`, `egress-subnets`, set by
/// `UniterAPI.EnterScope` in juju/juju `apiserver/facades/agent/uniter/uniter.go`) and other
/// libraries share the application databag: the schema accepts what decoding accepts.
fn object(shape: &Shape, properties: Map<String, Value>, unknown: Value) -> Value {
    let mut schema = Map::new();
    schema.insert(
        "title".into(),
        Value::String(shape.title.clone().unwrap_or_else(|| shape.name.clone())),
    );
    if let Some(description) = &shape.description {
        schema.insert("description".into(), Value::String(description.clone()));
    }
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    let required: Vec<Value> = shape
        .fields
        .iter()
        .filter(|f| f.required && f.aliases.is_empty())
        .map(|f| Value::String(f.name.clone()))
        .collect();
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    let alternatives: Vec<Value> = shape
        .fields
        .iter()
        .filter(|f| f.required && !f.aliases.is_empty())
        .map(|f| {
            let each: Vec<Value> = std::iter::once(&f.name)
                .chain(&f.aliases)
                .map(|name| json!({"required": [name]}))
                .collect();
            json!({"anyOf": each})
        })
        .collect();
    match alternatives.len() {
        0 => {}
        1 => {
            let mut only = alternatives;
            if let Some(Value::Object(any_of)) = only.pop() {
                schema.extend(any_of);
            }
        }
        _ => {
            schema.insert("allOf".into(), Value::Array(alternatives));
        }
    }
    schema.insert("additionalProperties".into(), unknown);
    Value::Object(schema)
}

/// A field's property and one per alias (same schema, described as a legacy spelling).
fn add_with_aliases(properties: &mut Map<String, Value>, field: &Field, schema: Value) {
    properties.insert(field.name.clone(), schema.clone());
    for alias in &field.aliases {
        let mut legacy = schema.clone();
        if let Value::Object(map) = &mut legacy {
            map.shift_remove("title");
            map.shift_remove("examples");
            map.shift_remove("description");
            let note = format!(
                "Legacy spelling of `{}`, accepted on read when `{}` is absent; never written.",
                field.name, field.name
            );
            let mut described = Map::new();
            described.insert("description".into(), Value::String(note));
            described.extend(std::mem::take(map));
            *map = described;
        }
        properties.insert(alias.clone(), legacy);
    }
}

/// A plain field's value in a databag.
fn bag_field(field: &Field) -> Value {
    let mut schema = Map::new();
    schema.insert("type".into(), "string".into());
    match &field.kind {
        Kind::String if !field.json => {}
        Kind::SecretUri if !field.json => {
            schema.insert("pattern".into(), crate::secret::URI_PATTERN.into());
        }
        Kind::Bool if !field.json => {
            schema.insert("enum".into(), json!(["true", "false"]));
        }
        Kind::Integer if !field.json => {
            schema.insert("pattern".into(), INTEGER_PATTERN.into());
        }
        Kind::Unsigned if !field.json => {
            schema.insert("pattern".into(), UNSIGNED_PATTERN.into());
        }
        kind => {
            schema.insert("contentMediaType".into(), "application/json".into());
            schema.insert("contentSchema".into(), value_schema(kind));
        }
    }
    if let Some(constant) = &field.constant {
        let value = if field.json {
            python_json(&Value::String(constant.clone()))
        } else {
            constant.clone()
        };
        schema.insert("const".into(), Value::String(value));
    }
    if let Some(pattern) = &field.pattern
        && !field.json
    {
        schema.insert("pattern".into(), Value::String(pattern.clone()));
    }
    docs(field, Value::Object(schema), true)
}

/// A secret field in a databag: documented, but the key must not appear (a value would be a
/// leak; the databag carries the group's URI instead).
fn secret_in_bag(shape: &Shape, field: &Field) -> Value {
    let mut schema = Map::new();
    let note = secret_note(shape, field);
    let description = match &field.description {
        Some(text) => format!("{text}\n\n{note}"),
        None => note,
    };
    if let Some(title) = &field.title {
        schema.insert("title".into(), Value::String(title.clone()));
    }
    schema.insert("description".into(), Value::String(description));
    schema.insert("not".into(), json!({}));
    Value::Object(schema)
}

/// A secret field inside a JSON object: `null` only.
fn secret_in_object(shape: &Shape, field: &Field) -> Value {
    match secret_in_bag(shape, field) {
        Value::Object(mut map) => {
            map.shift_remove("not");
            map.insert("type".into(), "null".into());
            Value::Object(map)
        }
        other => other,
    }
}

fn secret_note(shape: &Shape, field: &Field) -> String {
    let group = field.secret.as_deref().unwrap_or_default();
    let uri_key = shape
        .fields
        .iter()
        .find(|f| f.secret_uri.as_deref() == Some(group))
        .map_or_else(|| format!("secret-{group}"), |f| f.name.clone());
    format!(
        "Secret group `{group}`: the value travels in the Juju Secret whose URI is under \
         `{uri_key}` (content key `{}`), never in the databag.",
        field.name
    )
}

/// The JSON form of a value of `kind`, inside a JSON document.
fn value_schema(kind: &Kind) -> Value {
    match kind {
        Kind::String => json!({"type": "string"}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::Integer => json!({"type": "integer"}),
        Kind::Unsigned => json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}),
        Kind::SecretUri => json!({"type": "string", "pattern": crate::secret::URI_PATTERN}),
        Kind::Any => json!({}),
        Kind::List(item) => json!({"type": "array", "items": value_schema(item)}),
        Kind::Map(item) => json!({"type": "object", "additionalProperties": value_schema(item)}),
        Kind::Object(shape) => object_schema(shape),
    }
}

/// `schema` also accepting `null` (an absent optional key inside a JSON object).
fn nullable(schema: Value) -> Value {
    let Value::Object(mut map) = schema else {
        return schema;
    };
    if let Some(constant) = map.shift_remove("const") {
        map.insert("enum".into(), json!([constant, null]));
    }
    match map.get("type").cloned() {
        Some(Value::String(ty)) => {
            map.insert("type".into(), json!([ty, "null"]));
            Value::Object(map)
        }
        // `{}` (any JSON) already accepts null.
        None if !map.contains_key("enum") => Value::Object(map),
        _ => json!({"anyOf": [Value::Object(map), {"type": "null"}]}),
    }
}

/// `schema` with the field's title, description and examples in front. In a databag
/// (`in_bag`) examples are the strings as stored, else JSON values.
fn docs(field: &Field, schema: Value, in_bag: bool) -> Value {
    let Value::Object(body) = schema else {
        return schema;
    };
    let mut map = Map::new();
    if let Some(title) = &field.title {
        map.insert("title".into(), Value::String(title.clone()));
    }
    if let Some(description) = &field.description {
        map.insert("description".into(), Value::String(description.clone()));
    }
    map.extend(body);
    let examples: Vec<Value> = field
        .examples
        .iter()
        .filter_map(|example| {
            let value = if field.kind.is_string_like() {
                Value::String(example.clone())
            } else {
                serde_json::from_str(example).ok()?
            };
            Some(match value {
                // Stored raw: a plain string field.
                Value::String(_) if in_bag && !field.json => value,
                // Stored as JSON text (including flat booleans and integers).
                other if in_bag => Value::String(python_json(&other)),
                other => other,
            })
        })
        .collect();
    if !examples.is_empty() {
        map.insert("examples".into(), Value::Array(examples));
    }
    Value::Object(map)
}

fn put(schema: &mut Value, key: &str, value: Value) {
    if let Value::Object(map) = schema {
        map.insert(key.to_owned(), value);
    }
}

/// Inserts `key` before `before` (or at the end), keeping the schema's reading order.
fn insert_before(schema: &mut Map<String, Value>, key: &str, value: Value, before: &str) {
    let index = schema
        .keys()
        .position(|k| k == before)
        .unwrap_or(schema.len());
    schema.shift_insert(index, key.to_owned(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Variant;
    use std::sync::Arc;

    fn field(name: &str, kind: Kind) -> Field {
        Field::new(name, kind)
    }

    fn response() -> Arc<Shape> {
        let mut shape = Shape::new("Response");
        shape.description = Some("One answer.".into());
        shape.keeps_unknown = true;
        let mut id = field("request-id", Kind::String);
        id.required = true;
        id.examples = vec!["836763deea236532".into()];
        let mut uri = field("secret-user", Kind::SecretUri);
        uri.secret_uri = Some("user".into());
        let mut password = field("password", Kind::String);
        password.secret = Some("user".into());
        password.description = Some("The password.".into());
        let mut tls = field("tls", Kind::Bool);
        tls.secret = Some("tls".into());
        shape.fields = vec![id, uri, password, tls, field("port", Kind::Integer)];
        Arc::new(shape)
    }

    fn v1() -> Arc<Shape> {
        let mut shape = Shape::new("ProviderV1");
        let mut version = field("version", Kind::String);
        version.constant = Some("v1".into());
        version.required = true;
        let mut requests = field("requests", Kind::List(Box::new(Kind::Object(response()))));
        requests.json = true;
        requests.required = true;
        shape.fields = vec![version, requests];
        shape.keeps_unknown = true;
        Arc::new(shape)
    }

    fn v0() -> Arc<Shape> {
        let mut shape = Shape::new("RequirerV0");
        let mut resource = field("resource", Kind::String);
        resource.required = true;
        resource.aliases = vec!["database".into(), "prefix".into()];
        let mut tls = field("tls", Kind::Bool);
        tls.examples = vec!["true".into()];
        let mut requested = field("requested-secrets", Kind::List(Box::new(Kind::String)));
        requested.json = true;
        requested.examples = vec![r#"["username","password"]"#.into()];
        shape.fields = vec![resource, tls, requested];
        Arc::new(shape)
    }

    #[test]
    fn databag_fields_are_strings_and_secrets_are_forbidden() {
        let schema = bag_schema(&v1());
        assert_eq!(
            schema["properties"]["version"],
            json!({"type": "string", "const": "v1"})
        );
        let requests = &schema["properties"]["requests"];
        assert_eq!(requests["type"], "string");
        assert_eq!(requests["contentMediaType"], "application/json");
        let item = &requests["contentSchema"]["items"];
        assert_eq!(item["title"], "Response");
        assert_eq!(
            item["properties"]["request-id"]["examples"],
            json!(["836763deea236532"])
        );
        assert_eq!(
            item["properties"]["secret-user"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(item["properties"]["password"]["type"], "null");
        assert!(
            item["properties"]["password"]["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("The password.\n\nSecret group `user`"))
        );
        assert_eq!(
            item["properties"]["port"]["type"],
            json!(["integer", "null"])
        );
        assert_eq!(item["required"], json!(["request-id"]));
        assert_eq!(item["additionalProperties"], json!(true));
        assert_eq!(schema["required"], json!(["version", "requests"]));
        assert_eq!(schema["additionalProperties"], json!({"type": "string"}));
        let flat = bag_schema(&response());
        assert_eq!(flat["properties"]["password"]["not"], json!({}));
        assert_eq!(flat["properties"]["port"]["pattern"], INTEGER_PATTERN);
    }

    #[test]
    fn aliases_examples_and_required_alternatives() {
        let schema = bag_schema(&v0());
        let keys: Vec<&String> = schema["properties"]
            .as_object()
            .expect("map")
            .keys()
            .collect();
        assert_eq!(
            keys,
            ["resource", "database", "prefix", "tls", "requested-secrets"]
        );
        assert!(
            schema["properties"]["prefix"]["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("Legacy spelling of `resource`"))
        );
        assert_eq!(
            schema["anyOf"],
            json!([{"required": ["resource"]}, {"required": ["database"]}, {"required": ["prefix"]}])
        );
        assert!(schema.get("required").is_none());
        // Not kept, still accepted: the decoder ignores undeclared keys.
        assert_eq!(schema["additionalProperties"], json!({"type": "string"}));
        assert_eq!(
            schema["properties"]["tls"]["enum"],
            json!(["true", "false"])
        );
        assert_eq!(schema["properties"]["tls"]["examples"], json!(["true"]));
        assert_eq!(
            schema["properties"]["requested-secrets"]["examples"],
            json!([r#"["username", "password"]"#])
        );
        assert_eq!(
            schema["properties"]["requested-secrets"]["contentSchema"],
            json!({"type": "array", "items": {"type": "string"}})
        );
    }

    #[test]
    fn versions_are_discriminated_by_the_tag() {
        let versions = Versions {
            tag: "version".into(),
            variants: vec![
                Variant {
                    name: "v0".into(),
                    selector: Selector::ValueOrAbsent("v0".into()),
                    shape: v0(),
                },
                Variant {
                    name: "v1".into(),
                    selector: Selector::Value("v1".into()),
                    shape: v1(),
                },
            ],
        };
        let schema = versions_schema(&versions);
        let v0 = &schema["oneOf"][0];
        assert_eq!(v0["title"], "v0");
        assert_eq!(v0["properties"]["version"]["const"], "v0");
        assert!(v0.get("required").is_none(), "absent tag selects v0");
        let v1 = &schema["oneOf"][1];
        assert_eq!(
            v1["properties"]["version"],
            json!({"type": "string", "const": "v1"})
        );
        assert_eq!(v1["required"], json!(["version", "requests"]));
        let mut other = versions;
        other.variants[0].selector = Selector::Other;
        let schema = versions_schema(&other);
        assert_eq!(
            schema["oneOf"][0]["properties"]["version"]["not"],
            json!({"enum": ["v1"]})
        );
    }

    #[test]
    fn output_is_deterministic() {
        let a = serde_json::to_string(&bag_schema(&v1())).expect("json");
        let b = serde_json::to_string(&bag_schema(&v1())).expect("json");
        assert_eq!(a, b);
    }

    #[test]
    fn nullable_keeps_constants_and_any() {
        assert_eq!(nullable(json!({})), json!({}));
        assert_eq!(
            nullable(json!({"type": "string", "const": "v1"})),
            json!({"type": ["string", "null"], "enum": ["v1", null]})
        );
    }
}
