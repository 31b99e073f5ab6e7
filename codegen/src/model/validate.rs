//! Raw spec → validated [`Interface`]: every rule a spec must follow, each problem reported
//! with its `file:line:column`, all of them in one run.
//!
//! The checks are split by what they look at: this file the interface, its secret groups,
//! objects, roles and wire versions; `fields` one object's fields; `examples` every example
//! against the finished model; `names` and `types` the naming and type syntax rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use databag::Selector;

use super::{Charm, Example, Interface, Object, Role, RoleKind, SecretGroup, WireVersion};
use crate::diag::{Diagnostic, Diagnostics};
use crate::spec::limits::{self, Limits};
use crate::spec::locate::{Locator, Position};
use crate::spec::raw::{RawInterface, RawRole, RawSelector, RawVersion};
use crate::spec::yaml;

mod examples;
mod fields;
mod names;
mod protocol;
mod types;
mod writers;

// Quoted by the spec format reference (`spec::format`), so it says what the validator checks.
#[cfg(test)]
pub(crate) use protocol::PROTOCOLS;
#[cfg(test)]
pub(crate) use types::TYPE_SYNTAX;

use fields::{Level, Place};
pub(crate) use names::STATUSES;
use names::{
    BUILTIN_TYPES, RESERVED_TYPE_NAMES, is_group_name, is_snake_name, is_version_name,
    is_wire_name, pascal_case,
};

impl Interface {
    /// Loads and validates the spec file at `path`. The path is shown as given in messages, so
    /// pass it relative to where the user runs the command (`spec/valkey_client/v1.yaml`).
    ///
    /// ```no_run
    /// let interface = databag_codegen::Interface::load("spec/valkey_client/v1.yaml")
    ///     .unwrap_or_else(|problems| panic!("{problems}"));
    /// assert_eq!(interface.name, "valkey_client");
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Interface, Diagnostics> {
        let path = path.as_ref();
        let fail = |message: String| {
            let mut diagnostics = Diagnostics::new();
            diagnostics.push(Diagnostic {
                file: path.to_path_buf(),
                line: 1,
                column: 1,
                message,
            });
            diagnostics
        };
        // Read no more than the limit allows (a spec may be a pipe or a huge file).
        let bytes = std::fs::File::open(path)
            .and_then(|file| limits::read_bounded(file, &Limits::SPEC))
            .map_err(|error| fail(format!("cannot read spec file: {error}")))?;
        limits::check_size(bytes.len(), &Limits::SPEC)
            .map_err(|exceeded| fail(format!("spec file refused: {exceeded}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|error| fail(format!("cannot read spec file: not UTF-8: {error}")))?;
        Interface::from_str(&text, path)
    }

    /// Validates spec `text`, naming it `path` in messages and in [`Interface::source`].
    ///
    /// Every problem is reported, sorted by position, except that a file YAML or serde cannot
    /// read (a syntax error, an unknown key, a value of the wrong type) yields that one problem:
    /// the other checks need the file's shape to be right.
    pub fn from_str(text: &str, path: impl AsRef<Path>) -> Result<Interface, Diagnostics> {
        let path = path.as_ref();
        // Before anything builds a value: aliases, depth and size within bounds.
        if let Err(exceeded) = limits::check_yaml(text, &Limits::SPEC) {
            let (line, column) = exceeded.position.unwrap_or((1, 1));
            let mut diagnostics = Diagnostics::new();
            diagnostics.push(Diagnostic {
                file: path.to_path_buf(),
                line,
                column,
                message: format!("spec file refused: {exceeded}"),
            });
            return Err(diagnostics);
        }
        let locator = Locator::new(text);
        let mut raw = yaml::parse(text, path, &locator)?;
        crate::spec::text::normalise(&mut raw);
        let mut checker = Checker {
            file: path.to_path_buf(),
            locator,
            diagnostics: Diagnostics::new(),
        };
        let interface = checker.interface(raw);
        checker.examples(&interface);
        checker.diagnostics.into_result(interface)
    }
}

/// The spec side's error accumulator: a problem at a spec path becomes a diagnostic at the
/// path's position.
struct Checker {
    file: PathBuf,
    locator: Locator,
    diagnostics: Diagnostics,
}

/// The spec's `version_key`, and whether its absence is still to be reported.
#[derive(Clone, Copy)]
struct VersionKey<'a> {
    name: Option<&'a str>,
    report_missing: bool,
}

/// What a field needs to know about the rest of the spec.
struct Context<'a> {
    groups: &'a [String],
    objects: &'a [String],
    used_groups: BTreeSet<String>,
}

impl Checker {
    fn error_at(&mut self, (line, column): Position, message: String) {
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

    /// A problem with the key naming the node at `path` (unknown, duplicate, conflicting).
    fn error_key(&mut self, path: &str, message: impl Into<String>) {
        let position = self.locator.key(path);
        self.error_at(position, message.into());
    }

    fn interface(&mut self, raw: RawInterface) -> Interface {
        self.header(&raw);
        let groups = self.secret_groups(&raw);
        let object_names: Vec<String> = raw.objects.0.iter().map(|(n, _)| n.clone()).collect();
        let mut cx = Context {
            groups: &groups,
            objects: &object_names,
            used_groups: BTreeSet::new(),
        };
        let objects = self.objects(&raw, &mut cx);
        // Without a version key, a role with several versions is the one problem to report; a
        // value selector elsewhere is then a consequence, not a second mistake.
        let several_somewhere = raw.roles.0.iter().any(|(_, r)| r.versions.0.len() > 1);
        let keys = VersionKey {
            name: raw.version_key.as_deref(),
            report_missing: !several_somewhere,
        };
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
            roles.push(self.role(kind, role, keys, &mut cx));
        }
        if raw.roles.0.is_empty() {
            self.error_key(
                "roles",
                "the spec declares no role (expected requirer and/or provider)",
            );
        }
        // Requirer first, then provider, whatever the file's order.
        roles.sort_by_key(|r| r.kind);

        for (i, group) in groups.iter().enumerate() {
            if !cx.used_groups.contains(group) {
                self.error(
                    &format!("secret_groups[{i}].name"),
                    format!(
                        "secret group {group:?} is declared but never used (no field has \
                         `secret: {group}` or `secret_uri: {group}`)"
                    ),
                );
            }
        }

        let protocol = self.protocol(&raw, &objects, &roles);
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
            version_key: raw.version_key,
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
            protocol,
        }
    }

