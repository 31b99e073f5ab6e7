// Hand-written (not generated): the requirer flow of `valkey_client` (the application charm's
// side, PROTOCOL.md §4.1, §5.1, §6, §7, §11.4, §12, §14).

use databag::juju::{Backend, BagOf, BagUpdate, Fetch, RelationId, SecretRef};
use databag::secret::{SecretLabel, label_v0, label_v1};
use databag::wire::{python_json, request_id};
use databag::{Bag, Databag, MapResolver, Object, SecretContent, SecretUri, Unknown, Value};

use super::events::{Event, response_events, status_events, status_memory, statuses_of};
use super::{FlowError, Level, Log, random_alphanumeric, stderr_log};
use crate::valkey::{KeyPrefix, RequestId};
use crate::valkey_client::{Request, Response, Status, v0, v1};

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
    /// The flat layout of the v0 library: one prefix under `database`, no request id.
    V0,
    /// `version: v1` and a `requests` list, as the reference library writes.
    #[default]
    V1,
}

/// The provider's answers on one relation, as [`Requirer::read`] found them.
#[derive(Clone, Debug, PartialEq)]
pub struct Answers {
    /// The relation.
    pub relation: RelationId,
    /// The responses, secret fields resolved (`username`, `password`, `tls`, `tls-ca`). A v0
    /// answer is one response with an empty `request_id`.
    pub responses: Vec<Response>,
    /// What changed since the last read (§14), in response order, then statuses.
    pub events: Vec<Event>,
    /// The statuses the provider raises on the relation.
    pub statuses: Vec<Status>,
}

impl Answers {
    /// The response to request `request_id` (`""` for a v0 answer).
    pub fn response(&self, request_id: &str) -> Option<&Response> {
        self.responses.iter().find(|r| r.request_id == request_id)
    }
}

/// The requirer side of `valkey_client` for one hook.
pub struct Requirer<'a> {
    backend: &'a dyn Backend,
    endpoint: String,
    version: WireVersion,
    log: Log<'a>,
}

impl<'a> Requirer<'a> {
    /// The requirer of `endpoint` (the charm's relation name), writing v1. Logs to stderr
    /// until [`Requirer::with_log`] says otherwise.
    pub fn new(backend: &'a dyn Backend, endpoint: &str) -> Self {
        Requirer {
            backend,
            endpoint: endpoint.to_owned(),
            version: WireVersion::V1,
            log: stderr_log(),
        }
    }

