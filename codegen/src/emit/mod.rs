//! Emitters: a validated [`Interface`] in, files out.
//!
//! Every front end renders through [`all`] (or the single emitters), so `generate` and `check`
//! see the same bytes. Output is deterministic: spec order, no hash-map iteration.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::model::Interface;

pub mod catalogue;
pub mod docs;
pub mod rust;
pub mod schema;

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// Where it goes, relative to the output directory (`bindings/valkey_client/v1.rs`).
    pub path: PathBuf,
    /// Its full contents.
    pub contents: String,
}

/// Every artifact of every interface: per interface the Rust bindings
/// (`bindings/<interface>/v<N>.rs`), one JSON Schema per declared role
/// (`json_schemas/<interface>/v<N>/<role>.json`) and the document (`docs/<interface>/v<N>.md`).
pub fn all(interfaces: &[Interface]) -> Vec<Artifact> {
    let mut artifacts = Vec::new();
    for interface in interfaces {
        let dir = interface_dir(interface);
        artifacts.push(Artifact {
            path: Path::new("bindings").join(format!("{dir}.rs")),
            contents: rust::render(interface),
        });
        for role in &interface.roles {
            artifacts.push(Artifact {
                path: Path::new("json_schemas")
                    .join(&dir)
                    .join(format!("{}.json", role.kind.as_str())),
                contents: schema::render(interface, role.kind),
            });
        }
        artifacts.push(Artifact {
            path: Path::new("docs").join(format!("{dir}.md")),
            contents: docs::render(interface),
        });
    }
    artifacts
}

/// The directories of the output that hold nothing but artifacts; files in them that no spec
/// generates are stale.
pub const ARTIFACT_DIRS: [&str; 3] = ["bindings", "json_schemas", "docs"];

/// `valkey_client/v1`: where an interface's artifacts sit under each artifact directory.
fn interface_dir(interface: &Interface) -> String {
    format!("{}/v{}", interface.name, interface.version)
}

/// The spec's conventional path, `spec/<interface>/v<N>.yaml`, used in headers. Derived from
/// the model rather than from the path a caller passed, so a build.rs (`../spec/...`) and the
/// CLI (`spec/...`) write identical bytes.
pub fn spec_path(interface: &Interface) -> String {
    format!("spec/{}/v{}.yaml", interface.name, interface.version)
}

/// Writes `contents` to `path` unless it already holds exactly that, creating parent
/// directories. Returns whether the file changed; an unchanged file keeps its mtime, so cargo
/// does not rebuild what includes it.
pub fn write_if_changed(path: &Path, contents: &str) -> io::Result<bool> {
    if fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, contents)?;
    Ok(true)
}

/// What makes an artifact directory a crate of its own: its manifest and its `src/`. An artifact
/// directory holding a `Cargo.toml` (this repository's `bindings/`, the `databag-interfaces`
/// crate) keeps them: they are the crate that compiles the artifacts, not stale artifacts, and
/// a published crate must carry the files it `include!`s inside its own directory.
pub const CRATE_FILES: [&str; 2] = ["Cargo.toml", "src"];

/// Files under the [`ARTIFACT_DIRS`] of `out` that none of `artifacts` produces, sorted; the
/// [`CRATE_FILES`] of an artifact directory that is a crate are not among them.
pub fn stale_files(out: &Path, artifacts: &[Artifact]) -> io::Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for dir in ARTIFACT_DIRS {
        let mut found = Vec::new();
        collect_files(out, Path::new(dir), &mut found)?;
        if out.join(dir).join("Cargo.toml").is_file() {
            let own = CRATE_FILES.map(|file| Path::new(dir).join(file));
            found.retain(|path| !own.iter().any(|file| path.starts_with(file)));
        }
        stale.extend(found);
    }
    stale.retain(|path| !artifacts.iter().any(|a| &a.path == path));
    stale.sort();
    Ok(stale)
}

/// Relative paths of the files below `out/rel`, recursively (none when it does not exist).
fn collect_files(out: &Path, rel: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    let entries = match fs::read_dir(out.join(rel)) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            collect_files(out, &rel, files)?;
        } else {
            files.push(rel);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::valkey;

    #[test]
    fn all_lists_bindings_schemas_and_docs() {
        let paths: Vec<PathBuf> = all(&[valkey()]).into_iter().map(|a| a.path).collect();
        assert_eq!(
            paths,
            [
                "bindings/valkey_client/v1.rs",
                "json_schemas/valkey_client/v1/requirer.json",
                "json_schemas/valkey_client/v1/provider.json",
                "docs/valkey_client/v1.md",
            ]
            .map(PathBuf::from)
        );
    }

    #[test]
    fn write_if_changed_keeps_equal_files() {
        let dir = std::env::temp_dir().join(format!("databag-emit-{}", std::process::id()));
        let path = dir.join("a/b.txt");
        assert!(write_if_changed(&path, "x").expect("write"));
        assert!(!write_if_changed(&path, "x").expect("rewrite"));
        assert!(write_if_changed(&path, "y").expect("change"));
        assert_eq!(fs::read_to_string(&path).expect("read"), "y");
        fs::write(dir.join("a/../docs.md"), "").expect("outside artifact dirs");
        fs::create_dir_all(dir.join("docs/x")).expect("mkdir");
        fs::write(dir.join("docs/x/old.md"), "").expect("stale");
        let stale = stale_files(&dir, &[]).expect("scan");
        assert_eq!(stale, [PathBuf::from("docs/x/old.md")]);
        // An artifact directory that is a crate keeps its manifest and sources.
        fs::create_dir_all(dir.join("bindings/src")).expect("mkdir");
        fs::write(dir.join("bindings/src/lib.rs"), "").expect("lib.rs");
        fs::write(dir.join("bindings/old.rs"), "").expect("stale binding");
        assert_eq!(
            stale_files(&dir, &[]).expect("scan"),
            ["bindings/old.rs", "bindings/src/lib.rs", "docs/x/old.md"].map(PathBuf::from),
            "without a manifest, src/ is no crate's"
        );
        fs::write(dir.join("bindings/Cargo.toml"), "").expect("manifest");
        assert_eq!(
            stale_files(&dir, &[]).expect("scan"),
            ["bindings/old.rs", "docs/x/old.md"].map(PathBuf::from)
        );
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
