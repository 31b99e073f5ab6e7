//! The [`HookTools`] backend: runs Juju's hook tools (`relation-get`, `secret-add`, ...) with
//! their JSON output formats, as a charm's hook process does.
//!
//! Invocations follow what Juju documents and ops does: relations named `-r endpoint:N` so
//! Juju checks the endpoint; `relation-set --file -` with the update as JSON on stdin (JSON is
//! YAML; an empty value deletes a key); secret content as `key#file=PATH` arguments, so no
//! secret value is ever on a command line (where `ps` would show it). On Linux each value is an
//! anonymous memory file (`memfd_create`) named `/proc/<pid>/fd/<n>`, which never has a name on
//! disk: a hook killed during the call leaves nothing behind. Elsewhere, or where the kernel
//! refuses memfd, each value is a file readable by this user only, in a fresh private
//! directory removed right after the call (a killed hook leaves that directory behind).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use super::backend::{
    Backend, BagOf, BagUpdate, CharmState, Fetch, RelationId, SecretInfo, SecretOwner, SecretRef,
    check_secret_content,
};
use super::env::HookContext;
use super::error::{Error, ErrorKind, ToolFailure};
use super::status::{Level, WorkloadStatus};
use crate::{Bag, SecretContent, SecretUri};
use serde_json::{Map, Value};

/// Runs Juju's hook tools for one unit, inside a hook.
///
/// Identity comes from the variables Juju sets for a hook (`JUJU_UNIT_NAME`,
/// `JUJU_MODEL_UUID`; `JUJU_RELATION_ID` and `JUJU_REMOTE_APP` in relation hooks). Tools are
/// looked up on `PATH` unless a tool directory is given.
#[derive(Clone)]
pub struct HookTools {
    context: HookContext,
    tool_dir: Option<PathBuf>,
    /// Variables set on every tool process (empty when the tools inherit this process's).
    env: Vec<(OsString, OsString)>,
}

impl fmt::Debug for HookTools {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookTools")
            .field("unit", &self.context.unit)
            .field("tool_dir", &self.tool_dir)
            .finish_non_exhaustive()
    }
}

impl HookTools {
    /// The backend of the hook this process runs: identity from this process's environment,
    /// which the tools inherit.
    pub fn from_env() -> Result<Self, Error> {
        Ok(HookTools {
            context: HookContext::from_env()?,
            tool_dir: None,
            env: Vec::new(),
        })
    }

    /// A backend for the hook environment `vars` (as Juju would set it), passed to every tool
    /// process on top of this process's environment. For running hook tools on behalf of a
    /// unit from a process that is not its hook (tests, harnesses).
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let env: Vec<(OsString, OsString)> = vars
            .into_iter()
            .map(|(key, value)| (key.into(), value.into()))
            .collect();
        let context = HookContext::from_vars(
            env.iter()
                .filter_map(|(k, v)| Some((k.to_str()?.to_owned(), v.to_str()?.to_owned()))),
        )?;
        Ok(HookTools {
            context,
            tool_dir: None,
            env,
        })
    }

    /// Runs the tools found in `dir` instead of looking them up on `PATH`.
    pub fn with_tool_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.tool_dir = Some(dir.into());
        self
    }

    /// The hook this backend runs in: its name, relation, remote unit, secret.
    pub fn context(&self) -> &HookContext {
        &self.context
    }

    /// Runs `tool` with `args` (and `stdin`); its stdout on success, zeroized when dropped
    /// (see [`read_wiping`]: `secret-get` prints secret content). `shown` are the arguments an
    /// error displays (`args` with temporary file paths masked).
    fn run(
        &self,
        tool: &str,
        args: &[String],
        shown: Vec<String>,
        stdin: Option<&[u8]>,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let program = match &self.tool_dir {
            Some(dir) => dir.join(tool),
            None => PathBuf::from(tool),
        };
        let failure = |status, stderr: String| ToolFailure {
            tool: tool.to_owned(),
            args: shown.clone(),
            status,
            stderr,
        };
        let mut command = Command::new(&program);
        command
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|error| Error::from_failure(failure(None, error.to_string())))?;
        let (stdout, stderr, status, fed) = std::thread::scope(|scope| {
            // Feed stdin and drain stderr from other threads, so a tool that writes before it
            // reads, or fills one pipe while we read the other, cannot deadlock against us.
            let feeder = match (child.stdin.take(), stdin) {
                (Some(mut pipe), Some(data)) => Some(scope.spawn(move || pipe.write_all(data))),
                _ => None,
            };
            let drain = child.stderr.take().map(|mut pipe| {
                scope.spawn(move || {
                    let mut text = Vec::new();
                    pipe.read_to_end(&mut text).map(|_| text)
                })
            });
            let stdout = match child.stdout.take() {
                Some(pipe) => read_wiping(pipe),
                None => Ok(Zeroizing::new(Vec::new())),
            };
            // Waited for even when reading failed: no zombie.
            let status = child.wait();
            let stderr = drain.and_then(|handle| handle.join().ok()?.ok());
            let fed = feeder.map(|handle| handle.join());
            (stdout, stderr.unwrap_or_default(), status, fed)
        });
        let io_failure =
            |error: std::io::Error| Error::from_failure(failure(None, error.to_string()));
        let status = status.map_err(io_failure)?;
        let stdout = stdout.map_err(io_failure)?;
        if !status.success() {
            let stderr = String::from_utf8_lossy(&stderr).into_owned();
            return Err(Error::from_failure(failure(status.code(), stderr)));
        }
        if let Some(Ok(Err(error))) = fed {
            let message = format!("could not write stdin: {error}");
            return Err(Error::with_failure(
                ErrorKind::Io,
                failure(Some(0), message),
            ));
        }
        Ok(stdout)
    }

    /// Runs a tool whose arguments hold nothing to mask and parses its JSON output.
    fn json<T: for<'de> Deserialize<'de>>(
        &self,
        tool: &str,
        args: Vec<String>,
    ) -> Result<T, Error> {
        let stdout = self.run(tool, &args, args.clone(), None)?;
        parse_json(tool, args, &stdout)
    }

    fn secret_uri(tool: &str, args: &[String], text: &str) -> Result<SecretUri, Error> {
        let text = text.trim();
        let parsed = if text.starts_with("secret:") {
            SecretUri::parse(text)
        } else {
            SecretUri::from_id(text)
        };
        parsed.map_err(|error| bad_output(tool, args.to_vec(), &error.to_string()))
    }
}

