//! The [`Backend`] trait: everything a charm does through Juju for a relation interface, and
//! the small types its methods take.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use super::error::{Error, ErrorKind};
use super::status::{Level, WorkloadStatus};
use crate::{Bag, SecretContent, SecretUri};

/// What a charm does through Juju for relations and their secrets.
///
/// Two implementations: [`HookTools`](super::HookTools) spawns Juju's hook tools,
/// [`Memory`](super::Memory) keeps a model in memory for unit tests. Both fail the same way
/// (same [`ErrorKind`], same tool name and Juju message), so code tested against one behaves
/// the same on the other.
///
/// Each method is one hook tool call; Juju applies a hook's changes only when the hook
/// succeeds, so a charm that fails half-way leaves nothing behind unless it swallows errors.
pub trait Backend {
    /// This application's name (`valkey`).
    fn app_name(&self) -> &str;

    /// This unit's name (`valkey/0`).
    fn unit_name(&self) -> &str;

    /// The UUID of the model this unit runs in.
    fn model_uuid(&self) -> &str;

    /// Whether this unit is the leader of its application (`is-leader`).
    fn is_leader(&self) -> Result<bool, Error>;

    /// The live relations of a local endpoint (`relation-ids`).
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>, Error>;

    /// The application on the other side of a relation (`relation-list --app`).
    fn remote_app(&self, relation: &RelationId) -> Result<String, Error>;

    /// The units of the other side that joined a relation (`relation-list`).
    fn remote_units(&self, relation: &RelationId) -> Result<Vec<String>, Error>;

    /// Reads one databag of a relation (`relation-get`). Only the leader reads the local app
    /// databag; anyone else gets [`ErrorKind::PermissionDenied`].
    fn read(&self, relation: &RelationId, bag: &BagOf) -> Result<Bag, Error>;

    /// Applies `update` to the local app databag in one `relation-set --app` call. Leader only:
    /// anyone else gets [`ErrorKind::NotLeader`].
    fn write_app(&self, relation: &RelationId, update: &BagUpdate) -> Result<(), Error>;

    /// Applies `update` to this unit's databag in one `relation-set` call.
    fn write_unit(&self, relation: &RelationId, update: &BagUpdate) -> Result<(), Error>;

    /// Creates a secret (`secret-add`), optionally labelled, owned by the application (leader
    /// only) or by this unit. The content never appears on a command line.
    fn secret_add(
        &self,
        content: &SecretContent,
        label: Option<&str>,
        owner: SecretOwner,
    ) -> Result<SecretUri, Error>;

    /// Reads a secret's content (`secret-get`) by URI, label, or URI plus a label to attach.
    /// Owners see the latest revision; consumers see the revision they track, see
    /// [`Fetch`].
    fn secret_get(&self, secret: &SecretRef, fetch: Fetch) -> Result<SecretContent, Error>;

    /// An owned secret's metadata (`secret-info-get`): how to find the URI of a secret known
    /// by its label.
    fn secret_info(&self, secret: &SecretRef) -> Result<SecretInfo, Error>;

    /// Replaces an owned secret's content (`secret-set`): a new revision when it differs.
    fn secret_set(&self, uri: &SecretUri, content: &SecretContent) -> Result<(), Error>;

    /// Lets the other side of `relation` read the secret (`secret-grant --relation`).
    fn secret_grant(&self, uri: &SecretUri, relation: &RelationId) -> Result<(), Error>;

    /// Withdraws what [`Backend::secret_grant`] gave (`secret-revoke --relation`).
    fn secret_revoke(&self, uri: &SecretUri, relation: &RelationId) -> Result<(), Error>;

    /// Removes an owned secret with all its revisions (`secret-remove`).
    fn secret_remove(&self, uri: &SecretUri) -> Result<(), Error>;

    /// Removes one revision of an owned secret (`secret-remove --revision`): what the
    /// secret-remove hook asks for once no consumer tracks that revision any more.
    fn secret_remove_revision(&self, uri: &SecretUri, revision: u32) -> Result<(), Error>;

    /// The secrets this unit owns and, while it leads, its application's (`secret-ids`; Juju
    /// shows app-owned secrets' metadata to the leader only).
    fn secret_ids(&self) -> Result<Vec<SecretUri>, Error>;

    /// This unit's value under `key` in its charm state (`state-get`): kept by the controller
    /// for the unit, across hooks, restarts and pod rescheduling; `None` when unset.
    fn state_get(&self, key: &str) -> Result<Option<String>, Error>;

    /// Sets (`state-set key=value`) or, with `None`, deletes (`state-delete key`) `key` of this
    /// unit's charm state. Like every change, committed only when the hook succeeds.
    fn state_set(&self, key: &str, value: Option<&str>) -> Result<(), Error>;

