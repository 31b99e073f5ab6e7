//! The requirer flow of the data-interfaces protocol (the application charm's side,
//! PROTOCOL.md §4.1, §5.1, §6, §7, §11.4, §12, §14).

use std::marker::PhantomData;

use super::answer::without_nulls;
use super::events::{
    Event, Status, response_events, status_events, status_memory, statuses_of, watched_keys,
};
use super::interface::{
    Interface, RequestId, excerpt, list_at, object_of, text_at, typed, v0_request, v0_response,
};
use super::profile::WriterProfile;
use super::{FlowError, Level, Log, random_alphanumeric, stderr_log};
use crate::juju::{Backend, BagOf, BagUpdate, Fetch, RelationId, SecretRef};
use crate::secret::{SecretLabel, label_v0, label_v1};
use crate::wire::{python_json, request_id};
use crate::{Bag, Databag, MapResolver, Object, SecretContent, SecretUri, Value};

/// The `requested-secrets` the v0 library writes by default since LIBPATCH 49 (§5.1).
const V0_REQUESTED_SECRETS: [&str; 8] = [
    "username",
    "password",
    "tls",
    "tls-ca",
    "uris",
    "read-only-uris",
    "entity-name",
    "entity-password",
];

/// The key of the diff memory in the requirer's unit databag (§6).
const MEMORY_KEY: &str = "data";

/// The wire version a requirer writes (§3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WireVersion {
    /// The flat layout of the v0 library: one resource under the interface's v0 key
    /// (`database`, `topic`), no request id.
    V0,
    /// `version: v1` and a `requests` list, as the reference library writes.
    #[default]
    V1,
}

/// The provider's answers on one relation, as [`Requirer::read`] found them.
#[derive(Clone, Debug, PartialEq)]
pub struct Answers<I: Interface> {
    /// The relation.
    pub relation: RelationId,
    /// The responses, secret fields resolved (`username`, `password`, `tls`, `tls-ca`, ...).
    /// A v0 answer is one response with an empty `request-id`.
    pub responses: Vec<I::Response>,
    /// What changed since the last read (§14), in response order, then statuses.
    pub events: Vec<Event>,
    /// The statuses the provider raises on the relation.
    pub statuses: Vec<Status>,
}

impl<I: Interface> Answers<I> {
    /// The response to request `request_id` (`""` for a v0 answer).
    pub fn response(&self, request_id: &str) -> Option<&I::Response> {
        self.responses
            .iter()
            .find(|r| text_at(&object_of(*r), "request-id") == request_id)
    }
}

/// Checks a resource before the requirer asks for it (Valkey: a key prefix safe in an ACL).
type ResourceCheck<'a> = Box<dyn Fn(&str) -> Result<(), String> + 'a>;

/// The requirer side of a data-interfaces relation for one hook.
pub struct Requirer<'a, I: Interface> {
    backend: &'a dyn Backend,
    endpoint: String,
    version: WireVersion,
    profile: &'static WriterProfile,
    log: Log<'a>,
    check: Option<ResourceCheck<'a>>,
    interface: PhantomData<fn() -> I>,
}

impl<'a, I: Interface> Requirer<'a, I> {
    /// The requirer of `endpoint` (the charm's relation name), writing v1. Logs to stderr
    /// until [`Requirer::with_log`] says otherwise.
    pub fn new(backend: &'a dyn Backend, endpoint: &str) -> Self {
        Requirer {
            backend,
            endpoint: endpoint.to_owned(),
            version: WireVersion::V1,
            profile: I::DEFAULT_PROFILE,
            log: stderr_log(),
            check: None,
            interface: PhantomData,
        }
    }

    /// Checks every resource with `check` before asking for it; an error names the resource
    /// and the check's reason.
    pub fn with_resource_check<T, E: std::fmt::Display>(
        mut self,
        check: impl Fn(&str) -> Result<T, E> + 'a,
    ) -> Self {
        self.check = Some(Box::new(move |resource| {
            check(resource).map(drop).map_err(|error| error.to_string())
        }));
        self
    }

    /// Writes and reads `version` instead of v1. Every unit of the charm must agree: units
    /// other than the leader cannot read what the leader wrote.
    pub fn with_version(mut self, version: WireVersion) -> Self {
        self.version = version;
        self
    }

    /// Writes the requests as `profile` does (a release of the reference library: key order
    /// and padding, see [`WriterProfile`]) instead of the interface's default.
    pub fn with_profile(mut self, profile: &'static WriterProfile) -> Self {
        self.profile = profile;
        self
    }

