// Hand-written (not generated): the provider flow of `valkey_client` (the Valkey charm's side,
// PROTOCOL.md §4.2, §5.2, §7, §11, §13, §17-§18).

use std::collections::{BTreeMap, BTreeSet};

use databag::error::Segment;
use databag::juju::{Backend, BagOf, RelationId, diff};
use databag::secret::{label_v0, label_v1};
use databag::{Bag, Databag, Object, Secret, SecretUri, Split, Unknown, Versioned};

use super::answer::{referenced_uris, request_dump, response_for, uri_at, v0_request_dump};
use super::refusal::{Refusal, set_statuses, status_codes};
use super::secrets::{ensure_secret, grant, remove_relation_secrets};
use super::store::{UserStore, users_of_relation};
use super::{FlowError, Level, Log, random_alphanumeric, stderr_log};
use crate::valkey::{KeyPrefix, RequestId, username_for};
use crate::valkey_client::{RequirerAppData, v0, v1};

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

/// What [`Provider::reconcile`] did on one relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconciled {
    /// The relation.
    pub relation: RelationId,
    /// The requirer's wire version (`v0`, `v1`), when its databag could be read.
    pub wire_version: Option<&'static str>,
    /// Users created or given a new password in this run.
    pub users_put: Vec<String>,
    /// Request ids answered (v0: the username), in the order of the response list.
    pub answered: Vec<String>,
    /// Requests refused.
    pub refused: Vec<Refusal>,
    /// The databag keys written (set or deleted) in the one `relation-set`; empty when the
    /// databag was already up to date.
    pub written_keys: Vec<String>,
}

/// What [`Provider::on_relation_broken`] cleaned up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cleanup {
    /// The relation.
    pub relation: RelationId,
    /// The secrets removed (every secret labelled for this relation).
    pub removed_secrets: Vec<SecretUri>,
    /// The users deleted: `relation-<id>` and `relation-<id>-*`, nothing else.
    pub deleted_users: Vec<String>,
}

/// The provider side of `valkey_client` for one hook: answers requests, keeps answers
/// current, cleans up broken relations. Leader only; on other units every method logs and
/// returns `None`.
pub struct Provider<'a> {
    backend: &'a dyn Backend,
    endpoint: String,
    users: &'a mut dyn UserStore,
    log: Log<'a>,
}

impl<'a> Provider<'a> {
    /// The provider of `endpoint` (`valkey-client`), creating users in `users`. Logs to
    /// stderr until [`Provider::with_log`] says otherwise.
    pub fn new(backend: &'a dyn Backend, endpoint: &str, users: &'a mut dyn UserStore) -> Self {
        Provider {
            backend,
            endpoint: endpoint.to_owned(),
            users,
            log: stderr_log(),
        }
    }

    /// Sends log lines to `log` instead of stderr.
    pub fn with_log(mut self, log: impl FnMut(Level, &str) + 'a) -> Self {
        self.log = Box::new(log);
        self
    }

    fn log(&mut self, level: Level, message: &str) {
        (self.log)(level, message);
    }

    fn leader(&mut self, what: &str) -> Result<bool, FlowError> {
        let leader = self
            .backend
            .is_leader()
            .map_err(|error| FlowError::juju(format!("{what}: checking leadership"), error))?;
        if !leader {
            self.log(
                Level::Debug,
                &format!("{what}: not the leader, nothing to do (only the leader answers)"),
            );
        }
        Ok(leader)
    }

    fn check_endpoint(&self, relation: &RelationId) -> Result<(), FlowError> {
        if relation.endpoint() == self.endpoint {
            Ok(())
        } else {
            Err(FlowError::Invalid(format!(
                "relation {relation} is not on endpoint `{}`",
                self.endpoint
            )))
        }
    }

