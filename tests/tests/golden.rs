//! The committed artifacts under `generated/` are what the specs generate, checked the way
//! prost's bootstrap test checks `prost-types`: regenerate into a temporary directory and
//! compare every file. A plain `cargo test` catches a spec edited without regenerating.
//!
//! `DATABAG_BLESS=1 cargo test -p databag-tests --test golden` rewrites `generated/` instead
//! (the same as `cargo run -p databag-codegen -- generate`); review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use databag_codegen::{Builder, emit};

/// The documents' citations of PROTOCOL.md and their relative links.
#[path = "golden/references.rs"]
mod references;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn bless() -> bool {
    std::env::var_os("DATABAG_BLESS").is_some_and(|v| v == "1")
}

#[test]
fn generated_artifacts_match_the_specs() {
    let root = root();
    let interfaces = Builder::new()
        .spec_dir(root.join("spec"))
        .load()
        .unwrap_or_else(|e| panic!("specs must load:\n{e}"));
    let names: Vec<&str> = interfaces.iter().map(|i| i.name.as_str()).collect();
    assert!(names.contains(&"valkey_client"), "{names:?}");

    let artifacts = emit::all(&interfaces);
    let scratch = tempfile::tempdir().expect("tempdir");
    for artifact in &artifacts {
        emit::write_if_changed(&scratch.path().join(&artifact.path), &artifact.contents)
            .expect("write to the scratch directory");
    }

    let generated = root.join("generated");
    let mut stale = Vec::new();
    for artifact in &artifacts {
        let fresh = fs::read_to_string(scratch.path().join(&artifact.path)).expect("read back");
        let committed_path = generated.join(&artifact.path);
        if fs::read_to_string(&committed_path).ok().as_deref() == Some(fresh.as_str()) {
            continue;
        }
        if bless() {
            emit::write_if_changed(&committed_path, &fresh).expect("bless");
        } else {
            stale.push(artifact.path.display().to_string());
        }
    }
    for orphan in emit::stale_files(&generated, &artifacts).expect("scan generated/") {
        if bless() {
            fs::remove_file(generated.join(&orphan)).expect("remove orphan");
        } else {
            stale.push(format!("{} (no spec generates it)", orphan.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "generated/ is stale: {stale:#?}\nrun `cargo run -p databag-codegen -- generate` \
         (or DATABAG_BLESS=1 on this test)"
    );
}

#[test]
fn generation_is_deterministic() {
    let interfaces = Builder::new()
        .spec_dir(root().join("spec"))
        .load()
        .unwrap_or_else(|e| panic!("specs must load:\n{e}"));
    assert_eq!(emit::all(&interfaces), emit::all(&interfaces));
}
