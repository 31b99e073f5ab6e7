//! `databag diff`: what a new version of a spec breaks for peers built on the old one.

use std::path::PathBuf;

use super::{Fatal, Outcome, load_spec, stdout};
use crate::diff;

/// Compare two versions of a spec: what breaks deployed peers, what is compatible
///
/// Both files are loaded and validated, then compared as models (not as text), per role, wire
/// version, databag and key, in both directions: a role's databags are written by that role and
/// read by the other, and either side may be upgraded first. One line per finding, breaking
/// ones first: `breaking|compatible ROLE VERSION DATABAG KEY: what and whom it breaks [rule]`.
/// Exit 0 when every change is compatible, 1 when any breaks, 2 when a spec cannot be loaded.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// The spec as deployed peers know it
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The proposed spec
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Output format: one line per finding, or a JSON object {breaking, findings: [{severity,
    /// rule, role, version, databag, key, breaks, message}]}
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// How findings are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub(super) fn run(args: &Args) -> Result<Outcome, Fatal> {
    let old = load_spec(&args.old)?;
    let new = load_spec(&args.new)?;
    let report = diff::compare(&old, &new);
    match args.format {
        Format::Text => stdout(&report.to_text()),
        Format::Json => stdout(&report.to_json()),
    }
    let breaking = report.breaking().count();
    eprintln!(
        "{breaking} breaking, {} compatible change(s)",
        report.findings.len() - breaking
    );
    Ok(if report.is_breaking() {
        Outcome::Negative
    } else {
        Outcome::Success
    })
}
