//! JSON Schema (draft 2020-12) of databags, from their [`Shape`]s: the one schema
//! implementation, used by the derive's `json_schema()` and by the code generator alike.

use serde_json::{Map, Value, json};

use crate::shape::{Field, Kind, Selector, Shape, Versions};

/// Anchored pattern of a Juju secret URI (`secret:ID`, `secret://MODEL/ID`).
pub const SECRET_URI_PATTERN: &str =
    "^secret:(//[A-Za-z0-9][A-Za-z0-9-]*/)?[A-Za-z0-9][A-Za-z0-9-]*$";

/// Pattern of an integer written as a databag string.
const INTEGER_PATTERN: &str = "^-?[0-9]+$";

/// Schema of a databag following `shape`: every value a string; JSON-encoded values described
/// with `contentMediaType: application/json` and `contentSchema`.
pub fn bag_schema(shape: &Shape) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut alternatives = Vec::new();
    for field in &shape.fields {
        if field.secret.is_some() {
            // Secret values travel in Juju Secrets: a plaintext one would be a leak.
            properties.insert(field.name.clone(), Value::Bool(false));
            continue;
        }
        let schema = bag_field_schema(field);
        properties.insert(field.name.clone(), schema.clone());
        for alias in &field.aliases {
            let mut alias_schema = schema.clone();
            if let Value::Object(map) = &mut alias_schema {
                map.insert(
                    "description".into(),
                    Value::String(format!(
                        "Legacy spelling of `{}`, accepted on read.",
                        field.name
                    )),
                );
            }
            properties.insert(alias.clone(), alias_schema);
        }
        if field.required {
            if field.aliases.is_empty() {
                required.push(Value::String(field.name.clone()));
            } else {
                let names = std::iter::once(&field.name).chain(&field.aliases);
                alternatives.push(json!({
                    "anyOf": names.map(|n| json!({"required": [n]})).collect::<Vec<_>>()
                }));
            }
        }
    }
    let mut schema = header(shape);
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    if !alternatives.is_empty() {
        schema.insert("allOf".into(), Value::Array(alternatives));
    }
    schema.insert(
        "additionalProperties".into(),
        if shape.keeps_unknown {
            json!({"type": "string"})
        } else {
            json!(false)
        },
    );
    Value::Object(schema)
}

/// Schema of one databag value: a string, JSON text where the value is JSON-encoded.
fn bag_field_schema(field: &Field) -> Value {
    let mut schema = Map::new();
    schema.insert("type".into(), json!("string"));
    match &field.kind {
        _ if field.json => json_content(&mut schema, field),
        Kind::String => {}
        Kind::SecretUri => {
            schema.insert("pattern".into(), json!(SECRET_URI_PATTERN));
        }
        Kind::Bool => {
            schema.insert("enum".into(), json!(["true", "false"]));
        }
        Kind::Integer => {
            schema.insert("pattern".into(), json!(INTEGER_PATTERN));
        }
        Kind::Any | Kind::List(_) | Kind::Map(_) | Kind::Object(_) => {
            json_content(&mut schema, field)
        }
    }
    if let Some(constant) = &field.constant {
        schema.insert("const".into(), json!(constant));
    }
    docs(&mut schema, field);
    if !field.examples.is_empty() {
        // In a databag every value is a string: examples stand as written.
        schema.insert("examples".into(), json!(field.examples));
    }
    Value::Object(schema)
}

fn json_content(schema: &mut Map<String, Value>, field: &Field) {
    schema.insert("contentMediaType".into(), json!("application/json"));
    schema.insert("contentSchema".into(), kind_schema(&field.kind));
}

/// Schema of a JSON object following `shape` (inside a JSON-encoded databag value).
pub fn object_schema(shape: &Shape) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in &shape.fields {
        let schema = if field.secret.is_some() {
            // Only `null` padding may stand under a secret field's key.
            let mut schema = Map::new();
            schema.insert("type".into(), json!("null"));
            docs(&mut schema, field);
            Value::Object(schema)
        } else {
            object_field_schema(field)
        };
        for alias in &field.aliases {
            properties.insert(alias.clone(), schema.clone());
        }
        properties.insert(field.name.clone(), schema);
        if field.required {
            required.push(Value::String(field.name.clone()));
        }
    }
    let mut schema = header(shape);
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("additionalProperties".into(), json!(shape.keeps_unknown));
    Value::Object(schema)
}

