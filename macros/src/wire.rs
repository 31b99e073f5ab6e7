//! The databag encoding of the reference library: strings raw, everything else JSON in
//! Python's `json.dumps` style; `null` means absent.
//!
//! Reading is stricter than the reference (PROTOCOL.md §17, §18.2): a flat value is JSON only
//! where the shape says so (a `json` field, or a kind that is not a string), so `"123"` stays a
//! string where a string is declared; booleans are exactly `"true"`/`"false"`.

pub(crate) mod python;

use serde_json::Value;

use crate::error::{Error, ErrorKind, Path};
use crate::shape::{Field, Kind, Shape};
use crate::{Bag, Object};

pub use python::python_json;

/// Whether a field's value is JSON-encoded in a databag: declared `json`, or of a kind that has
/// no plain-string form.
fn is_json_encoded(field: &Field) -> bool {
    field.json
        || !matches!(
            field.kind,
            Kind::String | Kind::SecretUri | Kind::Bool | Kind::Integer | Kind::Unsigned
        )
}

/// Encodes an object as a databag: `null` → key absent, strings raw, anything else
/// [`python_json`].
///
/// A field whose databag form is JSON (see [`Field::json`]) is JSON-encoded even when its value
/// is a string, so that it reads back. Secret fields are never written, at any depth: their
/// values belong in Juju Secrets (see [`crate::Databag::split`]).
pub fn object_to_bag(shape: &Shape, object: &Object) -> Bag {
    object_into_bag(shape, object.clone())
}

/// As [`object_to_bag`], consuming the object (no copy of its values).
pub fn object_into_bag(shape: &Shape, object: Object) -> Bag {
    let mut bag = Bag::new();
    for (key, value) in object {
        if value.is_null() {
            continue;
        }
        let text = match shape.field(&key) {
            Some(field) if field.secret.is_some() => continue,
            Some(field) => {
                let mut value = value;
                strip_secrets(&field.kind, &mut value);
                match value {
                    Value::String(text) if !is_json_encoded(field) => text,
                    other => python_json(&other),
                }
            }
            None => match value {
                Value::String(text) => text,
                other => python_json(&other),
            },
        };
        bag.insert(key, text);
    }
    bag
}

/// Decodes a databag into an object following `shape`: JSON-encoded fields parsed, booleans
/// from `"true"`/`"false"`, integers parsed, strings raw; aliases renamed to the field's wire
/// name; unknown keys kept as strings when the shape keeps them.
///
/// Alias precedence: the wire name, then the aliases in order; the first present, non-null
/// value wins and every spelling is consumed. Secret URIs are validated. Secret fields never
/// come from a databag, at any depth: a plaintext value (a leak by the writer, or the `null`
/// padding of the reference library) is dropped, and [`crate::Databag::join`] fills them from
/// their secrets. Objects are in declaration order, then unknown keys.
pub fn bag_to_object(shape: &Shape, bag: &Bag, path: &Path) -> Result<Object, Error> {
    let mut object = Object::new();
    for field in &shape.fields {
        if field.secret.is_some() {
            continue;
        }
        for key in std::iter::once(&field.name).chain(&field.aliases) {
            let Some(text) = bag.get(key) else {
                continue;
            };
            let mut value = decode(field, text, &path.key(key))?;
            if value.is_null() {
                continue;
            }
            strip_secrets(&field.kind, &mut value);
            object.insert(field.name.clone(), value);
            break;
        }
    }
    if shape.keeps_unknown {
        for (key, text) in bag {
            if shape.field(key).is_none() {
                object.insert(key.clone(), Value::String(text.clone()));
            }
        }
    }
    Ok(object)
}

