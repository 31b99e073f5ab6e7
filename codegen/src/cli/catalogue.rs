//! `databag catalogue`: an interface in the Juju catalogue's layout, to propose it there.

use std::path::PathBuf;

use super::{Fatal, Outcome};
use crate::emit::{self, catalogue};
use crate::model::Charm;

/// Write interfaces in the layout of the Juju catalogue (canonical/charm-relation-interfaces)
///
/// For each spec: interfaces/<interface>/v<N>/interface.yaml and README.md, and the role schemas
/// under docs/json_schemas/<interface>/v<N>/{provider,requirer}.json, ready to copy into a
/// checkout of the catalogue. interface.yaml takes status, maintainer, providers and requirers
/// from the spec; the options below replace them. The catalogue's schema.py (pydantic models
/// for its interface tester) is not written.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// The catalogue's root (a checkout of charm-relation-interfaces, or an empty directory)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// One spec to export; without it, every spec under --spec-dir
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Directory of the specs, laid out as <interface>/v<N>.yaml
    #[arg(long, value_name = "DIR", default_value = "spec")]
    spec_dir: PathBuf,
    /// The catalogue status (draft, published, retired), instead of the spec's
    #[arg(long, value_name = "STATUS")]
    status: Option<String>,
    /// The GitHub team maintaining the interface, instead of the spec's
    #[arg(long, value_name = "TEAM")]
    maintainer: Option<String>,
    /// A charm providing the interface, as NAME=URL; repeat for several. Replaces the spec's
    /// list
    #[arg(long, value_name = "NAME=URL")]
    provider: Vec<String>,
    /// A charm requiring the interface, as NAME=URL; repeat for several. Replaces the spec's
    /// list
    #[arg(long, value_name = "NAME=URL")]
    requirer: Vec<String>,
}

pub(super) fn run(args: &Args) -> Result<Outcome, Fatal> {
    let metadata = catalogue::Metadata {
        status: args.status.clone(),
        maintainer: args.maintainer.clone(),
        providers: charms("--provider", &args.provider)?,
        requirers: charms("--requirer", &args.requirer)?,
    };
    let mut builder = crate::Builder::new();
    match &args.spec {
        Some(spec) => builder.spec(spec),
        None => builder.spec_dir(&args.spec_dir),
    };
    let interfaces = builder.load()?;
    let mut written = 0;
    for interface in &interfaces {
        let artifacts = catalogue::render(interface, &metadata)
            .map_err(|e| Fatal(format!("{}: {e}", interface.source.display())))?;
        for artifact in artifacts {
            let path = args.out.join(&artifact.path);
            emit::write_if_changed(&path, &artifact.contents)
                .map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
            written += 1;
        }
    }
    eprintln!(
        "{written} catalogue files from {} specs under {}",
        interfaces.len(),
        args.out.display()
    );
    Ok(Outcome::Success)
}

/// `NAME=URL` options as charms; `None` when none was given (the spec's list stands).
fn charms(option: &str, values: &[String]) -> Result<Option<Vec<Charm>>, Fatal> {
    if values.is_empty() {
        return Ok(None);
    }
    values
        .iter()
        .map(|value| match value.split_once('=') {
            Some((name, url)) if !name.is_empty() && !url.is_empty() => Ok(Charm {
                name: name.to_owned(),
                url: Some(url.to_owned()),
            }),
            _ => Err(Fatal(format!(
                "{option} {value:?}: expected NAME=URL (valkey-operator=https://github.com/canonical/valkey-operator)"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