    /// Sends log lines to `log` instead of stderr.
    pub fn with_log(mut self, log: impl FnMut(Level, &str) + 'a) -> Self {
        self.log = Box::new(log);
        self
    }

    fn log(&mut self, level: Level, message: &str) {
        (self.log)(level, message);
    }

    /// relation-created: asks for one resource each (Valkey: a key prefix, a database
    /// charm: a database name), in one write of the app databag (leader only; `None` on other
    /// units). Each request gets a fresh salt from the OS CSPRNG and the request id the
    /// reference computes from it (§12). Written once: when the databag already holds
    /// requests, they are returned and nothing is written.
    pub fn request(
        &mut self,
        relation: &RelationId,
        resources: &[&str],
    ) -> Result<Option<Vec<I::Request>>, FlowError> {
        let context = format!("relation {relation}");
        let mut requests = Vec::new();
        for resource in resources {
            let mut object = Object::new();
            object.insert("resource".to_owned(), Value::String((*resource).to_owned()));
            object.insert("request-id".to_owned(), Value::String(String::new()));
            object.insert("salt".to_owned(), Value::String(String::new()));
            requests.push(typed(object).map_err(|error| {
                FlowError::databag(format!("{context}: building a request"), error)
            })?);
        }
        self.request_with(relation, requests)
    }

