//! The emulated Juju hook tools, for one multi-call binary dispatching on the name it is
//! called by (`relation-get`, `secret-add`, ... are symlinks to it; `juju_emu TOOL ARGS`
//! works too): [`main`]. The model lives in the file `JUJU_EMU_STATE`, shared by every unit; the caller
//! is `JUJU_UNIT_NAME`. Output formats, flags and error messages follow Juju's hook tools:
//! errors print `ERROR <message>` on stderr and exit 1 (2 for bad flags or arguments).
//!
//! Setup and inspection are in [`EmuModel`](super::EmuModel).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::model::{self as juju_emu, FAIL_VAR, STATE_VAR, TOOLS};
use crate::SecretContent;
use crate::juju::state::{Refusal, State, secret_id};
use crate::juju::{BagUpdate, Fetch, Level, RelationId, SecretOwner, WorkloadStatus};
use serde_json::{Value, json};

/// The emulator's entry point: the whole `main` of a multi-call binary that
/// [`EmuModel`](super::EmuModel) links the hook tools to. It reads `argv[0]` (or, called by
/// another name, `argv[1]`) as the tool, acts on the model in `JUJU_EMU_STATE` as
/// `JUJU_UNIT_NAME`, prints what Juju's tool prints and exits as it does.
pub fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let called = argv
        .first()
        .map(|arg0| {
            Path::new(arg0)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let (tool, args) = if TOOLS.contains(&called.as_str()) {
        (called, argv.get(1..).unwrap_or_default().to_vec())
    } else if let Some(tool) = argv.get(1) {
        (tool.clone(), argv.get(2..).unwrap_or_default().to_vec())
    } else {
        eprintln!(
            "usage: juju_emu TOOL [ARGS...] (or call it as one of: {})",
            TOOLS.join(", ")
        );
        return ExitCode::from(2);
    };
    match run(&tool, &args) {
        Ok(stdout) => {
            print!("{stdout}");
            ExitCode::SUCCESS
        }
        Err(refusal) => {
            eprint!("{}", refusal.stderr());
            ExitCode::from(u8::try_from(refusal.status).unwrap_or(1))
        }
    }
}

fn fail(message: impl Into<String>) -> Refusal {
    Refusal {
        status: 1,
        message: message.into(),
    }
}

fn usage(message: impl Into<String>) -> Refusal {
    Refusal {
        status: 2,
        message: message.into(),
    }
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|value| !value.is_empty())
}

fn run(tool: &str, args: &[String]) -> Result<String, Refusal> {
    if !TOOLS.contains(&tool) {
        return Err(usage(format!("juju_emu does not emulate {tool:?}")));
    }
    let state_path =
        PathBuf::from(env(STATE_VAR).ok_or_else(|| fail(format!("{STATE_VAR} is not set")))?);
    let dir = state_path.parent().unwrap_or(Path::new(".")).to_owned();
    let unit = env("JUJU_UNIT_NAME").ok_or_else(|| fail("JUJU_UNIT_NAME is not set"))?;
    let io = |error: std::io::Error| fail(format!("juju_emu: {error}"));
    // Read stdin before taking the lock: a writer feeding us must not wait on another hook.
    let stdin = if (tool == "relation-set" || tool == "state-set") && reads_stdin(args) {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(io)?;
        Some(text)
    } else {
        None
    };
    let _lock = juju_emu::lock(&state_path).map_err(io)?;
    juju_emu::record_call(&dir, &unit, tool, args).map_err(io)?;
    let mut state = juju_emu::load_state(&state_path).map_err(io)?;
    let failing = env(FAIL_VAR).unwrap_or_default();
    let result = if failing.split(',').any(|name| name.trim() == tool) {
        Err(fail(format!("injected failure of {tool} ({FAIL_VAR})")))
    } else {
        state
            .take_fault(tool)
            .and_then(|()| dispatch(&mut state, &dir, &unit, tool, args, stdin.as_deref()))
    };
    // Faults consumed count even when the call fails; State changes nothing on a refusal.
    juju_emu::save_state(&state_path, &state).map_err(io)?;
    result
}