fn bad_output(tool: &str, args: Vec<String>, why: &str) -> Error {
    Error::with_failure(
        ErrorKind::BadOutput,
        ToolFailure {
            tool: tool.to_owned(),
            args,
            status: Some(0),
            stderr: format!("output not as Juju documents it: {why}"),
        },
    )
}

/// Parses a tool's JSON stdout. The error names the tool and serde's complaint, never the
/// output itself (for `secret-get` it is secret content).
fn parse_json<T: for<'de> Deserialize<'de>>(
    tool: &str,
    args: Vec<String>,
    stdout: &[u8],
) -> Result<T, Error> {
    serde_json::from_slice(stdout).map_err(|error| {
        let why = format!(
            "expected JSON ({} at line {} column {})",
            classify_json(&error),
            error.line(),
            error.column()
        );
        bad_output(tool, args, &why)
    })
}

fn classify_json(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected shape",
        serde_json::error::Category::Eof => "truncated",
    }
}

/// Reads `reader` to its end into a buffer that leaves no copy of what it read behind: wiped
/// when dropped (`Zeroizing`), and wiped before each move to a bigger allocation ([`grow`]),
/// where `read_to_end` would leave the old allocation to the allocator as it was. The chunk
/// read into on the way is wiped too.
fn read_wiping(mut reader: impl Read) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut buffer = Zeroizing::new(Vec::with_capacity(4096));
    let mut chunk = Zeroizing::new([0u8; 4096]);
    loop {
        let read = match reader.read(&mut chunk[..]) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if buffer.capacity() - buffer.len() < read {
            drop(grow(&mut buffer, read));
        }
        // Within capacity: `extend_from_slice` does not reallocate.
        buffer.extend_from_slice(&chunk[..read]);
    }
    Ok(buffer)
}

/// Moves `buffer` to an allocation with room for `additional` more bytes and returns the old
/// one, its bytes zeroed (its length kept, so a test can see them). Nothing was ever written
/// past the old length (bytes are only appended), so that is every byte it held.
fn grow(buffer: &mut Vec<u8>, additional: usize) -> Vec<u8> {
    let needed = buffer.len().saturating_add(additional);
    let mut bigger = Vec::with_capacity(needed.max(buffer.capacity().saturating_mul(2)));
    bigger.extend_from_slice(buffer);
    let mut old = std::mem::replace(buffer, bigger);
    old.as_mut_slice().zeroize();
    old
}

