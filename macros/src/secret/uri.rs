//! Juju secret URIs.
//!
//! Accepted, anchored (PROTOCOL.md §11.2; the reference library only searches for `secret:`
//! anywhere in the value, we do not):
//! - `secret:ID` and `secret://MODEL/ID`, where MODEL is a lowercase UUID and ID is Juju's
//!   20-character ID `[0-9a-z]{20}` (as Juju's own parser; real IDs are base32hex xids, ops'
//!   testing harness uses digits and lowercase letters),
//! - or ID is a lowercase UUID (`secret:<uuid4>`, the form older ops harnesses generate).
//!
//! [`PATTERN`] is the same language as an ECMA-262 regex, for JSON Schemas.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Path};

/// The accepted URIs as an anchored JSON Schema (ECMA-262) pattern.
pub(crate) const PATTERN: &str = "^secret:(//[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)?([0-9a-z]{20}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$";

/// A Juju secret URI: `secret:ID` or `secret://MODEL/ID`. Two URIs naming the same ID are the
/// same secret: equality, ordering and hashing look at the ID only, while
/// [`SecretUri::as_str`] and `Display` give the URI as written.
#[derive(Clone)]
pub struct SecretUri {
    raw: String,
    /// Byte offset of the ID in `raw`.
    id_start: usize,
}

impl SecretUri {
    /// Parses a URI; anything but the accepted forms is an [`ErrorKind::InvalidSecretUri`]
    /// error (at the root path: callers reading a databag put the key in).
    pub fn parse(text: &str) -> Result<SecretUri, Error> {
        SecretUri::checked(text).ok_or_else(|| invalid(text.to_owned()))
    }

    /// The URI of secret `id` in the short form `secret:ID`.
    pub fn from_id(id: &str) -> Result<SecretUri, Error> {
        let text = format!("secret:{id}");
        match id_start(&text) {
            Some(id_start) => Ok(SecretUri {
                raw: text,
                id_start,
            }),
            None => Err(invalid(text)),
        }
    }

    /// [`SecretUri::parse`] for callers that drop the error: nothing is allocated but the URI
    /// itself, and nothing at all for a refused one.
    pub(crate) fn checked(text: &str) -> Option<SecretUri> {
        id_start(text).map(|id_start| SecretUri {
            raw: text.to_owned(),
            id_start,
        })
    }

    /// Whether [`SecretUri::parse`] accepts `text`, allocating nothing.
    pub(crate) fn is_valid(text: &str) -> bool {
        id_start(text).is_some()
    }

    /// The secret's ID (`d7fmpmvmp25c7618tfb0`).
    pub fn id(&self) -> &str {
        &self.raw[self.id_start..]
    }

    /// The model UUID of the long form `secret://MODEL/ID`.
    pub fn model(&self) -> Option<&str> {
        // The long form is the only one whose ID starts past `secret:`; MODEL ends at the `/`
        // before the ID.
        (self.id_start > SHORT.len()).then(|| &self.raw[LONG.len()..self.id_start - 1])
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

const SHORT: &str = "secret:";
const LONG: &str = "secret://";
/// Length of a UUID in its 8-4-4-4-12 spelling.
const UUID_LEN: usize = 36;

fn invalid(found: String) -> Error {
    Error::new(Path::root(), ErrorKind::InvalidSecretUri { found })
}

/// Validates `text` by scanning its bytes once, allocating nothing: the byte offset of the ID
/// when `text` is an accepted URI.
fn id_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let id_start = match bytes.strip_prefix(LONG.as_bytes()) {
        // MODEL, then `/` (a UUID holds no `/`, so this is the first one), then the ID.
        Some(qualified) => {
            let model = qualified.get(..UUID_LEN)?;
            (is_uuid(model) && qualified.get(UUID_LEN) == Some(&b'/'))
                .then_some(LONG.len() + UUID_LEN + 1)?
        }
        None => {
            bytes.strip_prefix(SHORT.as_bytes())?;
            SHORT.len()
        }
    };
    let id = &bytes[id_start..];
    (is_juju_id(id) || is_uuid(id)).then_some(id_start)
}

/// Juju's ID, `[0-9a-z]{20}`.
fn is_juju_id(id: &[u8]) -> bool {
    id.len() == 20 && id.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'z'))
}

/// A lowercase UUID, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`.
fn is_uuid(text: &[u8]) -> bool {
    text.len() == UUID_LEN
        && text.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => matches!(b, b'0'..=b'9' | b'a'..=b'f'),
        })
}

