//! Errors of reading, writing and resolving databags, each naming the place it happened.

use std::fmt;

/// Where in a databag a value sits: keys and list indexes from the databag's root,
/// displayed as `requests[1].secret-user`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(Vec<Segment>);

/// One step of a [`Path`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A key of an object or databag.
    Key(String),
    /// An index into a list.
    Index(usize),
}

impl Path {
    /// The root of a databag.
    pub fn root() -> Self {
        Path(Vec::new())
    }

    /// This path extended by a key.
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        Path(segments)
    }

    /// This path extended by a list index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Path(segments)
    }

    /// The path made of `segments`, from the root.
    pub fn from_segments(segments: Vec<Segment>) -> Self {
        Path(segments)
    }

    /// The steps of this path from the root.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// An error reading, writing or resolving a databag.
///
/// Its `Display` is `<path>: <message>`, e.g.
/// `requests[1].secret-user: expected a Juju secret URI, found "foo"`. Messages never contain
/// the value of a secret field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    path: Path,
    kind: ErrorKind,
}

/// What went wrong; see [`Error`] for where.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A required key is absent (or `null`).
    Missing,
    /// A value has the wrong type. `found` describes what was there; for secret fields it is
    /// only a type name, never the value.
    WrongType {
        /// What was expected, e.g. `a string` or `"true" or "false"`.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A JSON-encoded value is not valid JSON.
    InvalidJson {
        /// The parser's message, with line and column inside the value.
        message: String,
    },
    /// A value that must be a Juju secret URI is not one.
    InvalidSecretUri {
        /// The offending value.
        found: String,
    },
    /// A key with a fixed value has another one.
    UnexpectedValue {
        /// The only accepted value.
        expected: String,
        /// The value found.
        found: String,
    },
    /// A value does not match its field's `pattern` (a request id with `.` or a space).
    NoMatch {
        /// The regular expression.
        pattern: String,
        /// The value found, cut to 64 characters with control characters escaped.
        found: String,
    },
    /// The wire-version tag selects no known version.
    UnknownVersion {
        /// The tag key (`version`).
        tag: String,
        /// The value found.
        found: String,
        /// The accepted values.
        expected: Vec<String>,
    },
    /// A secret referenced by the databag could not be fetched.
    SecretMissing {
        /// The secret group.
        group: String,
        /// The URI that was referenced.
        uri: String,
    },
    /// A secret's content has a malformed value.
    SecretMalformed {
        /// The secret group.
        group: String,
        /// The content key.
        key: String,
        /// What is wrong, without the value.
        message: String,
    },
    /// A secret field has a value but the peer cannot receive it through a Juju Secret (v0
    /// requirer that did not list it in `requested-secrets`, or a peer without secrets).
    SecretsUnsupported {
        /// The secret group.
        group: String,
        /// The secret field.
        field: String,
    },
    /// A secret field has a value and the caller asked for a plaintext databag; use
    /// `to_bag_routed` (or `split`).
    SecretNotRouted {
        /// The secret group.
        group: String,
        /// The secret field.
        field: String,
    },
    /// Talking to Juju failed (a hook tool behind a [`SecretResolver`](crate::SecretResolver),
    /// for example); the Juju error names the tool and what Juju printed.
    Juju(crate::juju::Error),
    /// Anything else, with a message.
    Custom(String),
}

impl Error {
    /// An error of kind `kind` at `path`.
    pub fn new(path: Path, kind: ErrorKind) -> Self {
        Error { path, kind }
    }

    /// A required key is absent at `path`.
    pub fn missing(path: Path) -> Self {
        Error::new(path, ErrorKind::Missing)
    }

    /// A value of the wrong type at `path`.
    pub fn wrong_type(path: Path, expected: impl Into<String>, found: impl Into<String>) -> Self {
        Error::new(
            path,
            ErrorKind::WrongType {
                expected: expected.into(),
                found: found.into(),
            },
        )
    }

    /// A free-form error at `path`.
    pub fn custom(path: Path, message: impl Into<String>) -> Self {
        Error::new(path, ErrorKind::Custom(message.into()))
    }

    /// Where the error happened.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Missing => f.write_str("missing required key"),
            ErrorKind::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ErrorKind::InvalidJson { message } => write!(f, "invalid JSON: {message}"),
            ErrorKind::InvalidSecretUri { found } => {
                write!(f, "expected a Juju secret URI, found {found:?}")
            }
            ErrorKind::UnexpectedValue { expected, found } => {
                write!(f, "expected {expected:?}, found {found:?}")
            }
            ErrorKind::NoMatch { pattern, found } => {
                write!(f, "{found:?} does not match the pattern `{pattern}`")
            }
            ErrorKind::UnknownVersion {
                tag,
                found,
                expected,
            } => write!(
                f,
                "unknown wire version {tag} = {found:?} (expected one of: {})",
                expected.join(", ")
            ),
            ErrorKind::SecretMissing { group, uri } => {
                write!(f, "secret {uri} of group `{group}` could not be found")
            }
            ErrorKind::SecretMalformed {
                group,
                key,
                message,
            } => write!(f, "secret group `{group}`, key `{key}`: {message}"),
            ErrorKind::SecretsUnsupported { group, field } => write!(
                f,
                "`{field}` (secret group `{group}`) must travel in a Juju Secret, but the peer \
                 cannot receive it that way (SecretsUnsupported: it is not listed in \
                 `requested-secrets`, or secrets are unavailable)"
            ),
            ErrorKind::SecretNotRouted { group, field } => write!(
                f,
                "`{field}` belongs to secret group `{group}` and cannot be written to a \
                 plaintext databag; use `to_bag_routed`, which hands the group's content to \
                 your closure (store it in a Juju Secret, return its URI) and writes the URI \
                 under the group's `secret-` key (or `split` for the secret content and the \
                 databag separately)"
            ),
            ErrorKind::Juju(error) => write!(f, "{error}"),
            ErrorKind::Custom(message) => f.write_str(message),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Juju(error) => Some(error),
            _ => None,
        }
    }
}

/// A Juju error where a databag error is expected (`?` in a [`SecretResolver`] or a charm's
/// hook function): at the root path, the Juju error as its kind and source.
///
/// [`SecretResolver`]: crate::SecretResolver
impl From<crate::juju::Error> for Error {
    fn from(error: crate::juju::Error) -> Self {
        Error::new(Path::root(), ErrorKind::Juju(error))
    }
}
