//! Errors of talking to Juju: a failed hook tool, classified where Juju's message says what
//! went wrong (not the leader, secret not found, permission denied, relation not found).

use std::fmt;

/// What went wrong; see [`Error`] for the tool call behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The operation needs the leader unit: writing the local app databag, or managing a
    /// secret the application owns.
    NotLeader,
    /// No secret with that URI or label exists (or this unit cannot see its metadata).
    SecretNotFound,
    /// Juju refused access: an ungranted or revoked secret, or the local app databag read by a
    /// non-leader.
    PermissionDenied,
    /// The relation does not exist (any more), or does not belong to the endpoint named.
    RelationNotFound,
    /// A hook tool exited with an error Juju gives no more specific meaning to.
    ToolFailed,
    /// A hook tool could not be started (not on `PATH`, not in the tool directory, ...).
    ToolMissing,
    /// A hook tool succeeded but its output is not what Juju documents.
    BadOutput,
    /// The process does not run inside a Juju hook: an environment variable Juju sets is
    /// missing or malformed.
    Environment,
    /// The request itself is invalid (a malformed secret key, empty secret content, a
    /// malformed relation id); nothing was sent to Juju.
    InvalidInput,
    /// Local I/O failed, e.g. writing the temporary files that carry secret content.
    Io,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::NotLeader => "not the leader",
            ErrorKind::SecretNotFound => "secret not found",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::RelationNotFound => "relation not found",
            ErrorKind::ToolFailed => "hook tool failed",
            ErrorKind::ToolMissing => "hook tool missing",
            ErrorKind::BadOutput => "unexpected hook tool output",
            ErrorKind::Environment => "not in a Juju hook",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Io => "I/O error",
        }
    }
}

/// One hook tool invocation that failed: the tool, its arguments, how it ended and what it
/// printed on stderr.
///
/// The arguments never carry secret content: content travels in temporary files, whose paths
/// are shown as `<tempfile>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolFailure {
    /// The hook tool (`relation-set`).
    pub tool: String,
    /// Its arguments, secret-free.
    pub args: Vec<String>,
    /// The exit status; `None` when the tool could not be started or was killed by a signal.
    pub status: Option<i32>,
    /// What the tool printed on stderr (Juju's `ERROR ...` line), or why it could not run.
    pub stderr: String,
}

impl fmt::Display for ToolFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}", self.tool)?;
        for arg in &self.args {
            write!(f, " {arg}")?;
        }
        f.write_str("` ")?;
        match self.status {
            Some(status) => write!(f, "exited with status {status}")?,
            None => f.write_str("did not run to completion")?,
        }
        let stderr = self.stderr.trim();
        if !stderr.is_empty() {
            write!(f, ": {stderr}")?;
        }
        Ok(())
    }
}

/// An error of a Juju backend.
///
/// Displayed as `<kind>: <detail>`, e.g.
/// ``not the leader: `relation-set -r valkey-client:0 --app --file -` exited with status 1:
/// ERROR cannot write relation settings``. Never contains secret content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    detail: Detail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Detail {
    Tool(ToolFailure),
    Message(String),
}

