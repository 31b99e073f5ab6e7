//! Running one measured hook: its CPU time (the hook and its hook-tool processes), wall time
//! and tool calls, and the check that it did its job; and the cost of one hook-tool process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use databag::juju::WorkloadStatus;
use databag::testing::{EmuModel, Hook};
use serde_json::{Map, Value, json};

use crate::model::{HOOK, Snapshot, UNIT, failure, restore};
use crate::report::median;
use crate::{Contender, Setup};

/// The workload's connection file both charms write.
const CONNECTIONS: &str = "valkey-connections.json";

/// One hook run's cost.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// User + system CPU time of the hook and its tool processes, microseconds.
    pub cpu_us: f64,
    /// Wall time from spawning the hook to its exit, microseconds.
    pub wall_us: f64,
    /// Hook-tool calls the hook made.
    pub calls: usize,
}

/// What one measured hook did: its cost, and its tool calls (`tool args...`).
pub struct Measured {
    /// The figures.
    pub sample: Sample,
    /// Each call as `tool args...`.
    pub calls: Vec<String>,
}

/// The cost of one hook-tool process in the model of `base`, the floor under every call a hook
/// makes: `is-leader --format=json` run as the requirer unit (start-up, the state file read
/// under its lock, one line printed), `rounds` times (at least 5); median, min and max of its CPU time (microseconds).
pub fn tool_call_cost(
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

/// Restores `snapshot` into a fresh directory and runs the timed hook in it.
pub fn measure(
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
