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

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use databag::juju::{State, WorkloadStatus};
use databag::testing::{EmuModel, Hook, load_state};
use serde_json::{Map, Value, json};

const MODEL_UUID: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const UNIT: &str = "app/0";
const HOOK: &str = "cache-relation-changed";
const CONNECTIONS: &str = "valkey-connections.json";

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

/// A sibling binary of this one (cargo builds them into the same directory).
fn sibling(name: &str) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|error| error.to_string())?;
    let path = me.with_file_name(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is not built", path.display()))
    }
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

/// One hook run's cost.
#[derive(Clone, Copy, Debug)]
struct Sample {
    cpu_us: f64,
    wall_us: f64,
    calls: usize,
}

/// What one measured hook did: its cost, and its tool calls (`tool args...`).
struct Measured {
    sample: Sample,
    calls: Vec<String>,
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

/// A model snapshot: the directory to copy for every run, and the hook program in it.
struct Snapshot {
    dir: PathBuf,
    program: PathBuf,
    relation: u32,
}

/// The model both contenders start from, with N responses: the Rust requirer asked for N
/// prefixes (relation-created), the provider answered. Prepared once per N and copied for
/// every contender and scenario, so their models are identical (request ids, secret URIs,
/// databags) up to the charm in the unit's directory.
fn prepare_base(setup: &Setup, n: usize) -> Result<(PathBuf, u32), String> {
    let dir = setup.work.join(format!("base-{n}"));
    let mut state = State::new(MODEL_UUID);
    state.add_app("app", 1);
    state.add_app("valkey", 1);
    let relation = state.relate("app", "cache", "valkey", "valkey-client");
    let prefixes: Vec<String> = (0..n).map(|i| format!("app{i}:*")).collect();
    let mut config = Map::new();
    config.insert("version".to_owned(), json!("v1"));
    config.insert("prefixes".to_owned(), json!(prefixes.join(",")));
    state.set_config("app", config);
    let model = EmuModel::new(&dir, &setup.emulator, &state).map_err(|error| error.to_string())?;
    let created = "cache-relation-created";
    hook(&model, &setup.rust_charm, UNIT, created, Some(relation))?;
    let answer = "valkey-client-relation-changed";
    hook(&model, &setup.provider, "valkey/0", answer, Some(relation))?;
    Ok((dir, relation))
}

/// Builds the snapshot of `scenario` for `contender` from the base model, in its own
/// directory: the charm installed, one `update-status` run, and for `steady` the measured
/// hook run once already.
fn prepare(
    setup: &Setup,
    (base, relation): &(PathBuf, u32),
    scenario: &str,
    contender: Contender,
) -> Result<Snapshot, String> {
    let name = base.file_name().unwrap_or_default().to_string_lossy();
    let dir = setup
        .work
        .join(format!("snapshot-{name}-{scenario}-{}", contender.name()));
    let model = restore(setup, base, &dir)?;
    let charm_dir = model.charm_dir(UNIT);
    let program = match contender {
        Contender::Rust => setup.rust_charm.clone(),
        Contender::Python => {
            install_python_charm(setup, &charm_dir)?;
            charm_dir.join("dispatch")
        }
    };
    hook(&model, &program, UNIT, "update-status", None)?;
    if scenario == "steady" {
        hook(&model, &program, UNIT, HOOK, Some(*relation))?;
    }
    Ok(Snapshot {
        dir,
        program,
        relation: *relation,
    })
}

/// A copy of the model in `from` at `to` (replacing what was there), without its logs.
fn restore(setup: &Setup, from: &Path, to: &Path) -> Result<EmuModel, String> {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|error| error.to_string())?;
    }
    copy_tree(from, to, &["calls.log", "files.log", "juju.log"])
        .map_err(|error| format!("copying the model: {error}"))?;
    let state = load_state(&to.join("state.json")).map_err(|error| error.to_string())?;
    EmuModel::new(to, &setup.emulator, &state).map_err(|error| error.to_string())
}

