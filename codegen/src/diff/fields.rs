//! The keys of one databag, or of an object inside a JSON-encoded value, old against new.

use super::interface::plural;
use super::types::{Relation, object_items, relation};
use super::{Breaks, Databag, Finding, Origin, Rule, peer};
use crate::model::{Field, Interface, Object, RoleKind};

/// How deep named objects are followed (a cyclic object graph must not recurse forever).
const MAX_DEPTH: usize = 32;

/// Where the compared objects sit.
pub(super) struct Scope<'a> {
    pub old: &'a Interface,
    pub new: &'a Interface,
    /// The writer of the databag.
    pub role: RoleKind,
    pub version: &'a str,
    pub databag: Databag,
    /// The version's other databag, to tell a key moved between databags from one removed.
    pub old_other: Option<&'a Object>,
    pub new_other: Option<&'a Object>,
}

/// The spec paths of the two compared objects (`roles.provider.versions.v1.app`,
/// `objects.response`), to locate findings.
#[derive(Clone, Copy)]
pub(super) struct Bases<'a> {
    pub old: &'a str,
    pub new: &'a str,
}

/// What a finding is about: its key, and where in a spec file.
struct At<'a> {
    key: &'a str,
    origin: Option<Origin>,
}

impl Scope<'_> {
    fn push(
        &self,
        out: &mut Vec<Finding>,
        rule: Rule,
        breaks: Breaks,
        at: At<'_>,
        message: String,
    ) {
        out.push(Finding {
            rule,
            breaks,
            role: Some(self.role),
            version: Some(self.version.to_owned()),
            databag: Some(self.databag),
            key: (!at.key.is_empty()).then(|| at.key.to_owned()),
            message,
            location: None,
            origin: at.origin,
        });
    }

    /// `requirers`: who reads this databag.
    fn readers(&self) -> String {
        plural(peer(self.role))
    }

    /// `providers`: who writes this databag.
    fn writers(&self) -> String {
        plural(self.role)
    }
}

/// Compares two objects whose keys sit at `prefix` (`""` in a databag, `requests[].` inside
/// one); at depth 0 they are databags themselves.
pub(super) fn compare_objects(
    scope: &Scope<'_>,
    old: &Object,
    new: &Object,
    prefix: &str,
    bases: Bases<'_>,
    depth: usize,
    out: &mut Vec<Finding>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let top = depth == 0;
    let here = || At {
        key: prefix.trim_end_matches('.'),
        origin: Origin::new(bases.new),
    };
    if old.keeps_unknown != new.keeps_unknown {
        let message = if new.keeps_unknown {
            "undeclared keys are now kept for round trips (old readers drop them on read)"
        } else {
            "undeclared keys are now dropped on read (old writers' extra keys are ignored, not \
             refused)"
        };
        scope.push(
            out,
            Rule::UnknownKeysChanged,
            Breaks::NONE,
            here(),
            message.to_owned(),
        );
    }
    if old.description != new.description {
        scope.push(
            out,
            Rule::DocsChanged,
            Breaks::NONE,
            here(),
            "description changed".to_owned(),
        );
    }
    let pairs = match_fields(old, new);
    let mut matched_new = vec![false; new.fields.len()];
    for (index, old_field) in old.fields.iter().enumerate() {
        let key = format!("{prefix}{}", old_field.name);
        let Some(new_index) = pairs[index] else {
            let at = At {
                key: &key,
                origin: Origin::old(format!("{}.fields[{index}]", bases.old)),
            };
            removed(scope, old_field, at, top, out);
            continue;
        };
        matched_new[new_index] = true;
        let new_field = &new.fields[new_index];
        let path = format!("{}.fields[{new_index}]", bases.new);
        compare_fields(scope, old_field, new_field, prefix, &path, depth, out);
    }
    for (index, new_field) in new.fields.iter().enumerate() {
        if matched_new[index] {
            continue;
        }
        let key = format!("{prefix}{}", new_field.name);
        let at = At {
            key: &key,
            origin: Origin::new(format!("{}.fields[{index}]", bases.new)),
        };
        added(scope, new_field, at, top, out);
    }
}