    /// As [`Requirer::request`], with requests the charm built (the interface's optional
    /// request fields set: `extra-user-roles`, ...). Their `salt` and `request-id` are
    /// overwritten with fresh ones.
    pub fn request_with(
        &mut self,
        relation: &RelationId,
        requests: Vec<I::Request>,
    ) -> Result<Option<Vec<I::Request>>, FlowError> {
        let context = format!("relation {relation}");
        let objects: Vec<Object> = requests.iter().map(object_of).collect();
        for (index, request) in objects.iter().enumerate() {
            let resource = text_at(request, "resource");
            let verdict = match &self.check {
                _ if resource.is_empty() => Err("empty".to_owned()),
                Some(check) => check(resource),
                None => Ok(()),
            };
            verdict.map_err(|error| {
                FlowError::Invalid(format!(
                    "{context}: resource {index} (\"{}\"): {error}",
                    excerpt(resource)
                ))
            })?;
        }
        match (self.version, objects.len()) {
            (_, 0) => {
                return Err(FlowError::Invalid(format!(
                    "{context}: no resource to ask for"
                )));
            }
            (WireVersion::V0, n) if n > 1 => {
                return Err(FlowError::Invalid(format!(
                    "{context}: the v0 wire carries one resource, {n} were given"
                )));
            }
            _ => {}
        }
        let leader = self
            .backend
            .is_leader()
            .map_err(|error| FlowError::juju(format!("{context}: checking leadership"), error))?;
        if !leader {
            self.log(
                Level::Debug,
                &format!("{context}: not the leader; the leader writes the requests"),
            );
            return Ok(None);
        }
        let local = self
            .backend
            .read(relation, &BagOf::LocalApp)
            .map_err(|error| {
                FlowError::juju(format!("{context}: reading our app databag"), error)
            })?;
        if let Some(requests) = self.written(relation, &local)? {
            self.log(
                Level::Info,
                &format!("{context}: requests already written, not writing them again"),
            );
            return Ok(Some(requests));
        }
        let encode = |error| FlowError::databag(format!("{context}: encoding the requests"), error);
        let mut sent = Vec::new();
        for mut request in objects {
            if self.version == WireVersion::V1 {
                let salt = random_alphanumeric(16)?;
                let id = request_id(text_at(&request, "resource"), &salt);
                request.insert("request-id".to_owned(), Value::String(id));
                request.insert("salt".to_owned(), Value::String(salt));
            }
            sent.push(request);
        }
        let mut bag = match self.version {
            WireVersion::V1 => {
                let mut data = Object::new();
                data.insert("version".to_owned(), Value::String("v1".to_owned()));
                let list = sent.iter().cloned().map(Value::Object).collect();
                data.insert("requests".to_owned(), Value::Array(list));
                typed::<I::RequirerV1>(data).and_then(|data| data.to_bag())
            }
            WireVersion::V0 => {
                typed::<I::RequirerV0>(v0_requirer::<I>(&sent[0])).and_then(|data| data.to_bag())
            }
        }
        .map_err(encode)?;
        self.profile
            .lay_out_list(&mut bag, "requests", self.profile.request);
        let update: BagUpdate = bag.into_iter().map(|(k, v)| (k, Some(v))).collect();
        self.backend
            .write_app(relation, &update)
            .map_err(|error| FlowError::juju(format!("{context}: writing the requests"), error))?;
        let ids: Vec<String> = sent
            .iter()
            .map(|r| {
                format!(
                    "{} for {}",
                    text_at(r, "request-id"),
                    text_at(r, "resource")
                )
            })
            .collect();
        self.log(
            Level::Info,
            &format!("{context}: requested {}", ids.join(", ")),
        );
        sent.into_iter()
            .map(|request| typed(request).map_err(encode))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The requests already in our app databag, if any.
    fn written(
        &self,
        relation: &RelationId,
        local: &Bag,
    ) -> Result<Option<Vec<I::Request>>, FlowError> {
        let context = format!("relation {relation}: our app databag");
        let err = |error| FlowError::databag(context.clone(), error);
        let objects = match self.version {
            WireVersion::V1 if local.contains_key("requests") => {
                let data = I::RequirerV1::from_bag(local).map_err(err)?;
                list_at(&object_of(&data), "requests")
            }
            WireVersion::V0 if local.contains_key(I::V0_RESOURCE_KEY) => {
                let data = I::RequirerV0::from_bag(local).map_err(err)?;
                vec![v0_request(&object_of(&data), I::V0_RESOURCE_KEY)]
            }
            _ => return Ok(None),
        };
        objects
            .into_iter()
            .map(|object| typed(object).map_err(err))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// relation-changed (every unit): reads the provider's answers, resolves their secrets
    /// (as consumer, under the reference's labels, tracking the latest revision) and reports
    /// what changed since the last read, remembered in this unit's `data` (§6).
    pub fn read(&mut self, relation: &RelationId) -> Result<Answers<I>, FlowError> {
        let context = format!("relation {relation}");
        let provider = self
            .backend
            .read(relation, &BagOf::RemoteApp)
            .map_err(|error| {
                FlowError::juju(
                    format!("{context}: reading the provider's app databag"),
                    error,
                )
            })?;
        let own = self
            .backend
            .read(relation, &BagOf::LocalUnit)
            .map_err(|error| {
                FlowError::juju(format!("{context}: reading our unit databag"), error)
            })?;
        let statuses = match statuses_of(&provider) {
            Ok(statuses) => statuses,
            Err(error) => {
                self.log(
                    Level::Warning,
                    &format!(
                        "{context}: the provider's statuses are unreadable: {}",
                        excerpt(&error.to_string())
                    ),
                );
                Vec::new()
            }
        };
        for status in &statuses {
            self.log(
                Level::Warning,
                &format!(
                    "{context}: provider status {}: {} ({})",
                    status.code,
                    excerpt(&status.message),
                    excerpt(&status.resolution)
                ),
            );
        }
        let memory = match own
            .get(MEMORY_KEY)
            .map(|text| serde_json::from_str::<Value>(text))
        {
            Some(Ok(Value::Object(memory))) => memory,
            None => Object::new(),
            Some(_) => {
                self.log(
                    Level::Warning,
                    &format!("{context}: our `data` is not a JSON object; starting afresh"),
                );
                Object::new()
            }
        };
        let mut answers = Answers {
            relation: relation.clone(),
            responses: Vec::new(),
            events: Vec::new(),
            statuses,
        };
        let remembered = match self.version {
            WireVersion::V1 => self.read_v1(relation, &provider, memory.clone(), &mut answers)?,
            WireVersion::V0 => self.read_v0(relation, &provider, memory.clone(), &mut answers)?,
        };
        let Some(mut remembered) = remembered else {
            return Ok(answers);
        };
        let old_statuses = match remembered.get("status") {
            Some(Value::Object(old)) => old.clone(),
            _ => Object::new(),
        };
        answers
            .events
            .extend(status_events(relation, &old_statuses, &answers.statuses));
        if answers.statuses.is_empty() {
            remembered.shift_remove("status");
        } else {
            remembered.insert(
                "status".to_owned(),
                Value::Object(status_memory(&answers.statuses)),
            );
        }
        for event in &answers.events {
            let request = event.request_id().unwrap_or("-");
            self.log(
                Level::Info,
                &format!("{context}: {} (request {request})", event.name()),
            );
        }
        if remembered != memory {
            let text = python_json(&Value::Object(remembered));
            let update = BagUpdate::from([(MEMORY_KEY.to_owned(), Some(text))]);
            self.backend
                .write_unit(relation, &update)
                .map_err(|error| {
                    FlowError::juju(format!("{context}: remembering the answers"), error)
                })?;
        }
        Ok(answers)
    }

    /// v1: responses resolved into `answers`; the new diff memory, or `None` when the
    /// reference would not compute diffs (no answer yet, or no `data`).
    fn read_v1(
        &mut self,
        relation: &RelationId,
        provider: &Bag,
        mut memory: Object,
        answers: &mut Answers<I>,
    ) -> Result<Option<Object>, FlowError> {
        let context = format!("relation {relation}");
        if provider.get("version").map(String::as_str) != Some("v1")
            || !provider.contains_key("requests")
        {
            self.log(Level::Info, &format!("{context}: still waiting for data"));
            return Ok(None);
        }
        let databag =
            |error| FlowError::databag(format!("{context}: the provider's app databag"), error);
        let plain = object_of(&I::ProviderV1::from_bag(provider).map_err(databag)?);
        let mut valid = Vec::new();
        for (index, response) in list_at(&plain, "requests").into_iter().enumerate() {
            match RequestId::parse(text_at(&response, "request-id")) {
                Ok(_) => valid.push(response),
                Err(error) => self.log(
                    Level::Warning,
                    &format!("{context}: requests[{index}] skipped: {error}"),
                ),
            }
        }
        let mut resolver = MapResolver::new();
        let shape = I::Response::shape();
        for (index, response) in valid.iter().enumerate() {
            let id = text_at(response, "request-id");
            for (group, uri) in secret_uris(&shape, response) {
                let label = label_v1(&self.endpoint, u64::from(relation.number()), id, &group);
                let at =
                    format!("{context}, requests[{index}] (request-id {id}), secret `{group}`");
                let content = self.consume(&uri, &label, &at)?;
                resolver.insert(&uri, content);
            }
        }
        let mut kept = plain.clone();
        let list = valid.iter().cloned().map(Value::Object).collect();
        kept.insert("requests".to_owned(), Value::Array(list));
        let answers_error =
            |error| FlowError::databag(format!("{context}: the provider's answers"), error);
        let joined = typed::<I::ProviderV1>(kept)
            .and_then(|kept| kept.to_bag())
            .and_then(|bag| I::ProviderV1::join(&bag, &mut resolver))
            .map_err(answers_error)?;
        answers.responses = list_at(&object_of(&joined), "requests")
            .into_iter()
            .map(typed)
            .collect::<Result<_, _>>()
            .map_err(answers_error)?;
        let Some(Value::Object(answered)) = plain.get("data") else {
            self.log(
                Level::Info,
                &format!("{context}: missing data to compute diffs"),
            );
            return Ok(None);
        };
        let watched = watched_keys(&shape);
        for response in valid {
            let id = text_at(&response, "request-id").to_owned();
            if !answered.contains_key(&id) {
                self.log(
                    Level::Warning,
                    &format!(
                        "{context}: the provider's `data` has no request {id}; no event for it"
                    ),
                );
                continue;
            }
            let new = without_nulls(response);
            let old = match memory.get(&id) {
                Some(Value::Object(old)) => Some(old),
                _ => None,
            };
            answers
                .events
                .extend(response_events(relation, Some(&id), old, &new, &watched));
            memory.insert(id, Value::Object(new));
        }
        Ok(Some(memory))
    }

    /// v0: the flat answer resolved into one response; the new diff memory.
    fn read_v0(
        &mut self,
        relation: &RelationId,
        provider: &Bag,
        memory: Object,
        answers: &mut Answers<I>,
    ) -> Result<Option<Object>, FlowError> {
        let context = format!("relation {relation}");
        if !provider.contains_key("endpoints") && !provider.contains_key("secret-user") {
            self.log(Level::Info, &format!("{context}: still waiting for data"));
            return Ok(None);
        }
        let databag =
            |error| FlowError::databag(format!("{context}: the provider's app databag"), error);
        let plain = object_of(&I::ProviderV0::from_bag(provider).map_err(databag)?);
        let mut resolver = MapResolver::new();
        for (group, uri) in secret_uris(&I::ProviderV0::shape(), &plain) {
            let label = label_v0(&self.endpoint, u64::from(relation.number()), &group);
            let at = format!("{context}, secret `{group}`");
            let content = self.consume(&uri, &label, &at)?;
            resolver.insert(&uri, content);
        }
        let joined = I::ProviderV0::join(provider, &mut resolver).map_err(|error| {
            FlowError::databag(format!("{context}: the provider's answer"), error)
        })?;
        let mut new = without_nulls(plain);
        // The v0 library remembers the provider's databag without `data` (§6).
        new.shift_remove("data");
        new.shift_remove("status");
        let old = (!memory.is_empty()).then_some(&memory);
        let watched = watched_keys(&I::Response::shape());
        answers
            .events
            .extend(response_events(relation, None, old, &new, &watched));
        let response = v0_response::<I>(object_of(&joined));
        answers.responses = vec![typed(response).map_err(|error| {
            FlowError::databag(format!("{context}: the provider's answer"), error)
        })?];
        Ok(Some(new))
    }

    /// secret-changed: when the secret is one this requirer consumes (its label names our
    /// endpoint and a live relation), reads that relation again, tracking the new revision,
    /// and reports `authentication_updated` for the request it belongs to, as the reference
    /// does. `None` for anything else (an owned secret, a label of another endpoint).
    pub fn on_secret_changed(
        &mut self,
        label: Option<&str>,
    ) -> Result<Option<Answers<I>>, FlowError> {
        let Some(parsed) = label.and_then(SecretLabel::parse) else {
            self.log(
                Level::Debug,
                &format!("secret-changed for {label:?}: not a relation secret label"),
            );
            return Ok(None);
        };
        if parsed.endpoint != self.endpoint {
            return Ok(None);
        }
        let relations = self.backend.relation_ids(&self.endpoint).map_err(|error| {
            FlowError::juju(
                format!("endpoint {}: listing relations", self.endpoint),
                error,
            )
        })?;
        let Some(relation) = relations
            .into_iter()
            .find(|r| u64::from(r.number()) == parsed.relation_id)
        else {
            self.log(
                Level::Info,
                &format!("secret-changed for {parsed}: the relation is gone"),
            );
            return Ok(None);
        };
        let mut answers = self.read(&relation)?;
        let request_id = parsed.request_id.clone();
        let wanted = request_id.as_deref().unwrap_or_default();
        let known = answers.response(wanted).is_some();
        if !known {
            self.log(
                Level::Info,
                &format!("secret-changed for {parsed}: unknown request id"),
            );
            return Ok(Some(answers));
        }
        let reported = answers.events.iter().any(|event| {
            matches!(event, Event::AuthenticationUpdated { .. })
                && event.request_id() == request_id.as_deref()
        });
        if !reported {
            self.log(
                Level::Info,
                &format!(
                    "relation {relation}: authentication_updated (request {})",
                    request_id.as_deref().unwrap_or("-")
                ),
            );
            answers.events.push(Event::AuthenticationUpdated {
                relation,
                request_id,
            });
        }
        Ok(Some(answers))
    }

    /// Reads a secret the provider granted us, attaching the reference's consumer label and
    /// tracking its latest revision. When the label already names another secret (the
    /// provider replaced this one), reads by URI alone.
    fn consume(
        &mut self,
        uri: &SecretUri,
        label: &str,
        context: &str,
    ) -> Result<SecretContent, FlowError> {
        let labelled = SecretRef::uri_with_label(uri.clone(), label);
        match self.backend.secret_get(&labelled, Fetch::Refresh) {
            Ok(content) => Ok(content),
            Err(error) if error.stderr().is_some_and(|s| s.contains("already exists")) => {
                self.log(
                    Level::Info,
                    &format!("{context}: label {label} names an older secret; reading {uri}"),
                );
                self.backend
                    .secret_get(&SecretRef::uri(uri.clone()), Fetch::Refresh)
                    .map_err(|error| FlowError::juju(format!("{context}: reading {uri}"), error))
            }
            Err(error) => Err(FlowError::juju(
                format!("{context}: reading {uri} as {label}"),
                error,
            )),
        }
    }
}

/// The flat v0 databag of one request: the resource under the v0 key, the v0 library's
/// `requested-secrets` and `provided-secrets`, then the request's other fields.
fn v0_requirer<I: Interface>(request: &Object) -> Object {
    let mut flat = Object::new();
    flat.insert(
        I::V0_RESOURCE_KEY.to_owned(),
        Value::String(text_at(request, "resource").to_owned()),
    );
    let list = |items: &[&str]| {
        Value::Array(
            items
                .iter()
                .map(|s| Value::String((*s).to_owned()))
                .collect(),
        )
    };
    flat.insert("requested-secrets".to_owned(), list(&V0_REQUESTED_SECRETS));
    flat.insert("provided-secrets".to_owned(), list(&["mtls-cert"]));
    for (name, value) in request {
        if !["resource", "request-id", "salt"].contains(&name.as_str()) {
            flat.insert(name.clone(), value.clone());
        }
    }
    flat
}

/// The `secret-<group>` URIs of one decoded object, with their groups, as `shape` declares
/// them.
fn secret_uris(shape: &crate::Shape, object: &Object) -> Vec<(String, SecretUri)> {
    shape
        .fields
        .iter()
        .filter_map(|field| {
            let group = field.secret_uri.clone()?;
            let uri = SecretUri::parse(object.get(&field.name)?.as_str()?).ok()?;
            Some((group, uri))
        })
        .collect()
}