    /// Answers the requests of `relation` (relation-created, -joined, -changed): every valid
    /// request gets a user, a `user` and a `tls` secret and a response; every answered
    /// request gets the current endpoints, TLS and version; invalid ones get a `status`. One
    /// databag write at the end, none when nothing changed. Safe to run again after any
    /// failure.
    pub fn reconcile(
        &mut self,
        relation: &RelationId,
        server: &ServerInfo,
    ) -> Result<Option<Reconciled>, FlowError> {
        self.check_endpoint(relation)?;
        if !self.leader(&format!("relation {relation}"))? {
            return Ok(None);
        }
        self.answer(relation, server).map(Some)
    }

    /// [`Provider::reconcile`] after the leadership check.
    fn answer(
        &mut self,
        relation: &RelationId,
        server: &ServerInfo,
    ) -> Result<Reconciled, FlowError> {
        let context = format!("relation {relation}");
        let read = |bag: BagOf, what: &str| {
            self.backend
                .read(relation, &bag)
                .map_err(|error| FlowError::juju(format!("{context}: reading {what}"), error))
        };
        let remote = read(BagOf::RemoteApp, "the requirer's app databag")?;
        let local = read(BagOf::LocalApp, "our app databag")?;
        let mut report = Reconciled {
            relation: relation.clone(),
            wire_version: None,
            users_put: Vec::new(),
            answered: Vec::new(),
            refused: Vec::new(),
            written_keys: Vec::new(),
        };
        if remote.is_empty() {
            self.log(Level::Debug, &format!("{context}: no request yet"));
            return Ok(report);
        }
        let wanted = match RequirerAppData::from_bag(&remote) {
            Ok(RequirerAppData::V1(data)) => {
                report.wire_version = Some("v1");
                self.answer_v1(relation, &local, &data, server, &mut report)?
            }
            Ok(RequirerAppData::V0(data)) => {
                report.wire_version = Some("v0");
                self.answer_v0(relation, &local, &data, server, &mut report)?
            }
            Err(error) => {
                report.refused.push(Refusal {
                    index: None,
                    request_id: None,
                    code: status_codes::INVALID_DATABAG,
                    reason: format!("the requirer's databag cannot be read: {error}"),
                });
                // What was answered before stays; only the status changes.
                local.clone()
            }
        };
        let mut wanted = wanted;
        for refusal in &report.refused {
            self.log(
                Level::Warning,
                &format!("{context}: refused {refusal}; no user is created for it"),
            );
        }
        set_statuses(&mut wanted, &report.refused).map_err(|error| {
            FlowError::databag(format!("{context}: encoding the status"), error)
        })?;
        let update = diff(&local, &wanted);
        if update.is_empty() {
            self.log(Level::Debug, &format!("{context}: answers up to date"));
            return Ok(report);
        }
        report.written_keys = update.keys().cloned().collect();
        self.backend
            .write_app(relation, &update)
            .map_err(|error| FlowError::juju(format!("{context}: writing the answers"), error))?;
        self.log(
            Level::Info,
            &format!(
                "{context}: answered {} request(s), wrote keys {}",
                report.answered.len(),
                report.written_keys.join(", ")
            ),
        );
        Ok(report)
    }

    /// [`Provider::reconcile`] on every relation of the endpoint: after the endpoints, TLS or
    /// version changed (config-changed, peer changes, upgrade). A relation that fails does not
    /// stop the others; the first failure is returned after all were tried.
    pub fn update_all(
        &mut self,
        server: &ServerInfo,
    ) -> Result<Option<Vec<Reconciled>>, FlowError> {
        let context = format!("endpoint {}", self.endpoint);
        if !self.leader(&context)? {
            return Ok(None);
        }
        let relations = self
            .backend
            .relation_ids(&self.endpoint)
            .map_err(|error| FlowError::juju(format!("{context}: listing relations"), error))?;
        // One relation failing must not leave the others with stale endpoints: every relation
        // is tried, and the first failure is returned once all have been (the hook fails and
        // Juju retries it; relations already up to date write nothing the second time).
        let mut done = Vec::new();
        let mut first_failure = None;
        for relation in relations {
            match self.answer(&relation, server) {
                Ok(report) => done.push(report),
                Err(error) => {
                    self.log(Level::Error, &format!("{context}: {error}"));
                    first_failure.get_or_insert(error);
                }
            }
        }
        match first_failure {
            Some(error) => Err(error),
            None => Ok(Some(done)),
        }
    }