/// Whether old field `i` became new field `j`.
type MatchRule<'a> = dyn Fn(usize, &Field, usize, &Field) -> bool + 'a;

/// For each old field, the index of the new field it became: same wire name first, then a
/// shared spelling (a name kept as an alias), then the same place with the same type (a
/// rename).
fn match_fields(old: &Object, new: &Object) -> Vec<Option<usize>> {
    let mut taken = vec![false; new.fields.len()];
    let mut pairs: Vec<Option<usize>> = vec![None; old.fields.len()];
    let passes: [&MatchRule<'_>; 3] = [
        &|_, a, _, b| a.name == b.name,
        &|_, a, _, b| spellings(a).any(|s| spellings(b).any(|t| s == t)),
        // A rename: same place, same type, and neither name lives on elsewhere.
        &|i, a, j, b| {
            i == j
                && a.ty == b.ty
                && a.secret == b.secret
                && a.json == b.json
                && old.field(&b.name).is_none()
                && new.field(&a.name).is_none()
        },
    ];
    for pass in passes {
        for (i, old_field) in old.fields.iter().enumerate() {
            if pairs[i].is_some() {
                continue;
            }
            let found = new
                .fields
                .iter()
                .enumerate()
                .find(|(j, new_field)| !taken[*j] && pass(i, old_field, *j, new_field));
            if let Some((j, _)) = found {
                taken[j] = true;
                pairs[i] = Some(j);
            }
        }
    }
    pairs
}

fn spellings(field: &Field) -> impl Iterator<Item = &str> {
    std::iter::once(field.name.as_str()).chain(field.aliases.iter().map(String::as_str))
}

/// Whether a field must be present: a secret field is optional whatever the spec says (its
/// binding is an `Option`, its value comes from a secret).
fn required(field: &Field) -> bool {
    field.required && field.secret.is_none()
}

fn where_is(field: &Field) -> &'static str {
    if field.secret.is_some() {
        "secret content key"
    } else {
        "key"
    }
}

fn removed(scope: &Scope<'_>, field: &Field, at: At<'_>, top: bool, out: &mut Vec<Finding>) {
    if top
        && scope
            .new_other
            .is_some_and(|o| o.field(&field.name).is_some())
    {
        let to = match scope.databag {
            Databag::App => "unit",
            Databag::Unit => "app",
        };
        scope.push(
            out,
            Rule::FieldMoved,
            Breaks::BOTH,
            at,
            format!(
                "moved to the {to} databag: {} on the old spec look for it in the {} databag, \
                 {} on the new spec in the {to} one",
                scope.readers(),
                scope.databag.as_str(),
                scope.readers()
            ),
        );
        return;
    }
    let message = if required(field) {
        format!(
            "required {} removed: {} on the old spec still require it",
            where_is(field),
            scope.readers()
        )
    } else {
        format!(
            "optional {} removed: {} on the old spec lose the value they read",
            where_is(field),
            scope.readers()
        )
    };
    scope.push(out, Rule::FieldRemoved, Breaks::OLD_READERS, at, message);
}

fn added(scope: &Scope<'_>, field: &Field, at: At<'_>, top: bool, out: &mut Vec<Finding>) {
    if top
        && scope
            .old_other
            .is_some_and(|o| o.field(&field.name).is_some())
    {
        // Reported as moved where it was removed.
        return;
    }
    if required(field) {
        scope.push(
            out,
            Rule::FieldAdded,
            Breaks::OLD_WRITERS,
            at,
            format!(
                "required {} added: {} on the new spec refuse what {} on the old spec write \
                 without it",
                where_is(field),
                scope.readers(),
                scope.writers()
            ),
        );
    } else {
        scope.push(
            out,
            Rule::FieldAdded,
            Breaks::NONE,
            at,
            format!("optional {} added (old readers ignore it)", where_is(field)),
        );
    }
}

