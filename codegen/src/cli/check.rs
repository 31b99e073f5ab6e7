//! `databag check`: is the output directory what `generate` would write?

use std::fs;
use std::io;
use std::path::PathBuf;

use similar::TextDiff;

use super::{Fatal, Outcome, stdout};
use crate::emit;

/// Check that the artifacts are up to date with the specs
///
/// Exit 0 when they are; else exit 1 and print a unified diff per stale, missing or orphaned
/// file: what `databag generate` would change.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Directory of the specs, laid out as <interface>/v<N>.yaml
    #[arg(long, value_name = "DIR", default_value = "spec")]
    spec_dir: PathBuf,
    /// Output directory to check
    #[arg(long, value_name = "DIR", default_value = "generated")]
    out: PathBuf,
}

pub(super) fn run(args: &Args) -> Result<Outcome, Fatal> {
    let interfaces = crate::Builder::new().spec_dir(&args.spec_dir).load()?;
    let artifacts = emit::all(&interfaces);
    let mut stale = 0;
    for artifact in &artifacts {
        let path = args.out.join(&artifact.path);
        let current = match fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(Fatal(format!("{}: {error}", path.display()))),
        };
        if current.as_deref() == Some(artifact.contents.as_str()) {
            continue;
        }
        stale += 1;
        let rel = artifact.path.display().to_string();
        let old_name = if current.is_some() {
            format!("a/{rel}")
        } else {
            "/dev/null".to_owned()
        };
        stdout(&diff(
            current.as_deref().unwrap_or(""),
            &artifact.contents,
            &old_name,
            &format!("b/{rel}"),
        ));
        let why = if current.is_some() {
            "stale"
        } else {
            "missing"
        };
        eprintln!("{why}: {}", path.display());
    }
    let orphans = emit::stale_files(&args.out, &artifacts)
        .map_err(|e| Fatal(format!("{}: {e}", args.out.display())))?;
    for rel in &orphans {
        stale += 1;
        let path = args.out.join(rel);
        let current = fs::read_to_string(&path).unwrap_or_default();
        let rel = rel.display().to_string();
        stdout(&diff(&current, "", &format!("a/{rel}"), "/dev/null"));
        eprintln!("no spec generates: {}", path.display());
    }
    if stale == 0 {
        return Ok(Outcome::Success);
    }
    eprintln!(
        "{} is out of date with {} ({stale} files); run `databag generate`",
        args.out.display(),
        args.spec_dir.display()
    );
    Ok(Outcome::Negative)
}

fn diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}
