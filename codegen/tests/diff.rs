//! `diff::compare` on real edits of the shipped specs (`spec/*/`): each test applies a textual
//! YAML edit to a spec file, loads both versions through the validator and checks the one
//! finding the edit stands for, with its place, its rule and whom it breaks.

use std::fs;
use std::path::Path;

use databag_codegen::Interface;
use databag_codegen::diff::{Breaks, Finding, Report, Rule, compare};

fn shipped(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Applies `edits` (each `from` must occur exactly once, so the edit is real and unambiguous)
/// to the shipped spec `rel`, and compares the shipped spec with the edited one.
#[track_caller]
fn diff(rel: &str, edits: &[(&str, &str)]) -> Report {
    let old_text = shipped(rel);
    let mut new_text = old_text.clone();
    for (from, to) in edits {
        assert_eq!(
            new_text.matches(from).count(),
            1,
            "edit target must occur once in {rel}: {from:?}"
        );
        new_text = new_text.replacen(from, to, 1);
    }
    assert_ne!(old_text, new_text);
    let load = |text: &str, name: &str| {
        Interface::from_str(text, name).unwrap_or_else(|problems| panic!("{name}:\n{problems}"))
    };
    compare(&load(&old_text, "old.yaml"), &load(&new_text, "new.yaml"))
}

/// The finding at `place` under `rule`, whatever else the report holds.
#[track_caller]
fn finding<'a>(report: &'a Report, rule: Rule, place: &str) -> &'a Finding {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule && f.place() == place)
        .unwrap_or_else(|| panic!("no {rule:?} at `{place}` in:\n{}", report.to_text()))
}

#[track_caller]
fn assert_breaks(report: &Report, rule: Rule, place: &str, breaks: Breaks) {
    assert!(report.is_breaking(), "{}", report.to_text());
    let found = finding(report, rule, place);
    assert_eq!(found.breaks, breaks, "{found}");
    assert!(found.to_string().starts_with("breaking "), "{found}");
    // Breaking findings come first.
    assert!(report.findings[0].is_breaking());
}

#[track_caller]
fn assert_compatible(report: &Report, rule: Rule, place: &str) {
    assert!(!report.is_breaking(), "{}", report.to_text());
    let found = finding(report, rule, place);
    assert_eq!(found.breaks, Breaks::NONE);
    assert!(found.to_string().starts_with("compatible "), "{found}");
}

const VALKEY: &str = "valkey_client/v1.yaml";
const KAFKA: &str = "kafka_client/v0.yaml";

// ---- breaking ------------------------------------------------------------------------------

#[test]
fn removing_a_required_key_breaks_old_readers() {
    // The provider's v0 answer loses `endpoints`.
    let report = diff(
        VALKEY,
        &[
            (
                "            - name: endpoints\n              type: string\n              required: true\n              title: Endpoints\n              description: All read-/write-endpoints, in a comma-separated list.\n              examples: [\"valkey-1.valkey-endpoints:6379\"]\n",
                "",
            ),
            (
                "            endpoints: valkey-1.valkey-endpoints:6379\n",
                "",
            ),
        ],
    );
    let found = finding(&report, Rule::FieldRemoved, "provider v0 app endpoints");
    assert_eq!(found.breaks, Breaks::OLD_READERS);
    assert!(
        found
            .message
            .contains("requirers on the old spec still require it"),
        "{found}"
    );
}

#[test]
fn removing_an_optional_key_inside_requests_is_named_by_path() {
    let report = diff(
        VALKEY,
        &[(
            "      - name: read-only-endpoints\n        type: string\n        title: Read-only endpoints\n        description: All read-only endpoints, in a comma-separated list.\n        examples: [\"valkey-0.valkey-endpoints:6379,valkey-2.valkey-endpoints:6379\"]\n",
            "",
        )],
    );
    assert_breaks(
        &report,
        Rule::FieldRemoved,
        "provider v1 app requests[].read-only-endpoints",
        Breaks::OLD_READERS,
    );
    // The v0 databag keeps its own `read-only-endpoints`: nothing there.
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.version.as_deref() == Some("v1")),
        "{}",
        report.to_text()
    );
}