/// One databag value of `field`, found at `path`.
fn decode(field: &Field, text: &str, path: &Path) -> Result<Value, Error> {
    if is_json_encoded(field) {
        return serde_json::from_str(text).map_err(|error| {
            Error::new(
                path.clone(),
                ErrorKind::InvalidJson {
                    message: error.to_string(),
                },
            )
        });
    }
    let found = || crate::value::describe(&Value::String(text.to_owned()));
    match field.kind {
        Kind::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(Error::wrong_type(
                path.clone(),
                r#""true" or "false""#,
                found(),
            )),
        },
        Kind::Integer => parse_integer(text)
            .map(Value::from)
            .ok_or_else(|| Error::wrong_type(path.clone(), "an integer", found())),
        Kind::Unsigned => parse_unsigned(text)
            .map(Value::from)
            .ok_or_else(|| Error::wrong_type(path.clone(), "a non-negative integer", found())),
        // Validated in place: no `SecretUri` is built only to be dropped.
        Kind::SecretUri if crate::secret::SecretUri::is_valid(text) => {
            Ok(Value::String(text.to_owned()))
        }
        Kind::SecretUri => Err(Error::new(
            path.clone(),
            ErrorKind::InvalidSecretUri {
                found: text.to_owned(),
            },
        )),
        _ => Ok(Value::String(text.to_owned())),
    }
}

/// A decimal integer in JSON's spelling (`-?(0|[1-9][0-9]*)`) that fits in an `i64`.
pub(crate) fn parse_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

