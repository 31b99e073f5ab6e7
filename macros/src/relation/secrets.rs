//! The provider's side of Juju Secrets: create-or-update by label (so a retried hook neither
//! duplicates nor orphans a secret), grant, and removal per relation.

use crate::juju::{Backend, ErrorKind, Fetch, RelationId, SecretOwner, SecretRef};
use crate::secret::SecretLabel;
use crate::{SecretContent, SecretUri};

use super::{FlowError, Level};

/// Makes the app-owned secret `label` hold `content` and be readable by the other side of
/// `relation`; returns its URI.
///
/// Found by `known` (the URI our databag already carries), else by label (a secret created by
/// an earlier attempt whose databag write failed), else created. An unchanged content is not
/// set again (no new revision, no `secret-changed` for the requirer). The grant is repeated
/// every time: it is idempotent, and it heals a grant that was lost.
pub(crate) fn ensure_secret(
    backend: &dyn Backend,
    log: &mut dyn FnMut(Level, &str),
    relation: &RelationId,
    label: &str,
    known: Option<&SecretUri>,
    content: &SecretContent,
    context: &str,
) -> Result<SecretUri, FlowError> {
    let err = |what: &str, error| FlowError::juju(format!("{context}: {what}"), error);
    let mut found = None;
    if let Some(uri) = known {
        match backend.secret_get(&SecretRef::uri(uri.clone()), Fetch::Tracked) {
            Ok(current) => found = Some((uri.clone(), current)),
            Err(error) if error.kind() == ErrorKind::SecretNotFound => log(
                Level::Warning,
                &format!("{context}: secret {uri} is gone; looking for label {label}"),
            ),
            Err(error) => return Err(err(&format!("reading secret {uri}"), error)),
        }
    }
    if found.is_none() {
        match backend.secret_info(&SecretRef::label(label)) {
            Ok(info) => {
                let current = backend
                    .secret_get(&SecretRef::uri(info.uri.clone()), Fetch::Tracked)
                    .map_err(|error| err(&format!("reading secret {}", info.uri), error))?;
                log(
                    Level::Info,
                    &format!(
                        "{context}: reusing secret {} found by label {label} (an earlier attempt \
                         did not finish)",
                        info.uri
                    ),
                );
                found = Some((info.uri, current));
            }
            Err(error) if error.kind() == ErrorKind::SecretNotFound => {}
            Err(error) => return Err(err(&format!("looking up label {label}"), error)),
        }
    }
    let uri = match found {
        Some((uri, current)) => {
            if current != *content {
                backend
                    .secret_set(&uri, content)
                    .map_err(|error| err(&format!("updating secret {uri}"), error))?;
                log(
                    Level::Info,
                    &format!("{context}: new revision of secret {uri} ({label})"),
                );
            }
            uri
        }
        None => {
            let uri = backend
                .secret_add(content, Some(label), SecretOwner::Application)
                .map_err(|error| err(&format!("creating secret {label}"), error))?;
            log(
                Level::Info,
                &format!("{context}: created secret {uri} ({label})"),
            );
            uri
        }
    };
    grant(backend, relation, &uri, context)?;
    Ok(uri)
}

/// Lets the other side of `relation` read `uri`.
pub(crate) fn grant(
    backend: &dyn Backend,
    relation: &RelationId,
    uri: &SecretUri,
    context: &str,
) -> Result<(), FlowError> {
    backend
        .secret_grant(uri, relation)
        .map_err(|error| FlowError::juju(format!("{context}: granting secret {uri}"), error))
}

/// Removes every secret this application owns whose label belongs to `relation`
/// (`<endpoint>.<relation-id>.…secret`, both label forms); returns their URIs. Found by label,
/// not through the databag, so secrets of an attempt that never reached the databag go too.
pub(crate) fn remove_relation_secrets(
    backend: &dyn Backend,
    log: &mut dyn FnMut(Level, &str),
    relation: &RelationId,
) -> Result<Vec<SecretUri>, FlowError> {
    let context = format!("relation {relation}");
    let uris = backend
        .secret_ids()
        .map_err(|error| FlowError::juju(format!("{context}: listing our secrets"), error))?;
    let mut removed = Vec::new();
    for uri in uris {
        let info = backend
            .secret_info(&SecretRef::uri(uri.clone()))
            .map_err(|error| FlowError::juju(format!("{context}: inspecting {uri}"), error))?;
        let Some(label) = info.label.as_deref().and_then(SecretLabel::parse) else {
            continue;
        };
        if label.endpoint != relation.endpoint()
            || label.relation_id != u64::from(relation.number())
        {
            continue;
        }
        backend
            .secret_remove(&uri)
            .map_err(|error| FlowError::juju(format!("{context}: removing {uri}"), error))?;
        log(
            Level::Info,
            &format!("{context}: removed secret {uri} ({label})"),
        );
        removed.push(uri);
    }
    Ok(removed)
}
