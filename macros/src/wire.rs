//! The databag encoding of the reference library: strings raw, everything else JSON in
//! Python's `json.dumps` style; `null` means absent.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Path};
use crate::shape::{Field, Kind, Shape};
use crate::{Bag, Object};

/// `json.dumps(value)` with Python's defaults: separators `", "` and `": "`, non-ASCII as
/// `\uXXXX` (surrogate pairs above the BMP), keys in the object's order.
pub fn python_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value);
    out
}

fn write_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, key);
                out.push_str(": ");
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

/// A JSON string with Python's `ensure_ascii=True` escapes.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Encodes an object as a databag: `null` → key absent, strings raw, anything else
/// [`python_json`]. A JSON-encoded string field (`json` on a string) is quoted.
pub fn object_to_bag(shape: &Shape, object: &Object) -> Bag {
    let mut bag = Bag::new();
    for (key, value) in object {
        let encoded = match value {
            Value::Null => continue,
            Value::String(s) if !shape.field(key).is_some_and(|f| f.json) => s.clone(),
            other => python_json(other),
        };
        bag.insert(key.clone(), encoded);
    }
    bag
}

/// Decodes a databag into an object following `shape`: JSON-encoded fields parsed, booleans
/// from `"true"`/`"false"`, integers parsed, strings raw; aliases renamed to the field's wire
/// name; unknown keys kept as strings when the shape keeps them.
pub fn bag_to_object(shape: &Shape, bag: &Bag, path: &Path) -> Result<Object, Error> {
    let mut object = Object::new();
    for field in &shape.fields {
        let found = std::iter::once(&field.name)
            .chain(&field.aliases)
            .find_map(|key| bag.get(key.as_str()).map(|raw| (key, raw)));
        if let Some((key, raw)) = found {
            let value = decode_value(field, raw, &path.key(key))?;
            object.insert(field.name.clone(), value);
        }
    }
    if shape.keeps_unknown {
        for (key, raw) in bag {
            if shape.field(key).is_none() {
                object.insert(key.clone(), Value::String(raw.clone()));
            }
        }
    }
    Ok(object)
}

/// One databag value of `field`, found at `path`.
fn decode_value(field: &Field, raw: &str, path: &Path) -> Result<Value, Error> {
    if field.json {
        return parse_json(raw, path);
    }
    match &field.kind {
        Kind::String | Kind::SecretUri => Ok(Value::String(raw.to_owned())),
        Kind::Bool => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(Error::wrong_type(
                path.clone(),
                "\"true\" or \"false\"",
                describe_raw(field, raw),
            )),
        },
        Kind::Integer => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| Error::wrong_type(path.clone(), "an integer", describe_raw(field, raw))),
        Kind::Any | Kind::List(_) | Kind::Map(_) | Kind::Object(_) => parse_json(raw, path),
    }
}

fn parse_json(raw: &str, path: &Path) -> Result<Value, Error> {
    serde_json::from_str(raw).map_err(|error| {
        Error::new(
            path.clone(),
            ErrorKind::InvalidJson {
                message: error.to_string(),
            },
        )
    })
}

/// How a bad raw value is shown in an error: quoted, unless it belongs to a secret.
fn describe_raw(field: &Field, raw: &str) -> String {
    if field.secret.is_some() {
        "a string (value withheld: secret field)".to_owned()
    } else {
        format!("{raw:?}")
    }
}

/// The request id the reference library writes: the first 16 lowercase hex characters of
/// SHA-256 over `resource + ":" + salt`.
pub fn request_id(resource: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{resource}:{salt}").as_bytes());
    digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_json_matches_json_dumps() {
        // Expected strings printed by CPython 3.11 `json.dumps`.
        assert_eq!(
            python_json(&json!(["username", "password", "tls", "tls-ca"])),
            r#"["username", "password", "tls", "tls-ca"]"#
        );
        assert_eq!(
            python_json(&json!({"a": null, "b": [1, true, {"c": "d"}], "e": {}})),
            r#"{"a": null, "b": [1, true, {"c": "d"}], "e": {}}"#
        );
        assert_eq!(
            python_json(&json!("é/\"\\\n\t\u{1}")),
            r#""\u00e9/\"\\\n\t\u0001""#
        );
        assert_eq!(python_json(&json!("😀")), r#""\ud83d\ude00""#);
        assert_eq!(
            python_json(&json!("\u{8}\u{c}\r\u{7f}")),
            r#""\b\f\r\u007f""#
        );
    }

    #[test]
    fn request_ids_match_the_reference() {
        // PROTOCOL.md §12.
        assert_eq!(request_id("data_platform", "kkkkkkkk"), "c759221a6c14c72a");
        assert_eq!(request_id("", "xxxxxxxx"), "9ecfabfbb5258f88");
        assert_eq!(
            request_id("application:*", "0000000000000000"),
            "b4a33d629afb849b"
        );
        assert_eq!(
            request_id("application:*", "xqbPuYzzl2iiKeyN"),
            "c4c5c119c9345ffa"
        );
        assert_eq!(
            request_id("requirer-charm:*", "xqbPuYzzl2iiKeyN"),
            "836763deea236532"
        );
    }

    fn shape() -> Shape {
        let mut shape = Shape::new("T");
        let mut name = Field::new("sentinel-endpoints", Kind::String);
        name.aliases = vec!["sentinel_endpoints".into()];
        let mut list = Field::new("requested-secrets", Kind::List(Box::new(Kind::String)));
        list.json = true;
        shape.fields = vec![name, list, Field::new("tls", Kind::Bool)];
        shape.keeps_unknown = true;
        shape
    }

    #[test]
    fn decodes_aliases_json_and_unknown_keys() {
        let bag = Bag::from([
            ("sentinel_endpoints".into(), "a:1".into()),
            ("requested-secrets".into(), r#"["username"]"#.into()),
            ("tls".into(), "true".into()),
            ("database".into(), "123".into()),
        ]);
        let object = bag_to_object(&shape(), &bag, &Path::root()).expect("valid bag");
        assert_eq!(
            Value::Object(object.clone()),
            json!({"sentinel-endpoints": "a:1", "requested-secrets": ["username"], "tls": true, "database": "123"})
        );
        let back = object_to_bag(&shape(), &object);
        assert_eq!(
            back.get("requested-secrets").map(String::as_str),
            Some(r#"["username"]"#)
        );
        assert_eq!(back.get("database").map(String::as_str), Some("123"));
        assert_eq!(
            back.get("sentinel-endpoints").map(String::as_str),
            Some("a:1")
        );
    }

    #[test]
    fn name_beats_alias_and_errors_name_the_key() {
        let bag = Bag::from([
            ("sentinel-endpoints".into(), "new".into()),
            ("sentinel_endpoints".into(), "old".into()),
        ]);
        let object = bag_to_object(&shape(), &bag, &Path::root()).expect("valid bag");
        assert_eq!(object.get("sentinel-endpoints"), Some(&json!("new")));

        let bag = Bag::from([("requested-secrets".into(), "[oops".into())]);
        let error = bag_to_object(&shape(), &bag, &Path::root()).expect_err("broken JSON");
        assert!(
            error
                .to_string()
                .starts_with("requested-secrets: invalid JSON"),
            "{error}"
        );
        let bag = Bag::from([("tls".into(), "True".into())]);
        let error = bag_to_object(&shape(), &bag, &Path::root()).expect_err("bad bool");
        assert_eq!(
            error.to_string(),
            r#"tls: expected "true" or "false", found "True""#
        );
    }
}
