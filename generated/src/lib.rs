//! Typed bindings of the Juju `valkey_client` relation interface.
//!
//! [`valkey_client`] is generated from `spec/valkey_client/v1.yaml` by `databag generate`,
//! committed as `bindings/valkey_client/v1.rs` and compiled by `databag-interfaces` (no build
//! script: a charm depending on this crate never builds the generator); `databag check` in CI
//! keeps it equal to what the spec generates. Next to it: the JSON Schemas (`json_schemas/`) and
//! the interface document (`docs/`). The structs derive `databag::Databag`; the enums
//! [`valkey_client::RequirerAppData`] and [`valkey_client::ProviderAppData`] tell the wire
//! versions apart by the requirer's `version` key.
//!
//! ```
//! use databag::{Bag, Versioned};
//! use valkey_client::valkey_client::RequirerAppData;
//!
//! let requests = r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN"}]"#;
//! let bag = Bag::from([
//!     ("requests".to_owned(), requests.to_owned()),
//!     ("version".to_owned(), "v1".to_owned()),
//! ]);
//! let RequirerAppData::V1(data) = RequirerAppData::from_bag(&bag)? else {
//!     panic!("`version: v1` selects the v1 layout");
//! };
//! assert_eq!(data.requests[0].resource, "application:*");
//! # Ok::<(), databag::Error>(())
//! ```
#![warn(missing_docs)]

/// Re-exported from `databag-interfaces`, which compiles the committed bindings.
#[doc(inline)]
pub use databag_interfaces::valkey_client;

pub mod valkey;

/// The relation flows of `valkey_client`: the data-interfaces engine (`databag::relation`)
/// with the generated [`ValkeyClient`](valkey_client::ValkeyClient) and the Valkey policy
/// ([`ValkeyPolicy`](crate::valkey::ValkeyPolicy)).
///
/// ```
/// use databag::juju::{Model, RelationId, State};
/// use valkey_client::relation::{Event, Provider, Requirer};
/// use valkey_client::valkey::{KeyPrefix, MemoryUserStore, ServerInfo, ValkeyPolicy};
///
/// let mut state = State::new("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
/// state.add_app("app", 1);
/// state.add_app("valkey", 1);
/// let number = state.relate("app", "cache", "valkey", "valkey-client");
/// let model = Model::new(state);
/// let (app, valkey) = (model.unit("app/0"), model.unit("valkey/0"));
///
/// // relation-created on the requirer: one request for the prefix `app:*`.
/// let mut requirer = Requirer::new(&app, "cache")
///     .with_resource_check(KeyPrefix::parse)
///     .with_log(|_, _| {});
/// requirer.request(&RelationId::new("cache", number), &["app:*"])?;
///
/// // relation-changed on the provider: a user, two secrets, one databag write.
/// let mut users = MemoryUserStore::new();
/// let server = ServerInfo::new("10.0.0.1:6379");
/// Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(&mut users))
///     .with_log(|_, _| {})
///     .reconcile(&RelationId::new("valkey-client", number), &server)?;
/// assert_eq!(users.len(), 1);
///
/// // relation-changed on the requirer: resolved credentials and `resource_created`.
/// let answers = requirer.read(&RelationId::new("cache", number))?;
/// let response = &answers.responses[0];
/// assert_eq!(response.endpoints, "10.0.0.1:6379");
/// assert!(response.password.is_some());
/// assert!(matches!(answers.events[0], Event::ResourceCreated { .. }));
/// # Ok::<(), databag::relation::FlowError>(())
/// ```
pub mod relation {
    pub use databag::relation::{
        Cleanup, Event, FlowError, Interface, Level, Reconciled, Refusal, Status, WireVersion,
        WriterProfile,
    };

    use crate::valkey::ValkeyPolicy;
    pub use crate::valkey::status_codes;
    use crate::valkey_client::ValkeyClient;

    /// The requirer of `valkey_client`.
    pub type Requirer<'a> = databag::relation::Requirer<'a, ValkeyClient>;
    /// The provider of `valkey_client`, granting through the Valkey policy.
    pub type Provider<'a> = databag::relation::Provider<'a, ValkeyClient, ValkeyPolicy<'a>>;
    /// The provider's answers, as the requirer read them.
    pub type Answers = databag::relation::Answers<ValkeyClient>;
}
