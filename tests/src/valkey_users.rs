//! A [`UserStore`] on a real Valkey server (and its Sentinels): what a provider charm does to
//! give each request its user. `ACL SETUSER` with [`acl::client_rule`] on the server and
//! [`acl::sentinel_client_rule`] on every Sentinel, `ACL DELUSER` on relation-broken, and
//! `ACL SAVE` so a restarted server keeps its users. Prefix owners live in the provider's own
//! file ([`OwnerFile`]), never in the server: a tenant granted `*` could rewrite a key.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use databag::Secret;
use redis::Connection;
use serde::Deserialize;
use serde_json::{Value, json};
use valkey_client::valkey::{KeyPrefix, PrefixOwner, StoreError, UserStore, acl};

use crate::valkey_connect::Endpoint;

/// How the provider reaches a server or a Sentinel as its admin. Deserialized from the
/// provider charm's `server.json` (`admin`, `sentinel-admins`).
#[derive(Clone, Deserialize)]
pub struct AdminAccess {
    /// `127.0.0.1`.
    pub host: String,
    /// The port (TLS when `tls_ca` is set).
    pub port: u16,
    /// The admin user.
    pub username: String,
    /// Its password.
    pub password: String,
    /// The CA of the server's certificate when it serves TLS only.
    #[serde(default)]
    pub tls_ca: Option<String>,
}

impl fmt::Debug for AdminAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminAccess")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("tls", &self.tls_ca.is_some())
            .finish()
    }
}

impl AdminAccess {
    /// An authenticated admin connection.
    pub fn connect(&self) -> redis::RedisResult<Connection> {
        Endpoint {
            host: &self.host,
            port: self.port,
            username: &self.username,
            password: &self.password,
            tls_ca: self.tls_ca.as_deref(),
        }
        .connect()
    }
}

/// The client users of one Valkey deployment: its server and its Sentinels.
pub struct ServerUsers {
    server: Connection,
    sentinels: Vec<Connection>,
    owners: OwnerFile,
}

/// The prefix owners of a provider ([`PrefixOwner`]), in memory, and in a JSON file when it has
/// a path (the charm's directory: like the server, not rolled back when a hook fails).
#[derive(Debug, Default)]
pub struct OwnerFile {
    path: Option<PathBuf>,
    owners: BTreeSet<PrefixOwner>,
}

impl OwnerFile {
    /// Records kept in memory only (a test's provider).
    pub fn memory() -> Self {
        OwnerFile::default()
    }

    /// Records read from `path` (none when it does not exist yet) and rewritten there, through
    /// a rename, after every change.
    pub fn open(path: PathBuf) -> Result<Self, String> {
        let mut owners = BTreeSet::new();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let records: Vec<Value> = serde_json::from_str(&text)
                    .map_err(|error| format!("{}: {error}", path.display()))?;
                for record in records {
                    owners.insert(owner_of(&record).ok_or_else(|| {
                        format!("{}: not an owner record: {record}", path.display())
                    })?);
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(format!("{}: {error}", path.display())),
        }
        Ok(OwnerFile {
            path: Some(path),
            owners,
        })
    }

    fn save(&self) -> Result<(), StoreError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let records: Vec<Value> = self
            .owners
            .iter()
            .map(|o| json!({"prefix": o.prefix.as_str(), "app": o.app, "relation": o.relation}))
            .collect();
        let temp = path.with_extension("json.tmp");
        std::fs::write(&temp, serde_json::to_string_pretty(&records)?)?;
        std::fs::rename(&temp, path)?;
        Ok(())
    }

    /// Every record.
    pub fn owners(&self) -> Vec<PrefixOwner> {
        self.owners.iter().cloned().collect()
    }

    /// Records `owner` (saved only when new).
    pub fn put(&mut self, owner: &PrefixOwner) -> Result<(), StoreError> {
        if self.owners.insert(owner.clone()) {
            self.save()?;
        }
        Ok(())
    }

    /// Forgets `owner` (saved only when it was there).
    pub fn delete(&mut self, owner: &PrefixOwner) -> Result<(), StoreError> {
        if self.owners.remove(owner) {
            self.save()?;
        }
        Ok(())
    }
}

/// One record of the owners file; `None` when it is malformed (the prefix is parsed again: the
/// file is ours, but a prefix reaches `SCAN MATCH`).
fn owner_of(record: &Value) -> Option<PrefixOwner> {
    let prefix = KeyPrefix::parse(record.get("prefix")?.as_str()?).ok()?;
    let app = record.get("app")?.as_str()?.to_owned();
    let relation = match record.get("relation")? {
        Value::Null => None,
        number => Some(u32::try_from(number.as_u64()?).ok()?),
    };
    Some(PrefixOwner {
        prefix,
        app,
        relation,
    })
}

