//! Hostile and broken input against the built `databag` binary (issue 16): each attack must end
//! in a clear error (or the right result) within 2 s and 200 MB.
//!
//! These are bounds, not benchmarks. The binary runs as a child with its data segment capped
//! at 200 MB (`RLIMIT_DATA`, set with `prlimit` right after spawning), so an allocation past the
//! bound aborts it and the test fails; its peak resident memory (`VmHWM`, sampled from
//! `/proc` while it runs) and wall time are asserted as well.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Resource, Rlimit, prlimit};

const TIME_BOUND: Duration = Duration::from_secs(2);
const MEMORY_BOUND_KB: u64 = 200 * 1024;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_kb: u64,
}

/// Peak resident set of a running process, from `/proc/PID/status`.
fn peak_kb(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `databag ARGS` under the bounds and asserts them.
#[track_caller]
fn bounded<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_databag"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn databag");
    let pid = child.id();
    let limit = MEMORY_BOUND_KB * 1024;
    prlimit(
        Pid::from_raw(i32::try_from(pid).expect("pid")),
        Resource::Data,
        Rlimit {
            current: Some(limit),
            maximum: Some(limit),
        },
    )
    .expect("cap the child's data segment");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        out.read_to_string(&mut text).ok();
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        err.read_to_string(&mut text).ok();
        text
    });
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = peak_kb(pid) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            child.kill().ok();
            panic!("databag ran past 30 s");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let run = Run {
        status,
        stdout: reader.join().expect("stdout"),
        stderr: err_reader.join().expect("stderr"),
        elapsed,
        peak_kb: peak,
    };
    assert!(
        run.elapsed <= TIME_BOUND,
        "took {:?} (bound {TIME_BOUND:?}); stderr: {}",
        run.elapsed,
        excerpt(&run.stderr)
    );
    assert!(
        run.peak_kb <= MEMORY_BOUND_KB,
        "peak {} KB (bound {MEMORY_BOUND_KB} KB)",
        run.peak_kb
    );
    assert!(
        run.status.code().is_some(),
        "killed by a signal ({:?}): an allocation past the bound aborts; stderr: {}",
        run.status,
        excerpt(&run.stderr)
    );
    eprintln!("{:?}, peak {} KB", run.elapsed, run.peak_kb);
    run
}

fn excerpt(text: &str) -> &str {
    &text[..text.len().min(2000)]
}

#[track_caller]
fn assert_error(run: &Run, code: i32, needle: &str) {
    assert_eq!(
        run.status.code(),
        Some(code),
        "stderr: {}",
        excerpt(&run.stderr)
    );
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(
        text.contains(needle),
        "expected {needle:?} in:\n{}",
        excerpt(&text)
    );
    // A clear error is short: no wall of echoed input.
    assert!(text.len() < 4000, "{} bytes of output", text.len());
}

/// One 5,000-item anchor referenced 20,000 times.
fn alias_bomb() -> String {
    let items = vec!["x"; 5000].join(",");
    let refs = vec!["*a"; 20_000].join(",");
    format!("anchor: &a [{items}]\nrefs: [{refs}]\n")
}

fn spec_dir_with(dir: &Path, text: &str) -> (PathBuf, PathBuf) {
    let spec = dir.join("spec/evil");
    fs::create_dir_all(&spec).expect("mkdir");
    fs::write(spec.join("v1.yaml"), text).expect("write spec");
    (dir.join("spec"), dir.join("generated"))
}

fn check(dir: &Path, text: &str) -> Run {
    let (spec, out) = spec_dir_with(dir, text);
    bounded([
        "check".as_ref(),
        "--spec-dir".as_ref(),
        spec.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

fn validate(dump: &Path) -> Run {
    let spec = root().join("spec/valkey_client/v1.yaml");
    bounded([
        "validate".as_ref(),
        "--spec".as_ref(),
        spec.as_os_str(),
        "--role".as_ref(),
        "requirer".as_ref(),
        dump.as_os_str(),
    ])
}

#[test]
fn an_alias_bomb_dump_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("bomb.yaml");
    let text = alias_bomb();
    assert!(text.len() < 80_000, "a 70 KB file");
    fs::write(&dump, text).expect("write");
    let run = validate(&dump);
    assert_error(&run, 2, "bomb.yaml:2:");
    assert_error(
        &run,
        2,
        "more than the limit of 1000000 YAML nodes (aliases expanded)",
    );
}

#[test]
fn an_alias_bomb_spec_is_refused_by_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The bomb inside a spec padded to 1 MB with a long description.
    let text = format!(
        "interface: evil\nversion: 1\nstatus: draft\nsummary: {}\n{}roles: {{}}\n",
        "a".repeat(1 << 20),
        alias_bomb()
    );
    let run = check(dir.path(), &text);
    assert_error(&run, 2, "evil/v1.yaml:");
    assert_error(
        &run,
        2,
        "spec file refused: more than the limit of 500000 YAML nodes",
    );
}

#[test]
fn a_million_id_less_requests_end_in_one_clear_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("requests.json");
    let requests = format!("[{}]", vec!["{}"; 1_000_000].join(","));
    let text = serde_json::json!({"version": "v1", "requests": requests}).to_string();
    fs::write(&dump, text).expect("write");
    let run = validate(&dump);
    assert_error(
        &run,
        1,
        "requests: more than 10000 entries, the limit for a JSON-encoded value",
    );
}