#[test]
fn renaming_a_key_breaks_both_sides() {
    let report = diff(
        VALKEY,
        &[(
            "      - name: mode\n        type: string\n        title: Mode",
            "      - name: ha-mode\n        type: string\n        title: Mode",
        )],
    );
    assert_breaks(
        &report,
        Rule::FieldRenamed,
        "provider v1 app requests[].ha-mode",
        Breaks::BOTH,
    );
    assert!(!report.findings.iter().any(|f| f.rule == Rule::FieldRemoved));
}

#[test]
fn changing_a_databag_key_that_keeps_an_alias_is_a_rename() {
    // The requirer's v0 resource key `database` becomes `db`; `resource` stays an alias.
    let report = diff(
        VALKEY,
        &[
            (
                "            - name: database\n              type: string\n              required: true\n              aliases: [resource]",
                "            - name: prefix\n              type: string\n              required: true\n              aliases: [resource]",
            ),
            (
                "            database: application:*\n            requested-secrets",
                "            prefix: application:*\n            requested-secrets",
            ),
        ],
    );
    assert_breaks(
        &report,
        Rule::FieldRenamed,
        "requirer v0 app prefix",
        Breaks::BOTH,
    );
}

#[test]
fn optional_to_required_breaks_old_writers() {
    let report = diff(
        VALKEY,
        &[(
            "            - name: read-only-endpoints\n              type: string\n              title: Read-only endpoints",
            "            - name: read-only-endpoints\n              type: string\n              required: true\n              title: Read-only endpoints",
        )],
    );
    assert_breaks(
        &report,
        Rule::FieldRequired,
        "provider v0 app read-only-endpoints",
        Breaks::OLD_WRITERS,
    );
}

#[test]
fn required_to_optional_breaks_old_readers() {
    let report = diff(
        VALKEY,
        &[(
            "      - name: endpoints\n        type: string\n        required: true\n        title: Endpoints\n        description: All read-/write-endpoints, in a comma-separated list.\n        examples: [\"valkey-1.valkey-endpoints:6379\"]\n      - name: read-only-endpoints\n        type: string\n        title",
            "      - name: endpoints\n        type: string\n        title: Endpoints\n        description: All read-/write-endpoints, in a comma-separated list.\n        examples: [\"valkey-1.valkey-endpoints:6379\"]\n      - name: read-only-endpoints\n        type: string\n        title",
        )],
    );
    assert_breaks(
        &report,
        Rule::FieldOptional,
        "provider v1 app requests[].endpoints",
        Breaks::OLD_READERS,
    );
}

#[test]
fn adding_a_required_key_breaks_old_writers() {
    let report = diff(
        KAFKA,
        &[(
            "      - name: extra-user-roles\n        type: string\n",
            "      - name: extra-user-roles\n        type: string\n        required: true\n",
        )],
    );
    assert_breaks(
        &report,
        Rule::FieldRequired,
        "requirer v1 app requests[].extra-user-roles",
        Breaks::OLD_WRITERS,
    );
}

#[test]
fn narrowing_a_type_breaks_old_writers() {
    // The provider's answered requests: any JSON value → strings only.
    let report = diff(
        VALKEY,
        &[(
            "            - name: data\n              type: map<any>",
            "            - name: data\n              type: map<string>",
        )],
    );
    let found = finding(&report, Rule::TypeChanged, "provider v1 app data");
    assert_eq!(found.breaks, Breaks::OLD_WRITERS);
    assert!(
        found
            .message
            .contains("`map<any>` → `map<string>` narrowed"),
        "{found}"
    );
}

#[test]
fn widening_what_a_writer_writes_breaks_old_readers() {
    // The `tls` secret content: `true`/`false` → any string, read by the requirer.
    let report = diff(
        VALKEY,
        &[(
            "      - name: tls\n        type: bool\n        secret: tls",
            "      - name: tls\n        type: string\n        secret: tls",
        )],
    );
    assert_breaks(
        &report,
        Rule::TypeChanged,
        "provider v1 app requests[].tls",
        Breaks::OLD_READERS,
    );
}

#[test]
fn moving_a_key_between_secret_groups_breaks_both_sides() {
    let report = diff(
        VALKEY,
        &[
            (
                "      - name: tls-ca\n        type: string\n        secret: tls",
                "      - name: tls-ca\n        type: string\n        secret: user",
            ),
            (
                "            - name: tls-ca\n              type: string\n              secret: tls",
                "            - name: tls-ca\n              type: string\n              secret: user",
            ),
        ],
    );
    let found = finding(
        &report,
        Rule::SecretChanged,
        "provider v1 app requests[].tls-ca",
    );
    assert_eq!(found.breaks, Breaks::BOTH);
    assert!(
        found.message.contains("from secret group `tls` to `user`"),
        "{found}"
    );
}