/// How many keys one `SCAN` step asks for, and one `UNLINK` removes at most.
const SCAN_BATCH: usize = 1000;

/// The users this store manages: the provider's, never the admin's or another tool's.
const MANAGED: &str = "relation-";

impl ServerUsers {
    /// Connects to the server and every Sentinel as their admin; prefix owners in memory.
    pub fn open(server: &AdminAccess, sentinels: &[AdminAccess]) -> redis::RedisResult<Self> {
        Ok(ServerUsers {
            server: server.connect()?,
            sentinels: sentinels
                .iter()
                .map(AdminAccess::connect)
                .collect::<Result<_, _>>()?,
            owners: OwnerFile::memory(),
        })
    }

    /// Keeps the prefix owners in `owners` (the charm's file) instead of memory.
    pub fn with_owners(mut self, owners: OwnerFile) -> Self {
        self.owners = owners;
        self
    }
}

/// `ACL SETUSER <username> <rule>`; the rule's words are separate arguments. Splitting on
/// whitespace is sound because [`KeyPrefix`] admits no whitespace and the password is hashed.
fn set_user(connection: &mut Connection, username: &str, rule: &str) -> Result<(), StoreError> {
    let mut command = redis::cmd("ACL");
    command.arg("SETUSER").arg(username);
    for word in rule.split_whitespace() {
        command.arg(word);
    }
    command
        .query::<()>(connection)
        .map_err(|error| format!("ACL SETUSER {username}: {error}").into())
}

impl UserStore for ServerUsers {
    fn put_user(
        &mut self,
        username: &str,
        password: &Secret<String>,
        prefix: &KeyPrefix,
    ) -> Result<(), StoreError> {
        if !username.starts_with(MANAGED) {
            return Err(format!("`{username}` is not a relation user").into());
        }
        let password = password.expose_secret();
        // Sentinels first: once the server knows the user, a client may look for the primary.
        for sentinel in &mut self.sentinels {
            set_user(
                sentinel,
                username,
                &acl::sentinel_client_rule(username, password),
            )?;
        }
        set_user(
            &mut self.server,
            username,
            &acl::client_rule(username, password, prefix),
        )?;
        redis::cmd("ACL")
            .arg("SAVE")
            .query::<()>(&mut self.server)
            .map_err(|error| format!("ACL SAVE: {error}").into())
    }

    fn delete_users(&mut self, usernames: &[String]) -> Result<(), StoreError> {
        if usernames.is_empty() {
            return Ok(());
        }
        // The server first: that is where the data is; DELUSER also closes the user's
        // connections.
        for connection in std::iter::once(&mut self.server).chain(&mut self.sentinels) {
            redis::cmd("ACL")
                .arg("DELUSER")
                .arg(usernames)
                .query::<i64>(connection)
                .map_err(|error| format!("ACL DELUSER: {error}"))?;
        }
        redis::cmd("ACL")
            .arg("SAVE")
            .query::<()>(&mut self.server)
            .map_err(|error| format!("ACL SAVE: {error}").into())
    }

    fn usernames(&mut self) -> Result<Vec<String>, StoreError> {
        let mut names: Vec<String> = redis::cmd("ACL")
            .arg("USERS")
            .query(&mut self.server)
            .map_err(|error| format!("ACL USERS: {error}"))?;
        names.retain(|name| name.starts_with(MANAGED));
        Ok(names)
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

    /// `SCAN <cursor> MATCH <prefix> COUNT 1000` with `UNLINK` of each batch (freed in the
    /// background, so a large value never blocks the server), until the cursor is back at 0
    /// or `limit` keys are gone. The glob is the ACL pattern itself: exactly the keys the
    /// prefix's users could reach.
    fn delete_keys(&mut self, prefix: &KeyPrefix, limit: usize) -> Result<usize, StoreError> {
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(prefix.as_str())
                .arg("COUNT")
                .arg(SCAN_BATCH)
                .query(&mut self.server)
                .map_err(|error| format!("SCAN MATCH {prefix}: {error}"))?;
            let room = limit.saturating_sub(deleted);
            let batch = &keys[..keys.len().min(room)];
            if !batch.is_empty() {
                let removed: usize = redis::cmd("UNLINK")
                    .arg(batch)
                    .query(&mut self.server)
                    .map_err(|error| format!("UNLINK under {prefix}: {error}"))?;
                deleted += removed;
            }
            if next == 0 || deleted >= limit || batch.len() < keys.len() {
                return Ok(deleted);
            }
            cursor = next;
        }
    }
}
