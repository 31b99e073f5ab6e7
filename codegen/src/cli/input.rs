//! From a DUMP argument to the databags to check and the role that wrote them: picks the
//! relation of a `juju show-unit` output, infers the role from the content when `--role` is
//! not given, and says on stderr which side's data it is.

use std::path::Path;

use serde_json::{Map, Value};

use super::dump::{self, Document, Dump};
use super::juju::{Relation, ShowUnit};
use super::problems::problems;
use super::{Fatal, Role};
use crate::model::{Interface, RoleKind};

/// Keys Juju itself writes into every unit databag (`ingress-address`, ...): not the
/// interface's.
const JUJU_UNIT_KEYS: [&str; 3] = ["egress-subnets", "ingress-address", "private-address"];

/// The databags of a DUMP argument and the role they are read as.
#[derive(Debug)]
pub(super) struct Input {
    pub dump: Dump,
    pub role: RoleKind,
}

/// Reads `path` and settles the role: `role` when given, else inferred (and said on stderr).
pub(super) fn read(
    interface: &Interface,
    path: &Path,
    role: Option<Role>,
    relation: Option<&str>,
) -> Result<Input, Fatal> {
    let role = role.map(RoleKind::from);
    match dump::read(path)? {
        Document::Dump(dump) => {
            if relation.is_some() {
                return Err(Fatal(format!(
                    "{}: --relation applies to `juju show-unit` output; this is a databag dump",
                    path.display()
                )));
            }
            let role = match role {
                Some(role) => role,
                None => {
                    let (role, why) = infer(interface, &dump, None)
                        .map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
                    eprintln!("{}: read as the {role}'s databag ({why})", path.display());
                    role
                }
            };
            Ok(Input { dump, role })
        }
        Document::ByRole(roles) => pick_example(path, roles, role),
        Document::ShowUnit(unit) => {
            let chosen = super::juju::select(&unit, relation)
                .map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
            from_show_unit(interface, path, &unit, chosen, role)
        }
    }
}

/// The docs' example form: the role given, or the only one in the file.
fn pick_example(
    path: &Path,
    mut roles: Vec<(RoleKind, Dump)>,
    role: Option<RoleKind>,
) -> Result<Input, Fatal> {
    let index = match role {
        Some(role) => roles.iter().position(|(r, _)| *r == role).ok_or_else(|| {
            Fatal(format!(
                "{}: the file holds no `{role}:` databags",
                path.display()
            ))
        })?,
        None if roles.len() == 1 => 0,
        None => {
            return Err(Fatal(format!(
                "{}: the file holds the databags of both roles; pick one with --role",
                path.display()
            )));
        }
    };
    let (role, dump) = roles.swap_remove(index);
    Ok(Input { dump, role })
}

/// Which side's data `application-data` is, by how the output was printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// Juju 3.x: the related application's databag.
    Related,
    /// Releases that print no `relation-id`: the unit's own application's databag.
    Own,
}

fn from_show_unit(
    interface: &Interface,
    path: &Path,
    unit: &ShowUnit,
    relation: &Relation,
    role: Option<RoleKind>,
) -> Result<Input, Fatal> {
    let side = if relation.id.is_some() {
        Side::Related
    } else {
        Side::Own
    };
    // The unit's own role, when its charm is one the spec lists; the data's is the other one
    // on Juju 3.x.
    let own_role = unit
        .charm
        .as_deref()
        .and_then(|charm| charm_role(interface, charm));
    let hint = own_role.map(|own| match side {
        Side::Related => other(own),
        Side::Own => own,
    });
    let mut dump = Dump {
        app: Some(relation.app.clone()),
        unit: None,
        structured: false,
    };
    let (role, why) = match role {
        Some(role) => (role, "as --role says".to_owned()),
        None => infer(interface, &dump, hint)
            .map_err(|e| Fatal(format!("{}: {}: {e}", path.display(), relation.describe())))?,
    };
    // The unit databag of the same side, when the role declares one.
    if declares_unit(interface, role) {
        let unit_bag = match side {
            Side::Related => relation
                .related_units
                .first()
                .map(|(name, bag)| (name.clone(), bag)),
            Side::Own => relation
                .local_unit
                .as_ref()
                .map(|bag| (unit.unit.clone(), bag)),
        };
        if let Some((name, bag)) = unit_bag {
            eprintln!("{}: unit databag of {name}", path.display());
            dump.unit = Some(without_juju_keys(bag));
            dump.structured = true;
        }
    }
    let writer = match side {
        Side::Related => format!(
            "written by the application related to {} (Juju 3.x shows the related \
             application's databag)",
            unit.unit
        ),
        Side::Own => format!(
            "written by {}'s own application (an output without `relation-id` comes from a \
             Juju that shows the unit's own databag)",
            unit.unit
        ),
    };
    eprintln!(
        "{}: {}: application-data read as the {role}'s databag ({why}), {writer}",
        path.display(),
        relation.describe()
    );
    Ok(Input { dump, role })
}

