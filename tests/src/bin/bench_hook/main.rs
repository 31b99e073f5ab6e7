//! `bench_hook`: the example Rust requirer charm against a real Python charm (ops +
//! dpcharmlibs-interfaces, `tests/python/requirer_charm`) handling the same
//! `cache-relation-changed` hook through the same emulated Juju hook tools
//! (`databag::testing`), on identical models.
//!
//! For each number of responses N (default 1 and 50) it prepares one model: the Rust requirer
//! asks for N key prefixes (relation-created), the example provider charm answers them (N
//! responses, two secrets each, URIs in Juju's full `secret://<model-uuid>/<id>` form). Every
//! contender then runs from a copy of that model, with its own charm in the unit's charm
//! directory, after one untimed `update-status` (so the Python charm's ops state exists, as on
//! a deployed unit). Two scenarios:
//!
//! - `first`: the provider's answer is new (the hook resolves the secrets, writes the
//!   workload's connection file, sets the status);
//! - `steady`: the same hook again, nothing changed since the last one.
//!
//! Each round restores the scenario's snapshot for each contender and runs its hook as a new
//! process, Rust and Python interleaved (the order alternates every round). Measured per hook:
//! CPU time (user + system, from `getrusage(RUSAGE_CHILDREN)` before and after: the hook and
//! every hook-tool process it started and waited for), wall time, and the hook-tool calls it
//! made (`EmuModel::calls`). Every run is checked: it must succeed and leave the unit
//! `active: N Valkey connection(s)` with N connections in its connection file, or the figures
//! would time a failure.
//!
//! Usage: `bench_hook [--rounds R] [--responses 1,50] [--venv DIR] [--python-charm DIR]
//! [--json] [--show-calls]` (`--show-calls`: every hook's tool calls, first round, to stderr;
//! defaults: 15 rounds, `tests/python/.venv-1.2.2`, `tests/python/requirer_charm`,
//! relative to the working directory). Prints a table, or one JSON object with `--json`.

mod measure;
mod model;
mod report;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use databag_tests::sibling::sibling;

use serde_json::json;

use measure::{Sample, measure, tool_call_cost};
use model::{prepare, prepare_base};
use report::{machine, print_table, summary};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench_hook: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    rounds: usize,
    responses: Vec<usize>,
    venv: PathBuf,
    python_charm: PathBuf,
    json: bool,
    show_calls: bool,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        rounds: 15,
        responses: vec![1, 50],
        venv: PathBuf::from("tests/python/.venv-1.2.2"),
        python_charm: PathBuf::from("tests/python/requirer_charm"),
        json: false,
        show_calls: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--rounds" => {
                let text = value("--rounds")?;
                options.rounds = text
                    .parse()
                    .map_err(|_| format!("--rounds {text:?}: not a number"))?;
            }
            "--responses" => {
                let text = value("--responses")?;
                options.responses = text
                    .split(',')
                    .map(|n| n.trim().parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| format!("--responses {text:?}: not a list of numbers"))?;
            }
            "--venv" => options.venv = PathBuf::from(value("--venv")?),
            "--python-charm" => options.python_charm = PathBuf::from(value("--python-charm")?),
            "--json" => options.json = true,
            "--show-calls" => options.show_calls = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.rounds == 0 || options.responses.contains(&0) {
        return Err("rounds and responses must be at least 1".to_owned());
    }
    Ok(options)
}

/// The two charms under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    Rust,
    Python,
}

impl Contender {
    fn name(self) -> &'static str {
        match self {
            Contender::Rust => "rust",
            Contender::Python => "python",
        }
    }
}

/// Where things are.
struct Setup {
    work: PathBuf,
    emulator: PathBuf,
    rust_charm: PathBuf,
    provider: PathBuf,
    python_charm: PathBuf,
    site_packages: PathBuf,
}

fn run() -> Result<(), String> {
    let options = options()?;
    let work = tempfile::tempdir().map_err(|error| format!("temporary directory: {error}"))?;
    let setup = Setup {
        work: work.path().to_owned(),
        emulator: sibling("juju_emu")?,
        rust_charm: sibling("valkey_requirer_charm")?,
        provider: sibling("valkey_provider_charm")?,
        python_charm: absolute(&options.python_charm)?,
        site_packages: site_packages(&options.venv)?,
    };
    let mut results = Vec::new();
    for &n in &options.responses {
        let base = prepare_base(&setup, n)?;
        let tool_floor = tool_call_cost(&setup, &base, options.rounds)?;
        for scenario in ["first", "steady"] {
            let snapshots = [Contender::Rust, Contender::Python]
                .map(|contender| prepare(&setup, &base, scenario, contender));
            let [rust, python] = snapshots;
            let (rust, python) = (rust?, python?);
            let mut samples: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
            for round in 0..options.rounds {
                let order = if round % 2 == 0 {
                    [Contender::Rust, Contender::Python]
                } else {
                    [Contender::Python, Contender::Rust]
                };
                for contender in order {
                    let (snapshot, slot) = match contender {
                        Contender::Rust => (&rust, 0),
                        Contender::Python => (&python, 1),
                    };
                    let measured = measure(&setup, snapshot, contender, n).map_err(|error| {
                        format!("N = {n}, {scenario}, {}: {error}", contender.name())
                    })?;
                    if options.show_calls && round == 0 {
                        eprintln!(
                            "N = {n}, {scenario}, {}: {} call(s)\n  {}",
                            contender.name(),
                            measured.calls.len(),
                            measured.calls.join("\n  ")
                        );
                    }
                    samples[slot].push(measured.sample);
                }
            }
            results.push(json!({
                "responses": n,
                "scenario": scenario,
                "rounds": options.rounds,
                "tool_call_cpu_us": tool_floor,
                "rust": summary(&samples[0]),
                "python": summary(&samples[1]),
            }));
        }
    }
    let report = json!({
        "results": results,
        "machine": machine(),
    });
    if options.json {
        println!("{report}");
    } else {
        print_table(&report);
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::fs::canonicalize(path).map_err(|error| format!("{}: {error}", path.display()))
}

/// The venv's `lib/python3.X/site-packages`: what charmcraft packs as the charm's `venv/`. Its
/// X must be the `python3` that `dispatch` runs (`/usr/bin/env python3`, on this `PATH`), or
/// the compiled modules (pydantic-core, cryptography) would not load.
fn site_packages(venv: &Path) -> Result<PathBuf, String> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys; print(f'python{sys.version_info[0]}.{sys.version_info[1]}')",
        ])
        .output()
        .map_err(|error| format!("python3: {error}"))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let path = absolute(venv)?
        .join("lib")
        .join(&version)
        .join("site-packages");
    if output.status.success() && path.is_dir() {
        Ok(path)
    } else {
        Err(format!(
            "{}: not there (python3 on PATH is {version:?}; tests/scripts/python-env.sh makes \
             the venv with it)",
            path.display()
        ))
    }
}
