//! The hook a process runs, as one value a charm matches on: which event, and the relation,
//! units or secret it is about. Every charm needs this dispatch; written once here, it names
//! a missing variable instead of leaving each charm to parse `<endpoint>-relation-<kind>`.

use super::backend::RelationId;
use super::env::HookContext;
use super::error::{Error, ErrorKind};
use crate::SecretUri;

/// Which relation hook (`<endpoint>-relation-<kind>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelationHook {
    /// `-relation-created`: the relation exists; no remote unit has joined yet.
    Created,
    /// `-relation-joined`: a remote unit joined.
    Joined,
    /// `-relation-changed`: a databag of the other side changed.
    Changed,
    /// `-relation-departed`: a unit left (maybe this one: see [`Event::Relation`]'s
    /// `departing_unit`).
    Departed,
    /// `-relation-broken`: the relation is gone for this unit.
    Broken,
}

/// What a hook is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A relation hook.
    Relation {
        /// Which one.
        hook: RelationHook,
        /// `JUJU_RELATION_ID`.
        relation: RelationId,
        /// `JUJU_REMOTE_APP`, when Juju sets it.
        remote_app: Option<String>,
        /// `JUJU_REMOTE_UNIT`, in hooks about one remote unit.
        remote_unit: Option<String>,
        /// `JUJU_DEPARTING_UNIT` in relation-departed: the unit leaving, this one when it is
        /// being removed.
        departing_unit: Option<String>,
    },
    /// `secret-changed`: a secret this unit consumes has a new revision.
    SecretChanged {
        /// `JUJU_SECRET_ID`.
        secret: SecretUri,
        /// `JUJU_SECRET_LABEL`, the consumer label.
        label: Option<String>,
    },
    /// `secret-remove`: no consumer tracks `revision` of a secret this unit (or, on the
    /// leader, its application) owns.
    SecretRemove {
        /// `JUJU_SECRET_ID`.
        secret: SecretUri,
        /// `JUJU_SECRET_LABEL`, the owner label.
        label: Option<String>,
        /// `JUJU_SECRET_REVISION`.
        revision: u32,
    },
    /// Any other hook (`install`, `config-changed`, `leader-elected`, `update-status`, ...),
    /// by name.
    Other(String),
}

impl HookContext {
    /// The hook's name: [`HookContext::hook`], else the file name this process was started as
    /// (a charm whose `hooks/<name>` are links to one binary, run without dispatch).
    pub fn hook_name(&self) -> String {
        if !self.hook.is_empty() {
            return self.hook.clone();
        }
        std::env::args()
            .next()
            .and_then(|arg0| {
                std::path::Path::new(&arg0)
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
            })
            .unwrap_or_default()
    }

    /// The event of this hook, its relation, units or secret taken from the environment. A
    /// relation or secret hook without the variables Juju always sets for it is an
    /// [`ErrorKind::Environment`] error naming the variable.
    pub fn event(&self) -> Result<Event, Error> {
        self.event_named(&self.hook_name())
    }

