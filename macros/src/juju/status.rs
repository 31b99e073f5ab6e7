//! What a charm tells the operator: its workload status (`status-set`) and log lines
//! (`juju-log`).

use std::fmt;

/// A workload status as `status-set` takes it: the state and a message for the operator.
///
/// Juju's `error` and `unknown` states are Juju's to set, not a charm's
/// (worker/uniter/runner/jujuc/status-set.go accepts only these four).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", content = "message", rename_all = "lowercase")]
pub enum WorkloadStatus {
    /// Ready and serving.
    Active(String),
    /// Needs the operator: a missing relation, bad configuration.
    Blocked(String),
    /// Working on itself (installing, upgrading); no action needed.
    Maintenance(String),
    /// Waiting on something outside it, for example the other side of a relation.
    Waiting(String),
}

impl WorkloadStatus {
    /// The state's name as `status-set` takes it (`active`, `blocked`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            WorkloadStatus::Active(_) => "active",
            WorkloadStatus::Blocked(_) => "blocked",
            WorkloadStatus::Maintenance(_) => "maintenance",
            WorkloadStatus::Waiting(_) => "waiting",
        }
    }

    /// The message for the operator.
    pub fn message(&self) -> &str {
        match self {
            WorkloadStatus::Active(message)
            | WorkloadStatus::Blocked(message)
            | WorkloadStatus::Maintenance(message)
            | WorkloadStatus::Waiting(message) => message,
        }
    }

    /// Parses `status-set`'s state name and message; `None` for a state a charm cannot set.
    pub fn from_parts(name: &str, message: impl Into<String>) -> Option<Self> {
        let message = message.into();
        Some(match name {
            "active" => WorkloadStatus::Active(message),
            "blocked" => WorkloadStatus::Blocked(message),
            "maintenance" => WorkloadStatus::Maintenance(message),
            "waiting" => WorkloadStatus::Waiting(message),
            _ => return None,
        })
    }
}

impl fmt::Display for WorkloadStatus {
    /// `blocked: add a relation to valkey`, as `juju status` shows a unit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), self.message())
    }
}

/// How important a log line is (Juju's `juju-log --log-level` levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// Details for debugging.
    Debug,
    /// Normal progress.
    Info,
    /// Something was refused or skipped; the hook goes on.
    Warning,
    /// The hook fails.
    Error,
}

impl Level {
    /// Parses a `--log-level` value as juju-log does (any case; `WARN` is `WARNING`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_uppercase().as_str() {
            "DEBUG" | "TRACE" => Level::Debug,
            "INFO" => Level::Info,
            "WARNING" | "WARN" => Level::Warning,
            "ERROR" | "CRITICAL" => Level::Error,
            _ => return None,
        })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_tool_words() {
        for status in [
            WorkloadStatus::Active(String::new()),
            WorkloadStatus::Blocked("add a relation".into()),
            WorkloadStatus::Maintenance("installing".into()),
            WorkloadStatus::Waiting("for valkey".into()),
        ] {
            let back = WorkloadStatus::from_parts(status.name(), status.message());
            assert_eq!(back.as_ref(), Some(&status));
        }
        assert_eq!(WorkloadStatus::from_parts("error", "x"), None);
        assert_eq!(
            WorkloadStatus::Blocked("no relation".into()).to_string(),
            "blocked: no relation"
        );
    }

    #[test]
    fn levels_parse_as_juju_log_takes_them() {
        assert_eq!(Level::parse("warn"), Some(Level::Warning));
        assert_eq!(Level::parse("INFO"), Some(Level::Info));
        assert_eq!(Level::parse("loud"), None);
        assert_eq!(Level::Warning.to_string(), "WARNING");
    }
}
