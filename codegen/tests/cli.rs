//! The `databag` binary against DESIGN.md's CLI contract: exit codes, stdout/stderr, messages.
//!
//! Help goldens live in `tests/outputs/help-*.txt`; `DATABAG_BLESS=1 cargo test -p
//! databag-codegen --test cli` rewrites them (review the diff).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{assert_exit, databag, root, spec, stderr, stdout};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/valkey_client")
        .join(name)
}

fn bless() -> bool {
    std::env::var_os("DATABAG_BLESS").is_some_and(|v| v == "1")
}

// ---- help ---------------------------------------------------------------------------------

#[test]
fn help_is_pinned() {
    for (name, args) in [
        ("databag", vec!["--help"]),
        ("generate", vec!["generate", "--help"]),
        ("check", vec!["check", "--help"]),
        ("validate", vec!["validate", "--help"]),
        ("resolve", vec!["resolve", "--help"]),
        ("diff", vec!["diff", "--help"]),
        ("catalogue", vec!["catalogue", "--help"]),
        ("import", vec!["import", "--help"]),
    ] {
        let output = databag(&args);
        assert_exit(&output, 0);
        assert!(output.stderr.is_empty(), "{}", stderr(&output));
        let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/outputs")
            .join(format!("help-{name}.txt"));
        let actual = stdout(&output);
        if bless() {
            fs::write(&golden, &actual).expect("bless help golden");
            continue;
        }
        let expected = fs::read_to_string(&golden)
            .unwrap_or_else(|e| panic!("{}: {e} (DATABAG_BLESS=1 creates it)", golden.display()));
        assert_eq!(actual, expected, "`databag {}` changed", args.join(" "));
    }
}

#[test]
fn usage_errors_exit_2_on_stderr() {
    let output = databag(["validate", "--spec"]);
    assert_exit(&output, 2);
    assert!(output.stdout.is_empty());
    let output = databag(["frobnicate"]);
    assert_exit(&output, 2);
    let output = databag([
        "validate",
        "--spec",
        "spec.yaml",
        "--role",
        "peer",
        "x.yaml",
    ]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("requirer, provider"),
        "{}",
        stderr(&output)
    );
}

// ---- generate / check ---------------------------------------------------------------------

/// A copy of the repository's spec/ and generated artifacts to edit freely.
fn temp_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join("spec"), &dir.path().join("spec"));
    for artifacts in ["bindings", "json_schemas", "docs"] {
        copy_tree(
            &root().join("generated").join(artifacts),
            &dir.path().join("generated").join(artifacts),
        );
    }
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn check_in(dir: &Path) -> Output {
    databag([
        "check".as_ref(),
        "--spec-dir".as_ref(),
        dir.join("spec").as_os_str(),
        "--out".as_ref(),
        dir.join("generated").as_os_str(),
    ])
}

#[test]
fn check_passes_on_the_repository() {
    let output = databag([
        "check".as_ref(),
        "--spec-dir".as_ref(),
        root().join("spec").as_os_str(),
        "--out".as_ref(),
        root().join("generated").as_os_str(),
    ]);
    assert_exit(&output, 0);
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
}

#[test]
fn check_fails_with_a_diff_after_a_spec_edit() {
    let repo = temp_repo();
    assert_exit(&check_in(repo.path()), 0);
    let spec = repo.path().join("spec/valkey_client/v1.yaml");
    let text = fs::read_to_string(&spec).expect("spec");
    let edited = text.replacen(
        "description: Random salt used to compute the request id.",
        "description: A random salt used to compute the request id.",
        1,
    );
    assert_ne!(text, edited, "the edit must apply");
    fs::write(&spec, edited).expect("edit spec");

    let output = check_in(repo.path());
    assert_exit(&output, 1);
    let diff = stdout(&output);
    for file in [
        "bindings/valkey_client/v1.rs",
        "json_schemas/valkey_client/v1/requirer.json",
        "docs/valkey_client/v1.md",
    ] {
        assert!(
            diff.contains(&format!("--- a/{file}\n+++ b/{file}\n")),
            "{file}:\n{diff}"
        );
    }
    assert!(
        diff.contains("+    /// A random salt used to compute the request id.\n"),
        "{diff}"
    );
    assert!(
        diff.contains("-    /// Random salt used to compute the request id.\n"),
        "{diff}"
    );
    assert!(
        stderr(&output).contains("run `databag generate`"),
        "{}",
        stderr(&output)
    );

    // `generate` brings it back in line; nothing left to report.
    let generate = databag([
        "generate".as_ref(),
        "--spec-dir".as_ref(),
        repo.path().join("spec").as_os_str(),
        "--out".as_ref(),
        repo.path().join("generated").as_os_str(),
    ]);
    assert_exit(&generate, 0);
    assert!(generate.stdout.is_empty(), "{}", stdout(&generate));
    assert_exit(&check_in(repo.path()), 0);
}

