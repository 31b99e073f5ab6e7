//! The validated interface model: what a spec file means once loaded and checked. Every emitter
//! and every CLI command reads this, never the YAML.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

mod shape;
#[cfg(test)]
pub(crate) mod test_support;
mod validate;

/// The validator's enumerations, quoted by the spec format reference (`spec::format`).
#[cfg(test)]
pub(crate) use validate::{PROTOCOLS, STATUSES, TYPE_SYNTAX};

pub use shape::doc_lines;

/// One interface at one version (`valkey_client` v1), validated and normalized.
#[derive(Clone, Debug, PartialEq)]
pub struct Interface {
    /// The spec file it was loaded from, as given (used in headers and messages).
    pub source: PathBuf,
    /// Interface name (`valkey_client`).
    pub name: String,
    /// Interface version (`1`).
    pub version: u32,
    /// Lifecycle status in the catalogue (`draft`, `published`, `retired`).
    pub status: String,
    /// Maintaining team, if stated.
    pub maintainer: Option<String>,
    /// Human title (`Valkey client`), if stated.
    pub title: Option<String>,
    /// One-line summary, if stated.
    pub summary: Option<String>,
    /// The document's "Usage" section.
    pub usage: Option<String>,
    /// The document's "Direction" section.
    pub direction: Option<String>,
    /// The document's general "Behavior" section.
    pub behavior: Option<String>,
    /// Charms known to provide it.
    pub providers: Vec<Charm>,
    /// Charms known to require it.
    pub requirers: Vec<Charm>,
    /// The key whose value tells wire versions apart (`version`), when a role has several.
    pub version_key: Option<String>,
    /// Secret groups, in declaration order.
    pub secret_groups: Vec<SecretGroup>,
    /// Named objects (used as `list<request>` etc.), in declaration order.
    pub objects: Vec<Object>,
    /// The roles: requirer first, then provider.
    pub roles: Vec<Role>,
    /// The relation protocol the spec follows, when it declares one.
    pub protocol: Option<Protocol>,
}

/// The relation protocol of a spec (`protocol: data-interfaces`): the relation engine of the
/// runtime (`databag::relation`) runs both roles' flows from the generated types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protocol {
    /// The requirer's v0 key carrying the resource (`database`, `topic`).
    pub v0_resource_key: String,
    /// What each release of the reference library writes, when the spec says.
    pub writers: Option<Writers>,
}

/// The byte-exact writer profiles of a protocol (spec key `writers`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Writers {
    /// The profile used when the charm picks none.
    pub default: String,
    /// Padding values other than `null`: key, JSON text.
    pub pad_values: Vec<(String, String)>,
    /// Keys of the flat v0 answer written under a second spelling too: key, second spelling.
    pub v0_duplicates: Vec<(String, String)>,
    /// The profiles, in declaration order.
    pub profiles: Vec<WriterProfile>,
}

/// One release's writer: the key order of request and response objects, padding included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriterProfile {
    /// The release (`1.0.2`).
    pub name: String,
    /// Keys of a request object, in the order written.
    pub request: Vec<String>,
    /// Keys of a response object, in the order written.
    pub response: Vec<String>,
}

/// A charm in the catalogue's providers/requirers lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charm {
    /// Charm name.
    pub name: String,
    /// Source repository URL.
    pub url: Option<String>,
}

/// A group of secret fields stored together in one Juju Secret (`user`, `tls`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretGroup {
    /// Group name; the databag key of its URI is `secret-<name>`.
    pub name: String,
    /// What the group holds.
    pub description: Option<String>,
}

/// A named layout of keys: a databag, or an object inside a JSON-encoded value.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// Name in the spec (`response`); the Rust type name is its PascalCase (`Response`).
    pub name: String,
    /// The Rust type name.
    pub rust_name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Whether unknown keys are kept for round trips.
    pub keeps_unknown: bool,
    /// Fields in declaration order.
    pub fields: Vec<Field>,
}

