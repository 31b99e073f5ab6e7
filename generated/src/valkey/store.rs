// Hand-written (not generated): Valkey policy. Where a provider keeps the Valkey users it
// creates for requirers; a trait so that tests use memory and the charm the real server.

use std::collections::BTreeMap;

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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryUserStore {
    users: BTreeMap<String, StoredUser>,
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
        MemoryUserStore { users }
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
}
