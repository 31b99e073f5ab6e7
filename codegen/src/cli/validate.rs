//! `databag validate`: is a databag dump valid for a role of an interface?

use std::path::PathBuf;

use super::{Fatal, Outcome, Role, dump, load_spec, problems::problems, stdout};

/// Validate a databag dump against a role's JSON Schema
///
/// The content of JSON-encoded values (`requests`) is validated too. Exit 0 when valid; else
/// exit 1 and print one line per problem, naming the key (and the request index).
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// The interface spec (spec/<interface>/v<N>.yaml)
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,
    /// Which side wrote the databag
    #[arg(long, value_enum)]
    role: Role,
    /// JSON or YAML: a flat map of databag keys to string values (the app databag), or an
    /// object with `app` and/or `unit` maps; `-` reads stdin
    #[arg(value_name = "DUMP")]
    dump: PathBuf,
}

pub(super) fn run(args: &Args) -> Result<Outcome, Fatal> {
    let interface = load_spec(&args.spec)?;
    let dump = dump::read(&args.dump)?;
    let found = problems(&interface, args.role.into(), &dump);
    if found.is_empty() {
        return Ok(Outcome::Success);
    }
    let mut text = found.join("\n");
    text.push('\n');
    stdout(&text);
    Ok(Outcome::Negative)
}