#[test]
fn moving_a_key_out_of_its_secret_is_flagged_as_plaintext() {
    let report = diff(
        VALKEY,
        &[
            (
                "      - name: password\n        type: string\n        secret: user\n",
                "      - name: password\n        type: string\n",
            ),
            (
                "            - name: password\n              type: string\n              secret: user\n",
                "            - name: password\n              type: string\n",
            ),
        ],
    );
    let found = finding(
        &report,
        Rule::SecretChanged,
        "provider v1 app requests[].password",
    );
    assert_eq!(found.breaks, Breaks::BOTH);
    assert!(found.message.contains("in plaintext"), "{found}");
}

#[test]
fn dropping_a_wire_version_breaks_both_sides() {
    // Drop the requirer's v0 (its whole block, down to v1).
    let text = shipped(VALKEY);
    let start = text
        .find("      v0:\n        selected_by: {value: v0, or_absent: true}")
        .expect("v0");
    let end = start + text[start..].find("      v1:\n").expect("v1");
    // The protocol needs a requirer v0, so the edit drops the protocol and its writers too.
    let writers = text.find("writers:\n").expect("writers");
    let writers_end = writers + text[writers..].find("secret_groups:").expect("groups");
    let report = diff(
        VALKEY,
        &[
            (&text[start..end], ""),
            ("protocol: data-interfaces\n", ""),
            (&text[writers..writers_end], ""),
        ],
    );
    assert_breaks(
        &report,
        Rule::WireVersionRemoved,
        "requirer v0",
        Breaks::BOTH,
    );
}

#[test]
fn switching_json_encoding_breaks_both_sides() {
    let report = diff(
        VALKEY,
        &[(
            "            - name: provided-secrets\n              type: list<string>\n              json: true",
            "            - name: provided-secrets\n              type: string",
        )],
    );
    assert_breaks(
        &report,
        Rule::EncodingChanged,
        "requirer v0 app provided-secrets",
        Breaks::BOTH,
    );
    finding(
        &report,
        Rule::TypeChanged,
        "requirer v0 app provided-secrets",
    );
}

#[test]
fn tightening_a_pattern_breaks() {
    // The request's id: 64 characters at most → 16.
    let report = diff(
        KAFKA,
        &[(
            "      - name: request-id\n        type: string\n        required: true\n        # What may reach a username, a secret label or an ACL line (PROTOCOL.md §18.5).\n        pattern: \"^[A-Za-z0-9_-]{1,64}$\"\n        title: Request id\n        description: >-\n          Identifies",
            "      - name: request-id\n        type: string\n        required: true\n        pattern: \"^[A-Za-z0-9_-]{1,16}$\"\n        title: Request id\n        description: >-\n          Identifies",
        )],
    );
    assert_breaks(
        &report,
        Rule::PatternChanged,
        "requirer v1 app requests[].request-id",
        Breaks::BOTH,
    );
}

#[test]
fn removing_an_alias_breaks_writers_of_that_spelling() {
    // The Valkey charm writes `sentinel_endpoints` in v0 (PROTOCOL.md §5.2).
    let report = diff(
        VALKEY,
        &[
            ("              aliases: [sentinel_endpoints]\n", ""),
            (
                "            sentinel_endpoints: valkey-0",
                "            sentinel-endpoints: valkey-0",
            ),
        ],
    );
    assert_breaks(
        &report,
        Rule::AliasRemoved,
        "provider v0 app sentinel-endpoints",
        Breaks::OLD_WRITERS,
    );
}

#[test]
fn tightening_the_version_selector_breaks_old_writers() {
    // v0 requirers that write no `version` key at all are no longer v0.
    let report = diff(
        VALKEY,
        &[
            (
                "        selected_by: {value: v0, or_absent: true}",
                "        selected_by: {value: v0}",
            ),
            (
                "          description: The requirer's application databag in the flat v0 layout.\n          keeps_unknown: true\n          fields:\n",
                "          description: The requirer's application databag in the flat v0 layout.\n          keeps_unknown: true\n          fields:\n            - name: version\n              type: string\n              constant: v0\n",
            ),
            (
                "            database: application:*\n            requested-secrets",
                "            version: v0\n            database: application:*\n            requested-secrets",
            ),
        ],
    );
    assert_breaks(
        &report,
        Rule::SelectorChanged,
        "requirer v0",
        Breaks::OLD_WRITERS,
    );
}