#[test]
fn check_reports_missing_and_orphaned_files() {
    let repo = temp_repo();
    let generated = repo.path().join("generated");
    fs::remove_file(generated.join("docs/valkey_client/v1.md")).expect("remove");
    fs::create_dir_all(generated.join("docs/old_client")).expect("mkdir");
    fs::write(generated.join("docs/old_client/v3.md"), "# gone\n").expect("orphan");
    let output = check_in(repo.path());
    assert_exit(&output, 1);
    let diff = stdout(&output);
    assert!(
        diff.contains("--- /dev/null\n+++ b/docs/valkey_client/v1.md\n"),
        "{diff}"
    );
    assert!(
        diff.contains("--- a/docs/old_client/v3.md\n+++ /dev/null\n@@ -1 +0,0 @@\n-# gone\n"),
        "{diff}"
    );

    let generate = databag([
        "generate".as_ref(),
        "--spec-dir".as_ref(),
        repo.path().join("spec").as_os_str(),
        "--out".as_ref(),
        generated.as_os_str(),
    ]);
    assert_exit(&generate, 0);
    assert!(!generated.join("docs/old_client").exists());
    assert_exit(&check_in(repo.path()), 0);
}

#[test]
fn generate_refuses_a_broken_spec_with_positions() {
    let repo = temp_repo();
    let spec = repo.path().join("spec/valkey_client/v1.yaml");
    let text = fs::read_to_string(&spec).expect("spec");
    fs::write(&spec, text.replacen("secret: user", "secret: usr", 1)).expect("edit");
    let output = check_in(repo.path());
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(err.contains("v1.yaml:"), "{err}");
    assert!(err.contains("usr"), "{err}");
    assert!(output.stdout.is_empty());
}

// ---- validate -----------------------------------------------------------------------------

fn validate(role: &str, dump: &Path) -> Output {
    databag([
        "validate".as_ref(),
        "--spec".as_ref(),
        spec().as_os_str(),
        "--role".as_ref(),
        role.as_ref(),
        dump.as_os_str(),
    ])
}

#[test]
fn seed_examples_are_valid() {
    for (role, file) in [
        ("requirer", "v1-requirer.yaml"),
        ("provider", "v1-provider.yaml"),
        ("requirer", "v0-requirer.yaml"),
        ("provider", "v0-provider.yaml"),
    ] {
        let output = validate(role, &data(file));
        assert_exit(&output, 0);
        assert!(output.stdout.is_empty(), "{file}: {}", stdout(&output));
    }
}

/// Writes `contents` to a temp file named `name` and validates it.
fn validate_text(role: &str, name: &str, contents: &str) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    fs::write(&path, contents).expect("write dump");
    validate(role, &path)
}

fn problem_lines(output: &Output) -> Vec<String> {
    stdout(output).lines().map(str::to_owned).collect()
}

/// A request id that would reach a username and a secret label (PROTOCOL.md §17, §18.5):
/// refused by the spec's `pattern`, which the committed schema carries.
#[test]
fn request_id_breaking_its_pattern_is_named() {
    let requests = r#"[{"resource": "a:*", "request-id": "r1", "salt": "s1"}, {"resource": "b:*", "request-id": "a.b c", "salt": "s2"}]"#;
    let dump = serde_json::json!({ "version": "v1", "requests": requests });
    let output = validate_text("requirer", "dump.json", &dump.to_string());
    assert_exit(&output, 1);
    let lines = problem_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("requests[1].request-id: "),
        "{lines:?}"
    );
    assert!(lines[0].contains("a.b c"), "{lines:?}");
}

#[test]
fn missing_required_key_is_named() {
    let output = validate_text("requirer", "dump.yaml", "version: v1\n");
    assert_exit(&output, 1);
    assert_eq!(problem_lines(&output), ["requests: missing required key"]);
}

