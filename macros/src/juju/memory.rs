//! The in-memory backend: a shared [`Model`] (a [`State`] behind a lock) and one [`Memory`]
//! handle per unit acting on it, for unit tests of charm logic without Juju.
//!
//! Every call goes through the same [`State`] rules as the emulated Juju CLI (`databag::testing`),
//! and fails with the same tool name, arguments and Juju message as [`HookTools`] would
//! (the arguments come from the same builders), so an error assertion holds for both backends.
//!
//! [`HookTools`]: super::HookTools

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use super::backend::{
    Backend, BagOf, BagUpdate, CharmState, Fetch, RelationId, SecretInfo, SecretOwner, SecretRef,
    check_secret_content,
};
use super::error::{Error, ErrorKind, ToolFailure};
use super::hook_tools::args;
use super::state::{Refusal, State, app_of};
use super::status::{Level, WorkloadStatus};
use crate::{Bag, SecretContent, SecretUri};
use serde_json::{Map, Value};

/// A model shared by the units of a test: cheap to clone, every clone sees the same state.
///
/// It records every hook tool call its units make ([`Model::calls`]), so a test can count
/// what a hook costs.
#[derive(Clone)]
pub struct Model {
    state: Arc<Mutex<State>>,
    calls: Arc<Mutex<Vec<ToolCall>>>,
}

/// One hook tool call a unit of a [`Model`] made: who, which tool, with which arguments
/// (the command line [`HookTools`](super::HookTools) would run; values it would pass on
/// stdin or in files are not part of it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCall {
    /// The unit (`app/0`).
    pub unit: String,
    /// The tool (`secret-get`).
    pub tool: String,
    /// Its arguments.
    pub args: Vec<String>,
}

impl Model {
    /// A model holding `state` (build it with [`State::add_app`], [`State::relate`], ...).
    pub fn new(state: State) -> Self {
        Model {
            state: Arc::new(Mutex::new(state)),
            calls: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Every hook tool call made so far, in order, failed ones included.
    pub fn calls(&self) -> Vec<ToolCall> {
        self.call_log().clone()
    }

    /// The calls made so far, forgetting them: what one hook cost, when called after it.
    pub fn take_calls(&self) -> Vec<ToolCall> {
        std::mem::take(&mut *self.call_log())
    }

    fn call_log(&self) -> MutexGuard<'_, Vec<ToolCall>> {
        self.calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Locks the state, to set up, inspect or inject faults ([`State::fail_next`]).
    pub fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves a usable state: every State method finishes
        // its change or makes none.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the whole state, e.g. to roll back a failed hook with [`Model::rollback`].
    pub fn snapshot(&self) -> State {
        self.state().clone()
    }

    /// Puts back a snapshot taken before a hook that failed: Juju discards every change of a
    /// failed hook (see [`State::rollback`]).
    pub fn rollback(&self, snapshot: State) {
        self.state().rollback(snapshot);
    }

    /// Runs `body` as one hook of `unit`, as Juju does: its relation data, secret and state
    /// changes stay only when it returns `Ok`; an `Err` puts the model back as it was before
    /// (juju/juju applies a hook's changes when the hook process exits 0,
    /// worker/uniter/runner/context `HookContext.Flush`).
    pub fn hook<T, E>(
        &self,
        unit: &str,
        body: impl FnOnce(&Memory) -> Result<T, E>,
    ) -> Result<T, E> {
        let before = self.snapshot();
        let result = body(&self.unit(unit));
        if result.is_err() {
            self.rollback(before);
        }
        result
    }

    /// The backend of `unit` (`valkey/0`) on this model.
    pub fn unit(&self, unit: &str) -> Memory {
        Memory {
            model: self.clone(),
            unit: unit.to_owned(),
            app: app_of(unit).to_owned(),
            model_uuid: self.state().model_uuid().to_owned(),
            hook_relation: None,
        }
    }

    /// The backend of `unit` in a hook of `relation` (relation-changed, ...): as Juju sets
    /// `JUJU_REMOTE_APP` for such a hook, the other application's name comes without a
    /// `relation-list` call, as with [`HookTools`](super::HookTools). An unknown relation
    /// gives a unit outside any relation hook.
    pub fn relation_hook_unit(&self, unit: &str, relation: &RelationId) -> Memory {
        let mut memory = self.unit(unit);
        let remote = self.state().remote_app(unit, relation).ok();
        memory.hook_relation = remote.map(|app| (relation.clone(), app));
        memory
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The state holds secret content: show nothing of it.
        f.debug_struct("Model").finish_non_exhaustive()
    }
}

/// The [`Backend`] of one unit on an in-memory [`Model`].
#[derive(Clone)]
pub struct Memory {
    model: Model,
    unit: String,
    app: String,
    model_uuid: String,
    /// The relation of the hook this unit runs and its remote application
    /// (`JUJU_RELATION_ID`, `JUJU_REMOTE_APP`), if any.
    hook_relation: Option<(RelationId, String)>,
}

impl fmt::Debug for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memory")
            .field("unit", &self.unit)
            .finish_non_exhaustive()
    }
}

