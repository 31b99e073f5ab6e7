//! What the operator sees of a unit and what the charm is configured with: workload statuses
//! (`status-set`), the unit log (`juju-log`) and charm configuration (`config-get`).
//!
//! Unlike relation data, secrets and charm state, a status and a log line reach Juju at once,
//! not when the hook commits: juju/juju `worker/uniter/runner/context/context.go`
//! `HookContext.SetUnitStatus` calls the API straight away, and `SetApplicationStatus` first
//! refuses a unit that does not lead (`ErrIsNotLeader`). So [`State::rollback`] keeps them.

use serde_json::{Map, Value};

use super::{Refusal, State, app_of, not_leader};
use crate::juju::WorkloadStatus;

impl State {
    /// Sets `app`'s charm configuration as `config-get` shows it: every option that is set or
    /// has a default.
    pub fn set_config(&mut self, app: &str, config: Map<String, Value>) {
        self.config.insert(app.to_owned(), config);
    }

    /// `config-get`: the configuration of `unit`'s application.
    pub fn config_get(&self, unit: &str) -> Result<Map<String, Value>, Refusal> {
        self.app(unit)?;
        Ok(self.config.get(app_of(unit)).cloned().unwrap_or_default())
    }

    /// `status-set`: `unit`'s workload status.
    pub fn status_set(&mut self, unit: &str, status: WorkloadStatus) -> Result<(), Refusal> {
        self.app(unit)?;
        self.statuses.insert(unit.to_owned(), status);
        Ok(())
    }

    /// `status-set --application`: the application's status, from its leader only.
    pub fn app_status_set(&mut self, unit: &str, status: WorkloadStatus) -> Result<(), Refusal> {
        if !self.is_leader(unit)? {
            return Err(not_leader());
        }
        self.statuses.insert(app_of(unit).to_owned(), status);
        Ok(())
    }

    /// The status last set for a unit (`app/0`) or, by its leader, for an application (`app`).
    pub fn status(&self, unit_or_app: &str) -> Option<&WorkloadStatus> {
        self.statuses.get(unit_or_app)
    }

    /// `juju-log`: one line of `unit`'s log, kept as `UNIT LEVEL MESSAGE`.
    pub fn juju_log(&mut self, unit: &str, level: &str, message: &str) -> Result<(), Refusal> {
        self.app(unit)?;
        self.log.push(format!("{unit} {level} {message}"));
        Ok(())
    }

    /// Every line logged so far, oldest first.
    pub fn log(&self) -> &[String] {
        &self.log
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_logs_survive_a_rollback_and_app_status_needs_the_leader() {
        let mut state = State::new("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
        state.add_app("app", 2);
        let before = state.clone();
        let waiting = WorkloadStatus::Waiting("for valkey".into());
        state.status_set("app/1", waiting.clone()).unwrap();
        state.juju_log("app/1", "INFO", "asked for a user").unwrap();
        let refused = state.app_status_set("app/1", waiting.clone()).unwrap_err();
        assert_eq!(refused.message, "this unit is not the leader");
        state.app_status_set("app/0", waiting.clone()).unwrap();
        state.rollback(before);
        assert_eq!(state.status("app/1"), Some(&waiting));
        assert_eq!(state.status("app"), Some(&waiting));
        assert_eq!(state.log(), ["app/1 INFO asked for a user"]);
    }

    #[test]
    fn config_is_per_application() {
        let mut state = State::new("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
        state.add_app("app", 1);
        state.add_app("other", 1);
        let config: Map<String, Value> =
            serde_json::from_str(r#"{"prefix": "app:*", "replicas": 3}"#).unwrap();
        state.set_config("app", config.clone());
        assert_eq!(state.config_get("app/0").unwrap(), config);
        assert!(state.config_get("other/0").unwrap().is_empty());
        assert!(state.config_get("ghost/0").is_err());
    }
}