    /// relation-broken: deletes the relation's users (`relation-<id>`, `relation-<id>-*`)
    /// and removes every secret labelled for it. The Valkey charm removes no secret and
    /// deletes users by bare prefix, taking other relations' users along (§13).
    pub fn on_relation_broken(
        &mut self,
        relation: &RelationId,
    ) -> Result<Option<Cleanup>, FlowError> {
        self.check_endpoint(relation)?;
        let context = format!("relation {relation}");
        if !self.leader(&context)? {
            return Ok(None);
        }
        let all = self.users.usernames().map_err(|source| FlowError::Users {
            context: format!("{context}: listing users"),
            source,
        })?;
        let deleted_users = users_of_relation(relation.number(), &all);
        if !deleted_users.is_empty() {
            self.users
                .delete_users(&deleted_users)
                .map_err(|source| FlowError::Users {
                    context: format!("{context}: deleting users"),
                    source,
                })?;
            self.log(
                Level::Info,
                &format!("{context}: deleted users {}", deleted_users.join(", ")),
            );
        }
        let removed_secrets = remove_relation_secrets(self.backend, &mut *self.log, relation)?;
        Ok(Some(Cleanup {
            relation: relation.clone(),
            removed_secrets,
            deleted_users,
        }))
    }

    /// The databag answering a v1 requirer.
    fn answer_v1(
        &mut self,
        relation: &RelationId,
        local: &Bag,
        data: &v1::RequirerAppData,
        server: &ServerInfo,
        report: &mut Reconciled,
    ) -> Result<Bag, FlowError> {
        let context = format!("relation {relation}");
        let previous = if local.get("version").map(String::as_str) == Some("v1") {
            Some(v1::ProviderAppData::from_bag(local).map_err(|error| {
                FlowError::databag(format!("{context}: our own app databag"), error)
            })?)
        } else {
            None
        };
        let (mut responses, mut answered, extra) = match previous {
            Some(previous) => (
                previous.requests,
                previous.data.unwrap_or_default(),
                previous.extra,
            ),
            None => (Vec::new(), BTreeMap::new(), Unknown::new()),
        };
        let existing = self.existing_users(&context)?;
        let mut seen = BTreeSet::new();
        for (index, request) in data.requests.iter().enumerate() {
            let refuse = |code, reason: String| Refusal {
                index: Some(index),
                request_id: Some(request.request_id.clone()),
                code,
                reason,
            };
            let id = match RequestId::parse(&request.request_id) {
                Ok(id) => id,
                Err(error) => {
                    report
                        .refused
                        .push(refuse(status_codes::INVALID_REQUEST_ID, error.to_string()));
                    continue;
                }
            };
            if !seen.insert(id.as_str().to_owned()) {
                report.refused.push(refuse(
                    status_codes::INVALID_REQUEST_ID,
                    "the request id of an earlier request, used again".to_owned(),
                ));
                continue;
            }
            let prefix = match KeyPrefix::parse(&request.resource) {
                Ok(prefix) => prefix,
                Err(error) => {
                    report.refused.push(refuse(
                        status_codes::INVALID_PREFIX,
                        format!("prefix {:?} refused: {error}", request.resource),
                    ));
                    continue;
                }
            };
            let position = responses.iter().position(|r| r.request_id == id.as_str());
            let previous = position.map(|i| &responses[i]);
            if let Some(previous) = previous
                && previous.resource != request.resource
            {
                report.refused.push(refuse(
                    status_codes::PREFIX_CHANGED,
                    format!(
                        "cannot change the prefix from {:?} to {:?} after it was answered; \
                         ask with a new request",
                        previous.resource, request.resource
                    ),
                ));
                continue;
            }
            let username = username_for(u64::from(relation.number()), Some(&id));
            let mut response = response_for(request, previous, server);
            let needs_user = previous.and_then(|r| r.secret_user.as_ref()).is_none()
                || !existing.contains(&username);
            if needs_user {
                let at = format!(
                    "{context}, requests[{index}] (request-id {id})",
                    id = id.as_str()
                );
                let password = self.put_user(&at, &username, &prefix)?;
                report.users_put.push(username.clone());
                response.username = Some(Secret::new(username));
                response.password = Some(password);
            }
            answered.insert(id.as_str().to_owned(), request_dump(request));
            report.answered.push(id.as_str().to_owned());
            match position {
                Some(i) => responses[i] = response,
                None => responses.push(response),
            }
        }
        if responses.is_empty() {
            // Nothing answered, now or before: no empty answer, only the status.
            return Ok(local.clone());
        }
        let provider = v1::ProviderAppData {
            version: "v1".to_owned(),
            requests: responses,
            data: Some(answered),
            status: None,
            extra,
        };
        let split = provider.split().map_err(|error| {
            FlowError::databag(format!("{context}: encoding the answers"), error)
        })?;
        self.route(relation, split, |object, path| {
            let index = match path {
                [Segment::Key(key), Segment::Index(index)] if key == "requests" => *index,
                _ => return None,
            };
            let id = object
                .get("requests")?
                .get(index)?
                .get("request-id")?
                .as_str()?;
            Some((
                format!("requests[{index}] (request-id {id})"),
                id.to_owned(),
            ))
        })
    }

