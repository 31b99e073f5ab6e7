//! Juju's own output as CLI input: `juju show-unit UNIT` (relation data) and
//! `juju show-secret ID --reveal` (secret content), in YAML or JSON, as Juju 3.x prints them.
//!
//! The shapes come from Juju's source:
//! - `cmd/juju/application/showunit.go` (`UnitInfo`, `RelationData`, `UnitRelationData`): a map
//!   of unit name to `{..., charm, leader, relation-info: [{relation-id, endpoint,
//!   cross-model, related-endpoint, application-data, local-unit: {in-scope, data},
//!   related-units: {UNIT: {in-scope, data}}}]}`. `--endpoint E` keeps only E's relations;
//!   `--app` keeps only `application-data` (YAML then omits `local-unit`, JSON prints it
//!   zeroed with `data: null`). Releases before `relation-id` existed print none.
//! - `apiserver/facades/client/application/application.go` (`relationData`): Juju 3.x fills
//!   `application-data` from `rel.ApplicationSettings(related.ApplicationName)`, the *related*
//!   application's databag; earlier releases (those without `relation-id`) from
//!   `rel.ApplicationSettings(app.Name())`, the unit's own.
//! - `cmd/juju/secrets/list.go` (`secretDisplayDetails`, `gatherSecretInfo`), printed by
//!   `cmd/juju/secrets/show.go`: a map of secret ID to `{revision, checksum, owner, label,
//!   created, updated, content: {KEY: VALUE, ...}, access: [...]}`; `content` only with
//!   `--reveal`, its values decoded.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Secret URI → content (key → value).
pub(super) type SecretContents = BTreeMap<String, BTreeMap<String, String>>;

/// One relation of a `show-unit` output.
#[derive(Debug)]
pub(super) struct Relation {
    /// `relation-id` (absent before Juju printed it).
    pub id: Option<u64>,
    /// The unit's own endpoint.
    pub endpoint: String,
    /// The other application's endpoint.
    pub related_endpoint: String,
    /// `application-data`: the related application's databag on Juju 3.x, the unit's own
    /// application's before.
    pub app: Map<String, Value>,
    /// `local-unit.data`: the unit's own unit databag (absent with `--app`).
    pub local_unit: Option<Map<String, Value>>,
    /// `related-units`: each related unit's unit databag, in Juju's (natural) order.
    pub related_units: Vec<(String, Map<String, Value>)>,
}

impl Relation {
    /// `relation 7 (endpoint `database` ↔ `valkey-client`)`, for messages.
    pub fn describe(&self) -> String {
        let id = self
            .id
            .map_or_else(|| "relation".to_owned(), |id| format!("relation {id}"));
        format!(
            "{id} (endpoint `{}` ↔ related endpoint `{}`)",
            self.endpoint, self.related_endpoint
        )
    }
}

/// A `show-unit` output for one unit.
#[derive(Debug)]
pub(super) struct ShowUnit {
    /// The unit's name (`app/0`).
    pub unit: String,
    /// The charm's name, from `charm` (`ch:amd64/jammy/valkey-k8s-12` → `valkey-k8s`).
    pub charm: Option<String>,
    /// `relation-info`, in Juju's order.
    pub relations: Vec<Relation>,
}

/// A `show-unit` output if `value` has its shape (unit names mapping to objects with
/// `charm`, `leader` or `relation-info`); `Err` when it has the shape but cannot be used.
pub(super) fn show_unit(value: &Value) -> Option<Result<ShowUnit, String>> {
    let Value::Object(units) = value else {
        return None;
    };
    let is_unit = |(name, info): (&String, &Value)| {
        is_unit_name(name)
            && info.as_object().is_some_and(|info| {
                ["charm", "leader", "relation-info"]
                    .iter()
                    .any(|key| info.contains_key(*key))
            })
    };
    if units.is_empty() || !units.iter().all(is_unit) {
        return None;
    }
    if units.len() > 1 {
        let names: Vec<&str> = units.keys().map(String::as_str).collect();
        return Some(Err(format!(
            "a `juju show-unit` output of {} units ({}): run `juju show-unit` for one unit",
            units.len(),
            names.join(", ")
        )));
    }
    let (unit, info) = units.iter().next()?;
    Some(parse_unit(unit, info))
}

