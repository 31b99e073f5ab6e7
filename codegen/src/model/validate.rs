//! Raw spec → validated [`Interface`]: every rule a spec must follow, each problem reported
//! with its `file:line:column`, all of them in one run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use databag::Selector;

use super::{
    Charm, Example, Field, Interface, Object, Role, RoleKind, SecretGroup, Type, WireVersion,
};
use crate::diag::{Diagnostic, Diagnostics};
use crate::spec::locate::Locator;
use crate::spec::raw::{RawField, RawInterface, RawObject, RawSelector, RawVersion};
use crate::spec::yaml;

const STATUSES: [&str; 3] = ["draft", "published", "retired"];

/// Rust keywords (strict and reserved) that cannot be field names without `r#`.
const RUST_KEYWORDS: [&str; 51] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// The name of the field that keeps unknown keys in generated structs.
pub(crate) const UNKNOWN_FIELD: &str = "extra";

impl Interface {
    /// Loads and validates the spec file at `path`. The path is shown as given in messages.
    pub fn load(path: impl AsRef<Path>) -> Result<Interface, Diagnostics> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| {
            let mut diagnostics = Diagnostics::new();
            diagnostics.push(Diagnostic {
                file: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!("cannot read spec file: {error}"),
            });
            diagnostics
        })?;
        Interface::parse(&text, path)
    }

    /// Validates spec `text`, naming it `path` in messages and in the model.
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Interface, Diagnostics> {
        let path = path.as_ref();
        let raw = yaml::parse(text, path)?;
        let mut checker = Checker {
            file: path.to_path_buf(),
            locator: Locator::new(text),
            diagnostics: Diagnostics::new(),
        };
        let interface = checker.interface(raw);
        checker.diagnostics.into_result(interface)
    }
}

struct Checker {
    file: PathBuf,
    locator: Locator,
    diagnostics: Diagnostics,
}

/// What a field needs to know about the rest of the spec.
struct Context<'a> {
    groups: &'a [String],
    objects: &'a [String],
    used_groups: BTreeSet<String>,
}

impl Checker {
    fn error_at(&mut self, (line, column): (usize, usize), message: String) {
        self.diagnostics.push(Diagnostic {
            file: self.file.clone(),
            line,
            column,
            message,
        });
    }

    /// A problem with the value at `path`.
    fn error(&mut self, path: &str, message: impl Into<String>) {
        let position = self.locator.value(path);
        self.error_at(position, message.into());
    }

    /// A problem with the key naming the node at `path`.
    fn error_key(&mut self, path: &str, message: impl Into<String>) {
        let position = self.locator.key(path);
        self.error_at(position, message.into());
    }

