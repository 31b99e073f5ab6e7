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

    /// The URI of secret `id` in the short form `secret:ID`.
    pub fn from_id(id: &str) -> Result<SecretUri, Error> {
        SecretUri::parse(&format!("secret:{id}"))
    }

    /// The secret's ID (`d7fmpmvmp25c7618tfb0`).
    pub fn id(&self) -> &str {
        &self.raw[self.id_start..]
    }

    /// The model UUID of the long form `secret://MODEL/ID`.
    pub fn model(&self) -> Option<&str> {
        self.raw
            .strip_prefix("secret://")
            .and_then(|rest| rest.split_once('/'))
            .map(|(model, _)| model)
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
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
    use super::*;

    const MODEL: &str = "bc7400b7-2fce-41dd-8509-14a984455cda";

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
