// Hand-written (not generated): the requirer and provider flows of `valkey_client` on top of
// the generated bindings and a Juju backend (PROTOCOL.md §4-§14, §17-§18).

//! The two sides of a `valkey_client` relation, as hook handlers a charm calls.
//!
//! - [`Requirer`]: writes the requests once at relation-created (one per key prefix), then on
//!   relation-changed reads the provider's answers, resolves their secrets and reports what
//!   changed ([`Event`]) the way the reference library does (§14).
//! - [`Provider`]: answers every valid request with a Valkey user ([`UserStore`]) and the
//!   `user` and `tls` Juju Secrets (labels byte-exact, §11.4), in the requirer's wire version,
//!   in one databag write; keeps endpoints, TLS and version current; refuses hostile input
//!   with a relation `status` instead of crashing; cleans up on relation-broken.
//!
//! Both act through a [`Backend`](databag::juju::Backend): hook tools in a charm, the
//! in-memory model in unit tests. Every method is safe to run again after a failure: secrets
//! are found by label before one is created, and the databag is written last, in one call.
//!
//! ```
//! use databag::juju::{Model, RelationId, State};
//! use valkey_client::relation::{Event, MemoryUserStore, Provider, Requirer, ServerInfo};
//!
//! let mut state = State::new("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
//! state.add_app("app", 1);
//! state.add_app("valkey", 1);
//! let number = state.relate("app", "cache", "valkey", "valkey-client");
//! let model = Model::new(state);
//! let (app, valkey) = (model.unit("app/0"), model.unit("valkey/0"));
//!
//! // relation-created on the requirer: one request for the prefix `app:*`.
//! let mut requirer = Requirer::new(&app, "cache").with_log(|_, _| {});
//! requirer.request(&RelationId::new("cache", number), &["app:*"])?;
//!
//! // relation-changed on the provider: a user, two secrets, one databag write.
//! let mut users = MemoryUserStore::new();
//! let server = ServerInfo::new("10.0.0.1:6379");
//! Provider::new(&valkey, "valkey-client", &mut users)
//!     .with_log(|_, _| {})
//!     .reconcile(&RelationId::new("valkey-client", number), &server)?;
//! assert_eq!(users.len(), 1);
//!
//! // relation-changed on the requirer: resolved credentials and `resource_created`.
//! let answers = requirer.read(&RelationId::new("cache", number))?;
//! let response = &answers.responses[0];
//! assert_eq!(response.endpoints, "10.0.0.1:6379");
//! assert!(response.password.is_some());
//! assert!(matches!(answers.events[0], Event::ResourceCreated { .. }));
//! # Ok::<(), valkey_client::relation::FlowError>(())
//! ```

mod answer;
mod events;
mod provider;
mod refusal;
mod requirer;
mod secrets;
mod store;

#[cfg(test)]
mod tests;

use std::fmt;

pub use events::{Event, ServerKey};
pub use provider::{Cleanup, Provider, Reconciled, ServerInfo};
pub use refusal::{Refusal, status_codes};
pub use requirer::{Answers, Requirer, WireVersion};
pub use store::{MemoryUserStore, StoreError, StoredUser, UserStore, users_of_relation};

/// How important a log line is (Juju's `juju-log` levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// Details for debugging.
    Debug,
    /// Normal progress.
    Info,
    /// Something was refused or skipped; the hook goes on.
    Warning,
    /// The hook fails.
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        })
    }
}

/// Where the flows send their log lines. No line ever holds a secret value: lines name keys,
/// request ids, usernames, labels and URIs only.
pub(crate) type Log<'a> = Box<dyn FnMut(Level, &str) + 'a>;

/// The default log: one line per message on stderr, as a hook's output that Juju records.
pub(crate) fn stderr_log<'a>() -> Log<'a> {
    Box::new(|level, message| eprintln!("{level} {message}"))
}

/// An error of a relation flow: what the flow was doing, and the error under it.
///
/// Display: `<context>: <cause>`, e.g. ``relation valkey-client:0, requests[0] (request-id
/// c4c5c119c9345ffa), secret `user`: not the leader: `secret-add --label ... ` exited with
/// status 1: ERROR this unit is not the leader``. Never contains a secret value.
#[derive(Debug)]
#[non_exhaustive]
pub enum FlowError {
    /// A hook tool failed; the Juju error names the tool, its arguments and its stderr.
    Juju {
        /// What the flow was doing.
        context: String,
        /// The backend's error (boxed: it is large, and errors are rare).
        source: Box<databag::juju::Error>,
    },
    /// A databag could not be read or encoded; the error names the key.
    Databag {
        /// Which databag.
        context: String,
        /// The decoding or encoding error (boxed, as above).
        source: Box<databag::Error>,
    },
    /// The user store failed.
    Users {
        /// What the flow was doing.
        context: String,
        /// The store's error.
        source: StoreError,
    },
    /// The charm asked for something the interface cannot carry (an invalid prefix, two
    /// prefixes on the v0 wire).
    Invalid(String),
    /// The operating system's random number generator failed.
    Random(String),
}

impl FlowError {
    pub(crate) fn juju(context: impl Into<String>, source: databag::juju::Error) -> Self {
        FlowError::Juju {
            context: context.into(),
            source: Box::new(source),
        }
    }

    pub(crate) fn databag(context: impl Into<String>, source: databag::Error) -> Self {
        FlowError::Databag {
            context: context.into(),
            source: Box::new(source),
        }
    }

    /// The hook tool that failed, when a hook tool failed.
    pub fn tool(&self) -> Option<&str> {
        match self {
            FlowError::Juju { source, .. } => source.tool(),
            _ => None,
        }
    }
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowError::Juju { context, source } => write!(f, "{context}: {source}"),
            FlowError::Databag { context, source } => write!(f, "{context}: {source}"),
            FlowError::Users { context, source } => write!(f, "{context}: user store: {source}"),
            FlowError::Invalid(message) => f.write_str(message),
            FlowError::Random(message) => {
                write!(f, "the system random number generator failed: {message}")
            }
        }
    }
}

impl std::error::Error for FlowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FlowError::Juju { source, .. } => Some(source.as_ref()),
            FlowError::Databag { source, .. } => Some(source.as_ref()),
            FlowError::Users { source, .. } => Some(source.as_ref()),
            FlowError::Invalid(_) | FlowError::Random(_) => None,
        }
    }
}

/// `len` characters from `[A-Za-z0-9]`, drawn from the OS CSPRNG (the reference library uses
/// Python's `random`, not a CSPRNG, for salts; §12). Rejection sampling keeps every
/// character equally likely.
pub(crate) fn random_alphanumeric(len: usize) -> Result<String, FlowError> {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    // 248 = 4 * 62: bytes below it map uniformly onto the alphabet.
    const LIMIT: u8 = 248;
    let mut out = String::with_capacity(len);
    let mut buffer = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buffer).map_err(|error| FlowError::Random(error.to_string()))?;
        for byte in buffer {
            if byte < LIMIT && out.len() < len {
                out.push(char::from(ALPHABET[usize::from(byte % 62)]));
            }
        }
    }
    Ok(out)
}