    fn interface(&mut self, raw: RawInterface) -> Interface {
        if !is_snake_name(&raw.interface) {
            self.error(
                "interface",
                format!(
                    "invalid interface name {:?} (expected lowercase letters, digits and `_`, \
                     starting with a letter)",
                    raw.interface
                ),
            );
        }
        if !STATUSES.contains(&raw.status.as_str()) {
            self.error(
                "status",
                format!(
                    "unknown status {:?} (expected one of: {})",
                    raw.status,
                    STATUSES.join(", ")
                ),
            );
        }

        let mut groups: Vec<String> = Vec::new();
        for (i, group) in raw.secret_groups.iter().enumerate() {
            let path = format!("secret_groups[{i}].name");
            if !is_group_name(&group.name) {
                self.error(
                    &path,
                    format!(
                        "invalid secret group name {:?} (expected lowercase letters and digits, \
                         words separated by `-`)",
                        group.name
                    ),
                );
            }
            if groups.contains(&group.name) {
                self.error(&path, format!("duplicate secret group {:?}", group.name));
            }
            groups.push(group.name.clone());
        }

        let object_names: Vec<String> = raw.objects.0.iter().map(|(n, _)| n.clone()).collect();
        let mut context = Context {
            groups: &groups,
            objects: &object_names,
            used_groups: BTreeSet::new(),
        };

        let mut objects = Vec::new();
        let mut seen_objects = BTreeSet::new();
        for (name, object) in &raw.objects.0 {
            let path = format!("objects.{name}");
            if !is_snake_name(name) {
                self.error_key(
                    &path,
                    format!(
                        "invalid object name {name:?} (expected lowercase letters, digits and \
                         `_`, starting with a letter)"
                    ),
                );
            }
            if !seen_objects.insert(name.clone()) {
                self.error_key(&path, format!("duplicate object {name:?}"));
            }
            objects.push(self.object(name, &pascal_case(name), object, &path, &mut context));
        }

        let version_key = raw.version_key.clone();
        let mut roles = Vec::new();
        for (name, role) in &raw.roles.0 {
            let path = format!("roles.{name}");
            let kind = match name.as_str() {
                "requirer" => RoleKind::Requirer,
                "provider" => RoleKind::Provider,
                other => {
                    self.error_key(
                        &path,
                        format!("unknown role {other:?} (expected one of: requirer, provider)"),
                    );
                    continue;
                }
            };
            if roles.iter().any(|r: &Role| r.kind == kind) {
                self.error_key(&path, format!("duplicate role {name:?}"));
                continue;
            }
            if role.versions.0.is_empty() {
                self.error_key(
                    &path,
                    format!("role {name:?} declares no wire version (expected `versions:`)"),
                );
            }
            if role.versions.0.len() > 1 && version_key.is_none() {
                self.error_key(
                    &format!("{path}.versions"),
                    format!(
                        "role {name:?} has several wire versions but the spec sets no \
                         `version_key` to tell them apart"
                    ),
                );
            }
            let mut versions = Vec::new();
            for (version_name, version) in &role.versions.0 {
                let version_path = format!("{path}.versions.{version_name}");
                if let Some(v) =
                    self.version(kind, version_name, version, &version_path, &mut context)
                {
                    if versions.iter().any(|w: &WireVersion| w.name == v.name) {
                        self.error_key(
                            &version_path,
                            format!("duplicate wire version {version_name:?}"),
                        );
                    }
                    versions.push(v);
                }
            }
            self.check_selectors(&versions, &path);
            roles.push(Role {
                kind,
                description: role.description.clone(),
                behavior: role.behavior.clone(),
                versions,
            });
        }
        if roles.is_empty() {
            self.error_key(
                "roles",
                "the spec declares no role (expected requirer and/or provider)",
            );
        }
        // Requirer first, then provider, whatever the file's order.
        roles.sort_by_key(|r| r.kind);

        for (i, group) in groups.iter().enumerate() {
            if !context.used_groups.contains(group) {
                self.error(
                    &format!("secret_groups[{i}].name"),
                    format!("secret group {group:?} is declared but no field uses it"),
                );
            }
        }

        Interface {
            source: self.file.clone(),
            name: raw.interface,
            version: raw.version,
            status: raw.status,
            maintainer: raw.maintainer,
            title: raw.title,
            summary: raw.summary,
            usage: raw.usage,
            direction: raw.direction,
            behavior: raw.behavior,
            providers: raw.providers.into_iter().map(charm).collect(),
            requirers: raw.requirers.into_iter().map(charm).collect(),
            version_key,
            secret_groups: raw
                .secret_groups
                .into_iter()
                .map(|g| SecretGroup {
                    name: g.name,
                    description: g.description,
                })
                .collect(),
            objects,
            roles,
        }
    }

    fn version(
        &mut self,
        role: RoleKind,
        name: &str,
        raw: &RawVersion,
        path: &str,
        context: &mut Context<'_>,
    ) -> Option<WireVersion> {
        let valid_name = name
            .strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !valid_name {
            self.error_key(
                path,
                format!("invalid wire version name {name:?} (expected `v` and a number: v0, v1)"),
            );
        }
        let selector = self.selector(&raw.selected_by, &format!("{path}.selected_by"))?;
        let role_name = pascal_case(role.as_str());
        let app = self.object(
            "app",
            &format!("{role_name}AppData"),
            &raw.app,
            &format!("{path}.app"),
            context,
        );
        let unit = raw.unit.as_ref().map(|unit| {
            self.object(
                "unit",
                &format!("{role_name}UnitData"),
                unit,
                &format!("{path}.unit"),
                context,
            )
        });
        let example = raw.example.as_ref().map(|example| {
            self.example_keys(&example.app.0, &app, &format!("{path}.example.app"));
            if let Some(unit) = &unit {
                self.example_keys(&example.unit.0, unit, &format!("{path}.example.unit"));
            } else if let Some((key, _)) = example.unit.0.first() {
                self.error_key(
                    &format!("{path}.example.unit.{key}"),
                    "example unit databag, but the version declares no `unit` databag",
                );
            }
            Example {
                app: example.app.0.iter().cloned().collect::<BTreeMap<_, _>>(),
                unit: example.unit.0.iter().cloned().collect::<BTreeMap<_, _>>(),
            }
        });
        Some(WireVersion {
            name: name.to_owned(),
            selector,
            app,
            unit,
            example,
        })
    }