fn parse_unit(unit: &str, info: &Value) -> Result<ShowUnit, String> {
    let charm = info.get("charm").and_then(Value::as_str).map(charm_name);
    let relations = match info.get("relation-info") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                parse_relation(item).map_err(|e| format!("{unit}: relation-info[{index}]: {e}"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(format!("{unit}: relation-info: expected a list")),
    };
    Ok(ShowUnit {
        unit: unit.to_owned(),
        charm,
        relations,
    })
}

fn parse_relation(item: &Value) -> Result<Relation, String> {
    let text = |key: &str| match item.get(key) {
        Some(Value::String(value)) => Ok(value.clone()),
        _ => Err(format!("`{key}`: expected a string")),
    };
    let id = match item.get("relation-id") {
        None => None,
        Some(id) => Some(id.as_u64().ok_or("`relation-id`: expected a number")?),
    };
    let app =
        databag(item.get("application-data")).map_err(|e| format!("application-data: {e}"))?;
    let local_unit = match item.get("local-unit") {
        None | Some(Value::Null) => None,
        Some(unit) => match unit.get("data") {
            None | Some(Value::Null) => None,
            data => Some(databag(data).map_err(|e| format!("local-unit.data: {e}"))?),
        },
    };
    let mut related_units = Vec::new();
    match item.get("related-units") {
        None | Some(Value::Null) => {}
        Some(Value::Object(units)) => {
            for (name, unit) in units {
                let data = databag(unit.get("data"))
                    .map_err(|e| format!("related-units.{name}.data: {e}"))?;
                related_units.push((name.clone(), data));
            }
        }
        Some(_) => return Err("`related-units`: expected a map".to_owned()),
    }
    Ok(Relation {
        id,
        endpoint: text("endpoint")?,
        related_endpoint: text("related-endpoint")?,
        app,
        local_unit,
        related_units,
    })
}

/// A databag: a map (Juju prints `{}` for an empty one, `null` when zeroed).
fn databag(value: Option<&Value>) -> Result<Map<String, Value>, String> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err("expected a map of databag keys to values".to_owned()),
    }
}

/// `app/0`, `my-app/12`: Juju's unit names (`names.IsValidUnit`, loosely).
fn is_unit_name(name: &str) -> bool {
    name.split_once('/').is_some_and(|(app, number)| {
        !app.is_empty()
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
            && app
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// `ch:amd64/jammy/valkey-k8s-12` or `local:valkey-0` → `valkey-k8s`, `valkey`.
fn charm_name(url: &str) -> String {
    let name = url.rsplit(['/', ':']).next().unwrap_or(url);
    match name.rsplit_once('-') {
        Some((base, revision)) if revision.bytes().all(|b| b.is_ascii_digit()) => base.to_owned(),
        _ => name.to_owned(),
    }
}

/// The relation `--relation ID|ENDPOINT` names, or the only one.
pub(super) fn select<'a>(unit: &'a ShowUnit, wanted: Option<&str>) -> Result<&'a Relation, String> {
    let candidates = || {
        unit.relations
            .iter()
            .map(|r| format!("  {}", r.describe()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if unit.relations.is_empty() {
        return Err(format!("{}: the output shows no relation", unit.unit));
    }
    let matching: Vec<&Relation> = match wanted {
        None => unit.relations.iter().collect(),
        Some(wanted) => match wanted.parse::<u64>() {
            Ok(id) => unit.relations.iter().filter(|r| r.id == Some(id)).collect(),
            Err(_) => unit
                .relations
                .iter()
                .filter(|r| r.endpoint == wanted)
                .collect(),
        },
    };
    match (matching.as_slice(), wanted) {
        ([one], _) => Ok(one),
        ([], Some(wanted)) => Err(format!(
            "{}: no relation matches --relation {wanted}; the output shows:\n{}",
            unit.unit,
            candidates()
        )),
        (_, Some(wanted)) => Err(format!(
            "{}: several relations match --relation {wanted}; pick one by id:\n{}",
            unit.unit,
            candidates()
        )),
        _ => Err(format!(
            "{}: the output shows {} relations; pick one with --relation ID|ENDPOINT:\n{}",
            unit.unit,
            unit.relations.len(),
            candidates()
        )),
    }
}

/// Secret contents from a `juju show-secret --reveal` output (`Ok(None)` when `value` is not
/// one): secret ID → content. Each entry must carry `content` (Juju prints it only with
/// `--reveal`).
pub(super) fn show_secret(value: &Map<String, Value>) -> Option<Result<SecretContents, String>> {
    // Today's map has string values only; a show-secret entry has `revision` (a number) and,
    // revealed, `content` (a map).
    let is_details = |details: &Value| {
        details.as_object().is_some_and(|d| {
            d.get("revision").is_some_and(Value::is_number)
                || d.get("content").is_some_and(Value::is_object)
        })
    };
    if value.is_empty() || !value.values().all(is_details) {
        return None;
    }
    let mut out = BTreeMap::new();
    for (id, details) in value {
        let Some(content) = details.get("content").and_then(Value::as_object) else {
            return Some(Err(format!(
                "secret {id}: no `content`; run `juju show-secret {id} --reveal`"
            )));
        };
        let mut map = BTreeMap::new();
        for (key, value) in content {
            // The value itself is never printed.
            let Value::String(value) = value else {
                return Some(Err(format!(
                    "secret {id}, content key `{key}`: expected a string value"
                )));
            };
            map.insert(key.clone(), value.clone());
        }
        let uri = if id.starts_with("secret:") {
            id.clone()
        } else {
            format!("secret:{id}")
        };
        out.insert(uri, map);
    }
    Some(Ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charm_names_lose_their_prefix_and_revision() {
        assert_eq!(charm_name("ch:amd64/jammy/valkey-k8s-12"), "valkey-k8s");
        assert_eq!(charm_name("local:valkey-0"), "valkey");
        assert_eq!(charm_name("ch:app"), "app");
    }

    #[test]
    fn unit_names() {
        assert!(is_unit_name("valkey/0"));
        assert!(is_unit_name("my-app-2/13"));
        assert!(!is_unit_name("app"));
        assert!(!is_unit_name("secret:abc"));
        assert!(!is_unit_name("app/x"));
    }
}
