//! The data-interfaces relation engine: the requirer and provider flows of every client
//! interface that follows the protocol `dpcharmlibs-interfaces` implements (requests and
//! responses, request ids and salts, secret groups and labels, the provider's `data`
//! contract, the requirer's diff memory and events, statuses, v0/v1 dispatch, leadership).
//!
//! The flows are written once, generic over an [`Interface`]: the types of one spec, which
//! `databag-codegen` implements for every spec that declares `protocol: data-interfaces`.
//! What a provider grants for a request is the one thing the protocol leaves open; a
//! [`Policy`] says it (a database charm: a user and a database; Valkey: a user confined to a
//! key prefix).
//!
//! - [`Requirer`]: writes the requests once at relation-created, then on relation-changed reads
//!   the provider's answers, resolves their secrets and reports what changed ([`Event`]) the
//!   way the reference library does.
//! - [`Provider`]: answers every valid request with what its policy grants, secret fields in
//!   Juju Secrets under the reference's labels, in the requirer's wire version, in one
//!   databag write; refuses hostile input with a relation `status` instead of crashing;
//!   cleans up on relation-broken.
//!
//! Both act through a [`Backend`](crate::juju::Backend): hook tools in a charm, the in-memory
//! model in tests. Every method is safe to run again after a failure: secrets are found by
//! label before one is created, and the databag is written last, in one call.
//!
//! ```
//! use databag::juju::{Model, RelationId, State};
//! use databag::relation::{Event, Grant, Interface, Policy, PolicyError, Provider, Reply, Requirer};
//! use databag::{Databag, Secret, SecretUri, Unknown};
//!
//! // What codegen emits for a spec: the request and response objects, the four databags.
//! # #[derive(Clone, Debug, PartialEq, Databag)]
//! # pub struct Request { pub resource: String, pub request_id: String, pub salt: String,
//! #   #[databag(flatten)] pub extra: Unknown }
//! #[derive(Clone, Debug, PartialEq, Databag)]
//! pub struct Response {
//!     pub resource: String,
//!     pub request_id: String,
//!     pub salt: String,
//!     pub endpoints: Option<String>,
//!     #[databag(secret_uri = "user")]
//!     pub secret_user: Option<SecretUri>,
//!     #[databag(secret = "user")]
//!     pub username: Option<Secret<String>>,
//!     #[databag(secret = "user")]
//!     pub password: Option<Secret<String>>,
//!     #[databag(flatten)]
//!     pub extra: Unknown,
//! }
//! # #[derive(Databag)] pub struct RequirerV0 { pub database: String, #[databag(flatten)] pub extra: Unknown }
//! # #[derive(Databag)] pub struct RequirerV1 { #[databag(constant = "v1")] pub version: String,
//! #   pub requests: Vec<Request>, #[databag(flatten)] pub extra: Unknown }
//! # #[derive(Databag)] pub struct ProviderV0 { pub database: Option<String>, pub resource: Option<String>,
//! #   pub salt: Option<String>, pub endpoints: Option<String>,
//! #   #[databag(secret_uri = "user")] pub secret_user: Option<SecretUri>,
//! #   #[databag(secret = "user")] pub username: Option<Secret<String>>,
//! #   #[databag(secret = "user")] pub password: Option<Secret<String>>,
//! #   pub data: Option<databag::Value>, pub status: Option<databag::Value>,
//! #   #[databag(flatten)] pub extra: Unknown }
//! # #[derive(Databag)] pub struct ProviderV1 { #[databag(constant = "v1")] pub version: String,
//! #   pub requests: Vec<Response>, pub data: Option<databag::Value>,
//! #   pub status: Option<databag::Value>, #[databag(flatten)] pub extra: Unknown }
//! pub struct MyDb;
//! impl Interface for MyDb {
//!     const NAME: &'static str = "mydb_client";
//!     const V0_RESOURCE_KEY: &'static str = "database";
//!     type Request = Request;
//!     type Response = Response;
//!     type RequirerV0 = RequirerV0;
//!     type RequirerV1 = RequirerV1;
//!     type ProviderV0 = ProviderV0;
//!     type ProviderV1 = ProviderV1;
//! }
//!
//! // The provider's policy: one user per request, all on one server.
//! struct Users;
//! impl Policy<MyDb> for Users {
//!     type Input = str;
//!     fn respond(&mut self, grant: &Grant<'_, MyDb>, server: &str) -> Result<Reply<Response>, PolicyError> {
//!         let user = format!("relation-{}", grant.relation.number());
//!         let fresh = grant.previous.is_none_or(|previous| previous.secret_user.is_none());
//!         Ok(Reply {
//!             response: Response {
//!                 endpoints: Some(server.to_owned()),
//!                 username: fresh.then(|| Secret::new(user.clone())),
//!                 password: fresh.then(|| Secret::new("generated elsewhere".to_owned())),
//!                 ..grant.echo()?
//!             },
//!             created: fresh.then_some(user),
//!         })
//!     }
//! }
//!
//! let mut state = State::new("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
//! state.add_app("app", 1);
//! state.add_app("db", 1);
//! let number = state.relate("app", "db", "db", "database");
//! let model = Model::new(state);
//! let (app, db) = (model.unit("app/0"), model.unit("db/0"));
//!
//! // relation-created on the requirer; relation-changed on the provider; then the requirer.
//! let mut requirer = Requirer::<MyDb>::new(&app, "db").with_log(|_, _| {});
//! requirer.request(&RelationId::new("db", number), &["orders"])?;
//! Provider::new(&db, "database", Users)
//!     .with_log(|_, _| {})
//!     .reconcile(&RelationId::new("database", number), "10.0.0.7:5432")?;
//! let answers = requirer.read(&RelationId::new("db", number))?;
//! assert_eq!(answers.responses[0].endpoints.as_deref(), Some("10.0.0.7:5432"));
//! assert!(answers.responses[0].password.is_some());
//! assert!(matches!(answers.events[0], Event::ResourceCreated { .. }));
//! # Ok::<(), databag::relation::FlowError>(())
//! ```