    fn example_keys(&mut self, entries: &[(String, String)], object: &Object, path: &str) {
        for (key, _) in entries {
            let known = object
                .fields
                .iter()
                .any(|f| &f.name == key || f.aliases.contains(key));
            if !known {
                self.error_key(
                    &format!("{path}.{key}"),
                    format!("example key {key:?} is not a field of this databag"),
                );
            }
        }
    }

    fn selector(&mut self, raw: &RawSelector, path: &str) -> Option<Selector> {
        match (&raw.value, raw.other, raw.or_absent) {
            (Some(value), false, false) => Some(Selector::Value(value.clone())),
            (Some(value), false, true) => Some(Selector::ValueOrAbsent(value.clone())),
            (None, true, false) => Some(Selector::Other),
            _ => {
                self.error(
                    path,
                    "invalid `selected_by` (expected `{value: v1}`, `{value: v0, or_absent: \
                     true}` or `{other: true}`)",
                );
                None
            }
        }
    }

    fn check_selectors(&mut self, versions: &[WireVersion], role_path: &str) {
        let mut values = BTreeSet::new();
        let (mut other, mut absent) = (false, false);
        for version in versions {
            let path = format!("{role_path}.versions.{}.selected_by", version.name);
            match &version.selector {
                Selector::Value(v) | Selector::ValueOrAbsent(v) => {
                    if !values.insert(v.clone()) {
                        self.error(
                            &path,
                            format!("version value {v:?} already selects another wire version"),
                        );
                    }
                }
                Selector::Other => {}
            }
            let takes_absent = matches!(version.selector, Selector::ValueOrAbsent(_));
            if takes_absent && absent {
                self.error(
                    &path,
                    "two wire versions are selected by an absent version key",
                );
            }
            absent |= takes_absent;
            if matches!(version.selector, Selector::Other) {
                if other {
                    self.error(&path, "two wire versions are selected by `other: true`");
                }
                other = true;
            }
        }
    }

    fn object(
        &mut self,
        name: &str,
        rust_name: &str,
        raw: &RawObject,
        path: &str,
        context: &mut Context<'_>,
    ) -> Object {
        if raw.fields.is_empty() {
            self.error_key(
                path,
                format!("`{name}` declares no field (expected `fields:`)"),
            );
        }
        let mut fields = Vec::new();
        let mut wire_names: BTreeMap<String, usize> = BTreeMap::new();
        let mut rust_names: BTreeSet<String> = BTreeSet::new();
        for (i, raw_field) in raw.fields.iter().enumerate() {
            let field_path = format!("{path}.fields[{i}]");
            let field = self.field(raw_field, &field_path, context);
            let mut duplicate_wire = false;
            for spelling in std::iter::once(&field.name).chain(&field.aliases) {
                if let Some(first) = wire_names.insert(spelling.clone(), i) {
                    duplicate_wire = true;
                    self.error(
                        &format!("{field_path}.name"),
                        format!(
                            "duplicate wire name {spelling:?} (already used by fields[{first}])"
                        ),
                    );
                }
            }
            let duplicate_rust = !rust_names.insert(field.rust_name.clone())
                || (raw.keeps_unknown && field.rust_name == UNKNOWN_FIELD);
            // Two equal wire names also collide in Rust; one message is enough.
            if duplicate_rust && !duplicate_wire {
                self.error(
                    &format!("{field_path}.name"),
                    format!(
                        "duplicate Rust field name `{}` (set `rust_name:` to another name)",
                        field.rust_name
                    ),
                );
            }
            fields.push(field);
        }
        // A secret value is useless to the peer without the URI of its secret.
        for (i, field) in fields.iter().enumerate() {
            if let Some(group) = &field.secret
                && context.groups.contains(group)
            {
                let carried = fields.iter().any(|f| f.secret_uri.as_ref() == Some(group));
                if !carried {
                    self.error(
                        &format!("{path}.fields[{i}].secret"),
                        format!(
                            "secret group {group:?} has no field carrying its URI here (expected \
                             a field `secret-{group}` with `secret_uri: {group}`)"
                        ),
                    );
                }
            }
        }
        Object {
            name: name.to_owned(),
            rust_name: rust_name.to_owned(),
            description: raw.description.clone(),
            keeps_unknown: raw.keeps_unknown,
            fields,
        }
    }

