//! The charm of `tests/external/cache-charm` (ask Valkey for a user on a key prefix, report
//! the connection in the unit's status) written by hand on serde + serde_json only: hook tools
//! run as processes, the provider's `requests` decoded into owned `String`s with
//! `#[derive(Deserialize)]`, the user's secret read with `secret-get`. It is the baseline of
//! the build-cost benchmark (tests/scripts/bench-build.sh): what a charm pays without databag.
//! It checks far less than databag does (no schema, no URI validation, no diff memory, no
//! secret labels, a stand-in request id), so it is a floor for build time and size, not a
//! second implementation of the protocol.

use std::collections::BTreeMap;
use std::process::{Command, ExitCode};

use serde::{Deserialize, Serialize};

const ENDPOINT: &str = "cache";

/// One response of the provider's application databag (v1 `requests`).
#[derive(Deserialize)]
struct Response {
    #[serde(rename = "request-id")]
    request_id: String,
    resource: String,
    endpoints: Option<String>,
    #[serde(rename = "secret-user")]
    secret_user: Option<String>,
}

/// One request of our application databag.
#[derive(Serialize)]
struct Request<'a> {
    resource: &'a str,
    #[serde(rename = "request-id")]
    request_id: String,
    salt: &'a str,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ERROR {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a hook tool; its stdout, or an error naming it.
fn tool(name: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new(name)
        .args(args)
        .output()
        .map_err(|error| format!("{name}: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|error| format!("{name}: {error}"))
}

fn json<T: for<'de> Deserialize<'de>>(name: &str, args: &[&str]) -> Result<T, String> {
    serde_json::from_str(&tool(name, args)?).map_err(|error| format!("{name}: {error}"))
}

fn status(name: &str, message: &str) -> Result<(), String> {
    tool("status-set", &["--", name, message]).map(drop)
}

fn run() -> Result<(), String> {
    let hook = std::env::var("JUJU_HOOK_NAME").unwrap_or_default();
    let relation = std::env::var("JUJU_RELATION_ID").unwrap_or_default();
    let config: BTreeMap<String, serde_json::Value> = json("config-get", &["--format=json"])?;
    let prefix = config
        .get("prefix")
        .and_then(|value| value.as_str())
        .unwrap_or("cache:*");
    if hook == format!("{ENDPOINT}-relation-created") {
        let salt = "0123456789abcdef";
        // A stand-in for the protocol's request id (a hash of resource and salt).
        let id = prefix.bytes().chain(salt.bytes()).fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        let requests = [Request {
            resource: prefix,
            request_id: format!("{id:016x}"),
            salt,
        }];
        let requests = serde_json::to_string(&requests).map_err(|error| error.to_string())?;
        tool(
            "relation-set",
            &["-r", &relation, "--app", "version=v1", &format!("requests={requests}")],
        )?;
        status("waiting", "waiting for a Valkey user")
    } else if hook == format!("{ENDPOINT}-relation-changed") {
        let remote = std::env::var("JUJU_REMOTE_APP").unwrap_or_default();
        let bag: BTreeMap<String, String> = json(
            "relation-get",
            &["--format=json", "-r", &relation, "--app", "-", &remote],
        )?;
        let responses: Vec<Response> = match bag.get("requests") {
            Some(text) => serde_json::from_str(text).map_err(|error| format!("requests: {error}"))?,
            None => Vec::new(),
        };
        let Some(response) = responses.iter().find(|response| response.secret_user.is_some()) else {
            return status("waiting", "waiting for a Valkey user");
        };
        let uri = response.secret_user.as_deref().unwrap_or_default();
        let user: BTreeMap<String, String> = json("secret-get", &["--format=json", uri])?;
        if !user.contains_key("password") {
            return Err(format!("secret of request {}: no password", response.request_id));
        }
        tool(
            "juju-log",
            &["--log-level", "INFO", "--", &format!("user for {}", response.resource)],
        )?;
        let endpoints = response.endpoints.as_deref().unwrap_or("-");
        status("active", &format!("connected to {endpoints}"))
    } else if hook == format!("{ENDPOINT}-relation-broken") {
        status("blocked", "add a relation to Valkey")
    } else {
        Ok(())
    }
}
