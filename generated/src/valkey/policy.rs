// Hand-written (not generated): Valkey policy. What the Valkey provider grants for a request
// (a user confined to the requested key prefix, the server's endpoints and TLS); everything
// else of the relation is the data-interfaces engine's (`databag::relation`).

use databag::Secret;
use databag::juju::RelationId;
use databag::relation::{Grant, Policy, PolicyError, Refusal, Reply, excerpt};

use super::{KeyPrefix, PrefixOwner, UserStore, username_for, users_of_relation};
use crate::valkey_client::{Response, ValkeyClient};

/// The relation status codes of the Valkey provider: the engine's, plus `PREFIX_CONFLICT`
/// (`INVALID_PREFIX` is the engine's `INVALID_RESOURCE`, raised by this policy).
pub mod status_codes {
    pub use databag::relation::status_codes::*;
    /// A request's prefix was refused (empty, whitespace, ACL or glob syntax).
    pub const INVALID_PREFIX: i64 = INVALID_RESOURCE;
    /// An answered request now asks for another prefix.
    pub const PREFIX_CHANGED: i64 = RESOURCE_CHANGED;
    /// A request's prefix overlaps one that another application owns, or whose keys are kept
    /// for another application (fatal class: nothing is granted until the requirer asks for
    /// another prefix or the operator allows sharing).
    pub const PREFIX_CONFLICT: i64 = 5101;
}

/// What happens to the keys under a prefix when the relation that owned it ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Retention {
    /// The keys stay, recorded as kept for the application that owned them
    /// ([`PrefixOwner::kept`]): the same application related again gets them back; another
    /// application asking for an overlapping prefix is refused (`PREFIX_CONFLICT`) until the
    /// operator discards them ([`ValkeyPolicy::discard_kept`]). The default: an application
    /// removed and related again (a redeploy, a cross-model offer renewed) expects its data.
    #[default]
    Keep,
    /// The keys under the prefix are deleted on relation-broken (`SCAN` + `UNLINK`, at most
    /// [`ValkeyPolicy::with_key_deletion_limit`] per hook), unless another relation still owns
    /// an overlapping prefix (shared keys stay with it).
    Delete,
}

/// How many keys one relation-broken deletes at most (per prefix) before it fails the hook so
/// that Juju runs it again for the rest: a hook must not run for hours.
pub const DEFAULT_KEY_DELETION_LIMIT: usize = 100_000;

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
///
/// Tenancy: each granted prefix is recorded with the application that asked
/// ([`PrefixOwner`], in the same [`UserStore`]); a new request whose prefix overlaps one owned
/// by another application ([`KeyPrefix::overlaps`]) is refused with `PREFIX_CONFLICT`, unless
/// [`ValkeyPolicy::with_sharing`] allows it. One application's requests may overlap each other.
/// A prefix granted earlier stays granted. relation-broken ends the relation's ownership; its
/// keys are kept or deleted as [`Retention`] says.
pub struct ValkeyPolicy<'a> {
    users: &'a mut dyn UserStore,
    sharing: bool,
    retention: Retention,
    deletion_limit: usize,
    /// A store failure met by `check`, which can only refuse: `respond` reports it instead of
    /// granting, so an unreadable store never lets a request past the ownership check.
    failure: Option<PolicyError>,
}

impl<'a> ValkeyPolicy<'a> {
    /// A policy creating users in `users`: no sharing, keys kept ([`Retention::Keep`]).
    pub fn new(users: &'a mut dyn UserStore) -> Self {
        ValkeyPolicy {
            users,
            sharing: false,
            retention: Retention::Keep,
            deletion_limit: DEFAULT_KEY_DELETION_LIMIT,
            failure: None,
        }
    }

    /// Whether different applications may be granted overlapping prefixes (a provider
    /// setting, off by default): for deployments whose applications share keys on purpose.
    /// Ownership is still recorded.
    pub fn with_sharing(mut self, allowed: bool) -> Self {
        self.sharing = allowed;
        self
    }

    /// What relation-broken does to the keys of the relation's prefixes (default
    /// [`Retention::Keep`]).
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// At most `limit` keys deleted per prefix and hook under [`Retention::Delete`] (default
    /// [`DEFAULT_KEY_DELETION_LIMIT`]).
    pub fn with_key_deletion_limit(mut self, limit: usize) -> Self {
        self.deletion_limit = limit.max(1);
        self
    }

    /// Discards what is kept for `app` (an operator's decision, e.g. from a charm action once
    /// the application is gone for good): deletes the keys under each of its kept prefixes
    /// that no live relation's prefix overlaps, and forgets the records. Returns the prefixes
    /// discarded. Fails, keeping the rest for the next call, when a prefix holds more than the
    /// deletion limit.
    pub fn discard_kept(&mut self, app: &str) -> Result<Vec<KeyPrefix>, PolicyError> {
        let owners = self.users.owners()?;
        let ending: Vec<PrefixOwner> = owners
            .iter()
            .filter(|o| o.relation.is_none() && o.app == app)
            .cloned()
            .collect();
        for owner in &ending {
            self.end_ownership(owner, &owners, &ending, true)?;
        }
        Ok(ending.into_iter().map(|o| o.prefix).collect())
    }