fn reads_stdin(args: &[String]) -> bool {
    args.windows(2)
        .any(|pair| pair[0] == "--file" && pair[1] == "-")
        || args.iter().any(|arg| arg == "--file=-")
}

/// Parsed flags and positional arguments, gnuflag style: `--name value`, `--name=value`,
/// flags anywhere, `--` ends flags.
struct Args {
    values: BTreeMap<String, String>,
    switches: BTreeSet<String>,
    positional: Vec<String>,
}

impl Args {
    fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    fn switch(&self, name: &str) -> bool {
        self.switches.contains(name)
    }
}

/// `valued` and `switches` list flag names without dashes; `-r` is `relation`.
fn parse(args: &[String], valued: &[&str], switches: &[&str]) -> Result<Args, Refusal> {
    let mut parsed = Args {
        values: BTreeMap::new(),
        switches: BTreeSet::new(),
        positional: Vec::new(),
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            parsed.positional.extend(iter.by_ref().cloned());
            break;
        }
        let Some(flag) = arg
            .strip_prefix("--")
            .or_else(|| arg.strip_prefix('-'))
            .filter(|f| !f.is_empty())
        else {
            parsed.positional.push(arg.clone());
            continue;
        };
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (flag, None),
        };
        let name = match name {
            "r" => "relation",
            other => other,
        };
        if valued.contains(&name) {
            let value = match inline {
                Some(value) => value,
                None => iter
                    .next()
                    .cloned()
                    .ok_or_else(|| usage(format!("flag needs an argument: {arg}")))?,
            };
            parsed.values.insert(name.to_owned(), value);
        } else if switches.contains(&name) {
            // A boolean flag takes `--flag=value` too (ops passes `--application=False`), the
            // value read as Go's strconv.ParseBool reads it (juju/gnuflag, like Go's flag
            // package, sets a bool flag from an inline value).
            let on = match inline.as_deref() {
                None | Some("1" | "t" | "T" | "true" | "TRUE" | "True") => true,
                Some("0" | "f" | "F" | "false" | "FALSE" | "False") => false,
                Some(value) => {
                    return Err(usage(format!(
                        "invalid boolean value {value:?} for flag: {arg}"
                    )));
                }
            };
            if on {
                parsed.switches.insert(name.to_owned());
            } else {
                parsed.switches.remove(name);
            }
        } else {
            return Err(usage(format!("option provided but not defined: {arg}")));
        }
    }
    Ok(parsed)
}

fn check_format(args: &Args) -> Result<bool, Refusal> {
    match args.value("format") {
        None | Some("smart") | Some("yaml") => Ok(false),
        Some("json") => Ok(true),
        Some(other) => Err(usage(format!(
            "invalid value {other:?} for option --format: unknown format"
        ))),
    }
}

fn json_out(value: &Value) -> String {
    format!("{value}\n")
}

/// `-r` (or `JUJU_RELATION_ID`): `N` or `endpoint:N`.
fn relation(state: &State, unit: &str, args: &Args) -> Result<RelationId, Refusal> {
    let raw = match args.value("relation") {
        Some(raw) => raw.to_owned(),
        None => env("JUJU_RELATION_ID").ok_or_else(|| usage("no relation id specified"))?,
    };
    let (endpoint, number) = match raw.rsplit_once(':') {
        Some((endpoint, number)) => (Some(endpoint), number),
        None => (None, raw.as_str()),
    };
    let number: u32 = number.parse().map_err(|_| {
        usage(format!(
            "invalid value {raw:?} for option -r: invalid relation id"
        ))
    })?;
    let not_found = || {
        usage(format!(
            "invalid value {raw:?} for option -r: relation not found"
        ))
    };
    let id = state
        .relation_by_number(unit, number)
        .map_err(|_| not_found())?;
    if endpoint.is_some_and(|endpoint| endpoint != id.endpoint()) {
        return Err(not_found());
    }
    Ok(id)
}

