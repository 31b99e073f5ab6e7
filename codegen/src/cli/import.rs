//! `databag import`: a Juju catalogue interface's JSON Schemas to a spec, or the whole
//! catalogue to the catalogue crate.

use std::path::PathBuf;

use super::{Fatal, Outcome, stdout};
use crate::import::{self, Source, catalogue};

/// Import Juju catalogue interfaces (their JSON Schemas) as specs
///
/// With SCHEMAS (a catalogue directory `docs/json_schemas/<name>/v<N>` holding provider.json
/// and/or requirer.json): prints the spec on stdout and, on stderr, one line per thing the
/// importer guessed or could not carry over. With --catalogue: imports every interface version
/// of a catalogue checkout and writes the catalogue crate (specs, bindings, schemas, the
/// table CATALOGUE.md) into --out; with --check, writes nothing and exits 1 when --out is not
/// up to date.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// A catalogue schema directory, `.../docs/json_schemas/<name>/v<N>`
    #[arg(
        value_name = "SCHEMAS",
        required_unless_present = "catalogue",
        conflicts_with = "catalogue"
    )]
    schemas: Option<PathBuf>,
    /// The interface.yaml of that version (status, maintainer, charms); by default
    /// `<catalogue root>/interfaces/<name>/v<N>/interface.yaml` when SCHEMAS sits in a checkout
    #[arg(long, value_name = "FILE", requires = "schemas")]
    interface_yaml: Option<PathBuf>,
    /// A catalogue checkout (holding docs/json_schemas/ and interfaces/)
    #[arg(long, value_name = "DIR")]
    catalogue: Option<PathBuf>,
    /// The catalogue crate's directory (with --catalogue)
    #[arg(
        long,
        value_name = "DIR",
        requires = "catalogue",
        default_value = "tests/catalogue"
    )]
    out: PathBuf,
    /// Compare instead of writing: exit 1 listing each file that is not up to date
    #[arg(long, requires = "catalogue")]
    check: bool,
}

pub(super) fn run(args: &Args) -> Result<Outcome, Fatal> {
    match (&args.schemas, &args.catalogue) {
        (Some(schemas), _) => one(schemas, args.interface_yaml.as_ref()),
        (None, Some(corpus)) => whole(corpus, args),
        (None, None) => Err(Fatal("give SCHEMAS or --catalogue DIR".to_owned())),
    }
}

/// One interface version: the spec on stdout, the notes on stderr.
fn one(schemas: &std::path::Path, interface_yaml: Option<&PathBuf>) -> Result<Outcome, Fatal> {
    let place = schemas.display();
    let version = schemas
        .file_name()
        .and_then(|v| v.to_str())
        .and_then(|v| v.strip_prefix('v'))
        .and_then(|v| v.parse::<u32>().ok())
        .ok_or_else(|| Fatal(format!("{place}: expected a directory named v<N>")))?;
    let name = schemas
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .ok_or_else(|| Fatal(format!("{place}: expected .../<name>/v<N>")))?
        .to_owned();
    // `<root>/docs/json_schemas/<name>/v<N>`: the checkout root is four levels up.
    let root = schemas.ancestors().nth(4).map(PathBuf::from);
    let mut source = match &root {
        Some(root) if root.join("docs/json_schemas").join(&name).is_dir() => {
            Source::read(root, &name, version).map_err(|e| Fatal(e.0))?
        }
        _ => Source::read_dir(schemas, &name, version).map_err(|e| Fatal(e.0))?,
    };
    if let Some(path) = interface_yaml {
        source.metadata = Some(
            std::fs::read_to_string(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?,
        );
    }
    let imported = import::import(&source).map_err(|e| Fatal(e.0))?;
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    stdout(&imported.spec);
    Ok(Outcome::Success)
}

/// The whole catalogue into the catalogue crate.
fn whole(corpus: &std::path::Path, args: &Args) -> Result<Outcome, Fatal> {
    let (entries, artifacts) = catalogue::render(corpus).map_err(|e| Fatal(e.0))?;
    let generated = entries
        .iter()
        .filter(|e| matches!(e.outcome, catalogue::Outcome::Generated(_)))
        .count();
    if args.check {
        let differ = catalogue::differences(&args.out, &artifacts).map_err(|e| Fatal(e.0))?;
        if differ.is_empty() {
            return Ok(Outcome::Success);
        }
        for path in &differ {
            eprintln!("{}: not up to date", args.out.join(path).display());
        }
        eprintln!(
            "run `databag import --catalogue {} --out {}`",
            corpus.display(),
            args.out.display()
        );
        return Ok(Outcome::Negative);
    }
    catalogue::write(&args.out, &artifacts).map_err(|e| Fatal(e.0))?;
    eprintln!(
        "{generated} of {} interface versions generated; table in {}",
        entries.len(),
        args.out.join("CATALOGUE.md").display()
    );
    Ok(Outcome::Success)
}