impl Memory {
    /// The model this unit acts on.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Runs one hook tool against the state: an injected fault first, then the operation;
    /// a refusal becomes the error the real tool would give.
    fn call<T>(
        &self,
        tool: &str,
        args: Vec<String>,
        op: impl FnOnce(&mut State, &str) -> Result<T, Refusal>,
    ) -> Result<T, Error> {
        self.model.call_log().push(ToolCall {
            unit: self.unit.clone(),
            tool: tool.to_owned(),
            args: args.clone(),
        });
        let mut state = self.model.state();
        let result = state
            .take_fault(tool)
            .and_then(|()| op(&mut state, &self.unit));
        result.map_err(|refusal| {
            Error::from_failure(ToolFailure {
                tool: tool.to_owned(),
                args,
                status: Some(refusal.status),
                stderr: refusal.stderr(),
            })
        })
    }
}

fn uri_of(tool: &str, text: &str) -> Result<SecretUri, Error> {
    SecretUri::parse(text).map_err(|error| {
        Error::new(
            ErrorKind::BadOutput,
            format!("{tool} gave a malformed secret URI: {error}"),
        )
    })
}

impl Backend for Memory {
    fn app_name(&self) -> &str {
        &self.app
    }

    fn unit_name(&self) -> &str {
        &self.unit
    }

    fn model_uuid(&self) -> &str {
        &self.model_uuid
    }

