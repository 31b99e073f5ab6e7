//! The one module that touches serde_yaml (deprecated upstream; a switch to another YAML
//! deserializer changes only this file).
//!
//! serde stops at the first structural problem (an unknown key, a value of the wrong type, a
//! missing key), so a file with one gets exactly one diagnostic; the semantic checks of
//! `model::validate` run once the file has the right shape. serde's messages are rewritten into
//! the spec's vocabulary ("key", not "field") and placed with the [`Locator`], which knows where
//! every key stands (serde_yaml reports a duplicate or missing key at its mapping's start).

use std::path::Path;

use super::locate::{Locator, Position};
use super::raw::RawInterface;
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};

/// Deserializes spec text; a syntax or shape error becomes one diagnostic at its position.
pub(crate) fn parse(
    text: &str,
    file: &Path,
    locator: &Locator,
) -> Result<RawInterface, Diagnostics> {
    if text.trim().is_empty() {
        return Err(one(file, (1, 1), "the spec file is empty".to_owned()));
    }
    serde_yaml::from_str(text).map_err(|error| {
        let fallback = error
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        let (position, message) = explain(&error.to_string(), fallback, locator);
        one(file, position, message)
    })
}

fn one(file: &Path, (line, column): Position, message: String) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    diagnostics.push(Diagnostic {
        file: file.to_path_buf(),
        line,
        column,
        message,
    });
    diagnostics
}

/// serde_yaml's `path: message at line L column C[, while ...]` → our position and wording.
fn explain(text: &str, fallback: Position, locator: &Locator) -> (Position, String) {
    let text = strip_location(text);
    let (path, message) = split_path(&text);
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    let located = |position: Position| if path.is_empty() { fallback } else { position };

    if let Some(rest) = message.strip_prefix("unknown field ") {
        let names = backticked(rest);
        if let Some((key, expected)) = names.split_first() {
            let position = locator.exact_key(&join(key)).unwrap_or(fallback);
            let message = match did_you_mean(key, expected.iter().map(String::as_str)) {
                Some(close) => format!("unknown key `{key}`, did you mean `{close}`?"),
                None if expected.is_empty() => {
                    format!("unknown key `{key}` (no keys allowed here)")
                }
                None => format!(
                    "unknown key `{key}` (expected one of: {})",
                    expected.join(", ")
                ),
            };
            return (position, message);
        }
    }
    if let Some(rest) = message.strip_prefix("duplicate field ")
        && let Some(key) = backticked(rest).first()
    {
        let position = locator.exact_key(&join(key)).unwrap_or(fallback);
        return (position, format!("duplicate key `{key}`"));
    }
    if let Some(rest) = message.strip_prefix("missing field ")
        && let Some(key) = backticked(rest).first()
    {
        let message = if path.is_empty() {
            format!("missing key `{key}`")
        } else {
            format!("missing key `{key}` in `{path}`")
        };
        return (located(locator.value(path)), message);
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((found, expected)) = rest.rsplit_once(", expected ")
        {
            let key = path.rsplit(['.']).next().unwrap_or(path);
            let subject = if key.is_empty() {
                "the spec".to_owned()
            } else {
                format!("`{key}`")
            };
            return (
                located(locator.value(path)),
                format!(
                    "invalid value for {subject}: expected {}, found {found}",
                    expected_in_words(expected)
                ),
            );
        }
    }
    let message = if path.is_empty() {
        message.to_owned()
    } else {
        format!("{path}: {message}")
    };
    (fallback, message)
}

/// Removes serde_yaml's ` at line L column C` (the position is ours to print), keeping any
/// `, while parsing ...` context that follows.
fn strip_location(text: &str) -> String {
    let Some(at) = text.find(" at line ") else {
        return text.to_owned();
    };
    let rest = &text[at + " at line ".len()..];
    let after_line = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let Some(after_column) = after_line.strip_prefix(" column ") else {
        return text.to_owned();
    };
    let tail = after_column.trim_start_matches(|c: char| c.is_ascii_digit());
    format!("{}{tail}", &text[..at])
}

/// `objects.response.fields[0]: unknown field ...` → (`objects.response.fields[0]`, the rest).
/// A path has no spaces; serde's own messages have one before any `: `.
fn split_path(text: &str) -> (&str, &str) {
    match text.split_once(": ") {
        Some((path, message)) if !path.is_empty() && !path.contains(' ') => (path, message),
        _ => ("", text),
    }
}

/// The names serde quotes in backticks, in order.
fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// serde's Rust-flavoured expectations in the spec's words.
fn expected_in_words(expected: &str) -> String {
    if expected.starts_with("struct ") {
        return "a mapping".to_owned();
    }
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative integer".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer".to_owned(),
        other => other.to_owned(),
    }
}

/// Parses any YAML (or JSON) document into JSON values: the CLI's databag dumps. Kept here so
/// that serde_yaml stays in this one module.
#[cfg(any(feature = "cli", test))]
pub(crate) fn parse_value(text: &str) -> Result<serde_json::Value, String> {
    serde_yaml::from_str(text).map_err(|error| error.to_string())
}

/// Parses every document of a YAML stream into JSON values (`juju show-secret` outputs one
/// after another).
#[cfg(feature = "cli")]
pub(crate) fn parse_values(text: &str) -> Result<Vec<serde_json::Value>, String> {
    use serde::Deserialize as _;
    serde_yaml::Deserializer::from_str(text)
        .map(|document| serde_json::Value::deserialize(document).map_err(|e| e.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explained(text: &str, yaml: &str) -> (Position, String) {
        explain(text, (9, 9), &Locator::new(yaml))
    }

    #[test]
    fn unknown_keys_point_at_the_key_and_suggest() {
        let yaml = "fields:\n  - name: a\n    requird: true\n";
        assert_eq!(
            explained(
                "fields[0]: unknown field `requird`, expected one of `name`, `required` at line 3 column 5",
                yaml
            ),
            (
                (3, 5),
                "unknown key `requird`, did you mean `required`?".to_owned()
            )
        );
        assert_eq!(
            explained(
                "unknown field `colour`, expected `name` at line 1 column 1",
                yaml
            ),
            (
                (9, 9),
                "unknown key `colour` (expected one of: name)".to_owned()
            )
        );
    }

    #[test]
    fn wrong_types_name_the_key_and_what_was_expected() {
        let yaml = "version: one\n";
        assert_eq!(
            explained(
                "version: invalid type: string \"one\", expected u32 at line 1 column 10",
                yaml
            ),
            (
                (1, 10),
                "invalid value for `version`: expected a non-negative integer, found string \"one\""
                    .to_owned()
            )
        );
    }

    #[test]
    fn syntax_errors_keep_their_context() {
        assert_eq!(
            strip_location(
                "did not find expected node content at line 3 column 1, while parsing a flow node"
            ),
            "did not find expected node content, while parsing a flow node"
        );
    }

    #[test]
    fn parse_reports_one_problem_with_its_position() {
        let text = "interface: x\nversion: 1\nstatus: draft\nroles: {}\ncolour: red\n";
        let diagnostics =
            parse(text, Path::new("x.yaml"), &Locator::new(text)).expect_err("unknown key");
        assert_eq!(
            diagnostics.to_string(),
            "x.yaml:5:1: unknown key `colour` (expected one of: interface, version, status, \
             maintainer, title, summary, usage, direction, behavior, providers, requirers, \
             version_key, protocol, writers, secret_groups, objects, roles)"
        );
    }
}
