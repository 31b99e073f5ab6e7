//! A Juju model reduced to what relation interfaces use: applications and units, relations
//! with their databags, secrets with revisions, labels, grants and consumers.
//!
//! [`State`] holds the rules, each operation answering as Juju's hook tool would: the value, or
//! a [`Refusal`] with Juju's message and exit status. The in-memory backend
//! ([`Memory`](super::Memory)) and the emulated Juju CLI (`databag::testing`) both run on it, so
//! the two fail alike. It serializes to JSON (the emulator's state file); that JSON holds secret
//! content, as Juju's database does, so it is test-only material.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::backend::{self, BagUpdate, Fetch, RelationId, SecretOwner};
use super::status::WorkloadStatus;
use crate::{Bag, SecretContent};

mod workload;

/// Juju's answer to a hook tool call it refuses: the message it prints after `ERROR ` on
/// stderr and the exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The exit status (1 for errors while running, 2 for bad flags and arguments).
    pub status: i32,
    /// Juju's message, without the `ERROR ` prefix.
    pub message: String,
}

impl Refusal {
    fn new(message: impl Into<String>) -> Self {
        Refusal {
            status: 1,
            message: message.into(),
        }
    }

    fn usage(message: impl Into<String>) -> Self {
        Refusal {
            status: 2,
            message: message.into(),
        }
    }

    /// What the tool prints on stderr.
    pub fn stderr(&self) -> String {
        format!("ERROR {}\n", self.message)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERROR {}", self.message)
    }
}

/// Metadata of a secret as `secret-info-get` shows it to the owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Info {
    /// The secret's URI (`secret://<model-uuid>/<id>`).
    pub uri: String,
    /// The bare ID (`d2fjn1fmp25004or68b0`), the key of `secret-info-get`'s JSON.
    pub id: String,
    /// The owner label, if any.
    pub label: Option<String>,
    /// The latest revision.
    pub revision: u32,
    /// Who owns it.
    pub owner: SecretOwner,
}

/// One secret as a test sees it when inspecting the model (no content).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretView {
    /// The secret's URI.
    pub uri: String,
    /// The owning application.
    pub owner_app: String,
    /// The owning unit, for unit-owned secrets.
    pub owner_unit: Option<String>,
    /// The owner label.
    pub label: Option<String>,
    /// The latest revision.
    pub revision: u32,
    /// The relation numbers the secret is granted on.
    pub granted_on: Vec<u32>,
}

/// The model: applications, relations, secrets, and the faults injected for tests.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct State {
    model_uuid: String,
    apps: BTreeMap<String, App>,
    relations: BTreeMap<u32, Relation>,
    secrets: BTreeMap<String, Secret>,
    /// Per consumer unit, per secret ID: its label and the revision it tracks.
    consumers: BTreeMap<String, BTreeMap<String, Consumer>>,
    /// Per unit: its charm state (`state-get`, `state-set`).
    #[serde(default)]
    unit_state: BTreeMap<String, BTreeMap<String, String>>,
    /// Per application: its charm configuration (`config-get`).
    #[serde(default)]
    config: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Per unit (`app/0`) or application (`app`): the workload status last set.
    #[serde(default)]
    statuses: BTreeMap<String, WorkloadStatus>,
    /// `juju-log` lines, `UNIT LEVEL MESSAGE`.
    #[serde(default)]
    log: Vec<String>,
    /// Hook tool → how many of its next calls fail.
    faults: BTreeMap<String, u32>,
    next_relation: u32,
    next_secret: u64,
}