    fn field(&mut self, raw: &RawField, path: &str, context: &mut Context<'_>) -> Field {
        if !is_wire_name(&raw.name) {
            self.error(
                &format!("{path}.name"),
                format!(
                    "invalid field name {:?} (expected lowercase letters and digits, words \
                     separated by `-` or `_`)",
                    raw.name
                ),
            );
        }
        for (i, alias) in raw.aliases.iter().enumerate() {
            if !is_wire_name(alias) {
                self.error(
                    &format!("{path}.aliases[{i}]"),
                    format!("invalid alias {alias:?} (expected a field name)"),
                );
            }
        }
        let rust_name = match &raw.rust_name {
            Some(name) => {
                if !is_snake_name(name) || RUST_KEYWORDS.contains(&name.as_str()) {
                    self.error(
                        &format!("{path}.rust_name"),
                        format!("invalid Rust field name {name:?} (expected a snake_case identifier that is not a keyword)"),
                    );
                }
                name.clone()
            }
            None => {
                let name = raw.name.replace('-', "_");
                if RUST_KEYWORDS.contains(&name.as_str()) {
                    self.error(
                        &format!("{path}.name"),
                        format!(
                            "field name {:?} is a Rust keyword (set `rust_name:`, e.g. `{name}_`)",
                            raw.name
                        ),
                    );
                }
                name
            }
        };
        let ty = match parse_type(&raw.ty) {
            Some(ty) => {
                if let Some(object) = ty.object_name()
                    && !context.objects.iter().any(|o| o == object)
                {
                    let known = if context.objects.is_empty() {
                        "none declared".to_owned()
                    } else {
                        format!("expected one of: {}", context.objects.join(", "))
                    };
                    self.error(
                        &format!("{path}.type"),
                        format!("unknown type or object {object:?} ({known})"),
                    );
                }
                ty
            }
            None => {
                self.error(
                    &format!("{path}.type"),
                    format!(
                        "invalid type {:?} (expected string, bool, int, secret-uri, any, \
                         list<T>, map<T> or an object name)",
                        raw.ty
                    ),
                );
                Type::Any
            }
        };
        for (key, group) in [("secret", &raw.secret), ("secret_uri", &raw.secret_uri)] {
            if let Some(group) = group {
                context.used_groups.insert(group.clone());
                if !context.groups.contains(group) {
                    self.error(
                        &format!("{path}.{key}"),
                        format!(
                            "unknown secret group {group:?} (expected one of: {})",
                            context.groups.join(", ")
                        ),
                    );
                }
            }
        }
        if raw.secret.is_some() {
            let conflicts = [
                ("required", raw.required, "a secret may be absent"),
                (
                    "json",
                    raw.json,
                    "secret content is never JSON-encoded in the databag",
                ),
                (
                    "constant",
                    raw.constant.is_some(),
                    "a constant is not secret",
                ),
                (
                    "aliases",
                    !raw.aliases.is_empty(),
                    "secret content keys have one spelling",
                ),
                (
                    "secret_uri",
                    raw.secret_uri.is_some(),
                    "a field carries a value or a URI, not both",
                ),
            ];
            for (key, present, why) in conflicts {
                if present {
                    self.error_key(
                        &format!("{path}.{key}"),
                        format!("`{key}` cannot be combined with `secret` ({why})"),
                    );
                }
            }
            if !is_content_key(&raw.name) {
                self.error(
                    &format!("{path}.name"),
                    format!(
                        "secret field name {:?} is not a valid Juju secret content key (expected \
                         at least 3 lowercase letters or digits, starting with a letter, single \
                         `-` between them)",
                        raw.name
                    ),
                );
            }
        }
        if raw.secret_uri.is_some() && ty != Type::SecretUri {
            self.error(
                &format!("{path}.type"),
                format!(
                    "a `secret_uri` field must have type secret-uri, found {:?}",
                    raw.ty
                ),
            );
        }
        if raw.constant.is_some() && ty != Type::String {
            self.error(
                &format!("{path}.constant"),
                format!("`constant` needs type string, found {:?}", raw.ty),
            );
        }
        if !ty.is_string_like() {
            for (i, example) in raw.examples.iter().enumerate() {
                if let Err(error) = serde_json::from_str::<serde_json::Value>(example) {
                    self.error(
                        &format!("{path}.examples[{i}]"),
                        format!("example of a {} field must be JSON text: {error}", raw.ty),
                    );
                }
            }
        }
        Field {
            name: raw.name.clone(),
            rust_name,
            aliases: raw.aliases.clone(),
            ty,
            required: raw.required,
            json: raw.json,
            secret: raw.secret.clone(),
            secret_uri: raw.secret_uri.clone(),
            constant: raw.constant.clone(),
            title: raw.title.clone(),
            description: raw.description.clone(),
            examples: raw.examples.clone(),
        }
    }
}