/// Secret content handed to `secret-add`/`secret-set` as `key#file=PATH` arguments; whatever
/// holds it goes away when this is dropped.
///
/// Juju's hook tools are proxies: `secret-add` forwards its arguments to the unit agent, which
/// runs the command and reads each `#file` path itself with `os.ReadFile` (juju/juju:
/// `worker/uniter/runner/jujuc/server.go`, "forwards command invocations to the unit agent
/// process"; `core/secrets/secret.go`, `CreateSecretData`). So the path must name our file
/// from another process: `/proc/<our pid>/fd/<n>`, not `/proc/self/fd/<n>` (in the agent,
/// `self` is the agent). Our process holds the descriptor until the tool returns, and the
/// agent (root on a machine, or this user) may open it.
enum ContentFiles {
    /// One sealed anonymous memory file per value, as `(key, path, descriptor)`. The
    /// descriptors are close-on-exec: the tool opens the path, and no child that another
    /// thread spawns meanwhile inherits a secret.
    #[cfg(target_os = "linux")]
    Memory(Vec<(String, PathBuf, std::os::fd::OwnedFd)>),
    /// One file per value in a fresh private directory, removed on drop. Only where
    /// [`ContentFiles::in_memory`] is unavailable: not Linux, a kernel before 3.17, a seccomp
    /// profile refusing `memfd_create`, or no `/proc` to name the descriptor by. A hook killed
    /// during the call leaves this directory behind (readable by this user only).
    Dir(PathBuf),
}

impl ContentFiles {
    /// Anonymous memory files where the kernel allows them, else [`ContentFiles::in_dir`].
    /// Keys are checked by [`check_secret_content`] first.
    fn write(content: &SecretContent) -> Result<ContentFiles, Error> {
        #[cfg(target_os = "linux")]
        if let Ok(files) = ContentFiles::in_memory(content) {
            return Ok(files);
        }
        ContentFiles::in_dir(content)
    }

    /// Each value in a sealed memfd. Any failure (including a `/proc` that does not show the
    /// descriptor) is reported, so that [`ContentFiles::write`] falls back before any tool
    /// runs.
    #[cfg(target_os = "linux")]
    fn in_memory(content: &SecretContent) -> std::io::Result<ContentFiles> {
        use rustix::fs::{MemfdFlags, SealFlags};
        use std::os::fd::AsRawFd;
        let pid = std::process::id();
        let mut files = Vec::with_capacity(content.len());
        for (key, value) in content {
            let fd = rustix::fs::memfd_create(
                "databag-secret",
                MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
            )?;
            let mut file = std::fs::File::from(fd);
            file.write_all(value.as_bytes())?;
            // Sealed, the tool reads exactly what we wrote: nobody who can open the path
            // (same user, root) can change or truncate it in between.
            rustix::fs::fcntl_add_seals(
                &file,
                SealFlags::WRITE | SealFlags::GROW | SealFlags::SHRINK | SealFlags::SEAL,
            )?;
            let fd = std::os::fd::OwnedFd::from(file);
            let path = PathBuf::from(format!("/proc/{pid}/fd/{}", fd.as_raw_fd()));
            // The path must open in another process; at least it must here.
            std::fs::metadata(&path)?;
            files.push((key.clone(), path, fd));
        }
        Ok(ContentFiles::Memory(files))
    }

    /// Writes each value to `<private dir>/<key>`: the behaviour before memfd, kept as the
    /// fallback.
    fn in_dir(content: &SecretContent) -> Result<ContentFiles, Error> {
        let io = |what: &str, error: std::io::Error| {
            Error::new(ErrorKind::Io, format!("{what} for secret content: {error}"))
        };
        let base = std::env::temp_dir();
        let mut attempt = 0u32;
        let dir = loop {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let dir = base.join(format!(
                "databag-secret-{}-{nanos:08x}-{attempt}",
                std::process::id()
            ));
            // create_dir (not create_dir_all) fails on an existing path, so nobody can slip a
            // directory or symlink of theirs under us.
            match private_dir(&dir) {
                Ok(()) => break dir,
                Err(error)
                    if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 =>
                {
                    attempt += 1;
                }
                Err(error) => return Err(io("could not create a private directory", error)),
            }
        };
        let files = ContentFiles::Dir(dir.clone());
        for (key, value) in content {
            let mut file = private_file(&dir.join(key))
                .map_err(|error| io("could not create a file", error))?;
            file.write_all(value.as_bytes())
                .map_err(|error| io("could not write a file", error))?;
        }
        Ok(files)
    }

