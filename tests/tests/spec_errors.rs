//! Malformed specs and the exact `file:line:column: message` lines they produce: the UI tests
//! of the YAML side. Each `tests/spec_errors/<name>.yaml` has its expectation in
//! `<name>.expected`. After an intended change of messages, rerun with `DATABAG_BLESS=1` to
//! rewrite the expectations, and review the diff.

use std::path::Path;

use databag_codegen::Interface;

#[test]
fn malformed_specs_report_positions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec_errors");
    let bless = std::env::var_os("DATABAG_BLESS").is_some();
    let mut specs: Vec<_> = std::fs::read_dir(&dir)
        .expect("spec_errors directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    assert!(
        specs.len() >= 12,
        "expected at least 12 malformed specs, found {}",
        specs.len()
    );

    let mut failures = Vec::new();
    for spec in &specs {
        let name = spec.file_name().expect("file name").to_string_lossy();
        // Messages name the file as the caller gave it: keep it short and machine-independent.
        let shown = Path::new("spec_errors").join(name.as_ref());
        let text = std::fs::read_to_string(spec).expect("spec text");
        let actual = match Interface::parse(&text, &shown) {
            Ok(_) => "<loaded without errors>".to_owned(),
            Err(diagnostics) => diagnostics.to_string(),
        } + "\n";
        let expected_path = spec.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &actual).expect("write expectation");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                spec.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn several_mistakes_are_reported_together() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec_errors/several_mistakes.yaml");
    let text = std::fs::read_to_string(&spec).expect("spec text");
    let diagnostics = Interface::parse(&text, "several_mistakes.yaml").expect_err("invalid spec");
    assert_eq!(diagnostics.sorted().len(), 3, "{diagnostics}");
}

#[test]
fn reference_specs_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for spec in [
        "spec/valkey_client/v1.yaml",
        "spec/postgresql_client/v0.yaml",
    ] {
        if let Err(diagnostics) = Interface::load(root.join(spec)) {
            panic!("{spec} does not load:\n{diagnostics}");
        }
    }
}
