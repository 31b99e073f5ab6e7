//! What a requirer reports when the provider's answer changes, following the reference
//! library's rules (PROTOCOL.md §14) plus one event of ours; and the provider's statuses (§8).

use crate::juju::RelationId;
use crate::{Bag, Databag, Object, Unknown, Value};

/// A relation status raised by the provider (PROTOCOL.md §8): `code / 1000` is its class
/// (1 informational, 4 transitory, 5 fatal).
#[derive(Clone, Debug, PartialEq, Databag)]
#[databag(crate = "crate")]
pub struct Status {
    /// The status code.
    pub code: i64,
    /// What happened.
    pub message: String,
    /// What resolves it.
    pub resolution: String,
    /// Keys no field declares, kept so that they survive a round trip.
    #[databag(flatten)]
    pub extra: Unknown,
}

/// A change in the provider's answers, reported by [`Requirer::read`](super::Requirer::read).
///
/// Per response at most one of the first four fires, first match wins, as in the reference
/// library (`resource_created`, `endpoints_changed`, `read_only_endpoints_changed`,
/// `authentication_updated`). [`Event::FieldsChanged`] is ours: the reference says nothing
/// when only another plaintext field of the response changes (Valkey: the Sentinel
/// endpoints, the mode, the server version); it is reported
/// alongside the others, except with `ResourceCreated` (a first answer is all new).
/// `request_id` is `None` for a v0 provider, whose flat answer has no request id.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The user secret appeared: credentials are ready (`resource_created`).
    ResourceCreated {
        /// The relation.
        relation: RelationId,
        /// The request answered.
        request_id: Option<String>,
    },
    /// `endpoints` appeared or changed (`endpoints_changed`).
    EndpointsChanged {
        /// The relation.
        relation: RelationId,
        /// The request answered.
        request_id: Option<String>,
    },
    /// `read-only-endpoints` appeared or changed (`read_only_endpoints_changed`).
    ReadOnlyEndpointsChanged {
        /// The relation.
        relation: RelationId,
        /// The request answered.
        request_id: Option<String>,
    },
    /// The TLS secret appeared, was replaced or went away, or a consumed secret got a new
    /// revision (`authentication_updated`).
    AuthenticationUpdated {
        /// The relation.
        relation: RelationId,
        /// The request answered.
        request_id: Option<String>,
    },
    /// Ours: plaintext response fields that no event of the reference watches changed
    /// (their wire names, in declaration order).
    FieldsChanged {
        /// The relation.
        relation: RelationId,
        /// The request answered.
        request_id: Option<String>,
        /// What changed.
        keys: Vec<String>,
    },
    /// The provider raised a relation status (`status_raised`).
    StatusRaised {
        /// The relation.
        relation: RelationId,
        /// The status.
        status: Status,
    },
    /// A status the provider had raised is gone (`status_resolved`).
    StatusResolved {
        /// The relation.
        relation: RelationId,
        /// The status as it was raised.
        status: Status,
    },
}

impl Event {
    /// The reference library's name of the event (`resource_created`), or ours.
    pub fn name(&self) -> &'static str {
        match self {
            Event::ResourceCreated { .. } => "resource_created",
            Event::EndpointsChanged { .. } => "endpoints_changed",
            Event::ReadOnlyEndpointsChanged { .. } => "read_only_endpoints_changed",
            Event::AuthenticationUpdated { .. } => "authentication_updated",
            Event::FieldsChanged { .. } => "fields_changed",
            Event::StatusRaised { .. } => "status_raised",
            Event::StatusResolved { .. } => "status_resolved",
        }
    }

    /// The relation the event is about.
    pub fn relation(&self) -> &RelationId {
        match self {
            Event::ResourceCreated { relation, .. }
            | Event::EndpointsChanged { relation, .. }
            | Event::ReadOnlyEndpointsChanged { relation, .. }
            | Event::AuthenticationUpdated { relation, .. }
            | Event::FieldsChanged { relation, .. }
            | Event::StatusRaised { relation, .. }
            | Event::StatusResolved { relation, .. } => relation,
        }
    }

    /// The request the event is about (none for statuses and v0 answers).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Event::ResourceCreated { request_id, .. }
            | Event::EndpointsChanged { request_id, .. }
            | Event::ReadOnlyEndpointsChanged { request_id, .. }
            | Event::AuthenticationUpdated { request_id, .. }
            | Event::FieldsChanged { request_id, .. } => request_id.as_deref(),
            Event::StatusRaised { .. } | Event::StatusResolved { .. } => None,
        }
    }
}

