//! `valkey_requirer_charm`: an example application charm asking for Valkey users over the
//! `valkey_client` relation (endpoint `cache`), with the hook-tool backend.
//!
//! Dispatches on the hook name as Juju does: `JUJU_HOOK_NAME`, else the last part of
//! `JUJU_DISPATCH_PATH`, else the name it was called by (`hooks/cache-relation-changed`).
//! Configuration, in `requirer-config.json` in the charm directory (`JUJU_CHARM_DIR`):
//! `{"version": "v0" | "v1", "prefixes": ["app:*", ...]}` (default: v1, `["app:*"]`).
//! The resolved connection details go to `valkey-connections.json` (mode 0600) in the charm
//! directory, keyed by relation and request id: what the workload would read. Log lines go to
//! stderr and never hold a secret value. A failure prints `ERROR <what>` and exits 1, so Juju
//! retries the hook.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use databag::juju::{Event, HookTools, RelationHook, RelationId};
use serde_json::{Value, json};
use valkey_client::relation::{Answers, Level, Requirer, WireVersion};
use valkey_client::valkey::KeyPrefix;

const ENDPOINT: &str = "cache";
const CONFIG: &str = "requirer-config.json";
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

/// The charm's settings.
struct Config {
    version: WireVersion,
    prefixes: Vec<String>,
}

fn run() -> Result<(), String> {
    let tools = HookTools::from_env().map_err(|error| error.to_string())?;
    let event = tools.context().event().map_err(|error| error.to_string())?;
    let unit = tools.context().unit.clone();
    let charm_dir = charm_dir();
    let config = read_config(&charm_dir)?;
    let log = |level: Level, message: &str| eprintln!("{unit} {level} {message}");
    let mut requirer = Requirer::new(&tools, ENDPOINT)
        .with_version(config.version)
        .with_resource_check(KeyPrefix::parse)
        .with_log(log);
    match event {
        Event::Relation { hook, relation, .. } if relation.endpoint() == ENDPOINT => match hook {
            RelationHook::Created => {
                let prefixes: Vec<&str> = config.prefixes.iter().map(String::as_str).collect();
                requirer
                    .request(&relation, &prefixes)
                    .map_err(|error| error.to_string())?;
            }
            RelationHook::Changed => {
                let answers = requirer
                    .read(&relation)
                    .map_err(|error| error.to_string())?;
                save_answers(&charm_dir, &answers)?;
            }
            RelationHook::Broken => {
                requirer
                    .forget(&relation)
                    .map_err(|error| error.to_string())?;
                forget(&charm_dir, &relation)?;
            }
            RelationHook::Joined | RelationHook::Departed => {
                log(Level::Debug, &format!("{relation} {hook:?}: nothing to do"));
            }
        },
        Event::SecretChanged { secret, label } => {
            let answers = requirer
                .on_secret_changed_for(&secret, label.as_deref())
                .map_err(|error| error.to_string())?;
            if let Some(answers) = answers {
                save_answers(&charm_dir, &answers)?;
            }
        }
        other => log(Level::Debug, &format!("{other:?}: nothing to do")),
    }
    Ok(())
}

fn charm_dir() -> PathBuf {
    std::env::var_os("JUJU_CHARM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn read_config(dir: &Path) -> Result<Config, String> {
    let path = dir.join(CONFIG);
    let value: Value = match std::fs::read_to_string(&path) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(error) => return Err(format!("{}: {error}", path.display())),
    };
    let version = match value.get("version").and_then(Value::as_str) {
        None | Some("v1") => WireVersion::V1,
        Some("v0") => WireVersion::V0,
        Some(other) => {
            return Err(format!(
                "{}: version {other:?} (expected \"v0\" or \"v1\")",
                path.display()
            ));
        }
    };
    let prefixes = match value.get("prefixes") {
        None => vec!["app:*".to_owned()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{}: prefixes must be strings", path.display()))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(format!("{}: prefixes must be a list", path.display())),
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

/// The workload's view of every resolved response of a relation.
fn save_answers(dir: &Path, answers: &Answers) -> Result<(), String> {
    let mut connections = load(dir)?;
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
    let events: Vec<String> = answers
        .events
        .iter()
        .map(|event| format!("{}({})", event.name(), event.request_id().unwrap_or("-")))
        .collect();
    eprintln!(
        "{} INFO relation {}: {} connection(s) saved; events: [{}]; {} problem(s) with the \
         provider's data",
        std::env::var("JUJU_UNIT_NAME").unwrap_or_default(),
        answers.relation,
        entry.len(),
        events.join(", "),
        answers.problems.len()
    );
    store(dir, &connections)
}

fn forget(dir: &Path, relation: &RelationId) -> Result<(), String> {
    let mut connections = load(dir)?;
    connections.remove(&relation.to_string());
    store(dir, &connections)
}
