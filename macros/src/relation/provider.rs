//! The provider flow of the data-interfaces protocol (PROTOCOL.md §4.2, §5.2, §7, §11, §17,
//! §18): requests read and checked, answers built by the interface's [`Policy`], secrets
//! routed under the reference's labels, one databag write.

use std::collections::BTreeSet;
use std::marker::PhantomData;

use super::answer::{referenced_uris, request_dump, uri_at, v0_request_dump};
use super::interface::{
    Interface, RequestId, bounded, excerpt, list_at, object_of, text_at, typed, v0_request,
    v0_response,
};
use super::profile::{WriterProfile, object_keys};
use super::refusal::{Refusal, set_statuses, status_codes};
use super::requirer::WireVersion;
use super::secrets::{ensure_secret, grant, remove_relation_secrets};
use super::{FlowError, Level, Log, random_alphanumeric, stderr_log};
use crate::error::Segment;
use crate::juju::{Backend, BagOf, RelationId, SecretRef, diff};
use crate::secret::{SecretLabel, label_v0, label_v1};
use crate::{Bag, Databag, Object, SecretUri, Split, Value};

/// The error of a [`Policy`]: whatever it reports (an I/O error, a refused server command).
/// Must not contain a secret value.
pub type PolicyError = Box<dyn std::error::Error + Send + Sync>;

/// One request, as a [`Policy`] sees it.
#[derive(Debug)]
pub struct Grant<'g, I: Interface> {
    /// The relation.
    pub relation: &'g RelationId,
    /// The application on the other side of the relation (`relation-list --app`), so a
    /// policy can tell which application owns what it granted (Valkey: key prefixes).
    pub remote_app: &'g str,
    /// The request's id (checked); `None` for a v0 requirer, which sends none.
    pub request_id: Option<&'g RequestId>,
    /// The request (for a v0 requirer: its flat databag read as a request, resource from the
    /// v0 resource key, id [`V0_REQUEST_ID`](super::V0_REQUEST_ID), empty salt).
    pub request: &'g I::Request,
    /// The response this provider wrote last time, plaintext (secret URIs, no secret values);
    /// `None` the first time.
    pub previous: Option<&'g I::Response>,
}

impl<I: Interface> Grant<'_, I> {
    /// A response that echoes the request (`resource`, `request-id`, `salt`) with every other
    /// field empty, to fill with struct update syntax. Fails when the response type has other
    /// required fields.
    pub fn echo(&self) -> Result<I::Response, crate::Error> {
        let request = object_of(self.request);
        let mut echo = Object::new();
        for key in ["resource", "request-id", "salt"] {
            echo.insert(
                key.to_owned(),
                Value::String(text_at(&request, key).to_owned()),
            );
        }
        typed(echo)
    }
}

/// What a [`Policy`] answers to one request.
#[derive(Debug)]
pub struct Reply<R> {
    /// The response. The engine sets `resource`, `request-id` and `salt` from the request and
    /// keeps the previous response's secret URIs and unknown keys where this one has none;
    /// secret fields with a value go to their group's secret (a new revision when changed).
    pub response: R,
    /// What was created or renewed for it (Valkey: the username given a new password), for
    /// the report and the log; never a secret value.
    pub created: Option<String>,
}

/// What a provider grants: the one part of a data-interfaces relation the protocol leaves to
/// the interface (a database charm: a user and a database; Valkey: a user confined to a key
/// prefix).
pub trait Policy<I: Interface> {
    /// What the charm hands every [`Provider::reconcile`]: its current view of the service
    /// (endpoints, TLS, version).
    type Input: ?Sized;

    /// Checks a request before anything is granted for it; a refusal becomes a relation
    /// `status` and no answer.
    fn check(&mut self, grant: &Grant<'_, I>) -> Result<(), Refusal> {
        let _ = grant;
        Ok(())
    }

    /// The response to a request that passed every check: creates what the request needs
    /// when `grant.previous` shows it does not exist yet (credentials go into secret fields),
    /// and fills the fields `input` decides.
    fn respond(
        &mut self,
        grant: &Grant<'_, I>,
        input: &Self::Input,
    ) -> Result<Reply<I::Response>, PolicyError>;

    /// relation-broken: revokes what was granted on `relation`; returns what it revoked.
    fn revoke(&mut self, relation: &RelationId) -> Result<Vec<String>, PolicyError> {
        let _ = relation;
        Ok(Vec::new())
    }