impl PartialEq for SecretUri {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for SecretUri {}

impl Hash for SecretUri {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl PartialOrd for SecretUri {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SecretUri {
    fn cmp(&self, other: &Self) -> Ordering {
        self.id().cmp(other.id())
    }
}

impl fmt::Debug for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SecretUri").field(&self.raw).finish()
    }
}

impl fmt::Display for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl FromStr for SecretUri {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SecretUri::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const MODEL: &str = "bc7400b7-2fce-41dd-8509-14a984455cda";

    /// The parser as it was before validation became a byte scan (it split the UUID into a
    /// `Vec` of groups), kept verbatim as the reference the scan must agree with: same
    /// accepted inputs, same ID and model, same errors.
    mod reference {
        use super::super::SecretUri;
        use crate::error::{Error, ErrorKind, Path};

        pub(in super::super) fn parse(text: &str) -> Result<SecretUri, Error> {
            let invalid = || {
                Error::new(
                    Path::root(),
                    ErrorKind::InvalidSecretUri {
                        found: text.to_owned(),
                    },
                )
            };
            let rest = text.strip_prefix("secret:").ok_or_else(invalid)?;
            let id = match rest.strip_prefix("//") {
                Some(qualified) => {
                    let (model, id) = qualified.split_once('/').ok_or_else(invalid)?;
                    if !is_uuid(model) {
                        return Err(invalid());
                    }
                    id
                }
                None => rest,
            };
            if !(is_juju_id(id) || is_uuid(id)) {
                return Err(invalid());
            }
            Ok(SecretUri {
                raw: text.to_owned(),
                id_start: text.len() - id.len(),
            })
        }

        /// The model as the old `SecretUri::model` found it.
        pub(in super::super) fn model(uri: &SecretUri) -> Option<&str> {
            uri.raw
                .strip_prefix("secret://")
                .and_then(|rest| rest.split_once('/'))
                .map(|(model, _)| model)
        }

        fn is_juju_id(id: &str) -> bool {
            id.len() == 20
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        }

