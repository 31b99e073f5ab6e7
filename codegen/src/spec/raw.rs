//! The spec file as written: serde structs mirroring the YAML, before validation. Unknown keys
//! are errors (`deny_unknown_fields`) so a typo never silently drops a setting.
//!
//! The user reference of these keys is `spec/FORMAT.md`, rendered from `spec::format`, whose
//! tests check it lists exactly the keys these structs accept; `spec/valkey_client/v1.yaml` is
//! the worked example. The rules that tie the keys together are in `model::validate`.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

/// A YAML mapping whose key order matters (objects, versions): declaration order is output
/// order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, T>()? {
                    entries.push((key, value));
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

/// The whole spec file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInterface {
    /// snake_case interface name (`valkey_client`).
    pub interface: String,
    /// Interface version; must match a `v<N>.yaml` file name.
    pub version: u32,
    /// `draft`, `published` or `retired`.
    pub status: String,
    pub maintainer: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// The document's sections, as Markdown.
    pub usage: Option<String>,
    pub direction: Option<String>,
    pub behavior: Option<String>,
    #[serde(default)]
    pub providers: Vec<RawCharm>,
    #[serde(default)]
    pub requirers: Vec<RawCharm>,
    /// The databag key whose value selects a wire version; needed when a role has several.
    pub version_key: Option<String>,
    /// The relation protocol the interface follows (`data-interfaces`): the Rust emitter then
    /// implements the relation engine's `Interface` trait, and the layout rules of that
    /// protocol are checked.
    pub protocol: Option<String>,
    /// Byte-exact writer profiles of the protocol's reference library (needs `protocol`).
    pub writers: Option<RawWriters>,
    /// Each group's fields share one Juju Secret; every group must be used.
    #[serde(default)]
    pub secret_groups: Vec<RawSecretGroup>,
    /// Named objects for JSON values (`list<request>`), in output order.
    #[serde(default)]
    pub objects: Ordered<RawObject>,
    /// `requirer` and/or `provider`.
    pub roles: Ordered<RawRole>,
}

/// `providers[n]` / `requirers[n]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCharm {
    pub name: String,
    pub url: Option<String>,
}

/// `secret_groups[n]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSecretGroup {
    pub name: String,
    pub description: Option<String>,
}

/// `objects.<name>`, and the `app` / `unit` databag of a version.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawObject {
    pub description: Option<String>,
    #[serde(default)]
    pub keeps_unknown: bool,
    #[serde(default)]
    pub fields: Vec<RawField>,
}

/// One entry of `fields`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawField {
    /// Wire name (`read-only-endpoints`); the Rust name is its snake_case.
    pub name: String,
    /// Rust field name, when the wire name's snake_case will not do (a keyword).
    pub rust_name: Option<String>,
    /// `string`, `bool`, `int`, `secret-uri`, `any`, `list<T>`, `map<T>` or an object name.
    #[serde(rename = "type")]
    pub ty: String,
    /// The key must be present (never on secret or secret-uri fields).
    #[serde(default)]
    pub required: bool,
    /// The value is JSON text in the databag: required there for lists, maps, objects and
    /// `any`; on a string, a JSON string; refused on bool, int and secret-uri (one plain form)
    /// and inside an object (already JSON).
    #[serde(default)]
    pub json: bool,
    /// Other spellings accepted on read.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The secret group whose Juju Secret holds the value (never in the databag).
    pub secret: Option<String>,
    /// The secret group whose URI this field carries.
    pub secret_uri: Option<String>,
    /// The only accepted value (string fields).
    pub constant: Option<String>,
    /// A regular expression every value must match (string fields, not secret): checked by
    /// the generated bindings when they decode (`#[databag(pattern = "...")]`, an error naming
    /// the key), written into the JSON Schemas as `"pattern"` and shown in the docs. Matching
    /// is unanchored, as in JSON Schema: anchor with `^...$`. The pattern must compile with
    /// `regex-lite` (what the bindings run) and should stay in the syntax it shares with
    /// ECMA-262 (what JSON Schema validators run): classes, anchors, `{m,n}`, `|`, groups.
    /// The field's examples and example databag values must match it. Request ids use
    /// `^[A-Za-z0-9_-]{1,64}$` (PROTOCOL.md §18.5).
    pub pattern: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Values as the typed model holds them: raw for `string`/`secret-uri`, JSON text else.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// `roles.<requirer|provider>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRole {
    pub description: Option<String>,
    #[serde(default)]
    pub behavior: Vec<String>,
    #[serde(default)]
    pub versions: Ordered<RawVersion>,
}

/// `roles.<role>.versions.<vN>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVersion {
    /// Optional when the role has one wire version (it then takes every databag).
    pub selected_by: Option<RawSelector>,
    /// Absent when the interface defines nothing the role writes in its application databag
    /// (many catalogue interfaces carry data in unit databags only): the bindings then hold an
    /// empty application databag that keeps whatever keys it is given. An `app` that is
    /// written must declare fields.
    pub app: Option<RawObject>,
    pub unit: Option<RawObject>,
    pub example: Option<RawExample>,
}

/// `selected_by`: `{value: v1}`, `{value: v0, or_absent: true}` or `{other: true}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSelector {
    pub value: Option<String>,
    #[serde(default)]
    pub or_absent: bool,
    #[serde(default)]
    pub other: bool,
}

/// `example`: the document's databags.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExample {
    /// Databag keys to string values, as Juju stores them.
    #[serde(default)]
    pub app: Ordered<String>,
    #[serde(default)]
    pub unit: Ordered<String>,
}

/// `writers`: what each release of the protocol's reference library writes, so the relation
/// engine can write the same bytes (PROTOCOL.md §18.1). Only JSON objects inside the v1
/// `requests` lists have an order and padding; a databag itself is an unordered map.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWriters {
    /// The profile written when the charm picks none.
    pub default: String,
    /// The value a reference writer pads a key with when it is not `null`, as JSON text
    /// (`external-node-connectivity: "false"`).
    #[serde(default)]
    pub pad_values: Ordered<String>,
    /// Keys of the flat v0 answer that the reference also writes under a second spelling
    /// (Valkey: `sentinel-endpoints` as `sentinel_endpoints`, PROTOCOL.md §5.2).
    #[serde(default)]
    pub v0_duplicates: Ordered<String>,
    /// The profiles by name (the release: `"1.0.2"`), in order.
    pub profiles: Ordered<RawWriterProfile>,
}

/// `writers.profiles.<release>`: the key order of request and response objects; a listed key
/// the object has no value for is written as padding (`null`, or its `pad_values` entry).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWriterProfile {
    pub request: Vec<String>,
    pub response: Vec<String>,
}
