//! What the requirer trusts of the secret URIs a provider names (PROTOCOL.md §11.3, §11.4).
//!
//! A provider's databag is untrusted input, and secret ids are guessable. Juju lets a consumer
//! read every secret granted to its application, whatever relation the grant came through
//! (juju `apiserver/facades/agent/secretsmanager/secrets.go`, `getSecretContent`: `canRead`
//! checks the consumer, not the relation), and `secret-get URI --label L` silently moves the
//! consumer label of `URI` to `L` (same file, `getConsumedRevision` saves the label), or, for a
//! secret this application owns, sets its owner label (`updateLabelForAppOwnedOrUnitOwnedSecret`,
//! leader only). So a provider naming a URI that is not its own could make us hand another
//! relation's password to the charm next to the provider's endpoints, and relabel secrets.
//!
//! The rules:
//! - A secret this application owns (`secret-ids`) is never read nor relabelled. Juju lists
//!   application-owned secrets to the leader only (juju `apiserver/common/secrets/secrets.go`,
//!   `GetSecretMetadata`), so on other units this check sees unit-owned secrets only.
//! - Each URI is bound to the consumer label under which this unit first read it: the label
//!   names endpoint, relation, request and group (`<endpoint>.<relation-id>.<request-id>.<group>.secret`).
//!   A URI bound to another label is refused. Bindings are kept in this unit's Juju charm state
//!   (`state-get`/`state-set`, key [`BINDINGS_KEY`]): secret ids and labels only, never a value,
//!   never in a databag; a unit without bindings yet (an upgrade) starts from the URIs its diff
//!   memories (`data`, §6) hold on every relation of the endpoint.
//! - A provider replacing the secret of a request (a new URI under the same label) is
//!   legitimate: the new URI is read by URI alone, since Juju keeps the label on the old one,
//!   and only when the old one is bound to that same label.
//!
//! The bindings and the secret cache (`cache` module) come from one `state-get` of the whole
//! charm state, loaded when a read first needs a secret, and go back in one `state-set` when
//! they changed.

use std::collections::{BTreeMap, BTreeSet};

use zeroize::Zeroize;

use super::cache::{SecretCache, wipe};
use super::interface::{bounded, text_at};
use super::{FlowError, Level};
use crate::juju::{Backend, BagOf, BagUpdate};
use crate::secret::{SecretLabel, label_v0, label_v1};
use crate::{Object, SecretContent, SecretUri, Shape, Value};

/// The key of this unit's Juju charm state that holds the bindings: a JSON object from secret
/// id (the 20-character xid of its URI) to the consumer label it was first read under.
pub const BINDINGS_KEY: &str = "databag-requirer-secret-bindings";

/// The trust state of one read: which secrets this application owns, the bindings, and what
/// the unit already read of each secret. Loaded lazily (a read that names no secret calls no
/// extra hook tool) and saved once.
#[derive(Default)]
pub(crate) struct Trust {
    owned: Option<BTreeSet<String>>,
    bindings: Option<BTreeMap<String, String>>,
    changed: bool,
    cache: SecretCache,
    /// Whether to keep secret content in charm state (`Requirer::with_secret_cache`).
    caching: bool,
}

impl Trust {
    /// A trust state to load on first use, keeping secret content in charm state when
    /// `caching`.
    pub(crate) fn new(caching: bool) -> Self {
        Trust {
            caching,
            ..Trust::default()
        }
    }

    /// What this unit last read of `uri`, when it was read under `label` and kept. Only after
    /// [`Trust::bindings`] loaded the state.
    pub(crate) fn cached(&self, uri: &SecretUri, label: &str) -> Option<&SecretContent> {
        let bound = self.bindings.as_ref()?.get(uri.id())?;
        (bound == label).then(|| self.cache.get(uri.id()))?
    }

    /// Keeps what this unit read of `uri` (its content decoded in an answer), for the next
    /// hooks; `false` when it could not be kept (see [`SecretCache::put`]).
    pub(crate) fn remember(&mut self, uri: &SecretUri, content: &SecretContent) -> bool {
        self.cache.put(uri.id(), content)
    }

    /// Forgets what this unit kept of the secrets of `relation` (of `endpoint`) that `live`
    /// (secret ids) does not name, and of any secret bound to no label; returns how many.
    /// Nothing when the state was not loaded.
    pub(crate) fn forget_unused(
        &mut self,
        endpoint: &str,
        relation: u32,
        live: &BTreeSet<String>,
    ) -> usize {
        let Some(bindings) = self.bindings.as_ref() else {
            return 0;
        };
        let stale: Vec<String> = self
            .cache
            .ids()
            .filter(
                |id| match bindings.get(*id).map(|l| SecretLabel::parse(l)) {
                    None => true,
                    Some(Some(label)) => {
                        label.endpoint == endpoint
                            && label.relation_id == u64::from(relation)
                            && !live.contains(*id)
                    }
                    Some(None) => false,
                },
            )
            .cloned()
            .collect();
        for id in &stale {
            self.cache.remove(id);
        }
        stale.len()
    }

    /// Whether this application (or this unit) owns the secret, as `secret-ids` tells.
    pub(crate) fn owns(
        &mut self,
        backend: &dyn Backend,
        uri: &SecretUri,
        context: &str,
    ) -> Result<bool, FlowError> {
        if self.owned.is_none() {
            let ids = backend.secret_ids().map_err(|error| {
                FlowError::juju(format!("{context}: listing our own secrets"), error)
            })?;
            self.owned = Some(ids.iter().map(|uri| uri.id().to_owned()).collect());
        }
        Ok(self
            .owned
            .as_ref()
            .is_some_and(|owned| owned.contains(uri.id())))
    }