#[test]
fn wide_and_oversized_dumps_are_refused_before_they_are_built() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 2,000,000 JSON values in 4 MB: about 100 MB as serde_json values.
    let dump = dir.path().join("wide.json");
    fs::write(&dump, format!("[{}]", vec!["0"; 2_000_000].join(","))).expect("write");
    let run = validate(&dump);
    assert_error(
        &run,
        2,
        "wide.json: more than the limit of 1000000 JSON values",
    );
    // Past the size limit, the rest of the file is not even read.
    let dump = dir.path().join("big.yaml");
    fs::write(&dump, format!("a: {}\n", "x".repeat(20 << 20))).expect("write");
    let run = validate(&dump);
    assert_error(
        &run,
        2,
        "big.yaml: the input is 16777217 bytes, over the limit of 16777216 bytes",
    );
}

#[test]
fn many_problems_are_reported_in_linear_time_up_to_the_report_limit() {
    // 10,000 id-less requests (the entry limit): every one is a problem; the report stops at
    // its limit and says so.
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("requests.json");
    let requests = format!("[{}]", vec![r#"{"resource": "a"}"#; 10_000].join(","));
    let text = serde_json::json!({"version": "v1", "requests": requests}).to_string();
    fs::write(&dump, text).expect("write");
    let run = validate(&dump);
    assert_eq!(run.status.code(), Some(1));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1000);
    assert_eq!(lines[0], "requests[0].request-id: missing required key");
    assert_eq!(
        lines[999],
        "stopped at the limit of 1000 problems: fix these and run again"
    );
}

#[test]
fn deep_nesting_is_refused_in_specs_and_dumps() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 120 KB of `- - - ...`: it overflowed the spec loader's stack.
    let deep = format!("{}x\n", "- ".repeat(60_000));
    let run = check(dir.path(), &deep);
    assert_error(
        &run,
        2,
        "spec file refused: nesting deeper than the limit of 64 levels",
    );
    // A 40 KB spec nested in flow style kept a path string per node (1.27 GB).
    let flow = format!(
        "interface: evil\nversion: 1\nstatus: draft\nroles: {{}}\nobjects: {}{}\n",
        "{a: ".repeat(8000),
        "}".repeat(8000)
    );
    let run = check(dir.path(), &flow);
    assert_error(&run, 2, "nesting deeper than the limit of 64 levels");
    let dump = dir.path().join("deep.yaml");
    fs::write(&dump, &deep).expect("write");
    let run = validate(&dump);
    assert_error(&run, 2, "deep.yaml:1:");
    assert_error(&run, 2, "nesting deeper than the limit of 64 levels");
    // JSON: serde_json's own recursion limit (128) answers.
    let dump = dir.path().join("deep.json");
    fs::write(
        &dump,
        format!("{}{}", "[".repeat(60_000), "]".repeat(60_000)),
    )
    .expect("write");
    let run = validate(&dump);
    assert_error(&run, 2, "deep.json: invalid JSON: recursion limit exceeded");
}

/// The valkey spec with `edit` applied to it (the edit must apply).
fn valkey_spec_with(from: &str, to: &str) -> String {
    let spec = fs::read_to_string(root().join("spec/valkey_client/v1.yaml")).expect("spec");
    assert!(spec.contains(from), "the edit applies");
    spec.replacen(from, to, 1)
}

#[test]
fn a_deeply_nested_list_type_is_refused_before_syn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = format!("{}string{}", "list<".repeat(400), ">".repeat(400));
    let text = valkey_spec_with("type: list<request>", &format!("type: {deep}"));
    let run = check(dir.path(), &text);
    assert_error(
        &run,
        2,
        "the type nests list<>/map<> 400 deep, over the limit of 16",
    );
}

#[test]
fn a_lone_cr_in_a_description_yields_a_legal_doc_comment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = valkey_spec_with(
        "description: All read-/write-endpoints, in a comma-separated list.",
        "description: \"All read-/write-endpoints,\\rin a comma-separated list.\"",
    );
    let spec = dir.path().join("spec/valkey_client");
    fs::create_dir_all(&spec).expect("mkdir");
    fs::write(spec.join("v1.yaml"), text).expect("write");
    let out = dir.path().join("generated");
    let run = bounded([
        "generate".as_ref(),
        "--spec-dir".as_ref(),
        dir.path().join("spec").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let code = fs::read_to_string(out.join("bindings/valkey_client/v1.rs")).expect("bindings");
    assert!(!code.contains('\r'));
    assert!(code.contains("/// All read-/write-endpoints,\n"));
    syn::parse_file(&code).expect("the bindings parse");
}
