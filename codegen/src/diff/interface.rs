//! The interface, its roles and their wire versions; the databags go to [`super::fields`].

use databag::Selector;

use super::fields::{Bases, Scope, compare_objects};
use super::{Breaks, Databag, Finding, Origin, Rule, peer};
use crate::model::{Interface, Object, Role, RoleKind, WireVersion};

pub(super) fn compare(old: &Interface, new: &Interface, out: &mut Vec<Finding>) {
    let mut top = |rule, breaks, origin: Option<Origin>, message: String| {
        out.push(Finding {
            rule,
            breaks,
            role: None,
            version: None,
            databag: None,
            key: None,
            message,
            location: None,
            origin,
        });
    };
    if old.name != new.name {
        top(
            Rule::InterfaceRenamed,
            Breaks::BOTH,
            Origin::new("interface"),
            format!(
                "interface renamed `{}` → `{}`: Juju relates no endpoints of different interfaces",
                old.name, new.name
            ),
        );
    }
    if old.version_key != new.version_key {
        top(
            Rule::VersionKeyChanged,
            Breaks::BOTH,
            Origin::new("version_key"),
            format!(
                "the key telling wire versions apart changed from {} to {}: peers on either spec \
                 pick the wrong layout",
                quoted(old.version_key.as_deref()),
                quoted(new.version_key.as_deref())
            ),
        );
    }
    for (removed, from, to) in [(true, old, new), (false, new, old)] {
        for (index, group) in from.secret_groups.iter().enumerate() {
            if !to.secret_groups.iter().any(|g| g.name == group.name) {
                let (what, origin) = if removed {
                    ("removed", Origin::old(format!("secret_groups[{index}]")))
                } else {
                    ("added", Origin::new(format!("secret_groups[{index}]")))
                };
                top(
                    Rule::SecretGroupChanged,
                    Breaks::NONE,
                    origin,
                    format!(
                        "secret group `{}` {what} (the keys using it are judged where they are)",
                        group.name
                    ),
                );
            }
        }
    }
    let metadata = changed(&[
        ("version", old.version != new.version),
        ("status", old.status != new.status),
        ("maintainer", old.maintainer != new.maintainer),
        ("providers", old.providers != new.providers),
        ("requirers", old.requirers != new.requirers),
    ]);
    if let Some((first, keys)) = metadata {
        top(
            Rule::MetadataChanged,
            Breaks::NONE,
            Origin::new(first),
            format!("catalogue metadata changed: {keys}"),
        );
    }
    let group_docs = old.secret_groups.iter().any(|group| {
        new.secret_groups
            .iter()
            .any(|g| g.name == group.name && g.description != group.description)
    });
    let docs = changed(&[
        ("title", old.title != new.title),
        ("summary", old.summary != new.summary),
        ("usage", old.usage != new.usage),
        ("direction", old.direction != new.direction),
        ("behavior", old.behavior != new.behavior),
        ("secret_groups", group_docs),
    ]);
    if let Some((first, keys)) = docs {
        top(
            Rule::DocsChanged,
            Breaks::NONE,
            Origin::new(first),
            format!("interface documentation changed: {keys}"),
        );
    }
    if old.protocol != new.protocol {
        top(
            Rule::WritersChanged,
            Breaks::NONE,
            Origin::new("protocol"),
            "the declared protocol or the reference writers' byte profiles changed (key order \
             and padding only; readers accept any order)"
                .to_owned(),
        );
    }
    for kind in [RoleKind::Requirer, RoleKind::Provider] {
        match (old.role(kind), new.role(kind)) {
            (Some(old_role), Some(new_role)) => roles(old, new, old_role, new_role, out),
            (Some(_), None) => out.push(role_finding(
                kind,
                Rule::RoleRemoved,
                Breaks::BOTH,
                Origin::old(format!("roles.{}", kind.as_str())),
                format!(
                    "role removed: {} on the old spec still write and read its databags",
                    plural(peer(kind))
                ),
            )),
            (None, Some(_)) => out.push(role_finding(
                kind,
                Rule::RoleAdded,
                Breaks::NONE,
                Origin::new(format!("roles.{}", kind.as_str())),
                "role added".to_owned(),
            )),
            (None, None) => {}
        }
    }
}

fn role_finding(
    kind: RoleKind,
    rule: Rule,
    breaks: Breaks,
    origin: Option<Origin>,
    message: String,
) -> Finding {
    Finding {
        rule,
        breaks,
        role: Some(kind),
        version: None,
        databag: None,
        key: None,
        message,
        location: None,
        origin,
    }
}

fn quoted(key: Option<&str>) -> String {
    key.map_or_else(|| "none".to_owned(), |k| format!("`{k}`"))
}