/// Compares a field with what it became; `path` is the new field's spec path.
fn compare_fields(
    scope: &Scope<'_>,
    old: &Field,
    new: &Field,
    prefix: &str,
    path: &str,
    depth: usize,
    out: &mut Vec<Finding>,
) {
    let top = depth == 0;
    let key = format!("{prefix}{}", new.name);
    let key = key.as_str();
    // The finding's place: the key, and the field's setting `part` in the new file.
    let at = |part: &str| At {
        key,
        origin: Origin::new(if part.is_empty() {
            path.to_owned()
        } else {
            format!("{path}.{part}")
        }),
    };
    let readers = scope.readers();
    let writers = scope.writers();
    if old.name != new.name {
        let breaks = Breaks {
            old_readers: !spellings(old).any(|s| s == new.name),
            old_writers: !spellings(new).any(|s| s == old.name),
        };
        let mut message = format!("renamed from `{}`", old.name);
        if breaks.old_readers {
            message.push_str(&format!(
                ": {readers} on the old spec do not read `{}`",
                new.name
            ));
        }
        if breaks.old_writers {
            message.push_str(&format!(
                "{} {readers} on the new spec do not read `{}`",
                if breaks.old_readers { ";" } else { ":" },
                old.name
            ));
        }
        scope.push(out, Rule::FieldRenamed, breaks, at("name"), message);
    }
    for alias in &old.aliases {
        if !spellings(new).any(|s| s == alias) {
            scope.push(
                out,
                Rule::AliasRemoved,
                Breaks::OLD_WRITERS,
                at("aliases"),
                format!(
                    "alias `{alias}` removed: {readers} on the new spec no longer read that \
                     spelling, which {writers} on the old spec may write"
                ),
            );
        }
    }
    for alias in &new.aliases {
        if !spellings(old).any(|s| s == alias) {
            scope.push(
                out,
                Rule::AliasAdded,
                Breaks::NONE,
                at("aliases"),
                format!("alias `{alias}` added (read, never written)"),
            );
        }
    }
    match (required(old), required(new)) {
        (false, true) => scope.push(
            out,
            Rule::FieldRequired,
            Breaks::OLD_WRITERS,
            at("required"),
            format!(
                "optional → required: {readers} on the new spec refuse {writers} on the old \
                 spec that leave it out"
            ),
        ),
        (true, false) => scope.push(
            out,
            Rule::FieldOptional,
            Breaks::OLD_READERS,
            at("required"),
            format!(
                "required → optional: {readers} on the old spec refuse {writers} on the new spec \
                 that leave it out"
            ),
        ),
        _ => {}
    }
    if old.json != new.json {
        scope.push(
            out,
            Rule::EncodingChanged,
            Breaks::BOTH,
            at("json"),
            format!(
                "{} → {}: each side misreads the other's value",
                encoding(old),
                encoding(new)
            ),
        );
    }
    if old.secret != new.secret {
        let message = match (&old.secret, &new.secret) {
            (None, Some(group)) => format!(
                "moved into secret group `{group}`: {readers} on the old spec look for it in \
                 the databag, {readers} on the new spec in the secret"
            ),
            (Some(group), None) => format!(
                "moved out of secret group `{group}` into the databag, in plaintext: {readers} \
                 on the old spec look for it in the secret"
            ),
            (old_group, new_group) => format!(
                "moved from secret group `{}` to `{}`: each side looks in the other secret",
                old_group.as_deref().unwrap_or_default(),
                new_group.as_deref().unwrap_or_default()
            ),
        };
        scope.push(
            out,
            Rule::SecretChanged,
            Breaks::BOTH,
            at("secret"),
            message,
        );
    }
    if old.secret_uri != new.secret_uri {
        scope.push(
            out,
            Rule::SecretUriChanged,
            Breaks::BOTH,
            at("secret_uri"),
            format!(
                "carries the URI of secret group {} before, {} now",
                group_text(old.secret_uri.as_deref()),
                group_text(new.secret_uri.as_deref())
            ),
        );
    }
    let flat = (top && !new.json) || new.secret.is_some();
    match relation(&old.ty, &new.ty, flat) {
        Relation::Same => {
            if let Some((old_object, new_object, suffix)) = object_items(&old.ty, &new.ty)
                && let (Some(old_object), Some(new_object)) =
                    (scope.old.object(old_object), scope.new.object(new_object))
            {
                let prefix = format!("{key}{suffix}.");
                let (old_base, new_base) = (
                    format!("objects.{}", old_object.name),
                    format!("objects.{}", new_object.name),
                );
                let bases = Bases {
                    old: &old_base,
                    new: &new_base,
                };
                compare_objects(
                    scope,
                    old_object,
                    new_object,
                    &prefix,
                    bases,
                    depth + 1,
                    out,
                );
            }
        }
        relation => {
            let (breaks, how) = match relation {
                Relation::Narrower => (
                    Breaks::OLD_WRITERS,
                    format!(
                        "narrowed: {readers} on the new spec refuse values {writers} on the old \
                         spec may write"
                    ),
                ),
                Relation::Wider => (
                    Breaks::OLD_READERS,
                    format!(
                        "widened: {writers} on the new spec may write values {readers} on the \
                         old spec refuse"
                    ),
                ),
                _ => (
                    Breaks::BOTH,
                    "changed: neither side reads the other's values".to_owned(),
                ),
            };
            scope.push(
                out,
                Rule::TypeChanged,
                breaks,
                at("type"),
                format!("type `{}` → `{}` {how}", old.ty, new.ty),
            );
        }
    }
    restriction(
        scope,
        out,
        at("constant"),
        Rule::ConstantChanged,
        "only accepted value",
        old.constant.as_deref(),
        new.constant.as_deref(),
    );
    restriction(
        scope,
        out,
        at("pattern"),
        Rule::PatternChanged,
        "pattern",
        old.pattern.as_deref(),
        new.pattern.as_deref(),
    );
    if old.title != new.title || old.description != new.description {
        scope.push(
            out,
            Rule::DocsChanged,
            Breaks::NONE,
            at("description"),
            "title or description changed".to_owned(),
        );
    }
    if old.examples != new.examples {
        scope.push(
            out,
            Rule::ExamplesChanged,
            Breaks::NONE,
            at("examples"),
            format!(
                "examples changed ({} → {})",
                old.examples.len(),
                new.examples.len()
            ),
        );
    }
}

