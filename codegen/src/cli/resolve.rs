//! `databag resolve`: a databag dump as the typed model sees it, secrets filled in.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use databag::secret::resolve_object;
use databag::wire::bag_to_object;
use databag::{Bag, Kind, MapResolver, Path, SecretUri, Shape};
use serde_json::{Map, Value};

use super::problems::{app_shape, problems};
use super::{Fatal, Outcome, Role, dump, input, load_spec, stdout};
use crate::model::{Interface, RoleKind};

/// Print a databag as the typed model reads it, secrets filled in
///
/// Prints JSON with wire key names, secret fields filled in from their secrets, JSON-encoded
/// values decoded, booleans as booleans and unknown keys kept. Secret values are redacted when
/// stdout is a terminal (--reveal shows them) or with --redact. Exit 1 when the databag is
/// invalid or a referenced secret is missing or malformed.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// The interface spec (spec/<interface>/v<N>.yaml)
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,
    /// Which side wrote the databag (inferred from the content when not given)
    #[arg(long, value_enum)]
    role: Option<Role>,
    /// In `juju show-unit` output: the relation to read, by id or by the unit's endpoint
    /// (needed when the output shows several)
    #[arg(long, value_name = "ID|ENDPOINT")]
    relation: Option<String>,
    /// JSON or YAML: a flat map (the app databag), an object with `app` and/or `unit` maps, or
    /// `juju show-unit UNIT` output; `-` reads stdin
    #[arg(long, value_name = "DUMP")]
    databag: PathBuf,
    /// JSON or YAML: `juju show-secret ID --reveal` output (one or many secrets), or an object
    /// mapping each secret URI (secret:ID or secret://MODEL/ID; matched on the ID) to its
    /// content map
    #[arg(long, value_name = "SECRETS")]
    secrets: Option<PathBuf>,
    /// Replace every secret value with "[REDACTED]" (the default when stdout is a terminal)
    #[arg(long, conflicts_with = "reveal")]
    redact: bool,
    /// Print secret values even to a terminal
    #[arg(long)]
    reveal: bool,
}

/// Whether secret values are replaced: asked for, or by default on a terminal, where a
/// screen or a shared session would show them (`juju show-secret` too hides them unless
/// `--reveal`). A pipe or file gets them, as scripts expect.
fn redacts(redact: bool, reveal: bool, terminal: bool) -> bool {
    redact || (terminal && !reveal)
}

pub(super) fn run(args: &Args) -> Result<Outcome, Fatal> {
    let interface = load_spec(&args.spec)?;
    let input = input::read(
        &interface,
        &args.databag,
        args.role,
        args.relation.as_deref(),
    )?;
    let (dump, role) = (input.dump, input.role);
    let redact = redacts(args.redact, args.reveal, std::io::stdout().is_terminal());
    let mut resolver = match &args.secrets {
        Some(path) => secrets(path)?,
        None => MapResolver::new(),
    };
    let found = problems(&interface, role, &dump);
    if !found.is_empty() {
        for line in found {
            eprintln!("{line}");
        }
        return Ok(Outcome::Negative);
    }
    let mut result = Map::new();
    if let Some(app) = &dump.app {
        let shape = match app_shape(&interface, role, app) {
            Ok(Some(shape)) => shape,
            Ok(None) => std::sync::Arc::new(free_shape("app")),
            Err(error) => {
                eprintln!("{error}");
                return Ok(Outcome::Negative);
            }
        };
        match resolve(&shape, app, &mut resolver) {
            Ok(mut object) => {
                if redact {
                    redact_object(&shape, &mut object);
                }
                result.insert("app".into(), Value::Object(object))
            }
            Err(error) => {
                eprintln!("{error}");
                return Ok(Outcome::Negative);
            }
        };
    }
    if let Some(unit) = &dump.unit {
        let shape = unit_shape(&interface, role);
        match resolve(&shape, unit, &mut resolver) {
            Ok(mut object) => {
                if redact {
                    redact_object(&shape, &mut object);
                }
                result.insert("unit".into(), Value::Object(object))
            }
            Err(error) => {
                eprintln!("unit: {error}");
                return Ok(Outcome::Negative);
            }
        };
    }
    let value = if dump.structured {
        Value::Object(result)
    } else {
        result.remove("app").unwrap_or(Value::Object(Map::new()))
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    stdout(&text);
    Ok(Outcome::Success)
}

/// The resolver over a `--secrets` file; URIs match on their secret ID.
fn secrets(path: &std::path::Path) -> Result<MapResolver, Fatal> {
    let mut resolver = MapResolver::new();
    for (uri, content) in dump::read_secrets(path)? {
        let parsed = SecretUri::parse(&uri)
            .map_err(|e| Fatal(format!("{}: secret {uri:?}: {e}", path.display())))?;
        resolver.insert(&parsed, content);
    }
    Ok(resolver)
}

fn resolve(
    shape: &Shape,
    bag: &Map<String, Value>,
    resolver: &mut MapResolver,
) -> Result<Map<String, Value>, databag::Error> {
    let root = Path::root();
    // Validation has checked that every value is a string.
    let bag: Bag = bag
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
        .collect();
    let mut object = bag_to_object(shape, &bag, &root)?;
    resolve_object(shape, &mut object, resolver, &root)?;
    Ok(object)
}

/// What a redacted secret value reads as (the runtime's `Secret` Debug says the same).
const REDACTED: &str = "[REDACTED]";

/// Replaces the value of every secret field in `object` and in the objects nested in it.
fn redact_object(shape: &Shape, object: &mut Map<String, Value>) {
    for field in &shape.fields {
        for key in std::iter::once(&field.name).chain(&field.aliases) {
            let Some(value) = object.get_mut(key) else {
                continue;
            };
            if field.secret.is_some() {
                if !value.is_null() {
                    *value = Value::String(REDACTED.to_owned());
                }
            } else {
                redact_value(&field.kind, value);
            }
        }
    }
}

fn redact_value(kind: &Kind, value: &mut Value) {
    match (kind, value) {
        (Kind::Object(shape), Value::Object(object)) => redact_object(shape, object),
        (Kind::List(item), Value::Array(items)) => {
            for value in items {
                redact_value(item, value);
            }
        }
        (Kind::Map(item), Value::Object(entries)) => {
            for value in entries.values_mut() {
                redact_value(item, value);
            }
        }
        _ => {}
    }
}

/// The unit databag's shape: the first declared one (versions are told apart in the app
/// databag, which the unit databag cannot see), else free-form.
fn unit_shape(interface: &Interface, role: RoleKind) -> Shape {
    let declared = interface
        .role(role)
        .into_iter()
        .flat_map(|r| &r.versions)
        .find_map(|v| v.unit.as_ref());
    match declared {
        Some(unit) => (*interface.shape(unit)).clone(),
        None => free_shape("unit"),
    }
}

/// A shape with no fields that keeps every key: the databag as plain strings.
fn free_shape(name: &str) -> Shape {
    let mut shape = Shape::new(name);
    shape.keeps_unknown = true;
    shape
}

#[cfg(test)]
mod tests {
    use super::redacts;

    #[test]
    fn terminals_get_redacted_values_unless_revealed() {
        assert!(redacts(false, false, true));
        assert!(!redacts(false, true, true));
        assert!(!redacts(false, false, false));
        assert!(redacts(true, false, false));
    }
}
