//! Talking to Juju: the [`Backend`] a charm reads and writes relation databags and secrets
//! through, with two implementations.
//!
//! - [`HookTools`] runs Juju's hook tools (`relation-get`, `relation-set`, `secret-add`, ...)
//!   from a hook process, with their JSON output formats. Secret content never appears on a
//!   command line.
//! - `Memory` acts on an in-memory `Model` of applications, relations and secrets, for unit
//!   tests (cargo feature `testing`). It follows the same rules (`State`) and fails with the
//!   same errors.
//!
//! Errors ([`Error`]) name the hook tool, its arguments and what Juju printed, and sort Juju's
//! refusals into kinds ([`ErrorKind::NotLeader`], [`ErrorKind::SecretNotFound`],
//! [`ErrorKind::PermissionDenied`], ...).
//!
//! ```
//! use databag::juju::{Backend, BagOf, BagUpdate, Model, RelationId, State};
//!
//! let mut state = State::new("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
//! state.add_app("requirer", 2);
//! state.add_app("valkey", 1);
//! let number = state.relate("requirer", "cache", "valkey", "valkey-client");
//! let model = Model::new(state);
//!
//! let leader = model.unit("requirer/0");
//! let relation = RelationId::new("cache", number);
//! let update = BagUpdate::from([("version".to_owned(), Some("v1".to_owned()))]);
//! leader.write_app(&relation, &update)?;
//!
//! // Only the leader writes the app databag, as in Juju.
//! let error = model.unit("requirer/1").write_app(&relation, &update).unwrap_err();
//! assert_eq!(error.kind(), databag::juju::ErrorKind::NotLeader);
//!
//! let provider = model.unit("valkey/0");
//! let seen = provider.read(&RelationId::new("valkey-client", number), &BagOf::RemoteApp)?;
//! assert_eq!(seen["version"], "v1");
//! # Ok::<(), databag::juju::Error>(())
//! ```

mod backend;
mod env;
mod error;
mod event;
mod hook_tools;
#[cfg(any(test, feature = "testing"))]
mod memory;
mod resolver;
#[cfg(any(test, feature = "testing"))]
pub mod state;
mod status;

pub use backend::{
    Backend, BagOf, BagUpdate, CharmState, Fetch, MAX_STATE_KEY, MAX_STATE_VALUE, RelationId,
    SecretInfo, SecretOwner, SecretRef, apply, check_secret_content, diff,
};
pub use env::HookContext;
pub use error::{Error, ErrorKind, ToolFailure};
pub use event::{Event, RelationHook};
pub use hook_tools::HookTools;
#[cfg(any(test, feature = "testing"))]
pub use memory::{Memory, Model, ToolCall};
pub use resolver::BackendResolver;
#[cfg(any(test, feature = "testing"))]
pub use state::State;
pub use status::{Level, WorkloadStatus};