#[test]
fn changing_the_secret_uri_key_breaks_both_sides() {
    // The databag key carrying the TLS secret's URI is renamed with its group.
    let report = diff(
        VALKEY,
        &[
            (
                "  - name: tls\n    description: Whether TLS",
                "  - name: certs\n    description: Whether TLS",
            ),
            (
                "      - name: secret-tls\n        type: secret-uri\n        secret_uri: tls",
                "      - name: secret-certs\n        type: secret-uri\n        secret_uri: certs",
            ),
            (
                "            - name: secret-tls\n              type: secret-uri\n              secret_uri: tls",
                "            - name: secret-certs\n              type: secret-uri\n              secret_uri: certs",
            ),
            (
                "      - name: tls\n        type: bool\n        secret: tls",
                "      - name: tls\n        type: bool\n        secret: certs",
            ),
            (
                "      - name: tls-ca\n        type: string\n        secret: tls",
                "      - name: tls-ca\n        type: string\n        secret: certs",
            ),
            (
                "            - name: tls\n              type: bool\n              secret: tls",
                "            - name: tls\n              type: bool\n              secret: certs",
            ),
            (
                "            secret-tls: secret:",
                "            secret-certs: secret:",
            ),
            ("\"secret-tls\": \"secret:", "\"secret-certs\": \"secret:"),
            (
                "            - name: tls-ca\n              type: string\n              secret: tls",
                "            - name: tls-ca\n              type: string\n              secret: certs",
            ),
        ],
    );
    assert_breaks(
        &report,
        Rule::FieldRenamed,
        "provider v1 app requests[].secret-certs",
        Breaks::BOTH,
    );
    assert_breaks(
        &report,
        Rule::SecretUriChanged,
        "provider v0 app secret-certs",
        Breaks::BOTH,
    );
    finding(&report, Rule::SecretChanged, "provider v0 app tls-ca");
}

// ---- compatible ----------------------------------------------------------------------------

#[test]
fn adding_an_optional_key_is_compatible() {
    let report = diff(
        VALKEY,
        &[(
            "        examples: [\"xqbPuYzzl2iiKeyN\"]\n\n  response:",
            "        examples: [\"xqbPuYzzl2iiKeyN\"]\n      - name: mtls-cert\n        type: string\n        title: mTLS certificate\n        description: The client's certificate.\n\n  response:",
        )],
    );
    assert_compatible(
        &report,
        Rule::FieldAdded,
        "requirer v1 app requests[].mtls-cert",
    );
}

#[test]
fn adding_docs_is_compatible() {
    let report = diff(
        VALKEY,
        &[(
            "        description: Random salt used to compute the request id.",
            "        description: >-\n          Random salt used to compute the request id. Sixteen letters and digits, from the\n          reference library.",
        )],
    );
    assert_compatible(
        &report,
        Rule::DocsChanged,
        "requirer v1 app requests[].salt",
    );
    assert_eq!(report.findings.len(), 1, "{}", report.to_text());
}

#[test]
fn adding_an_example_is_compatible() {
    let report = diff(
        VALKEY,
        &[(
            "        examples: [\"9.0.1\"]\n      - name: mode",
            "        examples: [\"9.0.1\", \"8.1.3\"]\n      - name: mode",
        )],
    );
    assert_compatible(
        &report,
        Rule::ExamplesChanged,
        "provider v1 app requests[].version",
    );
}

#[test]
fn adding_a_wire_version_is_compatible() {
    // A requirer v2: the v1 layout under `version: v2`.
    let report = diff(
        VALKEY,
        &[(
            "            version: v1\n\n  provider:",
            "            version: v1\n      v2:\n        selected_by: {value: v2}\n        app:\n          description: The requirer's application databag in the v2 layout.\n          keeps_unknown: true\n          fields:\n            - name: version\n              type: string\n              required: true\n              constant: v2\n            - name: requests\n              type: list<request>\n              json: true\n              required: true\n\n  provider:",
        )],
    );
    assert_compatible(&report, Rule::WireVersionAdded, "requirer v2");
}