        fn is_uuid(text: &str) -> bool {
            let groups: Vec<&str> = text.split('-').collect();
            groups.len() == 5
                && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, len)| {
                    group.len() == len
                        && group
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                })
        }
    }

    /// The new parser against the reference on `text`, through every entry point.
    fn agrees(text: &str) -> Result<(), TestCaseError> {
        let new = SecretUri::parse(text).map(|uri| {
            (
                uri.as_str().to_owned(),
                uri.id().to_owned(),
                uri.model().map(str::to_owned),
            )
        });
        let old = reference::parse(text).map(|uri| {
            (
                uri.as_str().to_owned(),
                uri.id().to_owned(),
                reference::model(&uri).map(str::to_owned),
            )
        });
        prop_assert_eq!(&new, &old, "{:?}", text);
        if let Err(error) = &new {
            prop_assert_eq!(error.to_string(), old.expect_err("both refuse").to_string());
        }
        prop_assert_eq!(SecretUri::is_valid(text), new.is_ok());
        prop_assert_eq!(
            SecretUri::checked(text).map(|uri| uri.as_str().to_owned()),
            new.as_ref().ok().map(|(raw, _, _)| raw.clone())
        );
        if let Some(id) = text.strip_prefix("secret:") {
            let from_id = SecretUri::from_id(id).map(|uri| uri.as_str().to_owned());
            prop_assert_eq!(from_id, new.map(|(raw, _, _)| raw));
        }
        Ok(())
    }

    const UUID: &str = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    /// Every accepted form: `secret:ID` with a base32hex xid, any Juju ID or a UUID (ops'
    /// harness), and `secret://MODEL/ID` with each of those IDs.
    fn valid_uri() -> impl Strategy<Value = String> {
        let id = prop_oneof!["[0-9a-v]{20}".boxed(), "[0-9a-z]{20}".boxed(), UUID.boxed(),];
        (proptest::option::of(UUID), id).prop_map(|(model, id)| match model {
            Some(model) => format!("secret://{model}/{id}"),
            None => format!("secret:{id}"),
        })
    }

    /// Characters at the edges of the accepted classes, the separators, and non-ASCII.
    const EDGE: &[char] = &[
        '0', '9', 'a', 'f', 'g', 'v', 'w', 'z', 'A', 'F', 'Z', '-', '/', ':', '?', ' ', '\0', 'é',
        '😀', '`', '{', '[', '@',
    ];

    #[derive(Clone, Debug)]
    enum Edit {
        Delete(usize),
        Insert(usize, char),
        Replace(usize, char),
        Truncate(usize),
        /// Repeats the character at the index.
        Double(usize),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let at = any::<usize>();
        let ch = prop_oneof![
            proptest::sample::select(EDGE).boxed(),
            any::<char>().boxed()
        ];
        prop_oneof![
            at.prop_map(Edit::Delete),
            (at, ch.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
            (at, ch).prop_map(|(i, c)| Edit::Replace(i, c)),
            at.prop_map(Edit::Truncate),
            at.prop_map(Edit::Double),
        ]
    }

    fn apply(text: &str, edits: &[Edit]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for edit in edits {
            let len = chars.len();
            match *edit {
                Edit::Delete(i) if len > 0 => {
                    chars.remove(i % len);
                }
                Edit::Insert(i, c) => chars.insert(i % (len + 1), c),
                Edit::Replace(i, c) if len > 0 => chars[i % len] = c,
                Edit::Truncate(i) => chars.truncate(i % (len + 1)),
                Edit::Double(i) if len > 0 => chars.insert(i % len, chars[i % len]),
                _ => {}
            }
        }
        chars.into_iter().collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn scan_agrees_with_the_reference_on_arbitrary_strings(text in any::<String>()) {
            agrees(&text)?;
        }

        #[test]
        fn scan_agrees_with_the_reference_on_uri_like_strings(
            text in "(secret:)?(//)?[0-9a-gvwzA-F/:-]{0,60}"
        ) {
            agrees(&text)?;
        }

        #[test]
        fn scan_agrees_with_the_reference_on_valid_uris(text in valid_uri()) {
            prop_assert!(SecretUri::is_valid(&text), "{}", text);
            agrees(&text)?;
        }

        #[test]
        fn scan_agrees_with_the_reference_on_mutated_uris(
            text in valid_uri(),
            edits in proptest::collection::vec(edit(), 1..4),
        ) {
            agrees(&apply(&text, &edits))?;
        }
    }

    #[test]
    fn both_forms_parse() {
        let short = SecretUri::parse("secret:d7fmpmvmp25c7618tfb0").expect("short");
        assert_eq!(short.id(), "d7fmpmvmp25c7618tfb0");
        assert_eq!(short.model(), None);
        let text = format!("secret://{MODEL}/d7fmpmvmp25c7618tfb0");
        let long = SecretUri::parse(&text).expect("long");
        assert_eq!(long.id(), "d7fmpmvmp25c7618tfb0");
        assert_eq!(long.model(), Some(MODEL));
        assert_eq!(long.as_str(), text);
        assert_eq!(long.to_string(), text);
        assert_eq!(format!("{long:?}"), format!("SecretUri({text:?})"));
        assert_eq!(short, long, "same ID, same secret");
        assert_eq!(short.cmp(&long), Ordering::Equal);
        let harness =
            SecretUri::parse("secret:0f8e6a5c-3c2b-4d6e-9f1a-2b3c4d5e6f70").expect("uuid");
        assert_eq!(harness.id(), "0f8e6a5c-3c2b-4d6e-9f1a-2b3c4d5e6f70");
        assert_eq!(
            SecretUri::from_id("12345678901234567890").map(|u| u.to_string()),
            Ok("secret:12345678901234567890".to_owned())
        );
        assert!("secret:d7fmpmvmp25c7618tfb0".parse::<SecretUri>().is_ok());
    }

    #[test]
    fn anything_else_is_rejected_naming_the_value() {
        for bad in [
            "",
            "foo",
            "notasecret",
            "xsecret:d7fmpmvmp25c7618tfb0",
            "foo secret:d7fmpmvmp25c7618tfb0",
            "secret:d7fmpmvmp25c7618tfb0 ",
            "secret:d7fmpmvmp25c7618tfb",
            "secret:d7fmpmvmp25c7618tfb00",
            "secret:D7FMPMVMP25C7618TFB0",
            "secret:d7fmpmvmp25c7618tf-0",
            "secret:",
            "secret://d7fmpmvmp25c7618tfb0",
            "secret:///d7fmpmvmp25c7618tfb0",
            "secret://not-a-uuid/d7fmpmvmp25c7618tfb0",
            "secret://bc7400b7-2fce-41dd-8509-14a984455cda/",
            "secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0/x",
            "secret:0f8e6a5c-3c2b-4d6e-9f1a-2b3c4d5e6f7",
            "secret:0F8E6A5C-3C2B-4D6E-9F1A-2B3C4D5E6F70",
            "secret:d7fmpmvmp25c7618tfb0?revision=1",
        ] {
            let error = SecretUri::parse(bad).expect_err(bad);
            assert_eq!(
                error.kind(),
                &ErrorKind::InvalidSecretUri {
                    found: bad.to_owned()
                },
                "{bad}"
            );
        }
    }
}