/// The role `databag` content fits: the one it is valid for; when both or neither, `hint`
/// (from the charm's name), else the one with fewer problems.
fn infer(
    interface: &Interface,
    dump: &Dump,
    hint: Option<RoleKind>,
) -> Result<(RoleKind, String), String> {
    let requirer = problems(interface, RoleKind::Requirer, dump).len();
    let provider = problems(interface, RoleKind::Provider, dump).len();
    match (requirer, provider) {
        (0, p) if p > 0 => Ok((
            RoleKind::Requirer,
            "inferred: valid only as a requirer's".into(),
        )),
        (r, 0) if r > 0 => Ok((
            RoleKind::Provider,
            "inferred: valid only as a provider's".into(),
        )),
        (0, 0)
            if unknown_keys(interface, RoleKind::Requirer, dump)
                != unknown_keys(interface, RoleKind::Provider, dump) =>
        {
            let requirer = unknown_keys(interface, RoleKind::Requirer, dump);
            let provider = unknown_keys(interface, RoleKind::Provider, dump);
            let role = if requirer < provider {
                RoleKind::Requirer
            } else {
                RoleKind::Provider
            };
            Ok((
                role,
                format!(
                    "inferred: valid for either role, but {requirer} of its keys are undeclared \
                     for a requirer and {provider} for a provider"
                ),
            ))
        }
        _ if hint.is_some() => {
            let role = hint.unwrap_or(RoleKind::Requirer);
            Ok((
                role,
                "inferred from the unit's charm; pass --role to choose".into(),
            ))
        }
        (0, 0) => Err("the databag is valid for either role; pass --role".to_owned()),
        (r, p) if r < p => Ok((
            RoleKind::Requirer,
            format!(
                "the closest match: {r} problems as a requirer's, {p} as a provider's; pass --role to choose"
            ),
        )),
        (r, p) if p < r => Ok((
            RoleKind::Provider,
            format!(
                "the closest match: {p} problems as a provider's, {r} as a requirer's; pass --role to choose"
            ),
        )),
        _ => Err("the databag fits neither role better than the other; pass --role".to_owned()),
    }
}

/// How many keys of the app databag, and of the objects in its JSON-encoded values, the
/// role's shape for it does not declare: a provider's answer read as a request has many.
fn unknown_keys(interface: &Interface, role: RoleKind, dump: &Dump) -> usize {
    let Some(app) = &dump.app else {
        return 0;
    };
    let Ok(Some(shape)) = super::problems::app_shape(interface, role, app) else {
        return 0;
    };
    let mut count = unknown_in(&shape, app);
    for field in shape.fields.iter().filter(|f| f.json) {
        let Some(text) = app.get(&field.name).and_then(Value::as_str) else {
            continue;
        };
        let Ok(content) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        count += match (&field.kind, &content) {
            (databag::Kind::List(item), Value::Array(items)) => match item.as_ref() {
                databag::Kind::Object(item_shape) => items
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|object| unknown_in(item_shape, object))
                    .sum(),
                _ => 0,
            },
            (databag::Kind::Object(inner), Value::Object(object)) => unknown_in(inner, object),
            _ => 0,
        };
    }
    count
}

fn unknown_in(shape: &databag::Shape, object: &Map<String, Value>) -> usize {
    object
        .keys()
        .filter(|key| {
            !shape
                .fields
                .iter()
                .any(|f| &f.name == *key || f.aliases.iter().any(|a| a == *key))
        })
        .count()
}

/// The spec role of a charm it lists (`valkey-k8s` matches `valkey-k8s-operator`).
fn charm_role(interface: &Interface, charm: &str) -> Option<RoleKind> {
    let listed = |charms: &[crate::model::Charm]| {
        charms.iter().any(|c| {
            let name = c.name.strip_suffix("-operator").unwrap_or(&c.name);
            name == charm
        })
    };
    match (listed(&interface.providers), listed(&interface.requirers)) {
        (true, false) => Some(RoleKind::Provider),
        (false, true) => Some(RoleKind::Requirer),
        _ => None,
    }
}

fn other(role: RoleKind) -> RoleKind {
    match role {
        RoleKind::Requirer => RoleKind::Provider,
        RoleKind::Provider => RoleKind::Requirer,
    }
}

fn declares_unit(interface: &Interface, role: RoleKind) -> bool {
    interface
        .role(role)
        .is_some_and(|r| r.versions.iter().any(|v| v.unit.is_some()))
}

fn without_juju_keys(bag: &Map<String, Value>) -> Map<String, Value> {
    bag.iter()
        .filter(|(key, _)| !JUJU_UNIT_KEYS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}
