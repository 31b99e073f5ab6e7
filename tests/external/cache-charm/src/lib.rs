//! A small application charm that asks Valkey for a user on `cache:*`, written as a charm
//! author would with databag's toolkit: the hook as an [`Event`], options from `config-get`,
//! the relation through [`Requirer`], progress through `status-set` and `juju-log`.

use databag::juju::{Backend, Event, Level, RelationHook, WorkloadStatus};
use valkey_client::relation::{Requirer, WireVersion};
use valkey_client::valkey::KeyPrefix;

/// The charm's relation endpoint to Valkey.
pub const ENDPOINT: &str = "cache";

/// Handles one hook; `Err` fails it, so Juju retries.
pub fn handle(backend: &dyn Backend, event: &Event) -> Result<(), String> {
    let config = backend.config().map_err(|error| error.to_string())?;
    let prefix = config
        .get("prefix")
        .and_then(|value| value.as_str())
        .unwrap_or("cache:*")
        .to_owned();
    let log = |level: Level, message: &str| drop(backend.log(level, message));
    let mut requirer = Requirer::new(backend, ENDPOINT)
        .with_version(WireVersion::V1)
        .with_resource_check(KeyPrefix::parse)
        .with_log(log);
    let status = match event {
        Event::Relation { hook, relation, .. } if relation.endpoint() == ENDPOINT => match hook {
            RelationHook::Created => {
                requirer
                    .request(relation, &[prefix.as_str()])
                    .map_err(|error| error.to_string())?;
                WorkloadStatus::Waiting("waiting for a Valkey user".to_owned())
            }
            RelationHook::Changed => {
                let answers = requirer.read(relation).map_err(|error| error.to_string())?;
                match answers.responses.iter().find(|r| r.password.is_some()) {
                    Some(response) => {
                        WorkloadStatus::Active(format!("connected to {}", response.endpoints))
                    }
                    None => WorkloadStatus::Waiting("waiting for a Valkey user".to_owned()),
                }
            }
            RelationHook::Broken => {
                requirer.forget(relation).map_err(|error| error.to_string())?;
                WorkloadStatus::Blocked("add a relation to Valkey".to_owned())
            }
            RelationHook::Joined | RelationHook::Departed => return Ok(()),
        },
        // A new revision of a user or TLS secret (rotated password, renewed CA).
        Event::SecretChanged { secret, label } => {
            let answers = requirer
                .on_secret_changed_for(secret, label.as_deref())
                .map_err(|error| error.to_string())?;
            match answers {
                Some(answers) if answers.responses.iter().any(|r| r.password.is_some()) => {
                    WorkloadStatus::Active("credentials updated".to_owned())
                }
                _ => return Ok(()),
            }
        }
        _ => return Ok(()),
    };
    backend
        .status_set(&status)
        .map_err(|error| error.to_string())
}
