// Hand-written (not generated): the relation statuses a provider raises when it refuses a
// request (PROTOCOL.md §8, §17), instead of crashing as the reference does.

use std::collections::BTreeMap;
use std::fmt;

use databag::{Bag, Unknown};

use super::events::encode_statuses;
use crate::valkey_client::Status;

/// The relation status codes this provider raises (class `code / 1000`: 5 = fatal, the
/// request is not answered until the requirer fixes it). The Valkey charm raises none.
pub mod status_codes {
    /// The requirer's databag cannot be read: not JSON, a missing key (a v1 request without
    /// `request-id`), an unknown `version`. Nothing is answered.
    pub const INVALID_DATABAG: i64 = 5001;
    /// A request's prefix was refused (empty, whitespace, ACL or glob syntax).
    pub const INVALID_PREFIX: i64 = 5002;
    /// A request's id was refused (not `^[A-Za-z0-9_-]{1,64}$`, or used twice).
    pub const INVALID_REQUEST_ID: i64 = 5003;
    /// An answered request now asks for another prefix (the reference: "Cannot change
    /// resource after relation has already been created").
    pub const PREFIX_CHANGED: i64 = 5004;
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

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.index, &self.request_id) {
            (Some(index), Some(id)) => write!(f, "requests[{index}] (request-id {id:?}): ")?,
            (Some(index), None) => write!(f, "requests[{index}]: ")?,
            (None, Some(id)) => write!(f, "request-id {id:?}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.reason)
    }
}

/// Sets (or deletes) the `status` key of `bag`: one status per code, the reasons of every
/// refusal with that code joined, as the reference keys statuses by code.
pub(crate) fn set_statuses(bag: &mut Bag, refusals: &[Refusal]) -> Result<(), databag::Error> {
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
            message: reasons.join("; "),
            resolution: resolution(code).to_owned(),
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

fn resolution(code: i64) -> &'static str {
    match code {
        status_codes::INVALID_DATABAG => {
            "Fix the requirer's application databag (see the message); nothing is answered until then."
        }
        status_codes::INVALID_PREFIX => {
            "Ask for a prefix of ASCII letters, digits and `: . _ / -`, optionally ending in one `*`."
        }
        status_codes::INVALID_REQUEST_ID => {
            "Use request ids of 1 to 64 ASCII letters, digits, `_` or `-`, each once."
        }
        status_codes::PREFIX_CHANGED => {
            "Keep the prefix of an answered request; ask for another prefix with a new request."
        }
        _ => "See the message.",
    }
}
