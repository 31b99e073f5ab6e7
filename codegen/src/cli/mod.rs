//! The `databag` command line: `generate`, `check`, `validate`, `resolve`, `diff`, `catalogue`,
//! `import`.
//!
//! A thin front end over the library, as stable as the contract in DESIGN.md: results on
//! stdout, everything else on stderr. Exit codes: 0 success; 1 the command ran and the answer
//! is negative (stale files, an invalid databag, a missing secret); 2 the command could not run
//! (bad arguments, unreadable files, an invalid spec).

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::model::RoleKind;

mod catalogue;
mod check;
mod diff;
mod dump;
mod generate;
mod import;
mod input;
mod juju;
mod problems;
mod resolve;
mod validate;

/// Typed Juju relation databags: generate bindings, schemas and docs from interface specs, check
/// them, validate or resolve databag dumps, compare spec versions and export them to the Juju
/// catalogue.
#[derive(Debug, Parser)]
#[command(
    name = "databag",
    version,
    after_help = "Exit status: 0 success; 1 stale artifacts, an invalid databag, an \
                  unresolvable secret or a breaking spec change; 2 usage, I/O or spec errors."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Generate(generate::Args),
    Check(check::Args),
    Validate(validate::Args),
    Resolve(resolve::Args),
    Diff(diff::Args),
    Catalogue(catalogue::Args),
    Import(import::Args),
}

/// Which side of the relation a databag belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Role {
    Requirer,
    Provider,
}

impl From<Role> for RoleKind {
    fn from(role: Role) -> Self {
        match role {
            Role::Requirer => RoleKind::Requirer,
            Role::Provider => RoleKind::Provider,
        }
    }
}

/// Runs the command line on the process's arguments.
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

/// Runs the command line on `args` (the first one is the program name).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout and usage errors to stderr.
            let code = error.exit_code();
            error.print().ok();
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Generate(args) => generate::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Resolve(args) => resolve::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Catalogue(args) => catalogue::run(&args),
        Command::Import(args) => import::run(&args),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(fatal) => {
            // Messages start with their place (`file:line:col: ...`, `path: ...`).
            eprintln!("{fatal}");
            ExitCode::from(2)
        }
    }
}

/// How a command that ran ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: stale files, an invalid databag, an unresolvable secret, a breaking change.
    Negative,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Negative => ExitCode::from(1),
        }
    }
}

/// A command that could not run (exit 2), with the message for stderr.
#[derive(Debug)]
struct Fatal(String);

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<crate::builder::Error> for Fatal {
    fn from(error: crate::builder::Error) -> Self {
        Fatal(error.to_string())
    }
}

/// Writes a result to stdout. A closed pipe (`databag check | head`) is not an error worth a
/// panic, so write errors are ignored.
fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).ok();
    out.flush().ok();
}

/// Loads the single spec a `--spec FILE` option names.
fn load_spec(path: &std::path::Path) -> Result<crate::model::Interface, Fatal> {
    let mut interfaces = crate::Builder::new().spec(path).load()?;
    interfaces
        .pop()
        .ok_or_else(|| Fatal(format!("{}: no interface loaded", path.display())))
}