    /// The bindings, loaded (or seeded) on first use.
    pub(crate) fn bindings(
        &mut self,
        backend: &dyn Backend,
        endpoint: &str,
        shapes: [&Shape; 2],
        log: &mut dyn FnMut(Level, &str),
    ) -> Result<&mut BTreeMap<String, String>, FlowError> {
        if self.bindings.is_none() {
            let mut state = backend
                .state_get_all()
                .map_err(|error| FlowError::juju("reading our charm state", error))?;
            self.cache = SecretCache::load(&state, self.caching);
            let loaded = parse_bindings(state.get(BINDINGS_KEY), log);
            // The state holds the secret contents kept: wiped once parsed.
            for value in state.values_mut() {
                value.zeroize();
            }
            let bindings = match loaded {
                Some(bindings) => bindings,
                None => {
                    self.changed = true;
                    seed(backend, endpoint, shapes, log)?
                }
            };
            self.bindings = Some(bindings);
        }
        Ok(self.bindings.get_or_insert_with(BTreeMap::new))
    }

    /// Records that `uri` was read under `label` (first binding wins).
    pub(crate) fn bind(&mut self, uri: &SecretUri, label: &str) {
        if let Some(bindings) = self.bindings.as_mut()
            && !bindings.contains_key(uri.id())
        {
            bindings.insert(uri.id().to_owned(), label.to_owned());
            self.changed = true;
        }
    }

    /// Writes the bindings and the secret cache back, in one `state-set` (plus a
    /// `state-delete` per secret forgotten), when they changed.
    pub(crate) fn save(&self, backend: &dyn Backend, context: &str) -> Result<(), FlowError> {
        if self.bindings.is_none() {
            return Ok(());
        }
        let mut update = self.cache.update();
        if let Some(bindings) = self.bindings.as_ref().filter(|_| self.changed) {
            let object: Object = bindings
                .iter()
                .map(|(id, label)| (id.clone(), Value::String(label.clone())))
                .collect();
            let text = crate::wire::python_json(&Value::Object(object));
            update.insert(BINDINGS_KEY.to_owned(), Some(text));
        }
        if update.is_empty() {
            return Ok(());
        }
        let saved = backend.state_update(&update);
        wipe_update(&mut update);
        saved.map_err(|error| {
            FlowError::juju(
                format!("{context}: remembering secret bindings and contents"),
                error,
            )
        })
    }
}

/// Zeroes the values of a charm state update (it holds secret contents).
fn wipe_update(update: &mut BagUpdate) {
    let mut values: SecretContent = std::mem::take(update)
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
        .collect();
    wipe(&mut values);
}

/// The stored bindings (`text`, the value of [`BINDINGS_KEY`]); `None` when there are none yet
/// (or they are unreadable).
fn parse_bindings(
    text: Option<&String>,
    log: &mut dyn FnMut(Level, &str),
) -> Option<BTreeMap<String, String>> {
    let text = text.filter(|text| !text.is_empty())?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Some(
            object
                .into_iter()
                .filter_map(|(id, label)| Some((id, label.as_str()?.to_owned())))
                .collect(),
        ),
        _ => {
            log(
                Level::Warning,
                &format!(
                    "our secret bindings ({BINDINGS_KEY}) are unreadable (\"{}\"); rebuilding \
                     them from our diff memories",
                    bounded(text, 64, true)
                ),
            );
            None
        }
    }
}

/// Bindings rebuilt from the URIs this unit's diff memories hold on every relation of
/// `endpoint`: a v1 memory maps request ids to responses, a v0 memory is one flat answer.
fn seed(
    backend: &dyn Backend,
    endpoint: &str,
    [response, flat]: [&Shape; 2],
    log: &mut dyn FnMut(Level, &str),
) -> Result<BTreeMap<String, String>, FlowError> {
    let relations = backend.relation_ids(endpoint).map_err(|error| {
        FlowError::juju(format!("endpoint {endpoint}: listing relations"), error)
    })?;
    let mut bindings = BTreeMap::new();
    for relation in relations {
        let own = backend
            .read(&relation, &BagOf::LocalUnit)
            .map_err(|error| {
                FlowError::juju(
                    format!("relation {relation}: reading our unit databag"),
                    error,
                )
            })?;
        let Some(Ok(Value::Object(memory))) = own
            .get("data")
            .map(|text| serde_json::from_str::<Value>(text))
        else {
            continue;
        };
        let number = u64::from(relation.number());
        for (group, uri) in secret_uris(flat, &memory) {
            bindings
                .entry(uri.id().to_owned())
                .or_insert_with(|| label_v0(endpoint, number, &group));
        }
        for (id, value) in &memory {
            let Value::Object(answer) = value else {
                continue;
            };
            for (group, uri) in secret_uris(response, answer) {
                bindings
                    .entry(uri.id().to_owned())
                    .or_insert_with(|| label_v1(endpoint, number, id, &group));
            }
        }
    }
    log(
        Level::Info,
        &format!(
            "endpoint {endpoint}: {} secret binding(s) taken from our diff memories",
            bindings.len()
        ),
    );
    Ok(bindings)
}

/// The `secret-<group>` URIs of one decoded object, with their groups, as `shape` declares
/// them; values that are not well-formed URIs are left out.
pub(crate) fn secret_uris(shape: &Shape, object: &Object) -> Vec<(String, SecretUri)> {
    shape
        .fields
        .iter()
        .filter_map(|field| {
            let group = field.secret_uri.clone()?;
            let uri = SecretUri::parse(text_at(object, &field.name)).ok()?;
            Some((group, uri))
        })
        .collect()
}