    /// The flat databag answering a v0 requirer.
    fn answer_v0(
        &mut self,
        relation: &RelationId,
        local: &Bag,
        data: &v0::RequirerAppData,
        server: &ServerInfo,
        report: &mut Reconciled,
    ) -> Result<Bag, FlowError> {
        let context = format!("relation {relation}");
        let refuse = |code, reason: String| Refusal {
            index: None,
            request_id: None,
            code,
            reason,
        };
        let prefix = match KeyPrefix::parse(&data.database) {
            Ok(prefix) => prefix,
            Err(error) => {
                report.refused.push(refuse(
                    status_codes::INVALID_PREFIX,
                    format!("prefix {:?} (`database`) refused: {error}", data.database),
                ));
                return Ok(local.clone());
            }
        };
        let previous = if local.get("version").map(String::as_str) != Some("v1")
            && local.contains_key("endpoints")
        {
            Some(v0::ProviderAppData::from_bag(local).map_err(|error| {
                FlowError::databag(format!("{context}: our own app databag"), error)
            })?)
        } else {
            None
        };
        if let Some(answered) = previous.as_ref().and_then(|p| p.database.as_deref())
            && answered != data.database
        {
            report.refused.push(refuse(
                status_codes::PREFIX_CHANGED,
                format!(
                    "cannot change `database` from {answered:?} to {:?} after it was answered",
                    data.database
                ),
            ));
            return Ok(local.clone());
        }
        let username = username_for(u64::from(relation.number()), None);
        let existing = self.existing_users(&context)?;
        let needs_user = previous
            .as_ref()
            .and_then(|p| p.secret_user.as_ref())
            .is_none()
            || !existing.contains(&username);
        let (username, password) = if needs_user {
            let password = self.put_user(&context, &username, &prefix)?;
            report.users_put.push(username.clone());
            (Some(Secret::new(username.clone())), Some(password))
        } else {
            (None, None)
        };
        report
            .answered
            .push(username_for(u64::from(relation.number()), None));
        let salt = match previous.as_ref().and_then(|p| p.salt.clone()) {
            Some(salt) => salt,
            None => random_alphanumeric(16)?,
        };
        let dump_salt = previous
            .as_ref()
            .and_then(|p| p.data.as_ref()?.get("salt")?.as_str().map(str::to_owned));
        let dump_salt = match dump_salt {
            Some(salt) => salt,
            None => random_alphanumeric(16)?,
        };
        let answer = v0::ProviderAppData {
            database: Some(data.database.clone()),
            resource: Some(data.database.clone()),
            salt: Some(salt),
            endpoints: server.endpoints.clone(),
            read_only_endpoints: server.read_only_endpoints.clone(),
            secret_user: previous.as_ref().and_then(|p| p.secret_user.clone()),
            secret_tls: previous.as_ref().and_then(|p| p.secret_tls.clone()),
            username,
            password,
            tls: Some(Secret::new(server.tls)),
            tls_ca: server.tls_ca.clone().filter(|_| server.tls),
            version: server.version.clone(),
            mode: server.mode.clone(),
            sentinel_endpoints: server.sentinel_endpoints.clone(),
            data: Some(v0_request_dump(data, &dump_salt)),
            status: None,
            extra: previous.map(|p| p.extra).unwrap_or_default(),
        };
        let split = answer.split().map_err(|error| {
            FlowError::databag(format!("{context}: encoding the answer"), error)
        })?;
        let mut bag = self.route(relation, split, |_, path| {
            path.is_empty()
                .then(|| ("v0 answer".to_owned(), String::new()))
        })?;
        // The Valkey charm writes the un-aliased `sentinel_endpoints` in v0 (§5.2), which is
        // the spelling v0 readers of that charm know; we write both.
        if let Some(sentinels) = bag.get("sentinel-endpoints").cloned() {
            bag.insert("sentinel_endpoints".to_owned(), sentinels);
        }
        Ok(bag)
    }