    /// [`HookContext::event`] for a hook called `name`.
    pub fn event_named(&self, name: &str) -> Result<Event, Error> {
        let missing = |key: &str| {
            Error::new(
                ErrorKind::Environment,
                format!("{key} is not set in hook {name}"),
            )
        };
        const KINDS: [(&str, RelationHook); 5] = [
            ("-relation-created", RelationHook::Created),
            ("-relation-joined", RelationHook::Joined),
            ("-relation-changed", RelationHook::Changed),
            ("-relation-departed", RelationHook::Departed),
            ("-relation-broken", RelationHook::Broken),
        ];
        let relation_hook = KINDS.iter().find_map(|(suffix, hook)| {
            let endpoint = name.strip_suffix(suffix)?;
            (!endpoint.is_empty()).then_some((endpoint, *hook))
        });
        if let Some((endpoint, hook)) = relation_hook {
            let relation = self
                .relation
                .clone()
                .ok_or_else(|| missing("JUJU_RELATION_ID"))?;
            if relation.endpoint() != endpoint {
                return Err(Error::new(
                    ErrorKind::Environment,
                    format!(
                        "hook {name} runs with JUJU_RELATION_ID {relation}, of another endpoint"
                    ),
                ));
            }
            return Ok(Event::Relation {
                hook,
                relation,
                remote_app: self.remote_app.clone(),
                remote_unit: self.remote_unit.clone(),
                departing_unit: self.departing_unit.clone(),
            });
        }
        let secret = || {
            let id = self
                .secret_id
                .as_deref()
                .ok_or_else(|| missing("JUJU_SECRET_ID"))?;
            SecretUri::parse(id).map_err(|error| {
                Error::new(ErrorKind::Environment, format!("JUJU_SECRET_ID: {error}"))
            })
        };
        match name {
            "secret-changed" => Ok(Event::SecretChanged {
                secret: secret()?,
                label: self.secret_label.clone(),
            }),
            "secret-remove" => Ok(Event::SecretRemove {
                secret: secret()?,
                label: self.secret_label.clone(),
                revision: self
                    .secret_revision
                    .ok_or_else(|| missing("JUJU_SECRET_REVISION"))?,
            }),
            other => Ok(Event::Other(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(vars: &[(&str, &str)]) -> HookContext {
        let base = [
            ("JUJU_UNIT_NAME", "valkey/0"),
            ("JUJU_MODEL_UUID", "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"),
        ];
        HookContext::from_vars(base.iter().chain(vars).copied()).expect("context")
    }

    #[test]
    fn relation_hooks_carry_their_relation_and_units() {
        let event = context(&[
            ("JUJU_HOOK_NAME", "valkey-client-relation-departed"),
            ("JUJU_RELATION_ID", "valkey-client:4"),
            ("JUJU_REMOTE_APP", "app"),
            ("JUJU_REMOTE_UNIT", "app/1"),
            ("JUJU_DEPARTING_UNIT", "valkey/0"),
        ])
        .event()
        .expect("event");
        assert_eq!(
            event,
            Event::Relation {
                hook: RelationHook::Departed,
                relation: RelationId::new("valkey-client", 4),
                remote_app: Some("app".to_owned()),
                remote_unit: Some("app/1".to_owned()),
                departing_unit: Some("valkey/0".to_owned()),
            }
        );
    }

    #[test]
    fn secret_hooks_and_others() {
        let remove = context(&[
            ("JUJU_HOOK_NAME", "secret-remove"),
            ("JUJU_SECRET_ID", "secret:d2fjn1fmp25004or68b0"),
            ("JUJU_SECRET_LABEL", "valkey-client.0.tls.secret"),
            ("JUJU_SECRET_REVISION", "3"),
        ])
        .event()
        .expect("event");
        assert!(
            matches!(&remove, Event::SecretRemove { revision: 3, label: Some(l), .. } if l == "valkey-client.0.tls.secret"),
            "{remove:?}"
        );
        let other = context(&[("JUJU_HOOK_NAME", "config-changed")]).event();
        assert_eq!(
            other.expect("event"),
            Event::Other("config-changed".to_owned())
        );
    }

    #[test]
    fn missing_variables_are_named() {
        let error = context(&[("JUJU_HOOK_NAME", "cache-relation-changed")])
            .event()
            .expect_err("no relation id");
        assert_eq!(error.kind(), ErrorKind::Environment);
        assert!(error.to_string().contains("JUJU_RELATION_ID"), "{error}");
        let error = context(&[
            ("JUJU_HOOK_NAME", "cache-relation-changed"),
            ("JUJU_RELATION_ID", "db:1"),
        ])
        .event()
        .expect_err("another endpoint");
        assert!(error.to_string().contains("another endpoint"), "{error}");
        let error = context(&[
            ("JUJU_HOOK_NAME", "secret-remove"),
            ("JUJU_SECRET_ID", "secret:d2fjn1fmp25004or68b0"),
        ])
        .event()
        .expect_err("no revision");
        assert!(
            error.to_string().contains("JUJU_SECRET_REVISION"),
            "{error}"
        );
    }
}
