//! The layout rules of `protocol: data-interfaces`: what the relation engine
//! (`databag::relation`) relies on, checked here so that a spec that loads always yields a
//! working relation (PROTOCOL.md §4, §5, §10).

use super::Checker;
use crate::model::{Object, Protocol, Role, RoleKind, Type};
use crate::spec::raw::RawInterface;

/// The reference library's resource aliases, in its precedence order (PROTOCOL.md §10): the
/// keys a v0 requirer may carry its resource under.
const RESOURCE_ALIASES: [&str; 6] = [
    "database",
    "subject",
    "topic",
    "index",
    "plugin-url",
    "prefix",
];

/// The protocols a spec may declare.
pub(crate) const PROTOCOLS: [&str; 1] = ["data-interfaces"];

impl Checker {
    /// The spec's protocol, its layout rules checked; `None` when it declares none (or a
    /// problem was reported).
    pub(super) fn protocol(
        &mut self,
        raw: &RawInterface,
        objects: &[Object],
        roles: &[Role],
    ) -> Option<Protocol> {
        let Some(name) = raw.protocol.as_deref() else {
            if raw.writers.is_some() {
                self.error_key(
                    "writers",
                    "`writers` describes a protocol's reference writer; the spec declares no \
                     `protocol`",
                );
            }
            return None;
        };
        if !PROTOCOLS.contains(&name) {
            self.error(
                "protocol",
                format!(
                    "unknown protocol {name:?} (expected one of: {})",
                    PROTOCOLS.join(", ")
                ),
            );
            return None;
        }
        let before = self.diagnostics.len();
        let object = |wanted: &str| objects.iter().find(|o| o.name == wanted);
        for wanted in ["request", "response"] {
            match object(wanted) {
                None => self.error(
                    "protocol",
                    format!("protocol data-interfaces needs an object `{wanted}`"),
                ),
                Some(found) => self.echo_fields(found),
            }
        }
        let version = |kind: RoleKind, wire: &str| {
            roles
                .iter()
                .find(|r| r.kind == kind)
                .and_then(|r| r.versions.iter().find(|v| v.name == wire))
        };
        for kind in [RoleKind::Requirer, RoleKind::Provider] {
            for wire in ["v0", "v1"] {
                if version(kind, wire).is_none() {
                    self.error(
                        "protocol",
                        format!(
                            "protocol data-interfaces needs wire version {wire} of the {}",
                            kind.as_str()
                        ),
                    );
                }
            }
        }
        let lists = [
            (RoleKind::Requirer, "request"),
            (RoleKind::Provider, "response"),
        ];
        for (kind, item) in lists {
            if let Some(v1) = version(kind, "v1") {
                let wanted = Type::List(Box::new(Type::Object(item.to_owned())));
                if v1
                    .app
                    .fields
                    .iter()
                    .all(|f| f.name != "requests" || f.ty != wanted)
                {
                    self.error(
                        "protocol",
                        format!(
                            "protocol data-interfaces: the {} v1 app databag needs `requests` of \
                             type list<{item}>",
                            kind.as_str()
                        ),
                    );
                }
            }
        }
        if let Some(v1) = version(RoleKind::Provider, "v1") {
            for key in ["data", "status"] {
                if v1.app.field(key).is_none() {
                    self.error(
                        "protocol",
                        format!(
                            "protocol data-interfaces: the provider v1 app databag needs `{key}`"
                        ),
                    );
                }
            }
        }
        let key = version(RoleKind::Requirer, "v0").and_then(|v0| {
            v0.app.fields.iter().find(|f| {
                RESOURCE_ALIASES.contains(&f.name.as_str()) && f.required && f.ty == Type::String
            })
        });
        if key.is_none() && version(RoleKind::Requirer, "v0").is_some() {
            self.error(
                "protocol",
                format!(
                    "protocol data-interfaces: the requirer v0 app databag needs its resource as a \
                     required string under one of: {}",
                    RESOURCE_ALIASES.join(", ")
                ),
            );
        }
        // A secret field of a response must stay secret in the flat v0 answer: undeclared
        // there, it would travel as an unknown key, in plaintext.
        if let (Some(response), Some(v0)) = (object("response"), version(RoleKind::Provider, "v0"))
        {
            for field in response.fields.iter().filter(|f| f.secret.is_some()) {
                let flat = v0.app.field(&field.name);
                if flat.is_none_or(|flat| flat.secret != field.secret) {
                    self.error(
                        "protocol",
                        format!(
                            "protocol data-interfaces: the provider v0 app databag must declare \
                             secret field `{}` in group `{}` as the response does",
                            field.name,
                            field.secret.as_deref().unwrap_or_default()
                        ),
                    );
                }
            }
        }
        let writers = match &raw.writers {
            Some(writers) => Some(self.writers(writers, roles)?),
            None => None,
        };
        if self.diagnostics.len() > before {
            return None;
        }
        key.map(|field| Protocol {
            v0_resource_key: field.name.clone(),
            writers,
        })
    }

    /// `resource`, `request-id` and `salt`: required strings first in requests and responses.
    fn echo_fields(&mut self, object: &Object) {
        for (index, wanted) in ["resource", "request-id", "salt"].iter().enumerate() {
            let found = object.fields.get(index);
            if found.is_none_or(|f| f.name != *wanted || !f.required || f.ty != Type::String) {
                self.error(
                    &format!("objects.{}", object.name),
                    format!(
                        "protocol data-interfaces: field {} of object `{}` must be `{wanted}`, a \
                         required string (fields resource, request-id, salt come first)",
                        index + 1,
                        object.name
                    ),
                );
            }
        }
    }
}
