// Hand-written (not generated): Valkey semantics of the interface, which no spec can express:
// which prefixes are safe to grant, and the ACL rules a provider gives each client user.

//! Valkey semantics of `valkey_client`: key prefixes, request ids, usernames and ACL rules.
//!
//! The interface lets a requirer name the prefix of keys and Pub/Sub channels it may use. The
//! Valkey charm pastes that prefix, unchecked, into an ACL rule that also grants FLUSHALL,
//! KEYS and SCAN (see `acl::charm_client_rule`). Here a prefix is parsed before it reaches a
//! rule, and [`acl::client_rule`] grants only what stays inside the prefix.

pub mod acl;
mod policy;
mod prefix;
mod store;

pub use databag::relation::{RequestId, RequestIdError};
pub use policy::{DEFAULT_KEY_DELETION_LIMIT, Retention, ServerInfo, ValkeyPolicy, status_codes};
pub use prefix::{KeyPrefix, PrefixError, username_for};
pub use store::{
    MemoryUserStore, PrefixOwner, StoreError, StoredUser, UserStore, users_of_relation,
};