/// The cost of one hook-tool process in the model of `base`, the floor under every call a hook
/// makes: `is-leader --format=json` run as the requirer unit (start-up, the state file read
/// under its lock, one line printed), `rounds` times (at least 5); median, min and max of its CPU time (microseconds).
fn tool_call_cost(
    setup: &Setup,
    (base, _): &(PathBuf, u32),
    rounds: usize,
) -> Result<Value, String> {
    let model = restore(setup, base, &setup.work.join("tool-floor"))?;
    let env = model.env(&Hook::new(UNIT, "update-status"));
    let program = model.bin_dir().join("is-leader");
    let mut samples = Vec::new();
    for _ in 0..rounds.max(5) {
        let before = children_cpu_us()?;
        let output = Command::new(&program)
            .arg("--format=json")
            .env_clear()
            .envs(env.iter().cloned())
            .current_dir(model.dir())
            .output()
            .map_err(|error| format!("{}: {error}", program.display()))?;
        let cpu_us = children_cpu_us()? - before;
        if !output.status.success() || output.stdout != b"true\n" {
            return Err(format!(
                "is-leader: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        samples.push(cpu_us);
    }
    samples.sort_by(f64::total_cmp);
    Ok(json!({
        "median": median(&samples),
        "min": samples.first().copied().unwrap_or_default(),
        "max": samples.last().copied().unwrap_or_default(),
    }))
}

/// Links the Python charm's files into the unit's charm directory, as `juju deploy` unpacks
/// a packed charm: `dispatch`, `src/`, `metadata.yaml`, `config.yaml`, and `venv/`.
fn install_python_charm(setup: &Setup, charm_dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(charm_dir).map_err(|error| error.to_string())?;
    for name in ["dispatch", "src", "metadata.yaml", "config.yaml"] {
        let from = setup.python_charm.join(name);
        if !from.exists() {
            return Err(format!("{} is missing", from.display()));
        }
        std::os::unix::fs::symlink(&from, charm_dir.join(name))
            .map_err(|error| format!("linking {name}: {error}"))?;
    }
    std::os::unix::fs::symlink(&setup.site_packages, charm_dir.join("venv"))
        .map_err(|error| format!("linking venv: {error}"))
}

/// Runs an untimed preparation hook, which must succeed.
fn hook(
    model: &EmuModel,
    program: &Path,
    unit: &str,
    name: &str,
    relation: Option<u32>,
) -> Result<(), String> {
    let mut spec = Hook::new(unit, name);
    if let Some(number) = relation {
        spec = spec.relation(number);
    }
    let run = model
        .run_hook(program, &spec)
        .map_err(|error| format!("{name} on {unit}: {error}"))?;
    if run.success {
        Ok(())
    } else {
        Err(format!(
            "{name} on {unit} failed: {}",
            failure(model, &run.stdout, &run.stderr)
        ))
    }
}

/// What a failed hook printed and logged (ops reports an uncaught exception through
/// juju-log), and the tool calls it made: what an operator would read.
fn failure(model: &EmuModel, stdout: &str, stderr: &str) -> String {
    let calls: Vec<String> = model
        .calls()
        .iter()
        .map(|call| format!("{} {} {}", call.unit, call.tool, call.args.join(" ")))
        .collect();
    format!(
        "{stdout}{stderr}\njuju.log:\n{}\ncalls:\n{}",
        model.log().join("\n"),
        calls.join("\n")
    )
}

/// Restores `snapshot` into a fresh directory and runs the timed hook in it.
fn measure(
    setup: &Setup,
    snapshot: &Snapshot,
    contender: Contender,
    n: usize,
) -> Result<Measured, String> {
    let dir = setup.work.join(format!("run-{}", contender.name()));
    let model = restore(setup, &snapshot.dir, &dir)?;
    let program = match contender {
        Contender::Rust => snapshot.program.clone(),
        Contender::Python => model.charm_dir(UNIT).join("dispatch"),
    };
    let env = model.env(&Hook::new(UNIT, HOOK).relation(snapshot.relation));
    let charm_dir = model.charm_dir(UNIT);

    let before = children_cpu_us()?;
    let start = Instant::now();
    let output = Command::new(&program)
        .env_clear()
        .envs(env)
        .current_dir(&charm_dir)
        .output()
        .map_err(|error| format!("{}: {error}", program.display()))?;
    let wall_us = start.elapsed().as_secs_f64() * 1e6;
    let cpu_us = children_cpu_us()? - before;

    if !output.status.success() {
        return Err(format!(
            "the hook failed: {}",
            failure(
                &model,
                &String::from_utf8_lossy(&output.stdout),
                &String::from_utf8_lossy(&output.stderr)
            )
        ));
    }
    check_outcome(&model, &charm_dir, n)?;
    let calls: Vec<String> = model
        .calls()
        .iter()
        .filter(|call| call.unit == UNIT)
        .map(|call| format!("{} {}", call.tool, call.args.join(" ")))
        .collect();
    Ok(Measured {
        sample: Sample {
            cpu_us,
            wall_us,
            calls: calls.len(),
        },
        calls,
    })
}

/// The hook did its job: N connections for the workload, and the status that says so.
fn check_outcome(model: &EmuModel, charm_dir: &Path, n: usize) -> Result<(), String> {
    let want = WorkloadStatus::Active(format!("{n} Valkey connection(s)"));
    let state = model.state();
    let status = state.status(UNIT);
    if status != Some(&want) {
        return Err(format!("status {status:?}, expected {want:?}"));
    }
    let path = charm_dir.join(CONNECTIONS);
    let text =
        std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    let connections: Map<String, Value> =
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    let count: usize = connections
        .values()
        .filter_map(Value::as_object)
        .map(Map::len)
        .sum();
    let with_password = connections
        .values()
        .filter_map(Value::as_object)
        .flat_map(|entry| entry.values())
        .filter(|connection| {
            connection["password"]
                .as_str()
                .is_some_and(|p| !p.is_empty())
        })
        .count();
    if count != n || with_password != n {
        return Err(format!(
            "{}: {count} connection(s), {with_password} with a password, expected {n}",
            path.display()
        ));
    }
    Ok(())
}

/// CPU time (user + system, microseconds) of every child process this process has waited
/// for, with their waited-for descendants: the hook and the hook tools it ran.
fn children_cpu_us() -> Result<f64, String> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it is given, which points to
    // one; it returns 0 on success.
    let status = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    if status != 0 {
        return Err(format!("getrusage: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: getrusage succeeded, so it initialised the struct.
    let usage = unsafe { usage.assume_init() };
    let micros = |time: libc::timeval| time.tv_sec as f64 * 1e6 + time.tv_usec as f64;
    Ok(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// Copies a directory tree, symbolic links as links, leaving out files named in `skip`.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if skip.iter().any(|skipped| name == *skipped) {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&name));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &target)?;
        } else if kind.is_dir() {
            copy_tree(&source, &target, skip)?;
        } else {
            std::fs::copy(&source, &target)?;
        }
    }
    Ok(())
}

/// Median, minimum and maximum of each measure, and the tool calls (the same every round, or
/// the spread says otherwise).
fn summary(samples: &[Sample]) -> Value {
    let stats = |pick: fn(&Sample) -> f64| {
        let mut values: Vec<f64> = samples.iter().map(pick).collect();
        values.sort_by(f64::total_cmp);
        json!({
            "median": median(&values),
            "min": values.first().copied().unwrap_or_default(),
            "max": values.last().copied().unwrap_or_default(),
        })
    };
    json!({
        "cpu_us": stats(|sample| sample.cpu_us),
        "wall_us": stats(|sample| sample.wall_us),
        "calls": stats(|sample| sample.calls as f64),
    })
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        len if len % 2 == 1 => sorted[len / 2],
        len => (sorted[len / 2 - 1] + sorted[len / 2]) / 2.0,
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cpus} cores, {}, {model}; load average {}",
        std::env::consts::ARCH,
        load.join(" ")
    )
}

/// The targets (issue 15): Python CPU time / Rust CPU time at least 40× with one
/// response and 20× with 50; the Rust hook's steady state at 50 responses at most 4 tool calls.
fn ratio_target(n: usize) -> Option<f64> {
    match n {
        1 => Some(40.0),
        50 => Some(20.0),
        _ => None,
    }
}

fn print_table(report: &Value) {
    let ms = |value: &Value| value.as_f64().unwrap_or_default() / 1000.0;
    println!(
        "{:<4} {:<7} {:<7} {:>26} {:>26} {:>6}",
        "N", "state", "charm", "cpu ms median (min-max)", "wall ms median (min-max)", "calls"
    );
    let mut verdicts = Vec::new();
    for result in report["results"].as_array().into_iter().flatten() {
        let n = result["responses"].as_u64().unwrap_or_default() as usize;
        let scenario = result["scenario"].as_str().unwrap_or_default();
        for contender in ["rust", "python"] {
            let figures = &result[contender];
            let (cpu, wall) = (&figures["cpu_us"], &figures["wall_us"]);
            println!(
                "{:<4} {:<7} {:<7} {:>26} {:>26} {:>6}",
                n,
                scenario,
                contender,
                format!(
                    "{:.2} ({:.2}-{:.2})",
                    ms(&cpu["median"]),
                    ms(&cpu["min"]),
                    ms(&cpu["max"])
                ),
                format!(
                    "{:.2} ({:.2}-{:.2})",
                    ms(&wall["median"]),
                    ms(&wall["min"]),
                    ms(&wall["max"])
                ),
                figures["calls"]["median"].as_f64().unwrap_or_default()
            );
        }
        let cpu_ratio = result["python"]["cpu_us"]["median"]
            .as_f64()
            .unwrap_or_default()
            / result["rust"]["cpu_us"]["median"].as_f64().unwrap_or(1.0);
        let wall_ratio = result["python"]["wall_us"]["median"]
            .as_f64()
            .unwrap_or_default()
            / result["rust"]["wall_us"]["median"].as_f64().unwrap_or(1.0);
        match ratio_target(n) {
            Some(target) => verdicts.push(format!(
                "N = {n:<2} {scenario:<6}: python/rust CPU {cpu_ratio:.1}x (wall {wall_ratio:.1}x), \
                 target >= {target}x: {}",
                if cpu_ratio >= target { "met" } else { "MISSED" }
            )),
            None => verdicts.push(format!(
                "N = {n:<2} {scenario:<6}: python/rust CPU {cpu_ratio:.1}x (wall {wall_ratio:.1}x), no target"
            )),
        }
        let floor = result["tool_call_cpu_us"]["median"]
            .as_f64()
            .unwrap_or_default();
        if let Some(target) = ratio_target(n)
            && floor > 0.0
        {
            let python = result["python"]["cpu_us"]["median"]
                .as_f64()
                .unwrap_or_default();
            let rust = result["rust"]["cpu_us"]["median"]
                .as_f64()
                .unwrap_or_default();
            let calls = result["rust"]["calls"]["median"]
                .as_f64()
                .unwrap_or_default();
            verdicts.push(format!(
                "    rust: {calls} tool processes x {:.2} ms (one is-leader in this model, {:.2}-{:.2}) \
                 = {:.0}% of its CPU; {target}x needs the rust hook <= {:.1} ms: <= {:.0} tool \
                 calls at that cost, even with no work of its own",
                floor / 1000.0,
                ms(&result["tool_call_cpu_us"]["min"]),
                ms(&result["tool_call_cpu_us"]["max"]),
                100.0 * calls * floor / rust.max(1.0),
                python / target / 1000.0,
                (python / target / floor).floor()
            ));
        }
        if n == 50 && scenario == "steady" {
            let calls = result["rust"]["calls"]["max"].as_f64().unwrap_or_default();
            verdicts.push(format!(
                "N = 50 steady: rust hook-tool calls {calls}, target <= 4: {}",
                if calls <= 4.0 { "met" } else { "MISSED" }
            ));
        }
    }
    println!();
    for verdict in verdicts {
        println!("{verdict}");
    }
    let rounds = report["results"][0]["rounds"].as_u64().unwrap_or_default();
    println!(
        "(CPU = user + system of the hook and the hook-tool processes it ran; medians of {rounds} \
         rounds, Rust and Python alternating; machine: {})",
        report["machine"].as_str().unwrap_or_default()
    );
}
