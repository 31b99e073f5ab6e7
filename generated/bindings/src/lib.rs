//! Typed bindings of data-interfaces client interfaces, one module per spec, each with the
//! relation engine's [`Interface`](databag::relation::Interface) implemented, so
//! [`Requirer`](databag::relation::Requirer) and [`Provider`](databag::relation::Provider)
//! run its flows. What a provider grants is its charm's [`Policy`](databag::relation::Policy).
//!
//! The modules are the committed output of `databag generate`, which writes them next to this
//! crate's manifest (`generated/bindings/<interface>/v<N>.rs`); `databag check` in CI keeps them
//! equal to what `spec/` generates. Each module is behind a feature of its name, all on by
//! default: `default-features = false, features = ["kafka_client"]` compiles one.
//!
//! ```
//! use databag::juju::{Model, RelationId, State};
//! use databag::relation::{Event, Grant, Policy, PolicyError, Provider, Reply, Requirer};
//! use databag::Secret;
//! use databag_interfaces::kafka_client::{KafkaClient, Response};
//!
//! /// A Kafka charm's policy: a user per request (created on the brokers in a real charm).
//! struct Users;
//! impl Policy<KafkaClient> for Users {
//!     type Input = str;
//!     fn respond(&mut self, grant: &Grant<'_, KafkaClient>, brokers: &str)
//!         -> Result<Reply<Response>, PolicyError> {
//!         let user = format!("relation-{}", grant.relation.number());
//!         let new = grant.previous.is_none_or(|p| p.secret_user.is_none());
//!         Ok(Reply {
//!             response: Response {
//!                 endpoints: Some(brokers.to_owned()),
//!                 username: new.then(|| Secret::new(user.clone())),
//!                 password: new.then(|| Secret::new("from-the-brokers".to_owned())),
//!                 ..grant.echo()?
//!             },
//!             created: new.then_some(user),
//!         })
//!     }
//! }
//!
//! let mut state = State::new("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
//! state.add_app("app", 1);
//! state.add_app("kafka", 1);
//! let number = state.relate("app", "events", "kafka", "kafka-client");
//! let model = Model::new(state);
//! let (app, kafka) = (model.unit("app/0"), model.unit("kafka/0"));
//!
//! let mut requirer = Requirer::<KafkaClient>::new(&app, "events").with_log(|_, _| {});
//! requirer.request(&RelationId::new("events", number), &["orders"])?;
//! Provider::new(&kafka, "kafka-client", Users)
//!     .with_log(|_, _| {})
//!     .reconcile(&RelationId::new("kafka-client", number), "10.0.0.9:9092")?;
//! let answers = requirer.read(&RelationId::new("events", number))?;
//! assert_eq!(answers.responses[0].endpoints.as_deref(), Some("10.0.0.9:9092"));
//! assert!(matches!(answers.events[0], Event::ResourceCreated { .. }));
//! # Ok::<(), databag::relation::FlowError>(())
//! ```
#![warn(missing_docs)]

/// `postgresql_client` v0 (spec/postgresql_client/v0.yaml).
#[cfg(feature = "postgresql_client")]
pub mod postgresql_client {
    include!("../postgresql_client/v0.rs");
}

/// `mysql_client` v0 (spec/mysql_client/v0.yaml).
#[cfg(feature = "mysql_client")]
pub mod mysql_client {
    include!("../mysql_client/v0.rs");
}

/// `kafka_client` v0 (spec/kafka_client/v0.yaml).
#[cfg(feature = "kafka_client")]
pub mod kafka_client {
    include!("../kafka_client/v0.rs");
}

/// `valkey_client` v1 (spec/valkey_client/v1.yaml): objects inside JSON-encoded values at the
/// top, one module per wire version (`v0`, `v1`), and per role an enum over the wire versions.
/// The `valkey-client` crate re-exports it with the Valkey policy.
#[cfg(feature = "valkey_client")]
pub mod valkey_client {
    include!("../valkey_client/v1.rs");
}