#[test]
fn missing_key_with_an_alias_names_every_spelling() {
    let output = validate_text(
        "requirer",
        "dump.yaml",
        "requested-secrets: '[\"username\"]'\n",
    );
    assert_exit(&output, 1);
    assert_eq!(
        problem_lines(&output),
        ["database: missing required key (also accepted as: resource)"]
    );
}

#[test]
fn wrong_type_is_named_with_request_index() {
    let requests = r#"[{"resource": "a:*", "request-id": "r1", "salt": "s1"}, {"resource": "b:*", "request-id": "r2", "salt": 5}]"#;
    let dump = serde_json::json!({ "version": "v1", "requests": requests });
    let output = validate_text("requirer", "dump.json", &dump.to_string());
    assert_exit(&output, 1);
    let lines = problem_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("requests[1].salt: "), "{lines:?}");
}

#[test]
fn wrong_type_of_a_flat_key_is_named() {
    let output = validate_text(
        "requirer",
        "dump.yaml",
        "database: application:*\nrequested-secrets: '\"username\"'\n",
    );
    assert_exit(&output, 1);
    let lines = problem_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("requested-secrets: "), "{lines:?}");
}

#[test]
fn malformed_json_in_requests_is_named() {
    let output = validate_text(
        "requirer",
        "dump.yaml",
        "version: v1\nrequests: '[{\"resource\": \"application:*\",'\n",
    );
    assert_exit(&output, 1);
    let lines = problem_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("requests: invalid JSON: "),
        "{lines:?}"
    );
}

#[test]
fn bad_secret_uri_in_second_response_is_named() {
    let requests = serde_json::json!([
        {"resource": "a:*", "request-id": "r1", "salt": "s1", "endpoints": "h:6379",
         "secret-user": "secret:d7fmpmvmp25c7618tfb0"},
        {"resource": "b:*", "request-id": "r2", "salt": "s2", "endpoints": "h:6379",
         "secret-user": "foo"},
    ]);
    let dump = serde_json::json!({ "version": "v1", "requests": requests.to_string() });
    let output = validate_text("provider", "dump.json", &dump.to_string());
    assert_exit(&output, 1);
    let lines = problem_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("requests[1].secret-user: "),
        "{lines:?}"
    );
}

#[test]
fn secret_values_in_plaintext_are_refused_without_echoing_them() {
    let requests = serde_json::json!([
        {"resource": "a:*", "request-id": "r1", "salt": "s1", "endpoints": "h:6379",
         "password": "hunter2-do-not-print"},
    ]);
    let dump = serde_json::json!({ "version": "v1", "requests": requests.to_string() });
    let output = validate_text("provider", "dump.json", &dump.to_string());
    assert_exit(&output, 1);
    let lines = problem_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("requests[0].password: belongs to secret group `user`"),
        "{lines:?}"
    );
    assert!(!stdout(&output).contains("hunter2") && !stderr(&output).contains("hunter2"));
}

#[test]
fn unknown_wire_version_is_named() {
    let output = validate_text("requirer", "dump.yaml", "version: v2\nrequests: '[]'\n");
    assert_exit(&output, 1);
    let lines = problem_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("version: unknown wire version"),
        "{lines:?}"
    );
    assert!(lines[0].contains("v0, v1"), "{lines:?}");
}

#[test]
fn app_and_unit_form_is_accepted() {
    let dump = "app:\n  database: application:*\nunit:\n  data: '{}'\n";
    let output = validate_text("requirer", "dump.yaml", dump);
    assert_exit(&output, 0);
}

#[test]
fn unreadable_inputs_exit_2() {
    let output = validate("requirer", Path::new("/nonexistent/dump.yaml"));
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("/nonexistent/dump.yaml"),
        "{}",
        stderr(&output)
    );
    let output = validate_text("requirer", "dump.yaml", "- a list\n- not a map\n");
    assert_exit(&output, 2);
    let output = validate_text("requirer", "dump.json", "{not json");
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("invalid JSON"),
        "{}",
        stderr(&output)
    );
}

// ---- resolve ------------------------------------------------------------------------------

