//! A [`UserStore`] on a real Valkey server (and its Sentinels): what a provider charm does to
//! give each request its user. `ACL SETUSER` with [`acl::client_rule`] on the server and
//! [`acl::sentinel_client_rule`] on every Sentinel, `ACL DELUSER` on relation-broken, and
//! `ACL SAVE` so a restarted server keeps its users.

use std::fmt;

use databag::Secret;
use redis::Connection;
use serde::Deserialize;
use valkey_client::valkey::{KeyPrefix, StoreError, UserStore, acl};

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
}

/// The users this store manages: the provider's, never the admin's or another tool's.
const MANAGED: &str = "relation-";

impl ServerUsers {
    /// Connects to the server and every Sentinel as their admin.
    pub fn open(server: &AdminAccess, sentinels: &[AdminAccess]) -> redis::RedisResult<Self> {
        Ok(ServerUsers {
            server: server.connect()?,
            sentinels: sentinels
                .iter()
                .map(AdminAccess::connect)
                .collect::<Result<_, _>>()?,
        })
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
}