    /// Writes and reads `version` instead of v1. Every unit of the charm must agree: units
    /// other than the leader cannot read what the leader wrote.
    pub fn with_version(mut self, version: WireVersion) -> Self {
        self.version = version;
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

    /// relation-created: asks for one user per prefix, in one write of the app databag
    /// (leader only; `None` on other units). Each request gets a fresh salt from the OS
    /// CSPRNG and the request id the reference computes from it (§12). Written once: when
    /// the databag already holds requests, they are returned and nothing is written.
    pub fn request(
        &mut self,
        relation: &RelationId,
        prefixes: &[&str],
    ) -> Result<Option<Vec<Request>>, FlowError> {
        let context = format!("relation {relation}");
        for (index, prefix) in prefixes.iter().enumerate() {
            KeyPrefix::parse(prefix).map_err(|error| {
                FlowError::Invalid(format!("{context}: prefix {index} ({prefix:?}): {error}"))
            })?;
        }
        match (self.version, prefixes.len()) {
            (_, 0) => {
                return Err(FlowError::Invalid(format!(
                    "{context}: no prefix to ask for"
                )));
            }
            (WireVersion::V0, n) if n > 1 => {
                return Err(FlowError::Invalid(format!(
                    "{context}: the v0 wire carries one prefix, {n} were given"
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
        let (bag, requests) = match self.version {
            WireVersion::V1 => {
                let mut requests = Vec::new();
                for prefix in prefixes {
                    let salt = random_alphanumeric(16)?;
                    requests.push(Request {
                        resource: (*prefix).to_owned(),
                        request_id: request_id(prefix, &salt),
                        salt,
                        extra: Unknown::new(),
                    });
                }
                let data = v1::RequirerAppData {
                    version: "v1".to_owned(),
                    requests: requests.clone(),
                    extra: Unknown::new(),
                };
                (data.to_bag(), requests)
            }
            WireVersion::V0 => {
                let prefix = prefixes[0].to_owned();
                let data = v0::RequirerAppData {
                    database: prefix.clone(),
                    requested_secrets: Some(V0_REQUESTED_SECRETS.map(str::to_owned).to_vec()),
                    provided_secrets: Some(vec!["mtls-cert".to_owned()]),
                    extra: Unknown::new(),
                };
                (data.to_bag(), vec![v0_request(&prefix)])
            }
        };
        let bag = bag.map_err(|error| {
            FlowError::databag(format!("{context}: encoding the requests"), error)
        })?;
        let update: BagUpdate = bag.into_iter().map(|(k, v)| (k, Some(v))).collect();
        self.backend
            .write_app(relation, &update)
            .map_err(|error| FlowError::juju(format!("{context}: writing the requests"), error))?;
        let ids: Vec<String> = requests
            .iter()
            .map(|r| format!("{} for {}", r.request_id, r.resource))
            .collect();
        self.log(
            Level::Info,
            &format!("{context}: requested {}", ids.join(", ")),
        );
        Ok(Some(requests))
    }

    /// The requests already in our app databag, if any.
    fn written(
        &self,
        relation: &RelationId,
        local: &Bag,
    ) -> Result<Option<Vec<Request>>, FlowError> {
        let context = format!("relation {relation}: our app databag");
        match self.version {
            WireVersion::V1 if local.contains_key("requests") => {
                let data = v1::RequirerAppData::from_bag(local)
                    .map_err(|error| FlowError::databag(context, error))?;
                Ok(Some(data.requests))
            }
            WireVersion::V0 if local.contains_key("database") => {
                let data = v0::RequirerAppData::from_bag(local)
                    .map_err(|error| FlowError::databag(context, error))?;
                Ok(Some(vec![v0_request(&data.database)]))
            }
            _ => Ok(None),
        }
    }

    /// relation-changed (every unit): reads the provider's answers, resolves their secrets
    /// (as consumer, under the reference's labels, tracking the latest revision) and reports
    /// what changed since the last read, remembered in this unit's `data` (§6).
    pub fn read(&mut self, relation: &RelationId) -> Result<Answers, FlowError> {
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
                    &format!("{context}: the provider's statuses are unreadable: {error}"),
                );
                Vec::new()
            }
        };
        for status in &statuses {
            self.log(
                Level::Warning,
                &format!(
                    "{context}: provider status {}: {} ({})",
                    status.code, status.message, status.resolution
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
        answers: &mut Answers,
    ) -> Result<Option<Object>, FlowError> {
        let context = format!("relation {relation}");
        if provider.get("version").map(String::as_str) != Some("v1")
            || !provider.contains_key("requests")
        {
            self.log(Level::Info, &format!("{context}: still waiting for data"));
            return Ok(None);
        }
        let plain = v1::ProviderAppData::from_bag(provider).map_err(|error| {
            FlowError::databag(format!("{context}: the provider's app databag"), error)
        })?;
        let mut valid = Vec::new();
        for (index, response) in plain.requests.iter().enumerate() {
            match RequestId::parse(&response.request_id) {
                Ok(_) => valid.push(response.clone()),
                Err(error) => self.log(
                    Level::Warning,
                    &format!("{context}: requests[{index}] skipped: {error}"),
                ),
            }
        }
        let mut resolver = MapResolver::new();
        for (index, response) in valid.iter().enumerate() {
            for (group, uri) in [
                ("user", &response.secret_user),
                ("tls", &response.secret_tls),
            ] {
                let Some(uri) = uri else { continue };
                let label = label_v1(
                    &self.endpoint,
                    u64::from(relation.number()),
                    &response.request_id,
                    group,
                );
                let at = format!(
                    "{context}, requests[{index}] (request-id {}), secret `{group}`",
                    response.request_id
                );
                let content = self.consume(uri, &label, &at)?;
                resolver.insert(uri, content);
            }
        }
        let kept = v1::ProviderAppData {
            requests: valid.clone(),
            ..plain
        };
        let joined = kept
            .to_bag()
            .and_then(|bag| v1::ProviderAppData::join(&bag, &mut resolver))
            .map_err(|error| {
                FlowError::databag(format!("{context}: the provider's answers"), error)
            })?;
        answers.responses = joined.requests;
        let Some(answered) = kept.data else {
            self.log(
                Level::Info,
                &format!("{context}: missing data to compute diffs"),
            );
            return Ok(None);
        };
        for response in &valid {
            let id = response.request_id.as_str();
            if !answered.contains_key(id) {
                self.log(
                    Level::Warning,
                    &format!(
                        "{context}: the provider's `data` has no request {id}; no event for it"
                    ),
                );
                continue;
            }
            let new = plaintext_dump(response);
            let old = match memory.get(id) {
                Some(Value::Object(old)) => Some(old),
                _ => None,
            };
            answers
                .events
                .extend(response_events(relation, Some(id), old, &new));
            memory.insert(id.to_owned(), Value::Object(new));
        }
        Ok(Some(memory))
    }

    /// v0: the flat answer resolved into one response; the new diff memory.
    fn read_v0(
        &mut self,
        relation: &RelationId,
        provider: &Bag,
        memory: Object,
        answers: &mut Answers,
    ) -> Result<Option<Object>, FlowError> {
        let context = format!("relation {relation}");
        if !provider.contains_key("endpoints") {
            self.log(Level::Info, &format!("{context}: still waiting for data"));
            return Ok(None);
        }
        let plain = v0::ProviderAppData::from_bag(provider).map_err(|error| {
            FlowError::databag(format!("{context}: the provider's app databag"), error)
        })?;
        let mut resolver = MapResolver::new();
        for (group, uri) in [("user", &plain.secret_user), ("tls", &plain.secret_tls)] {
            let Some(uri) = uri else { continue };
            let label = label_v0(&self.endpoint, u64::from(relation.number()), group);
            let at = format!("{context}, secret `{group}`");
            let content = self.consume(uri, &label, &at)?;
            resolver.insert(uri, content);
        }
        let joined = v0::ProviderAppData::join(provider, &mut resolver).map_err(|error| {
            FlowError::databag(format!("{context}: the provider's answer"), error)
        })?;
        let mut new = plaintext_dump(&plain);
        // The v0 library remembers the provider's databag without `data` (§6).
        new.shift_remove("data");
        new.shift_remove("status");
        let old = (!memory.is_empty()).then_some(&memory);
        answers
            .events
            .extend(response_events(relation, None, old, &new));
        answers.responses = vec![Response {
            resource: joined
                .database
                .clone()
                .or(joined.resource.clone())
                .unwrap_or_default(),
            request_id: String::new(),
            salt: joined.salt.clone().unwrap_or_default(),
            endpoints: joined.endpoints,
            read_only_endpoints: joined.read_only_endpoints,
            secret_user: joined.secret_user,
            secret_tls: joined.secret_tls,
            username: joined.username,
            password: joined.password,
            tls: joined.tls,
            tls_ca: joined.tls_ca,
            version: joined.version,
            mode: joined.mode,
            sentinel_endpoints: joined.sentinel_endpoints,
            extra: Unknown::new(),
        }];
        Ok(Some(new))
    }

    /// secret-changed: when the secret is one this requirer consumes (its label names our
    /// endpoint and a live relation), reads that relation again, tracking the new revision,
    /// and reports `authentication_updated` for the request it belongs to, as the reference
    /// does. `None` for anything else (an owned secret, a label of another endpoint).
    pub fn on_secret_changed(&mut self, label: Option<&str>) -> Result<Option<Answers>, FlowError> {
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
        let known = answers.responses.iter().any(|r| r.request_id == wanted);
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

/// A v0 request in the v1 type: the prefix, no id, no salt.
fn v0_request(prefix: &str) -> Request {
    Request {
        resource: prefix.to_owned(),
        request_id: String::new(),
        salt: String::new(),
        extra: Unknown::new(),
    }
}

/// The plaintext keys of a decoded databag struct (wire names, URIs, no secret values, no
/// nulls): what the diff memory keeps.
fn plaintext_dump<T: Databag>(value: &T) -> Object {
    value
        .split()
        .map(|split| split.object)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .collect()
}