fn charm(raw: crate::spec::raw::RawCharm) -> Charm {
    Charm {
        name: raw.name,
        url: raw.url,
    }
}

/// Parses `string`, `list<request>`, `map<any>`, ... ; `None` when malformed.
fn parse_type(text: &str) -> Option<Type> {
    let text = text.trim();
    let generic = |prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('<'))
            .and_then(|rest| rest.strip_suffix('>'))
    };
    if let Some(inner) = generic("list") {
        return parse_type(inner).map(|t| Type::List(Box::new(t)));
    }
    if let Some(inner) = generic("map") {
        return parse_type(inner).map(|t| Type::Map(Box::new(t)));
    }
    Some(match text {
        "string" => Type::String,
        "bool" => Type::Bool,
        "int" => Type::Int,
        "secret-uri" => Type::SecretUri,
        "any" => Type::Any,
        name if is_snake_name(name) => Type::Object(name.to_owned()),
        _ => return None,
    })
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

    /// Whether values of this type are written raw (not as JSON text).
    pub fn is_string_like(&self) -> bool {
        matches!(self, Type::String | Type::SecretUri)
    }
}

/// `valkey_client`, `response`.
fn is_snake_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

/// Wire names: `read-only-endpoints`, `sentinel_endpoints`.
fn is_wire_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.split(['-', '_']).all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Secret group names: `user`, `requested-entity`.
fn is_group_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Juju secret content keys: `^[a-z](?:-?[a-z0-9]){2,}$`.
fn is_content_key(name: &str) -> bool {
    is_group_name(name) && name.chars().filter(|c| *c != '-').count() >= 3
}

/// `response` → `Response`, `requirer` → `Requirer`, `tls_info` → `TlsInfo`.
pub(crate) fn pascal_case(name: &str) -> String {
    name.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_types() {
        assert_eq!(parse_type("string"), Some(Type::String));
        assert_eq!(
            parse_type("list<request>"),
            Some(Type::List(Box::new(Type::Object("request".into()))))
        );
        assert_eq!(parse_type("map<any>"), Some(Type::Map(Box::new(Type::Any))));
        assert_eq!(parse_type("list<"), None);
        assert_eq!(parse_type("lst<string>"), None);
    }

    #[test]
    fn names() {
        assert!(is_content_key("tls-ca"));
        assert!(!is_content_key("ca"));
        assert!(!is_content_key("tls_ca"));
        assert!(is_wire_name("sentinel_endpoints"));
        assert!(!is_wire_name("Read-only"));
        assert!(!is_wire_name("a--b"));
        assert_eq!(pascal_case("response"), "Response");
    }

    #[test]
    fn loads_the_valkey_spec() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/valkey_client/v1.yaml");
        let interface = match Interface::load(path) {
            Ok(interface) => interface,
            Err(diagnostics) => panic!("{diagnostics}"),
        };
        assert_eq!(interface.name, "valkey_client");
        assert_eq!(interface.roles.len(), 2);
        let provider = interface.role(RoleKind::Provider).expect("provider role");
        assert_eq!(provider.versions.len(), 2);
        assert_eq!(provider.versions[0].selector, Selector::Other);
        let response = interface.object("response").expect("response object");
        let tls = response
            .fields
            .iter()
            .find(|f| f.name == "tls")
            .expect("tls field");
        assert_eq!(tls.secret.as_deref(), Some("tls"));
        assert_eq!(tls.ty, Type::Bool);
        assert_eq!(
            interface.roles[0].versions[0].app.rust_name,
            "RequirerAppData"
        );
    }
}
