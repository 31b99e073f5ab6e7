//! Field-level secret routing: secret values, Juju secret URIs, and the split of a databag into
//! plaintext and secret content (and the join back).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde_json::Value;
use zeroize::Zeroize;

use crate::error::{Error, ErrorKind, Path, Segment};
use crate::shape::{Field, Kind, Shape};
use crate::wire::python_json;
use crate::{Bag, Object};

/// A secret value: `Debug` and `Display` never print it, and it is wiped from memory on drop.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value. Named loudly so that every use is easy to find in review.
    pub fn expose_secret(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// A Juju secret URI: `secret:ID` or `secret://MODEL/ID`. Two URIs naming the same ID are the
/// same secret.
///
/// IDs are Juju's 20-character base32hex xids (`d2fjn1fmp25004or68b0`); the ops testing
/// harness' UUIDs are accepted too, so the ID may hold ASCII letters, digits and `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretUri {
    raw: String,
}

impl SecretUri {
    /// Parses `secret:ID` or `secret://MODEL/ID`, anchored: nothing before or after.
    pub fn parse(text: &str) -> Result<SecretUri, Error> {
        let invalid = || {
            Error::new(
                Path::root(),
                ErrorKind::InvalidSecretUri {
                    found: text.to_owned(),
                },
            )
        };
        let rest = text.strip_prefix("secret:").ok_or_else(invalid)?;
        let id = match rest.strip_prefix("//") {
            Some(model_and_id) => {
                let (model, id) = model_and_id.split_once('/').ok_or_else(invalid)?;
                if !is_id(model) {
                    return Err(invalid());
                }
                id
            }
            None => rest,
        };
        if !is_id(id) {
            return Err(invalid());
        }
        Ok(SecretUri {
            raw: text.to_owned(),
        })
    }

    /// The secret's ID, the part that identifies it across URI forms.
    pub fn id(&self) -> &str {
        match self.raw.rsplit_once('/') {
            Some((_, id)) => id,
            None => &self.raw["secret:".len()..],
        }
    }

    /// The model UUID of a `secret://MODEL/ID` URI.
    pub fn model(&self) -> Option<&str> {
        self.raw
            .strip_prefix("secret://")
            .and_then(|rest| rest.split_once('/'))
            .map(|(model, _)| model)
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !text.starts_with('-')
}

impl fmt::Display for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl FromStr for SecretUri {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        SecretUri::parse(text)
    }
}

/// The content of one Juju Secret: content keys (wire names, `tls-ca`) to string values.
pub type SecretContent = BTreeMap<String, String>;

/// Fetches a secret's content by URI (a Juju backend, a test map, ...).
pub trait SecretResolver {
    /// The content of the secret `uri`, or `None` when it does not exist or is not readable.
    fn resolve(&mut self, uri: &SecretUri) -> Result<Option<SecretContent>, Error>;
}

/// A [`SecretResolver`] over an in-memory map, matching URIs on their ID.
#[derive(Default, Clone)]
pub struct MapResolver {
    secrets: BTreeMap<String, SecretContent>,
}

impl MapResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        MapResolver::default()
    }

    /// Stores the content of the secret `uri`. An invalid URI is stored under its text, so
    /// it can never be resolved.
    pub fn insert<K: Into<String>, V: Into<String>>(
        &mut self,
        uri: &str,
        content: impl IntoIterator<Item = (K, V)>,
    ) {
        let id = SecretUri::parse(uri)
            .map(|u| u.id().to_owned())
            .unwrap_or_else(|_| uri.to_owned());
        let content = content
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.secrets.insert(id, content);
    }
}

impl fmt::Debug for MapResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapResolver")
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl SecretResolver for MapResolver {
    fn resolve(&mut self, uri: &SecretUri) -> Result<Option<SecretContent>, Error> {
        Ok(self.secrets.get(uri.id()).cloned())
    }
}

/// The content of one secret group of one object, as produced by a split.
pub struct SecretSlot {
    /// Where the object sits (the root for a flat databag, `requests[0]` for a v1 response).
    pub path: Path,
    /// The secret group (`user`).
    pub group: String,
    /// The content to store in the group's Juju Secret.
    pub content: SecretContent,
}

impl fmt::Debug for SecretSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretSlot")
            .field("path", &self.path.to_string())
            .field("group", &self.group)
            .field("keys", &self.content.keys().collect::<Vec<_>>())
            .finish()
    }
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

impl fmt::Debug for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Split")
            .field("object", &self.object)
            .field("secrets", &self.secrets)
            .finish_non_exhaustive()
    }
}

/// Removes secret fields' values from `object` (recursively) into slots. `requested`: `None`
/// routes every secret field; `Some(list)` is a v0 `requested-secrets` list, and a secret field
/// with a value that is not listed is a `SecretsUnsupported` error.
pub fn split_object(
    shape: &Arc<Shape>,
    mut object: Object,
    requested: Option<&[String]>,
) -> Result<Split, Error> {
    let mut secrets = Vec::new();
    split_into(shape, &mut object, requested, &Path::root(), &mut secrets)?;
    Ok(Split {
        object,
        secrets,
        shape: shape.clone(),
    })
}