    /// What resolves a status code this policy raises (shown to the requirer).
    fn resolution(&self, code: i64) -> Option<String> {
        let _ = code;
        None
    }
}

/// What [`Provider::reconcile`] did on one relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconciled {
    /// The relation.
    pub relation: RelationId,
    /// The requirer's wire version (`v0`, `v1`), when its databag could be read.
    pub wire_version: Option<&'static str>,
    /// What the policy created or renewed in this run ([`Reply::created`]).
    pub created: Vec<String>,
    /// Request ids answered (v0: `""`), in the order of the requests.
    pub answered: Vec<String>,
    /// Requests refused.
    pub refused: Vec<Refusal>,
    /// The databag keys written (set or deleted) in the one `relation-set`; empty when the
    /// databag was already up to date.
    pub written_keys: Vec<String>,
    /// Why [`Provider::update_all`] could not answer this relation this time (its policy or
    /// its databags failed; logged, nothing written); `None` when it was answered.
    pub failed: Option<String>,
}

impl Reconciled {
    fn empty(relation: &RelationId) -> Self {
        Reconciled {
            relation: relation.clone(),
            wire_version: None,
            created: Vec::new(),
            answered: Vec::new(),
            refused: Vec::new(),
            written_keys: Vec::new(),
            failed: None,
        }
    }
}

/// What [`Provider::on_relation_broken`] cleaned up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cleanup {
    /// The relation.
    pub relation: RelationId,
    /// The secrets removed (every secret labelled for this relation).
    pub removed_secrets: Vec<SecretUri>,
    /// What the policy revoked ([`Policy::revoke`]).
    pub revoked: Vec<String>,
}

/// The provider side of a data-interfaces relation for one hook: answers requests, keeps
/// answers current, cleans up broken relations. Leader only; on other units every method
/// logs and returns `None`.
pub struct Provider<'a, I: Interface, P: Policy<I>> {
    backend: &'a dyn Backend,
    endpoint: String,
    policy: P,
    profile: &'static WriterProfile,
    request_limit: usize,
    log: Log<'a>,
    interface: PhantomData<fn() -> I>,
}

/// A request being answered: where it is and what it asks.
struct Pending<'r, I: Interface> {
    remote_app: &'r str,
    index: Option<usize>,
    id: Option<RequestId>,
    request: I::Request,
    previous: Option<&'r Object>,
}

impl<'a, I: Interface, P: Policy<I>> Provider<'a, I, P> {
    /// The provider of `endpoint` (the charm's relation name), granting through `policy`.
    /// Logs to stderr until [`Provider::with_log`] says otherwise.
    pub fn new(backend: &'a dyn Backend, endpoint: &str, policy: P) -> Self {
        Provider {
            backend,
            endpoint: endpoint.to_owned(),
            policy,
            profile: I::DEFAULT_PROFILE,
            request_limit: DEFAULT_REQUEST_LIMIT,
            log: stderr_log(),
            interface: PhantomData,
        }
    }

    /// Writes as `profile` does (a release of the reference library: key order and padding of
    /// the responses, order of `data`, second spellings in v0; see [`WriterProfile`]) instead
    /// of the interface's default. Pick the release the Python units this charm replaces ran,
    /// and taking over rewrites nothing.
    pub fn with_profile(mut self, profile: &'static WriterProfile) -> Self {
        self.profile = profile;
        self
    }

    /// Answers at most `limit` requests on one relation (default
    /// [`DEFAULT_REQUEST_LIMIT`]): a requirer asking for more gets one refusal (status 5001)
    /// and nothing new, so a hostile peer cannot make one hook create thousands of users
    /// and secrets.
    pub fn with_request_limit(mut self, limit: usize) -> Self {
        self.request_limit = limit;
        self
    }

    /// Sends log lines to `log` instead of stderr.
    pub fn with_log(mut self, log: impl FnMut(Level, &str) + 'a) -> Self {
        self.log = Box::new(log);
        self
    }