/// Secret content from `key=value` and `key#file=PATH` arguments. Each file is recorded as
/// found (`files.log`), so tests can tell an anonymous memory file from one on disk.
fn content(dir: &Path, items: &[String]) -> Result<SecretContent, Refusal> {
    let mut content = SecretContent::new();
    for item in items {
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| usage(format!("key value {item:?} not valid")))?;
        let (key, value) = if let Some(key) = key.strip_suffix("#file") {
            let target = std::fs::read_link(value)
                .ok()
                .map(|target| target.to_string_lossy().into_owned());
            juju_emu::record_file(dir, value, target.as_deref())
                .map_err(|error| fail(format!("juju_emu: {error}")))?;
            let value = std::fs::read_to_string(value)
                .map_err(|error| fail(format!("reading secret content file: {error}")))?;
            (key, value)
        } else if key.ends_with("#base64") {
            return Err(usage("juju_emu does not support #base64 values"));
        } else {
            (key, value.to_owned())
        };
        content.insert(key.to_owned(), value);
    }
    Ok(content)
}

fn owner_of(args: &Args) -> Result<SecretOwner, Refusal> {
    match args.value("owner").unwrap_or("application") {
        "application" => Ok(SecretOwner::Application),
        "unit" => Ok(SecretOwner::Unit),
        other => Err(usage(format!("secret owner {other:?} not valid"))),
    }
}

fn fetch_of(args: &Args) -> Result<Fetch, Refusal> {
    match (args.switch("peek"), args.switch("refresh")) {
        (true, true) => Err(usage("specify one of --peek or --refresh but not both")),
        (true, false) => Ok(Fetch::Peek),
        (false, true) => Ok(Fetch::Refresh),
        (false, false) => Ok(Fetch::Tracked),
    }
}

