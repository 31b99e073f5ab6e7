//! `valkey_provider_charm`: an example Valkey charm answering `valkey_client` requests
//! (endpoint `valkey-client`), with the hook-tool backend.
//!
//! Dispatches on the hook name as Juju does: `JUJU_HOOK_NAME`, else the last part of
//! `JUJU_DISPATCH_PATH`, else the name it was called by. The server it describes comes from
//! `server.json` in the charm directory (`JUJU_CHARM_DIR`): `{"endpoints", "read-only-endpoints",
//! "sentinel-endpoints", "version", "tls", "tls-ca", "admin", "sentinel-admins"}`. With `admin`
//! (and optionally `sentinel-admins`, a list), both [`AdminAccess`] objects, the users are
//! created on that real server and its Sentinels ([`ServerUsers`]); without, they live in
//! `users.json` there, as the ACL lines a Valkey server would load (password hashes only).
//! Either way, who owns each granted prefix is kept in `owners.json` there ([`OwnerFile`]). Log
//! lines go to `juju-log` and never hold a secret value. A failure prints `ERROR <what>` and exits
//! 1, so Juju retries the hook.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use databag::Secret;
use databag::juju::{Backend, Event, HookTools, RelationHook};
use databag_tests::valkey_users::{AdminAccess, OwnerFile, ServerUsers};
use serde_json::{Value, json};
use valkey_client::relation::{Level, Provider};
use valkey_client::valkey::{
    KeyPrefix, PrefixOwner, ServerInfo, StoreError, UserStore, ValkeyPolicy, acl,
};

const ENDPOINT: &str = "valkey-client";
const SERVER: &str = "server.json";
const USERS: &str = "users.json";
const OWNERS: &str = "owners.json";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ERROR {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let tools = HookTools::from_env().map_err(|error| error.to_string())?;
    let event = tools.context().event().map_err(|error| error.to_string())?;
    let charm_dir = charm_dir();
    let (server, admins) = read_server(&charm_dir)?;
    let owners = OwnerFile::open(charm_dir.join(OWNERS))?;
    let mut users: Box<dyn UserStore> = match admins {
        Some((admin, sentinels)) => Box::new(
            ServerUsers::open(&admin, &sentinels)
                .map_err(|error| format!("connecting to the server as {admin:?}: {error}"))?
                .with_owners(owners),
        ),
        None => Box::new(FileUsers::open(charm_dir.join(USERS), owners)?),
    };
    // A log line that Juju cannot take is not worth failing the hook for.
    let log = |level: Level, message: &str| drop(tools.log(level, message));
    let mut provider =
        Provider::new(&tools, ENDPOINT, ValkeyPolicy::new(users.as_mut())).with_log(log);
    match event {
        Event::Relation {
            hook,
            relation,
            departing_unit,
            ..
        } if relation.endpoint() == ENDPOINT => match hook {
            RelationHook::Created | RelationHook::Joined | RelationHook::Changed => {
                provider
                    .reconcile(&relation, &server)
                    .map_err(|error| error.to_string())?;
            }
            RelationHook::Broken => {
                provider
                    .on_relation_broken(&relation)
                    .map_err(|error| error.to_string())?;
            }
            RelationHook::Departed => {
                provider
                    .on_relation_departed(&relation, departing_unit.as_deref())
                    .map_err(|error| error.to_string())?;
            }
        },
        Event::Other(name)
            if matches!(
                name.as_str(),
                "config-changed" | "upgrade-charm" | "leader-elected" | "update-status"
            ) =>
        {
            provider
                .update_all(&server)
                .map_err(|error| error.to_string())?;
        }
        Event::SecretRemove {
            secret,
            label,
            revision,
        } => {
            provider
                .on_secret_remove(&secret, label.as_deref(), revision)
                .map_err(|error| error.to_string())?;
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

/// The admin access to the server and its Sentinels, when the charm manages a real server.
type Admins = Option<(AdminAccess, Vec<AdminAccess>)>;

fn read_server(dir: &Path) -> Result<(ServerInfo, Admins), String> {
    let path = dir.join(SERVER);
    let value: Value = match std::fs::read_to_string(&path) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(error) => return Err(format!("{}: {error}", path.display())),
    };
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut server = ServerInfo::new(text("endpoints").unwrap_or_else(|| "10.0.0.1:6379".into()));
    server.read_only_endpoints = text("read-only-endpoints");
    server.sentinel_endpoints = text("sentinel-endpoints");
    server.version = text("version");
    server.tls = value.get("tls").and_then(Value::as_bool).unwrap_or(false);
    server.tls_ca = text("tls-ca").map(Secret::new);
    let admins = match value.get("admin") {
        None => None,
        Some(access) => {
            let sentinels = match value.get("sentinel-admins") {
                Some(list) => parse_admin(&path, "sentinel-admins", list)?,
                None => Vec::new(),
            };
            Some((parse_admin(&path, "admin", access)?, sentinels))
        }
    };
    Ok((server, admins))
}

fn parse_admin<T: serde::de::DeserializeOwned>(
    path: &Path,
    key: &str,
    found: &Value,
) -> Result<T, String> {
    serde_json::from_value(found.clone())
        .map_err(|error| format!("{}: `{key}`: {error}", path.display()))
}

/// Users kept as ACL lines in a JSON file, rewritten (through a rename) after every change:
/// like a server, it is not rolled back when a hook fails.
struct FileUsers {
    path: PathBuf,
    /// username → `{"prefix": ..., "acl": "user <name> on resetpass #<hash> ..."}`.
    users: BTreeMap<String, Value>,
    owners: OwnerFile,
}

impl FileUsers {
    fn open(path: PathBuf, owners: OwnerFile) -> Result<Self, String> {
        let users = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|error| format!("{}: {error}", path.display()))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(error) => return Err(format!("{}: {error}", path.display())),
        };
        Ok(FileUsers {
            path,
            users,
            owners,
        })
    }

    fn save(&self) -> Result<(), StoreError> {
        let temp = self.path.with_extension("json.tmp");
        std::fs::write(&temp, serde_json::to_string_pretty(&self.users)?)?;
        std::fs::rename(&temp, &self.path)?;
        Ok(())
    }
}

impl UserStore for FileUsers {
    fn put_user(
        &mut self,
        username: &str,
        password: &Secret<String>,
        prefix: &KeyPrefix,
    ) -> Result<(), StoreError> {
        let rule = acl::client_rule(username, password.expose_secret(), prefix);
        self.users.insert(
            username.to_owned(),
            json!({"prefix": prefix.as_str(), "acl": acl::acl_file_line(username, &rule)}),
        );
        self.save()
    }

    fn delete_users(&mut self, usernames: &[String]) -> Result<(), StoreError> {
        for name in usernames {
            self.users.remove(name);
        }
        self.save()
    }

    fn usernames(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(self.users.keys().cloned().collect())
    }

    fn owners(&mut self) -> Result<Vec<PrefixOwner>, StoreError> {
        Ok(self.owners.owners())
    }

    fn put_owner(&mut self, owner: &PrefixOwner) -> Result<(), StoreError> {
        self.owners.put(owner)
    }

    fn delete_owner(&mut self, owner: &PrefixOwner) -> Result<(), StoreError> {
        self.owners.delete(owner)
    }

    /// No server, no keys: nothing to delete.
    fn delete_keys(&mut self, _prefix: &KeyPrefix, _limit: usize) -> Result<usize, StoreError> {
        Ok(0)
    }
}
