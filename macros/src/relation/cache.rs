//! What the requirer already resolved: the content of each secret it consumes, as this unit
//! last read it, kept in the unit's Juju charm state so that a hook reads a secret only when its
//! URI is new or a secret-changed names it (PROTOCOL.md §11.3).
//!
//! Why that is enough: a consumer reads the revision it tracks until it asks for the latest
//! with `--refresh` (or `--peek`), and Juju tells it of a new revision with secret-changed
//! (juju `apiserver/facades/agent/secretsmanager/secrets.go`, `getConsumedRevision`:
//! `wantRevision = consumerInfo.CurrentRevision` unless refresh or peek). So what a unit read
//! of a secret stays what `secret-get` would answer until a secret-changed for it, when the
//! requirer reads it again (and tracks the new revision once it decoded).
//!
//! Where: the unit's charm state (`state-get`/`state-set`), where the requirer already keeps
//! its trust bindings (`trust` module): kept by the controller for this unit only, across
//! hooks, restarts and pod rescheduling, readable by no other unit or application, and never
//! shown in a databag. One key per secret (`databag-requirer-secret.<id>`), so that an entry
//! stays within Juju's 64 KiB per value and a secret-changed rewrites one key; the whole state
//! comes back from one `state-get`. Juju caps a unit's charm state (2 MiB by default, the
//! controller's `max-charm-state-size`) and fails the hook that exceeds it, which would fail
//! every retry too: the cache takes at most [`CACHE_BUDGET`] bytes, and a secret that does not
//! fit is read on every hook instead, as before the cache.

use std::collections::{BTreeMap, BTreeSet};

use zeroize::Zeroize;

use crate::SecretContent;
use crate::juju::{BagUpdate, CharmState};
use crate::juju::{MAX_STATE_KEY, MAX_STATE_VALUE};

/// The prefix of the charm state keys that hold what the requirer read of each secret; the
/// secret's id (the 20-character xid of its URI) follows.
pub const CACHE_PREFIX: &str = "databag-requirer-secret.";

/// The most charm state, in bytes of keys and values, the secret cache takes: a quarter of
/// Juju's default `max-charm-state-size` (2 MiB, juju `controller/config.go`,
/// `DefaultMaxCharmStateSize`), leaving the rest to the charm. Fifty Valkey users with a TLS
/// CA each take about 100 KiB.
pub const CACHE_BUDGET: usize = 512 * 1024;

/// The secret contents kept in charm state, and the changes to write back. Values are wiped
/// from memory when dropped.
#[derive(Default)]
pub(crate) struct SecretCache {
    enabled: bool,
    /// Secret id → content, as kept (or about to be).
    entries: BTreeMap<String, SecretContent>,
    /// Secret id → bytes its key and value take in charm state.
    sizes: BTreeMap<String, usize>,
    /// Ids whose key is in charm state now (as loaded).
    stored: BTreeSet<String>,
    /// Ids to write (their value is in `entries`) and to delete.
    dirty: BTreeSet<String>,
}

impl SecretCache {
    /// The entries found in `state` (the unit's whole charm state). An entry that does not
    /// parse is deleted. With `enabled` false, nothing is kept and what was is deleted.
    pub(crate) fn load(state: &CharmState, enabled: bool) -> Self {
        let mut cache = SecretCache::default();
        cache.enabled = enabled;
        for (key, value) in state {
            let Some(id) = key.strip_prefix(CACHE_PREFIX) else {
                continue;
            };
            cache.stored.insert(id.to_owned());
            let parsed = serde_json::from_str::<SecretContent>(value)
                .ok()
                .filter(|_| enabled);
            match parsed {
                Some(content) => {
                    cache.sizes.insert(id.to_owned(), key.len() + value.len());
                    cache.entries.insert(id.to_owned(), content);
                }
                None => {
                    cache.dirty.insert(id.to_owned());
                }
            }
        }
        cache
    }

    /// What this unit last read of secret `id`, if kept.
    pub(crate) fn get(&self, id: &str) -> Option<&SecretContent> {
        self.entries.get(id)
    }

    /// The ids of the secrets kept.
    pub(crate) fn ids(&self) -> impl Iterator<Item = &String> {
        self.entries.keys()
    }