    fn existing_users(&mut self, context: &str) -> Result<BTreeSet<String>, FlowError> {
        let names = self.users.usernames().map_err(|source| FlowError::Users {
            context: format!("{context}: listing users"),
            source,
        })?;
        Ok(names.into_iter().collect())
    }

    /// A fresh password for `username`, already set in the user store.
    fn put_user(
        &mut self,
        context: &str,
        username: &str,
        prefix: &KeyPrefix,
    ) -> Result<Secret<String>, FlowError> {
        let password = Secret::new(random_alphanumeric(32)?);
        self.users
            .put_user(username, &password, prefix)
            .map_err(|source| FlowError::Users {
                context: format!("{context}: setting user {username}"),
                source,
            })?;
        self.log(
            Level::Info,
            &format!("{context}: user {username} for prefix {prefix} set with a new password"),
        );
        Ok(password)
    }

    /// Puts each secret slot of `split` into its labelled secret and its URI into the
    /// databag, grants every secret the databag names, and returns the databag. `locate`
    /// names a slot's object (for messages) and its request id (`""` for v0 labels).
    fn route(
        &mut self,
        relation: &RelationId,
        mut split: Split,
        locate: impl Fn(&Object, &[Segment]) -> Option<(String, String)>,
    ) -> Result<Bag, FlowError> {
        let context = format!("relation {relation}");
        let number = u64::from(relation.number());
        let mut routed = BTreeSet::new();
        for index in 0..split.secrets.len() {
            let slot = &split.secrets[index];
            let Some((place, request_id)) = locate(&split.object, slot.path.segments()) else {
                return Err(FlowError::Invalid(format!(
                    "{context}: a secret slot at {} belongs to no response",
                    slot.path
                )));
            };
            let group = slot.group.clone();
            let label = if request_id.is_empty() {
                label_v0(&self.endpoint, number, &group)
            } else {
                label_v1(&self.endpoint, number, &request_id, &group)
            };
            let known = uri_at(
                &split.object,
                slot.path.segments(),
                &format!("secret-{group}"),
            );
            let at = format!("{context}, {place}, secret `{group}`");
            let content = slot.content.clone();
            let uri = ensure_secret(
                self.backend,
                &mut *self.log,
                relation,
                &label,
                known.as_ref(),
                &content,
                &at,
            )?;
            split
                .set_uri(index, &uri)
                .map_err(|error| FlowError::databag(format!("{at}: recording the URI"), error))?;
            routed.insert(uri.id().to_owned());
        }
        // Secrets kept from earlier answers: grant again, so a lost grant heals.
        for uri in referenced_uris(&split.object) {
            if routed.insert(uri.id().to_owned()) {
                grant(self.backend, relation, &uri, &context)?;
            }
        }
        Ok(split.into_bag())
    }
}