/// The events of one response, from its plaintext dump (`old`: the one remembered, `None`
/// the first time) to the one just read. Both are objects with wire names and no nulls.
/// `watched`: the keys [`Event::FieldsChanged`] reports ([`watched_keys`]).
pub(crate) fn response_events(
    relation: &RelationId,
    request_id: Option<&str>,
    old: Option<&Object>,
    new: &Object,
    watched: &[String],
) -> Vec<Event> {
    let before = |key: &str| old.and_then(|old| old.get(key)).filter(|v| !v.is_null());
    let after = |key: &str| new.get(key).filter(|v| !v.is_null());
    let added = |key: &str| before(key).is_none() && after(key).is_some();
    let added_or_changed = |key: &str| after(key).is_some() && before(key) != after(key);
    let differs = |key: &str| before(key) != after(key);
    let relation = relation.clone();
    let request_id = request_id.map(str::to_owned);
    if added("secret-user") {
        return vec![Event::ResourceCreated {
            relation,
            request_id,
        }];
    }
    let mut events = Vec::new();
    if added_or_changed("endpoints") {
        events.push(Event::EndpointsChanged {
            relation: relation.clone(),
            request_id: request_id.clone(),
        });
    } else if added_or_changed("read-only-endpoints") {
        events.push(Event::ReadOnlyEndpointsChanged {
            relation: relation.clone(),
            request_id: request_id.clone(),
        });
    } else if differs("secret-tls") {
        events.push(Event::AuthenticationUpdated {
            relation: relation.clone(),
            request_id: request_id.clone(),
        });
    }
    let keys: Vec<String> = watched.iter().filter(|key| differs(key)).cloned().collect();
    if !keys.is_empty() {
        events.push(Event::FieldsChanged {
            relation,
            request_id,
            keys,
        });
    }
    events
}

/// The plaintext response fields [`Event::FieldsChanged`] watches: every declared field of
/// `shape` but the request's echo, secrets, secret URIs and the keys the reference's events
/// already watch.
pub(crate) fn watched_keys(shape: &crate::Shape) -> Vec<String> {
    const REFERENCE: [&str; 5] = [
        "resource",
        "request-id",
        "salt",
        "endpoints",
        "read-only-endpoints",
    ];
    shape
        .fields
        .iter()
        .filter(|field| field.secret.is_none() && field.secret_uri.is_none())
        .filter(|field| !REFERENCE.contains(&field.name.as_str()))
        .map(|field| field.name.clone())
        .collect()
}

/// `status_raised` / `status_resolved` by code, comparing the statuses remembered (`old`, the
/// reference's `{"<code>": status}` object) with the provider's current list.
pub(crate) fn status_events(relation: &RelationId, old: &Object, new: &[Status]) -> Vec<Event> {
    let mut events = Vec::new();
    for status in new {
        if !old.contains_key(&status.code.to_string()) {
            events.push(Event::StatusRaised {
                relation: relation.clone(),
                status: status.clone(),
            });
        }
    }
    for (code, value) in old {
        if new.iter().any(|status| status.code.to_string() == *code) {
            continue;
        }
        if let Some(status) = status_from_value(value) {
            events.push(Event::StatusResolved {
                relation: relation.clone(),
                status,
            });
        }
    }
    events
}

/// The statuses as the reference keeps them in its diff memory: `{"<code>": status}`.
pub(crate) fn status_memory(statuses: &[Status]) -> Object {
    statuses
        .iter()
        .filter_map(|status| {
            let object = status.split().ok()?.object;
            Some((status.code.to_string(), Value::Object(object)))
        })
        .collect()
}

/// A databag's `status` key, decoded through the generated `Status` type.
#[derive(Databag)]
#[databag(crate = "crate")]
struct StatusKey {
    /// The provider's statuses.
    status: Option<Vec<Status>>,
}

/// The statuses of a provider databag (`status`, a JSON list); none when absent.
pub(crate) fn statuses_of(bag: &Bag) -> Result<Vec<Status>, databag::Error> {
    let only = bag
        .get("status")
        .map(|value| Bag::from([("status".to_owned(), value.clone())]))
        .unwrap_or_default();
    Ok(StatusKey::from_bag(&only)?.status.unwrap_or_default())
}