    /// `interface`, `version`, `status`, `version_key`.
    fn header(&mut self, raw: &RawInterface) {
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
        // `spec/<interface>/v<N>.yaml`: a copied file whose `version` was not bumped would
        // overwrite the artifacts of the version it was copied from.
        let stem = self.file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if is_version_name(stem) && stem[1..].parse::<u32>().ok() != Some(raw.version) {
            self.error(
                "version",
                format!(
                    "version {} disagrees with the file name {stem:?} (expected version {})",
                    raw.version,
                    &stem[1..]
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
        if let Some(key) = &raw.version_key
            && !is_wire_name(key)
        {
            self.error(
                "version_key",
                format!("invalid version key {key:?} (expected a databag key such as `version`)"),
            );
        }
    }

    fn secret_groups(&mut self, raw: &RawInterface) -> Vec<String> {
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
        groups
    }

    fn objects(&mut self, raw: &RawInterface, cx: &mut Context<'_>) -> Vec<Object> {
        let mut objects = Vec::new();
        let mut rust_names: BTreeMap<String, String> = BTreeMap::new();
        for (name, object) in &raw.objects.0 {
            let path = format!("objects.{name}");
            let rust_name = pascal_case(name);
            if !is_snake_name(name) {
                self.error_key(
                    &path,
                    format!(
                        "invalid object name {name:?} (expected lowercase letters, digits and \
                         `_`, starting with a letter)"
                    ),
                );
            } else if BUILTIN_TYPES.contains(&name.as_str()) {
                self.error_key(
                    &path,
                    format!("object name {name:?} is a built-in type (choose another name)"),
                );
            } else if RESERVED_TYPE_NAMES.contains(&rust_name.as_str()) {
                self.error_key(
                    &path,
                    format!(
                        "object name {name:?} becomes `{rust_name}`, a name the generated code \
                         already uses (choose another name)"
                    ),
                );
            } else if let Some(first) = rust_names.get(&rust_name) {
                let message = if first == name {
                    format!("duplicate object {name:?}")
                } else {
                    format!("object names {first:?} and {name:?} both become `{rust_name}`")
                };
                self.error_key(&path, message);
            } else {
                rust_names.insert(rust_name.clone(), name.clone());
            }
            let place = Place {
                label: &format!("object {name:?}"),
                name,
                rust_name: &rust_name,
                path: &path,
                level: Level::Nested,
            };
            objects.push(self.object(&place, object, cx));
        }
        for (index, field, cycle) in types::cycles(&objects) {
            self.error(
                &format!("objects.{}.fields[{field}].type", objects[index].name),
                format!(
                    "object {:?} contains itself ({}); recursive objects are not supported",
                    objects[index].name,
                    cycle.join(" → ")
                ),
            );
        }
        objects
    }

    fn role(
        &mut self,
        kind: RoleKind,
        raw: &RawRole,
        version_key: VersionKey<'_>,
        cx: &mut Context<'_>,
    ) -> Role {
        let name = kind.as_str();
        let path = format!("roles.{name}");
        let several = raw.versions.0.len() > 1;
        if raw.versions.0.is_empty() {
            self.error_key(
                &path,
                format!("role {name:?} declares no wire version (expected `versions:`)"),
            );
        }
        if several && version_key.name.is_none() {
            self.error_key(
                &format!("{path}.versions"),
                format!(
                    "role {name:?} has several wire versions but the spec sets no `version_key` \
                     to tell them apart"
                ),
            );
        }
        let mut versions: Vec<WireVersion> = Vec::new();
        let mut seen = BTreeSet::new();
        for (version_name, version) in &raw.versions.0 {
            let version_path = format!("{path}.versions.{version_name}");
            if !seen.insert(version_name) {
                self.error_key(
                    &version_path,
                    format!("duplicate wire version {version_name:?}"),
                );
                continue;
            }
            if let Some(v) = self.version(kind, version_name, version, several, &version_path, cx) {
                self.version_key_field(&v, version_key, &version_path);
                versions.push(v);
            }
        }
        self.check_selectors(&versions, &path);
        Role {
            kind,
            description: raw.description.clone(),
            behavior: raw.behavior.clone(),
            versions,
        }
    }

    fn version(
        &mut self,
        role: RoleKind,
        name: &str,
        raw: &RawVersion,
        several: bool,
        path: &str,
        cx: &mut Context<'_>,
    ) -> Option<WireVersion> {
        if !is_version_name(name) {
            self.error_key(
                path,
                format!("invalid wire version name {name:?} (expected `v` and a number: v0, v1)"),
            );
        }
        let role_name = pascal_case(role.as_str());
        let app = Place {
            label: "databag `app`",
            name: "app",
            rust_name: &format!("{role_name}AppData"),
            path: &format!("{path}.app"),
            level: Level::Databag,
        };
        let app = match &raw.app {
            Some(object) => self.object(&app, object, cx),
            // Nothing defined: an empty databag that keeps what it is given, as a catalogue
            // model with no field (pydantic ignores extra keys).
            None => {
                if several {
                    self.error_key(
                        path,
                        format!(
                            "wire version {name:?} needs `app`: its role has several wire \
                             versions, told apart by a key of the application databag"
                        ),
                    );
                }
                Object {
                    name: app.name.to_owned(),
                    rust_name: app.rust_name.to_owned(),
                    description: None,
                    keeps_unknown: true,
                    fields: Vec::new(),
                }
            }
        };
        let unit = raw.unit.as_ref().map(|unit| {
            let place = Place {
                label: "databag `unit`",
                name: "unit",
                rust_name: &format!("{role_name}UnitData"),
                path: &format!("{path}.unit"),
                level: Level::Databag,
            };
            self.object(&place, unit, cx)
        });
        let selector = match &raw.selected_by {
            Some(selector) => self.selector(selector, &format!("{path}.selected_by"))?,
            // One version needs no selector: it takes every databag.
            None if !several => Selector::Other,
            None => {
                self.error_key(
                    path,
                    format!(
                        "wire version {name:?} needs `selected_by` (its role has several wire \
                         versions)"
                    ),
                );
                return None;
            }
        };
        let example = raw.example.as_ref().map(|example| Example {
            app: example.app.0.iter().cloned().collect(),
            unit: example.unit.0.iter().cloned().collect(),
        });
        Some(WireVersion {
            name: name.to_owned(),
            selector,
            app,
            unit,
            example,
        })
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

    /// A databag must say which version it is: a version selected by a value writes that value
    /// under the version key, as a constant.
    fn version_key_field(&mut self, version: &WireVersion, key: VersionKey<'_>, path: &str) {
        let selected = format!("{path}.selected_by");
        let Some(key) = key.name else {
            if let Selector::Value(value) | Selector::ValueOrAbsent(value) = &version.selector
                && key.report_missing
            {
                self.error(
                    &selected,
                    format!(
                        "`selected_by` names the value {value:?}, but the spec sets no \
                         `version_key` (the key that carries it)"
                    ),
                );
            }
            return;
        };
        if version.app.fields.is_empty() {
            // Already reported as an empty databag.
            return;
        }
        let found = version.app.fields.iter().position(|f| f.name == key);
        let field_path = |i: usize, part: &str| format!("{path}.app.fields[{i}].{part}");
        match (&version.selector, found) {
            (Selector::Value(value), None) => self.error(
                &selected,
                format!(
                    "wire version {:?} is selected by `{key}: {value}`, but its app databag has \
                     no `{key}` field (expected one with `constant: {value}`)",
                    version.name
                ),
            ),
            (Selector::Value(value) | Selector::ValueOrAbsent(value), Some(i)) => {
                let constant = version.app.fields[i].constant.as_ref();
                if constant != Some(value)
                    && (constant.is_some() || matches!(version.selector, Selector::Value(_)))
                {
                    let at = if constant.is_some() {
                        "constant"
                    } else {
                        "name"
                    };
                    self.error(
                        &field_path(i, at),
                        format!(
                            "the `{key}` field of wire version {:?} must have `constant: \
                             {value}` (the value that selects it)",
                            version.name
                        ),
                    );
                }
            }
            (Selector::Other, Some(i)) if version.app.fields[i].constant.is_some() => self.error(
                &field_path(i, "constant"),
                format!(
                    "wire version {:?} takes any other `{key}` value (`other: true`), so its \
                     `{key}` field cannot be a constant",
                    version.name
                ),
            ),
            _ => {}
        }
    }

    fn check_selectors(&mut self, versions: &[WireVersion], role_path: &str) {
        let mut values: BTreeMap<&str, &str> = BTreeMap::new();
        let (mut other, mut absent): (Option<&str>, Option<&str>) = (None, None);
        for version in versions {
            let path = format!("{role_path}.versions.{}.selected_by", version.name);
            let name = version.name.as_str();
            match &version.selector {
                Selector::Value(v) | Selector::ValueOrAbsent(v) => {
                    if let Some(first) = values.insert(v, name) {
                        self.error(
                            &path,
                            format!("version value {v:?} already selects wire version {first:?}"),
                        );
                    }
                }
                Selector::Other => {}
            }
            if matches!(version.selector, Selector::ValueOrAbsent(_)) {
                match absent {
                    Some(first) => self.error(
                        &path,
                        format!(
                            "an absent version key already selects wire version {first:?} \
                             (`or_absent: true`)"
                        ),
                    ),
                    None => absent = Some(name),
                }
            }
            if matches!(version.selector, Selector::Other) {
                match other {
                    Some(first) => self.error(
                        &path,
                        format!("wire version {first:?} already has `other: true`"),
                    ),
                    None => other = Some(name),
                }
            }
        }
    }
}

fn charm(raw: crate::spec::raw::RawCharm) -> Charm {
    Charm {
        name: raw.name,
        url: raw.url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Type;

    fn load(relative: &str) -> Interface {
        let path = format!("{}/../{relative}", env!("CARGO_MANIFEST_DIR"));
        Interface::load(path).unwrap_or_else(|diagnostics| panic!("{diagnostics}"))
    }

    #[test]
    fn loads_the_valkey_spec() {
        let interface = load("spec/valkey_client/v1.yaml");
        assert_eq!(interface.name, "valkey_client");
        assert_eq!(interface.roles.len(), 2);
        let provider = interface.role(RoleKind::Provider).expect("provider role");
        assert_eq!(provider.versions.len(), 2);
        assert_eq!(provider.versions[0].selector, Selector::Other);
        let response = interface.object("response").expect("response object");
        let tls = response.field("tls").expect("tls field");
        assert_eq!(tls.secret.as_deref(), Some("tls"));
        assert_eq!(tls.ty, Type::Bool);
        assert_eq!(
            interface.roles[0].versions[0].app.rust_name,
            "RequirerAppData"
        );
    }

    #[test]
    fn several_problems_come_together_sorted() {
        let text = "interface: Bad\nversion: 1\nstatus: final\nroles:\n  providr: {}\n";
        let diagnostics = Interface::from_str(text, "x/v1.yaml").expect_err("invalid");
        assert_eq!(
            diagnostics.to_string(),
            "x/v1.yaml:1:12: invalid interface name \"Bad\" (expected lowercase letters, digits \
             and `_`, starting with a letter)\n\
             x/v1.yaml:3:9: unknown status \"final\" (expected one of: draft, published, retired)\n\
             x/v1.yaml:5:3: unknown role \"providr\" (expected one of: requirer, provider)"
        );
    }

    #[test]
    fn the_file_name_fixes_the_version() {
        let text = "interface: a\nversion: 2\nstatus: draft\nroles:\n  requirer:\n    versions:\n      v0:\n        app:\n          fields:\n            - {name: x, type: string}\n";
        assert!(Interface::from_str(text, "a/v2.yaml").is_ok());
        assert!(Interface::from_str(text, "a/anything.yaml").is_ok());
        let diagnostics = Interface::from_str(text, "a/v1.yaml").expect_err("mismatch");
        assert_eq!(
            diagnostics.to_string(),
            "a/v1.yaml:2:10: version 2 disagrees with the file name \"v1\" (expected version 1)"
        );
    }
}