/// A constraint that admits fewer values when present (`constant`, `pattern`). Whether one
/// pattern admits a subset of another's values is undecidable in general, so any change of
/// pattern counts as both narrowing and widening.
fn restriction(
    scope: &Scope<'_>,
    out: &mut Vec<Finding>,
    at: At<'_>,
    rule: Rule,
    what: &str,
    old: Option<&str>,
    new: Option<&str>,
) {
    let readers = scope.readers();
    let writers = scope.writers();
    let (breaks, message) = match (old, new) {
        (None, Some(new)) => (
            Breaks::OLD_WRITERS,
            format!(
                "{what} `{new}` added: {readers} on the new spec refuse other values {writers} on \
                 the old spec may write"
            ),
        ),
        (Some(old), None) => (
            Breaks::OLD_READERS,
            format!(
                "{what} `{old}` removed: {writers} on the new spec may write values {readers} on \
                 the old spec refuse"
            ),
        ),
        (Some(old), Some(new)) if old != new => (
            Breaks::BOTH,
            format!(
                "{what} `{old}` → `{new}`: values valid for one side may be refused by the other"
            ),
        ),
        _ => return,
    };
    scope.push(out, rule, breaks, at, message);
}

fn encoding(field: &Field) -> &'static str {
    if field.json { "JSON-encoded" } else { "plain" }
}

fn group_text(group: Option<&str>) -> String {
    group.map_or_else(|| "none".to_owned(), |g| format!("`{g}`"))
}