    /// Keeps `content` as what this unit read of secret `id`; `false` when it is not kept
    /// (the cache is off, the entry is over Juju's 64 KiB per value, or the cache over its
    /// budget), so the secret is read again next time.
    pub(crate) fn put(&mut self, id: &str, content: &SecretContent) -> bool {
        if !self.enabled || self.entries.get(id) == Some(content) {
            return self.enabled;
        }
        // A map of strings always serializes.
        let mut value = serde_json::to_string(content).unwrap_or_default();
        let key_len = CACHE_PREFIX.len() + id.len();
        let size = key_len + value.len();
        value.zeroize();
        let others: usize = self
            .sizes
            .iter()
            .filter(|(other, _)| other.as_str() != id)
            .map(|(_, size)| size)
            .sum();
        if key_len > MAX_STATE_KEY
            || size - key_len > MAX_STATE_VALUE
            || others + size > CACHE_BUDGET
        {
            self.remove(id);
            return false;
        }
        self.entries.insert(id.to_owned(), content.clone());
        self.sizes.insert(id.to_owned(), size);
        self.dirty.insert(id.to_owned());
        true
    }

    /// Forgets secret `id`.
    pub(crate) fn remove(&mut self, id: &str) {
        if let Some(mut content) = self.entries.remove(id) {
            wipe(&mut content);
        }
        self.sizes.remove(id);
        self.dirty.insert(id.to_owned());
    }

    /// The charm state changes that make it hold what this cache holds: values set for new or
    /// changed entries, deletions for removed ones. Holds secret values: the caller wipes it.
    pub(crate) fn update(&self) -> BagUpdate {
        let mut update = BagUpdate::new();
        for id in &self.dirty {
            let key = format!("{CACHE_PREFIX}{id}");
            match self.entries.get(id) {
                // A map of strings always serializes.
                Some(content) => {
                    update.insert(
                        key,
                        Some(serde_json::to_string(content).unwrap_or_default()),
                    );
                }
                None if self.stored.contains(id) => {
                    update.insert(key, None);
                }
                None => {}
            }
        }
        update
    }
}

impl Drop for SecretCache {
    fn drop(&mut self) {
        for content in self.entries.values_mut() {
            wipe(content);
        }
    }
}

/// Zeroes the values of a secret content.
pub(crate) fn wipe(content: &mut SecretContent) {
    for value in content.values_mut() {
        value.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(password: &str) -> SecretContent {
        SecretContent::from([
            ("username".to_owned(), "relation-0".to_owned()),
            ("password".to_owned(), password.to_owned()),
        ])
    }

    const ID: &str = "d2fjn1fmp25004or68b0";

    #[test]
    fn entries_round_trip_through_charm_state() {
        let mut cache = SecretCache::load(&CharmState::new(), true);
        assert!(cache.put(ID, &content("pw")));
        let update = cache.update();
        let key = format!("{CACHE_PREFIX}{ID}");
        let value = update[&key].clone().expect("set");
        assert!(value.contains("pw"));
        let state = CharmState::from([(key.clone(), value), ("other".into(), "x".into())]);
        let loaded = SecretCache::load(&state, true);
        assert_eq!(loaded.get(ID), Some(&content("pw")));
        assert!(
            loaded.update().is_empty(),
            "nothing changed: nothing to write"
        );
        let mut loaded = loaded;
        assert!(loaded.put(ID, &content("pw")), "the same content");
        assert!(loaded.update().is_empty());
        loaded.remove(ID);
        assert_eq!(loaded.update(), BagUpdate::from([(key, None)]));
    }

    #[test]
    fn unreadable_entries_are_deleted_and_a_disabled_cache_keeps_nothing() {
        let key = format!("{CACHE_PREFIX}{ID}");
        let state = CharmState::from([(key.clone(), "not json".to_owned())]);
        let cache = SecretCache::load(&state, true);
        assert_eq!(cache.get(ID), None);
        assert_eq!(cache.update(), BagUpdate::from([(key.clone(), None)]));

        let state = CharmState::from([(key.clone(), r#"{"password":"pw"}"#.to_owned())]);
        let mut off = SecretCache::load(&state, false);
        assert_eq!(off.get(ID), None);
        assert!(!off.put(ID, &content("pw")));
        assert_eq!(off.update(), BagUpdate::from([(key, None)]));
    }

    #[test]
    fn entries_stay_within_jujus_quotas_and_the_budget() {
        let mut cache = SecretCache::load(&CharmState::new(), true);
        let big = "x".repeat(MAX_STATE_VALUE);
        assert!(!cache.put(ID, &content(&big)), "over 64 KiB: not kept");
        assert!(cache.update().is_empty());
        let chunk = "y".repeat(60 * 1024);
        let mut kept = 0;
        for i in 0..20 {
            if cache.put(&format!("{ID}{i:02}"), &content(&chunk)) {
                kept += 1;
            }
        }
        assert_eq!(kept, 8, "as many as 512 KiB hold");
        let total: usize = cache
            .update()
            .iter()
            .map(|(key, value)| key.len() + value.as_ref().map_or(0, String::len))
            .sum();
        assert!(total <= CACHE_BUDGET, "{total}");
    }
}
