//! [`SecretResolver`] over a [`Backend`]: how a charm joins a databag with the Juju Secrets it
//! names (`T::join(&bag, &mut BackendResolver::new(&tools))`).

use super::backend::{Backend, Fetch, SecretRef};
use super::error::ErrorKind;
use crate::{SecretContent, SecretResolver, SecretUri};

/// Reads secrets through a [`Backend`] (`secret-get`) for [`SecretResolver`] users: the
/// derive's `join` and the `databag` CLI's logic alike.
///
/// A secret that does not exist or is not granted to this unit resolves to `None` (the join
/// then reports which field's secret is missing); any other failure of the hook tool is an
/// error that names the tool. By default it reads the revision this unit tracks, as Juju
/// serves a consumer until `secret-changed` ([`Fetch::Tracked`]).
pub struct BackendResolver<'a> {
    backend: &'a dyn Backend,
    fetch: Fetch,
}

impl<'a> BackendResolver<'a> {
    /// A resolver reading the tracked revision of each secret.
    pub fn new(backend: &'a dyn Backend) -> Self {
        BackendResolver {
            backend,
            fetch: Fetch::Tracked,
        }
    }

    /// Reads `fetch` instead: [`Fetch::Refresh`] in a `secret-changed` hook, to move to the
    /// latest revision; [`Fetch::Peek`] to look at it without moving.
    pub fn with_fetch(mut self, fetch: Fetch) -> Self {
        self.fetch = fetch;
        self
    }
}

impl SecretResolver for BackendResolver<'_> {
    fn resolve(&mut self, uri: &SecretUri) -> Result<Option<SecretContent>, crate::Error> {
        match self
            .backend
            .secret_get(&SecretRef::uri(uri.clone()), self.fetch)
        {
            Ok(content) => Ok(Some(content)),
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::SecretNotFound | ErrorKind::PermissionDenied
                ) =>
            {
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::juju::{Model, RelationId, SecretOwner, State};

    #[test]
    fn resolves_granted_secrets_and_reads_missing_ones_as_none() {
        let mut state = State::new("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
        state.add_app("app", 1);
        state.add_app("valkey", 1);
        let number = state.relate("app", "cache", "valkey", "valkey-client");
        let model = Model::new(state);
        let (app, valkey) = (model.unit("app/0"), model.unit("valkey/0"));
        let content = SecretContent::from([("password".to_owned(), "pw".to_owned())]);
        let uri = valkey
            .secret_add(&content, Some("user"), SecretOwner::Application)
            .unwrap();
        let mut resolver = BackendResolver::new(&app);
        assert_eq!(resolver.resolve(&uri), Ok(None), "not granted yet");
        let relation = RelationId::new("valkey-client", number);
        valkey.secret_grant(&uri, &relation).unwrap();
        assert_eq!(resolver.resolve(&uri), Ok(Some(content)));

        model.state().fail_next("secret-get", 1);
        let error = resolver.resolve(&uri).unwrap_err();
        assert!(error.to_string().contains("secret-get"), "{error}");
    }
}
