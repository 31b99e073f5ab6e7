//! `databag validate`: is a databag dump valid for a role of an interface?

use std::path::PathBuf;

use super::{Fatal, Outcome, Role, input, load_spec, problems::problems, stdout};

/// Validate a databag dump against a role's JSON Schema
///
/// The content of JSON-encoded values (`requests`) is validated too. Exit 0 when valid; else
/// exit 1 and print one line per problem, naming the key (and the request index).
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
    /// JSON or YAML: a flat map of databag keys to string values (the app databag), an
    /// object with `app` and/or `unit` maps, or `juju show-unit UNIT` output; `-` reads stdin
    #[arg(value_name = "DUMP")]
    dump: PathBuf,
}

pub(super) fn run(args: &Args) -> Result<Outcome, Fatal> {
    let interface = load_spec(&args.spec)?;
    let input = input::read(&interface, &args.dump, args.role, args.relation.as_deref())?;
    let found = problems(&interface, input.role, &input.dump);
    if found.is_empty() {
        return Ok(Outcome::Success);
    }
    let mut text = found.join("\n");
    text.push('\n');
    stdout(&text);
    Ok(Outcome::Negative)
}