    /// The ownership records overlapping `prefix` that bar `app` from it.
    fn conflict(&mut self, grant: &Grant<'_, ValkeyClient>) -> Result<Option<String>, PolicyError> {
        let Ok(prefix) = KeyPrefix::parse(&grant.request.resource) else {
            return Ok(None);
        };
        let owners = self.users.owners()?;
        let relation = grant.relation.number();
        // Granted earlier on this relation: it keeps what it has, whatever came after.
        if owners.iter().any(|o| {
            o.relation == Some(relation) && o.prefix == prefix && o.app == grant.remote_app
        }) {
            return Ok(None);
        }
        if self.sharing {
            return Ok(None);
        }
        let clash = owners
            .iter()
            .find(|o| o.app != grant.remote_app && o.prefix.overlaps(&prefix));
        Ok(clash.map(|owner| {
            let held = match owner.relation {
                Some(number) => format!(
                    "granted to application `{}` on relation {number}",
                    owner.app
                ),
                None => format!(
                    "whose keys are kept for application `{}` after its relation ended",
                    owner.app
                ),
            };
            format!(
                "prefix \"{}\" overlaps \"{}\", {held}; one application's keys are never \
                 another's",
                excerpt(&grant.request.resource),
                owner.prefix
            )
        }))
    }

    /// Ends one ownership record of `ending` (the records that end together): keeps the keys
    /// (a kept record replaces a live one) or deletes them, then forgets the record. Keys are
    /// deleted only when no record outside `ending` overlaps the prefix: keys another relation
    /// may use, or that are kept for another application, stay.
    fn end_ownership(
        &mut self,
        owner: &PrefixOwner,
        owners: &[PrefixOwner],
        ending: &[PrefixOwner],
        delete: bool,
    ) -> Result<(), PolicyError> {
        if !delete {
            // Kept first: a failure between the two calls leaves both records, never neither.
            self.users
                .put_owner(&PrefixOwner::kept(owner.prefix.clone(), &owner.app))?;
            if owner.relation.is_some() {
                self.users.delete_owner(owner)?;
            }
            return Ok(());
        }
        let shared = owners
            .iter()
            .any(|other| !ending.contains(other) && other.prefix.overlaps(&owner.prefix));
        if !shared {
            let deleted = self.users.delete_keys(&owner.prefix, self.deletion_limit)?;
            if deleted >= self.deletion_limit {
                // The record stays, so nobody is granted the prefix while keys remain.
                return Err(format!(
                    "deleted {deleted} keys under \"{}\", and more remain; the next run deletes \
                     the rest",
                    owner.prefix
                )
                .into());
            }
        }
        self.users.delete_owner(owner)?;
        Ok(())
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
        })?;
        match self.conflict(grant) {
            Ok(None) => Ok(()),
            Ok(Some(reason)) => Err(Refusal::new(status_codes::PREFIX_CONFLICT, reason)),
            Err(error) => {
                self.failure = Some(error);
                Ok(())
            }
        }
    }

    fn respond(
        &mut self,
        grant: &Grant<'_, ValkeyClient>,
        server: &ServerInfo,
    ) -> Result<Reply<Response>, PolicyError> {
        if let Some(error) = self.failure.take() {
            return Err(format!("reading the prefix owners: {error}").into());
        }
        let request = grant.request;
        let prefix = KeyPrefix::parse(&request.resource)?;
        let number = grant.relation.number();
        // Owned before any credential exists; recorded again on every answer, so that grants
        // made before ownership was recorded get their record on the next run.
        let owner = PrefixOwner::live(prefix.clone(), grant.remote_app, number);
        self.users.put_owner(&owner)?;
        // The same application back: what was kept for it under this prefix is its own again.
        self.users
            .delete_owner(&PrefixOwner::kept(prefix.clone(), grant.remote_app))?;
        let username = username_for(u64::from(number), grant.request_id);
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
        // The users first: nobody writes under a prefix while its keys are being deleted.
        if !users.is_empty() {
            self.users.delete_users(&users)?;
        }
        let owners = self.users.owners()?;
        let delete = self.retention == Retention::Delete;
        let ending: Vec<PrefixOwner> = owners
            .iter()
            .filter(|o| o.relation == Some(relation.number()))
            .cloned()
            .collect();
        for owner in &ending {
            self.end_ownership(owner, &owners, &ending, delete)?;
        }
        Ok(users)
    }

    fn resolution(&self, code: i64) -> Option<String> {
        match code {
            status_codes::INVALID_PREFIX => Some(
                "Ask for `*` (every key and channel) or a prefix of ASCII letters, digits and \
                 `: . _ / - { } = @`, optionally ending in one `*`."
                    .to_owned(),
            ),
            status_codes::PREFIX_CONFLICT => Some(
                "Ask for a prefix that neither starts nor is started by another application's \
                 (`myapp:*`, not `app*`), or have the operator allow sharing or discard the keys \
                 kept for the application named."
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

/// A 32-character password from `[A-Za-z0-9]`, drawn from the OS CSPRNG, as the Valkey charm
/// makes them.
fn random_password() -> Result<String, PolicyError> {
    databag::relation::random_alphanumeric(32).map_err(|error| error.to_string().into())
}
