//! Routing secret fields: out of an object into per-group secret content (split), and from the
//! secrets named by `secret-<group>` URIs back into the object (resolve).
//!
//! Content encoding follows the reference library: content keys are the fields' wire names,
//! strings are stored raw, anything else as Python's `json.dumps` (`true`/`false`).

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::{SecretContent, SecretResolver, SecretUri};
use crate::error::{Error, ErrorKind, Path, Segment};
use crate::shape::{Field, Kind, Shape};
use crate::wire::python_json;
use crate::{Bag, Object};

/// The content of one secret group of one object, as produced by a split.
pub struct SecretSlot {
    /// Where the object sits (the root for a flat databag, `requests[0]` for a v1 response).
    pub path: Path,
    /// The secret group (`user`).
    pub group: String,
    /// The content to store in the group's Juju Secret.
    pub content: SecretContent,
}

/// A databag split into its plaintext part and the content of its secret groups.
pub struct Split {
    /// The plaintext object; secret fields removed.
    pub object: Object,
    /// One slot per secret group with a value, per object.
    pub secrets: Vec<SecretSlot>,
    /// The shape the object follows (to encode it as a databag).
    pub shape: Arc<Shape>,
}

/// Content keys only: the values are secrets.
impl fmt::Debug for SecretSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretSlot")
            .field("path", &self.path.to_string())
            .field("group", &self.group)
            .field("content", &self.content.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Debug for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Split")
            .field("object", &self.object)
            .field("secrets", &self.secrets)
            .field("shape", &self.shape.name)
            .finish()
    }
}

/// Removes secret fields' values from `object` (recursively) into slots. `requested`: `None`
/// routes every secret field; `Some(list)` is a v0 `requested-secrets` list, and a secret field
/// with a value that is not listed is a `SecretsUnsupported` error.
///
/// Slots come in document order: an object's own groups (in first-field order) before the
/// objects nested in it. A `null` secret field is dropped without a slot.
pub fn split_object(
    shape: &Arc<Shape>,
    object: Object,
    requested: Option<&[String]>,
) -> Result<Split, Error> {
    let mut object = object;
    let mut secrets = Vec::new();
    split_in(shape, &mut object, requested, &Path::root(), &mut secrets)?;
    Ok(Split {
        object,
        secrets,
        shape: shape.clone(),
    })
}

fn split_in(
    shape: &Shape,
    object: &mut Object,
    requested: Option<&[String]>,
    path: &Path,
    out: &mut Vec<SecretSlot>,
) -> Result<(), Error> {
    let first = out.len();
    for field in shape.fields.iter() {
        let Some(group) = &field.secret else {
            continue;
        };
        for key in spellings(field) {
            let Some(value) = object.shift_remove(key) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            if let Some(list) = requested
                && !list.iter().any(|name| name == &field.name)
            {
                return Err(Error::new(
                    path.key(&field.name),
                    ErrorKind::SecretsUnsupported {
                        group: group.clone(),
                        field: field.name.clone(),
                    },
                ));
            }
            let text = match value {
                Value::String(text) => text,
                other => python_json(&other),
            };
            match out[first..].iter_mut().find(|s| &s.group == group) {
                Some(slot) => {
                    slot.content.insert(field.name.clone(), text);
                }
                None => out.push(SecretSlot {
                    path: path.clone(),
                    group: group.clone(),
                    content: SecretContent::from([(field.name.clone(), text)]),
                }),
            }
        }
    }
    // Only kinds that hold objects can hold secret fields.
    let nesting = shape
        .fields
        .iter()
        .filter(|f| f.secret.is_none() && f.kind.object().is_some());
    for field in nesting {
        for key in spellings(field) {
            if let Some(value) = object.get_mut(key) {
                split_nested(&field.kind, value, requested, &path.key(key), out)?;
            }
        }
    }
    Ok(())
}