#[test]
fn widening_what_readers_accept_is_compatible() {
    // A second spelling the requirer's reader accepts, never written.
    let report = diff(
        KAFKA,
        &[(
            "        aliases: [secret-requested-entity]\n        title: Requested entity secret\n        description: >-\n          URI of a Juju secret, owned",
            "        aliases: [secret-requested-entity, requested_entity_secret]\n        title: Requested entity secret\n        description: >-\n          URI of a Juju secret, owned",
        )],
    );
    assert_compatible(
        &report,
        Rule::AliasAdded,
        "requirer v1 app requests[].requested-entity-secret",
    );
}

#[test]
fn reformatting_the_yaml_is_no_change() {
    // Same model: key order, flow vs block lists, comments.
    let report = diff(
        VALKEY,
        &[(
            "      - name: resource\n        type: string\n        required: true\n        title: Prefix\n        description: The requested prefix, echoed from the request.\n        examples: [\"application:*\"]",
            "      # Reordered keys, block list.\n      - title: Prefix\n        name: resource\n        required: true\n        type: string\n        description: The requested prefix, echoed from the request.\n        examples:\n          - \"application:*\"",
        )],
    );
    assert!(report.findings.is_empty(), "{}", report.to_text());
}

#[test]
fn json_output_names_every_part() {
    let report = diff(
        VALKEY,
        &[(
            "            - name: data\n              type: map<any>",
            "            - name: data\n              type: map<string>",
        )],
    );
    let value: serde_json::Value = serde_json::from_str(&report.to_json()).expect("json");
    assert_eq!(value["breaking"], true);
    let first = &value["findings"][0];
    assert_eq!(first["severity"], "breaking");
    assert_eq!(first["rule"], "type-changed");
    assert_eq!(first["role"], "provider");
    assert_eq!(first["version"], "v1");
    assert_eq!(first["databag"], "app");
    assert_eq!(first["key"], "data");
    assert_eq!(first["breaks"], serde_json::json!(["old-writers"]));
}

#[test]
fn moving_a_key_from_the_app_to_the_unit_databag_breaks_both_sides() {
    let subordinated = "            - name: subordinated\n              type: string\n              title: Subordinated\n              description: Indicates that the provider should check the unit state when scaling up\n              examples: [\"true\"]\n";
    let report = diff(
        "postgresql_client/v0.yaml",
        &[
            (subordinated, ""),
            (
                "              examples: [\"ready\"]\n",
                &format!("              examples: [\"ready\"]\n{subordinated}"),
            ),
        ],
    );
    assert_breaks(
        &report,
        Rule::FieldMoved,
        "provider v0 app subordinated",
        Breaks::BOTH,
    );
    // One finding for the move, not a removal plus an addition.
    assert_eq!(report.findings.len(), 1, "{}", report.to_text());
}

#[test]
fn a_unit_databag_key_made_required_is_named_with_its_databag() {
    let report = diff(
        "postgresql_client/v0.yaml",
        &[(
            "            - name: state\n              type: string\n",
            "            - name: state\n              type: string\n              required: true\n",
        )],
    );
    assert_breaks(
        &report,
        Rule::FieldRequired,
        "provider v0 unit state",
        Breaks::OLD_WRITERS,
    );
}

#[test]
fn compare_files_locates_findings_in_the_file_they_are_about() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old.yaml");
    let new = dir.path().join("new.yaml");
    let text = shipped(VALKEY);
    fs::write(&old, &text).expect("old");
    // Remove `read-only-endpoints` from the response, make the answered data strings only.
    let removed = "      - name: read-only-endpoints\n        type: string\n        title: Read-only endpoints\n        description: All read-only endpoints, in a comma-separated list.\n        examples: [\"valkey-0.valkey-endpoints:6379,valkey-2.valkey-endpoints:6379\"]\n";
    let edited = text.replacen(removed, "", 1).replacen(
        "            - name: data\n              type: map<any>",
        "            - name: data\n              type: map<string>",
        1,
    );
    fs::write(&new, &edited).expect("new");
    let report = databag_codegen::diff::compare_files(&old, &new).expect("compare");
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l == needle).expect("line") + 1;
    let gone = finding(
        &report,
        Rule::FieldRemoved,
        "provider v1 app requests[].read-only-endpoints",
    );
    let location = gone.location.as_ref().expect("located");
    assert_eq!(
        location.file, old,
        "what the new file lacks is in the old one"
    );
    assert_eq!(
        (location.line, location.column),
        (line_of(&text, "      - name: read-only-endpoints"), 9)
    );
    let narrowed = finding(&report, Rule::TypeChanged, "provider v1 app data");
    let location = narrowed.location.as_ref().expect("located");
    assert_eq!(location.file, new);
    assert_eq!(
        (location.line, location.column),
        (line_of(&edited, "              type: map<string>"), 15)
    );
    assert!(
        narrowed
            .to_string()
            .starts_with(&format!("{}:", new.display()))
    );

    // A broken spec is an error naming its place, not a report.
    fs::write(
        &new,
        text.replacen(
            "secret: tls\n        title: TLS CA",
            "secret: tsl\n        title: TLS CA",
            1,
        ),
    )
    .expect("broken");
    let problems = databag_codegen::diff::compare_files(&old, &new).expect_err("broken");
    assert!(problems.to_string().contains("new.yaml:"), "{problems}");
}