    /// The path handed to the tool for `key`.
    fn path(&self, key: &str) -> PathBuf {
        match self {
            #[cfg(target_os = "linux")]
            ContentFiles::Memory(files) => files
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, path, _)| path.clone())
                .unwrap_or_default(),
            ContentFiles::Dir(dir) => dir.join(key),
        }
    }
}

impl Drop for ContentFiles {
    fn drop(&mut self) {
        // Memory files go with their descriptors. A directory: best effort; a leftover file is
        // readable by this user only, in a directory only this user can enter.
        if let ContentFiles::Dir(dir) = self {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[cfg(unix)]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().create(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[derive(Deserialize)]
struct InfoJson {
    revision: u32,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    owner: Option<String>,
}

impl Backend for HookTools {
    fn app_name(&self) -> &str {
        &self.context.app
    }

    fn unit_name(&self) -> &str {
        &self.context.unit
    }

    fn model_uuid(&self) -> &str {
        &self.context.model_uuid
    }

    fn is_leader(&self) -> Result<bool, Error> {
        self.json("is-leader", args::is_leader())
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>, Error> {
        let args = args::relation_ids(endpoint);
        let ids: IdList = self.json("relation-ids", args.clone())?;
        ids.into_ids()
            .iter()
            .map(|id| {
                RelationId::parse(id)
                    .map_err(|e| bad_output("relation-ids", args.clone(), &e.to_string()))
            })
            .collect()
    }

    fn remote_app(&self, relation: &RelationId) -> Result<String, Error> {
        // In a hook of this relation Juju names the other side in the environment (the only
        // way during relation-broken, when the relation has no units any more).
        if self.context.relation.as_ref() == Some(relation)
            && let Some(app) = self
                .context
                .remote_app
                .as_ref()
                .filter(|app| !app.is_empty())
        {
            return Ok(app.clone());
        }
        self.json("relation-list", args::relation_list(relation, true))
    }

    fn remote_units(&self, relation: &RelationId) -> Result<Vec<String>, Error> {
        let units: IdList = self.json("relation-list", args::relation_list(relation, false))?;
        Ok(units.into_ids())
    }

    fn read(&self, relation: &RelationId, bag: &BagOf) -> Result<Bag, Error> {
        let remote_app = match bag {
            BagOf::RemoteApp => Some(self.remote_app(relation)?),
            _ => None,
        };
        let (member, app) = args::member(self, bag, remote_app.as_deref());
        let bag: Option<Bag> =
            self.json("relation-get", args::relation_get(relation, &member, app))?;
        Ok(bag.unwrap_or_default())
    }

    fn write_app(&self, relation: &RelationId, update: &BagUpdate) -> Result<(), Error> {
        let args = args::relation_set(relation, true);
        self.run(
            "relation-set",
            &args,
            args.clone(),
            Some(&settings_json(update)),
        )?;
        Ok(())
    }

    fn write_unit(&self, relation: &RelationId, update: &BagUpdate) -> Result<(), Error> {
        let args = args::relation_set(relation, false);
        self.run(
            "relation-set",
            &args,
            args.clone(),
            Some(&settings_json(update)),
        )?;
        Ok(())
    }

    fn secret_add(
        &self,
        content: &SecretContent,
        label: Option<&str>,
        owner: SecretOwner,
    ) -> Result<SecretUri, Error> {
        check_secret_content(content)?;
        let files = ContentFiles::write(content)?;
        let paths: BTreeMap<&String, PathBuf> =
            content.keys().map(|key| (key, files.path(key))).collect();
        let args = args::secret_add(
            label,
            owner,
            paths.iter().map(|(k, p)| (*k, Some(p.as_path()))),
        );
        let shown = args::secret_add(label, owner, content.keys().map(|key| (key, None)));
        let stdout = self.run("secret-add", &args, shown.clone(), None)?;
        drop(files);
        Self::secret_uri("secret-add", &shown, &String::from_utf8_lossy(&stdout))
    }

    /// `secret-get --format=json`.
    ///
    /// Plaintext copies of the content: the tool's stdout as read from the pipe (every
    /// allocation it grew through, and the read chunk) is zeroized once parsed, on success or
    /// error. Not wiped: serde_json's internal scratch buffer, which holds each string that
    /// has escapes (Juju's Go encoder escapes newlines, `<`, `>`, `&`: a PEM certificate goes
    /// through it) and is freed as is when parsing ends; the kernel's pipe buffer; and the
    /// returned map, a plain [`SecretContent`] owned by the caller ([`crate::Databag::join`]
    /// zeroizes the values of the maps its resolver returns; other callers wipe theirs).
    fn secret_get(&self, secret: &SecretRef, fetch: Fetch) -> Result<SecretContent, Error> {
        self.json("secret-get", args::secret_get(secret, fetch))
    }

    fn secret_info(&self, secret: &SecretRef) -> Result<SecretInfo, Error> {
        let args = args::secret_info_get(secret);
        let infos: BTreeMap<String, InfoJson> = self.json("secret-info-get", args.clone())?;
        let mut infos = infos.into_iter();
        let (Some((id, info)), None) = (infos.next(), infos.next()) else {
            return Err(bad_output(
                "secret-info-get",
                args,
                "expected exactly one secret",
            ));
        };
        let owner = match info.owner.as_deref() {
            Some("unit") => SecretOwner::Unit,
            _ => SecretOwner::Application,
        };
        Ok(SecretInfo {
            uri: Self::secret_uri("secret-info-get", &args, &id)?,
            label: info.label.filter(|label| !label.is_empty()),
            revision: info.revision,
            owner,
        })
    }

    fn secret_set(&self, uri: &SecretUri, content: &SecretContent) -> Result<(), Error> {
        check_secret_content(content)?;
        let files = ContentFiles::write(content)?;
        let paths: BTreeMap<&String, PathBuf> =
            content.keys().map(|key| (key, files.path(key))).collect();
        let args = args::secret_set(uri, paths.iter().map(|(k, p)| (*k, Some(p.as_path()))));
        let shown = args::secret_set(uri, content.keys().map(|key| (key, None)));
        self.run("secret-set", &args, shown, None)?;
        Ok(())
    }

    fn secret_grant(&self, uri: &SecretUri, relation: &RelationId) -> Result<(), Error> {
        let args = args::secret_grant(uri, relation);
        self.run("secret-grant", &args, args.clone(), None)?;
        Ok(())
    }

    fn secret_revoke(&self, uri: &SecretUri, relation: &RelationId) -> Result<(), Error> {
        let args = args::secret_revoke(uri, relation);
        self.run("secret-revoke", &args, args.clone(), None)?;
        Ok(())
    }

    fn secret_remove(&self, uri: &SecretUri) -> Result<(), Error> {
        let args = args::secret_remove(uri);
        self.run("secret-remove", &args, args.clone(), None)?;
        Ok(())
    }

    fn secret_remove_revision(&self, uri: &SecretUri, revision: u32) -> Result<(), Error> {
        let args = args::secret_remove_revision(uri, revision);
        self.run("secret-remove", &args, args.clone(), None)?;
        Ok(())
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, Error> {
        // Juju prints `""` for a missing key (non-strict `state-get`,
        // worker/uniter/runner/jujuc/state-get.go), so an empty value reads as unset.
        let value: Option<String> = self.json("state-get", args::state_get(key))?;
        Ok(value.filter(|value| !value.is_empty()))
    }

    fn state_set(&self, key: &str, value: Option<&str>) -> Result<(), Error> {
        let (tool, args) = args::state_set(key, value);
        self.run(tool, &args, args.clone(), None)?;
        Ok(())
    }

    /// `state-get --format=json`. Juju prints `null` when the state is empty (Go encodes the
    /// nil map it returns then: juju `worker/uniter/runner/context/context.go`,
    /// `GetCharmState`). The output may hold what a charm keeps there; it is read into a
    /// buffer that is zeroized once parsed, as for `secret-get`.
    fn state_get_all(&self) -> Result<CharmState, Error> {
        let state: Option<CharmState> = self.json("state-get", args::state_get_all())?;
        Ok(state.unwrap_or_default())
    }

    fn state_update(&self, update: &BagUpdate) -> Result<(), Error> {
        let (sets, deletes) = args::state_update(update);
        if !sets.is_empty() {
            let args = args::state_set_file();
            // A map of strings always serializes; wiped once written.
            let json = Zeroizing::new(serde_json::to_vec(&sets).unwrap_or_default());
            self.run("state-set", &args, args.clone(), Some(json.as_slice()))?;
        }
        for key in deletes {
            let (tool, args) = args::state_set(key, None);
            self.run(tool, &args, args.clone(), None)?;
        }
        Ok(())
    }

    fn secret_ids(&self) -> Result<Vec<SecretUri>, Error> {
        let args = args::secret_ids();
        let ids: IdList = self.json("secret-ids", args.clone())?;
        ids.into_ids()
            .iter()
            .map(|id| Self::secret_uri("secret-ids", &args, id))
            .collect()
    }

    fn status_set(&self, status: &WorkloadStatus) -> Result<(), Error> {
        let args = args::status_set(status, false);
        self.run("status-set", &args, args.clone(), None)?;
        Ok(())
    }

    fn app_status_set(&self, status: &WorkloadStatus) -> Result<(), Error> {
        let args = args::status_set(status, true);
        self.run("status-set", &args, args.clone(), None)?;
        Ok(())
    }

    fn log(&self, level: Level, message: &str) -> Result<(), Error> {
        let args = args::juju_log(level, message);
        self.run("juju-log", &args, args.clone(), None)?;
        Ok(())
    }

    fn config(&self) -> Result<Map<String, Value>, Error> {
        // `config-get --format=json` prints `{}` when nothing is set; a `null` (Go's
        // encoding of a nil map) reads as empty too.
        let config: Option<Map<String, Value>> = self.json("config-get", args::config_get())?;
        Ok(config.unwrap_or_default())
    }
}

/// A list of IDs as the hook tools print it with `--format=json`, in every shape Juju uses:
/// a list; `null` for an empty one, as Go encodes a nil slice (`secret-ids` of Juju 3.x builds
/// its output with `var out []string`, worker/uniter/runner/jujuc/secret-ids.go; older
/// `relation-list` returned `r.UnitNames()` unguarded); or an object keyed by ID (`secret-ids`
/// of newer Juju prints `{id: label}`).
#[derive(Deserialize)]
#[serde(untagged)]
enum IdList {
    List(Vec<String>),
    ById(BTreeMap<String, serde_json::Value>),
    Null(()),
}

impl IdList {
    fn into_ids(self) -> Vec<String> {
        match self {
            IdList::List(ids) => ids,
            IdList::ById(ids) => ids.into_keys().collect(),
            IdList::Null(()) => Vec::new(),
        }
    }
}

/// The `relation-set --file -` document: every key of the update, deletions as `""` (Juju
/// deletes keys set to an empty string).
fn settings_json(update: &BagUpdate) -> Vec<u8> {
    let settings: BTreeMap<&str, &str> = update
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_deref().unwrap_or("")))
        .collect();
    // A map of strings always serializes.
    serde_json::to_vec(&settings).unwrap_or_default()
}

/// The arguments of each hook tool call, shared with the in-memory backend so that both
/// report a failure with the same command line.
pub(crate) mod args {
    use std::path::Path;

    use std::collections::BTreeMap;

    use super::super::backend::{
        Backend, BagOf, BagUpdate, Fetch, RelationId, SecretOwner, SecretRef,
    };
    use super::super::status::{Level, WorkloadStatus};
    use crate::SecretUri;

    fn owned(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| (*arg).to_owned()).collect()
    }

    /// The member name and `--app` flag of `relation-get` for a databag.
    pub fn member(backend: &dyn Backend, bag: &BagOf, remote_app: Option<&str>) -> (String, bool) {
        match bag {
            BagOf::LocalApp => (backend.app_name().to_owned(), true),
            BagOf::LocalUnit => (backend.unit_name().to_owned(), false),
            BagOf::RemoteApp => (remote_app.unwrap_or_default().to_owned(), true),
            BagOf::RemoteUnit(unit) => (unit.clone(), false),
        }
    }

    pub fn is_leader() -> Vec<String> {
        owned(&["--format=json"])
    }

    /// `status-set [--application] -- STATE MESSAGE`: after `--` a message starting with a
    /// dash is not taken for a flag.
    pub fn status_set(status: &WorkloadStatus, app: bool) -> Vec<String> {
        let mut args = Vec::new();
        if app {
            args.push("--application".to_owned());
        }
        args.extend(owned(&["--", status.name(), status.message()]));
        args
    }

    /// `juju-log --log-level LEVEL -- MESSAGE`.
    pub fn juju_log(level: Level, message: &str) -> Vec<String> {
        vec![
            "--log-level".to_owned(),
            level.to_string(),
            "--".to_owned(),
            message.to_owned(),
        ]
    }

    pub fn config_get() -> Vec<String> {
        owned(&["--format=json"])
    }

    pub fn state_get(key: &str) -> Vec<String> {
        owned(&["--format=json", key])
    }

    /// `state-get` without a key: the whole state.
    pub fn state_get_all() -> Vec<String> {
        owned(&["--format=json"])
    }

    /// `state-set --file -`: the values come on stdin.
    pub fn state_set_file() -> Vec<String> {
        owned(&["--file", "-"])
    }

    /// What a charm state update sets (as `state-set --file` reads it) and deletes.
    pub fn state_update(update: &BagUpdate) -> (BTreeMap<&str, &str>, Vec<&str>) {
        let mut sets = BTreeMap::new();
        let mut deletes = Vec::new();
        for (key, value) in update {
            match value.as_deref() {
                Some(value) if !value.is_empty() => {
                    sets.insert(key.as_str(), value);
                }
                _ => deletes.push(key.as_str()),
            }
        }
        (sets, deletes)
    }

    /// `state-set key=value`, or `state-delete key` for `None`.
    pub fn state_set(key: &str, value: Option<&str>) -> (&'static str, Vec<String>) {
        match value {
            Some(value) => ("state-set", vec![format!("{key}={value}")]),
            None => ("state-delete", owned(&[key])),
        }
    }

    pub fn relation_ids(endpoint: &str) -> Vec<String> {
        owned(&["--format=json", endpoint])
    }

    pub fn relation_list(relation: &RelationId, app: bool) -> Vec<String> {
        let mut args = owned(&["--format=json", "-r", &relation.to_string()]);
        if app {
            args.push("--app".to_owned());
        }
        args
    }

    pub fn relation_get(relation: &RelationId, member: &str, app: bool) -> Vec<String> {
        let mut args = owned(&["--format=json", "-r", &relation.to_string()]);
        if app {
            args.push("--app".to_owned());
        }
        args.extend(owned(&["-", member]));
        args
    }

    pub fn relation_set(relation: &RelationId, app: bool) -> Vec<String> {
        let mut args = owned(&["-r", &relation.to_string()]);
        if app {
            args.push("--app".to_owned());
        }
        args.extend(owned(&["--file", "-"]));
        args
    }

    /// `key#file=PATH` for each key; a `None` path shows as `<tempfile>`.
    fn content_args<'a>(keys: impl Iterator<Item = (&'a String, Option<&'a Path>)>) -> Vec<String> {
        keys.map(|(key, path)| match path {
            Some(path) => format!("{key}#file={}", path.display()),
            None => format!("{key}#file=<tempfile>"),
        })
        .collect()
    }

    pub fn secret_add<'a>(
        label: Option<&str>,
        owner: SecretOwner,
        keys: impl Iterator<Item = (&'a String, Option<&'a Path>)>,
    ) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(label) = label {
            args.extend(owned(&["--label", label]));
        }
        args.extend(owned(&["--owner", owner.as_str()]));
        args.extend(content_args(keys));
        args
    }

