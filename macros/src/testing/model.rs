//! An emulated Juju for running charm code and hook tools in tests, without a controller.
//!
//! [`EmuModel`] owns a directory holding the model (`state.json`, a
//! [`crate::juju::State`]), a `bin/` directory of hook tool symlinks (`relation-get`,
//! `secret-add`, ...) to the `juju_emu` multi-call binary, and the logs the tools write:
//! `calls.log` (one JSON line per hook tool call: unit, tool, arguments), `files.log` (one JSON
//! line per `key#file=PATH` content file a tool read: the path, and what it linked to then) and
//! `juju.log` (`juju-log` and `status-set` lines). The requirer app and the provider app share it; each
//! tool call locks the state file, so concurrent hooks see consistent state.
//!
//! A hook runs with [`EmuModel::hook_env`] (the variables Juju sets, with `bin/` first on
//! `PATH`); [`EmuModel::run_hook`] also rolls the model back when the hook fails, as Juju
//! discards a failed hook's changes.
//!
//! Fault injection: [`EmuModel::fail_next`] makes the next N calls of a tool fail (kept in the
//! state, across processes); the variable `JUJU_EMU_FAIL=tool[,tool...]` makes every call of
//! those tools fail in the processes that have it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::juju::{HookTools, State};
use serde_json::json;

/// The hook tools the emulator implements (the names of the symlinks in `bin/`).
pub const TOOLS: &[&str] = &[
    "is-leader",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "relation-model-get",
    "secret-add",
    "secret-get",
    "secret-info-get",
    "secret-set",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
    "secret-ids",
    "state-get",
    "state-set",
    "state-delete",
    "juju-log",
    "status-set",
    "config-get",
];

/// Environment variable naming the emulator's state file.
pub const STATE_VAR: &str = "JUJU_EMU_STATE";

/// Environment variable listing tools that fail on every call (`secret-add,relation-set`).
pub const FAIL_VAR: &str = "JUJU_EMU_FAIL";

/// The Juju version the emulated hooks announce (`JUJU_VERSION`).
pub const JUJU_VERSION: &str = "3.6.8";

/// One recorded hook tool call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The unit that made it (`JUJU_UNIT_NAME`).
    pub unit: String,
    /// The tool (`secret-add`).
    pub tool: String,
    /// Its arguments, as on the command line.
    pub args: Vec<String>,
}

/// A `key#file=PATH` content file as an emulated tool found it, at the moment it read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentFile {
    /// The path it was given.
    pub path: String,
    /// Where the path linked to then (`/memfd:NAME (deleted)` for an anonymous memory file
    /// named by `/proc/PID/fd/N`); `None` for a plain file.
    pub target: Option<String>,
}

/// A hook to run: unit, hook name, and for relation hooks the relation and remote unit.
#[derive(Clone, Debug)]
pub struct Hook {
    unit: String,
    name: String,
    relation: Option<u32>,
    remote_unit: Option<String>,
    vars: Vec<(String, String)>,
}

impl Hook {
    /// Hook `name` (`install`, `valkey-client-relation-changed`) on `unit`.
    pub fn new(unit: &str, name: &str) -> Self {
        Hook {
            unit: unit.to_owned(),
            name: name.to_owned(),
            relation: None,
            remote_unit: None,
            vars: Vec::new(),
        }
    }

    /// A hook of relation `number`. The remote unit defaults to the other side's first unit,
    /// except in `-relation-created` and `-relation-broken` hooks, which have none.
    pub fn relation(mut self, number: u32) -> Self {
        self.relation = Some(number);
        self
    }

    /// The remote unit (`JUJU_REMOTE_UNIT`) of a relation hook.
    pub fn remote_unit(mut self, unit: &str) -> Self {
        self.remote_unit = Some(unit.to_owned());
        self
    }

    /// One more variable (`JUJU_SECRET_ID`, `JUJU_DEPARTING_UNIT`, ...).
    pub fn var(mut self, key: &str, value: &str) -> Self {
        self.vars.push((key.to_owned(), value.to_owned()));
        self
    }
}