    /// The policy.
    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// The policy, mutably.
    pub fn policy_mut(&mut self) -> &mut P {
        &mut self.policy
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
    /// request gets what the policy grants and a response; invalid ones get a `status`. One
    /// databag write at the end, none when nothing changed. Safe to run again after any
    /// failure.
    pub fn reconcile(
        &mut self,
        relation: &RelationId,
        input: &P::Input,
    ) -> Result<Option<Reconciled>, FlowError> {
        self.check_endpoint(relation)?;
        if !self.leader(&format!("relation {relation}"))? {
            return Ok(None);
        }
        self.answer(relation, input).map(Some)
    }

    /// [`Provider::reconcile`] on every relation of the endpoint: after the service changed
    /// (config-changed, peer changes, upgrade).
    ///
    /// Juju commits a hook's relation data and secrets only when the hook succeeds, so one
    /// relation that keeps failing must not fail the hook, or every relation stays stale:
    /// such a relation is logged, reported in [`Reconciled::failed`] and skipped, and the
    /// others are answered. Only what a retry fixes fails the hook (a hook tool or the OS
    /// failing, [`FlowError::fails_the_hook`]): then Juju rolls everything back and runs the
    /// hook again.
    pub fn update_all(&mut self, input: &P::Input) -> Result<Option<Vec<Reconciled>>, FlowError> {
        let context = format!("endpoint {}", self.endpoint);
        if !self.leader(&context)? {
            return Ok(None);
        }
        let relations = self
            .backend
            .relation_ids(&self.endpoint)
            .map_err(|error| FlowError::juju(format!("{context}: listing relations"), error))?;
        let mut done = Vec::new();
        for relation in relations {
            match self.answer(&relation, input) {
                Ok(report) => done.push(report),
                Err(error) if error.fails_the_hook() => return Err(error),
                Err(error) => {
                    let message = bounded(&error.to_string(), 480, false);
                    self.log(
                        Level::Error,
                        &format!("{context}: {message}; the other relations are answered"),
                    );
                    let mut report = Reconciled::empty(&relation);
                    report.failed = Some(message);
                    done.push(report);
                }
            }
        }
        Ok(Some(done))
    }

    /// relation-departed: when `departing_unit` (`JUJU_DEPARTING_UNIT`) is this unit, Juju is
    /// removing it while the relation lives on, and the relation-broken it runs next on this
    /// unit is no end of the relation: this remembers (in Juju's unit state, `state-set`) that
    /// it must revoke nothing. Returns whether this unit is the one leaving.
    ///
    /// Juju runs relation-departed, then relation-broken, on a unit being removed, for each of
    /// its relations, and the unit still reports itself as leader (the docs of relation hooks
    /// in juju/juju; ops' `RelationDepartedEvent.departing_unit`).
    pub fn on_relation_departed(
        &mut self,
        relation: &RelationId,
        departing_unit: Option<&str>,
    ) -> Result<bool, FlowError> {
        self.check_endpoint(relation)?;
        let leaving = departing_unit == Some(self.backend.unit_name());
        if leaving {
            let context = format!("relation {relation}");
            self.backend
                .state_set(&leaving_key(relation), Some("true"))
                .map_err(|error| {
                    FlowError::juju(
                        format!("{context}: remembering that this unit leaves"),
                        error,
                    )
                })?;
            self.log(
                Level::Info,
                &format!("{context}: this unit is leaving; what it granted stays for the others"),
            );
        }
        Ok(leaving)
    }

    /// relation-broken: revokes what the policy granted on the relation and removes every
    /// secret labelled for it (the reference removes no secret). Leader only, and only when the
    /// relation itself ends: on a unit that [`Provider::on_relation_departed`] saw leaving,
    /// nothing is touched (`None`), since the relation lives on for the other units.
    pub fn on_relation_broken(
        &mut self,
        relation: &RelationId,
    ) -> Result<Option<Cleanup>, FlowError> {
        self.check_endpoint(relation)?;
        let context = format!("relation {relation}");
        let key = leaving_key(relation);
        let leaving = self
            .backend
            .state_get(&key)
            .map_err(|error| FlowError::juju(format!("{context}: reading the unit state"), error))?
            .is_some();
        if leaving {
            self.backend.state_set(&key, None).map_err(|error| {
                FlowError::juju(format!("{context}: clearing the unit state"), error)
            })?;
            self.log(
                Level::Info,
                &format!(
                    "{context}: this unit is leaving a relation that lives on; nothing revoked"
                ),
            );
            return Ok(None);
        }
        if !self.leader(&context)? {
            return Ok(None);
        }
        let revoked = self
            .policy
            .revoke(relation)
            .map_err(|source| FlowError::Policy {
                context: format!("{context}: revoking"),
                source,
            })?;
        if !revoked.is_empty() {
            self.log(
                Level::Info,
                &format!("{context}: revoked {}", revoked.join(", ")),
            );
        }
        let removed_secrets = remove_relation_secrets(self.backend, &mut *self.log, relation)?;
        Ok(Some(Cleanup {
            relation: relation.clone(),
            removed_secrets,
            revoked,
        }))
    }

    /// secret-remove: Juju tells the owner that no consumer tracks `revision` of `uri` any
    /// more (`JUJU_SECRET_ID`, `JUJU_SECRET_LABEL`, `JUJU_SECRET_REVISION`). When the secret is
    /// one this provider labelled for its endpoint, that revision is removed (old passwords
    /// and CAs do not pile up in the model); returns whether it was. Secrets of other
    /// endpoints or libraries are left to them. Leader only, as app-owned secrets are.
    pub fn on_secret_remove(
        &mut self,
        uri: &SecretUri,
        label: Option<&str>,
        revision: u32,
    ) -> Result<bool, FlowError> {
        let context = format!("secret {uri}, revision {revision}");
        if !self.leader(&context)? {
            return Ok(false);
        }
        let label = match label {
            Some(label) if !label.is_empty() => label.to_owned(),
            // Juju names the owner label; ask for it when the environment did not.
            _ => self
                .backend
                .secret_info(&SecretRef::uri(uri.clone()))
                .map_err(|error| FlowError::juju(format!("{context}: secret-info-get"), error))?
                .label
                .unwrap_or_default(),
        };
        let ours =
            SecretLabel::parse(&label).is_some_and(|parsed| parsed.endpoint == self.endpoint);
        if !ours {
            self.log(
                Level::Debug,
                &format!("{context}: label {label:?} is not this endpoint's; left alone"),
            );
            return Ok(false);
        }
        self.backend
            .secret_remove_revision(uri, revision)
            .map_err(|error| FlowError::juju(format!("{context}: removing it"), error))?;
        self.log(
            Level::Info,
            &format!("{context} ({label}): no consumer tracks it any more; removed"),
        );
        Ok(true)
    }

    /// [`Provider::reconcile`] after the leadership check.
    fn answer(&mut self, relation: &RelationId, input: &P::Input) -> Result<Reconciled, FlowError> {
        let context = format!("relation {relation}");
        let read = |bag: BagOf, what: &str| {
            self.backend
                .read(relation, &bag)
                .map_err(|error| FlowError::juju(format!("{context}: reading {what}"), error))
        };
        let remote = read(BagOf::RemoteApp, "the requirer's app databag")?;
        let local = read(BagOf::LocalApp, "our app databag")?;
        let mut report = Reconciled::empty(relation);
        if remote.is_empty() {
            self.log(Level::Debug, &format!("{context}: no request yet"));
            return Ok(report);
        }
        let remote_app = self.backend.remote_app(relation).map_err(|error| {
            FlowError::juju(format!("{context}: naming the remote application"), error)
        })?;
        let version = remote.get("version").map(String::as_str);
        // Requests whose id breaks the interface's pattern are refused one by one here, so
        // the typed decode (which checks every id) still reads the others (PROTOCOL.md §18.5).
        let (screened, kept) = if version == Some("v1") {
            screen_request_ids(&remote, self.request_limit, &mut report)
        } else {
            (remote.clone(), Vec::new())
        };
        let decoded = match version {
            Some("v1") => {
                I::RequirerV1::from_bag(&screened).map(|data| (WireVersion::V1, object_of(&data)))
            }
            None | Some("v0") => {
                I::RequirerV0::from_bag(&remote).map(|data| (WireVersion::V0, object_of(&data)))
            }
            Some(other) => Err(crate::Error::custom(
                crate::Path::root().key("version"),
                format!(
                    "unknown wire version \"{}\" (expected v0 or v1)",
                    excerpt(other)
                ),
            )),
        };
        let mut wanted = match decoded {
            Ok((WireVersion::V1, data)) => {
                report.wire_version = Some("v1");
                let at = Requester {
                    remote_app: &remote_app,
                    kept: &kept,
                };
                let bag = self.answer_v1(relation, &at, &local, &data, input, &mut report)?;
                // The screened refusals came first; statuses list requests in their order.
                report.refused.sort_by_key(|refusal| refusal.index);
                bag
            }
            Ok((WireVersion::V0, data)) => {
                report.wire_version = Some("v0");
                let at = Requester {
                    remote_app: &remote_app,
                    kept: &[],
                };
                self.answer_v0(relation, &at, &local, data, input, &mut report)?
            }
            Err(error) => {
                report.refused.push(Refusal::new(
                    status_codes::INVALID_DATABAG,
                    format!(
                        "the requirer's databag cannot be read: {}",
                        excerpt_error(&error)
                    ),
                ));
                // What was answered before stays; only the status changes.
                local.clone()
            }
        };
        // A few lines, not one per refusal: a peer's thousand bad requests stay a few lines.
        for refusal in report.refused.iter().take(LOGGED_REFUSALS) {
            self.log(
                Level::Warning,
                &format!("{context}: refused {refusal}; nothing is granted for it"),
            );
        }
        if report.refused.len() > LOGGED_REFUSALS {
            self.log(
                Level::Warning,
                &format!(
                    "{context}: refused {} more request(s)",
                    report.refused.len() - LOGGED_REFUSALS
                ),
            );
        }
        let policy = &self.policy;
        set_statuses(&mut wanted, &report.refused, &|code| {
            policy.resolution(code)
        })
        .map_err(|error| FlowError::databag(format!("{context}: encoding the status"), error))?;
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

    /// The databag answering a v1 requirer whose databag decoded to `data`.
    fn answer_v1(
        &mut self,
        relation: &RelationId,
        requester: &Requester<'_>,
        local: &Bag,
        data: &Object,
        input: &P::Input,
        report: &mut Reconciled,
    ) -> Result<Bag, FlowError> {
        let context = format!("relation {relation}");
        let previous = if local.get("version").map(String::as_str) == Some("v1") {
            let ours = I::ProviderV1::from_bag(local).map_err(|error| {
                FlowError::databag(format!("{context}: our own app databag"), error)
            })?;
            object_of(&ours)
        } else {
            Object::new()
        };
        let mut responses = list_at(&previous, "requests");
        let mut answered = match previous.get("data") {
            Some(Value::Object(data)) => data.clone(),
            _ => Object::new(),
        };
        let earlier = responses.clone();
        let mut seen = BTreeSet::new();
        let requests = list_at(data, "requests");
        if requests.len() > self.request_limit {
            report.refused.push(Refusal::new(
                status_codes::INVALID_DATABAG,
                format!(
                    "{} requests, more than the {} this provider answers on one relation; \
                     nothing new is granted",
                    requests.len(),
                    self.request_limit
                ),
            ));
            // What was answered before stays; only the status changes.
            return Ok(local.clone());
        }
        for (position, request) in requests.into_iter().enumerate() {
            // The request's index in the requirer's own list, before screening.
            let index = requester.kept.get(position).copied().unwrap_or(position);
            let raw_id = text_at(&request, "request-id").to_owned();
            let refuse = |code, reason: String| Refusal {
                index: Some(index),
                request_id: Some(raw_id.clone()),
                code,
                reason,
            };
            let id = match RequestId::parse(&raw_id) {
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
            let position = earlier
                .iter()
                .position(|r| text_at(r, "request-id") == id.as_str());
            let pending = Pending {
                remote_app: requester.remote_app,
                index: Some(index),
                id: Some(id.clone()),
                request: self.typed_request(&context, request.clone())?,
                previous: position.map(|i| &earlier[i]),
            };
            let Some(response) = self.respond(relation, &pending, &request, input, report)? else {
                continue;
            };
            answered.insert(id.as_str().to_owned(), request_dump(request));
            report.answered.push(id.as_str().to_owned());
            match responses
                .iter()
                .position(|r| text_at(r, "request-id") == id.as_str())
            {
                Some(i) => responses[i] = response,
                None => responses.push(response),
            }
        }
        if responses.is_empty() {
            // Nothing answered, now or before: no empty answer, only the status.
            return Ok(local.clone());
        }
        let mut answer = previous;
        answer.insert("version".to_owned(), Value::String("v1".to_owned()));
        answer.insert(
            "requests".to_owned(),
            Value::Array(responses.into_iter().map(Value::Object).collect()),
        );
        answer.insert("data".to_owned(), Value::Object(answered));
        answer.insert("status".to_owned(), Value::Null);
        let typed_answer: I::ProviderV1 = typed(answer).map_err(|error| {
            FlowError::databag(format!("{context}: encoding the answers"), error)
        })?;
        let split = typed_answer.split().map_err(|error| {
            FlowError::databag(format!("{context}: encoding the answers"), error)
        })?;
        let mut bag = self.route(relation, split, |object, path| {
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
        })?;
        self.profile
            .lay_out_list(&mut bag, "requests", self.profile.response);
        let mut order = object_keys(local.get("data"));
        for id in &report.answered {
            if !order.contains(id) {
                order.push(id.clone());
            }
        }
        self.profile.order_data(&mut bag, &order);
        Ok(bag)
    }

    /// The flat databag answering a v0 requirer whose databag decoded to `data`.
    fn answer_v0(
        &mut self,
        relation: &RelationId,
        requester: &Requester<'_>,
        local: &Bag,
        data: Object,
        input: &P::Input,
        report: &mut Reconciled,
    ) -> Result<Bag, FlowError> {
        let context = format!("relation {relation}");
        let key = I::V0_RESOURCE_KEY;
        let resource = text_at(&data, key).to_owned();
        let previous = if local.get("version").map(String::as_str) != Some("v1")
            && (local.contains_key(key) || local.contains_key("secret-user"))
        {
            let ours = I::ProviderV0::from_bag(local).map_err(|error| {
                FlowError::databag(format!("{context}: our own app databag"), error)
            })?;
            Some(object_of(&ours))
        } else {
            None
        };
        // The previous flat answer, read as a response (an answer written by another
        // provider may lack `resource` or `salt`).
        let previous_response = previous.clone().map(v0_response::<I>);
        let request = v0_request(&data, key);
        let pending = Pending {
            remote_app: requester.remote_app,
            index: None,
            id: None,
            request: self.typed_request(&context, request.clone())?,
            previous: previous_response.as_ref(),
        };
        let Some(response) = self.respond(relation, &pending, &request, input, report)? else {
            return Ok(local.clone());
        };
        report.answered.push(String::new());
        let salt = match previous.as_ref().map(|p| text_at(p, "salt")) {
            Some(salt) if !salt.is_empty() => salt.to_owned(),
            _ => random_alphanumeric(16)?,
        };
        let dump_salt = previous
            .as_ref()
            .and_then(|p| p.get("data")?.get("salt")?.as_str().map(str::to_owned));
        let dump_salt = match dump_salt {
            Some(salt) => salt,
            None => random_alphanumeric(16)?,
        };
        let mut answer = previous.unwrap_or_default();
        answer.insert(key.to_owned(), Value::String(resource.clone()));
        for (name, value) in response {
            if name != "request-id" {
                answer.insert(name, value);
            }
        }
        answer.insert("salt".to_owned(), Value::String(salt));
        answer.insert("data".to_owned(), v0_request_dump(data, key, &dump_salt));
        answer.insert("status".to_owned(), Value::Null);
        let typed_answer: I::ProviderV0 = typed(answer).map_err(|error| {
            FlowError::databag(format!("{context}: encoding the answer"), error)
        })?;
        let split = typed_answer.split().map_err(|error| {
            FlowError::databag(format!("{context}: encoding the answer"), error)
        })?;
        let mut bag = self.route(relation, split, |_, path| {
            path.is_empty()
                .then(|| ("v0 answer".to_owned(), String::new()))
        })?;
        self.profile.duplicate_v0_keys(&mut bag);
        Ok(bag)
    }

    fn typed_request(&self, context: &str, request: Object) -> Result<I::Request, FlowError> {
        typed(request).map_err(|error| FlowError::databag(format!("{context}: a request"), error))
    }

    /// Checks one request and asks the policy for its response; the response object with
    /// the request's echo, earlier secret URIs and unknown keys, or `None` when refused.
    fn respond(
        &mut self,
        relation: &RelationId,
        pending: &Pending<'_, I>,
        request: &Object,
        input: &P::Input,
        report: &mut Reconciled,
    ) -> Result<Option<Object>, FlowError> {
        let context = format!("relation {relation}");
        let at = match (&pending.index, &pending.id) {
            (Some(index), Some(id)) => format!("{context}, requests[{index}] (request-id {id})"),
            _ => format!("{context}, v0 request"),
        };
        let refuse = |mut refusal: Refusal| {
            refusal.index = pending.index;
            refusal.request_id = pending.id.as_ref().map(|id| id.as_str().to_owned());
            refusal
        };
        let resource = text_at(request, "resource");
        if let Some(previous) = pending.previous {
            let answered = text_at(previous, "resource");
            if !answered.is_empty() && answered != resource {
                report.refused.push(refuse(Refusal::new(
                    status_codes::RESOURCE_CHANGED,
                    format!(
                        "cannot change the resource from \"{}\" to \"{}\" after it was answered; \
                         ask with a new request",
                        excerpt(answered),
                        excerpt(resource)
                    ),
                )));
                return Ok(None);
            }
        }
        let previous: Option<I::Response> = match pending.previous {
            Some(previous) => Some(typed(previous.clone()).map_err(|error| {
                FlowError::databag(format!("{at}: our earlier response"), error)
            })?),
            None => None,
        };
        let grant = Grant {
            relation,
            remote_app: pending.remote_app,
            request_id: pending.id.as_ref(),
            request: &pending.request,
            previous: previous.as_ref(),
        };
        if let Err(refusal) = self.policy.check(&grant) {
            report.refused.push(refuse(refusal));
            return Ok(None);
        }
        let reply = self
            .policy
            .respond(&grant, input)
            .map_err(|source| FlowError::Policy {
                context: at.clone(),
                source,
            })?;
        if let Some(created) = reply.created {
            self.log(Level::Info, &format!("{at}: granted {created}"));
            report.created.push(created);
        }
        let mut response = object_of(&reply.response);
        for key in ["resource", "request-id", "salt"] {
            response.insert(
                key.to_owned(),
                Value::String(text_at(request, key).to_owned()),
            );
        }
        // Earlier secret URIs and unknown keys stay unless the policy set them.
        let declared = I::Response::shape();
        for (key, value) in pending.previous.into_iter().flatten() {
            let kept = match declared.field(key) {
                Some(field) => field.secret_uri.is_some(),
                None => true,
            };
            let unset = response.get(key).is_none_or(Value::is_null);
            if kept && unset {
                response.insert(key.clone(), value.clone());
            }
        }
        Ok(Some(response))
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

/// How many requests one relation may carry unless [`Provider::with_request_limit`] says
/// otherwise: far above real use (a charm asks for one to a few resources), far below what
/// would let one hook create thousands of users and secrets.
pub const DEFAULT_REQUEST_LIMIT: usize = 64;

/// How many refusals of one run get a log line of their own.
const LOGGED_REFUSALS: usize = 5;

/// Who asks on a relation: the remote application, and where each request the engine reads
/// stood in the requirer's list ([`screen_request_ids`]).
struct Requester<'r> {
    remote_app: &'r str,
    kept: &'r [usize],
}

/// The requirer's v1 databag without the requests whose `request-id` is a string that is not a
/// valid request id (each refused here, 5003, with its index), and the original index of each
/// request kept. Anything else (unreadable JSON, a missing or non-string id, more requests than
/// `limit`) is left to the typed decode and the checks after it, unchanged.
fn screen_request_ids(remote: &Bag, limit: usize, report: &mut Reconciled) -> (Bag, Vec<usize>) {
    let parsed = remote
        .get("requests")
        .and_then(|text| serde_json::from_str::<Value>(text).ok());
    let Some(Value::Array(items)) = parsed else {
        return (remote.clone(), Vec::new());
    };
    if items.len() > limit {
        return (remote.clone(), Vec::new());
    }
    let mut kept = Vec::with_capacity(items.len());
    let mut list = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        if let Some(Value::String(id)) = item.get("request-id")
            && let Err(error) = RequestId::parse(id)
        {
            report.refused.push(Refusal {
                index: Some(index),
                request_id: Some(id.clone()),
                code: status_codes::INVALID_REQUEST_ID,
                reason: error.to_string(),
            });
            continue;
        }
        kept.push(index);
        list.push(item);
    }
    let mut screened = remote.clone();
    screened.insert("requests".to_owned(), Value::Array(list).to_string());
    (screened, kept)
}

/// The unit-state key marking that this unit leaves `relation` while it lives on.
fn leaving_key(relation: &RelationId) -> String {
    format!("databag.leaving.{relation}")
}

/// A decoding error of peer data, for a status: at most 240 characters of its text, control
/// characters escaped.
fn excerpt_error(error: &crate::Error) -> String {
    bounded(&error.to_string(), 240, false)
}