fn object_field_schema(field: &Field) -> Value {
    let mut schema = match kind_schema(&field.kind) {
        Value::Object(map) => map,
        other => Map::from_iter([("allOf".to_owned(), json!([other]))]),
    };
    if !field.required {
        // `null` is padding the reference library writes for absent fields.
        match schema.get_mut("type") {
            Some(Value::String(ty)) => {
                let ty = ty.clone();
                schema.insert("type".into(), json!([ty, "null"]));
            }
            _ => {
                let inner = Value::Object(std::mem::take(&mut schema));
                schema.insert("anyOf".into(), json!([inner, {"type": "null"}]));
            }
        }
    }
    if let Some(constant) = &field.constant {
        schema.insert("const".into(), json!(constant));
    }
    docs(&mut schema, field);
    let examples: Vec<Value> = field
        .examples
        .iter()
        .map(|e| example_value(&field.kind, e))
        .collect();
    if !examples.is_empty() {
        schema.insert("examples".into(), Value::Array(examples));
    }
    Value::Object(schema)
}

/// An example as a JSON value: verbatim for string kinds, parsed otherwise.
fn example_value(kind: &Kind, text: &str) -> Value {
    if kind.is_string_like() {
        Value::String(text.to_owned())
    } else {
        serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
    }
}

/// Schema of a value of `kind` in its JSON form.
fn kind_schema(kind: &Kind) -> Value {
    match kind {
        Kind::String => json!({"type": "string"}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::Integer => json!({"type": "integer"}),
        Kind::SecretUri => json!({"type": "string", "pattern": SECRET_URI_PATTERN}),
        Kind::Any => json!({}),
        Kind::List(item) => json!({"type": "array", "items": kind_schema(item)}),
        Kind::Map(item) => json!({"type": "object", "additionalProperties": kind_schema(item)}),
        Kind::Object(shape) => object_schema(shape),
    }
}

fn header(shape: &Shape) -> Map<String, Value> {
    let mut schema = Map::new();
    if let Some(title) = &shape.title {
        schema.insert("title".into(), json!(title));
    }
    if let Some(description) = &shape.description {
        schema.insert("description".into(), json!(description));
    }
    schema
}

fn docs(schema: &mut Map<String, Value>, field: &Field) {
    if let Some(title) = &field.title {
        schema.insert("title".into(), json!(title));
    }
    if let Some(description) = &field.description {
        schema.insert("description".into(), json!(description));
    }
}

/// Schema of a versioned databag: one alternative per version, discriminated by the tag.
pub fn versions_schema(versions: &Versions) -> Value {
    let tag = &versions.tag;
    let named: Vec<&str> = versions
        .variants
        .iter()
        .filter_map(|v| match &v.selector {
            Selector::Value(s) | Selector::ValueOrAbsent(s) => Some(s.as_str()),
            Selector::Other => None,
        })
        .collect();
    let alternatives: Vec<Value> = versions
        .variants
        .iter()
        .map(|variant| {
            let selector = match &variant.selector {
                Selector::Value(value) => json!({
                    "required": [tag],
                    "properties": {tag: {"const": value}}
                }),
                Selector::ValueOrAbsent(value) => json!({
                    "anyOf": [
                        {"required": [tag], "properties": {tag: {"const": value}}},
                        {"not": {"required": [tag]}}
                    ]
                }),
                Selector::Other => {
                    json!({"properties": {tag: {"not": {"enum": named}}}})
                }
            };
            json!({
                "title": variant.name,
                "allOf": [selector, bag_schema(&variant.shape)]
            })
        })
        .collect();
    json!({ "oneOf": alternatives })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn secret_fields_are_forbidden_in_the_bag() {
        let mut shape = Shape::new("T");
        let mut password = Field::new("password", Kind::String);
        password.secret = Some("user".into());
        let mut uri = Field::new("secret-user", Kind::SecretUri);
        uri.secret_uri = Some("user".into());
        shape.fields = vec![password, uri];
        let schema = bag_schema(&shape);
        assert_eq!(schema["properties"]["password"], json!(false));
        assert_eq!(
            schema["properties"]["secret-user"]["pattern"],
            json!(SECRET_URI_PATTERN)
        );
        let object = object_schema(&shape);
        assert_eq!(object["properties"]["password"]["type"], json!("null"));
        let versions = Versions {
            tag: "version".into(),
            variants: vec![crate::Variant {
                name: "v0".into(),
                selector: Selector::Other,
                shape: Arc::new(shape),
            }],
        };
        assert_eq!(versions_schema(&versions)["oneOf"][0]["title"], json!("v0"));
    }
}