    /// This unit's whole charm state in one call (`state-get` without a key, which prints
    /// every key and value: juju `worker/uniter/runner/jujuc/state-get.go`).
    fn state_get_all(&self) -> Result<CharmState, Error>;

    /// Applies `update` to this unit's charm state: every value it sets in one
    /// `state-set --file -` call, the values on stdin (never on a command line, where `ps`
    /// shows them); each key it deletes (`None` or `""`) in one `state-delete` call (Juju's
    /// takes one key). Nothing is called for an empty update.
    fn state_update(&self, update: &BagUpdate) -> Result<(), Error>;

    /// Sets this unit's workload status (`status-set`).
    fn status_set(&self, status: &WorkloadStatus) -> Result<(), Error>;

    /// Sets the application's status (`status-set --application`): the leader only, as Juju
    /// refuses it to other units.
    fn app_status_set(&self, status: &WorkloadStatus) -> Result<(), Error>;

    /// Writes one line to the unit's Juju log (`juju-log --log-level LEVEL`). Never log a
    /// secret value: Juju's log is readable by the model's operators.
    fn log(&self, level: Level, message: &str) -> Result<(), Error>;

    /// The charm's configuration (`config-get --format=json`): every option that is set or
    /// has a default, as JSON values (strings, numbers, booleans).
    fn config(&self) -> Result<Map<String, Value>, Error>;
}

/// The longest charm state key Juju stores (`quota.MaxCharmStateKeySize`).
pub const MAX_STATE_KEY: usize = 256;

/// The longest charm state value Juju stores (`quota.MaxCharmStateValueSize`, 64 KiB).
pub const MAX_STATE_VALUE: usize = 65536;

/// A unit's charm state as `state-get` prints it whole: key to value.
pub type CharmState = BTreeMap<String, String>;

/// A relation as Juju names it to one side: the local endpoint and the relation number,
/// displayed `valkey-client:0` (the form of `JUJU_RELATION_ID` and `relation-ids`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationId {
    endpoint: String,
    number: u32,
}

impl RelationId {
    /// The relation `number` seen from the local `endpoint`.
    pub fn new(endpoint: impl Into<String>, number: u32) -> Self {
        RelationId {
            endpoint: endpoint.into(),
            number,
        }
    }

    /// Parses `valkey-client:0`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = || {
            Error::new(
                ErrorKind::InvalidInput,
                format!("expected a relation id such as \"valkey-client:0\", found {text:?}"),
            )
        };
        let (endpoint, number) = text.rsplit_once(':').ok_or_else(invalid)?;
        if endpoint.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let number = number.parse().map_err(|_| invalid())?;
        Ok(RelationId::new(endpoint, number))
    }

    /// The local endpoint (`valkey-client`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The relation number, the same on both sides (`0`).
    pub fn number(&self) -> u32 {
        self.number
    }
}

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.endpoint, self.number)
    }
}

/// Which databag of a relation to read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BagOf {
    /// The local application's databag (readable by the leader only).
    LocalApp,
    /// This unit's databag.
    LocalUnit,
    /// The other application's databag.
    RemoteApp,
    /// The databag of one unit of the other application (`requirer/1`).
    RemoteUnit(String),
}

/// Changes to a databag, applied together: `Some(value)` sets a key, `None` deletes it. As
/// with `relation-set`, an empty value deletes the key too: Juju stores no empty strings.
pub type BagUpdate = BTreeMap<String, Option<String>>;

/// The update that turns databag `old` into `new`: changed and new keys set, missing keys
/// deleted, unchanged keys left out (so an unchanged databag gives an empty update).
pub fn diff(old: &Bag, new: &Bag) -> BagUpdate {
    let mut update = BagUpdate::new();
    for (key, value) in new {
        if old.get(key) != Some(value) {
            let value = (!value.is_empty()).then(|| value.clone());
            update.insert(key.clone(), value);
        }
    }
    for key in old.keys() {
        if !new.contains_key(key) {
            update.insert(key.clone(), None);
        }
    }
    update
}

/// Applies an update to a databag the way Juju does (`None` and `""` delete).
pub fn apply(bag: &mut Bag, update: &BagUpdate) {
    for (key, value) in update {
        match value {
            Some(value) if !value.is_empty() => {
                bag.insert(key.clone(), value.clone());
            }
            _ => {
                bag.remove(key);
            }
        }
    }
}

/// Who owns a new secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SecretOwner {
    /// The application: any of its units reads it, only the leader manages it.
    Application,
    /// The unit that creates it.
    Unit,
}

