//! `rename_all` rules: how a Rust field name (snake_case) becomes a databag key.

use std::fmt::{self, Display};

/// A `rename_all` rule. Databag keys are kebab-case unless the container says otherwise.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum RenameRule {
    /// `request_id` → `request-id` (the default: Juju databags use dashes).
    #[default]
    Kebab,
    /// `request_id` → `request_id`.
    Snake,
    /// `request_id` → `request_id`, lowercased.
    Lower,
    /// `request_id` → `requestId`.
    Camel,
    /// `request_id` → `RequestId`.
    Pascal,
    /// `request_id` → `REQUEST_ID`.
    ScreamingSnake,
    /// `request_id` → `REQUEST-ID`.
    ScreamingKebab,
}

static RULES: &[(&str, RenameRule)] = &[
    ("kebab-case", RenameRule::Kebab),
    ("snake_case", RenameRule::Snake),
    ("lowercase", RenameRule::Lower),
    ("camelCase", RenameRule::Camel),
    ("PascalCase", RenameRule::Pascal),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
];

impl RenameRule {
    pub fn parse(name: &str) -> Result<Self, ParseError<'_>> {
        RULES
            .iter()
            .find(|(rule_name, _)| *rule_name == name)
            .map(|(_, rule)| *rule)
            .ok_or(ParseError { unknown: name })
    }

    /// Applies the rule to a field name written in snake_case.
    pub fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::Snake => field.to_owned(),
            RenameRule::Lower => field.to_ascii_lowercase(),
            RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
            RenameRule::Pascal => pascal(field),
            RenameRule::Camel => {
                let pascal = pascal(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_lowercase().chain(chars).collect(),
                    None => pascal,
                }
            }
        }
    }
}

fn pascal(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut capitalize = true;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            out.extend(ch.to_uppercase());
            capitalize = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// An unknown `rename_all` value; displays the accepted ones.
pub struct ParseError<'a> {
    unknown: &'a str,
}

impl Display for ParseError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "unknown rename rule `rename_all = {:?}`, expected one of ",
            self.unknown
        )?;
        for (i, (name, _)) in RULES.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::RenameRule::*;
    use super::*;

    #[test]
    fn rules_apply_to_fields() {
        for (field, kebab, camel, pascal, screaming) in [
            (
                "request_id",
                "request-id",
                "requestId",
                "RequestId",
                "REQUEST_ID",
            ),
            ("tls", "tls", "tls", "Tls", "TLS"),
            ("tls_ca", "tls-ca", "tlsCa", "TlsCa", "TLS_CA"),
        ] {
            assert_eq!(Kebab.apply_to_field(field), kebab);
            assert_eq!(Snake.apply_to_field(field), field);
            assert_eq!(Lower.apply_to_field(field), field);
            assert_eq!(Camel.apply_to_field(field), camel);
            assert_eq!(Pascal.apply_to_field(field), pascal);
            assert_eq!(ScreamingSnake.apply_to_field(field), screaming);
            assert_eq!(
                ScreamingKebab.apply_to_field(field),
                screaming.replace('_', "-")
            );
        }
    }

    #[test]
    fn unknown_rule_lists_the_choices() {
        let err = RenameRule::parse("kebab").err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "unknown rename rule `rename_all = \"kebab\"`, expected one of \"kebab-case\", \
                 \"snake_case\", \"lowercase\", \"camelCase\", \"PascalCase\", \
                 \"SCREAMING_SNAKE_CASE\", \"SCREAMING-KEBAB-CASE\""
            )
        );
        assert_eq!(RenameRule::parse("camelCase").ok(), Some(Camel));
    }
}
