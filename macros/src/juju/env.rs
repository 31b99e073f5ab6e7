//! What Juju tells a hook process through its environment: which unit runs, in which model,
//! which hook, and for relation and secret hooks which relation, remote unit or secret.

use super::backend::RelationId;
use super::error::{Error, ErrorKind};

/// The hook a process runs, read from the variables Juju sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookContext {
    /// `JUJU_UNIT_NAME` (`valkey/0`).
    pub unit: String,
    /// The application part of the unit name (`valkey`).
    pub app: String,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: String,
    /// The hook's name (`valkey-client-relation-changed`): `JUJU_HOOK_NAME`, else the last part
    /// of `JUJU_DISPATCH_PATH` (`hooks/<name>`). Empty when neither is set (an action, or a
    /// process run outside a hook by `juju exec`).
    pub hook: String,
    /// `JUJU_RELATION_ID` (`valkey-client:0`) in relation hooks.
    pub relation: Option<RelationId>,
    /// `JUJU_REMOTE_APP` in relation hooks.
    pub remote_app: Option<String>,
    /// `JUJU_REMOTE_UNIT` in relation hooks about a unit.
    pub remote_unit: Option<String>,
    /// `JUJU_DEPARTING_UNIT` in relation-departed hooks.
    pub departing_unit: Option<String>,
    /// `JUJU_SECRET_ID` in secret hooks.
    pub secret_id: Option<String>,
    /// `JUJU_SECRET_LABEL` in secret hooks.
    pub secret_label: Option<String>,
    /// `JUJU_SECRET_REVISION` in secret-remove and secret-expired hooks.
    pub secret_revision: Option<u32>,
}

impl HookContext {
    /// The context of this process's hook.
    pub fn from_env() -> Result<Self, Error> {
        // Non-UTF-8 variables are none of Juju's: skipping them loses nothing.
        HookContext::from_vars(
            std::env::vars_os().filter_map(|(key, value)| {
                Some((key.into_string().ok()?, value.into_string().ok()?))
            }),
        )
    }

    /// The context described by `vars` (a hook's environment).
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut found = std::collections::BTreeMap::new();
        for (key, value) in vars {
            let key = key.as_ref();
            if key.starts_with("JUJU_") {
                found.insert(key.to_owned(), value.into());
            }
        }
        let get = |key: &str| found.get(key).filter(|value| !value.is_empty()).cloned();
        let missing = |key: &str| {
            Error::new(
                ErrorKind::Environment,
                format!("{key} is not set: this process does not run in a Juju hook"),
            )
        };
        let unit = get("JUJU_UNIT_NAME").ok_or_else(|| missing("JUJU_UNIT_NAME"))?;
        let Some((app, number)) = unit.split_once('/') else {
            return Err(Error::new(
                ErrorKind::Environment,
                format!("JUJU_UNIT_NAME is {unit:?}, expected <application>/<number>"),
            ));
        };
        if app.is_empty() || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::new(
                ErrorKind::Environment,
                format!("JUJU_UNIT_NAME is {unit:?}, expected <application>/<number>"),
            ));
        }
        let app = app.to_owned();
        let model_uuid = get("JUJU_MODEL_UUID").ok_or_else(|| missing("JUJU_MODEL_UUID"))?;
        let hook = get("JUJU_HOOK_NAME")
            .or_else(|| {
                get("JUJU_DISPATCH_PATH")
                    .map(|path| path.rsplit('/').next().unwrap_or_default().to_owned())
            })
            .unwrap_or_default();
        let relation = match get("JUJU_RELATION_ID") {
            Some(id) => Some(RelationId::parse(&id).map_err(|_| {
                Error::new(
                    ErrorKind::Environment,
                    format!("JUJU_RELATION_ID is {id:?}, expected <endpoint>:<number>"),
                )
            })?),
            None => None,
        };
        let secret_revision = match get("JUJU_SECRET_REVISION") {
            Some(text) => Some(text.parse().map_err(|_| {
                Error::new(
                    ErrorKind::Environment,
                    format!("JUJU_SECRET_REVISION is {text:?}, expected a number"),
                )
            })?),
            None => None,
        };
        Ok(HookContext {
            unit,
            app,
            model_uuid,
            hook,
            relation,
            remote_app: get("JUJU_REMOTE_APP"),
            remote_unit: get("JUJU_REMOTE_UNIT"),
            departing_unit: get("JUJU_DEPARTING_UNIT"),
            secret_id: get("JUJU_SECRET_ID"),
            secret_label: get("JUJU_SECRET_LABEL"),
            secret_revision,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_relation_hook() {
        let context = HookContext::from_vars([
            ("JUJU_UNIT_NAME", "valkey/1"),
            ("JUJU_MODEL_UUID", "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"),
            ("JUJU_DISPATCH_PATH", "hooks/valkey-client-relation-changed"),
            ("JUJU_RELATION_ID", "valkey-client:3"),
            ("JUJU_REMOTE_APP", "requirer"),
            ("JUJU_REMOTE_UNIT", "requirer/0"),
            ("PATH", "/usr/bin"),
        ])
        .expect("context");
        assert_eq!(context.app, "valkey");
        assert_eq!(context.hook, "valkey-client-relation-changed");
        assert_eq!(context.relation, Some(RelationId::new("valkey-client", 3)));
        assert_eq!(context.remote_unit.as_deref(), Some("requirer/0"));
        assert_eq!(context.secret_id, None);
    }

    #[test]
    fn outside_a_hook_is_an_environment_error() {
        let error = HookContext::from_vars([("PATH", "/usr/bin")]).expect_err("no unit");
        assert_eq!(error.kind(), ErrorKind::Environment);
        assert!(error.to_string().contains("JUJU_UNIT_NAME"), "{error}");
        let error =
            HookContext::from_vars([("JUJU_UNIT_NAME", "valkey"), ("JUJU_MODEL_UUID", "x")])
                .expect_err("bad unit");
        assert!(
            error.to_string().contains("<application>/<number>"),
            "{error}"
        );
    }
}