impl SecretOwner {
    /// The word Juju uses (`--owner application`, `owner: unit`).
    pub fn as_str(self) -> &'static str {
        match self {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        }
    }
}

/// Which revision of a secret a consumer reads. Juju remembers, per consumer unit, the revision
/// it tracks: the latest one at its first read. Owners always read the latest revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Fetch {
    /// The tracked revision (`secret-get`).
    #[default]
    Tracked,
    /// The latest revision, just this time (`secret-get --peek`).
    Peek,
    /// The latest revision, tracked from now on (`secret-get --refresh`).
    Refresh,
}

/// How a secret is named to `secret-get` and `secret-info-get`: by URI, by label, or by URI
/// with a label to attach (the owner label for an owner, the consumer label for a consumer).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SecretRef {
    uri: Option<SecretUri>,
    label: Option<String>,
}

impl SecretRef {
    /// The secret with this URI.
    pub fn uri(uri: SecretUri) -> Self {
        SecretRef {
            uri: Some(uri),
            label: None,
        }
    }

    /// The secret this unit knows by `label` (its owner label, or its consumer label).
    pub fn label(label: impl Into<String>) -> Self {
        SecretRef {
            uri: None,
            label: Some(label.into()),
        }
    }

    /// The secret with this URI, labelled `label` from now on.
    pub fn uri_with_label(uri: SecretUri, label: impl Into<String>) -> Self {
        SecretRef {
            uri: Some(uri),
            label: Some(label.into()),
        }
    }

    /// The URI, if given.
    pub fn get_uri(&self) -> Option<&SecretUri> {
        self.uri.as_ref()
    }

    /// The label, if given.
    pub fn get_label(&self) -> Option<&str> {
        self.label.as_deref()
    }
}

/// Metadata of an owned secret, as `secret-info-get` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    /// The secret's URI.
    pub uri: SecretUri,
    /// Its owner label, if any.
    pub label: Option<String>,
    /// Its latest revision (the first is 1).
    pub revision: u32,
    /// Who owns it.
    pub owner: SecretOwner,
}

/// Checks a secret content key the way Juju does (`^[a-z](?:-?[a-z0-9]){2,}$`): three or more
/// lowercase letters, digits and single inner dashes, starting with a letter. Keys become file
/// names under a private directory, so this check is also what keeps them inside it.
pub fn check_secret_content(content: &SecretContent) -> Result<(), Error> {
    if content.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "a secret needs at least one key",
        ));
    }
    for key in content.keys() {
        if !valid_secret_key(key) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "secret key {key:?} is not valid: Juju needs three or more lowercase letters, \
                     digits and single dashes, starting with a letter"
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `key` matches Juju's `^[a-z](?:-?[a-z0-9]){2,}$`.
pub(crate) fn valid_secret_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some((first, rest)) = bytes.split_first() else {
        return false;
    };
    if !first.is_ascii_lowercase() {
        return false;
    }
    let mut groups = 0;
    let mut i = 0;
    while i < rest.len() {
        if rest[i] == b'-' {
            i += 1;
        }
        match rest.get(i) {
            Some(b) if b.is_ascii_lowercase() || b.is_ascii_digit() => groups += 1,
            _ => return false,
        }
        i += 1;
    }
    groups >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_ids_parse_and_display() {
        let id = RelationId::parse("valkey-client:12").expect("valid");
        assert_eq!((id.endpoint(), id.number()), ("valkey-client", 12));
        assert_eq!(id.to_string(), "valkey-client:12");
        for bad in ["", "12", ":1", "valkey-client:", "valkey-client:x", "a:-1"] {
            let error = RelationId::parse(bad).expect_err(bad);
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn secret_keys_follow_juju() {
        for good in ["username", "tls-ca", "abc", "a1b", "mtls-cert"] {
            assert!(valid_secret_key(good), "{good}");
        }
        for bad in [
            "", "ab", "Tls", "tls--ca", "-tls", "tls-", "tls_ca", "1abc", "../x", "a/b/c",
        ] {
            assert!(!valid_secret_key(bad), "{bad}");
        }
        assert_eq!(
            check_secret_content(&SecretContent::new())
                .expect_err("empty")
                .kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn diff_and_apply_round_trip() {
        let old: Bag = [("a", "1"), ("b", "2"), ("c", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let new: Bag = [("a", "1"), ("b", "20"), ("d", "4")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let update = diff(&old, &new);
        assert_eq!(update.len(), 3, "{update:?}");
        assert_eq!(update.get("c"), Some(&None));
        let mut bag = old.clone();
        apply(&mut bag, &update);
        assert_eq!(bag, new);
        assert!(diff(&new, &new).is_empty());
    }
}