fn split_nested(
    kind: &Kind,
    value: &mut Value,
    requested: Option<&[String]>,
    path: &Path,
    out: &mut Vec<SecretSlot>,
) -> Result<(), Error> {
    match (kind, value) {
        (Kind::Object(shape), Value::Object(object)) => {
            split_in(shape, object, requested, path, out)
        }
        (Kind::List(item), Value::Array(items)) => {
            for (index, value) in items.iter_mut().enumerate() {
                split_nested(item, value, requested, &path.index(index), out)?;
            }
            Ok(())
        }
        (Kind::Map(item), Value::Object(entries)) => {
            for (key, value) in entries.iter_mut() {
                split_nested(item, value, requested, &path.key(key), out)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Fetches the secret of every `secret-<group>` URI in `object` (recursively) and inserts its
/// content under the fields' wire names, converted to their kinds (`"true"` → `true`).
///
/// A group whose URI key is absent (or `null`) leaves its fields as they are; a URI the
/// resolver does not know is [`ErrorKind::SecretMissing`]; a content value that does not fit
/// its field is [`ErrorKind::SecretMalformed`] (naming the key, never the value). Content keys
/// no field declares are ignored.
pub fn resolve_object(
    shape: &Shape,
    object: &mut Object,
    resolver: &mut dyn SecretResolver,
    path: &Path,
) -> Result<(), Error> {
    for uri_field in &shape.fields {
        let Some(group) = &uri_field.secret_uri else {
            continue;
        };
        let Some((key, value)) = present(uri_field, object).and_then(|k| Some((k, object.get(k)?)))
        else {
            continue;
        };
        let at = path.key(key);
        let uri = match value {
            Value::String(text) => SecretUri::parse(text)
                .map_err(|error| Error::new(at.clone(), error.kind().clone()))?,
            other => {
                return Err(Error::wrong_type(
                    at,
                    "a Juju secret URI",
                    crate::value::describe(other),
                ));
            }
        };
        // Zeroized once the fields have their copies, or on an early return.
        let Some(content) = resolver.resolve(&uri)?.map(super::wipe::WipedContent::new) else {
            return Err(Error::new(
                at,
                ErrorKind::SecretMissing {
                    group: group.clone(),
                    uri: uri.as_str().to_owned(),
                },
            ));
        };
        for field in &shape.fields {
            if field.secret.as_ref() != Some(group) {
                continue;
            }
            let Some(text) = content.get(&field.name) else {
                continue;
            };
            let value = decode_content(&field.kind, text).map_err(|message| {
                Error::new(
                    path.key(&field.name),
                    ErrorKind::SecretMalformed {
                        group: group.clone(),
                        key: field.name.clone(),
                        message,
                    },
                )
            })?;
            for alias in &field.aliases {
                object.shift_remove(alias);
            }
            insert_ordered(shape, object, &field.name, value);
        }
    }
    for field in shape.fields.iter().filter(|f| f.secret.is_none()) {
        if field.kind.object().is_none() {
            continue;
        }
        if let Some(key) = present(field, object)
            && let Some(value) = object.get_mut(key)
        {
            resolve_nested(&field.kind, value, resolver, &path.key(key))?;
        }
    }
    Ok(())
}

fn resolve_nested(
    kind: &Kind,
    value: &mut Value,
    resolver: &mut dyn SecretResolver,
    path: &Path,
) -> Result<(), Error> {
    match (kind, value) {
        (Kind::Object(shape), Value::Object(object)) => {
            resolve_object(shape, object, resolver, path)
        }
        (Kind::List(item), Value::Array(items)) => {
            for (index, value) in items.iter_mut().enumerate() {
                resolve_nested(item, value, resolver, &path.index(index))?;
            }
            Ok(())
        }
        (Kind::Map(item), Value::Object(entries)) => {
            for (key, value) in entries.iter_mut() {
                resolve_nested(item, value, resolver, &path.key(key))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A secret's content value as the JSON value of a field of `kind`. The error message never
/// contains the value.
fn decode_content(kind: &Kind, text: &str) -> Result<Value, String> {
    match kind {
        Kind::String | Kind::SecretUri => Ok(Value::String(text.to_owned())),
        Kind::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(r#"expected "true" or "false""#.to_owned()),
        },
        Kind::Integer => crate::wire::parse_integer(text)
            .map(Value::from)
            .ok_or_else(|| "expected an integer".to_owned()),
        Kind::Unsigned => crate::wire::parse_unsigned(text)
            .map(Value::from)
            .ok_or_else(|| "expected a non-negative integer".to_owned()),
        // `json.dumps` of anything but a string; a raw string is a string.
        Kind::Any => {
            Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
        }
        Kind::List(_) | Kind::Map(_) | Kind::Object(_) => {
            serde_json::from_str(text).map_err(|error| format!("invalid JSON: {error}"))
        }
    }
}

/// The first spelling of `field` present in `object` with a non-null value.
fn present<'f>(field: &'f Field, object: &Object) -> Option<&'f str> {
    spellings(field).find(|key| object.get(*key).is_some_and(|v| !v.is_null()))
}

/// The wire name of `field`, then its aliases.
fn spellings(field: &Field) -> impl Iterator<Item = &str> {
    std::iter::once(field.name.as_str()).chain(field.aliases.iter().map(String::as_str))
}

/// Inserts `name` where declaration order puts it: an existing key keeps its place, a new one
/// goes before the first key of a later field or an unknown key.
fn insert_ordered(shape: &Shape, object: &mut Object, name: &str, value: Value) {
    if let Some(slot) = object.get_mut(name) {
        *slot = value;
        return;
    }
    let rank = |key: &str| {
        shape
            .fields
            .iter()
            .position(|f| f.name == key || f.aliases.iter().any(|a| a == key))
            .unwrap_or(usize::MAX)
    };
    let own = rank(name);
    let index = object
        .keys()
        .position(|key| rank(key) > own)
        .unwrap_or(object.len());
    object.shift_insert(index, name.to_owned(), value);
}

/// The error for a secret slot that would have been written in plaintext.
pub(crate) fn not_routed(slot: &SecretSlot) -> Error {
    let field = slot.content.keys().next().cloned().unwrap_or_default();
    Error::new(
        slot.path.key(&field),
        ErrorKind::SecretNotRouted {
            group: slot.group.clone(),
            field,
        },
    )
}

impl Split {
    /// Puts the URI of the secret that now holds `self.secrets[slot]` under its
    /// `secret-<group>` key, in the object at the slot's path.
    pub fn set_uri(&mut self, slot: usize, uri: &SecretUri) -> Result<(), Error> {
        let Some(target) = self.secrets.get(slot) else {
            return Err(Error::custom(
                Path::root(),
                format!(
                    "no secret slot {slot} (the split has {})",
                    self.secrets.len()
                ),
            ));
        };
        let group = target.group.clone();
        let path = target.path.clone();
        let Some((shape, object)) = locate(&self.shape, &mut self.object, path.segments()) else {
            return Err(Error::custom(
                path,
                "the object of this secret slot is no longer in the split",
            ));
        };
        let Some(field) = shape
            .fields
            .iter()
            .find(|f| f.secret_uri.as_ref() == Some(&group))
        else {
            return Err(Error::custom(
                path,
                format!(
                    "`{}` has no field carrying the URI of secret group `{group}`",
                    shape.name
                ),
            ));
        };
        let name = field.name.clone();
        insert_ordered(
            &shape,
            object,
            &name,
            Value::String(uri.as_str().to_owned()),
        );
        Ok(())
    }

    /// The plaintext databag.
    pub fn into_bag(self) -> Bag {
        crate::wire::object_into_bag(&self.shape, self.object)
    }
}

/// The object at `segments` below `object`, with its shape.
fn locate<'o>(
    shape: &Arc<Shape>,
    object: &'o mut Object,
    segments: &[Segment],
) -> Option<(Arc<Shape>, &'o mut Object)> {
    let mut shape = shape.clone();
    let mut object = object;
    let mut rest = segments;
    while let Some((Segment::Key(key), tail)) = rest.split_first() {
        let mut kind = shape.field(key)?.kind.clone();
        let mut value = object.get_mut(key)?;
        rest = tail;
        loop {
            match (kind, value) {
                (Kind::Object(inner), Value::Object(map)) => {
                    shape = inner;
                    object = map;
                    break;
                }
                (Kind::List(item), Value::Array(items)) => {
                    let (Segment::Index(index), tail) = rest.split_first()? else {
                        return None;
                    };
                    value = items.get_mut(*index)?;
                    kind = *item;
                    rest = tail;
                }
                (Kind::Map(item), Value::Object(entries)) => {
                    let (Segment::Key(key), tail) = rest.split_first()? else {
                        return None;
                    };
                    value = entries.get_mut(key)?;
                    kind = *item;
                    rest = tail;
                }
                _ => return None,
            }
        }
    }
    rest.is_empty().then_some((shape, object))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::MapResolver;
    use serde_json::json;

    fn secret(name: &str, kind: Kind, group: &str) -> Field {
        let mut field = Field::new(name, kind);
        field.secret = Some(group.into());
        field
    }

    fn uri_field(name: &str, group: &str) -> Field {
        let mut field = Field::new(name, Kind::SecretUri);
        field.secret_uri = Some(group.into());
        field
    }

    fn response() -> Arc<Shape> {
        let mut shape = Shape::new("Response");
        shape.keeps_unknown = true;
        shape.fields = vec![
            Field::new("request-id", Kind::String),
            uri_field("secret-user", "user"),
            secret("username", Kind::String, "user"),
            secret("password", Kind::String, "user"),
            uri_field("secret-tls", "tls"),
            secret("tls", Kind::Bool, "tls"),
            secret("tls-ca", Kind::String, "tls"),
            Field::new("endpoints", Kind::String),
        ];
        Arc::new(shape)
    }

    fn provider() -> Arc<Shape> {
        let mut shape = Shape::new("Provider");
        let mut requests = Field::new("requests", Kind::List(Box::new(Kind::Object(response()))));
        requests.json = true;
        shape.fields = vec![Field::new("version", Kind::String), requests];
        Arc::new(shape)
    }

    fn object(value: Value) -> Object {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    fn model() -> Object {
        object(json!({
            "version": "v1",
            "requests": [
                {"request-id": "a", "username": "u", "password": "p", "tls": true,
                 "tls-ca": "CA", "endpoints": "h:1", "x-extra": 1},
                {"request-id": "b", "password": null, "endpoints": "h:2"},
            ],
        }))
    }

    #[test]
    fn split_routes_every_secret_and_keeps_the_rest() {
        let split = split_object(&provider(), model(), None).expect("split");
        assert_eq!(
            Value::Object(split.object.clone()),
            json!({"version": "v1", "requests": [
                {"request-id": "a", "endpoints": "h:1", "x-extra": 1},
                {"request-id": "b", "endpoints": "h:2"},
            ]})
        );
        type Slot<'a> = (String, &'a str, Vec<(&'a str, &'a str)>);
        let slots: Vec<Slot> = split
            .secrets
            .iter()
            .map(|s| {
                (
                    s.path.to_string(),
                    s.group.as_str(),
                    s.content
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            slots,
            [
                (
                    "requests[0]".to_owned(),
                    "user",
                    vec![("password", "p"), ("username", "u")]
                ),
                (
                    "requests[0]".to_owned(),
                    "tls",
                    vec![("tls", "true"), ("tls-ca", "CA")]
                ),
            ]
        );
        let debug = format!("{split:?}");
        assert!(
            debug.contains("password") && !debug.contains("\"p\""),
            "{debug}"
        );
    }

    #[test]
    fn set_uri_writes_in_declaration_order() {
        let mut split = split_object(&provider(), model(), None).expect("split");
        let user = SecretUri::parse("secret:aaaaaaaaaaaaaaaaaaaa").expect("uri");
        let tls = SecretUri::parse("secret:bbbbbbbbbbbbbbbbbbbb").expect("uri");
        split.set_uri(0, &user).expect("user");
        split.set_uri(1, &tls).expect("tls");
        let first = split.object["requests"][0].as_object().expect("object");
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            [
                "request-id",
                "secret-user",
                "secret-tls",
                "endpoints",
                "x-extra"
            ]
        );
        assert_eq!(first["secret-tls"], json!("secret:bbbbbbbbbbbbbbbbbbbb"));
        let error = split.set_uri(2, &tls).unwrap_err();
        assert!(error.to_string().contains("no secret slot 2"), "{error}");
        let bag = split.into_bag();
        assert!(bag["requests"].contains(r#""secret-user": "secret:aaaaaaaaaaaaaaaaaaaa""#));
    }

    #[test]
    fn requested_lists_gate_secret_fields() {
        let listed = [
            "username".to_owned(),
            "password".to_owned(),
            "tls".to_owned(),
            "tls-ca".to_owned(),
        ];
        assert!(split_object(&provider(), model(), Some(&listed)).is_ok());
        let error = split_object(&provider(), model(), Some(&listed[..2])).unwrap_err();
        assert_eq!(
            error.kind(),
            &ErrorKind::SecretsUnsupported {
                group: "tls".into(),
                field: "tls".into()
            }
        );
        assert_eq!(error.path().to_string(), "requests[0].tls");
        let error = split_object(&provider(), model(), Some(&[])).unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::SecretsUnsupported { .. }));
        let empty = object(json!({"version": "v1", "requests": [{"request-id": "a"}]}));
        assert!(
            split_object(&provider(), empty, Some(&[])).is_ok(),
            "no values, no error"
        );
    }

    #[test]
    fn not_routed_names_the_field() {
        let split = split_object(&provider(), model(), None).expect("split");
        let error = not_routed(&split.secrets[0]);
        assert_eq!(error.path().to_string(), "requests[0].password");
        assert!(
            matches!(error.kind(), ErrorKind::SecretNotRouted { group, .. } if group == "user")
        );
    }

    fn plaintext(uris: (&str, &str)) -> Object {
        object(json!({"version": "v1", "requests": [
            {"request-id": "a", "endpoints": "h"},
            {"request-id": "b", "secret-user": uris.0, "secret-tls": uris.1, "endpoints": "h"},
        ]}))
    }

    fn resolver() -> MapResolver {
        let user = SecretUri::parse("secret:aaaaaaaaaaaaaaaaaaaa").expect("uri");
        let tls = SecretUri::parse("secret:bbbbbbbbbbbbbbbbbbbb").expect("uri");
        let content = |pairs: &[(&str, &str)]| -> SecretContent {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        [
            (
                user,
                content(&[("username", "u"), ("password", "p"), ("other", "x")]),
            ),
            (tls, content(&[("tls", "false")])),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn resolve_fills_fields_in_place() {
        let mut object = plaintext((
            "secret://bc7400b7-2fce-41dd-8509-14a984455cda/aaaaaaaaaaaaaaaaaaaa",
            "secret:bbbbbbbbbbbbbbbbbbbb",
        ));
        resolve_object(&provider(), &mut object, &mut resolver(), &Path::root()).expect("resolve");
        let second = object["requests"][1].as_object().expect("object");
        assert_eq!(
            second.keys().collect::<Vec<_>>(),
            [
                "request-id",
                "secret-user",
                "username",
                "password",
                "secret-tls",
                "tls",
                "endpoints"
            ]
        );
        assert_eq!(second["tls"], json!(false));
        assert_eq!(second["password"], json!("p"));
        assert!(
            !second.contains_key("other"),
            "undeclared content keys are ignored"
        );
        assert_eq!(
            object["requests"][0],
            json!({"request-id": "a", "endpoints": "h"})
        );
    }

    #[test]
    fn resolve_errors_name_group_key_and_uri() {
        let mut object = plaintext(("secret:cccccccccccccccccccc", "secret:bbbbbbbbbbbbbbbbbbbb"));
        let error =
            resolve_object(&provider(), &mut object, &mut resolver(), &Path::root()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "requests[1].secret-user: secret secret:cccccccccccccccccccc of group `user` could not be found"
        );
        let mut object = plaintext(("foo", "secret:bbbbbbbbbbbbbbbbbbbb"));
        let error =
            resolve_object(&provider(), &mut object, &mut resolver(), &Path::root()).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"requests[1].secret-user: expected a Juju secret URI, found "foo""#
        );
        let mut bad = resolver();
        let tls = SecretUri::parse("secret:bbbbbbbbbbbbbbbbbbbb").expect("uri");
        bad.insert(&tls, [("tls".to_owned(), "True".to_owned())].into());
        let mut object = plaintext(("secret:aaaaaaaaaaaaaaaaaaaa", "secret:bbbbbbbbbbbbbbbbbbbb"));
        let error = resolve_object(&provider(), &mut object, &mut bad, &Path::root()).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"requests[1].tls: secret group `tls`, key `tls`: expected "true" or "false""#
        );
        assert!(!error.to_string().contains("True"));
    }

    #[test]
    fn content_decodes_per_kind_without_echoing() {
        assert_eq!(decode_content(&Kind::Integer, "42"), Ok(json!(42)));
        assert!(decode_content(&Kind::Integer, "4x2").is_err());
        assert_eq!(
            decode_content(&Kind::List(Box::new(Kind::String)), r#"["a"]"#),
            Ok(json!(["a"]))
        );
        let error = decode_content(&Kind::List(Box::new(Kind::String)), "hunter2").unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        assert_eq!(decode_content(&Kind::Any, "raw"), Ok(json!("raw")));
        assert_eq!(decode_content(&Kind::Any, "[1]"), Ok(json!([1])));
    }
}