    pub fn secret_get(secret: &SecretRef, fetch: Fetch) -> Vec<String> {
        let mut args = owned(&["--format=json"]);
        if let Some(uri) = secret.get_uri() {
            args.push(uri.as_str().to_owned());
        }
        if let Some(label) = secret.get_label() {
            args.extend(owned(&["--label", label]));
        }
        match fetch {
            Fetch::Tracked => {}
            Fetch::Peek => args.push("--peek".to_owned()),
            Fetch::Refresh => args.push("--refresh".to_owned()),
        }
        args
    }

    /// `secret-info-get` takes a URI or a label, not both: the URI wins.
    pub fn secret_info_get(secret: &SecretRef) -> Vec<String> {
        let mut args = owned(&["--format=json"]);
        match (secret.get_uri(), secret.get_label()) {
            (Some(uri), _) => args.push(uri.as_str().to_owned()),
            (None, Some(label)) => args.extend(owned(&["--label", label])),
            (None, None) => {}
        }
        args
    }

    pub fn secret_set<'a>(
        uri: &SecretUri,
        keys: impl Iterator<Item = (&'a String, Option<&'a Path>)>,
    ) -> Vec<String> {
        let mut args = vec![uri.as_str().to_owned()];
        args.extend(content_args(keys));
        args
    }

    pub fn secret_grant(uri: &SecretUri, relation: &RelationId) -> Vec<String> {
        owned(&["--relation", &relation.number().to_string(), uri.as_str()])
    }

    pub fn secret_revoke(uri: &SecretUri, relation: &RelationId) -> Vec<String> {
        owned(&["--relation", &relation.number().to_string(), uri.as_str()])
    }

    pub fn secret_remove(uri: &SecretUri) -> Vec<String> {
        vec![uri.as_str().to_owned()]
    }

    pub fn secret_remove_revision(uri: &SecretUri, revision: u32) -> Vec<String> {
        vec![
            uri.as_str().to_owned(),
            "--revision".to_owned(),
            revision.to_string(),
        ]
    }

    pub fn secret_ids() -> Vec<String> {
        owned(&["--format=json"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_come_in_every_shape_juju_prints() {
        let ids = |json: &str| {
            serde_json::from_str::<IdList>(json)
                .map(IdList::into_ids)
                .expect("an id list")
        };
        assert_eq!(ids("null"), Vec::<String>::new());
        assert_eq!(ids(r#"["secret:a","secret:b"]"#), ["secret:a", "secret:b"]);
        assert_eq!(
            ids(r#"{"secret:a":"label","secret:b":""}"#),
            ["secret:a", "secret:b"]
        );
        assert!(serde_json::from_str::<IdList>("7").is_err());
    }

    fn content() -> SecretContent {
        SecretContent::from([
            ("password".to_owned(), "s3cret-value".to_owned()),
            ("username".to_owned(), "relation-0".to_owned()),
        ])
    }

    #[test]
    fn content_files_in_a_dir_are_private_and_removed() {
        let files = ContentFiles::in_dir(&content()).expect("write");
        let path = files.path("password");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "s3cret-value"
        );
        let ContentFiles::Dir(dir) = &files else {
            panic!("in_dir writes a directory");
        };
        let dir = dir.clone();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir), 0o700);
        }
        drop(files);
        assert!(!dir.exists(), "{}", dir.display());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn content_files_on_linux_are_sealed_memory_files_named_by_pid() {
        let files = ContentFiles::write(&content()).expect("write");
        assert!(matches!(files, ContentFiles::Memory(_)), "memfd available");
        let path = files.path("password");
        let prefix = format!("/proc/{}/fd/", std::process::id());
        assert!(path.starts_with(&prefix), "{}", path.display());
        let target = std::fs::read_link(&path).expect("readlink");
        assert!(
            target
                .to_string_lossy()
                .starts_with("/memfd:databag-secret"),
            "{}",
            target.display()
        );
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "s3cret-value"
        );
        // Sealed: opening the path for writing works, writing does not.
        let mut writer = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open");
        assert!(writer.write_all(b"x").is_err(), "sealed against writes");
        assert_eq!(
            std::fs::read_to_string(files.path("username")).expect("read"),
            "relation-0"
        );
    }

    #[test]
    fn growing_the_stdout_buffer_wipes_the_old_allocation() {
        let mut buffer = Vec::with_capacity(8);
        buffer.extend_from_slice(b"hunter2!");
        let old = grow(&mut buffer, 5);
        assert_eq!(buffer, b"hunter2!", "moved over");
        assert!(buffer.capacity() >= 13);
        assert_eq!(old, [0u8; 8], "every byte the old allocation held is zero");
    }

    #[test]
    fn stdout_is_read_whole_through_many_chunks_and_growths() {
        // A reader that hands out 7 bytes at a time: many chunks, several growths.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(out.len()).min(7);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let text: Vec<u8> = (0..20_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let read = read_wiping(Trickle(&text)).expect("read");
        assert_eq!(read.as_slice(), text.as_slice());
        let content: SecretContent = parse_json(
            "secret-get",
            Vec::new(),
            &read_wiping(&br#"{"password": "pw"}"#[..]).expect("read"),
        )
        .expect("parses");
        assert_eq!(content["password"], "pw");
    }

    #[test]
    fn settings_delete_with_empty_values() {
        let update = BagUpdate::from([
            ("gone".to_owned(), None),
            ("kept".to_owned(), Some("v".to_owned())),
        ]);
        assert_eq!(settings_json(&update), br#"{"gone":"","kept":"v"}"#);
    }

    #[test]
    fn missing_tools_are_reported_by_name() {
        let tools = HookTools::from_vars([
            ("JUJU_UNIT_NAME", "requirer/0"),
            ("JUJU_MODEL_UUID", "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"),
        ])
        .expect("env")
        .with_tool_dir("/nonexistent/databag-juju-tools");
        let error = tools.is_leader().expect_err("no tool");
        assert_eq!(error.kind(), ErrorKind::ToolMissing);
        assert_eq!(error.tool(), Some("is-leader"));
    }

    #[test]
    fn shown_args_mask_tempfiles() {
        let key = "password".to_owned();
        let shown = args::secret_add(
            Some("l"),
            SecretOwner::Application,
            [(&key, None)].into_iter(),
        );
        assert_eq!(
            shown,
            [
                "--label",
                "l",
                "--owner",
                "application",
                "password#file=<tempfile>"
            ]
        );
    }
}
