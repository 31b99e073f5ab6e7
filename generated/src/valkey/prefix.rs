// Hand-written (not generated): what a requirer may ask for is a security boundary; the rules
// below decide what reaches an ACL rule, a username or a secret label.

use std::fmt;

use databag::relation::RequestId;

/// Longest prefix accepted, in bytes.
const MAX_PREFIX: usize = 128;

/// A key prefix that is safe to paste into an ACL rule as `~<prefix>` and `&<prefix>`.
///
/// Accepted:
/// - `*` alone: the whole keyspace and every channel (`~*` and `&*`, which Valkey reads as
///   `allkeys` and `allchannels`). The rule still removes the keyspace-wide and server-wide
///   commands (FLUSHALL, KEYS, SCAN, CONFIG, ACL, ...): see `acl::client_rule`.
/// - ASCII letters, digits and `:` `.` `_` `/` `-` (a `-` not first) `{` `}` `=` `@`,
///   optionally followed by one trailing `*`. `application:*` grants every key and channel
///   starting with `application:`; a prefix without `*` grants exactly one key and one channel
///   of that name. `app:{tenant}:*` keeps a tenant's keys in one cluster slot (a hash tag).
///
/// Why these: in Valkey's glob (`stringmatchlen`) only `*` `?` `[` `\` are special outside a
/// bracket (`]` `^` `-` only inside one), so `{` `}` `=` `@` match themselves; `ACL SETUSER`
/// takes everything after `~`/`&` as the pattern (refusing only spaces), and a prefix never
/// starts a rule argument, so `@` (meaningful only after a leading `+`/`-`) is literal too; the
/// ACL file that `ACL SAVE` writes is split by `sdssplitargs`, for which only whitespace and
/// quotes are special.
///
/// Everything else is refused: whitespace and control characters (they would split or end the
/// rule), ACL syntax (`~ & + > < # % ( ) ! |`), glob syntax other than the trailing `*`
/// (`? [ ] \ ^` and inner `*`, which would widen the pattern; `**` too), quotes (they change
/// how the ACL file is split), other punctuation (`, $ ; ...`, kept out to stay conservative),
/// non-ASCII, and the empty prefix (which the reference library turns into an empty pattern).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPrefix(String);