/// How a hook process ended.
#[derive(Clone, Debug)]
pub struct HookRun {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its exit status (`None` if killed by a signal).
    pub status: Option<i32>,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

/// An emulated Juju model in a directory; see the module docs.
#[derive(Clone, Debug)]
pub struct EmuModel {
    dir: PathBuf,
}

impl EmuModel {
    /// Sets up the model `state` in `dir` (created if needed), with hook tool symlinks to
    /// `emulator`: a binary whose `main` is [`databag::testing::main`](super::main) (see the
    /// [module docs](super) for the three lines a charm adds).
    pub fn new(dir: &Path, emulator: &Path, state: &State) -> io::Result<Self> {
        let model = EmuModel {
            dir: dir.to_owned(),
        };
        fs::create_dir_all(model.bin_dir())?;
        for tool in TOOLS {
            let link = model.bin_dir().join(tool);
            if fs::symlink_metadata(&link).is_ok() {
                fs::remove_file(&link)?;
            }
            std::os::unix::fs::symlink(emulator, &link)?;
        }
        save_state(&model.state_path(), state)?;
        Ok(model)
    }

    /// The model directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The directory of hook tool symlinks.
    pub fn bin_dir(&self) -> PathBuf {
        self.dir.join("bin")
    }

    /// The state file.
    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// A copy of the model as it is now.
    pub fn state(&self) -> State {
        with_state(&self.state_path(), |state| state.clone())
            .unwrap_or_else(|error| panic!("emulated Juju state: {error}"))
    }

    /// Changes the model (add units, relate, break, set the leader, ...), under the lock.
    pub fn update<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        with_state(&self.state_path(), change)
            .unwrap_or_else(|error| panic!("emulated Juju state: {error}"))
    }

    /// Makes the next `times` calls of hook tool `tool` fail (any unit, any process).
    pub fn fail_next(&self, tool: &str, times: u32) {
        self.update(|state| state.fail_next(tool, times));
    }