fn roles(
    old: &Interface,
    new: &Interface,
    old_role: &Role,
    new_role: &Role,
    out: &mut Vec<Finding>,
) {
    let kind = new_role.kind;
    if old_role.description != new_role.description || old_role.behavior != new_role.behavior {
        out.push(role_finding(
            kind,
            Rule::DocsChanged,
            Breaks::NONE,
            Origin::new(format!("roles.{}", kind.as_str())),
            "role description or behaviour changed".to_owned(),
        ));
    }
    for old_version in &old_role.versions {
        match new_role
            .versions
            .iter()
            .find(|v| v.name == old_version.name)
        {
            Some(new_version) => versions(old, new, kind, old_version, new_version, out),
            None => out.push(version_finding(
                kind,
                &old_version.name,
                Rule::WireVersionRemoved,
                Breaks::BOTH,
                Origin::old(version_path(kind, &old_version.name)),
                format!(
                    "wire version removed: {} on the new spec refuse the `{}` layout {} on the \
                     old spec write, and peers that speak only `{}` get no answer",
                    plural(peer(kind)),
                    old_version.name,
                    plural(kind),
                    old_version.name
                ),
            )),
        }
    }
    for new_version in &new_role.versions {
        if !old_role.versions.iter().any(|v| v.name == new_version.name) {
            out.push(version_finding(
                kind,
                &new_version.name,
                Rule::WireVersionAdded,
                Breaks::NONE,
                Origin::new(version_path(kind, &new_version.name)),
                format!(
                    "wire version added ({}); writers keep a version old peers read until they \
                     move",
                    selector_text(old.version_key.as_deref(), &new_version.selector)
                ),
            ));
        }
    }
}

/// `roles.provider.versions.v1`
fn version_path(kind: RoleKind, version: &str) -> String {
    format!("roles.{}.versions.{version}", kind.as_str())
}

fn version_finding(
    kind: RoleKind,
    version: &str,
    rule: Rule,
    breaks: Breaks,
    origin: Option<Origin>,
    message: String,
) -> Finding {
    Finding {
        rule,
        breaks,
        role: Some(kind),
        version: Some(version.to_owned()),
        databag: None,
        key: None,
        message,
        location: None,
        origin,
    }
}

fn versions(
    old: &Interface,
    new: &Interface,
    kind: RoleKind,
    old_version: &WireVersion,
    new_version: &WireVersion,
    out: &mut Vec<Finding>,
) {
    let name = &new_version.name;
    if old_version.selector != new_version.selector {
        let breaks = match (&old_version.selector, &new_version.selector) {
            // New readers also take an absent tag; writers write what they wrote.
            (Selector::Value(a), Selector::ValueOrAbsent(b)) if a == b => Breaks::NONE,
            // Old writers that leave the tag out are refused.
            (Selector::ValueOrAbsent(a), Selector::Value(b)) if a == b => Breaks::OLD_WRITERS,
            _ => Breaks::BOTH,
        };
        let tag = new.version_key.as_deref();
        out.push(version_finding(
            kind,
            name,
            Rule::SelectorChanged,
            breaks,
            Origin::new(format!("{}.selected_by", version_path(kind, name))),
            format!(
                "selected by {} before, by {} now",
                selector_text(old.version_key.as_deref(), &old_version.selector),
                selector_text(tag, &new_version.selector)
            ),
        ));
    }
    let empty = |name: &str| Object {
        name: name.to_owned(),
        rust_name: String::new(),
        description: None,
        keeps_unknown: true,
        fields: Vec::new(),
    };
    let (old_unit, new_unit) = (
        old_version.unit.clone().unwrap_or_else(|| empty("unit")),
        new_version.unit.clone().unwrap_or_else(|| empty("unit")),
    );
    for (databag, old_bag, new_bag, old_other, new_other) in [
        (
            Databag::App,
            &old_version.app,
            &new_version.app,
            &old_unit,
            &new_unit,
        ),
        (
            Databag::Unit,
            &old_unit,
            &new_unit,
            &old_version.app,
            &new_version.app,
        ),
    ] {
        let scope = Scope {
            old,
            new,
            role: kind,
            version: name,
            databag,
            old_other: Some(old_other),
            new_other: Some(new_other),
        };
        let base = format!("{}.{}", version_path(kind, name), databag.as_str());
        let bases = Bases {
            old: &base,
            new: &base,
        };
        compare_objects(&scope, old_bag, new_bag, "", bases, 0, out);
    }
    if old_version.example != new_version.example {
        out.push(version_finding(
            kind,
            name,
            Rule::ExamplesChanged,
            Breaks::NONE,
            Origin::new(format!("{}.example", version_path(kind, name))),
            "example databags changed".to_owned(),
        ));
    }
}

fn selector_text(tag: Option<&str>, selector: &Selector) -> String {
    let tag = tag.unwrap_or("version");
    match selector {
        Selector::Value(value) => format!("`{tag}: {value}`"),
        Selector::ValueOrAbsent(value) => format!("`{tag}: {value}` or no `{tag}`"),
        Selector::Other => format!("any other `{tag}`"),
    }
}

/// `requirers`, `providers`.
pub(super) fn plural(kind: RoleKind) -> String {
    format!("{}s", kind.as_str())
}

/// The keys of `pairs` marked changed: the first (where the finding is located) and all of
/// them comma-joined; `None` when none changed.
fn changed(pairs: &[(&'static str, bool)]) -> Option<(&'static str, String)> {
    let keys: Vec<&str> = pairs
        .iter()
        .filter_map(|(key, changed)| changed.then_some(*key))
        .collect();
    let first = keys.first().copied()?;
    Some((first, keys.join(", ")))
}
