//! The requirer flow of the data-interfaces protocol (the application charm's side,
//! PROTOCOL.md §4.1, §5.1, §6, §7, §11.4, §12, §14).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

use super::answer::without_nulls;
use super::cache::{CACHE_BUDGET, wipe};
use super::events::{
    Event, Status, response_events, status_events, status_memory, statuses_of, watched_keys,
};
use super::interface::{
    Interface, RequestId, bounded, excerpt, list_at, object_of, text_at, typed, v0_request,
    v0_response,
};
use super::profile::WriterProfile;
use super::trust::{Trust, secret_uris};
use super::{FlowError, Level, Log, random_alphanumeric, stderr_log};
use crate::juju::{Backend, BagOf, BagUpdate, ErrorKind, Fetch, RelationId, SecretRef};
use crate::secret::{SecretLabel, label_v0, label_v1};
use crate::wire::{python_json, request_id};
use crate::{Bag, Databag, MapResolver, Object, SecretContent, SecretUri, Shape, Value};

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
    /// What was wrong with the provider's data: each one logged as a warning, none failing
    /// the hook (see [`Requirer::read`]). Empty when the provider behaves.
    pub problems: Vec<Problem>,
}

/// Something wrong with the provider's data, found by [`Requirer::read`]: the provider is
/// untrusted input, so this is logged and reported, never a hook failure.
///
/// Display: `requests[1] (request 836763deea236532): secret `user`: ...`. Peer text appears
/// only as a short escaped excerpt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where in the provider's app databag: a key (`requests`, `data`, `status`), one response
    /// (`requests[1]`), or `v0 answer` for the flat v0 databag.
    pub key: String,
    /// The request the problem is about, when known.
    pub request_id: Option<String>,
    /// What is wrong, and what the requirer did instead (ignored the response, kept the last
    /// good answer, refused a secret).
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.request_id {
            Some(id) => write!(f, "{} (request {id}): {}", self.key, self.message),
            None => write!(f, "{}: {}", self.key, self.message),
        }
    }
}

impl<I: Interface> Answers<I> {
    /// The response to request `request_id` (`""` for a v0 answer, whose typed id is
    /// [`V0_REQUEST_ID`](super::V0_REQUEST_ID)).
    pub fn response(&self, request_id: &str) -> Option<&I::Response> {
        let request_id = match request_id {
            "" => super::V0_REQUEST_ID,
            id => id,
        };
        self.responses
            .iter()
            .find(|r| text_at(&object_of(*r), "request-id") == request_id)
    }
}

/// Checks a resource before the requirer asks for it (Valkey: a key prefix safe in an ACL).
type ResourceCheck<'a> = Box<dyn Fn(&str) -> Result<(), String> + 'a>;

