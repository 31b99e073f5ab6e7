//! The emulated models of the benchmark: the base model of N responses, each contender's
//! snapshot of a scenario, and restoring a snapshot for a run.

use std::path::{Path, PathBuf};

use databag::juju::State;
use databag::testing::{EmuModel, Hook, load_state};
use serde_json::{Map, json};

use crate::{Contender, Setup};

/// The model's UUID: secret URIs are `secret://<this>/<id>`, as Juju writes them.
const MODEL_UUID: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
/// The requirer unit whose hook is measured.
pub const UNIT: &str = "app/0";
/// The measured hook.
pub const HOOK: &str = "cache-relation-changed";

/// A model snapshot: the directory to copy for every run, and the hook program in it.
pub struct Snapshot {
    /// The model directory (state, tool links, the unit's charm directory).
    pub dir: PathBuf,
    /// The hook program: the Rust charm's binary, or the Python charm's `dispatch`.
    pub program: PathBuf,
    /// The relation's number.
    pub relation: u32,
}

/// The model both contenders start from, with N responses: the Rust requirer asked for N
/// prefixes (relation-created), the provider answered. Prepared once per N and copied for
/// every contender and scenario, so their models are identical (request ids, secret URIs,
/// databags) up to the charm in the unit's directory.
pub fn prepare_base(setup: &Setup, n: usize) -> Result<(PathBuf, u32), String> {
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
pub fn prepare(
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
pub fn restore(setup: &Setup, from: &Path, to: &Path) -> Result<EmuModel, String> {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|error| error.to_string())?;
    }
    copy_tree(from, to, &["calls.log", "files.log", "juju.log"])
        .map_err(|error| format!("copying the model: {error}"))?;
    let state = load_state(&to.join("state.json")).map_err(|error| error.to_string())?;
    EmuModel::new(to, &setup.emulator, &state).map_err(|error| error.to_string())
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
pub fn failure(model: &EmuModel, stdout: &str, stderr: &str) -> String {
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
