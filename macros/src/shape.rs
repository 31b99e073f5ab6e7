//! Runtime description of a databag's layout: the one model that encoding, secret routing and
//! JSON Schema all read.
//!
//! `#[derive(Databag)]` builds a [`Shape`] from a struct's fields and attributes; the code
//! generator builds the same [`Shape`] from a spec file, so its `validate` and `resolve` commands
//! apply exactly the wire rules the typed bindings apply.

use std::sync::Arc;

/// The layout of one object: a whole databag, or one JSON object inside a JSON-encoded value
/// (a request or a response of the v1 `requests` list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Name of the type this shape describes (the Rust type, or the spec's object name).
    pub name: String,
    /// Title for the JSON Schema, if any.
    pub title: Option<String>,
    /// Description for the JSON Schema and docs, if any.
    pub description: Option<String>,
    /// Declared fields, in declaration order (the order in which they are written).
    pub fields: Vec<Field>,
    /// Whether keys that match no field are kept (a `flatten` field), so they survive a round
    /// trip; when `false` they are accepted and ignored on read (never an error: Juju writes
    /// undeclared keys into unit databags), so a write-back does not carry them.
    pub keeps_unknown: bool,
}

/// One declared key of a [`Shape`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Key on the wire (`read-only-endpoints`). For a secret field, the key in the secret's
    /// content.
    pub name: String,
    /// Extra spellings accepted on read, in precedence order after [`Field::name`]
    /// (`sentinel_endpoints`). Never written.
    pub aliases: Vec<String>,
    /// The value's type.
    pub kind: Kind,
    /// Whether the key must be present (non-`Option` fields without `default`).
    pub required: bool,
    /// Whether the value is JSON text when it stands in a databag: always for a list, a map,
    /// an object or any JSON (`requests`, `requested-secrets`), and for a string declared
    /// `json` (written as a JSON string). Only affects databag-level keys and the schema.
    pub json: bool,
    /// The secret group whose Juju Secret carries this field's value (`user`), if any.
    /// Such a field never appears in a plaintext databag.
    pub secret: Option<String>,
    /// The secret group whose URI this field carries (`user` for `secret-user`), if any.
    pub secret_uri: Option<String>,
    /// The only accepted value, if any (`"v1"` for the v1 `version` key).
    pub constant: Option<String>,
    /// A regular expression the value must match (unanchored, as JSON Schema's `pattern`;
    /// anchor it with `^...$`), if any: `^[A-Za-z0-9_-]{1,64}$` for request ids.
    pub pattern: Option<String>,
    /// Title for the JSON Schema, if any.
    pub title: Option<String>,
    /// Description for the JSON Schema and docs, if any.
    pub description: Option<String>,
    /// Example values as written in the source: used verbatim for string-like kinds, parsed as
    /// JSON for the others (`"true"`, `"[\"username\"]"`).
    pub examples: Vec<String>,
}

/// The type of a [`Field`]'s value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    String,
    /// A boolean; `"true"` / `"false"` in a databag or a secret's content.
    Bool,
    /// A signed integer (`i64`).
    Integer,
    /// A non-negative integer (`u64`): decimal text in a databag, a JSON number inside JSON
    /// values, exact over the whole range (beyond 2^53 a JavaScript reader would round it).
    Unsigned,
    /// A Juju secret URI (`secret:ID` or `secret://MODEL/ID`).
    SecretUri,
    /// Any JSON value.
    Any,
    /// A JSON array of the given kind.
    List(Box<Kind>),
    /// A JSON object with string keys and values of the given kind.
    Map(Box<Kind>),
    /// A nested object with a layout of its own.
    Object(Arc<Shape>),
}

/// How the value of a [`Versions`] tag key selects a variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// The tag has exactly this value.
    Value(String),
    /// The tag has this value or is absent (`version` absent or `"v0"` selects v0).
    ValueOrAbsent(String),
    /// Any value not selected by another variant, or an absent tag (the v0 provider answer,
    /// whose `version` is the server version).
    Other,
}

/// One wire version of a databag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Name of the version (`v0`, `v1`).
    pub name: String,
    /// Which tag values select it.
    pub selector: Selector,
    /// Its layout.
    pub shape: Arc<Shape>,
}

/// A databag with several wire versions, told apart by the value of one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versions {
    /// The discriminating key (`version`).
    pub tag: String,
    /// The versions, in declaration order.
    pub variants: Vec<Variant>,
}

impl Shape {
    /// An empty shape named `name`, keeping no unknown keys.
    pub fn new(name: impl Into<String>) -> Self {
        Shape {
            name: name.into(),
            title: None,
            description: None,
            fields: Vec::new(),
            keeps_unknown: false,
        }
    }

    /// The field whose wire name or one of whose aliases is `key`.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name == key || f.aliases.iter().any(|a| a == key))
    }

    /// Secret groups used by this shape and the shapes nested in it, each with the wire names
    /// of its fields, in first-use order.
    pub fn secret_groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        self.collect_groups(&mut groups);
        groups
    }

    fn collect_groups(&self, groups: &mut Vec<(String, Vec<String>)>) {
        for field in &self.fields {
            if let Some(group) = &field.secret {
                match groups.iter_mut().find(|(g, _)| g == group) {
                    Some((_, names)) => {
                        if !names.contains(&field.name) {
                            names.push(field.name.clone());
                        }
                    }
                    None => groups.push((group.clone(), vec![field.name.clone()])),
                }
            }
            if let Some(shape) = field.kind.object() {
                shape.collect_groups(groups);
            }
        }
    }
}

impl Field {
    /// A field with wire name `name` and kind `kind`; optional, plain, no docs.
    pub fn new(name: impl Into<String>, kind: Kind) -> Self {
        Field {
            name: name.into(),
            aliases: Vec::new(),
            kind,
            required: false,
            json: false,
            secret: None,
            secret_uri: None,
            constant: None,
            pattern: None,
            title: None,
            description: None,
            examples: Vec::new(),
        }
    }
}

impl Kind {
    /// The object shape this kind holds, directly or as list or map items.
    pub fn object(&self) -> Option<&Arc<Shape>> {
        match self {
            Kind::Object(shape) => Some(shape),
            Kind::List(item) | Kind::Map(item) => item.object(),
            _ => None,
        }
    }

    /// Whether a value of this kind is written raw (not JSON-encoded) in a databag.
    pub fn is_string_like(&self) -> bool {
        matches!(self, Kind::String | Kind::SecretUri)
    }
}

impl Versions {
    /// The variant selected by a tag value (`None`: the tag key is absent).
    pub fn select(&self, tag: Option<&str>) -> Option<&Variant> {
        let exact = self.variants.iter().find(|v| match (&v.selector, tag) {
            (Selector::Value(want) | Selector::ValueOrAbsent(want), Some(got)) => want == got,
            (Selector::ValueOrAbsent(_), None) => true,
            _ => false,
        });
        exact.or_else(|| {
            self.variants
                .iter()
                .find(|v| matches!(v.selector, Selector::Other))
        })
    }
}
