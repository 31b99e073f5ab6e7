//! Running the reference Python library's drivers (`tests/python/drivers/*.py`, ops' testing
//! harness) from Rust tests: JSON in on stdin, JSON out on stdout.
//!
//! The environments, one per release of the reference library ([`RELEASES`]), come from
//! `tests/scripts/python-env.sh`. Without it a test is skipped on a
//! developer machine (one `SKIPPED` line on stderr) and fails under `CI=true`, so CI can never
//! pass by not running the interop suite.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use databag::{Bag, Value};

/// The reference requirer driver (dpcharmlibs' `ResourceRequirerEventHandler`).
pub const REQUIRER: &str = "reference_requirer.py";

/// The reference provider driver (dpcharmlibs' `ResourceProviderEventHandler`, answering as
/// the Valkey charm does, or for `"interface"` `kafka_client` / `postgresql_client` as a Kafka
/// or PostgreSQL charm would).
pub const PROVIDER: &str = "reference_provider.py";

/// The releases of the reference library the interop suites run against, oldest first:
/// 1.0.2 (what the Valkey charm locks), 1.1.0 and 1.2.2 (the newest; [`python`]). Each has
/// its virtualenv `tests/python/.venv-<release>`, pinned by `tests/python/requirements/<release>.txt`
/// (`tests/scripts/python-env.sh` builds them all).
pub const RELEASES: [&str; 3] = ["1.0.2", "1.1.0", "1.2.2"];

/// The release [`python`] runs: the newest of [`RELEASES`].
pub const NEWEST: &str = "1.2.2";

/// The Python of the virtualenv holding the reference library's release `release` (one of
/// [`RELEASES`]), or `None` (after printing `SKIPPED`) when it is missing on a developer
/// machine.
///
/// # Panics
///
/// Under `CI=true` when the virtualenv is missing: the interop suite must run in CI. Also when
/// `release` is not one of [`RELEASES`] (a test bug).
pub fn python_at(release: &str) -> Option<PathBuf> {
    assert!(
        RELEASES.contains(&release),
        "release {release} is not one of {RELEASES:?}"
    );
    let venv = format!("python/.venv-{release}");
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(&venv)
        .join("bin/python");
    if python.exists() {
        return Some(python);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the reference library {release} is not installed; run tests/scripts/python-env.sh");
    }
    eprintln!("SKIPPED: tests/{venv} is missing (run tests/scripts/python-env.sh)");
    None
}

/// The Python of the newest release's virtualenv ([`NEWEST`], 1.2.2), or `None` (after
/// printing `SKIPPED`) when it is missing on a developer machine; see [`python_at`].
///
/// # Panics
///
/// Under `CI=true` when the virtualenv is missing: the interop suite must run in CI.
pub fn python() -> Option<PathBuf> {
    python_at(NEWEST)
}

/// Every release's Python, in [`RELEASES`] order, or `None` (after printing `SKIPPED`) when
/// one of them is missing on a developer machine; see [`python_at`].
///
/// # Panics
///
/// Under `CI=true` when a virtualenv is missing.
pub fn pythons() -> Option<Vec<(&'static str, PathBuf)>> {
    RELEASES
        .iter()
        .map(|release| python_at(release).map(|python| (*release, python)))
        .collect()
}

/// Runs driver `driver` (a file name in `tests/python/drivers/`) with `input` on stdin and
/// returns its JSON answer.
///
/// # Panics
///
/// When the driver cannot be started, exits with a failure or does not answer JSON. The
/// drivers catch the reference library's own exceptions and report them in `error`, so a
/// failure here is a driver bug; its stderr (Python's traceback, which names no secret
/// value) is shown, its stdout (which may hold passwords) is not.
pub fn run(python: &Path, driver: &str, input: &Value) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python/drivers")
        .join(driver);
    let mut child = Command::new(python)
        .args(["-W", "ignore"])
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the reference driver");
    child
        .stdin
        .take()
        .expect("the driver's stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write the driver's input");
    let output = child.wait_with_output().expect("the driver's output");
    assert!(
        output.status.success(),
        "driver {driver} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("driver {driver} did not answer JSON"))
}

/// A databag given as a JSON object of strings (what the drivers print).
///
/// # Panics
///
/// When `value` is not an object of strings.
pub fn bag_of(value: &Value) -> Bag {
    value
        .as_object()
        .expect("a databag is a JSON object")
        .iter()
        .map(|(k, v)| {
            let text = v
                .as_str()
                .unwrap_or_else(|| panic!("databag key {k} holds no string"));
            (k.clone(), text.to_owned())
        })
        .collect()
}