    /// The variables Juju sets for `hook`, plus `PATH` with the tool symlinks first and the
    /// emulator's state file. Nothing else: hooks run with exactly these.
    pub fn env(&self, hook: &Hook) -> Vec<(String, String)> {
        let state = self.state();
        let app = crate::juju::state::app_of(&hook.unit).to_owned();
        let system_path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned());
        let mut env = vec![
            (
                "PATH".to_owned(),
                format!("{}:{system_path}", self.bin_dir().display()),
            ),
            (
                STATE_VAR.to_owned(),
                self.state_path().display().to_string(),
            ),
            ("JUJU_UNIT_NAME".to_owned(), hook.unit.clone()),
            ("JUJU_MODEL_UUID".to_owned(), state.model_uuid().to_owned()),
            ("JUJU_MODEL_NAME".to_owned(), "emulated".to_owned()),
            ("JUJU_HOOK_NAME".to_owned(), hook.name.clone()),
            (
                "JUJU_DISPATCH_PATH".to_owned(),
                format!("hooks/{}", hook.name),
            ),
            (
                "JUJU_CHARM_DIR".to_owned(),
                self.charm_dir(&hook.unit).display().to_string(),
            ),
            ("JUJU_VERSION".to_owned(), JUJU_VERSION.to_owned()),
            (
                "JUJU_CONTEXT_ID".to_owned(),
                format!("{}-{}", hook.unit, hook.name),
            ),
        ];
        if let Some(number) = hook.relation
            && let Some(relation) = state.relation_id(&app, number)
        {
            let remote_app = state.remote_app(&hook.unit, &relation).unwrap_or_default();
            let remote_unit = hook.remote_unit.clone().or_else(|| {
                let unitless = hook.name.ends_with("-relation-created")
                    || hook.name.ends_with("-relation-broken");
                if unitless {
                    return None;
                }
                state
                    .remote_units(&hook.unit, &relation)
                    .ok()
                    .and_then(|units| units.into_iter().next())
            });
            env.push(("JUJU_RELATION".to_owned(), relation.endpoint().to_owned()));
            env.push(("JUJU_RELATION_ID".to_owned(), relation.to_string()));
            env.push(("JUJU_REMOTE_APP".to_owned(), remote_app));
            env.push((
                "JUJU_REMOTE_UNIT".to_owned(),
                remote_unit.unwrap_or_default(),
            ));
        }
        env.extend(hook.vars.iter().cloned());
        env
    }

    /// [`EmuModel::env`] for `hook` on `unit`, in relation `relation` if given.
    pub fn hook_env(&self, unit: &str, hook: &str, relation: Option<u32>) -> Vec<(String, String)> {
        let mut spec = Hook::new(unit, hook);
        if let Some(number) = relation {
            spec = spec.relation(number);
        }
        self.env(&spec)
    }

    /// A [`HookTools`] backend acting as `unit` in `hook`, running the emulated tools: how a
    /// test drives the hook-tool backend from its own process.
    pub fn tools(&self, hook: &Hook) -> HookTools {
        HookTools::from_vars(self.env(hook))
            .unwrap_or_else(|error| panic!("hook environment of {}: {error}", hook.unit))
    }

    /// The charm directory of `unit` (`JUJU_CHARM_DIR`, the hook's working directory).
    pub fn charm_dir(&self, unit: &str) -> PathBuf {
        self.dir.join("units").join(unit.replace('/', "-"))
    }

    /// Runs `program` as `hook`, as Juju would: only the hook's environment, the charm
    /// directory as working directory. When it fails, the model goes back to what it was
    /// before the hook (Juju commits a hook's changes only when it succeeds).
    pub fn run_hook(&self, program: &Path, hook: &Hook) -> io::Result<HookRun> {
        self.run_hook_with(program, hook, true)
    }

    /// [`EmuModel::run_hook`], choosing whether a failed hook's changes are rolled back
    /// (`false` keeps them: harsher than Juju, to test that retries converge anyway).
    pub fn run_hook_with(
        &self,
        program: &Path,
        hook: &Hook,
        rollback: bool,
    ) -> io::Result<HookRun> {
        let charm_dir = self.charm_dir(&hook.unit);
        fs::create_dir_all(&charm_dir)?;
        let before = self.state();
        let output: Output = Command::new(program)
            .env_clear()
            .envs(self.env(hook))
            .current_dir(&charm_dir)
            .output()?;
        if !output.status.success() && rollback {
            self.update(|state| state.rollback(before));
        }
        Ok(HookRun {
            success: output.status.success(),
            status: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// Every hook tool call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        let text = fs::read_to_string(self.dir.join("calls.log")).unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .map(|value| Call {
                unit: value["unit"].as_str().unwrap_or_default().to_owned(),
                tool: value["tool"].as_str().unwrap_or_default().to_owned(),
                args: value["args"]
                    .as_array()
                    .map(|args| {
                        args.iter()
                            .filter_map(|arg| arg.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Every content file a tool read so far, in order.
    pub fn content_files(&self) -> Vec<ContentFile> {
        let text = fs::read_to_string(self.dir.join("files.log")).unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .map(|value| ContentFile {
                path: value["path"].as_str().unwrap_or_default().to_owned(),
                target: value["target"].as_str().map(str::to_owned),
            })
            .collect()
    }

    /// The lines charms logged with `juju-log` and `status-set`.
    pub fn log(&self) -> Vec<String> {
        fs::read_to_string(self.dir.join("juju.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Runs `change` on the state stored at `path`, holding the model's lock, and saves it.
pub fn with_state<T>(path: &Path, change: impl FnOnce(&mut State) -> T) -> io::Result<T> {
    let _lock = lock(path)?;
    let mut state = load_state(path)?;
    let result = change(&mut state);
    save_state(path, &state)?;
    Ok(result)
}

/// Takes the model's lock (a `.lock` file beside the state); released when dropped.
pub fn lock(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.with_extension("lock"))?;
    file.lock()?;
    Ok(file)
}

/// Reads the state file.
pub fn load_state(path: &Path) -> io::Result<State> {
    let text = fs::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|error| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {error}", path.display()),
        )
    })
}

/// Writes the state file (whole, through a rename: a reader never sees half of it).
pub fn save_state(path: &Path, state: &State) -> io::Result<()> {
    let text = serde_json::to_string_pretty(state).map_err(io::Error::other)?;
    let temp = path.with_extension("json.tmp");
    fs::write(&temp, text)?;
    fs::rename(&temp, path)
}

/// Appends one call to `calls.log` in the model directory.
pub fn record_call(dir: &Path, unit: &str, tool: &str, args: &[String]) -> io::Result<()> {
    let line = json!({ "unit": unit, "tool": tool, "args": args }).to_string();
    append(&dir.join("calls.log"), &line)
}

/// Appends one content file read (see [`ContentFile`]) to `files.log` in the model directory.
pub fn record_file(dir: &Path, path: &str, target: Option<&str>) -> io::Result<()> {
    let line = json!({ "path": path, "target": target }).to_string();
    append(&dir.join("files.log"), &line)
}

/// Appends one line to `juju.log` in the model directory.
pub fn record_log(dir: &Path, line: &str) -> io::Result<()> {
    append(&dir.join("juju.log"), line)
}

fn append(path: &Path, line: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(file, "{line}")
}
