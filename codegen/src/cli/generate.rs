//! `databag generate`: regenerate every artifact from the specs.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Fatal, Outcome};
use crate::emit;

/// Regenerate every artifact from the specs
///
/// Writes the Rust bindings, JSON Schemas and docs of every spec (files whose contents did not
/// change are left untouched), and removes artifacts that no spec generates any more.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Directory of the specs, laid out as <interface>/v<N>.yaml
    #[arg(long, value_name = "DIR", default_value = "spec")]
    spec_dir: PathBuf,
    /// Output directory; artifacts go to its bindings/, json_schemas/ and docs/
    #[arg(long, value_name = "DIR", default_value = "generated")]
    out: PathBuf,
}

pub(super) fn run(args: &Args) -> Result<Outcome, Fatal> {
    let interfaces = crate::Builder::new().spec_dir(&args.spec_dir).load()?;
    let artifacts = emit::all(&interfaces);
    let mut changed = 0;
    for artifact in &artifacts {
        let path = args.out.join(&artifact.path);
        if emit::write_if_changed(&path, &artifact.contents)
            .map_err(|e| Fatal(format!("{}: {e}", path.display())))?
        {
            changed += 1;
            eprintln!("wrote {}", path.display());
        }
    }
    let stale = emit::stale_files(&args.out, &artifacts)
        .map_err(|e| Fatal(format!("{}: {e}", args.out.display())))?;
    for rel in &stale {
        let path = args.out.join(rel);
        fs::remove_file(&path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
        remove_empty_parents(&args.out, rel);
        eprintln!("removed {} (no spec generates it)", path.display());
    }
    eprintln!(
        "{} artifacts from {} specs: {changed} written, {} removed, {} unchanged",
        artifacts.len(),
        interfaces.len(),
        stale.len(),
        artifacts.len() - changed
    );
    Ok(Outcome::Success)
}

/// Removes the directories that held a removed artifact, up to (not including) the artifact
/// directory, while they are empty.
fn remove_empty_parents(out: &Path, rel: &Path) {
    let mut dir = rel.parent();
    while let Some(current) = dir {
        if current.parent().is_none_or(|p| p.as_os_str().is_empty()) {
            break;
        }
        // Fails, and stops the walk, on the first directory that still has files.
        if fs::remove_dir(out.join(current)).is_err() {
            break;
        }
        dir = current.parent();
    }
}
