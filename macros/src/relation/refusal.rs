//! The relation statuses a provider raises when it refuses a request (PROTOCOL.md §8, §17),
//! instead of crashing as the reference does.

use std::collections::BTreeMap;
use std::fmt;

use super::events::{Status, encode_statuses};
use super::interface::excerpt;
use crate::{Bag, Unknown};

/// The relation status codes the engine raises (class `code / 1000`: 5 = fatal, the request
/// is not answered until the requirer fixes it). Policies may raise their own codes. The
/// reference library raises none.
pub mod status_codes {
    /// The requirer's databag cannot be read: not JSON, a missing key (a v1 request without
    /// `request-id`), an unknown `version`. Nothing is answered.
    pub const INVALID_DATABAG: i64 = 5001;
    /// A request's resource was refused by the provider's policy (Valkey: a prefix with
    /// whitespace, ACL or glob syntax).
    pub const INVALID_RESOURCE: i64 = 5002;
    /// A request's id was refused (not `^[A-Za-z0-9_-]{1,64}$`, or used twice).
    pub const INVALID_REQUEST_ID: i64 = 5003;
    /// An answered request now asks for another resource (the reference: "Cannot change
    /// resource after relation has already been created").
    pub const RESOURCE_CHANGED: i64 = 5004;
}

/// A request the provider did not answer, and why; also sent to the requirer as a relation
/// `status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Index in `requests` (v1); `None` for the whole databag or a v0 request.
    pub index: Option<usize>,
    /// The request id as received (escaped when shown).
    pub request_id: Option<String>,
    /// The status code raised ([`status_codes`]).
    pub code: i64,
    /// Why.
    pub reason: String,
}

impl Refusal {
    /// A refusal of the request at hand with `code` and `reason` (peer text in it quoted
    /// through [`excerpt`](super::excerpt)); the engine fills in which request it was.
    pub fn new(code: i64, reason: impl Into<String>) -> Self {
        Refusal {
            index: None,
            request_id: None,
            code,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |id: &str| excerpt(id);
        match (&self.index, &self.request_id) {
            (Some(index), Some(id)) => {
                write!(f, "requests[{index}] (request-id \"{}\"): ", quoted(id))?
            }
            (Some(index), None) => write!(f, "requests[{index}]: ")?,
            (None, Some(id)) => write!(f, "request-id \"{}\": ", quoted(id))?,
            (None, None) => {}
        }
        f.write_str(&self.reason)
    }
}

/// How many refusal reasons one status message lists; the rest are counted. Every requirer
/// unit reads the status, so a peer's thousand bad requests must not become a megabyte.
const REASONS_SHOWN: usize = 5;

/// The reasons of one status: the first [`REASONS_SHOWN`], then how many more there are.
fn joined_reasons(reasons: &[String]) -> String {
    let mut message = reasons
        .iter()
        .take(REASONS_SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if reasons.len() > REASONS_SHOWN {
        message.push_str(&format!("; and {} more", reasons.len() - REASONS_SHOWN));
    }
    message
}

/// Sets (or deletes) the `status` key of `bag`: one status per code, the reasons of every
/// refusal with that code joined, as the reference keys statuses by code; `resolution` tells
/// what resolves a code the engine does not know.
pub(crate) fn set_statuses(
    bag: &mut Bag,
    refusals: &[Refusal],
    resolution: &dyn Fn(i64) -> Option<String>,
) -> Result<(), crate::Error> {
    let mut by_code: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for refusal in refusals {
        by_code
            .entry(refusal.code)
            .or_default()
            .push(refusal.to_string());
    }
    let statuses: Vec<Status> = by_code
        .into_iter()
        .map(|(code, reasons)| Status {
            code,
            message: joined_reasons(&reasons),
            resolution: resolution(code).unwrap_or_else(|| engine_resolution(code).to_owned()),
            extra: Unknown::new(),
        })
        .collect();
    match encode_statuses(&statuses)? {
        Some(value) => {
            bag.insert("status".to_owned(), value);
        }
        None => {
            bag.remove("status");
        }
    }
    Ok(())
}

fn engine_resolution(code: i64) -> &'static str {
    match code {
        status_codes::INVALID_DATABAG => {
            "Fix the requirer's application databag (see the message); nothing is answered until then."
        }
        status_codes::INVALID_RESOURCE => {
            "Ask for a resource the provider accepts (see the message)."
        }
        status_codes::INVALID_REQUEST_ID => {
            "Use request ids of 1 to 64 ASCII letters, digits, `_` or `-`, each once."
        }
        status_codes::RESOURCE_CHANGED => {
            "Keep the resource of an answered request; ask for another one with a new request."
        }
        _ => "See the message.",
    }
}