fn split_into(
    shape: &Shape,
    object: &mut Object,
    requested: Option<&[String]>,
    path: &Path,
    slots: &mut Vec<SecretSlot>,
) -> Result<(), Error> {
    let mut groups: Vec<SecretSlot> = Vec::new();
    for field in &shape.fields {
        if let Some(group) = &field.secret {
            let Some(value) = object.shift_remove(&field.name) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            if let Some(listed) = requested
                && !listed.iter().any(|name| name == &field.name)
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
                Value::String(s) => s,
                other => python_json(&other),
            };
            match groups.iter_mut().find(|slot| &slot.group == group) {
                Some(slot) => {
                    slot.content.insert(field.name.clone(), text);
                }
                None => groups.push(SecretSlot {
                    path: path.clone(),
                    group: group.clone(),
                    content: SecretContent::from([(field.name.clone(), text)]),
                }),
            }
        } else if let Some(inner) = field.kind.object()
            && let Some(value) = object.get_mut(&field.name)
        {
            let field_path = path.key(&field.name);
            for_each_object(&field.kind, value, &field_path, &mut |o, p| {
                split_into(inner, o, requested, p, slots)
            })?;
        }
    }
    slots.extend(groups);
    Ok(())
}

/// Calls `visit` on every object a value of `kind` holds: itself, list items, map values.
fn for_each_object(
    kind: &Kind,
    value: &mut Value,
    path: &Path,
    visit: &mut dyn FnMut(&mut Object, &Path) -> Result<(), Error>,
) -> Result<(), Error> {
    match (kind, value) {
        (Kind::Object(_), Value::Object(object)) => visit(object, path),
        (Kind::List(item), Value::Array(items)) => {
            for (i, value) in items.iter_mut().enumerate() {
                for_each_object(item, value, &path.index(i), visit)?;
            }
            Ok(())
        }
        (Kind::Map(item), Value::Object(map)) => {
            for (key, value) in map.iter_mut() {
                for_each_object(item, value, &path.key(key), visit)?;
            }
            Ok(())
        }
        // Wrong shapes are reported when the typed value is decoded.
        _ => Ok(()),
    }
}

/// Fetches the secret of every `secret-<group>` URI in `object` (recursively) and inserts its
/// content under the fields' wire names, converted to their kinds (`"true"` → `true`).
pub fn resolve_object(
    shape: &Shape,
    object: &mut Object,
    resolver: &mut dyn SecretResolver,
    path: &Path,
) -> Result<(), Error> {
    for uri_field in shape.fields.iter().filter(|f| f.secret_uri.is_some()) {
        let Some(group) = &uri_field.secret_uri else {
            continue;
        };
        let uri_path = path.key(&uri_field.name);
        let uri = match object.get(&uri_field.name) {
            None | Some(Value::Null) => continue,
            Some(Value::String(text)) => SecretUri::parse(text)
                .map_err(|e| Error::new(uri_path.clone(), e.kind().clone()))?,
            Some(other) => {
                return Err(Error::wrong_type(
                    uri_path,
                    "a Juju secret URI",
                    kind_name(other),
                ));
            }
        };
        let content = resolver.resolve(&uri)?.ok_or_else(|| {
            Error::new(
                uri_path.clone(),
                ErrorKind::SecretMissing {
                    group: group.clone(),
                    uri: uri.to_string(),
                },
            )
        })?;
        for field in shape
            .fields
            .iter()
            .filter(|f| f.secret.as_ref() == Some(group))
        {
            if let Some(text) = content.get(&field.name) {
                let value = content_value(field, group, text, &uri_path)?;
                object.insert(field.name.clone(), value);
            }
        }
    }
    for field in &shape.fields {
        if let Some(inner) = field.kind.object()
            && field.secret.is_none()
            && let Some(value) = object.get_mut(&field.name)
        {
            let field_path = path.key(&field.name);
            for_each_object(&field.kind, value, &field_path, &mut |o, p| {
                resolve_object(inner, o, resolver, p)
            })?;
        }
    }
    Ok(())
}

/// A secret content string as a value of the field's kind. Errors never quote the value.
fn content_value(field: &Field, group: &str, text: &str, path: &Path) -> Result<Value, Error> {
    let malformed = |message: &str| {
        Error::new(
            path.clone(),
            ErrorKind::SecretMalformed {
                group: group.to_owned(),
                key: field.name.clone(),
                message: message.to_owned(),
            },
        )
    };
    match &field.kind {
        Kind::String | Kind::SecretUri => Ok(Value::String(text.to_owned())),
        Kind::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(malformed("expected \"true\" or \"false\"")),
        },
        Kind::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| malformed("expected an integer")),
        _ => serde_json::from_str(text).map_err(|_| malformed("expected JSON text")),
    }
}