/// A decimal integer in JSON's spelling (`0|[1-9][0-9]*`, no sign) that fits in a `u64`.
pub(crate) fn parse_unsigned(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

/// Removes the values of secret fields from the objects inside `value`.
fn strip_secrets(kind: &Kind, value: &mut Value) {
    match (kind, value) {
        (Kind::Object(shape), Value::Object(object)) => {
            for field in &shape.fields {
                if field.secret.is_some() {
                    object.shift_remove(&field.name);
                    for alias in &field.aliases {
                        object.shift_remove(alias);
                    }
                } else if field.kind.object().is_some() {
                    for key in std::iter::once(&field.name).chain(&field.aliases) {
                        if let Some(value) = object.get_mut(key) {
                            strip_secrets(&field.kind, value);
                        }
                    }
                }
            }
        }
        (Kind::List(item), Value::Array(items)) => {
            for value in items {
                strip_secrets(item, value);
            }
        }
        (Kind::Map(item), Value::Object(entries)) => {
            for value in entries.values_mut() {
                strip_secrets(item, value);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn field(name: &str, kind: Kind) -> Field {
        Field::new(name, kind)
    }

    fn flat() -> Shape {
        let mut shape = Shape::new("Flat");
        let mut sentinel = field("sentinel-endpoints", Kind::String);
        sentinel.aliases = vec!["sentinel_endpoints".into()];
        let mut resource = field("resource", Kind::String);
        resource.aliases = vec!["database".into(), "prefix".into()];
        let mut requested = field("requested-secrets", Kind::List(Box::new(Kind::String)));
        requested.json = true;
        let mut password = field("password", Kind::String);
        password.secret = Some("user".into());
        let mut secret_user = field("secret-user", Kind::SecretUri);
        secret_user.secret_uri = Some("user".into());
        shape.fields = vec![
            field("version", Kind::String),
            resource,
            sentinel,
            field("tls", Kind::Bool),
            field("port", Kind::Integer),
            requested,
            field("data", Kind::Map(Box::new(Kind::String))),
            secret_user,
            password,
        ];
        shape.keeps_unknown = true;
        shape
    }

    fn bag(pairs: &[(&str, &str)]) -> Bag {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn flat_values_are_strings_unless_declared_otherwise() {
        let bag = bag(&[
            ("version", "8"),
            ("database", "123"),
            ("tls", "true"),
            ("port", "-6379"),
            ("requested-secrets", r#"["username", "password"]"#),
            ("data", r#"{"a": "b"}"#),
            ("zzz", "null"),
            ("aaa", "[1]"),
        ]);
        let object = bag_to_object(&flat(), &bag, &Path::root()).expect("decodes");
        assert_eq!(
            Value::Object(object.clone()),
            json!({"version": "8", "resource": "123", "tls": true, "port": -6379,
                   "requested-secrets": ["username", "password"], "data": {"a": "b"},
                   "aaa": "[1]", "zzz": "null"})
        );
        assert_eq!(
            object.keys().collect::<Vec<_>>(),
            [
                "version",
                "resource",
                "tls",
                "port",
                "requested-secrets",
                "data",
                "aaa",
                "zzz"
            ],
            "declaration order, then unknown keys"
        );
    }

    #[test]
    fn aliases_follow_precedence_and_are_consumed() {
        let shape = flat();
        let object = bag_to_object(
            &shape,
            &bag(&[("resource", "r"), ("prefix", "p"), ("database", "d")]),
            &Path::root(),
        )
        .expect("decodes");
        assert_eq!(Value::Object(object), json!({"resource": "r"}));
        let object = bag_to_object(
            &shape,
            &bag(&[
                ("prefix", "p"),
                ("database", "d"),
                ("sentinel_endpoints", "s"),
            ]),
            &Path::root(),
        )
        .expect("decodes");
        assert_eq!(
            Value::Object(object),
            json!({"resource": "d", "sentinel-endpoints": "s"})
        );
    }

    #[test]
    fn json_null_is_absent_and_the_next_spelling_wins() {
        let mut shape = Shape::new("S");
        let mut data = field("data", Kind::Any);
        data.aliases = vec!["legacy".into()];
        shape.fields = vec![data];
        let object = bag_to_object(
            &shape,
            &bag(&[("data", "null"), ("legacy", "[1]")]),
            &Path::root(),
        )
        .expect("decodes");
        assert_eq!(Value::Object(object), json!({"data": [1]}));
        let object =
            bag_to_object(&shape, &bag(&[("data", "null")]), &Path::root()).expect("decodes");
        assert!(object.is_empty());
    }

    #[test]
    fn bad_values_name_the_key() {
        let shape = flat();
        let cases = [
            (
                ("requested-secrets", "[x"),
                "requested-secrets: invalid JSON: expected value at line 1 column 2",
            ),
            (
                ("tls", "True"),
                r#"tls: expected "true" or "false", found "True""#,
            ),
            (
                ("tls", "1"),
                r#"tls: expected "true" or "false", found "1""#,
            ),
            (("port", "007"), r#"port: expected an integer, found "007""#),
            (("port", "1.0"), r#"port: expected an integer, found "1.0""#),
            (
                ("port", "99999999999999999999"),
                r#"port: expected an integer, found "99999999999999999999""#,
            ),
            (
                ("secret-user", "xsecret:abc"),
                r#"secret-user: expected a Juju secret URI, found "xsecret:abc""#,
            ),
            (
                ("data", ""),
                "data: invalid JSON: EOF while parsing a value at line 1 column 0",
            ),
        ];
        for ((key, value), expected) in cases {
            let error = bag_to_object(&shape, &bag(&[(key, value)]), &Path::root()).unwrap_err();
            assert_eq!(error.to_string(), expected);
        }
        let error =
            bag_to_object(&shape, &bag(&[("tls", "x")]), &Path::root().key("unit")).unwrap_err();
        assert_eq!(error.path().to_string(), "unit.tls");
    }

    #[test]
    fn secret_values_never_come_from_or_go_to_a_bag() {
        let shape = flat();
        let object = bag_to_object(&shape, &bag(&[("password", "hunter2")]), &Path::root())
            .expect("decodes");
        assert!(object.is_empty(), "neither the field nor an unknown key");
        let object = match json!({"password": "hunter2", "tls": false}) {
            Value::Object(o) => o,
            _ => unreachable!(),
        };
        assert_eq!(object_to_bag(&shape, &object), bag(&[("tls", "false")]));
    }

    fn nested() -> Shape {
        let mut inner = Shape::new("Inner");
        let mut password = field("password", Kind::String);
        password.secret = Some("user".into());
        inner.fields = vec![field("id", Kind::String), password];
        inner.keeps_unknown = true;
        let mut shape = Shape::new("Outer");
        let mut requests = field(
            "requests",
            Kind::List(Box::new(Kind::Object(Arc::new(inner)))),
        );
        requests.json = true;
        shape.fields = vec![requests, field("note", Kind::String)];
        shape
    }

    #[test]
    fn nested_secret_values_are_stripped_both_ways() {
        let shape = nested();
        let text =
            r#"[{"id": "a", "password": "hunter2", "x": null}, {"id": "b", "password": null}]"#;
        let object =
            bag_to_object(&shape, &bag(&[("requests", text)]), &Path::root()).expect("decodes");
        assert_eq!(
            Value::Object(object.clone()),
            json!({"requests": [{"id": "a", "x": null}, {"id": "b"}]})
        );
        let mut leaky = object;
        leaky["requests"][0]["password"] = json!("hunter2");
        let bag = object_to_bag(&shape, &leaky);
        assert_eq!(bag["requests"], r#"[{"id": "a", "x": null}, {"id": "b"}]"#);
    }

    #[test]
    fn objects_encode_like_the_reference_writer() {
        let shape = flat();
        let object = match json!({
            "version": "v1", "resource": "a:*", "tls": false, "port": 6379,
            "requested-secrets": ["username", "é"], "data": null, "extra": "raw",
            "extra_list": [1, "two"],
        }) {
            Value::Object(o) => o,
            _ => unreachable!(),
        };
        assert_eq!(
            object_to_bag(&shape, &object),
            bag(&[
                ("version", "v1"),
                ("resource", "a:*"),
                ("tls", "false"),
                ("port", "6379"),
                ("requested-secrets", r#"["username", "\u00e9"]"#),
                ("extra", "raw"),
                ("extra_list", r#"[1, "two"]"#),
            ])
        );
    }

    #[test]
    fn json_fields_encode_strings_as_json_so_they_read_back() {
        let mut shape = Shape::new("S");
        let mut note = field("note", Kind::String);
        note.json = true;
        shape.fields = vec![note, field("any", Kind::Any)];
        let object = match json!({"note": "hi", "any": "there"}) {
            Value::Object(o) => o,
            _ => unreachable!(),
        };
        let bag = object_to_bag(&shape, &object);
        assert_eq!(
            bag,
            super::tests::bag(&[("note", "\"hi\""), ("any", "\"there\"")])
        );
        assert_eq!(bag_to_object(&shape, &bag, &Path::root()), Ok(object));
    }

    #[test]
    fn integers_parse_strictly() {
        assert_eq!(parse_integer("0"), Some(0));
        assert_eq!(parse_integer("-0"), Some(0));
        assert_eq!(parse_integer("-12"), Some(-12));
        assert_eq!(parse_integer("9223372036854775807"), Some(i64::MAX));
        for bad in [
            "",
            "-",
            "+1",
            "01",
            " 1",
            "1 ",
            "1e3",
            "9223372036854775808",
        ] {
            assert_eq!(parse_integer(bad), None, "{bad:?}");
        }
    }
}

/// The request id the reference library writes (`gen_hash`): the first 16 lowercase hex
/// characters of SHA-256 over `resource + ":" + salt`.
pub fn request_id(resource: &str, salt: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{resource}:{salt}").as_bytes());
    digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod request_id_tests {
    #[test]
    fn request_ids_match_the_reference() {
        // PROTOCOL.md §12, observed with the reference library.
        let table = [
            ("data_platform", "kkkkkkkk", "c759221a6c14c72a"),
            ("", "xxxxxxxx", "9ecfabfbb5258f88"),
            ("application:*", "0000000000000000", "b4a33d629afb849b"),
            ("application:*", "xqbPuYzzl2iiKeyN", "c4c5c119c9345ffa"),
            ("requirer-charm:*", "xqbPuYzzl2iiKeyN", "836763deea236532"),
        ];
        for (resource, salt, id) in table {
            assert_eq!(super::request_id(resource, salt), id, "{resource}:{salt}");
        }
    }
}