/// The requirer side of a data-interfaces relation for one hook.
///
/// The provider is untrusted input. Under Juju a unit in hook error runs no other hook until
/// the error is resolved, so a hostile or broken provider must not fail the requirer's hook:
///
/// | cause | outcome of [`Requirer::read`] / [`Requirer::on_secret_changed`] |
/// |---|---|
/// | a hook tool fails (Juju error: relation-get, secret-ids, state-get/set, relation-set, a secret-get failing otherwise than below) | `Err`: the hook fails; Juju retries it and it converges |
/// | the provider's data is bad (`requests` or `data` not JSON, a response or secret content that does not decode, a secret it names that is not found or not granted: its grant and its databag commit in one hook, so no retry would fix it) | `Ok`, a warning and a [`Problem`]; the request keeps its last good answer |
/// | a response to a request we never sent (known to the leader only), or with an invalid or repeated id | `Ok`, a warning and a [`Problem`]; the response is ignored |
/// | a secret URI we own, or one first delivered for another relation, request or group | `Ok`, a warning and a [`Problem`]; the secret is neither read nor relabelled |
///
/// # What a hook reads, and what the unit keeps
///
/// A secret is read (`secret-get`) only when its URI is new to this unit, or when a
/// secret-changed names it ([`Requirer::on_secret_changed`]: its latest revision, tracked with
/// `--refresh` once its answer decoded). Otherwise the requirer works from what it already
/// read. Juju keeps a consumer on the revision it tracks until it refreshes (juju
/// `apiserver/facades/agent/secretsmanager/secrets.go`, `getConsumedRevision`), so that is
/// what `secret-get` would answer anyway; a new revision reaches the charm with the
/// secret-changed Juju runs for it, not with a relation-changed that arrives first. A
/// relation-changed where nothing changed calls 4 hook tools whatever the number of
/// requests: `relation-get` of the provider's app databag, of ours (how the leader knows the
/// ids it sent; a non-leader is refused, which tells it that it does not lead) and of our
/// unit's (the diff memory), and one `state-get`.
///
/// What the unit keeps, all in its Juju charm state (`state-get`/`state-set`), never in a
/// databag:
///
/// | key | holds |
/// |---|---|
/// | [`BINDINGS_KEY`](super::BINDINGS_KEY) | each secret id and the consumer label it was first read under (trust rules) |
/// | [`CACHE_PREFIX`](super::CACHE_PREFIX)`<id>` | the content this unit read of that secret, at the revision it tracks |
///
/// Secret content in charm state, because that is where this charm already keeps its trust
/// state, and what Juju offers a charm as private storage: the controller keeps it for this
/// unit only (no other unit, application or databag sees it), across hooks, restarts and pod
/// rescheduling, and commits it with the hook's other changes. It is a copy outside Juju's
/// secret backend: in a model whose secrets live in Vault or in Kubernetes secrets, the
/// content is now also in the controller's database, as it is with the default internal
/// backend. A charm that must not hold that copy turns it off with
/// [`Requirer::with_secret_cache`] (each hook then reads each secret once, at the revision
/// the unit tracks). The content goes to `state-set` on stdin, never on a command line;
/// entries stay within Juju's quotas (64 KiB per value, [`CACHE_BUDGET`](super::CACHE_BUDGET)
/// in all); [`Requirer::forget`] deletes a relation's at relation-broken.
///
/// The last good answer of a request is its diff memory entry (plaintext and URIs, §6) with
/// its secrets as this unit last read them.
pub struct Requirer<'a, I: Interface> {
    backend: &'a dyn Backend,
    endpoint: String,
    version: WireVersion,
    profile: &'static WriterProfile,
    log: Log<'a>,
    check: Option<ResourceCheck<'a>>,
    /// Whether what this unit read of each secret is kept in its charm state.
    secret_cache: bool,
    /// The consumer label a secret-changed named, during the read it runs: the secret wanted
    /// under it is read again.
    changed_label: Option<String>,
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
            secret_cache: true,
            changed_label: None,
            interface: PhantomData,
        }
    }

    /// Whether to keep what this unit read of each secret in its Juju charm state (on by
    /// default; see [`Requirer`] for where and why). Off, every read reads each secret again
    /// at the revision the unit tracks (one `secret-get` per secret per hook), and what was
    /// kept is deleted at the next read that needs a secret.
    pub fn with_secret_cache(mut self, enabled: bool) -> Self {
        self.secret_cache = enabled;
        self
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
            // A placeholder the id pattern accepts; `request_with` writes the real id.
            object.insert("request-id".to_owned(), Value::String("0".to_owned()));
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
    ///
    /// The provider is untrusted input, and one relation in hook error stalls every other
    /// relation of the unit (Juju runs no other hook until it is resolved), so:
    ///
    /// | what | outcome |
    /// |---|---|
    /// | a hook tool fails (`relation-get`, `secret-get`, `secret-ids`, `state-get`, ...), including a secret that is not found or not granted | `Err`: the hook fails, Juju retries it |
    /// | `requests` or `data` not JSON, a response that does not decode (`tls: "True"`, `xsecret:abc`), a secret content that does not decode | `Ok`: a warning, a [`Problem`]; the request keeps its last good answer |
    /// | a response with an invalid or repeated request id, or (leader) one this application never sent | `Ok`: a warning, a [`Problem`]; the response is ignored |
    /// | a secret URI this application owns, or one bound to another relation, request or group | `Ok`: a warning, a [`Problem`]; not read, not relabelled; the request keeps its last good answer |
    ///
    /// The last good answer of a request is its entry of the diff memory (plaintext and secret
    /// URIs only) with its secrets as this unit last read them (see [`Requirer`]: a secret is
    /// read only when its URI is new or a secret-changed names it, and a new revision is
    /// tracked with `--refresh` only once its content decoded). The diff memory keeps a
    /// request's entry until a good answer replaces it.
    pub fn read(&mut self, relation: &RelationId) -> Result<Answers<I>, FlowError> {
        let mut trust = Trust::new(self.secret_cache);
        self.read_with(relation, &mut trust)
    }

    /// [`Requirer::read`] with the trust state of this hook.
    fn read_with(
        &mut self,
        relation: &RelationId,
        trust: &mut Trust,
    ) -> Result<Answers<I>, FlowError> {
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
        let mut answers = Answers {
            relation: relation.clone(),
            responses: Vec::new(),
            events: Vec::new(),
            statuses: Vec::new(),
            problems: Vec::new(),
        };
        answers.statuses = match statuses_of(&provider) {
            Ok(statuses) => statuses,
            Err(error) => {
                self.problem(
                    &mut answers,
                    "status",
                    None,
                    format!(
                        "unreadable, ignored: {}",
                        bounded(&error.to_string(), 160, true)
                    ),
                );
                Vec::new()
            }
        };
        for status in &answers.statuses {
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
        let remembered = match self.version {
            WireVersion::V1 => {
                self.read_v1(relation, &provider, memory.clone(), &mut answers, trust)?
            }
            WireVersion::V0 => {
                self.read_v0(relation, &provider, memory.clone(), &mut answers, trust)?
            }
        };
        // What was kept of a secret that neither the provider's answers nor our last good
        // ones (the diff memory about to be written, else the one we have) name any more
        // goes: a replaced secret, a request gone.
        let mut live = secret_ids_in_bag(&provider);
        let last_good = remembered.as_ref().unwrap_or(&memory);
        secret_ids_in(&Value::Object(last_good.clone()), &mut live);
        trust.forget_unused(&self.endpoint, relation.number(), &live);
        trust.save(self.backend, &context)?;
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

    /// Logs a problem of the provider's data as a warning and reports it.
    fn problem(
        &mut self,
        answers: &mut Answers<I>,
        key: &str,
        request_id: Option<&str>,
        message: String,
    ) {
        let problem = Problem {
            key: key.to_owned(),
            request_id: request_id.map(str::to_owned),
            message,
        };
        self.log(
            Level::Warning,
            &format!("relation {}: provider data: {problem}", answers.relation),
        );
        answers.problems.push(problem);
    }

    /// The request ids of our own requests on `relation`, when this unit can tell: the
    /// leader reads them in our app databag; other units cannot (Juju lets only the leader
    /// read its application's databag) and get `None`.
    fn sent_ids(&mut self, relation: &RelationId) -> Result<Option<BTreeSet<String>>, FlowError> {
        let context = format!("relation {relation}");
        // One call tells both whether this unit leads and what it sent: Juju answers a
        // non-leader's `relation-get --app` of its own application "permission denied" (juju
        // `worker/uniter/runner/jujuc/relation-get.go` sends it to the controller, whose
        // `readLocalApplicationSettings` in `apiserver/facades/agent/uniter/uniter.go`
        // returns ErrPerm to anyone but the leader), where `is-leader` first took two.
        let local = match self.backend.read(relation, &BagOf::LocalApp) {
            Ok(local) => local,
            Err(error) if error.kind() == ErrorKind::PermissionDenied => return Ok(None),
            Err(error) => {
                return Err(FlowError::juju(
                    format!("{context}: reading our app databag"),
                    error,
                ));
            }
        };
        let Some(text) = local.get("requests") else {
            return Ok(Some(BTreeSet::new()));
        };
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => Ok(Some(
                items
                    .iter()
                    .filter_map(|item| item.get("request-id")?.as_str().map(str::to_owned))
                    .collect(),
            )),
            _ => {
                self.log(
                    Level::Warning,
                    &format!(
                        "{context}: our own `requests` are not a JSON list; not checking the \
                         provider's request ids"
                    ),
                );
                Ok(None)
            }
        }
    }

    /// v1: responses resolved into `answers`; the new diff memory, or `None` when the
    /// reference would not compute diffs (no answer yet, or no `data`).
    fn read_v1(
        &mut self,
        relation: &RelationId,
        provider: &Bag,
        mut memory: Object,
        answers: &mut Answers<I>,
        trust: &mut Trust,
    ) -> Result<Option<Object>, FlowError> {
        let context = format!("relation {relation}");
        let raw = match provider.get("requests") {
            Some(raw) if provider.get("version").map(String::as_str) == Some("v1") => raw,
            _ => {
                self.log(Level::Info, &format!("{context}: still waiting for data"));
                return Ok(None);
            }
        };
        let sent = self.sent_ids(relation)?;
        let ours = |id: &str| sent.as_ref().is_none_or(|sent| sent.contains(id));
        let items = match serde_json::from_str::<Value>(raw) {
            Ok(Value::Array(items)) => Some(items),
            _ => {
                self.problem(
                    answers,
                    "requests",
                    None,
                    format!(
                        "not a JSON list (\"{}\"); every request keeps its last good answer",
                        excerpt(raw)
                    ),
                );
                None
            }
        };
        let mut order: Vec<String> = Vec::new();
        let mut fresh: BTreeMap<String, Object> = BTreeMap::new();
        let mut resolved: BTreeMap<String, I::Response> = BTreeMap::new();
        for (index, item) in items.iter().flatten().enumerate() {
            let key = format!("requests[{index}]");
            let Value::Object(object) = item else {
                self.problem(answers, &key, None, "not a JSON object; ignored".to_owned());
                continue;
            };
            let id = match RequestId::parse(text_at(object, "request-id")) {
                Ok(id) => id.to_string(),
                Err(error) => {
                    self.problem(answers, &key, None, format!("{error}; ignored"));
                    continue;
                }
            };
            if order.contains(&id) {
                let message = "a second response to the same request; ignored".to_owned();
                self.problem(answers, &key, Some(&id), message);
                continue;
            }
            if !ours(&id) {
                let message = "answers a request this application never sent; ignored".to_owned();
                self.problem(answers, &key, Some(&id), message);
                continue;
            }
            order.push(id.clone());
            let at = format!("{context}, {key} (request-id {id})");
            match self.resolve_v1(relation, &id, object.clone(), Fetch::Peek, trust, &at)? {
                Ok((plain, response)) => {
                    fresh.insert(id.clone(), plain);
                    resolved.insert(id, response);
                }
                Err(message) => {
                    let message = format!("{message}; keeping the last good answer");
                    self.problem(answers, &key, Some(&id), message);
                }
            }
        }
        if items.is_none() {
            order = memory
                .iter()
                .filter(|(id, answer)| answer.is_object() && ours(id))
                .map(|(id, _)| id.clone())
                .collect();
        }
        for id in &order {
            if resolved.contains_key(id) {
                continue;
            }
            let Some(Value::Object(last)) = memory.get(id) else {
                continue;
            };
            let at = format!("{context}, our last good answer to request {id}");
            match self.resolve_v1(relation, id, last.clone(), Fetch::Tracked, trust, &at)? {
                Ok((_, response)) => {
                    resolved.insert(id.clone(), response);
                }
                Err(message) => {
                    let message = format!("our last good answer does not resolve: {message}");
                    self.problem(answers, "data", Some(id), message);
                }
            }
        }
        answers.responses = order.iter().filter_map(|id| resolved.remove(id)).collect();
        let answered = match provider.get("data").map(|text| serde_json::from_str(text)) {
            Some(Ok(Value::Object(answered))) => Some(answered),
            Some(Err(_)) => {
                let message = format!("not JSON (\"{}\")", excerpt(&provider["data"]));
                self.problem(answers, "data", None, message);
                None
            }
            _ => None,
        };
        let Some(answered) = answered else {
            self.log(
                Level::Info,
                &format!("{context}: missing data to compute diffs"),
            );
            return Ok(None);
        };
        let watched = watched_keys(&I::Response::shape());
        for id in order {
            let Some(new) = fresh.remove(&id) else {
                continue;
            };
            if !answered.contains_key(&id) {
                self.log(
                    Level::Warning,
                    &format!(
                        "{context}: the provider's `data` has no request {id}; no event for it"
                    ),
                );
                continue;
            }
            let new = without_nulls(new);
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

    /// One v1 response (from the provider's list, or our diff memory) decoded, its secrets
    /// read under their labels (`Fetch::Peek`: the latest revision, tracked only once it
    /// decoded; `Fetch::Tracked`: the revision this unit tracks), and joined: its plaintext
    /// object and the resolved response, or what is wrong with it.
    fn resolve_v1(
        &mut self,
        relation: &RelationId,
        id: &str,
        object: Object,
        fetch: Fetch,
        trust: &mut Trust,
        at: &str,
    ) -> Result<Result<(Object, I::Response), String>, FlowError> {
        let mut bag = Bag::new();
        bag.insert("version".to_owned(), "v1".to_owned());
        let list = Value::Array(vec![Value::Object(object)]);
        bag.insert("requests".to_owned(), python_json(&list));
        let plain = match I::ProviderV1::from_bag(&bag) {
            Ok(plain) => object_of(&plain),
            Err(error) => return Ok(Err(undecodable(&error))),
        };
        let Some(response) = list_at(&plain, "requests").into_iter().next() else {
            return Ok(Err("not a response object".to_owned()));
        };
        let number = u64::from(relation.number());
        let wanted = secret_uris(&I::Response::shape(), &response);
        let label = |group: &str| label_v1(&self.endpoint, number, id, group);
        let wanted = labelled(wanted, label);
        let mut resolved = match self.resolve(&wanted, fetch, trust, at)? {
            Ok(resolved) => resolved,
            Err(message) => return Ok(Err(message)),
        };
        let joined = typed::<I::ProviderV1>(plain)
            .and_then(|plain| plain.to_bag())
            .and_then(|bag| I::ProviderV1::join(&bag, &mut resolved.resolver))
            .map(|joined| list_at(&object_of(&joined), "requests"))
            .and_then(|list| {
                let first = list.into_iter().next().unwrap_or_default();
                typed::<I::Response>(first)
            });
        let joined = match joined {
            Ok(joined) => joined,
            Err(error) => return Ok(Err(undecodable(&error))),
        };
        self.settle(resolved, trust, at)?;
        Ok(Ok((response, joined)))
    }

    /// After an answer decoded: tracks the latest revision of the secrets read with `--peek`
    /// (`secret-get --refresh`) and keeps what was read for the next hooks.
    fn settle(
        &mut self,
        mut resolved: Resolved,
        trust: &mut Trust,
        at: &str,
    ) -> Result<(), FlowError> {
        self.track(resolved.peeked.iter(), at)?;
        let mut unkept = 0;
        for (uri, content) in &mut resolved.read {
            if !trust.remember(uri, content) {
                unkept += 1;
            }
            wipe(content);
        }
        if unkept > 0 && self.secret_cache {
            self.log(
                Level::Debug,
                &format!(
                    "{at}: {unkept} secret(s) not kept in our charm state (over Juju's 64 KiB \
                     per value or our {CACHE_BUDGET}-byte budget); read again next time"
                ),
            );
        }
        Ok(())
    }

    /// Tracks the latest revision of secrets whose content decoded (`secret-get --refresh`).
    fn track<'u>(
        &mut self,
        uris: impl Iterator<Item = &'u SecretUri>,
        at: &str,
    ) -> Result<(), FlowError> {
        for uri in uris {
            self.backend
                .secret_get(&SecretRef::uri(uri.clone()), Fetch::Refresh)
                .map_err(|error| {
                    FlowError::juju(
                        format!("{at}: tracking the latest revision of {uri}"),
                        error,
                    )
                })?;
        }
        Ok(())
    }

    /// v0: the flat answer resolved into one response; the new diff memory.
    fn read_v0(
        &mut self,
        relation: &RelationId,
        provider: &Bag,
        memory: Object,
        answers: &mut Answers<I>,
        trust: &mut Trust,
    ) -> Result<Option<Object>, FlowError> {
        let context = format!("relation {relation}");
        if !provider.contains_key("endpoints") && !provider.contains_key("secret-user") {
            self.log(Level::Info, &format!("{context}: still waiting for data"));
            return Ok(None);
        }
        match self.resolve_v0(relation, provider, Fetch::Peek, trust, &context)? {
            Ok((plain, response)) => {
                let mut new = without_nulls(plain);
                // The v0 library remembers the provider's databag without `data` (§6).
                new.shift_remove("data");
                new.shift_remove("status");
                let old = (!memory.is_empty()).then_some(&memory);
                let watched = watched_keys(&I::Response::shape());
                answers
                    .events
                    .extend(response_events(relation, None, old, &new, &watched));
                answers.responses = vec![response];
                Ok(Some(new))
            }
            Err(message) => {
                let message = format!("{message}; keeping the last good answer");
                self.problem(answers, "v0 answer", None, message);
                if memory.is_empty() {
                    return Ok(Some(memory));
                }
                let last = typed::<I::ProviderV0>(memory.clone()).and_then(|last| last.to_bag());
                let resolved = match last {
                    Ok(bag) => {
                        let at = format!("{context}, our last good answer");
                        self.resolve_v0(relation, &bag, Fetch::Tracked, trust, &at)?
                    }
                    Err(error) => Err(undecodable(&error)),
                };
                match resolved {
                    Ok((_, response)) => answers.responses = vec![response],
                    Err(message) => {
                        let message = format!("our last good answer does not resolve: {message}");
                        self.problem(answers, "data", None, message);
                    }
                }
                Ok(Some(memory))
            }
        }
    }

    /// The flat v0 answer `bag` decoded, its secrets read (as [`Requirer::resolve_v1`]) and
    /// joined: its plaintext object and the response, or what is wrong with it.
    fn resolve_v0(
        &mut self,
        relation: &RelationId,
        bag: &Bag,
        fetch: Fetch,
        trust: &mut Trust,
        at: &str,
    ) -> Result<Result<(Object, I::Response), String>, FlowError> {
        let plain = match I::ProviderV0::from_bag(bag) {
            Ok(plain) => object_of(&plain),
            Err(error) => return Ok(Err(undecodable(&error))),
        };
        let number = u64::from(relation.number());
        let wanted = secret_uris(&I::ProviderV0::shape(), &plain);
        let wanted = labelled(wanted, |group| label_v0(&self.endpoint, number, group));
        let mut resolved = match self.resolve(&wanted, fetch, trust, at)? {
            Ok(resolved) => resolved,
            Err(message) => return Ok(Err(message)),
        };
        let response = I::ProviderV0::join(bag, &mut resolved.resolver)
            .and_then(|joined| typed::<I::Response>(v0_response::<I>(object_of(&joined))));
        let response = match response {
            Ok(response) => response,
            Err(error) => return Ok(Err(undecodable(&error))),
        };
        self.settle(resolved, trust, at)?;
        Ok(Ok((plain, response)))
    }

    /// relation-broken: forgets what this unit kept in its charm state of the relation's
    /// secrets (their content, see [`Requirer`]); returns how many. The bindings stay, so that
    /// no other relation can ever deliver those URIs. A `state-get`, then a `state-delete` per
    /// secret.
    pub fn forget(&mut self, relation: &RelationId) -> Result<usize, FlowError> {
        let context = format!("relation {relation}");
        let mut trust = Trust::new(self.secret_cache);
        let (response, flat) = (I::Response::shape(), I::ProviderV0::shape());
        let endpoint = self.endpoint.clone();
        trust.bindings(self.backend, &endpoint, [&response, &flat], &mut self.log)?;
        let forgotten = trust.forget_unused(&endpoint, relation.number(), &BTreeSet::new());
        trust.save(self.backend, &context)?;
        if forgotten > 0 {
            self.log(
                Level::Info,
                &format!("{context}: forgot what we kept of {forgotten} secret(s)"),
            );
        }
        Ok(forgotten)
    }

    /// secret-changed, for a charm that has the secret's URI too (`JUJU_SECRET_ID`, see
    /// [`Event::SecretChanged`](crate::juju::Event::SecretChanged)): as
    /// [`Requirer::on_secret_changed`], and when the secret has no consumer label (a secret
    /// that replaced a request's earlier one is read by URI alone: Juju keeps the label on the
    /// old one, §11.4), the label this unit bound it to says which relation and request it
    /// belongs to. Prefer this one: without it, such a secret's new revisions would reach
    /// the charm only if the provider replaced it again.
    pub fn on_secret_changed_for(
        &mut self,
        secret: &SecretUri,
        label: Option<&str>,
    ) -> Result<Option<Answers<I>>, FlowError> {
        if label.and_then(SecretLabel::parse).is_some() {
            return self.on_secret_changed(label);
        }
        let mut trust = Trust::new(self.secret_cache);
        let (response, flat) = (I::Response::shape(), I::ProviderV0::shape());
        let endpoint = self.endpoint.clone();
        let bindings =
            trust.bindings(self.backend, &endpoint, [&response, &flat], &mut self.log)?;
        let Some(bound) = bindings.get(secret.id()).cloned() else {
            self.log(
                Level::Debug,
                &format!("secret-changed for {secret}: not a secret this unit read"),
            );
            return Ok(None);
        };
        self.on_secret_changed(Some(&bound))
    }

    /// secret-changed: when the secret is one this requirer consumes (its label names our
    /// endpoint and a live relation), reads that relation again, reading that secret's latest
    /// revision (every other secret as this unit already read it) and tracking it, and reports
    /// `authentication_updated` for the request it belongs to, as the reference does. `None`
    /// for anything else (an owned secret, a label of another endpoint).
    ///
    /// Fails only as [`Requirer::read`] does (a hook tool failing); a new revision whose
    /// content does not decode is reported in [`Answers::problems`], not tracked, and gets no
    /// `authentication_updated`: the request keeps its last good answer.
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
        self.changed_label = label.map(str::to_owned);
        let answers = self.read(&relation);
        self.changed_label = None;
        let mut answers = answers?;
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
        let refused = answers
            .problems
            .iter()
            .any(|problem| problem.request_id.as_deref() == request_id.as_deref());
        if refused {
            self.log(
                Level::Info,
                &format!("secret-changed for {parsed}: the new content was refused"),
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

    /// Every secret of one answer (`(group, uri, consumer label)`) in a resolver: what this
    /// unit already read of it, else read now; the first secret that cannot be trusted or
    /// read is the answer's problem.
    fn resolve(
        &mut self,
        wanted: &[(String, SecretUri, String)],
        fetch: Fetch,
        trust: &mut Trust,
        at: &str,
    ) -> Result<Result<Resolved, String>, FlowError> {
        let mut resolved = Resolved {
            resolver: MapResolver::new(),
            read: Vec::new(),
            peeked: Vec::new(),
        };
        for (group, uri, label) in wanted {
            let at = format!("{at}, secret `{group}`");
            match self.consume(uri, label, fetch, trust, &at)? {
                Ok((content, got)) => {
                    if got != Got::Kept {
                        resolved.read.push((uri.clone(), content.clone()));
                    }
                    if got == Got::Peeked {
                        resolved.peeked.push(uri.clone());
                    }
                    resolved.resolver.insert(uri, content);
                }
                Err(message) => return Ok(Err(format!("secret `{group}`: {message}"))),
            }
        }
        Ok(Ok(resolved))
    }

    /// The content of a secret the provider names: what this unit already read of it under
    /// `label` (no hook tool), else read now, attaching the reference's consumer label.
    /// `Ok(Err(why))` when the provider had no business naming it.
    ///
    /// Read now: a URI not read before (at the revision the unit tracks, which Juju sets to
    /// the latest at a consumer's first read), and, when `fetch` is [`Fetch::Peek`], the one
    /// a secret-changed names (its latest revision; tracked once its answer decoded).
    ///
    /// Refused, unread and never relabelled (see the `trust` module): a secret this
    /// application owns; a URI bound to another label (another relation, request or group).
    /// When the label already names another secret (the provider replaced this request's
    /// secret, §11.4: Juju keeps the label on the old one), the new one is read by URI alone,
    /// but only when that old secret is bound to this same label.
    fn consume(
        &mut self,
        uri: &SecretUri,
        label: &str,
        fetch: Fetch,
        trust: &mut Trust,
        context: &str,
    ) -> Result<Result<(SecretContent, Got), String>, FlowError> {
        let (response, flat) = (I::Response::shape(), I::ProviderV0::shape());
        let endpoint = self.endpoint.clone();
        let shapes: [&Shape; 2] = [&response, &flat];
        trust.bindings(self.backend, &endpoint, shapes, &mut self.log)?;
        let changed = fetch == Fetch::Peek && self.changed_label.as_deref() == Some(label);
        // Kept content was read as a consumer under this very label: not owned, bound here.
        if !changed && let Some(content) = trust.cached(uri, label) {
            return Ok(Ok((content.clone(), Got::Kept)));
        }
        if trust.owns(self.backend, uri, context)? {
            return Ok(Err(format!(
                "{uri} is a secret this application owns; not read, not relabelled"
            )));
        }
        let fetch = if changed { Fetch::Peek } else { Fetch::Tracked };
        let log = &mut self.log;
        let bindings = trust.bindings(self.backend, &endpoint, shapes, log)?;
        if let Some(bound) = bindings.get(uri.id()).filter(|bound| *bound != label) {
            return Ok(Err(format!(
                "{uri} was delivered as {bound}, not as {label}: a secret belongs to the \
                 relation and request that first delivered it; not read"
            )));
        }
        let older = bindings
            .iter()
            .any(|(id, bound)| bound == label && id != uri.id());
        let labelled = SecretRef::uri_with_label(uri.clone(), label);
        let content = match self.backend.secret_get(&labelled, fetch) {
            Ok(content) => content,
            Err(error) if error.stderr().is_some_and(|s| s.contains("already exists")) => {
                if !older {
                    return Ok(Err(format!(
                        "label {label} names a secret this unit did not read for this request; \
                         {uri} not read"
                    )));
                }
                self.log(
                    Level::Info,
                    &format!("{context}: label {label} names an older secret; reading {uri}"),
                );
                self.backend
                    .secret_get(&SecretRef::uri(uri.clone()), fetch)
                    .map_err(|error| FlowError::juju(format!("{context}: reading {uri}"), error))?
            }
            // A secret the provider names but that does not exist or is not granted to us:
            // the provider's grant and its databag are committed in one hook, so this is the
            // provider's data, not a passing failure; a retry would fail forever and keep
            // this unit in error.
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::SecretNotFound | ErrorKind::PermissionDenied
                ) =>
            {
                let why = match error.kind() {
                    ErrorKind::SecretNotFound => "not found",
                    _ => "permission denied",
                };
                return Ok(Err(format!(
                    "{uri} cannot be read ({why}): the provider names a secret it did not grant \
                     us"
                )));
            }
            Err(error) => {
                return Err(FlowError::juju(
                    format!("{context}: reading {uri} as {label}"),
                    error,
                ));
            }
        };
        trust.bind(uri, label);
        let got = if changed { Got::Peeked } else { Got::Read };
        Ok(Ok((content, got)))
    }
}

/// Where a secret's content came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Got {
    /// What this unit kept of it: no hook tool.
    Kept,
    /// Read at the revision this unit tracks.
    Read,
    /// Read at the latest revision (`--peek`), to track once its answer decoded.
    Peeked,
}

/// The secrets of one answer: a resolver for its join, what was read now (to keep once the
/// answer decoded) and what of it was peeked (to track then).
struct Resolved {
    resolver: MapResolver,
    read: Vec<(SecretUri, SecretContent)>,
    peeked: Vec<SecretUri>,
}

impl Drop for Resolved {
    fn drop(&mut self) {
        for (_, content) in &mut self.read {
            wipe(content);
        }
    }
}

/// The ids of the well-formed secret URIs under `secret-…` keys anywhere in `value`.
fn secret_ids_in(value: &Value, ids: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                if key.starts_with("secret-")
                    && let Some(uri) = value.as_str().and_then(|t| SecretUri::parse(t).ok())
                {
                    ids.insert(uri.id().to_owned());
                }
                secret_ids_in(value, ids);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| secret_ids_in(item, ids)),
        _ => {}
    }
}

/// The ids of the secret URIs a provider's databag names: flat `secret-…` keys (v0) and those
/// of the responses in `requests` (v1).
fn secret_ids_in_bag(bag: &Bag) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let flat: Object = bag
        .iter()
        .filter(|(key, _)| key.starts_with("secret-"))
        .map(|(key, value)| (key.clone(), Value::String(value.clone())))
        .collect();
    secret_ids_in(&Value::Object(flat), &mut ids);
    if let Some(Ok(requests)) = bag
        .get("requests")
        .map(|t| serde_json::from_str::<Value>(t))
    {
        secret_ids_in(&requests, &mut ids);
    }
    ids
}

/// Why a provider's answer does not decode, bounded (a decoding error may quote peer text).
fn undecodable(error: &crate::Error) -> String {
    format!(
        "does not decode: {}",
        bounded(&error.to_string(), 160, true)
    )
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

/// `(group, uri)` pairs with the consumer label each is read under.
fn labelled(
    uris: Vec<(String, SecretUri)>,
    label: impl Fn(&str) -> String,
) -> Vec<(String, SecretUri, String)> {
    uris.into_iter()
        .map(|(group, uri)| {
            let label = label(&group);
            (group, uri, label)
        })
        .collect()
}