/// A value's JSON type, for messages that must not show the value itself.
pub(crate) fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
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
        let target = self
            .secrets
            .get(slot)
            .ok_or_else(|| Error::custom(Path::root(), format!("no secret slot {slot}")))?;
        let (shape, object) = locate(&self.shape, &mut self.object, target.path.segments())
            .ok_or_else(|| Error::custom(target.path.clone(), "secret slot points to no object"))?;
        let key = shape
            .fields
            .iter()
            .find(|f| f.secret_uri.as_deref() == Some(target.group.as_str()))
            .map(|f| f.name.clone())
            .unwrap_or_else(|| format!("secret-{}", target.group));
        object.insert(key, Value::String(uri.to_string()));
        Ok(())
    }

    /// The plaintext databag.
    pub fn into_bag(self) -> Bag {
        crate::wire::object_to_bag(&self.shape, &self.object)
    }
}

/// The object at `segments` inside `object`, with its shape.
fn locate<'a>(
    shape: &'a Shape,
    object: &'a mut Object,
    segments: &[Segment],
) -> Option<(&'a Shape, &'a mut Object)> {
    match segments.split_first() {
        None => Some((shape, object)),
        Some((Segment::Key(key), rest)) => {
            let field = shape.field(key)?;
            descend(&field.kind, object.get_mut(key)?, rest)
        }
        Some((Segment::Index(_), _)) => None,
    }
}

/// The object at `segments` inside a value of `kind`.
fn descend<'a>(
    kind: &'a Kind,
    value: &'a mut Value,
    segments: &[Segment],
) -> Option<(&'a Shape, &'a mut Object)> {
    match (kind, value, segments.split_first()) {
        (Kind::Object(inner), Value::Object(map), _) => locate(inner, map, segments),
        (Kind::List(item), Value::Array(items), Some((Segment::Index(i), rest))) => {
            descend(item, items.get_mut(*i)?, rest)
        }
        (Kind::Map(item), Value::Object(map), Some((Segment::Key(key), rest))) => {
            descend(item, map.get_mut(key)?, rest)
        }
        _ => None,
    }
}

/// The label the reference library gives a v1 secret:
/// `<endpoint>.<relation-id>.<request-id>.<group>.secret`.
pub fn label_v1(endpoint: &str, relation_id: u32, request_id: &str, group: &str) -> String {
    format!("{endpoint}.{relation_id}.{request_id}.{group}.secret")
}

/// The label the reference library gives a v0 secret: `<endpoint>.<relation-id>.<group>.secret`.
pub fn label_v0(endpoint: &str, relation_id: u32, group: &str) -> String {
    format!("{endpoint}.{relation_id}.{group}.secret")
}

/// The parts of a secret label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Endpoint (relation) name.
    pub endpoint: String,
    /// Relation id.
    pub relation_id: u32,
    /// Request id (v1 labels only).
    pub request_id: Option<String>,
    /// Secret group.
    pub group: String,
}

impl Label {
    /// Parses a label of [`label_v1`] or [`label_v0`] form.
    pub fn parse(label: &str) -> Option<Label> {
        let parts: Vec<&str> = label.split('.').collect();
        let (endpoint, relation, request, group) = match parts.as_slice() {
            [e, r, g, "secret"] => (*e, *r, None, *g),
            [e, r, q, g, "secret"] => (*e, *r, Some(*q), *g),
            _ => return None,
        };
        Some(Label {
            endpoint: endpoint.to_owned(),
            relation_id: relation.parse().ok()?,
            request_id: request.map(str::to_owned),
            group: group.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        for good in [
            "secret:d2fjn1fmp25004or68b0",
            "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0",
            "secret:4031f1c2-0a8e-4a43-9b8e-7f5a7d1c2b3a",
        ] {
            let uri = SecretUri::parse(good).expect(good);
            assert!(!uri.id().is_empty());
        }
        let uri = SecretUri::parse("secret://model/abc").expect("valid");
        assert_eq!((uri.model(), uri.id()), (Some("model"), "abc"));
        for bad in [
            "xsecret:abc",
            "foo secret:x",
            "notasecret",
            "",
            "secret:",
            "secret:a b",
            "secret://m/",
        ] {
            assert!(SecretUri::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn secret_never_prints() {
        let secret = Secret::new(String::from("hunter2"));
        assert_eq!(
            format!("{secret:?} {secret}"),
            "Secret([REDACTED]) [REDACTED]"
        );
        assert_eq!(secret.expose_secret(), "hunter2");
    }

    #[test]
    fn labels_round_trip() {
        let label = label_v1("valkey-client", 0, "836763deea236532", "user");
        assert_eq!(label, "valkey-client.0.836763deea236532.user.secret");
        assert_eq!(
            Label::parse(&label).map(|l| l.request_id),
            Some(Some("836763deea236532".into()))
        );
        assert_eq!(
            label_v0("valkey-client", 0, "tls"),
            "valkey-client.0.tls.secret"
        );
        assert_eq!(
            Label::parse("valkey-client.0.tls.secret").map(|l| l.group),
            Some("tls".into())
        );
        assert_eq!(Label::parse("a.b.c"), None);
    }
}
