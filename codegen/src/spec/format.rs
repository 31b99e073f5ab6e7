//! The spec format reference, `spec/FORMAT.md`: every key of a spec file, its type and its
//! rules, rendered from one table.
//!
//! The table is checked against the parser and the validator, so the document cannot drift:
//! its keys must be exactly the fields each `deny_unknown_fields` struct of [`super::raw`]
//! accepts (asked of serde itself), the enumerations it quotes are the validator's own
//! constants, its minimal example must validate, and `spec/FORMAT.md` must equal
//! [`render`] (a test, as `databag check` does for `generated/`).

use std::fmt::Write;

use crate::model::{PROTOCOLS, STATUSES, TYPE_SYNTAX};

/// One section of the reference: the keys of one mapping of the spec file.
pub(crate) struct Section {
    /// Where the mapping stands (`roles.<role>.versions.<vN>`).
    pub path: &'static str,
    /// What it is.
    pub about: &'static str,
    /// Its keys, in the order the reference lists them.
    pub keys: Vec<Key>,
}

/// One key of a section.
pub(crate) struct Key {
    pub name: &'static str,
    /// The YAML type expected.
    pub ty: &'static str,
    /// Whether the key must be present.
    pub required: bool,
    /// What it means and what the validator checks, as Markdown.
    pub rules: String,
}