#[test]
fn changing_the_version_tag_value_breaks_both_sides() {
    // The requirer's v1 layout selected (and its `version` constant written) as `1`.
    let report = diff(
        VALKEY,
        &[
            (
                "        selected_by: {value: v1}\n        app:\n          description: The requirer's",
                "        selected_by: {value: \"1\"}\n        app:\n          description: The requirer's",
            ),
            (
                "              constant: v1\n              title: Wire version\n              description: The data-interfaces wire version.\n              examples: [\"v1\"]\n            - name: requests\n              type: list<request>",
                "              constant: \"1\"\n              title: Wire version\n              description: The data-interfaces wire version.\n              examples: [\"1\"]\n            - name: requests\n              type: list<request>",
            ),
            (
                "            version: v1\n\n  provider:",
                "            version: \"1\"\n\n  provider:",
            ),
        ],
    );
    assert_breaks(&report, Rule::SelectorChanged, "requirer v1", Breaks::BOTH);
    assert_breaks(
        &report,
        Rule::ConstantChanged,
        "requirer v1 app version",
        Breaks::BOTH,
    );
}

#[test]
fn catalogue_metadata_and_interface_docs_are_compatible() {
    let report = diff(
        VALKEY,
        &[
            (
                "maintainer: data-platform\n",
                "maintainer: data-platform-valkey\n",
            ),
            (
                "requirers: []\n",
                "requirers:\n  - name: my-app\n    url: https://github.com/example/my-app\n",
            ),
            ("title: Valkey client\n", "title: Valkey client interface\n"),
        ],
    );
    let metadata = finding(&report, Rule::MetadataChanged, "interface");
    assert_eq!(
        metadata.message,
        "catalogue metadata changed: maintainer, requirers"
    );
    let docs = finding(&report, Rule::DocsChanged, "interface");
    assert_eq!(docs.message, "interface documentation changed: title");
    assert!(!report.is_breaking(), "{}", report.to_text());
}

#[test]
fn every_shipped_spec_against_itself_has_no_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let specs = databag_codegen::builder::find_specs(&dir).expect("specs");
    assert!(specs.len() >= 4, "{specs:?}");
    for spec in specs {
        let report = databag_codegen::diff::compare_files(&spec, &spec).expect("compare");
        assert!(
            report.findings.is_empty(),
            "{}:\n{}",
            spec.display(),
            report.to_text()
        );
    }
}

#[test]
fn the_reverse_of_a_compatible_edit_can_break() {
    // Adding an optional key is compatible; taking it away again is not.
    let old = shipped(VALKEY);
    let new = old.replacen(
        "        examples: [\"xqbPuYzzl2iiKeyN\"]\n\n  response:",
        "        examples: [\"xqbPuYzzl2iiKeyN\"]\n      - name: mtls-cert\n        type: string\n\n  response:",
        1,
    );
    assert_ne!(old, new);
    let load = |text: &str| Interface::from_str(text, "spec.yaml").expect("valid");
    let forward = compare(&load(&old), &load(&new));
    assert_compatible(
        &forward,
        Rule::FieldAdded,
        "requirer v1 app requests[].mtls-cert",
    );
    let backward = compare(&load(&new), &load(&old));
    assert_breaks(
        &backward,
        Rule::FieldRemoved,
        "requirer v1 app requests[].mtls-cert",
        Breaks::OLD_READERS,
    );
}