    fn is_leader(&self) -> Result<bool, Error> {
        self.call("is-leader", args::is_leader(), |state, unit| {
            state.is_leader(unit)
        })
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>, Error> {
        self.call(
            "relation-ids",
            args::relation_ids(endpoint),
            |state, unit| state.relation_ids(unit, endpoint),
        )
    }

    fn remote_app(&self, relation: &RelationId) -> Result<String, Error> {
        if let Some((_, app)) = self.hook_relation.as_ref().filter(|(r, _)| r == relation) {
            return Ok(app.clone());
        }
        self.call(
            "relation-list",
            args::relation_list(relation, true),
            |state, unit| state.remote_app(unit, relation),
        )
    }

    fn remote_units(&self, relation: &RelationId) -> Result<Vec<String>, Error> {
        self.call(
            "relation-list",
            args::relation_list(relation, false),
            |state, unit| state.remote_units(unit, relation),
        )
    }

    fn read(&self, relation: &RelationId, bag: &BagOf) -> Result<Bag, Error> {
        let remote_app = match bag {
            BagOf::RemoteApp => Some(self.remote_app(relation)?),
            _ => None,
        };
        let (member, app) = args::member(self, bag, remote_app.as_deref());
        self.call(
            "relation-get",
            args::relation_get(relation, &member, app),
            |state, unit| state.relation_get(unit, relation, &member, app),
        )
    }

    fn write_app(&self, relation: &RelationId, update: &BagUpdate) -> Result<(), Error> {
        self.call(
            "relation-set",
            args::relation_set(relation, true),
            |state, unit| state.relation_set(unit, relation, true, update),
        )
    }

    fn write_unit(&self, relation: &RelationId, update: &BagUpdate) -> Result<(), Error> {
        self.call(
            "relation-set",
            args::relation_set(relation, false),
            |state, unit| state.relation_set(unit, relation, false, update),
        )
    }

    fn secret_add(
        &self,
        content: &SecretContent,
        label: Option<&str>,
        owner: SecretOwner,
    ) -> Result<SecretUri, Error> {
        check_secret_content(content)?;
        let args = args::secret_add(label, owner, content.keys().map(|key| (key, None)));
        let uri = self.call("secret-add", args, |state, unit| {
            state.secret_add(unit, content, label, owner)
        })?;
        uri_of("secret-add", &uri)
    }

    fn secret_get(&self, secret: &SecretRef, fetch: Fetch) -> Result<SecretContent, Error> {
        let uri = secret.get_uri().map(SecretUri::as_str);
        let label = secret.get_label();
        self.call(
            "secret-get",
            args::secret_get(secret, fetch),
            |state, unit| state.secret_get(unit, uri, label, fetch),
        )
    }

    fn secret_info(&self, secret: &SecretRef) -> Result<SecretInfo, Error> {
        let uri = secret.get_uri().map(SecretUri::as_str);
        let label = secret.get_label();
        let info = self.call(
            "secret-info-get",
            args::secret_info_get(secret),
            |state, unit| state.secret_info(unit, uri, label),
        )?;
        Ok(SecretInfo {
            uri: uri_of("secret-info-get", &info.uri)?,
            label: info.label,
            revision: info.revision,
            owner: info.owner,
        })
    }

    fn secret_set(&self, uri: &SecretUri, content: &SecretContent) -> Result<(), Error> {
        check_secret_content(content)?;
        let args = args::secret_set(uri, content.keys().map(|key| (key, None)));
        self.call("secret-set", args, |state, unit| {
            state.secret_set(unit, uri.as_str(), Some(content), None)
        })
    }

    fn secret_grant(&self, uri: &SecretUri, relation: &RelationId) -> Result<(), Error> {
        self.call(
            "secret-grant",
            args::secret_grant(uri, relation),
            |state, unit| state.secret_grant(unit, uri.as_str(), relation.number(), None),
        )
    }

    fn secret_revoke(&self, uri: &SecretUri, relation: &RelationId) -> Result<(), Error> {
        self.call(
            "secret-revoke",
            args::secret_revoke(uri, relation),
            |state, unit| {
                state.secret_revoke(unit, uri.as_str(), Some(relation.number()), None, None)
            },
        )
    }

    fn secret_remove(&self, uri: &SecretUri) -> Result<(), Error> {
        self.call("secret-remove", args::secret_remove(uri), |state, unit| {
            state.secret_remove(unit, uri.as_str(), None)
        })
    }

    fn secret_remove_revision(&self, uri: &SecretUri, revision: u32) -> Result<(), Error> {
        let args = args::secret_remove_revision(uri, revision);
        self.call("secret-remove", args, |state, unit| {
            state.secret_remove(unit, uri.as_str(), Some(revision))
        })
    }

    fn secret_ids(&self) -> Result<Vec<SecretUri>, Error> {
        let uris = self.call("secret-ids", args::secret_ids(), |state, unit| {
            state.secret_ids(unit)
        })?;
        uris.iter().map(|uri| uri_of("secret-ids", uri)).collect()
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, Error> {
        self.call("state-get", args::state_get(key), |state, unit| {
            state.state_get(unit, key)
        })
    }

    fn state_set(&self, key: &str, value: Option<&str>) -> Result<(), Error> {
        let (tool, args) = args::state_set(key, value);
        self.call(tool, args, |state, unit| state.state_set(unit, key, value))
    }

    fn status_set(&self, status: &WorkloadStatus) -> Result<(), Error> {
        self.call(
            "status-set",
            args::status_set(status, false),
            |state, unit| state.status_set(unit, status.clone()),
        )
    }

    fn app_status_set(&self, status: &WorkloadStatus) -> Result<(), Error> {
        self.call(
            "status-set",
            args::status_set(status, true),
            |state, unit| state.app_status_set(unit, status.clone()),
        )
    }

    fn log(&self, level: Level, message: &str) -> Result<(), Error> {
        self.call("juju-log", args::juju_log(level, message), |state, unit| {
            state.juju_log(unit, &level.to_string(), message)
        })
    }

    fn config(&self) -> Result<Map<String, Value>, Error> {
        self.call("config-get", args::config_get(), |state, unit| {
            state.config_get(unit)
        })
    }

    fn state_get_all(&self) -> Result<CharmState, Error> {
        self.call("state-get", args::state_get_all(), |state, unit| {
            state.state_get_all(unit)
        })
    }

    fn state_update(&self, update: &BagUpdate) -> Result<(), Error> {
        let (sets, deletes) = args::state_update(update);
        if !sets.is_empty() {
            self.call("state-set", args::state_set_file(), |state, unit| {
                // Juju checks each entry as it is set and keeps none of a failed call's
                // (the hook fails); so does this, on a copy.
                let mut next = state.clone();
                for (key, value) in &sets {
                    next.state_set(unit, key, Some(value))?;
                }
                *state = next;
                Ok(())
            })?;
        }
        for key in deletes {
            let (tool, args) = args::state_set(key, None);
            self.call(tool, args, |state, unit| state.state_set(unit, key, None))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_hook_leaves_no_trace() {
        let mut state = State::new(UUID);
        state.add_app("a", 1);
        state.add_app("b", 1);
        let number = state.relate("a", "x", "b", "y");
        let model = Model::new(state);
        let relation = RelationId::new("x", number);
        let update = BagUpdate::from([("k".to_owned(), Some("v".to_owned()))]);
        let failed: Result<(), Error> = model.hook("a/0", |unit| {
            unit.write_app(&relation, &update)?;
            unit.secret_add(
                &SecretContent::from([("key".to_owned(), "value".to_owned())]),
                Some("l"),
                SecretOwner::Application,
            )?;
            unit.state_set("s", Some("1"))?;
            Err(Error::new(ErrorKind::InvalidInput, "the charm failed"))
        });
        assert!(failed.is_err());
        let unit = model.unit("a/0");
        assert!(
            unit.read(&relation, &BagOf::LocalApp)
                .expect("read")
                .is_empty()
        );
        assert!(unit.secret_ids().expect("ids").is_empty());
        assert_eq!(unit.state_get("s").expect("state-get"), None);
        model
            .hook("a/0", |unit| unit.write_app(&relation, &update))
            .expect("a hook that succeeds");
        assert_eq!(
            unit.read(&relation, &BagOf::LocalApp).expect("read")["k"],
            "v"
        );
    }

    const UUID: &str = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";

    fn model() -> (Model, RelationId, RelationId) {
        let mut state = State::new(UUID);
        state.add_app("requirer", 2);
        state.add_app("valkey", 1);
        let number = state.relate("requirer", "cache", "valkey", "valkey-client");
        (
            Model::new(state),
            RelationId::new("cache", number),
            RelationId::new("valkey-client", number),
        )
    }

    #[test]
    fn identity_and_relations() {
        let (model, req, prov) = model();
        let unit = model.unit("requirer/1");
        assert_eq!(
            (unit.app_name(), unit.unit_name(), unit.model_uuid()),
            ("requirer", "requirer/1", UUID)
        );
        assert_eq!(unit.is_leader(), Ok(false));
        assert_eq!(model.unit("requirer/0").is_leader(), Ok(true));
        assert_eq!(unit.relation_ids("cache"), Ok(vec![req.clone()]));
        assert_eq!(unit.remote_app(&req), Ok("valkey".to_owned()));
        assert_eq!(
            model.unit("valkey/0").remote_units(&prov),
            Ok(vec!["requirer/0".to_owned(), "requirer/1".to_owned()])
        );
    }

    #[test]
    fn calls_are_recorded_and_a_relation_hook_knows_the_remote_app() {
        let (model, req, _) = model();
        model
            .unit("requirer/1")
            .read(&req, &BagOf::RemoteApp)
            .expect("read");
        let tools: Vec<String> = model.take_calls().into_iter().map(|c| c.tool).collect();
        assert_eq!(tools, ["relation-list", "relation-get"]);
        let in_hook = model.relation_hook_unit("requirer/1", &req);
        in_hook.read(&req, &BagOf::RemoteApp).expect("read");
        let calls = model.take_calls();
        assert_eq!(calls.len(), 1, "JUJU_REMOTE_APP names the app: {calls:?}");
        assert_eq!(calls[0].unit, "requirer/1");
        assert_eq!(
            calls[0].args,
            ["--format=json", "-r", "cache:0", "--app", "-", "valkey"]
        );
        assert!(model.calls().is_empty(), "taken");
    }

    #[test]
    fn non_leader_app_write_fails_like_juju() {
        let (model, req, _) = model();
        let update = BagUpdate::from([("version".to_owned(), Some("v1".to_owned()))]);
        let error = model
            .unit("requirer/1")
            .write_app(&req, &update)
            .expect_err("non-leader");
        assert_eq!(error.kind(), ErrorKind::NotLeader);
        assert_eq!(
            error.to_string(),
            "not the leader: `relation-set -r cache:0 --app --file -` exited with status 1: \
             ERROR cannot write relation settings"
        );
        model
            .unit("requirer/0")
            .write_app(&req, &update)
            .expect("leader");
        let read = model
            .unit("valkey/0")
            .read(&RelationId::new("valkey-client", 0), &BagOf::RemoteApp);
        assert_eq!(
            read.expect("remote app bag")
                .get("version")
                .map(String::as_str),
            Some("v1")
        );
    }

    #[test]
    fn secrets_round_trip_and_injected_faults_name_the_tool() {
        let (model, _, prov) = model();
        let provider = model.unit("valkey/0");
        let content = SecretContent::from([("password".to_owned(), "hunter22".to_owned())]);
        model.state().fail_next("secret-add", 1);
        let error = provider
            .secret_add(
                &content,
                Some("valkey-client.0.user.secret"),
                SecretOwner::Application,
            )
            .expect_err("injected");
        assert_eq!(error.tool(), Some("secret-add"));
        assert!(
            error
                .stderr()
                .is_some_and(|s| s.contains("injected failure")),
            "{error}"
        );
        assert!(!error.to_string().contains("hunter22"), "{error}");
        let uri = provider
            .secret_add(
                &content,
                Some("valkey-client.0.user.secret"),
                SecretOwner::Application,
            )
            .expect("retry");
        provider.secret_grant(&uri, &prov).expect("grant");
        let got = model
            .unit("requirer/1")
            .secret_get(&SecretRef::uri(uri.clone()), Fetch::Tracked)
            .expect("granted");
        assert_eq!(got, content);
        let info = provider
            .secret_info(&SecretRef::label("valkey-client.0.user.secret"))
            .expect("owner info");
        assert_eq!((info.uri, info.revision), (uri, 1));
        assert!(!format!("{model:?} {provider:?}").contains("hunter22"));
    }
}