fn key(name: &'static str, ty: &'static str, required: bool, rules: impl Into<String>) -> Key {
    Key {
        name,
        ty,
        required,
        rules: rules.into(),
    }
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The smallest spec that validates: one role, one wire version, one field. `FORMAT.md`
/// shows it, and a test loads it through the validator.
pub(crate) const MINIMAL_EXAMPLE: &str = "\
interface: greeting
version: 1
status: draft
roles:
  provider:
    versions:
      v1:
        app:
          fields:
            - name: message
              type: string
              required: true
";

/// Every section of the format, in document order.
pub(crate) fn sections() -> Vec<Section> {
    vec![
        Section {
            path: "(top level)",
            about: "The whole file, `spec/<interface>/v<N>.yaml`.",
            keys: vec![
                key(
                    "interface",
                    "string",
                    true,
                    "The interface name in snake_case (`valkey_client`): lowercase letters, \
                     digits and `_`. Names the generated module and the output folders.",
                ),
                key(
                    "version",
                    "integer",
                    true,
                    "The interface version; must equal the `N` of the file name `v<N>.yaml`.",
                ),
                key(
                    "status",
                    "string",
                    true,
                    format!("One of {}.", quoted(&STATUSES)),
                ),
                key(
                    "maintainer",
                    "string",
                    false,
                    "Who maintains the interface.",
                ),
                key("title", "string", false, "A human title for the docs."),
                key("summary", "string", false, "One paragraph for the docs."),
                key("usage", "string", false, "Markdown section of the docs."),
                key(
                    "direction",
                    "string",
                    false,
                    "Markdown section of the docs.",
                ),
                key("behavior", "string", false, "Markdown section of the docs."),
                key(
                    "providers",
                    "list of charms",
                    false,
                    "Charms known to provide the interface (see `providers[n]`).",
                ),
                key(
                    "requirers",
                    "list of charms",
                    false,
                    "Charms known to require the interface.",
                ),
                key(
                    "version_key",
                    "string",
                    false,
                    "The databag key whose value selects a wire version (`version`); needed \
                     when a role has several wire versions. A valid databag key.",
                ),
                key(
                    "protocol",
                    "string",
                    false,
                    format!(
                        "The relation protocol the interface follows, one of {}. The generated \
                         code then implements the relation engine's `Interface` trait, and the \
                         protocol's layout rules are checked (objects `request` and `response`, \
                         the v0 and v1 databags).",
                        quoted(&PROTOCOLS)
                    ),
                ),
                key(
                    "writers",
                    "mapping",
                    false,
                    "Byte-exact writer profiles of the protocol's reference library (see \
                     `writers`); needs `protocol`.",
                ),
                key(
                    "secret_groups",
                    "list of groups",
                    false,
                    "The Juju Secrets the interface uses; each group's fields share one \
                     secret. Every group must be used by a field.",
                ),
                key(
                    "objects",
                    "mapping of name to object",
                    false,
                    "Named objects for JSON values (`list<request>`), in output order. A name \
                     is snake_case, not a built-in type, and its Rust name must not clash with \
                     the generated code's own names.",
                ),
                key(
                    "roles",
                    "mapping",
                    true,
                    "`requirer` and/or `provider` (at least one), each a role.",
                ),
            ],
        },
        Section {
            path: "providers[n], requirers[n]",
            about: "A charm known to implement one side.",
            keys: vec![
                key("name", "string", true, "The charm's name."),
                key("url", "string", false, "Where its source lives."),
            ],
        },
        Section {
            path: "secret_groups[n]",
            about: "One Juju Secret shared by the fields that name the group.",
            keys: vec![
                key(
                    "name",
                    "string",
                    true,
                    "Lowercase letters and digits in dash-separated words (`user`, \
                     `requested-entity`); unique. The databag carries the secret's URI under \
                     `secret-<name>`.",
                ),
                key("description", "string", false, "For the docs."),
            ],
        },
        Section {
            path: "objects.<name>, roles.<role>.versions.<vN>.app, ….unit",
            about: "An object: the keys of a databag, or of a JSON object inside a \
                    JSON-encoded databag value.",
            keys: vec![
                key(
                    "description",
                    "string",
                    false,
                    "For the docs and the JSON Schema.",
                ),
                key(
                    "keeps_unknown",
                    "boolean",
                    false,
                    "Keys no field declares are kept and written back (`#[databag(flatten)]`); \
                     otherwise they are accepted and ignored. Either way decoding and the \
                     JSON Schema accept them. Default `false`.",
                ),
                key(
                    "fields",
                    "list of fields",
                    true,
                    "At least one field (see `fields[n]`).",
                ),
            ],
        },
        Section {
            path: "fields[n]",
            about: "One key of an object.",
            keys: vec![
                key(
                    "name",
                    "string",
                    true,
                    "The key on the wire (`read-only-endpoints`): lowercase letters and \
                     digits, words separated by `-` or `_`; unique in the object, aliases \
                     included. A secret field's name is its content key in the Juju Secret \
                     (`^[a-z](?:-?[a-z0-9]){2,}$`). The Rust field is its snake_case.",
                ),
                key(
                    "rust_name",
                    "string",
                    false,
                    "The Rust field name when the snake_case of `name` will not do (a Rust \
                     keyword, a clash): a snake_case identifier, not a keyword.",
                ),
                key(
                    "type",
                    "string",
                    true,
                    format!(
                        "One of {TYPE_SYNTAX}. `int` is a signed 64-bit integer; `any` any JSON \
                         value; an object name refers to `objects`. A secret field is string, \
                         bool or int; a `secret_uri` field is secret-uri."
                    ),
                ),
                key(
                    "required",
                    "boolean",
                    false,
                    "The key must be present (decoding fails naming it, the schema lists it). \
                     Never on a secret or secret-uri field. Default `false`.",
                ),
                key(
                    "json",
                    "boolean",
                    false,
                    "The value is JSON text in the databag. Required on databag keys of type \
                     list, map, object or `any` (a databag value is a string, and the reference \
                     library writes them with `json.dumps`); on a string it writes a JSON \
                     string (`\"\\\"text\\\"\"`); refused on bool, int and secret-uri (their \
                     plain text is their only form) and inside an object (already JSON). The \
                     Rust derive infers it from the type and takes `json` only on strings.",
                ),
                key(
                    "aliases",
                    "list of strings",
                    false,
                    "Other spellings accepted on read, tried in order after `name`, never \
                     written (`sentinel_endpoints`). Same syntax as `name`.",
                ),
                key(
                    "secret",
                    "string",
                    false,
                    "The secret group whose Juju Secret holds the value: never in the \
                     databag. The object needs a `secret_uri` field for the group. Not with \
                     `json`, `required`, `constant`, `aliases` or `pattern`.",
                ),
                key(
                    "secret_uri",
                    "string",
                    false,
                    "The secret group whose URI this field carries (type secret-uri, not \
                     required); at most one per group and object.",
                ),
                key(
                    "constant",
                    "string",
                    false,
                    "The only accepted value (type string): the v1 `version` key.",
                ),
                key(
                    "pattern",
                    "string",
                    false,
                    "A regular expression every value must match (type string, not secret), \
                     unanchored as in JSON Schema: anchor with `^...$`. Must compile with \
                     `regex-lite` and should stay in the syntax it shares with ECMA-262. The \
                     field's examples must match it.",
                ),
                key(
                    "title",
                    "string",
                    false,
                    "For the docs and the JSON Schema.",
                ),
                key(
                    "description",
                    "string",
                    false,
                    "For the docs and the JSON Schema.",
                ),
                key(
                    "examples",
                    "list of strings",
                    false,
                    "Values as the typed model holds them: raw for string and secret-uri, JSON \
                     text otherwise (`\"[\\\"username\\\"]\"`). Each must fit the type and \
                     the pattern.",
                ),
            ],
        },
        Section {
            path: "roles.<role>",
            about: "One side of the relation: `requirer` or `provider`.",
            keys: vec![
                key("description", "string", false, "For the docs."),
                key(
                    "behavior",
                    "list of strings",
                    false,
                    "What a charm of this role must do, one rule per item, for the docs.",
                ),
                key(
                    "versions",
                    "mapping of vN to wire version",
                    true,
                    "At least one wire version, named `v` and a number (`v0`, `v1`). Several \
                     need the top-level `version_key`.",
                ),
            ],
        },
        Section {
            path: "roles.<role>.versions.<vN>",
            about: "One wire version of the role's databags.",
            keys: vec![
                key(
                    "selected_by",
                    "mapping",
                    false,
                    "Which `version_key` values select this version; optional when the role \
                     has one version (it then takes every databag).",
                ),
                key("app", "object", true, "The application databag."),
                key(
                    "unit",
                    "object",
                    false,
                    "The unit databag; without it the unit databag declares no keys.",
                ),
                key(
                    "example",
                    "mapping",
                    false,
                    "Example databags for the docs, checked against the fields.",
                ),
            ],
        },
        Section {
            path: "selected_by",
            about: "`{value: v1}`, `{value: v0, or_absent: true}` or `{other: true}`.",
            keys: vec![
                key(
                    "value",
                    "string",
                    false,
                    "The `version_key` value selecting this version; the app databag's \
                     version-key field, if declared, must be `constant` with this value. Each \
                     value selects one version.",
                ),
                key(
                    "or_absent",
                    "boolean",
                    false,
                    "Also selected when the version key is absent (with `value`); at most one \
                     version per role.",
                ),
                key(
                    "other",
                    "boolean",
                    false,
                    "Selected by any value no other version names, and by an absent key; \
                     without `value`; at most one version per role.",
                ),
            ],
        },
        Section {
            path: "example",
            about: "The document's example databags, as Juju stores them.",
            keys: vec![
                key(
                    "app",
                    "mapping of key to string",
                    false,
                    "The app databag: every required key present, no secret field, each value \
                     decoding to its field's type.",
                ),
                key(
                    "unit",
                    "mapping of key to string",
                    false,
                    "The unit databag, same rules; needs a declared `unit`.",
                ),
            ],
        },
        Section {
            path: "writers",
            about: "What each release of the protocol's reference library writes, so the \
                    relation engine can write the same bytes.",
            keys: vec![
                key(
                    "default",
                    "string",
                    true,
                    "The profile written when the charm picks none; one of `profiles`.",
                ),
                key(
                    "pad_values",
                    "mapping of key to JSON text",
                    false,
                    "The value a writer pads a key with when it is not `null` \
                     (`external-node-connectivity: \"false\"`); the key must be one a profile \
                     writes.",
                ),
                key(
                    "v0_duplicates",
                    "mapping of key to key",
                    false,
                    "Keys of the flat v0 answer the reference also writes under a second \
                     spelling; fields of the provider's v0 app databag, not secret.",
                ),
                key(
                    "profiles",
                    "mapping of release to profile",
                    true,
                    "At least one profile, by release (`\"1.0.2\"`), in order.",
                ),
            ],
        },
        Section {
            path: "writers.profiles.<release>",
            about: "The key order of request and response objects; a listed key without a \
                    value is written as padding (`null`, or its `pad_values` entry).",
            keys: vec![
                key(
                    "request",
                    "list of strings",
                    true,
                    "Keys of the `request` object, in order.",
                ),
                key(
                    "response",
                    "list of strings",
                    true,
                    "Keys of the `response` object, in order.",
                ),
            ],
        },
    ]
}

/// `spec/FORMAT.md`.
pub fn render() -> String {
    let mut out = String::new();
    out.push_str(
        "<!-- @generated from codegen/src/spec/format.rs; a test checks it is fresh \
         (DATABAG_BLESS=1 cargo test -p databag-codegen format_reference rewrites it). -->\n\n",
    );
    out.push_str("# The spec format\n\n");
    out.push_str(
        "A spec file, `spec/<interface>/v<N>.yaml`, describes one version of a Juju relation \
         interface: its databags, field by field, for both roles. `databag generate` (or a \
         build.rs `databag_codegen::Builder`) turns it into Rust bindings, JSON Schemas and \
         docs. Unknown keys are errors, and every error names its place \
         (`file:line:column`). `spec/valkey_client/v1.yaml` is a complete, commented example; \
         the derive attributes the bindings use are in `macros/derive/attributes.md`.\n\n",
    );
    out.push_str("## A minimal spec\n\n```yaml\n");
    out.push_str(MINIMAL_EXAMPLE);
    out.push_str("```\n\n");
    out.push_str("## Keys\n");
    for section in sections() {
        let _ = write!(out, "\n### `{}`\n\n{}\n\n", section.path, section.about);
        out.push_str("| key | type | required | rules |\n|---|---|---|---|\n");
        for key in &section.keys {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                key.name,
                key.ty,
                if key.required { "yes" } else { "no" },
                key.rules.replace('|', "\\|"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::raw::*;
    use serde::de::DeserializeOwned;
    use std::path::PathBuf;

    /// The keys `T` accepts, as serde's `deny_unknown_fields` error lists them.
    fn accepted<T: DeserializeOwned + std::fmt::Debug>() -> Vec<String> {
        let error = serde_yaml::from_str::<T>("zz-not-a-key: 0").expect_err("unknown key");
        let message = error.to_string();
        let list = message
            .split_once("expected ")
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        let mut keys: Vec<String> = list
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        keys.sort();
        assert!(!keys.is_empty(), "no key list in {message:?}");
        keys
    }

    fn documented(path: &str) -> Vec<String> {
        let section = sections()
            .into_iter()
            .find(|s| s.path == path)
            .unwrap_or_else(|| panic!("no section {path}"));
        let mut keys: Vec<String> = section.keys.iter().map(|k| k.name.to_owned()).collect();
        keys.sort();
        keys
    }

    #[test]
    fn every_key_the_parser_accepts_is_documented_and_no_other() {
        let pairs = [
            ("(top level)", accepted::<RawInterface>()),
            ("providers[n], requirers[n]", accepted::<RawCharm>()),
            ("secret_groups[n]", accepted::<RawSecretGroup>()),
            (
                "objects.<name>, roles.<role>.versions.<vN>.app, ….unit",
                accepted::<RawObject>(),
            ),
            ("fields[n]", accepted::<RawField>()),
            ("roles.<role>", accepted::<RawRole>()),
            ("roles.<role>.versions.<vN>", accepted::<RawVersion>()),
            ("selected_by", accepted::<RawSelector>()),
            ("example", accepted::<RawExample>()),
            ("writers", accepted::<RawWriters>()),
            ("writers.profiles.<release>", accepted::<RawWriterProfile>()),
        ];
        assert_eq!(pairs.len(), sections().len(), "a section without a struct");
        for (path, keys) in pairs {
            assert_eq!(documented(path), keys, "section {path}");
        }
    }

    #[test]
    fn the_minimal_example_validates() {
        let interface = crate::Interface::from_str(MINIMAL_EXAMPLE, "greeting/v1.yaml")
            .unwrap_or_else(|errors| panic!("{errors}"));
        assert_eq!(interface.name, "greeting");
    }

    /// `spec/FORMAT.md` is what [`render`] writes. With `DATABAG_BLESS=1` the file is
    /// rewritten first (then the test passes), as `databag generate` does for `generated/`.
    #[test]
    fn format_reference_is_fresh() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/FORMAT.md");
        let rendered = render();
        if std::env::var_os("DATABAG_BLESS").is_some() {
            std::fs::write(&path, &rendered).expect("write spec/FORMAT.md");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "spec/FORMAT.md is stale: run `DATABAG_BLESS=1 cargo test -p databag-codegen \
             format_reference` and commit the result"
        );
    }
}