fn resolve(role: &str, dump: &Path, secrets: Option<&Path>) -> Output {
    let mut args: Vec<std::ffi::OsString> = vec![
        "resolve".into(),
        "--spec".into(),
        spec().into(),
        "--role".into(),
        role.into(),
        "--databag".into(),
        dump.into(),
    ];
    if let Some(secrets) = secrets {
        args.push("--secrets".into());
        args.push(secrets.into());
    }
    databag(args)
}

fn resolved(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("resolve prints JSON")
}

#[test]
fn resolve_fills_secrets_into_the_v1_provider_model() {
    let secrets = data("secrets.json");
    let output = resolve("provider", &data("v1-provider.yaml"), Some(&secrets));
    assert_exit(&output, 0);
    let model = resolved(&output);
    assert_eq!(model["version"], "v1");
    let response = &model["requests"][0];
    assert_eq!(response["request-id"], "836763deea236532");
    assert_eq!(response["username"], "relation-0-836763deea236532");
    assert_eq!(response["password"], "Tz8fPq1vW3nB6yK0sLdE4rJ7uMhX2cAi");
    assert_eq!(response["tls"], true, "booleans as booleans");
    assert_eq!(
        response["sentinel-endpoints"],
        "valkey-0.valkey-endpoints:26379,valkey-1.valkey-endpoints:26379,valkey-2.valkey-endpoints:26379"
    );
}

#[test]
fn resolve_reads_v0_aliases_and_decodes_json() {
    let secrets = data("secrets.json");
    let output = resolve("provider", &data("v0-provider.yaml"), Some(&secrets));
    assert_exit(&output, 0);
    let model = resolved(&output);
    assert_eq!(
        model["sentinel-endpoints"],
        "valkey-0.valkey-endpoints:26379,valkey-1.valkey-endpoints:26379,valkey-2.valkey-endpoints:26379"
    );
    assert!(model.get("sentinel_endpoints").is_none(), "{model}");
    assert_eq!(model["username"], "relation-0");
    assert_eq!(model["tls"], false);
    assert_eq!(model["version"], "9.0.1");

    let output = resolve("requirer", &data("v0-requirer.yaml"), None);
    assert_exit(&output, 0);
    let model = resolved(&output);
    assert_eq!(
        model["requested-secrets"],
        serde_json::json!(["username", "password", "tls", "tls-ca"])
    );
}

#[test]
fn resolve_fails_on_a_missing_secret() {
    let output = resolve("provider", &data("v1-provider.yaml"), None);
    assert_exit(&output, 1);
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    let err = stderr(&output);
    assert!(err.contains("d7fmpmvmp25c7618tfb0"), "{err}");
    assert!(err.contains("user"), "{err}");
}

#[test]
fn resolve_fails_on_a_malformed_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secrets = dir.path().join("secrets.json");
    let content = fs::read_to_string(data("secrets.json"))
        .expect("secrets")
        .replace("\"tls\": \"true\"", "\"tls\": \"yes\"");
    fs::write(&secrets, content).expect("write");
    let output = resolve("provider", &data("v1-provider.yaml"), Some(&secrets));
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("tls"), "{err}");
    assert!(output.stdout.is_empty());
}

#[test]
fn resolve_refuses_an_invalid_databag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("dump.yaml");
    fs::write(&dump, "version: v1\n").expect("write");
    let output = resolve("requirer", &dump, None);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("requests: missing required key"),
        "{}",
        stderr(&output)
    );
}

// ---- diff ---------------------------------------------------------------------------------

/// The shipped valkey_client spec with `edit` applied, written next to nothing else.
fn edited_spec(dir: &Path, from: &str, to: &str) -> PathBuf {
    let text = fs::read_to_string(spec()).expect("spec");
    assert_eq!(text.matches(from).count(), 1, "{from:?}");
    let path = dir.join("v1.yaml");
    fs::write(&path, text.replacen(from, to, 1)).expect("write");
    path
}