impl Error {
    /// An error with a message and no tool invocation behind it.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            detail: Detail::Message(message.into()),
        }
    }

    /// The error of a failed hook tool, classified by what Juju printed.
    pub fn from_failure(failure: ToolFailure) -> Self {
        let kind = classify(&failure);
        Error {
            kind,
            detail: Detail::Tool(failure),
        }
    }

    /// An error of the given kind about a tool invocation (a tool that would not start, or
    /// whose output does not parse).
    pub fn with_failure(kind: ErrorKind, failure: ToolFailure) -> Self {
        Error {
            kind,
            detail: Detail::Tool(failure),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The failed hook tool invocation, when there is one.
    pub fn failure(&self) -> Option<&ToolFailure> {
        match &self.detail {
            Detail::Tool(failure) => Some(failure),
            Detail::Message(_) => None,
        }
    }

    /// The name of the hook tool that failed (`secret-add`), when one did.
    pub fn tool(&self) -> Option<&str> {
        self.failure().map(|failure| failure.tool.as_str())
    }

    /// What the failed hook tool printed on stderr, when one failed.
    pub fn stderr(&self) -> Option<&str> {
        self.failure().map(|failure| failure.stderr.as_str())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.kind.describe())?;
        match &self.detail {
            Detail::Tool(failure) => write!(f, "{failure}"),
            Detail::Message(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// Gives a failed tool's error its kind from Juju's message, the way ops does (`"not found"`
/// in a secret tool's stderr is `SecretNotFound`). The texts are Juju's:
/// - `relation-set --app` by a non-leader: `ERROR cannot write relation settings`;
/// - managing an app-owned secret on a non-leader: `ERROR this unit is not the leader`;
/// - an ungranted secret, a non-leader reading its app databag: `ERROR permission denied`;
/// - `-r` naming no relation: `... for option -r: relation not found`;
/// - `ERROR secret "secret:…" not found`, `ERROR secret with label "…" not found`.
fn classify(failure: &ToolFailure) -> ErrorKind {
    if failure.status.is_none() {
        return ErrorKind::ToolMissing;
    }
    let stderr = failure.stderr.as_str();
    if stderr.contains("cannot write relation settings")
        || stderr.contains("this unit is not the leader")
    {
        ErrorKind::NotLeader
    } else if stderr.contains("permission denied") {
        ErrorKind::PermissionDenied
    } else if stderr.contains("relation not found") {
        ErrorKind::RelationNotFound
    } else if failure.tool.starts_with("secret-") && stderr.contains("not found") {
        ErrorKind::SecretNotFound
    } else {
        ErrorKind::ToolFailed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(tool: &str, stderr: &str) -> ToolFailure {
        ToolFailure {
            tool: tool.to_owned(),
            args: vec!["-r".to_owned(), "valkey-client:0".to_owned()],
            status: Some(1),
            stderr: stderr.to_owned(),
        }
    }

    #[test]
    fn classifies_juju_messages() {
        let cases = [
            (
                "relation-set",
                "ERROR cannot write relation settings\n",
                ErrorKind::NotLeader,
            ),
            (
                "secret-add",
                "ERROR this unit is not the leader\n",
                ErrorKind::NotLeader,
            ),
            (
                "secret-get",
                "ERROR permission denied\n",
                ErrorKind::PermissionDenied,
            ),
            (
                "relation-get",
                "ERROR permission denied\n",
                ErrorKind::PermissionDenied,
            ),
            (
                "secret-get",
                "ERROR secret \"secret:d2fjn1fmp25004or68b0\" not found\n",
                ErrorKind::SecretNotFound,
            ),
            (
                "secret-grant",
                "ERROR invalid value \"7\" for option -r: relation not found\n",
                ErrorKind::RelationNotFound,
            ),
            (
                "relation-get",
                "ERROR unit \"x/0\" not found\n",
                ErrorKind::ToolFailed,
            ),
            ("relation-set", "ERROR boom\n", ErrorKind::ToolFailed),
        ];
        for (tool, stderr, kind) in cases {
            assert_eq!(
                Error::from_failure(failure(tool, stderr)).kind(),
                kind,
                "{stderr}"
            );
        }
    }

    #[test]
    fn display_names_tool_args_status_and_stderr() {
        let error = Error::from_failure(failure(
            "relation-set",
            "ERROR cannot write relation settings\n",
        ));
        assert_eq!(
            error.to_string(),
            "not the leader: `relation-set -r valkey-client:0` exited with status 1: \
             ERROR cannot write relation settings"
        );
        assert_eq!(error.tool(), Some("relation-set"));
        let missing = ToolFailure {
            status: None,
            stderr: "No such file or directory (os error 2)".to_owned(),
            ..failure("is-leader", "")
        };
        let error = Error::from_failure(missing);
        assert_eq!(error.kind(), ErrorKind::ToolMissing);
        assert!(
            error.to_string().contains("did not run to completion"),
            "{error}"
        );
    }
}
