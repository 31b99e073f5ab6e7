// Hand-written (not generated): Valkey policy. Where a provider keeps the Valkey users it
// creates for requirers, and who owns each granted prefix; a trait so that tests use memory
// and the charm the real server.

use std::collections::{BTreeMap, BTreeSet};

use databag::Secret;

use crate::valkey::{KeyPrefix, acl};

/// The error of a [`UserStore`]: whatever the store reports (an I/O error, a refused ACL
/// command). Must not contain a password.
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

/// The Valkey users a provider manages for its requirers.
///
/// The provider flow calls [`UserStore::put_user`] before it publishes credentials, so a
/// requirer never receives a password the server does not know yet, and
/// [`UserStore::delete_users`] on relation-broken. Both are idempotent: a retried hook calls
/// them again with the same or new values.
pub trait UserStore {
    /// Creates `username`, or replaces its password and prefix, confined to `prefix`.
    fn put_user(
        &mut self,
        username: &str,
        password: &Secret<String>,
        prefix: &KeyPrefix,
    ) -> Result<(), StoreError>;

    /// Deletes these users; names that do not exist are skipped.
    fn delete_users(&mut self, usernames: &[String]) -> Result<(), StoreError>;

    /// Every user this store manages.
    fn usernames(&mut self) -> Result<Vec<String>, StoreError>;

    /// Every ownership record ([`PrefixOwner`]): which application holds, or held, which
    /// prefix. Kept beside the users because a decision about a new request needs every
    /// grant of every earlier hook, and the server's ACL alone cannot tell applications apart.
    fn owners(&mut self) -> Result<Vec<PrefixOwner>, StoreError>;

    /// Records `owner`; a record equal to it already there is left as it is.
    fn put_owner(&mut self, owner: &PrefixOwner) -> Result<(), StoreError>;

    /// Forgets `owner`; a record that does not exist is skipped.
    fn delete_owner(&mut self, owner: &PrefixOwner) -> Result<(), StoreError>;

    /// Deletes at most `limit` keys matching `prefix` (as the ACL pattern `~<prefix>` matches
    /// them); returns how many it deleted. On a server: `SCAN 0 MATCH <prefix>` and `UNLINK`
    /// in batches, so neither the server nor the hook blocks on a large prefix; a caller seeing
    /// `limit` back calls again (the next hook) for the rest.
    fn delete_keys(&mut self, prefix: &KeyPrefix, limit: usize) -> Result<usize, StoreError>;
}

/// Who owns a granted prefix: the application a relation's requests came from. The Valkey
/// charm keeps no such record, and so grants overlapping prefixes to different applications
/// (PROTOCOL.md §13, §17).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PrefixOwner {
    /// The granted prefix.
    pub prefix: KeyPrefix,
    /// The remote application (`relation-list --app`).
    pub app: String,
    /// The relation it was granted on; `None` once that relation ended and its keys were
    /// kept for `app` ([`Retention::Keep`](super::Retention::Keep)).
    pub relation: Option<u32>,
}

impl PrefixOwner {
    /// A grant of `prefix` to `app` on relation `relation`.
    pub fn live(prefix: KeyPrefix, app: &str, relation: u32) -> Self {
        PrefixOwner {
            prefix,
            app: app.to_owned(),
            relation: Some(relation),
        }
    }

    /// The record of keys kept for `app` after its relation ended.
    pub fn kept(prefix: KeyPrefix, app: &str) -> Self {
        PrefixOwner {
            prefix,
            app: app.to_owned(),
            relation: None,
        }
    }
}

/// The users of relation `number` among `usernames`: exactly `relation-<number>` (v0) and the
/// names starting with `relation-<number>-` (v1). The Valkey charm matches on the bare prefix
/// `relation-<number>`, so breaking relation 1 also deleted the users of relations 10-19
/// (§13, §17); here `relation-10` is not a user of relation 1.
pub fn users_of_relation(number: u32, usernames: &[String]) -> Vec<String> {
    let exact = format!("relation-{number}");
    let prefix = format!("relation-{number}-");
    usernames
        .iter()
        .filter(|name| **name == exact || name.starts_with(&prefix))
        .cloned()
        .collect()
}

/// A [`UserStore`] in memory, for tests and for charms that keep users elsewhere themselves.
/// Passwords are kept only as the ACL rule stores them, `#<sha256-hex>`.
///
/// It holds no keys; [`UserStore::delete_keys`] records each call in
/// [`MemoryUserStore::deleted_prefixes`], so tests see what a server would have been asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryUserStore {
    users: BTreeMap<String, StoredUser>,
    owners: BTreeSet<PrefixOwner>,
    deleted: Vec<KeyPrefix>,
}

/// One user of a [`MemoryUserStore`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredUser {
    /// The prefix of keys and channels it may use.
    pub prefix: KeyPrefix,
    /// `#<sha256-hex of the password>` ([`acl::password_hash`]).
    pub password_hash: String,
}

impl MemoryUserStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryUserStore::default()
    }

    /// A store holding `users`, e.g. read back from a file.
    pub fn from_users(users: BTreeMap<String, StoredUser>) -> Self {
        MemoryUserStore {
            users,
            ..MemoryUserStore::default()
        }
    }

    /// The ownership records, in order.
    pub fn owner_records(&self) -> &BTreeSet<PrefixOwner> {
        &self.owners
    }

    /// The prefixes whose keys [`UserStore::delete_keys`] was asked to delete, in order.
    pub fn deleted_prefixes(&self) -> &[KeyPrefix] {
        &self.deleted
    }

    /// The users, by name.
    pub fn users(&self) -> &BTreeMap<String, StoredUser> {
        &self.users
    }

    /// One user.
    pub fn get(&self, username: &str) -> Option<&StoredUser> {
        self.users.get(username)
    }

    /// The number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

impl UserStore for MemoryUserStore {
    fn put_user(
        &mut self,
        username: &str,
        password: &Secret<String>,
        prefix: &KeyPrefix,
    ) -> Result<(), StoreError> {
        self.users.insert(
            username.to_owned(),
            StoredUser {
                prefix: prefix.clone(),
                password_hash: acl::password_hash(password.expose_secret()),
            },
        );
        Ok(())
    }

    fn delete_users(&mut self, usernames: &[String]) -> Result<(), StoreError> {
        for name in usernames {
            self.users.remove(name);
        }
        Ok(())
    }

    fn usernames(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(self.users.keys().cloned().collect())
    }

    fn owners(&mut self) -> Result<Vec<PrefixOwner>, StoreError> {
        Ok(self.owners.iter().cloned().collect())
    }

    fn put_owner(&mut self, owner: &PrefixOwner) -> Result<(), StoreError> {
        self.owners.insert(owner.clone());
        Ok(())
    }

    fn delete_owner(&mut self, owner: &PrefixOwner) -> Result<(), StoreError> {
        self.owners.remove(owner);
        Ok(())
    }

    fn delete_keys(&mut self, prefix: &KeyPrefix, limit: usize) -> Result<usize, StoreError> {
        let _ = limit;
        self.deleted.push(prefix.clone());
        Ok(0)
    }
}
