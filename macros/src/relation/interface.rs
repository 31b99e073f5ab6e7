//! What the engine needs to know of one data-interfaces spec, and the conversions between its
//! typed structs and the JSON objects the engine merges (PROTOCOL.md §4, §5, §10, §18.5).

use std::fmt;

use super::profile::WriterProfile;
use crate::{Databag, Error, Object, Path, Value};

/// One data-interfaces spec, as the relation engine sees it: the request and response
/// objects and the four app databags (two roles, two wire versions).
///
/// `databag-codegen` implements it for every spec that declares `protocol: data-interfaces`;
/// the spec's validation guarantees the layout the engine relies on: `request` and `response`
/// objects starting with `resource`, `request-id` and `salt`, secret URIs under
/// `secret-<group>`, a v1 `requests` list in both roles, the provider's `data` and `status`.
pub trait Interface {
    /// The interface name (`valkey_client`), for messages.
    const NAME: &'static str;
    /// The key a v0 requirer writes its resource under (`database`, `topic`), one of the
    /// reference's resource aliases (PROTOCOL.md §10); the v0 provider echoes it.
    const V0_RESOURCE_KEY: &'static str;
    /// One request of a v1 requirer (`requests[n]`).
    type Request: Databag + Clone + fmt::Debug;
    /// The provider's answer to one request (`requests[n]` of a v1 provider).
    type Response: Databag + Clone + fmt::Debug + PartialEq;
    /// The requirer's flat v0 app databag.
    type RequirerV0: Databag;
    /// The requirer's v1 app databag (`version: v1`, `requests`).
    type RequirerV1: Databag;
    /// The provider's flat v0 app databag.
    type ProviderV0: Databag;
    /// The provider's v1 app databag (`version: v1`, `requests`, `data`, `status`).
    type ProviderV1: Databag;
    /// What each release of the reference library writes (the spec's `writers`), in the
    /// spec's order; empty when the spec declares none.
    const PROFILES: &'static [WriterProfile] = &[];
    /// The profile both flows write unless told otherwise (the spec's `writers.default`).
    const DEFAULT_PROFILE: &'static WriterProfile = &WriterProfile::COMPACT;

    /// The profile named `name` (a release such as `1.2.2`, or `compact`).
    fn profile(name: &str) -> Option<&'static WriterProfile> {
        if name == WriterProfile::COMPACT.name {
            return Some(&WriterProfile::COMPACT);
        }
        Self::PROFILES.iter().find(|profile| profile.name == name)
    }
}

/// The JSON object of a typed value (wire names; secret fields included, so it never leaves
/// the engine without being split).
pub(crate) fn object_of<T: Databag>(value: &T) -> Object {
    value.__to_object()
}

/// The typed value of an object, checked against its shape.
pub(crate) fn typed<T: Databag>(object: Object) -> Result<T, Error> {
    T::__from_object(object, &Path::root())
}

/// The objects in the JSON list under `key` (`requests`).
pub(crate) fn list_at(object: &Object, key: &str) -> Vec<Object> {
    match object.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).cloned().collect(),
        _ => Vec::new(),
    }
}

/// The string under `key`, `""` when absent or not a string.
pub(crate) fn text_at<'o>(object: &'o Object, key: &str) -> &'o str {
    object.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The request id of a v0 request or answer in the engine's typed view ([`Grant::request`],
/// v0 responses in [`Answers`]): the v0 wire carries none, and the generated types refuse an
/// empty id (their `pattern`, PROTOCOL.md §18.5). Never written: a v0 answer has no
/// `request-id` key, and v0 secret labels name no request.
///
/// [`Grant::request`]: super::Grant::request
/// [`Answers`]: super::Answers
pub const V0_REQUEST_ID: &str = "v0";

/// A v0 requirer's flat databag read as a request: `resource` from the v0 key `key`, the id
/// [`V0_REQUEST_ID`], no salt, the bookkeeping lists left out.
pub(crate) fn v0_request(flat: &Object, key: &str) -> Object {
    let mut request = Object::new();
    request.insert(
        "resource".to_owned(),
        Value::String(text_at(flat, key).to_owned()),
    );
    request.insert(
        "request-id".to_owned(),
        Value::String(V0_REQUEST_ID.to_owned()),
    );
    request.insert("salt".to_owned(), Value::String(String::new()));
    for (name, value) in flat {
        let bookkeeping = ["requested-secrets", "provided-secrets", "resource"];
        if name != key && !bookkeeping.contains(&name.as_str()) {
            request.insert(name.clone(), value.clone());
        }
    }
    request
}

/// A flat v0 answer read as a response: `resource` from the v0 key (or `resource`), the
/// request id [`V0_REQUEST_ID`], a salt (`""` when the answer has none), only the response's declared fields.
pub(crate) fn v0_response<I: Interface>(flat: Object) -> Object {
    let shape = I::Response::shape();
    let resource = [I::V0_RESOURCE_KEY, "resource"]
        .iter()
        .map(|key| text_at(&flat, key))
        .find(|text| !text.is_empty())
        .unwrap_or_default()
        .to_owned();
    let salt = text_at(&flat, "salt").to_owned();
    let mut response: Object = flat
        .into_iter()
        .filter(|(key, _)| shape.field(key).is_some())
        .collect();
    response.insert("resource".to_owned(), Value::String(resource));
    response.insert(
        "request-id".to_owned(),
        Value::String(V0_REQUEST_ID.to_owned()),
    );
    response.insert("salt".to_owned(), Value::String(salt));
    response
}

/// A request id safe for usernames, secret labels and ACL lines: `^[A-Za-z0-9_-]{1,64}$`
/// (PROTOCOL.md §18.5). Foreign ids are accepted as they are (nobody re-hashes them); only
/// their characters are checked: a `.` would break label parsing, a space an ACL line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(String);

/// Why a request id was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestIdError(String);

impl RequestId {
    /// Checks a request id.
    pub fn parse(text: &str) -> Result<RequestId, RequestIdError> {
        let valid = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(RequestId(text.to_owned()))
        } else {
            Err(RequestIdError(excerpt(text)))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for RequestIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid request id \"{}\" (expected 1 to 64 ASCII letters, digits, `_` or `-`)",
            self.0
        )
    }
}

impl std::error::Error for RequestIdError {}

/// Peer text as it may appear in a log line or a status: escaped as Rust's `{:?}` escapes it,
/// at most 64 characters (a hostile peer's megabyte never reaches a databag or a log in full).
pub fn excerpt(text: &str) -> String {
    bounded(text, 64, true)
}

/// At most `limit` characters of `text`, then its size when cut; control characters escaped,
/// and with `debug` also quotes and backslashes.
pub(crate) fn bounded(text: &str, limit: usize, debug: bool) -> String {
    let mut out = String::new();
    for c in text.chars().take(limit) {
        if debug {
            out.extend(c.escape_debug());
        } else if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if text.chars().nth(limit).is_some() {
        out.push_str(&format!("… ({} bytes)", text.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_follow_the_protocol_pattern() {
        assert!(RequestId::parse("836763deea236532").is_ok());
        assert!(RequestId::parse("r1").is_ok());
        for bad in ["", "a.b", "a b", "x\n", &"a".repeat(65)] {
            assert!(RequestId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn excerpts_are_short_and_escaped() {
        assert_eq!(excerpt("a\nb"), "a\\nb");
        let long = "x".repeat(1_000_000);
        let shown = excerpt(&long);
        assert!(shown.len() < 100, "{shown}");
        assert!(shown.ends_with("(1000000 bytes)"), "{shown}");
    }
}
