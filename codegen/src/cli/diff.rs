//! `databag diff`: what a new version of a spec breaks for peers built on the old one.

use std::path::PathBuf;

use super::{Fatal, Outcome, stdout};
use crate::diff;

/// Compare two versions of a spec: what breaks deployed peers, what is compatible
///
/// Both files are loaded and validated, then compared as models (not as text), per role, wire
/// version, databag and key, in both directions: a role's databags are written by that role and
/// read by the other, and either side may be upgraded first. One line per finding, breaking
/// ones first: `FILE:LINE:COL: breaking|compatible ROLE VERSION DATABAG KEY: what and whom it
/// breaks [rule]`, the place in the new file (in the old one for what the new one lacks).
/// Exit 0 when every change is compatible, 1 when any breaks, 2 when a spec cannot be loaded.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// The spec as deployed peers know it
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The proposed spec
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Output format: one line per finding, or a JSON object {breaking, findings: [{file, line,
    /// column, severity, rule, role, version, databag, key, breaks, message}]}
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
    let report = diff::compare_files(&args.old, &args.new)
        .map_err(|problems| Fatal(problems.to_string().trim_end().to_owned()))?;
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