#[derive(Clone, Default, Serialize, Deserialize)]
struct App {
    units: Vec<String>,
    leader: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Relation {
    ends: [End; 2],
    broken: bool,
}

#[derive(Clone, Serialize, Deserialize)]
struct End {
    app: String,
    endpoint: String,
    app_data: Bag,
    unit_data: BTreeMap<String, Bag>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Secret {
    owner_app: String,
    owner_unit: Option<String>,
    label: Option<String>,
    revisions: BTreeMap<u32, SecretContent>,
    latest: u32,
    grants: Vec<Grant>,
}

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Grant {
    relation: u32,
    app: String,
    unit: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Consumer {
    label: Option<String>,
    revision: u32,
}

fn not_found_relation(relation: &dyn fmt::Display) -> Refusal {
    Refusal::usage(format!(
        "invalid value \"{relation}\" for option -r: relation not found"
    ))
}

fn permission_denied() -> Refusal {
    Refusal::new("permission denied")
}

fn not_leader() -> Refusal {
    Refusal::new("this unit is not the leader")
}

use super::backend::{MAX_STATE_KEY, MAX_STATE_VALUE};

/// The bare ID of `secret:ID`, `secret://MODEL/ID` or `ID`.
pub fn secret_id(uri: &str) -> &str {
    let rest = uri.strip_prefix("secret:").unwrap_or(uri);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    rest.rsplit('/').next().unwrap_or(rest)
}

impl State {
    /// An empty model with this UUID.
    pub fn new(model_uuid: impl Into<String>) -> Self {
        State {
            model_uuid: model_uuid.into(),
            ..State::default()
        }
    }

    /// The model's UUID.
    pub fn model_uuid(&self) -> &str {
        &self.model_uuid
    }

    // ---- set-up and inspection, for tests (Juju's controller side) ----

    /// Adds an application with `units` units (`name/0`, `name/1`, ...); the first leads.
    pub fn add_app(&mut self, name: &str, units: usize) {
        let units: Vec<String> = (0..units).map(|i| format!("{name}/{i}")).collect();
        let leader = units.first().cloned();
        self.apps.insert(name.to_owned(), App { units, leader });
    }

    /// Adds one unit to `app` (`juju add-unit`), numbered after the highest ever seen; the
    /// new unit's name. It leads only when the application had no unit.
    pub fn add_unit(&mut self, app: &str) -> String {
        let entry = self.apps.entry(app.to_owned()).or_default();
        let next = entry
            .units
            .iter()
            .filter_map(|unit| unit.rsplit_once('/')?.1.parse::<u32>().ok())
            .max()
            .map_or(0, |n| n + 1);
        let unit = format!("{app}/{next}");
        entry.units.push(unit.clone());
        if entry.leader.is_none() {
            entry.leader = Some(unit.clone());
        }
        unit
    }

    /// Makes `unit` its application's leader (and no other unit).
    pub fn set_leader(&mut self, unit: &str) {
        if let Some(app) = self.apps.get_mut(app_of(unit)) {
            app.leader = Some(unit.to_owned());
        }
    }

    /// Relates `app_a`'s endpoint `endpoint_a` with `app_b`'s `endpoint_b`; returns the new
    /// relation's number (the same on both sides).
    pub fn relate(&mut self, app_a: &str, endpoint_a: &str, app_b: &str, endpoint_b: &str) -> u32 {
        let number = self.next_relation;
        self.next_relation += 1;
        let end = |app: &str, endpoint: &str| End {
            app: app.to_owned(),
            endpoint: endpoint.to_owned(),
            app_data: Bag::new(),
            unit_data: BTreeMap::new(),
        };
        self.relations.insert(
            number,
            Relation {
                ends: [end(app_a, endpoint_a), end(app_b, endpoint_b)],
                broken: false,
            },
        );
        number
    }

    /// Marks a relation broken, as during its `relation-broken` hook: `relation-ids` no longer
    /// lists it, its data stays readable.
    pub fn break_relation(&mut self, number: u32) {
        if let Some(relation) = self.relations.get_mut(&number) {
            relation.broken = true;
        }
    }

    /// Removes `unit` from its application after its last hook, as `juju remove-unit` ends:
    /// its unit databags, its charm state and what it consumed go; when it led, the next
    /// remaining unit is elected (Juju elects one of the remaining units).
    pub fn remove_unit(&mut self, unit: &str) {
        if let Some(app) = self.apps.get_mut(app_of(unit)) {
            app.units.retain(|u| u != unit);
            if app.leader.as_deref() == Some(unit) {
                app.leader = app.units.first().cloned();
            }
        }
        for relation in self.relations.values_mut() {
            for end in &mut relation.ends {
                end.unit_data.remove(unit);
            }
        }
        self.unit_state.remove(unit);
        self.consumers.remove(unit);
    }

    /// Removes a relation with its data; secret grants made on it go with it, as in Juju.
    pub fn remove_relation(&mut self, number: u32) {
        self.relations.remove(&number);
        for secret in self.secrets.values_mut() {
            secret.grants.retain(|grant| grant.relation != number);
        }
    }

    /// The relation `number` as `app` names it (`valkey-client:0`), if `app` is on it.
    pub fn relation_id(&self, app: &str, number: u32) -> Option<RelationId> {
        let relation = self.relations.get(&number)?;
        let end = relation.ends.iter().find(|end| end.app == app)?;
        Some(RelationId::new(end.endpoint.clone(), number))
    }

    /// The app databag `app` keeps in relation `number`.
    pub fn app_bag(&self, number: u32, app: &str) -> Option<&Bag> {
        let relation = self.relations.get(&number)?;
        let end = relation.ends.iter().find(|end| end.app == app)?;
        Some(&end.app_data)
    }

    /// The databag `unit` keeps in relation `number` (empty if it wrote nothing).
    pub fn unit_bag(&self, number: u32, unit: &str) -> Option<Bag> {
        let relation = self.relations.get(&number)?;
        let end = relation.ends.iter().find(|end| end.app == app_of(unit))?;
        Some(end.unit_data.get(unit).cloned().unwrap_or_default())
    }

    /// Every databag of every relation: (relation number, owner app or unit, databag).
    pub fn all_bags(&self) -> Vec<(u32, String, Bag)> {
        let mut bags = Vec::new();
        for (number, relation) in &self.relations {
            for end in &relation.ends {
                bags.push((*number, end.app.clone(), end.app_data.clone()));
                for (unit, bag) in &end.unit_data {
                    bags.push((*number, unit.clone(), bag.clone()));
                }
            }
        }
        bags
    }

    /// Every secret in the model, without content.
    pub fn secrets(&self) -> Vec<SecretView> {
        self.secrets
            .iter()
            .map(|(id, secret)| SecretView {
                uri: self.uri_of(id),
                owner_app: secret.owner_app.clone(),
                owner_unit: secret.owner_unit.clone(),
                label: secret.label.clone(),
                revision: secret.latest,
                granted_on: secret.grants.iter().map(|grant| grant.relation).collect(),
            })
            .collect()
    }

    /// The content of one revision of a secret (latest when `revision` is `None`), as the
    /// model stores it: for tests that check what a charm stored.
    pub fn secret_content(&self, uri: &str, revision: Option<u32>) -> Option<&SecretContent> {
        let secret = self.secrets.get(secret_id(uri))?;
        secret.revisions.get(&revision.unwrap_or(secret.latest))
    }

    /// The revision `unit` tracks of a secret it consumes, and its consumer label.
    pub fn consumer(&self, unit: &str, uri: &str) -> Option<(u32, Option<String>)> {
        let consumer = self.consumers.get(unit)?.get(secret_id(uri))?;
        Some((consumer.revision, consumer.label.clone()))
    }

    /// Makes the next `times` calls of hook tool `tool` fail.
    pub fn fail_next(&mut self, tool: &str, times: u32) {
        if times == 0 {
            self.faults.remove(tool);
        } else {
            self.faults.insert(tool.to_owned(), times);
        }
    }

    /// Puts back the model of `snapshot`, as Juju does with every change of a hook that
    /// fails. What stays: injected faults (test plumbing, consumed by the failed hook), the
    /// secret ID sequence (Juju never hands out an ID twice), and statuses and log lines
    /// (Juju records them at once, see the `workload` module).
    pub fn rollback(&mut self, snapshot: State) {
        let faults = std::mem::take(&mut self.faults);
        let statuses = std::mem::take(&mut self.statuses);
        let log = std::mem::take(&mut self.log);
        let next_secret = self.next_secret.max(snapshot.next_secret);
        *self = snapshot;
        self.faults = faults;
        self.statuses = statuses;
        self.log = log;
        self.next_secret = next_secret;
    }

    /// Consumes one injected fault of `tool`, if any: the refusal it fails with.
    pub fn take_fault(&mut self, tool: &str) -> Result<(), Refusal> {
        let Some(left) = self.faults.get_mut(tool) else {
            return Ok(());
        };
        *left -= 1;
        if *left == 0 {
            self.faults.remove(tool);
        }
        Err(Refusal::new(format!(
            "injected failure of {tool} (test fault)"
        )))
    }

    // ---- the hook tools, each as called by `unit` ----

    fn app(&self, unit: &str) -> Result<&App, Refusal> {
        self.apps
            .get(app_of(unit))
            .filter(|app| app.units.iter().any(|u| u == unit))
            .ok_or_else(|| Refusal::new(format!("unit {unit:?} not found")))
    }

    /// `is-leader`.
    pub fn is_leader(&self, unit: &str) -> Result<bool, Refusal> {
        Ok(self.app(unit)?.leader.as_deref() == Some(unit))
    }

    /// `relation-ids <endpoint>`.
    pub fn relation_ids(&self, unit: &str, endpoint: &str) -> Result<Vec<RelationId>, Refusal> {
        self.app(unit)?;
        let app = app_of(unit);
        Ok(self
            .relations
            .iter()
            .filter(|(_, relation)| !relation.broken)
            .filter_map(|(number, relation)| {
                relation
                    .ends
                    .iter()
                    .find(|end| end.app == app && end.endpoint == endpoint)
                    .map(|end| RelationId::new(end.endpoint.clone(), *number))
            })
            .collect())
    }

    /// Resolves `-r N` for `unit` into the full relation id.
    pub fn relation_by_number(&self, unit: &str, number: u32) -> Result<RelationId, Refusal> {
        self.app(unit)?;
        self.relation_id(app_of(unit), number)
            .ok_or_else(|| not_found_relation(&number))
    }

    /// The (local, remote) ends of `relation` for `unit`.
    fn ends(&self, unit: &str, relation: &RelationId) -> Result<(usize, &Relation), Refusal> {
        self.app(unit)?;
        let found = self.relations.get(&relation.number());
        let found = found.and_then(|rel| {
            rel.ends
                .iter()
                .position(|end| end.app == app_of(unit) && end.endpoint == relation.endpoint())
                .map(|local| (local, rel))
        });
        found.ok_or_else(|| not_found_relation(relation))
    }

    /// `relation-list -r <relation> --app`.
    pub fn remote_app(&self, unit: &str, relation: &RelationId) -> Result<String, Refusal> {
        let (local, rel) = self.ends(unit, relation)?;
        Ok(rel.ends[1 - local].app.clone())
    }

    /// `relation-list -r <relation>`.
    pub fn remote_units(&self, unit: &str, relation: &RelationId) -> Result<Vec<String>, Refusal> {
        let (local, rel) = self.ends(unit, relation)?;
        let remote = &rel.ends[1 - local].app;
        Ok(self
            .apps
            .get(remote)
            .map(|app| app.units.clone())
            .unwrap_or_default())
    }

    /// `relation-get -r <relation> [--app] - <member>`: `member` is a unit, or with `app` an
    /// application (or one of its units, which Juju turns into the application).
    pub fn relation_get(
        &self,
        unit: &str,
        relation: &RelationId,
        member: &str,
        app: bool,
    ) -> Result<Bag, Refusal> {
        let (local, rel) = self.ends(unit, relation)?;
        let (local_end, remote_end) = (&rel.ends[local], &rel.ends[1 - local]);
        if app {
            let member_app = if member.contains('/') {
                app_of(member)
            } else {
                member
            };
            if member_app == local_end.app {
                if !self.is_leader(unit)? {
                    return Err(permission_denied());
                }
                return Ok(local_end.app_data.clone());
            }
            if member_app == remote_end.app {
                return Ok(remote_end.app_data.clone());
            }
        } else {
            let end = [local_end, remote_end]
                .into_iter()
                .find(|end| end.app == app_of(member));
            if let Some(end) = end {
                let is_member = self
                    .apps
                    .get(&end.app)
                    .is_some_and(|app| app.units.iter().any(|u| u == member));
                // A unit reads its own databag and those of the other side, not those of its
                // peers (this is not a peer relation).
                if is_member && (member == unit || end.app != local_end.app) {
                    return Ok(end.unit_data.get(member).cloned().unwrap_or_default());
                }
            }
        }
        Err(Refusal::new(format!(
            "cannot read settings for unit \"{member}\" in relation \"{relation}\": settings not found"
        )))
    }

    /// `relation-set -r <relation> [--app] --file -`: `None` and `""` delete.
    pub fn relation_set(
        &mut self,
        unit: &str,
        relation: &RelationId,
        app: bool,
        update: &BagUpdate,
    ) -> Result<(), Refusal> {
        let (local, _) = self.ends(unit, relation)?;
        if app && !self.is_leader(unit)? {
            return Err(Refusal::new("cannot write relation settings"));
        }
        let Some(rel) = self.relations.get_mut(&relation.number()) else {
            return Err(not_found_relation(relation));
        };
        // In relation-broken the relation no longer exists for the unit: Juju refuses writes
        // ("permission denied", canonical/operator#793; juju/juju docs/reference/hook.md: "Once
        // relation-broken fires, however, the relation no longer exists").
        if rel.broken {
            return Err(permission_denied());
        }
        let end = &mut rel.ends[local];
        let bag = if app {
            &mut end.app_data
        } else {
            end.unit_data.entry(unit.to_owned()).or_default()
        };
        backend::apply(bag, update);
        Ok(())
    }

    fn uri_of(&self, id: &str) -> String {
        format!("secret://{}/{id}", self.model_uuid)
    }

    fn new_secret_id(&mut self) -> String {
        // An xid-shaped ID: 12 bytes in lowercase base32hex, 20 characters. Four bytes come
        // from the model UUID so two models do not mint the same IDs.
        let seed = self.model_uuid.bytes().fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        self.next_secret += 1;
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&seed.to_be_bytes());
        bytes[4..].copy_from_slice(&self.next_secret.to_be_bytes());
        base32hex(&bytes)
    }

    /// Whether `unit` owns the secret (through its application, or itself).
    fn owns(&self, unit: &str, secret: &Secret) -> bool {
        match &secret.owner_unit {
            Some(owner) => owner == unit,
            None => secret.owner_app == app_of(unit),
        }
    }

    /// Whether `unit` sees a secret's metadata (`secret-ids`, `secret-info-get`): its own
    /// secrets, and its application's only while it leads ("Unit leaders can also get metadata
    /// for secrets owned by the app", juju/juju apiserver/facades/agent/secretsmanager,
    /// `GetSecretMetadata`). Reading the content is another matter (`secret_get`).
    fn sees_metadata(&self, unit: &str, secret: &Secret) -> bool {
        match &secret.owner_unit {
            Some(owner) => owner == unit,
            None => secret.owner_app == app_of(unit) && self.is_leader(unit).unwrap_or(false),
        }
    }

    /// Owner checks for managing a secret: the owner, and its leader for app-owned ones.
    fn manage(&self, unit: &str, id: &str, shown: &str) -> Result<(), Refusal> {
        let secret = self
            .secrets
            .get(id)
            .ok_or_else(|| Refusal::new(format!("secret {shown:?} not found")))?;
        if !self.owns(unit, secret) {
            return Err(permission_denied());
        }
        if secret.owner_unit.is_none() && !self.is_leader(unit)? {
            return Err(not_leader());
        }
        Ok(())
    }

    fn label_taken(&self, unit: &str, label: &str, except: Option<&str>) -> bool {
        self.secrets.iter().any(|(id, secret)| {
            Some(id.as_str()) != except
                && self.owns(unit, secret)
                && secret.label.as_deref() == Some(label)
        })
    }

    /// `secret-add [--label L] --owner O k#file=…`; returns the new URI.
    pub fn secret_add(
        &mut self,
        unit: &str,
        content: &SecretContent,
        label: Option<&str>,
        owner: SecretOwner,
    ) -> Result<String, Refusal> {
        let leader = self.is_leader(unit)?;
        if owner == SecretOwner::Application && !leader {
            return Err(not_leader());
        }
        check_content(content)?;
        if let Some(label) = label
            && self.label_taken(unit, label, None)
        {
            return Err(Refusal::new(format!(
                "secret with label {label:?} already exists"
            )));
        }
        let id = self.new_secret_id();
        self.secrets.insert(
            id.clone(),
            Secret {
                owner_app: app_of(unit).to_owned(),
                owner_unit: (owner == SecretOwner::Unit).then(|| unit.to_owned()),
                label: label.map(str::to_owned),
                revisions: BTreeMap::from([(1, content.clone())]),
                latest: 1,
                grants: Vec::new(),
            },
        );
        Ok(self.uri_of(&id))
    }

    /// Finds the secret `secret-get`/`secret-info-get` name: by URI, else by owner label,
    /// else by this unit's consumer label.
    fn find(&self, unit: &str, uri: Option<&str>, label: Option<&str>) -> Result<String, Refusal> {
        if let Some(uri) = uri {
            let id = secret_id(uri);
            return if self.secrets.contains_key(id) {
                Ok(id.to_owned())
            } else {
                Err(Refusal::new(format!("secret {uri:?} not found")))
            };
        }
        let label = label.unwrap_or_default();
        let owned = self
            .secrets
            .iter()
            .find(|(_, secret)| self.owns(unit, secret) && secret.label.as_deref() == Some(label));
        if let Some((id, _)) = owned {
            return Ok(id.clone());
        }
        let consumed = self.consumers.get(unit).and_then(|secrets| {
            secrets
                .iter()
                .find(|(id, consumer)| {
                    consumer.label.as_deref() == Some(label) && self.secrets.contains_key(*id)
                })
                .map(|(id, _)| id.clone())
        });
        consumed.ok_or_else(|| Refusal::new(format!("secret with label {label:?} not found")))
    }

    fn granted(&self, unit: &str, secret: &Secret) -> bool {
        secret.grants.iter().any(|grant| {
            grant.app == app_of(unit)
                && grant.unit.as_deref().is_none_or(|u| u == unit)
                && self.relations.contains_key(&grant.relation)
        })
    }

    /// `secret-get [URI] [--label L] [--peek | --refresh]`.
    pub fn secret_get(
        &mut self,
        unit: &str,
        uri: Option<&str>,
        label: Option<&str>,
        fetch: Fetch,
    ) -> Result<SecretContent, Refusal> {
        self.app(unit)?;
        if uri.is_none() && label.is_none() {
            return Err(Refusal::usage("require either a secret URI or label"));
        }
        let id = self.find(unit, uri, label)?;
        let secret = &self.secrets[&id];
        // The owner view (the latest revision; a label sets the owner label) is the owning
        // unit's, and the leader's for an app-owned secret. The other units of that app read
        // it as consumers, without a grant, their label a consumer label (juju/juju
        // apiserver/facades/agent/secretsmanager: "We allow units to access the application
        // owned secrets using the application owner label").
        if self.sees_metadata(unit, secret) {
            // Owners always read the latest revision; a URI with a label sets the owner label.
            if let (Some(_), Some(label)) = (uri, label) {
                if self.label_taken(unit, label, Some(&id)) {
                    return Err(Refusal::new(format!(
                        "secret with label {label:?} already exists"
                    )));
                }
                if let Some(secret) = self.secrets.get_mut(&id) {
                    secret.label = Some(label.to_owned());
                }
            }
            let secret = &self.secrets[&id];
            return Ok(secret.revisions[&secret.latest].clone());
        }
        if !self.owns(unit, secret) && !self.granted(unit, secret) {
            return Err(permission_denied());
        }
        let latest = secret.latest;
        let consumers = self.consumers.entry(unit.to_owned()).or_default();
        if let (Some(_), Some(label)) = (uri, label) {
            let taken = consumers
                .iter()
                .any(|(other, c)| *other != id && c.label.as_deref() == Some(label));
            if taken {
                return Err(Refusal::new(format!(
                    "secret with label {label:?} already exists"
                )));
            }
        }
        let consumer = consumers.entry(id.clone()).or_insert(Consumer {
            label: None,
            revision: latest,
        });
        if let (Some(_), Some(label)) = (uri, label) {
            consumer.label = Some(label.to_owned());
        }
        let revision = match fetch {
            Fetch::Tracked => consumer.revision,
            Fetch::Peek => latest,
            Fetch::Refresh => {
                consumer.revision = latest;
                latest
            }
        };
        let secret = &self.secrets[&id];
        let content = secret
            .revisions
            .get(&revision)
            .or_else(|| secret.revisions.get(&secret.latest));
        content
            .cloned()
            .ok_or_else(|| Refusal::new(format!("secret {:?} not found", self.uri_of(&id))))
    }

    /// `secret-info-get (URI | --label L)`: owners only; others get "not found".
    pub fn secret_info(
        &self,
        unit: &str,
        uri: Option<&str>,
        label: Option<&str>,
    ) -> Result<Info, Refusal> {
        self.app(unit)?;
        let shown = uri.or(label).unwrap_or_default().to_owned();
        let owned = |id: &str| {
            self.secrets
                .get(id)
                .filter(|s| self.sees_metadata(unit, s))
                .is_some()
        };
        let id = match (uri, label) {
            (Some(_), Some(_)) => {
                return Err(Refusal::usage(
                    "specify either a secret URI or label but not both",
                ));
            }
            (None, None) => return Err(Refusal::usage("require either a secret URI or label")),
            (Some(uri), None) => Some(secret_id(uri).to_owned()).filter(|id| owned(id)),
            (None, Some(label)) => self
                .secrets
                .iter()
                .find(|(_, s)| self.sees_metadata(unit, s) && s.label.as_deref() == Some(label))
                .map(|(id, _)| id.clone()),
        };
        let id = id.ok_or_else(|| Refusal::new(format!("secret {shown:?} not found")))?;
        let secret = &self.secrets[&id];
        Ok(Info {
            uri: self.uri_of(&id),
            id: id.clone(),
            label: secret.label.clone(),
            revision: secret.latest,
            owner: if secret.owner_unit.is_some() {
                SecretOwner::Unit
            } else {
                SecretOwner::Application
            },
        })
    }

    /// `secret-set URI [--label L] k#file=…`: a new revision when the content differs.
    pub fn secret_set(
        &mut self,
        unit: &str,
        uri: &str,
        content: Option<&SecretContent>,
        label: Option<&str>,
    ) -> Result<(), Refusal> {
        let id = secret_id(uri).to_owned();
        self.manage(unit, &id, uri)?;
        if let Some(content) = content {
            check_content(content)?;
        }
        if let Some(label) = label
            && self.label_taken(unit, label, Some(&id))
        {
            return Err(Refusal::new(format!(
                "secret with label {label:?} already exists"
            )));
        }
        let Some(secret) = self.secrets.get_mut(&id) else {
            return Err(Refusal::new(format!("secret {uri:?} not found")));
        };
        if let Some(content) = content
            && secret.revisions.get(&secret.latest) != Some(content)
        {
            secret.latest += 1;
            secret.revisions.insert(secret.latest, content.clone());
        }
        if let Some(label) = label {
            secret.label = Some(label.to_owned());
        }
        Ok(())
    }

    /// `secret-grant --relation N [--unit U] URI`.
    pub fn secret_grant(
        &mut self,
        unit: &str,
        uri: &str,
        relation: u32,
        to_unit: Option<&str>,
    ) -> Result<(), Refusal> {
        let id = secret_id(uri).to_owned();
        // Juju looks the secret up among the unit's own ones: others are "not found".
        let owned = self.secrets.get(&id).is_some_and(|s| self.owns(unit, s));
        if !owned {
            return Err(Refusal::new(format!("secret {id:?} not found")));
        }
        self.manage(unit, &id, uri)?;
        let rel = self.relation_by_number(unit, relation)?;
        let remote = self.remote_app(unit, &rel)?;
        let grant = Grant {
            relation,
            app: remote,
            unit: to_unit.map(str::to_owned),
        };
        if let Some(secret) = self.secrets.get_mut(&id)
            && !secret.grants.contains(&grant)
        {
            secret.grants.push(grant);
        }
        Ok(())
    }

    /// `secret-revoke [--relation N] [--app A] [--unit U] URI`: drops the matching grants.
    pub fn secret_revoke(
        &mut self,
        unit: &str,
        uri: &str,
        relation: Option<u32>,
        app: Option<&str>,
        to_unit: Option<&str>,
    ) -> Result<(), Refusal> {
        let id = secret_id(uri).to_owned();
        self.manage(unit, &id, uri)?;
        if let Some(relation) = relation {
            self.relation_by_number(unit, relation)?;
        }
        if let Some(secret) = self.secrets.get_mut(&id) {
            secret.grants.retain(|grant| {
                let matches = relation.is_none_or(|r| grant.relation == r)
                    && app.is_none_or(|a| grant.app == a)
                    && to_unit.is_none_or(|u| grant.unit.as_deref() == Some(u));
                !matches
            });
        }
        Ok(())
    }

    /// `secret-remove URI [--revision N]`: all revisions, or one (the last one removes the
    /// secret).
    pub fn secret_remove(
        &mut self,
        unit: &str,
        uri: &str,
        revision: Option<u32>,
    ) -> Result<(), Refusal> {
        let id = secret_id(uri).to_owned();
        self.manage(unit, &id, uri)?;
        let remove_all = match (revision, self.secrets.get_mut(&id)) {
            (Some(revision), Some(secret)) => {
                if secret.revisions.remove(&revision).is_none() {
                    return Err(Refusal::new(format!(
                        "secret revision {revision} for {uri:?} not found"
                    )));
                }
                match secret.revisions.keys().next_back() {
                    Some(last) => {
                        secret.latest = *last;
                        false
                    }
                    None => true,
                }
            }
            _ => true,
        };
        if remove_all {
            self.secrets.remove(&id);
            for consumed in self.consumers.values_mut() {
                consumed.remove(&id);
            }
        }
        Ok(())
    }

    /// The revisions of a secret that Juju would hand to its owner's secret-remove hook: not
    /// the latest, and tracked by no consumer (juju/juju fires secret-remove once the last
    /// consumer of a revision moved on; ops' `SecretRemoveEvent`).
    pub fn obsolete_revisions(&self, uri: &str) -> Vec<u32> {
        let id = secret_id(uri);
        let Some(secret) = self.secrets.get(id) else {
            return Vec::new();
        };
        let tracked: Vec<u32> = self
            .consumers
            .values()
            .filter_map(|secrets| secrets.get(id).map(|c| c.revision))
            .collect();
        secret
            .revisions
            .keys()
            .copied()
            .filter(|revision| *revision != secret.latest && !tracked.contains(revision))
            .collect()
    }

    /// `state-get <key>`: `unit`'s charm state value.
    pub fn state_get(&self, unit: &str, key: &str) -> Result<Option<String>, Refusal> {
        self.app(unit)?;
        Ok(self
            .unit_state
            .get(unit)
            .and_then(|values| values.get(key))
            .cloned())
    }

    /// `state-get` without a key: all of `unit`'s charm state.
    pub fn state_get_all(&self, unit: &str) -> Result<BTreeMap<String, String>, Refusal> {
        self.app(unit)?;
        Ok(self.unit_state.get(unit).cloned().unwrap_or_default())
    }

    /// `state-set key=value` (`Some`) or `state-delete key` (`None`).
    pub fn state_set(&mut self, unit: &str, key: &str, value: Option<&str>) -> Result<(), Refusal> {
        self.app(unit)?;
        if key.is_empty() {
            return Err(Refusal::usage("empty key"));
        }
        // Juju's fixed per-entry quota, checked as `state-set` runs (juju
        // `worker/uniter/runner/context/context.go`, `SetCharmStateValue`, with
        // `core/quota` `CheckTupleSize`: 256-byte keys, 64 KiB values).
        if key.len() > MAX_STATE_KEY {
            return Err(Refusal::new(format!(
                "max allowed key length ({MAX_STATE_KEY}) exceeded: quota limit exceeded"
            )));
        }
        if value.is_some_and(|value| value.len() > MAX_STATE_VALUE) {
            return Err(Refusal::new(format!(
                "max allowed value length ({MAX_STATE_VALUE}) exceeded: quota limit exceeded"
            )));
        }
        match value {
            Some(value) => {
                self.unit_state
                    .entry(unit.to_owned())
                    .or_default()
                    .insert(key.to_owned(), value.to_owned());
            }
            None => {
                if let Some(values) = self.unit_state.get_mut(unit) {
                    values.remove(key);
                }
            }
        }
        Ok(())
    }

    /// `secret-ids`: the URIs of the secrets `unit` owns (its application's only while it
    /// leads).
    pub fn secret_ids(&self, unit: &str) -> Result<Vec<String>, Refusal> {
        self.app(unit)?;
        Ok(self
            .secrets
            .iter()
            .filter(|(_, secret)| self.sees_metadata(unit, secret))
            .map(|(id, _)| self.uri_of(id))
            .collect())
    }
}

fn check_content(content: &SecretContent) -> Result<(), Refusal> {
    if content.is_empty() {
        return Err(Refusal::usage("missing secret value or filename"));
    }
    for key in content.keys() {
        if !backend::valid_secret_key(key) {
            return Err(Refusal::usage(format!("key {key:?} not valid")));
        }
    }
    Ok(())
}

/// The application of a unit name (`valkey/0` → `valkey`).
pub fn app_of(unit: &str) -> &str {
    unit.split_once('/').map_or(unit, |(app, _)| app)
}

fn base32hex(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(pairs: &[(&str, &str)]) -> SecretContent {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn model() -> (State, RelationId, RelationId) {
        let mut state = State::new("f8c5b0a2-0c47-4bd5-8b0e-9a3c2f1e7d64");
        state.add_app("requirer", 2);
        state.add_app("valkey", 2);
        let number = state.relate("requirer", "cache", "valkey", "valkey-client");
        (
            state,
            RelationId::new("cache", number),
            RelationId::new("valkey-client", number),
        )
    }

    #[test]
    fn secret_ids_look_like_xids() {
        let (mut state, _, _) = model();
        let uri = state
            .secret_add(
                "valkey/0",
                &content(&[("password", "pw")]),
                None,
                SecretOwner::Application,
            )
            .expect("leader adds");
        let id = secret_id(&uri);
        assert_eq!(id.len(), 20, "{uri}");
        assert!(
            uri.starts_with("secret://f8c5b0a2-0c47-4bd5-8b0e-9a3c2f1e7d64/"),
            "{uri}"
        );
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
        );
        assert_eq!(secret_id(&format!("secret:{id}")), id);
        assert_eq!(secret_id(id), id);
    }

    #[test]
    fn consumers_track_revisions_and_labels() {
        let (mut state, req, prov) = model();
        let uri = state
            .secret_add(
                "valkey/0",
                &content(&[("password", "one")]),
                Some("own"),
                SecretOwner::Application,
            )
            .expect("add");
        assert_eq!(
            state.secret_get("requirer/0", Some(&uri), None, Fetch::Tracked),
            Err(permission_denied())
        );
        state
            .secret_grant("valkey/0", &uri, prov.number(), None)
            .expect("grant");
        let got = state
            .secret_get("requirer/0", Some(&uri), Some("mine"), Fetch::Tracked)
            .expect("granted");
        assert_eq!(got, content(&[("password", "one")]));
        state
            .secret_set(
                "valkey/0",
                &uri,
                Some(&content(&[("password", "two")])),
                None,
            )
            .expect("set");
        let by_label = |state: &mut State, fetch| {
            state
                .secret_get("requirer/0", None, Some("mine"), fetch)
                .expect("label")["password"]
                .clone()
        };
        assert_eq!(by_label(&mut state, Fetch::Tracked), "one");
        assert_eq!(by_label(&mut state, Fetch::Peek), "two");
        assert_eq!(by_label(&mut state, Fetch::Tracked), "one");
        assert_eq!(by_label(&mut state, Fetch::Refresh), "two");
        assert_eq!(by_label(&mut state, Fetch::Tracked), "two");
        assert_eq!(
            state.consumer("requirer/0", &uri),
            Some((2, Some("mine".to_owned())))
        );
        // The owner reads the latest revision by its own label.
        let owner = state
            .secret_get("valkey/1", None, Some("own"), Fetch::Tracked)
            .expect("owner");
        assert_eq!(owner["password"], "two");
        state
            .secret_revoke("valkey/0", &uri, Some(prov.number()), None, None)
            .expect("revoke");
        assert_eq!(
            state.secret_get("requirer/0", Some(&uri), None, Fetch::Tracked),
            Err(permission_denied())
        );
        assert!(state.remote_app("requirer/0", &req).is_ok());
    }

    #[test]
    fn leaders_manage_and_write_app_data() {
        let (mut state, req, _) = model();
        let update = BagUpdate::from([("k".to_owned(), Some("v".to_owned()))]);
        assert_eq!(
            state.relation_set("requirer/1", &req, true, &update),
            Err(Refusal::new("cannot write relation settings"))
        );
        assert_eq!(
            state.relation_get("requirer/1", &req, "requirer", true),
            Err(permission_denied())
        );
        state
            .relation_set("requirer/0", &req, true, &update)
            .expect("leader writes");
        assert_eq!(
            state.app_bag(req.number(), "requirer").map(|b| b.len()),
            Some(1)
        );
        assert_eq!(
            state.secret_add(
                "valkey/1",
                &content(&[("password", "x")]),
                None,
                SecretOwner::Application
            ),
            Err(not_leader())
        );
        let wrong = RelationId::new("other", req.number());
        assert_eq!(
            state
                .relation_get("requirer/0", &wrong, "valkey", true)
                .map_err(|r| r.status),
            Err(2)
        );
    }

    #[test]
    fn faults_fail_the_next_calls_only() {
        let (mut state, _, _) = model();
        state.fail_next("secret-add", 2);
        assert!(state.take_fault("secret-add").is_err());
        assert!(state.take_fault("relation-set").is_ok());
        assert!(state.take_fault("secret-add").is_err());
        assert!(state.take_fault("secret-add").is_ok());
    }
}
