// Hand-written (not generated): Valkey semantics of the interface, which no spec can express:
// which prefixes are safe to grant, and the ACL rules a provider gives each client user.

//! Valkey semantics of `valkey_client`: key prefixes, request ids, usernames and ACL rules.
//!
//! The interface lets a requirer name the prefix of keys and Pub/Sub channels it may use. The
//! Valkey charm pastes that prefix, unchecked, into an ACL rule that also grants FLUSHALL,
//! KEYS and SCAN (see `acl::charm_client_rule`), and grants any prefix to anyone, overlapping
//! or not (PROTOCOL.md §13, §17). Here a prefix is parsed before it reaches a rule,
//! [`acl::client_rule`] grants only what stays inside the prefix, and [`ValkeyPolicy`] grants a
//! prefix to one application only.
//!
//! # Tenancy: what a tenant can and cannot do
//!
//! A tenant is the application on one relation; each of its requests gets a user confined to
//! the requested prefix. Measured on valkey-server 8.0.1 by `tests/tests/valkey_acl.rs`
//! (`tenants_with_adjacent_prefixes_never_reach_each_other`,
//! `every_granted_category_and_every_removed_command_is_accounted_for`,
//! `the_whole_keyspace_is_granted_only_on_a_server_of_its_own`,
//! `relation_broken_keeps_or_deletes_the_keys_under_the_prefix`) and, for ownership,
//! `tests/tests/valkey_flows.rs`:
//!
//! | a tenant granted `app:*` | |
//! |---|---|
//! | read, write, expire, rename, delete keys under `app:` (`@read @write @keyspace`) | yes |
//! | MULTI/EXEC/WATCH over its keys (`@transaction`) | yes |
//! | publish and subscribe on channels under `app:`, PSUBSCRIBE `app:*` (`@pubsub`) | yes |
//! | AUTH, HELLO (RESP3), PING, CLIENT SETNAME/GETNAME/ID, ROLE | yes |
//! | read, write, delete, RENAME onto or COPY another tenant's key (`app2:x`, `application:x`) | no (NOPERM) |
//! | publish or subscribe to another tenant's channel, or a wider pattern (`app*`, `*`) | no |
//! | list key or channel names: KEYS, SCAN, RANDOMKEY, DBSIZE, PUBSUB CHANNELS/NUMSUB/NUMPAT | no |
//! | FLUSHALL, FLUSHDB, SWAPDB, FUNCTION, SORT (BY/GET reach other keys) | no |
//! | leave database 0: SELECT, MOVE, COPY (`COPY src dst DB n`; same-database COPY goes too) | no |
//! | see the server or other clients: INFO, LOLWUT, CLIENT LIST/KILL/TRACKING, CONFIG, ACL, MONITOR | no |
//! | `@dangerous`, `@admin` (but ROLE), `@scripting` (EVAL, FCALL) | no |
//! | be granted a prefix overlapping another application's (`app*`, `a*`, `app2:*` next to `app2:*`; `*` overlaps all) | no: status 5101, unless the provider allows sharing ([`ValkeyPolicy::with_sharing`]) |
//! | be granted a prefix overlapping one of its own application's (another request or relation) | yes |
//! | after its relation ends: its users and their connections | deleted |
//! | after its relation ends: its keys | kept for the same application ([`Retention::Keep`], the default: it gets them back when related again; another application is refused until the operator calls [`ValkeyPolicy::discard_kept`]), or deleted ([`Retention::Delete`]: `SCAN MATCH` + `UNLINK`, bounded per hook, unless another relation's prefix overlaps) |
//!
//! HELLO stays granted: clients negotiate RESP3 and authenticate with it; the server version
//! its reply carries is published to every requirer anyway (`version`). `*` alone grants
//! every key and channel, so the provider grants it only while no other application owns a
//! prefix on that server, and no other prefix afterwards.
//!
//! Who owns what is kept in the [`UserStore`] beside the users ([`PrefixOwner`]): it must
//! survive across hooks, and the ACL alone cannot tell applications apart. Applications are
//! told apart by name (`relation-list --app`): across models, two applications of one name are
//! one application to this policy.

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