#[test]
fn diff_exits_0_on_a_compatible_change_and_1_on_a_break() {
    let dir = tempfile::tempdir().expect("tempdir");
    let compatible = edited_spec(
        dir.path(),
        "        examples: [\"9.0.1\"]\n      - name: mode",
        "        examples: [\"9.0.1\", \"8.1.3\"]\n      - name: mode",
    );
    let output = databag(["diff".as_ref(), spec().as_os_str(), compatible.as_os_str()]);
    assert_exit(&output, 0);
    // Located in the new file: the `examples` line of the response's `version`.
    let line = fs::read_to_string(&compatible)
        .expect("read")
        .lines()
        .position(|l| l == "        examples: [\"9.0.1\", \"8.1.3\"]")
        .expect("edited line")
        + 1;
    assert_eq!(
        stdout(&output),
        format!(
            "{}:{line}:9: compatible provider v1 app requests[].version: examples changed (1 → 2) \
             [examples-changed]\n",
            compatible.display()
        )
    );
    assert_eq!(stderr(&output), "0 breaking, 1 compatible change(s)\n");

    let breaking = edited_spec(
        dir.path(),
        "            - name: data\n              type: map<any>",
        "            - name: data\n              type: map<string>",
    );
    let output = databag([
        "diff".as_ref(),
        spec().as_os_str(),
        breaking.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_exit(&output, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(report["breaking"], true);
    assert_eq!(report["findings"][0]["rule"], "type-changed");
    assert_eq!(report["findings"][0]["key"], "data");
    assert_eq!(
        report["findings"][0]["file"],
        breaking.display().to_string()
    );
    let output = databag(["diff".as_ref(), spec().as_os_str(), breaking.as_os_str()]);
    assert_exit(&output, 1);
    assert!(
        stdout(&output)
            .contains(": breaking provider v1 app data: type `map<any>` → `map<string>` narrowed"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn diff_exits_2_on_a_broken_or_missing_spec() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = edited_spec(
        dir.path(),
        "secret: tls\n        title: TLS CA",
        "secret: tsl\n        title: TLS CA",
    );
    let output = databag(["diff".as_ref(), spec().as_os_str(), broken.as_os_str()]);
    assert_exit(&output, 2);
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).contains("v1.yaml:"), "{}", stderr(&output));
    assert!(stderr(&output).contains("tsl"), "{}", stderr(&output));
    let output = databag([
        "diff".as_ref(),
        spec().as_os_str(),
        dir.path().join("none.yaml").as_os_str(),
    ]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("none.yaml"), "{}", stderr(&output));
}

// ---- import -------------------------------------------------------------------------------

/// The vendored catalogue (tests/catalogue/corpus).
fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogue/corpus")
}

#[test]
fn import_prints_the_spec_and_its_notes() {
    let schemas = corpus().join("docs/json_schemas/tracing/v2");
    let output = databag(["import", schemas.to_str().expect("utf-8 path")]);
    assert_exit(&output, 0);
    let spec = stdout(&output);
    assert!(
        spec.starts_with("# The `tracing` relation interface, version 2"),
        "{spec}"
    );
    // interface.yaml is found beside the schemas in a checkout.
    assert!(spec.contains("\nstatus: published\n"), "{spec}");
    assert!(spec.contains("type: list<receiver>"), "{spec}");
    let notes = stderr(&output);
    assert!(
        notes.starts_with("note: provider.app.receivers[].protocol.type: enum"),
        "{notes}"
    );
    // What it prints is a valid spec.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("v2.yaml");
    fs::write(&file, &spec).expect("write spec");
    databag_codegen::model::Interface::load(&file).expect("the import is a valid spec");
}

#[test]
fn import_refuses_what_no_databag_can_hold() {
    let schemas = corpus().join("docs/json_schemas/kubeflow_dashboard_links/v0");
    let output = databag(["import", schemas.to_str().expect("utf-8 path")]);
    assert_exit(&output, 2);
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).contains("requirer.app: the databag is a JSON array"));
}

#[test]
fn import_catalogue_check_reports_a_stale_crate() {
    let out = tempfile::tempdir().expect("tempdir");
    let corpus = corpus();
    let args = [
        "import",
        "--catalogue",
        corpus.to_str().expect("utf-8 path"),
        "--out",
        out.path().to_str().expect("utf-8 path"),
    ];
    let output = databag([&args[..], &["--check"]].concat());
    assert_exit(&output, 1);
    assert!(stderr(&output).contains("CATALOGUE.md: not up to date"));
    assert_exit(&databag(args), 0);
    assert_exit(&databag([&args[..], &["--check"]].concat()), 0);
    let table = fs::read_to_string(out.path().join("CATALOGUE.md")).expect("table");
    assert!(
        table.contains("| `tracing` v2 | imported with notes |"),
        "{table}"
    );
}