/// One key of an [`Object`].
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Wire name (`read-only-endpoints`).
    pub name: String,
    /// Rust field name (`read_only_endpoints`).
    pub rust_name: String,
    /// Extra spellings accepted on read.
    pub aliases: Vec<String>,
    /// Value type.
    pub ty: Type,
    /// Whether the key must be present.
    pub required: bool,
    /// Whether the value is JSON-encoded in a databag.
    pub json: bool,
    /// Secret group holding the value, if any.
    pub secret: Option<String>,
    /// Secret group whose URI this field carries, if any.
    pub secret_uri: Option<String>,
    /// The only accepted value, if any.
    pub constant: Option<String>,
    /// A regular expression every value must match, if any (it compiles: checked).
    pub pattern: Option<String>,
    /// Title, if any.
    pub title: Option<String>,
    /// Description, if any.
    pub description: Option<String>,
    /// Examples as written in the spec (strings; JSON text for non-string types).
    pub examples: Vec<String>,
}

/// The type of a [`Field`], as written in the spec (`string`, `list<request>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// `string`
    String,
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `secret-uri`
    SecretUri,
    /// `any`: any JSON value.
    Any,
    /// `list<T>`
    List(Box<Type>),
    /// `map<T>`: string keys.
    Map(Box<Type>),
    /// The name of an object of [`Interface::objects`].
    Object(String),
}

/// Which side of the relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoleKind {
    /// The charm that asks (application charm).
    Requirer,
    /// The charm that answers (the Valkey charm).
    Provider,
}

impl std::fmt::Display for RoleKind {
    /// `requirer` or `provider`, as the spec spells them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RoleKind::Requirer => "requirer",
            RoleKind::Provider => "provider",
        })
    }
}

/// One side of the relation with its wire versions.
#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    /// Which side.
    pub kind: RoleKind,
    /// Description, if any.
    pub description: Option<String>,
    /// The document's behaviour bullet points for this side.
    pub behavior: Vec<String>,
    /// Wire versions in declaration order.
    pub versions: Vec<WireVersion>,
}

/// One wire version of one role's databags.
#[derive(Clone, Debug, PartialEq)]
pub struct WireVersion {
    /// `v0`, `v1`.
    pub name: String,
    /// How the version key's value selects this version.
    pub selector: databag::Selector,
    /// The application databag; its `name` is `app`, its `rust_name` e.g. `RequirerAppData`.
    pub app: Object,
    /// The unit databag, if the spec declares one.
    pub unit: Option<Object>,
    /// The document's example databags for this version.
    pub example: Option<Example>,
}

/// Example databags as the document shows them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Example {
    /// Application databag.
    pub app: BTreeMap<String, String>,
    /// Unit databag.
    pub unit: BTreeMap<String, String>,
}

impl RoleKind {
    /// `requirer` or `provider`.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Requirer => "requirer",
            RoleKind::Provider => "provider",
        }
    }
}

impl Interface {
    /// The role of the given kind, if the spec declares it.
    pub fn role(&self, kind: RoleKind) -> Option<&Role> {
        self.roles.iter().find(|r| r.kind == kind)
    }

    /// The named object, if declared.
    pub fn object(&self, name: &str) -> Option<&Object> {
        self.objects.iter().find(|o| o.name == name)
    }
}

impl Object {
    /// The field whose wire name or one of whose aliases is `key`.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name == key || f.aliases.iter().any(|a| a == key))
    }
}

impl Type {
    /// The object this type names, directly or as list/map items.
    pub fn object_name(&self) -> Option<&str> {
        match self {
            Type::Object(name) => Some(name),
            Type::List(item) | Type::Map(item) => item.object_name(),
            _ => None,
        }
    }

    /// Whether values of this type are written raw in a databag (not as JSON text).
    pub fn is_string_like(&self) -> bool {
        matches!(self, Type::String | Type::SecretUri)
    }
}

/// The spec's spelling: `string`, `secret-uri`, `list<request>`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::SecretUri => f.write_str("secret-uri"),
            Type::Any => f.write_str("any"),
            Type::List(item) => write!(f, "list<{item}>"),
            Type::Map(item) => write!(f, "map<{item}>"),
            Type::Object(name) => f.write_str(name),
        }
    }
}