/// Why a prefix was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrefixError {
    /// The prefix is empty (`*` alone is accepted: the whole keyspace).
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
        if text.is_empty() {
            return Err(PrefixError::Empty);
        }
        if text.len() > MAX_PREFIX {
            return Err(PrefixError::TooLong(text.len()));
        }
        // `*` alone leaves an empty literal part: the whole keyspace, accepted.
        let literal = text.strip_suffix('*').unwrap_or(text);
        for (position, character) in literal.char_indices() {
            let reason = match character {
                'A'..='Z' | 'a'..='z' | '0'..='9' => continue,
                ':' | '.' | '_' | '/' | '{' | '}' | '=' | '@' => continue,
                '-' if position > 0 => continue,
                '-' => "ACL syntax when it starts a rule argument",
                c if c.is_whitespace() => "whitespace would split the ACL rule",
                c if c.is_control() => "control characters would end or corrupt the ACL rule",
                '~' | '&' | '+' | '>' | '<' | '#' | '%' | '(' | ')' | '!' | '|' => "ACL syntax",
                '*' | '?' | '[' | ']' | '\\' | '^' => {
                    "glob syntax would widen the pattern (only one trailing `*` is allowed)"
                }
                '"' | '\'' => "quotes change how the ACL file is split",
                c if !c.is_ascii() => "only ASCII is allowed",
                _ => "not a letter, digit or one of `: . _ / - { } = @`",
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

    /// The literal part: the prefix without its trailing `*` (`""` for `*`).
    pub fn literal(&self) -> &str {
        self.0.strip_suffix('*').unwrap_or(&self.0)
    }

    /// Whether a key or channel could match both prefixes: one literal part starts with the
    /// other (`app*` and `app2:*`; `*` overlaps everything). Deliberately coarse: `app` (the
    /// single key `app`) and `app2:*` share no key, but count as overlapping, so that no rule
    /// about which prefixes are exact needs to hold for two tenants to stay apart.
    pub fn overlaps(&self, other: &KeyPrefix) -> bool {
        let (a, b) = (self.literal(), other.literal());
        a.starts_with(b) || b.starts_with(a)
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
    fn accepts_the_whole_keyspace_and_hash_tags() {
        for good in [
            "*",
            "app:{tenant}:*",
            "app:{tenant}:",
            "{tenant}:*",
            "{a}",
            "user=42:*",
            "ops@team:*",
            "@x",
            "={}@*",
        ] {
            assert_eq!(
                KeyPrefix::parse(good).map(|p| p.to_string()),
                Ok(good.to_owned()),
                "{good:?}"
            );
        }
        // The longest prefix may end in `*`, or be `*` after 127 literal bytes.
        let longest = format!("{}*", "a".repeat(MAX_PREFIX - 1));
        assert!(KeyPrefix::parse(&longest).is_ok());
        assert_eq!(
            KeyPrefix::parse(&format!("a{longest}")),
            Err(PrefixError::TooLong(MAX_PREFIX + 1))
        );
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
            "**",
            "***",
            "~*",
            "&*",
            "*~",
            "x\tallchannels",
            "app:*:*",
            "*:x",
            "app?",
            "app[ab]",
            "app:{t}[ab]*",
            "a\\b",
            "{t}\\*",
            "a^b",
            "a]",
            "(x)",
            "#abc",
            "<pw",
            "-@all",
            "-*",
            "x\r",
            "prefix\0",
            "é:*",
            "x!",
            "'x'",
            "\"x\"",
            "a|b",
            "+@all",
            "x{ }",
            "a,b",
            "a$b",
            "a;b",
            "a`b",
        ];
        for text in hostile {
            assert!(KeyPrefix::parse(text).is_err(), "{text:?} accepted");
        }
        assert_eq!(KeyPrefix::parse("").unwrap_err(), PrefixError::Empty);
        assert_eq!(
            KeyPrefix::parse("x +@all").unwrap_err().to_string(),
            "character ' ' at byte 1 is not allowed in a prefix: whitespace would split the ACL rule"
        );
        assert_eq!(
            KeyPrefix::parse("**").unwrap_err().to_string(),
            "character '*' at byte 0 is not allowed in a prefix: glob syntax would widen the \
             pattern (only one trailing `*` is allowed)"
        );
        assert_eq!(
            KeyPrefix::parse("'x'").unwrap_err().to_string(),
            "character '\\'' at byte 0 is not allowed in a prefix: quotes change how the ACL \
             file is split"
        );
        assert_eq!(
            KeyPrefix::parse("a,b").unwrap_err().to_string(),
            "character ',' at byte 1 is not allowed in a prefix: not a letter, digit or one of \
             `: . _ / - { } = @`"
        );
        assert!(KeyPrefix::parse(&"a".repeat(200)).is_err());
    }

    #[test]
    fn overlaps_when_one_literal_part_starts_the_other() {
        let p = |text: &str| KeyPrefix::parse(text).expect("valid prefix");
        for (a, b) in [
            ("app2:*", "app*"),
            ("app2:*", "app2:*"),
            ("a*", "application:*"),
            ("*", "x:*"),
            ("*", "*"),
            ("app", "app2:*"),
            ("app:{t}:*", "app:*"),
        ] {
            assert!(p(a).overlaps(&p(b)), "{a} {b}");
            assert!(p(b).overlaps(&p(a)), "{b} {a}");
        }
        for (a, b) in [
            ("app:*", "app2:*"),
            ("app:*", "application:*"),
            ("app2:*", "application:*"),
            ("app:{t}:*", "app:{u}:*"),
            (":*", "app:*"),
            (".*", "app:*"),
        ] {
            assert!(!p(a).overlaps(&p(b)), "{a} {b}");
        }
        assert_eq!(p("*").literal(), "");
        assert_eq!(p("app:*").literal(), "app:");
    }

    #[test]
    fn request_ids_and_usernames() {
        let id = RequestId::parse("836763deea236532").expect("hex id");
        assert_eq!(username_for(3, Some(&id)), "relation-3-836763deea236532");
        assert_eq!(username_for(3, None), "relation-3");
    }
}
