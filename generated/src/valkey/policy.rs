// Hand-written (not generated): Valkey policy. What the Valkey provider grants for a request
// (a user confined to the requested key prefix, the server's endpoints and TLS); everything
// else of the relation is the data-interfaces engine's (`databag::relation`).

use databag::Secret;
use databag::juju::RelationId;
use databag::relation::{Grant, Policy, PolicyError, Refusal, Reply, excerpt};

use super::{KeyPrefix, UserStore, username_for, users_of_relation};
use crate::valkey_client::{Response, ValkeyClient};

/// The relation status codes of the Valkey provider: the engine's, plus none of its own
/// (`INVALID_PREFIX` is the engine's `INVALID_RESOURCE`, raised by this policy).
pub mod status_codes {
    pub use databag::relation::status_codes::*;
    /// A request's prefix was refused (empty, whitespace, ACL or glob syntax).
    pub const INVALID_PREFIX: i64 = INVALID_RESOURCE;
    /// An answered request now asks for another prefix.
    pub const PREFIX_CHANGED: i64 = RESOURCE_CHANGED;
}

/// What the server looks like to clients: the plaintext fields of every response, and TLS.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerInfo {
    /// The primary, `host:port` (`endpoints`).
    pub endpoints: String,
    /// The replicas, sorted and comma-joined (`read-only-endpoints`).
    pub read_only_endpoints: Option<String>,
    /// The Sentinels, sorted and comma-joined (`sentinel-endpoints`).
    pub sentinel_endpoints: Option<String>,
    /// The Valkey server version (`version` inside a response; the flat v0 `version`).
    pub version: Option<String>,
    /// `sentinel` (the only mode the Valkey charm has).
    pub mode: Option<String>,
    /// Whether clients must use TLS (the `tls` secret's `tls`: `"true"`/`"false"`).
    pub tls: bool,
    /// The CA clients check the server with, sent while TLS is on (`tls-ca`).
    pub tls_ca: Option<Secret<String>>,
}

impl ServerInfo {
    /// A server at `endpoints`, mode `sentinel`, TLS off, nothing else known yet.
    pub fn new(endpoints: impl Into<String>) -> Self {
        ServerInfo {
            endpoints: endpoints.into(),
            read_only_endpoints: None,
            sentinel_endpoints: None,
            version: None,
            mode: Some("sentinel".to_owned()),
            tls: false,
            tls_ca: None,
        }
    }
}

/// The Valkey provider's [`Policy`]: every request gets a user `relation-<id>-<request-id>`
/// (v0: `relation-<id>`) confined to its prefix, created in a [`UserStore`] before its
/// credentials are published; every response carries the server's current endpoints, TLS
/// and version. relation-broken deletes exactly that relation's users.
pub struct ValkeyPolicy<'a> {
    users: &'a mut dyn UserStore,
}

impl<'a> ValkeyPolicy<'a> {
    /// A policy creating users in `users`.
    pub fn new(users: &'a mut dyn UserStore) -> Self {
        ValkeyPolicy { users }
    }
}

impl Policy<ValkeyClient> for ValkeyPolicy<'_> {
    type Input = ServerInfo;

    fn check(&mut self, grant: &Grant<'_, ValkeyClient>) -> Result<(), Refusal> {
        let resource = &grant.request.resource;
        KeyPrefix::parse(resource).map(drop).map_err(|error| {
            Refusal::new(
                status_codes::INVALID_PREFIX,
                format!("prefix \"{}\" refused: {error}", excerpt(resource)),
            )
        })
    }

    fn respond(
        &mut self,
        grant: &Grant<'_, ValkeyClient>,
        server: &ServerInfo,
    ) -> Result<Reply<Response>, PolicyError> {
        let request = grant.request;
        let prefix = KeyPrefix::parse(&request.resource)?;
        let username = username_for(u64::from(grant.relation.number()), grant.request_id);
        let previous = grant.previous;
        let needs_user = previous.and_then(|r| r.secret_user.as_ref()).is_none()
            || !self.users.usernames()?.contains(&username);
        let mut response = Response {
            resource: request.resource.clone(),
            request_id: request.request_id.clone(),
            salt: request.salt.clone(),
            endpoints: server.endpoints.clone(),
            read_only_endpoints: server.read_only_endpoints.clone(),
            secret_user: None,
            secret_tls: None,
            username: None,
            password: None,
            tls: Some(Secret::new(server.tls)),
            tls_ca: server.tls_ca.clone().filter(|_| server.tls),
            version: server.version.clone(),
            mode: server.mode.clone(),
            sentinel_endpoints: server.sentinel_endpoints.clone(),
            extra: databag::Unknown::new(),
        };
        if !needs_user {
            return Ok(Reply {
                response,
                created: None,
            });
        }
        let password = Secret::new(random_password()?);
        self.users.put_user(&username, &password, &prefix)?;
        response.username = Some(Secret::new(username.clone()));
        response.password = Some(password);
        Ok(Reply {
            response,
            created: Some(username),
        })
    }

    fn revoke(&mut self, relation: &RelationId) -> Result<Vec<String>, PolicyError> {
        let all = self.users.usernames()?;
        let users = users_of_relation(relation.number(), &all);
        if !users.is_empty() {
            self.users.delete_users(&users)?;
        }
        Ok(users)
    }

    fn resolution(&self, code: i64) -> Option<String> {
        (code == status_codes::INVALID_PREFIX).then(|| {
            "Ask for `*` (every key and channel) or a prefix of ASCII letters, digits and \
             `: . _ / - { } = @`, optionally ending in one `*`."
                .to_owned()
        })
    }
}

/// A 32-character password from `[A-Za-z0-9]`, drawn from the OS CSPRNG, as the Valkey charm
/// makes them.
fn random_password() -> Result<String, PolicyError> {
    databag::relation::random_alphanumeric(32).map_err(|error| error.to_string().into())
}
