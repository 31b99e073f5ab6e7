//! `valkey_requirer_charm`: an example application charm asking for Valkey users over the
//! `valkey_client` relation (endpoint `cache`), with the hook-tool backend and the toolkit
//! (`databag::juju`): the hook from [`Event`], options from `config-get`, progress through
//! `status-set` and `juju-log`.
//!
//! Options (`config-get`): `version` (`"v0"` or `"v1"`, default v1) and `prefixes` (a
//! comma-separated list, default `app:*`). The resolved connection details go to
//! `valkey-connections.json` (mode 0600) in the charm directory, keyed by relation and request
//! id: what the workload would read. Log lines never hold a secret value. A failure prints
//! `ERROR <what>` and exits 1, so Juju retries the hook.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use databag::juju::{Backend, Event, HookTools, RelationHook, RelationId, WorkloadStatus};
use serde_json::{Map, Value, json};
use valkey_client::relation::{Answers, Level, Requirer, WireVersion};
use valkey_client::valkey::KeyPrefix;

const ENDPOINT: &str = "cache";
const CONNECTIONS: &str = "valkey-connections.json";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ERROR {message}");
            ExitCode::FAILURE
        }
    }
}

/// The charm's options.
struct Config {
    version: WireVersion,
    prefixes: Vec<String>,
}

fn run() -> Result<(), String> {
    let tools = HookTools::from_env().map_err(|error| error.to_string())?;
    let event = tools.context().event().map_err(|error| error.to_string())?;
    let charm_dir = charm_dir();
    let config = read_config(&tools.config().map_err(|error| error.to_string())?)?;
    // A log line that Juju cannot take is not worth failing the hook for.
    let log = |level: Level, message: &str| drop(tools.log(level, message));
    let mut requirer = Requirer::new(&tools, ENDPOINT)
        .with_version(config.version)
        .with_resource_check(KeyPrefix::parse)
        .with_log(log);
    let saved = match event {
        Event::Relation { hook, relation, .. } if relation.endpoint() == ENDPOINT => match hook {
            RelationHook::Created => {
                let prefixes: Vec<&str> = config.prefixes.iter().map(String::as_str).collect();
                requirer
                    .request(&relation, &prefixes)
                    .map_err(|error| error.to_string())?;
                Some(load(&charm_dir)?.values().map(BTreeMap::len).sum())
            }
            RelationHook::Changed => {
                let answers = requirer
                    .read(&relation)
                    .map_err(|error| error.to_string())?;
                save_answers(&tools, &charm_dir, &answers)?
            }
            RelationHook::Broken => {
                requirer
                    .forget(&relation)
                    .map_err(|error| error.to_string())?;
                Some(forget(&charm_dir, &relation)?)
            }
            RelationHook::Joined | RelationHook::Departed => {
                log(Level::Debug, &format!("{relation} {hook:?}: nothing to do"));
                None
            }
        },
        Event::SecretChanged { secret, label } => {
            let answers = requirer
                .on_secret_changed_for(&secret, label.as_deref())
                .map_err(|error| error.to_string())?;
            match answers {
                Some(answers) => save_answers(&tools, &charm_dir, &answers)?,
                None => None,
            }
        }
        other => {
            log(Level::Debug, &format!("{other:?}: nothing to do"));
            None
        }
    };
    if let Some(connections) = saved {
        let status = if connections == 0 {
            WorkloadStatus::Waiting("waiting for a Valkey user".to_owned())
        } else {
            WorkloadStatus::Active(format!("{connections} Valkey connection(s)"))
        };
        tools
            .status_set(&status)
            .map_err(|error| error.to_string())?;
    }
    Ok(())
}

fn charm_dir() -> PathBuf {
    std::env::var_os("JUJU_CHARM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn read_config(options: &Map<String, Value>) -> Result<Config, String> {
    let version = match options.get("version").and_then(Value::as_str) {
        None | Some("v1") => WireVersion::V1,
        Some("v0") => WireVersion::V0,
        Some(other) => {
            return Err(format!(
                "option version: {other:?} (expected \"v0\" or \"v1\")"
            ));
        }
    };
    let prefixes = match options.get("prefixes") {
        None => vec!["app:*".to_owned()],
        Some(Value::String(list)) => list
            .split(',')
            .map(str::trim)
            .filter(|prefix| !prefix.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(_) => return Err("option prefixes: expected a comma-separated string".to_owned()),
    };
    Ok(Config { version, prefixes })
}

type Connections = BTreeMap<String, BTreeMap<String, Value>>;

fn load(dir: &Path) -> Result<Connections, String> {
    let path = dir.join(CONNECTIONS);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Connections::new()),
        Err(error) => Err(format!("{}: {error}", path.display())),
    }
}

/// Writes the file readable by this user only: it holds passwords.
fn store(dir: &Path, connections: &Connections) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(CONNECTIONS);
    let temp = dir.join(format!("{CONNECTIONS}.tmp"));
    let text = serde_json::to_string_pretty(connections).map_err(|error| error.to_string())?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|error| format!("{}: {error}", temp.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|error| format!("{}: {error}", temp.display()))?;
    std::fs::rename(&temp, &path).map_err(|error| format!("{}: {error}", path.display()))
}

/// The workload's view of every resolved response of a relation; how many connections the
/// charm now has, over all relations, or `None` when nothing changed (no file write, no log
/// line, no status: a quiet hook stays cheap).
fn save_answers(
    tools: &dyn Backend,
    dir: &Path,
    answers: &Answers,
) -> Result<Option<usize>, String> {
    let mut connections = load(dir)?;
    let before = connections.clone();
    let entry = connections.entry(answers.relation.to_string()).or_default();
    for response in &answers.responses {
        let (Some(username), Some(password)) = (&response.username, &response.password) else {
            continue;
        };
        let key = if response.request_id.is_empty() {
            "v0".to_owned()
        } else {
            response.request_id.clone()
        };
        entry.insert(
            key,
            json!({
                "prefix": response.resource,
                "username": username.expose_secret(),
                "password": password.expose_secret(),
                "endpoints": response.endpoints,
                "read-only-endpoints": response.read_only_endpoints,
                "sentinel-endpoints": response.sentinel_endpoints,
                "mode": response.mode,
                "version": response.version,
                "tls": response.tls.as_ref().map(|tls| *tls.expose_secret()),
                "tls-ca": response.tls_ca.as_ref().map(|ca| ca.expose_secret().clone()),
            }),
        );
    }
    if connections == before && answers.events.is_empty() && answers.problems.is_empty() {
        return Ok(None);
    }
    let entry = connections.entry(answers.relation.to_string()).or_default();
    let events: Vec<String> = answers
        .events
        .iter()
        .map(|event| format!("{}({})", event.name(), event.request_id().unwrap_or("-")))
        .collect();
    let line = format!(
        "relation {}: {} connection(s) saved; events: [{}]; {} problem(s) with the provider's \
         data",
        answers.relation,
        entry.len(),
        events.join(", "),
        answers.problems.len()
    );
    tools
        .log(Level::Info, &line)
        .map_err(|error| error.to_string())?;
    store(dir, &connections)?;
    Ok(Some(connections.values().map(BTreeMap::len).sum()))
}

fn forget(dir: &Path, relation: &RelationId) -> Result<usize, String> {
    let mut connections = load(dir)?;
    connections.remove(&relation.to_string());
    store(dir, &connections)?;
    Ok(connections.values().map(BTreeMap::len).sum())
}
