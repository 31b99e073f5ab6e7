//! The spec file as written: serde structs mirroring the YAML, before validation. Unknown keys
//! are errors (`deny_unknown_fields`) so a typo never silently drops a setting.

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
    pub interface: String,
    pub version: u32,
    pub status: String,
    pub maintainer: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub usage: Option<String>,
    pub direction: Option<String>,
    pub behavior: Option<String>,
    #[serde(default)]
    pub providers: Vec<RawCharm>,
    #[serde(default)]
    pub requirers: Vec<RawCharm>,
    pub version_key: Option<String>,
    #[serde(default)]
    pub secret_groups: Vec<RawSecretGroup>,
    #[serde(default)]
    pub objects: Ordered<RawObject>,
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
    pub name: String,
    pub rust_name: Option<String>,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub json: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub secret: Option<String>,
    pub secret_uri: Option<String>,
    pub constant: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
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
    pub selected_by: RawSelector,
    pub app: RawObject,
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
    #[serde(default)]
    pub app: Ordered<String>,
    #[serde(default)]
    pub unit: Ordered<String>,
}
