//! Objects and their fields: names, types, secrets, and the rules that tie fields of one object
//! together (unique names, a URI field for every secret group used).

use std::collections::BTreeMap;

use super::names::{RUST_KEYWORDS, is_content_key, is_snake_name, is_wire_name, snake_case};
use super::types::{MAX_TYPE_NESTING, TYPE_SYNTAX, parse_type};
use super::{Checker, Context};
use crate::diag::did_you_mean;
use crate::model::{Field, Object, Type};
use crate::spec::raw::{RawField, RawObject};

/// What an object is called, and where it stands in the spec.
#[derive(Clone, Copy)]
pub(super) struct Place<'a> {
    /// Names it in messages: `object "response"`, ``databag `app` ``.
    pub(super) label: &'a str,
    /// Its name in the model (`response`, `app`).
    pub(super) name: &'a str,
    /// Its Rust type name.
    pub(super) rust_name: &'a str,
    /// Its spec path (`objects.response`).
    pub(super) path: &'a str,
    /// How its values are encoded.
    pub(super) level: Level,
}

/// Where an object stands, which decides how its values are encoded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    /// A databag (`app`, `unit`): every value is a string.
    Databag,
    /// A named object, only ever found inside a JSON value.
    Nested,
}

impl Checker {
    /// Checks one object or databag.
    pub(super) fn object(
        &mut self,
        place: &Place<'_>,
        raw: &RawObject,
        cx: &mut Context<'_>,
    ) -> Object {
        let Place {
            label,
            name,
            rust_name,
            path,
            level,
        } = *place;
        if raw.fields.is_empty() {
            self.error_key(
                path,
                format!("{label} declares no field (expected `fields:`)"),
            );
        }
        let fields: Vec<Field> = raw
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| self.field(f, &format!("{path}.fields[{i}]"), level, cx))
            .collect();
        self.unique_names(&fields, path);
        self.secret_uris(&fields, path, cx);
        Object {
            name: name.to_owned(),
            rust_name: rust_name.to_owned(),
            description: raw.description.clone(),
            keeps_unknown: raw.keeps_unknown,
            fields,
        }
    }

    /// Wire names and aliases are one namespace on read; Rust names one in the struct.
    fn unique_names(&mut self, fields: &[Field], path: &str) {
        let mut wire: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rust: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, field) in fields.iter().enumerate() {
            let field_path = format!("{path}.fields[{i}]");
            let mut clash = false;
            let spellings = std::iter::once((format!("{field_path}.name"), &field.name)).chain(
                field
                    .aliases
                    .iter()
                    .enumerate()
                    .map(|(j, a)| (format!("{field_path}.aliases[{j}]"), a)),
            );
            for (at, spelling) in spellings {
                match wire.get(spelling.as_str()) {
                    Some(&first) if first == i => {
                        clash = true;
                        self.error(&at, format!("alias {spelling:?} repeats the field's name"));
                    }
                    Some(&first) => {
                        clash = true;
                        self.error(
                            &at,
                            format!(
                                "duplicate wire name {spelling:?} (already used by fields[{first}] \
                                 {:?})",
                                fields[first].name
                            ),
                        );
                    }
                    None => {
                        wire.insert(spelling, i);
                    }
                }
            }
            // Equal wire names also collide in Rust; one message is enough.
            if let Some(&first) = rust.get(field.rust_name.as_str()) {
                if !clash {
                    let at = if field.rust_name == snake_case(&field.name) {
                        format!("{field_path}.name")
                    } else {
                        format!("{field_path}.rust_name")
                    };
                    self.error(
                        &at,
                        format!(
                            "duplicate Rust field name `{}` (fields[{first}] {:?} has it too; set \
                             `rust_name:` on one of them)",
                            field.rust_name, fields[first].name
                        ),
                    );
                }
            } else {
                rust.insert(&field.rust_name, i);
            }
        }
    }

    /// A secret value is useless to the peer without the URI of its secret, and a group's URI
    /// has one key.
    fn secret_uris(&mut self, fields: &[Field], path: &str, cx: &Context<'_>) {
        let mut carriers: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, field) in fields.iter().enumerate() {
            let Some(group) = &field.secret_uri else {
                continue;
            };
            if let Some(&first) = carriers.get(group.as_str()) {
                self.error(
                    &format!("{path}.fields[{i}].secret_uri"),
                    format!(
                        "secret group {group:?} already has its URI in fields[{first}] {:?}",
                        fields[first].name
                    ),
                );
            } else {
                carriers.insert(group, i);
            }
        }
        for (i, field) in fields.iter().enumerate() {
            if let Some(group) = &field.secret
                && cx.groups.contains(group)
                && !carriers.contains_key(group.as_str())
            {
                self.error(
                    &format!("{path}.fields[{i}].secret"),
                    format!(
                        "secret group {group:?} has no field carrying its URI here (expected a \
                         field `secret-{group}` with `secret_uri: {group}`)"
                    ),
                );
            }
        }
    }

    fn field(&mut self, raw: &RawField, path: &str, level: Level, cx: &mut Context<'_>) -> Field {
        let at = |key: &str| format!("{path}.{key}");
        if !is_wire_name(&raw.name) {
            self.error(
                &at("name"),
                format!(
                    "invalid field name {:?} (expected lowercase letters and digits, words \
                     separated by `-` or `_`)",
                    raw.name
                ),
            );
        }
        for (j, alias) in raw.aliases.iter().enumerate() {
            if !is_wire_name(alias) {
                self.error(
                    &at(&format!("aliases[{j}]")),
                    format!(
                        "invalid alias {alias:?} (expected lowercase letters and digits, words \
                         separated by `-` or `_`)"
                    ),
                );
            }
        }
        let rust_name = self.rust_name(raw, path);
        // An unparsable type was reported; checks that depend on the type stay quiet.
        let parsed = self.field_type(raw, path, cx);
        let ty = parsed.clone().unwrap_or(Type::Any);
        self.secret_groups_of(raw, path, cx);
        if let Some(ty) = &parsed {
            if raw.secret.is_some() {
                self.secret_field(raw, ty, path);
            } else if ty
                .object_name()
                .is_none_or(|o| cx.objects.iter().any(|k| k == o))
            {
                // (An unknown object was reported; its encoding is moot.)
                self.encoding(raw, ty, path, level);
            }
        } else if raw.secret.is_some() {
            self.secret_field(raw, &Type::String, path);
        }
        if raw.secret_uri.is_some() {
            if parsed.is_some() && ty != Type::SecretUri {
                self.error(
                    &at("type"),
                    format!(
                        "a `secret_uri` field must have type secret-uri, found {:?}",
                        raw.ty
                    ),
                );
            }
            if raw.required {
                self.error_key(
                    &at("required"),
                    "`required` cannot be combined with `secret_uri` (the group's secret may not \
                     exist yet)",
                );
            }
        }
        if raw.constant.is_some() && parsed.is_some() && ty != Type::String {
            self.error(
                &at("constant"),
                format!("`constant` needs type string, found {:?}", raw.ty),
            );
        }
        let mut pattern = raw.pattern.clone();
        if let Some(source) = &raw.pattern {
            if parsed.is_some() && ty != Type::String {
                self.error(
                    &at("pattern"),
                    format!("`pattern` needs type string, found {:?}", raw.ty),
                );
            }
            if let Err(error) = regex_lite::Regex::new(source) {
                // regex-lite explains over several lines; a diagnostic is one.
                let why = error
                    .to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                self.error(
                    &at("pattern"),
                    format!("`pattern` {source:?} is not a valid regular expression: {why}"),
                );
                // Examples are not checked against a pattern that means nothing.
                pattern = None;
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
            pattern,
            title: raw.title.clone(),
            description: raw.description.clone(),
            examples: raw.examples.clone(),
        }
    }

    fn rust_name(&mut self, raw: &RawField, path: &str) -> String {
        match &raw.rust_name {
            Some(name) => {
                if !is_snake_name(name) || RUST_KEYWORDS.contains(&name.as_str()) {
                    self.error(
                        &format!("{path}.rust_name"),
                        format!(
                            "invalid Rust field name {name:?} (expected a snake_case identifier \
                             that is not a keyword)"
                        ),
                    );
                }
                name.clone()
            }
            None => {
                let name = snake_case(&raw.name);
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
        }
    }

    fn field_type(&mut self, raw: &RawField, path: &str, cx: &Context<'_>) -> Option<Type> {
        let at = format!("{path}.type");
        // Refused before it is parsed or reaches syn: each level is a level of recursion in
        // the parser, the emitters and rustc.
        let nesting = raw.ty.matches('<').count();
        if nesting > MAX_TYPE_NESTING {
            self.error(
                &at,
                format!(
                    "the type nests list<>/map<> {nesting} deep, over the limit of \
                     {MAX_TYPE_NESTING}"
                ),
            );
            return None;
        }
        let Some(ty) = parse_type(&raw.ty) else {
            self.error(
                &at,
                format!(
                    "invalid type {:?} (expected {TYPE_SYNTAX})",
                    excerpt(&raw.ty)
                ),
            );
            return None;
        };
        if let Some(object) = ty.object_name()
            && !cx.objects.iter().any(|o| o == object)
        {
            let builtins = ["string", "bool", "int", "any"];
            let candidates = builtins
                .into_iter()
                .chain(cx.objects.iter().map(String::as_str));
            let message = match did_you_mean(object, candidates) {
                Some(close) => {
                    format!("unknown type or object {object:?}, did you mean {close:?}?")
                }
                None if cx.objects.is_empty() => format!(
                    "unknown type or object {object:?} (expected {TYPE_SYNTAX}; no objects are \
                     declared)"
                ),
                None => format!(
                    "unknown type or object {object:?} (expected one of: {})",
                    cx.objects.join(", ")
                ),
            };
            self.error(&at, message);
        }
        Some(ty)
    }

    fn secret_groups_of(&mut self, raw: &RawField, path: &str, cx: &mut Context<'_>) {
        for (key, group) in [("secret", &raw.secret), ("secret_uri", &raw.secret_uri)] {
            let Some(group) = group else { continue };
            cx.used_groups.insert(group.clone());
            if !cx.groups.contains(group) {
                let message = if cx.groups.is_empty() {
                    format!("unknown secret group {group:?} (no `secret_groups` are declared)")
                } else {
                    format!(
                        "unknown secret group {group:?} (expected one of: {})",
                        cx.groups.join(", ")
                    )
                };
                self.error(&format!("{path}.{key}"), message);
            }
        }
    }

    /// A secret field's value travels in a Juju Secret's content: one plain string per key.
    fn secret_field(&mut self, raw: &RawField, ty: &Type, path: &str) {
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
                "pattern",
                raw.pattern.is_some(),
                "a secret's value is never checked in the open",
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
                    "secret field name {:?} is not a valid Juju secret content key (expected at \
                     least 3 lowercase letters or digits, starting with a letter, single `-` \
                     between them)",
                    raw.name
                ),
            );
        }
        if !matches!(ty, Type::String | Type::Bool | Type::Int) {
            self.error(
                &format!("{path}.type"),
                format!(
                    "a secret field must have type string, bool or int (secret content values \
                     are strings), found {:?}",
                    raw.ty
                ),
            );
        }
    }

    /// How the value stands in its container: databag values are strings, so anything but a
    /// scalar must be JSON-encoded there; inside an object `json` means nothing.
    fn encoding(&mut self, raw: &RawField, ty: &Type, path: &str, level: Level) {
        let structured = matches!(
            ty,
            Type::List(_) | Type::Map(_) | Type::Object(_) | Type::Any
        );
        match level {
            Level::Nested if raw.json => self.error_key(
                &format!("{path}.json"),
                "`json` has no effect on a field of an object (the object is already part of a \
                 JSON value); use it on databag keys",
            ),
            Level::Databag if raw.json && *ty == Type::SecretUri => self.error_key(
                &format!("{path}.json"),
                "`json` cannot be used on a secret-uri field (a secret URI is written as is)",
            ),
            Level::Databag if raw.json && matches!(ty, Type::Bool | Type::Int) => self.error_key(
                &format!("{path}.json"),
                "`json` has no effect on a bool or int field (`true`, `8`: the plain text is \
                 already the JSON text); remove it",
            ),
            Level::Databag if structured && !raw.json => self.error(
                &format!("{path}.type"),
                format!(
                    "a {} value must be JSON-encoded to stand in a databag, whose values are \
                     strings (set `json: true`)",
                    raw.ty
                ),
            ),
            _ => {}
        }
    }
}

/// At most 80 characters of `text` (`…` marks a cut): a message names a bad value without
/// echoing a megabyte of it.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