mod answer;
mod cache;
mod events;
mod interface;
mod profile;
mod provider;
mod refusal;
mod requirer;
mod secrets;
mod trust;

use std::fmt;

pub use cache::{CACHE_BUDGET, CACHE_PREFIX};
pub use events::{Event, Status};
pub use interface::{Interface, RequestId, RequestIdError, V0_REQUEST_ID, excerpt};
pub use profile::WriterProfile;
pub use provider::{
    Cleanup, DEFAULT_REQUEST_LIMIT, Grant, Policy, PolicyError, Provider, Reconciled, Reply,
};
pub use refusal::{Refusal, status_codes};
pub use requirer::{Answers, Problem, Requirer, WireVersion};
pub use trust::BINDINGS_KEY;

/// How important a log line is; the engine's log lines use Juju's levels.
pub use crate::juju::Level;

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
        source: Box<crate::juju::Error>,
    },
    /// A databag could not be read or encoded; the error names the key.
    Databag {
        /// Which databag.
        context: String,
        /// The decoding or encoding error (boxed, as above).
        source: Box<crate::Error>,
    },
    /// The provider's [`Policy`] failed (a user could not be created).
    Policy {
        /// What the flow was doing.
        context: String,
        /// The policy's error.
        source: PolicyError,
    },
    /// The charm asked for something the interface cannot carry (an invalid resource, two
    /// resources on the v0 wire).
    Invalid(String),
    /// The operating system's random number generator failed.
    Random(String),
}

impl FlowError {
    /// Whether the hook should fail on this error so that Juju rolls it back and runs it
    /// again: a hook tool or the OS failed, and a retry converges once it works. Anything
    /// else (a peer's data, the charm's own policy, a databag written by someone else) would
    /// fail every retry too and keep the unit in error, so the flows report it and go on.
    pub fn fails_the_hook(&self) -> bool {
        matches!(self, FlowError::Juju { .. } | FlowError::Random(_))
    }

    pub(crate) fn juju(context: impl Into<String>, source: crate::juju::Error) -> Self {
        FlowError::Juju {
            context: context.into(),
            source: Box::new(source),
        }
    }

    pub(crate) fn databag(context: impl Into<String>, source: crate::Error) -> Self {
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
            FlowError::Policy { context, source } => write!(f, "{context}: {source}"),
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
            FlowError::Policy { source, .. } => Some(source.as_ref()),
            FlowError::Invalid(_) | FlowError::Random(_) => None,
        }
    }
}

/// `len` characters from `[A-Za-z0-9]`, drawn from the OS CSPRNG (the reference library uses
/// Python's `random`, not a CSPRNG, for salts; PROTOCOL.md §12): salts, and passwords a
/// [`Policy`] creates. Rejection sampling keeps every character equally likely.
pub fn random_alphanumeric(len: usize) -> Result<String, FlowError> {
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