fn string_map(map: &BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn no_more(args: &[String]) -> Result<(), Refusal> {
    match args.first() {
        Some(extra) => Err(usage(format!("unrecognized args: [{extra:?}]"))),
        None => Ok(()),
    }
}

fn dispatch(
    state: &mut State,
    dir: &Path,
    unit: &str,
    tool: &str,
    raw: &[String],
    stdin: Option<&str>,
) -> Result<String, Refusal> {
    match tool {
        "is-leader" => {
            let args = parse(raw, &["format"], &[])?;
            no_more(&args.positional)?;
            let leader = state.is_leader(unit)?;
            Ok(if check_format(&args)? {
                json_out(&json!(leader))
            } else {
                format!("{}\n", if leader { "True" } else { "False" })
            })
        }
        "relation-ids" => {
            let args = parse(raw, &["format"], &[])?;
            check_format(&args)?;
            let endpoint = match args.positional.first() {
                Some(endpoint) => endpoint.clone(),
                None => env("JUJU_RELATION").ok_or_else(|| usage("no endpoint name specified"))?,
            };
            no_more(args.positional.get(1..).unwrap_or_default())?;
            let ids = state.relation_ids(unit, &endpoint)?;
            Ok(json_out(&json!(
                ids.iter().map(ToString::to_string).collect::<Vec<_>>()
            )))
        }
        "relation-list" => {
            let args = parse(raw, &["format", "relation"], &["app"])?;
            check_format(&args)?;
            no_more(&args.positional)?;
            let id = relation(state, unit, &args)?;
            if args.switch("app") {
                Ok(json_out(&json!(state.remote_app(unit, &id)?)))
            } else {
                Ok(json_out(&json!(state.remote_units(unit, &id)?)))
            }
        }
        "relation-get" => {
            let args = parse(raw, &["format", "relation"], &["app"])?;
            check_format(&args)?;
            let id = relation(state, unit, &args)?;
            let key = args.positional.first().filter(|key| *key != "-").cloned();
            let app = args.switch("app");
            let member = match args.positional.get(1) {
                Some(member) => member.clone(),
                None if app => env("JUJU_REMOTE_APP")
                    .ok_or_else(|| usage("no unit or application specified"))?,
                None => env("JUJU_REMOTE_UNIT")
                    .or_else(|| env("JUJU_REMOTE_APP"))
                    .ok_or_else(|| usage("no unit or application specified"))?,
            };
            // Without --app, naming an application means its app databag, as Juju does when
            // the hook has no remote unit.
            let app = app || !member.contains('/');
            no_more(args.positional.get(2..).unwrap_or_default())?;
            let bag = state.relation_get(unit, &id, &member, app)?;
            Ok(match key {
                Some(key) => json_out(&json!(bag.get(&key))),
                None => json_out(&string_map(&bag)),
            })
        }
        "relation-set" => {
            let args = parse(raw, &["relation", "file", "format"], &["app"])?;
            let id = relation(state, unit, &args)?;
            let mut update = BagUpdate::new();
            if let Some(file) = args.value("file") {
                let text = if file == "-" {
                    stdin.unwrap_or_default().to_owned()
                } else {
                    std::fs::read_to_string(file)
                        .map_err(|error| fail(format!("reading settings file: {error}")))?
                };
                let settings: BTreeMap<String, Option<String>> = serde_json::from_str(&text)
                    .map_err(|error| {
                        fail(format!(
                            "cannot parse settings (juju_emu reads JSON): {error}"
                        ))
                    })?;
                update.extend(settings);
            }
            for item in &args.positional {
                let (key, value) = item
                    .split_once('=')
                    .ok_or_else(|| usage(format!("expected \"key=value\", got {item:?}")))?;
                update.insert(key.to_owned(), Some(value.to_owned()));
            }
            state.relation_set(unit, &id, args.switch("app"), &update)?;
            Ok(String::new())
        }
        "relation-model-get" => {
            // worker/uniter/runner/jujuc/relation-model-get.go (Juju 3.6.2+): the UUID of the
            // model hosting the remote application, `{"uuid": ...}`; an unknown relation is
            // refused as by relation-get. One model here, so the remote model is this one.
            let args = parse(raw, &["format", "relation"], &[])?;
            let json = check_format(&args)?;
            no_more(&args.positional)?;
            relation(state, unit, &args)?;
            let uuid = state.model_uuid();
            Ok(if json {
                json_out(&json!({ "uuid": uuid }))
            } else {
                format!("uuid: {uuid}\n")
            })
        }
        "secret-add" => {
            let args = parse(
                raw,
                &["label", "owner", "description", "expire", "rotate"],
                &[],
            )?;
            let content = content(dir, &args.positional)?;
            let uri = state.secret_add(unit, &content, args.value("label"), owner_of(&args)?)?;
            Ok(format!("{uri}\n"))
        }
        "secret-get" => {
            let args = parse(raw, &["format", "label"], &["peek", "refresh"])?;
            let json = check_format(&args)?;
            let uri = args.positional.first().map(String::as_str);
            let key = args.positional.get(1);
            no_more(args.positional.get(2..).unwrap_or_default())?;
            let content = state.secret_get(unit, uri, args.value("label"), fetch_of(&args)?)?;
            let value = match key {
                Some(key) => json!(content.get(key)),
                None => string_map(&content),
            };
            if json {
                Ok(json_out(&value))
            } else {
                Err(usage(
                    "juju_emu prints secret-get output as JSON only: pass --format=json",
                ))
            }
        }
        "secret-info-get" => {
            let args = parse(raw, &["format", "label"], &[])?;
            check_format(&args)?;
            no_more(args.positional.get(1..).unwrap_or_default())?;
            let info = state.secret_info(
                unit,
                args.positional.first().map(String::as_str),
                args.value("label"),
            )?;
            let owner = match info.owner {
                SecretOwner::Application => "application",
                SecretOwner::Unit => "unit",
            };
            let body = json!({
                "revision": info.revision,
                "label": info.label.unwrap_or_default(),
                "owner": owner,
                "rotation": "never",
            });
            Ok(json_out(&json!({ info.id: body })))
        }
        "secret-set" => {
            let args = parse(
                raw,
                &["label", "owner", "description", "expire", "rotate"],
                &[],
            )?;
            let Some((uri, items)) = args.positional.split_first() else {
                return Err(usage("missing secret URI"));
            };
            let content = if items.is_empty() {
                None
            } else {
                Some(content(dir, items)?)
            };
            state.secret_set(unit, uri, content.as_ref(), args.value("label"))?;
            Ok(String::new())
        }
        "secret-grant" | "secret-revoke" => {
            let switches: &[&str] = &[];
            let valued: &[&str] = if tool == "secret-grant" {
                &["relation", "unit"]
            } else {
                &["relation", "app", "unit"]
            };
            let args = parse(raw, valued, switches)?;
            let [uri] = args.positional.as_slice() else {
                return Err(usage("expected exactly one secret URI"));
            };
            let number = match args.value("relation") {
                Some(_) => Some(relation(state, unit, &args)?.number()),
                None => None,
            };
            if tool == "secret-grant" {
                let number = number.ok_or_else(|| usage("missing relation or application"))?;
                state.secret_grant(unit, uri, number, args.value("unit"))?;
            } else {
                state.secret_revoke(unit, uri, number, args.value("app"), args.value("unit"))?;
            }
            Ok(String::new())
        }
        "secret-remove" => {
            let args = parse(raw, &["revision"], &[])?;
            let [uri] = args.positional.as_slice() else {
                return Err(usage("expected exactly one secret URI"));
            };
            let revision = match args.value("revision") {
                Some(text) => Some(
                    text.parse()
                        .map_err(|_| usage(format!("revision {text:?} not valid")))?,
                ),
                None => None,
            };
            state.secret_remove(unit, uri, revision)?;
            Ok(String::new())
        }
        "secret-ids" => {
            let args = parse(raw, &["format"], &[])?;
            check_format(&args)?;
            no_more(&args.positional)?;
            let ids = state.secret_ids(unit)?;
            // Juju lists bare IDs' URIs; keep the short form as `secret-ids` prints it.
            let ids: Vec<String> = ids
                .iter()
                .map(|uri| format!("secret:{}", secret_id(uri)))
                .collect();
            // Juju 3.x collects them in a nil Go slice (`var out []string`,
            // worker/uniter/runner/jujuc/secret-ids.go): none prints `null`, not `[]`.
            if ids.is_empty() {
                return Ok(json_out(&Value::Null));
            }
            Ok(json_out(&json!(ids)))
        }
        "state-get" => {
            // juju/juju worker/uniter/runner/jujuc/state-get.go: a missing key prints the
            // empty value (without --strict).
            // No key, or `-`: every key and value; `null` when there are none (Go encodes
            // the nil map `GetCharmState` returns then).
            let args = parse(raw, &["format"], &[])?;
            check_format(&args)?;
            match args.positional.as_slice() {
                [] => {
                    let all = state.state_get_all(unit)?;
                    if all.is_empty() {
                        return Ok(json_out(&Value::Null));
                    }
                    Ok(json_out(&json!(all)))
                }
                [key] if key == "-" => Ok(json_out(&json!(state.state_get_all(unit)?))),
                [key] => {
                    let value = state.state_get(unit, key)?.unwrap_or_default();
                    Ok(json_out(&json!(value)))
                }
                _ => Err(usage("expected at most one key")),
            }
        }
        "state-set" => {
            // state-set.go: a `--file` YAML map of strings (`-`: stdin; the emulator reads
            // JSON, which is YAML), then `key=value` pairs overriding it; each entry set as
            // it comes, and a refused one fails the call (the hook fails, nothing is kept).
            let args = parse(raw, &["file"], &[])?;
            let mut pairs: BTreeMap<String, String> = BTreeMap::new();
            if let Some(file) = args.value("file") {
                let text = if file == "-" {
                    stdin.unwrap_or_default().to_owned()
                } else {
                    std::fs::read_to_string(file)
                        .map_err(|error| fail(format!("reading state file: {error}")))?
                };
                pairs = serde_json::from_str(&text).map_err(|error| {
                    fail(format!("cannot parse state (juju_emu reads JSON): {error}"))
                })?;
            }
            for pair in &args.positional {
                let Some((key, value)) = pair.split_once('=') else {
                    return Err(usage(format!("expected \"key=value\", got {pair:?}")));
                };
                pairs.insert(key.to_owned(), value.to_owned());
            }
            let mut next = state.clone();
            for (key, value) in &pairs {
                next.state_set(unit, key, Some(value))?;
            }
            *state = next;
            Ok(String::new())
        }
        "state-delete" => {
            let args = parse(raw, &[], &[])?;
            let [key] = args.positional.as_slice() else {
                return Err(usage("expected one key"));
            };
            state.state_set(unit, key, None)?;
            Ok(String::new())
        }
        "juju-log" => {
            let args = parse(raw, &["log-level", "l"], &["debug"])?;
            let level = args
                .value("log-level")
                .or(args.value("l"))
                .unwrap_or("INFO");
            // juju-log refuses an unknown level (worker/uniter/runner/jujuc/juju-log.go).
            let level =
                Level::parse(level).ok_or_else(|| usage(format!("invalid log level {level:?}")))?;
            if args.positional.is_empty() {
                return Err(usage("no message specified"));
            }
            let message = args.positional.join(" ");
            state.juju_log(unit, &level.to_string(), &message)?;
            let line = format!("{unit} {level} {message}");
            juju_emu::record_log(dir, &line).map_err(|error| fail(format!("juju_emu: {error}")))?;
            Ok(String::new())
        }
        "status-set" => {
            // worker/uniter/runner/jujuc/status-set.go: `status-set [--application] <status>
            // [message]`, the status one of the four a charm may set.
            let args = parse(raw, &[], &["application"])?;
            let (name, message) = match args.positional.as_slice() {
                [name] => (name.as_str(), String::new()),
                [name, message] => (name.as_str(), message.clone()),
                [] => return Err(usage("invalid args, require <status> [message] [data]")),
                _ => return Err(usage("unrecognized args: too many")),
            };
            let status = WorkloadStatus::from_parts(name, message).ok_or_else(|| {
                usage(format!(
                    "invalid status {name:?}, expected one of [maintenance blocked waiting active]"
                ))
            })?;
            let line = format!("{unit} STATUS {status}");
            if args.switch("application") {
                state.app_status_set(unit, status)?;
            } else {
                state.status_set(unit, status)?;
            }
            juju_emu::record_log(dir, &line).map_err(|error| fail(format!("juju_emu: {error}")))?;
            Ok(String::new())
        }
        "config-get" => {
            let args = parse(raw, &["format"], &["all", "a"])?;
            let json = check_format(&args)?;
            if !json {
                return Err(usage(
                    "juju_emu prints config-get output as JSON only: pass --format=json",
                ));
            }
            let config = state.config_get(unit)?;
            match args.positional.as_slice() {
                [] => Ok(json_out(&Value::Object(config))),
                [key] => Ok(json_out(config.get(key).unwrap_or(&Value::Null))),
                _ => Err(usage("unrecognized args: too many")),
            }
        }
        other => Err(usage(format!("juju_emu does not emulate {other:?}"))),
    }
}
