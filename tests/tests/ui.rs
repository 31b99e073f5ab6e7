//! Compile-fail and compile-pass tests of `#[derive(Databag)]`, run by trybuild.
//!
//! Each `ui/<category>/*.rs` must fail to compile with exactly the pinned `.stderr` beside it;
//! each `ui_pass/*.rs` and each Rust example of `macros/derive/attributes.md` must compile and
//! run. After a deliberate change of a message, or a new rustc, regenerate the `.stderr` files
//! with `TRYBUILD=overwrite cargo test -p databag-tests --test ui` and review the diff.

use std::fs;
use std::path::PathBuf;

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/**/*.rs");
    t.pass("ui_pass/*.rs");
    for example in attribute_reference_examples() {
        t.pass(example);
    }
}

/// Three mistakes in one struct give three errors, all reported by one compilation.
#[test]
fn three_mistakes_three_errors() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let stderr = fs::read_to_string(manifest.join("ui/attr/three_mistakes.stderr"))
        .expect("read the pinned stderr");
    let errors = stderr.lines().filter(|l| l.starts_with("error")).count();
    assert_eq!(errors, 3, "{stderr}");
}

/// An unsupported field type is one error naming the supported types, not one per use of the
/// type in the expansion; and derive errors come with the type errors of the same item.
#[test]
fn type_errors_are_one_per_type_and_come_with_derive_errors() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let errors = |name: &str| -> (usize, String) {
        let stderr = fs::read_to_string(manifest.join("ui/types").join(name))
            .expect("read the pinned stderr");
        (
            stderr.lines().filter(|l| l.starts_with("error")).count(),
            stderr,
        )
    };
    let (count, stderr) = errors("unsupported.stderr");
    assert_eq!(count, 1, "{stderr}");
    assert!(
        stderr.contains("`u32` is not a supported databag field type"),
        "{stderr}"
    );
    let (count, stderr) = errors("all_at_once.stderr");
    assert_eq!(count, 5, "{stderr}");
    for message in [
        "unknown databag attribute `renam`",
        "unknown databag attribute `defualt`",
        "`u16` is not a supported databag field type",
        "a `#[databag(flatten)]` field must be a `databag::Unknown`",
        "`std::string::String` does not implement `databag::Databag`",
    ] {
        assert!(stderr.contains(message), "{message} in {stderr}");
    }
}

/// Writes each ```` ```rust ```` block of the attribute reference to its own file, so the
/// documentation cannot drift from the derive. A block without `fn main` gets an empty one.
fn attribute_reference_examples() -> Vec<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let reference = manifest.join("../macros/derive/attributes.md");
    let text = fs::read_to_string(&reference).expect("read macros/derive/attributes.md");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("attributes_md");
    fs::create_dir_all(&dir).expect("create the examples directory");

    let mut examples = Vec::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        match &mut block {
            None if line.trim_end() == "```rust" => block = Some(String::new()),
            None => {}
            Some(code) if line.trim_end() == "```" => {
                if !code.contains("fn main") {
                    code.push_str("\nfn main() {}\n");
                }
                let path = dir.join(format!("example_{}.rs", examples.len() + 1));
                fs::write(&path, code).expect("write an example");
                examples.push(path);
                block = None;
            }
            Some(code) => {
                code.push_str(line);
                code.push('\n');
            }
        }
    }
    assert!(
        !examples.is_empty(),
        "attributes.md has no ```rust examples"
    );
    examples
}