/// The `status` value of a databag for `statuses` (a JSON list sorted by code, as the
/// reference writes it); `None` when there are none, so the key is deleted.
pub(crate) fn encode_statuses(statuses: &[Status]) -> Result<Option<String>, databag::Error> {
    if statuses.is_empty() {
        return Ok(None);
    }
    let mut sorted = statuses.to_vec();
    sorted.sort_by_key(|status| status.code);
    let bag = StatusKey {
        status: Some(sorted),
    }
    .to_bag()?;
    Ok(bag.get("status").cloned())
}

fn status_from_value(value: &Value) -> Option<Status> {
    let list = Value::Array(vec![value.clone()]).to_string();
    let bag = Bag::from([("status".to_owned(), list)]);
    statuses_of(&bag).ok()?.into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Object {
        match value {
            Value::Object(object) => object,
            _ => panic!("not an object"),
        }
    }

    fn watched() -> Vec<String> {
        ["version", "mode", "sentinel-endpoints"]
            .map(str::to_owned)
            .to_vec()
    }

    fn names(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(Event::name).collect()
    }

    #[test]
    fn first_match_wins_and_server_changes_ride_along() {
        let relation = RelationId::new("cache", 0);
        let first = object(json!({"endpoints": "h:1", "secret-user": "secret:a", "version": "9"}));
        assert_eq!(
            names(&response_events(
                &relation,
                Some("r"),
                None,
                &first,
                &watched()
            )),
            ["resource_created"]
        );
        let moved = object(
            json!({"endpoints": "h:2", "secret-user": "secret:a", "version": "9.1",
                                  "read-only-endpoints": "h:3"}),
        );
        let events = response_events(&relation, Some("r"), Some(&first), &moved, &watched());
        assert_eq!(names(&events), ["endpoints_changed", "fields_changed"]);
        assert_eq!(events[0].request_id(), Some("r"));
        let Event::FieldsChanged { keys, .. } = &events[1] else {
            panic!("{events:?}")
        };
        assert_eq!(keys, &["version"]);
        let ro = object(
            json!({"endpoints": "h:2", "secret-user": "secret:a", "version": "9.1",
                               "read-only-endpoints": "h:4", "secret-tls": "secret:t"}),
        );
        assert_eq!(
            names(&response_events(
                &relation,
                None,
                Some(&moved),
                &ro,
                &watched()
            )),
            ["read_only_endpoints_changed"]
        );
        let mut tls_gone = ro.clone();
        tls_gone.shift_remove("secret-tls");
        assert_eq!(
            names(&response_events(
                &relation,
                None,
                Some(&ro),
                &tls_gone,
                &watched()
            )),
            ["authentication_updated"]
        );
        let mut new_user_uri = ro.clone();
        new_user_uri.insert("secret-user".into(), json!("secret:b"));
        assert!(
            response_events(&relation, None, Some(&ro), &new_user_uri, &watched()).is_empty(),
            "a replaced secret-user URI fires nothing, as in the reference"
        );
        let mut sentinel = ro.clone();
        sentinel.insert("sentinel-endpoints".into(), json!("h:26379"));
        assert_eq!(
            names(&response_events(
                &relation,
                None,
                Some(&ro),
                &sentinel,
                &watched()
            )),
            ["fields_changed"]
        );
    }

    #[test]
    fn statuses_raise_and_resolve_by_code() {
        let relation = RelationId::new("cache", 0);
        let bag = Bag::from([(
            "status".to_owned(),
            r#"[{"code": 5001, "message": "m", "resolution": "r"}]"#.to_owned(),
        )]);
        let statuses = statuses_of(&bag).expect("statuses");
        let raised = status_events(&relation, &Object::new(), &statuses);
        assert_eq!(names(&raised), ["status_raised"]);
        let memory = status_memory(&statuses);
        assert!(status_events(&relation, &memory, &statuses).is_empty());
        let resolved = status_events(&relation, &memory, &[]);
        let Event::StatusResolved { status, .. } = &resolved[0] else {
            panic!("{resolved:?}")
        };
        assert_eq!((status.code, status.message.as_str()), (5001, "m"));
        assert_eq!(statuses_of(&Bag::new()).expect("none"), []);
        let bad = Bag::from([("status".to_owned(), "[{".to_owned())]);
        assert!(
            statuses_of(&bad)
                .unwrap_err()
                .to_string()
                .starts_with("status: invalid JSON")
        );
    }
}
