// Hand-written (not generated): what a requirer may ask for is a security boundary; the rules
// below decide what reaches an ACL rule, a username or a secret label.

use std::fmt;

use databag::relation::RequestId;

/// Longest prefix accepted, in bytes.
const MAX_PREFIX: usize = 128;

/// A key prefix that is safe to paste into an ACL rule as `~<prefix>` and `&<prefix>`.
///
/// Accepted: ASCII letters, digits and `:` `.` `_` `/` `-` (a `-` not first), optionally
/// followed by one trailing `*`. `application:*` grants every key and channel starting with
/// `application:`; a prefix without `*` grants exactly one key and one channel of that name.
/// Everything else is refused: whitespace and control characters (they would split or end the
/// rule), ACL syntax (`~ & + > < # % ( ) !`), glob syntax other than the trailing `*`
/// (`? [ ] \` and inner `*`, which would widen the pattern), quotes, non-ASCII, and the empty
/// prefix (which the reference library turns into an empty pattern).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyPrefix(String);

/// Why a prefix was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrefixError {
    /// The prefix is empty (or only `*`, which would grant the whole keyspace).
    Empty,
    /// Longer than 128 bytes.
    TooLong(usize),
    /// A character that could change the rule or widen the pattern, at a byte position.
    Forbidden {
        /// The character.
        character: char,
        /// Its byte offset in the prefix.
        position: usize,
        /// Why it is refused.
        reason: &'static str,
    },
}

impl KeyPrefix {
    /// Checks a requested prefix.
    pub fn parse(text: &str) -> Result<KeyPrefix, PrefixError> {
        let literal = text.strip_suffix('*').unwrap_or(text);
        if literal.is_empty() {
            return Err(PrefixError::Empty);
        }
        if text.len() > MAX_PREFIX {
            return Err(PrefixError::TooLong(text.len()));
        }
        for (position, character) in literal.char_indices() {
            let reason = match character {
                'A'..='Z' | 'a'..='z' | '0'..='9' | ':' | '.' | '_' | '/' => continue,
                '-' if position > 0 => continue,
                '-' => "ACL syntax when it starts a rule argument",
                c if c.is_whitespace() => "whitespace would split the ACL rule",
                c if c.is_control() => "control characters would end or corrupt the ACL rule",
                '~' | '&' | '+' | '>' | '<' | '#' | '%' | '(' | ')' | '!' | '@' => "ACL syntax",
                '*' | '?' | '[' | ']' | '\\' | '^' => {
                    "glob syntax would widen the pattern (only one trailing `*` is allowed)"
                }
                c if !c.is_ascii() => "only ASCII is allowed",
                _ => "not a letter, digit or one of `: . _ / -`",
            };
            return Err(PrefixError::Forbidden {
                character,
                position,
                reason,
            });
        }
        Ok(KeyPrefix(text.to_owned()))
    }

    /// The prefix as requested, e.g. `application:*`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrefixError::Empty => f.write_str("the prefix is empty"),
            PrefixError::TooLong(len) => {
                write!(f, "the prefix is {len} bytes long (at most {MAX_PREFIX})")
            }
            PrefixError::Forbidden {
                character,
                position,
                reason,
            } => write!(
                f,
                "character {character:?} at byte {position} is not allowed in a prefix: {reason}"
            ),
        }
    }
}

impl std::error::Error for PrefixError {}

/// The Valkey username of a request: `relation-<id>-<request-id>`, or `relation-<id>` for a v0
/// requirer (which has no request id), as the Valkey charm names them.
pub fn username_for(relation_id: u64, request: Option<&RequestId>) -> String {
    match request {
        Some(id) => format!("relation-{relation_id}-{}", id.as_str()),
        None => format!("relation-{relation_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_literal_prefixes_with_an_optional_trailing_star() {
        for good in [
            "application:*",
            "requirer-charm:*",
            "app",
            "a.b/c_d-e:*",
            "x*",
        ] {
            assert_eq!(
                KeyPrefix::parse(good).map(|p| p.to_string()),
                Ok(good.to_owned())
            );
        }
    }

    #[test]
    fn refuses_hostile_prefixes() {
        let hostile = [
            "x ~*",
            "x +@all",
            "a b",
            "x\n",
            ">pw",
            "%RW~*",
            "",
            "*",
            "~*",
            "&*",
            "x\tallchannels",
            "app:*:*",
            "app?",
            "app[ab]",
            "a\\b",
            "(x)",
            "#abc",
            "<pw",
            "-@all",
            "x\r",
            "prefix\0",
            "é:*",
            "x!",
            "'x'",
            "\"x\"",
            "a|b",
        ];
        for text in hostile {
            assert!(KeyPrefix::parse(text).is_err(), "{text:?} accepted");
        }
        assert_eq!(KeyPrefix::parse("").unwrap_err(), PrefixError::Empty);
        assert_eq!(
            KeyPrefix::parse("x +@all").unwrap_err().to_string(),
            "character ' ' at byte 1 is not allowed in a prefix: whitespace would split the ACL rule"
        );
        assert!(KeyPrefix::parse(&"a".repeat(200)).is_err());
    }

    #[test]
    fn request_ids_and_usernames() {
        let id = RequestId::parse("836763deea236532").expect("hex id");
        assert_eq!(username_for(3, Some(&id)), "relation-3-836763deea236532");
        assert_eq!(username_for(3, None), "relation-3");
    }
}
