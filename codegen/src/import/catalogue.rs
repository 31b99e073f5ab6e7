//! The whole Juju catalogue as a corpus: every interface version with a JSON Schema imported,
//! validated and generated into one crate, with a table of what imported fully, what with
//! notes, and what failed and why.
//!
//! The output directory is a crate of its own (`tests/catalogue/` in this repository):
//! `spec/<name>/v<N>.yaml` (the imports), `bindings/<name>/v<N>.rs` and
//! `json_schemas/<name>/v<N>/<role>.json` (what `databag generate` emits for them),
//! `bindings/index.rs` (one module per binding and `decode`, included by the crate's
//! `src/lib.rs`) and `CATALOGUE.md` (the table).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Note, Source, import};
use crate::emit::{self, Artifact};
use crate::model::Interface;

/// What became of one interface version.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Interface name.
    pub name: String,
    /// Interface version.
    pub version: u32,
    /// The outcome.
    pub outcome: Outcome,
}

/// How an interface version fared.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Imported and valid; bindings generated. The notes say what was guessed (none: fully).
    Generated(Vec<Note>),
    /// The importer refused it (the spec format cannot express it).
    ImportFailed(String),
    /// Imported, but the spec validator refused the result.
    Invalid(String),
}

/// The interface versions of a catalogue checkout that have JSON Schemas: the directories
/// `docs/json_schemas/<name>/v<N>`, sorted.
pub fn versions(corpus: &Path) -> Result<Vec<(String, u32)>, super::Error> {
    let io = |path: &Path, e: std::io::Error| super::Error(format!("{}: {e}", path.display()));
    let root = corpus.join("docs/json_schemas");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&root).map_err(|e| io(&root, e))? {
        let entry = entry.map_err(|e| io(&root, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        for version in std::fs::read_dir(&dir).map_err(|e| io(&dir, e))? {
            let version = version.map_err(|e| io(&dir, e))?;
            let file = version.file_name().to_string_lossy().into_owned();
            if let Some(n) = file.strip_prefix('v').and_then(|n| n.parse().ok()) {
                found.push((name.clone(), n));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Imports every interface version of `corpus` and renders the catalogue crate's generated
/// files, relative to its directory. Nothing is written: [`write`] or compare them.
pub fn render(corpus: &Path) -> Result<(Vec<Entry>, Vec<Artifact>), super::Error> {
    let mut entries = Vec::new();
    let mut artifacts = Vec::new();
    let mut interfaces = Vec::new();
    for (name, version) in versions(corpus)? {
        let outcome = match Source::read(corpus, &name, version).and_then(|s| import(&s)) {
            Err(error) => Outcome::ImportFailed(error.0),
            Ok(imported) => {
                let path = PathBuf::from(format!("spec/{name}/v{version}.yaml"));
                let outcome = match Interface::from_str(&imported.spec, &path) {
                    Ok(interface) => {
                        interfaces.push(interface);
                        Outcome::Generated(imported.notes)
                    }
                    Err(diagnostics) => Outcome::Invalid(diagnostics.to_string()),
                };
                artifacts.push(Artifact {
                    path,
                    contents: imported.spec,
                });
                outcome
            }
        };
        entries.push(Entry {
            name,
            version,
            outcome,
        });
    }
    // Bindings and schemas; the Markdown documents are left out to keep the corpus lean.
    artifacts.extend(
        emit::all(&interfaces)
            .into_iter()
            .filter(|a| !a.path.starts_with("docs")),
    );
    artifacts.push(Artifact {
        path: PathBuf::from("bindings/index.rs"),
        contents: index_rs(&interfaces),
    });
    artifacts.push(Artifact {
        path: PathBuf::from("CATALOGUE.md"),
        contents: table(&entries),
    });
    Ok((entries, artifacts))
}

/// Writes the artifacts under `out`, leaving unchanged files untouched, and removes files of
/// `spec/`, `bindings/` and `json_schemas/` that no artifact produces.
pub fn write(out: &Path, artifacts: &[Artifact]) -> Result<(), super::Error> {
    let io = |path: &Path, e: std::io::Error| super::Error(format!("{}: {e}", path.display()));
    for artifact in artifacts {
        let path = out.join(&artifact.path);
        emit::write_if_changed(&path, &artifact.contents).map_err(|e| io(&path, e))?;
    }
    for stale in stale(out, artifacts)? {
        let path = out.join(stale);
        std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
    }
    Ok(())
}

/// The files under `out` that differ from the artifacts, are missing, or are stale: empty when
/// the catalogue crate is up to date.
pub fn differences(out: &Path, artifacts: &[Artifact]) -> Result<Vec<PathBuf>, super::Error> {
    let mut differ: Vec<PathBuf> = artifacts
        .iter()
        .filter(|a| {
            std::fs::read(out.join(&a.path)).map_or(true, |old| old != a.contents.as_bytes())
        })
        .map(|a| a.path.clone())
        .collect();
    differ.extend(stale(out, artifacts)?);
    Ok(differ)
}

/// Generated files no artifact produces any more.
fn stale(out: &Path, artifacts: &[Artifact]) -> Result<Vec<PathBuf>, super::Error> {
    let mut found = Vec::new();
    for dir in ["spec", "bindings", "json_schemas"] {
        collect(out, Path::new(dir), &mut found)?;
    }
    found.retain(|path| !artifacts.iter().any(|a| &a.path == path));
    found.sort();
    Ok(found)
}

fn collect(out: &Path, rel: &Path, files: &mut Vec<PathBuf>) -> Result<(), super::Error> {
    let dir = out.join(rel);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(super::Error(format!("{}: {e}", dir.display()))),
    };
    for entry in entries {
        let entry = entry.map_err(|e| super::Error(format!("{}: {e}", dir.display())))?;
        let rel = rel.join(entry.file_name());
        if entry.path().is_dir() {
            collect(out, &rel, files)?;
        } else {
            files.push(rel);
        }
    }
    Ok(())
}

/// The module index the crate root includes (`bindings/index.rs`; an included file, so
/// `cargo fmt` leaves the generated text alone): one module per generated binding, and
/// `decode`.
fn index_rs(interfaces: &[Interface]) -> String {
    let mut out = String::from(
        "// @generated by `databag import --catalogue`: do not edit. Included by src/lib.rs.\n",
    );
    for interface in interfaces {
        let (name, version) = (&interface.name, interface.version);
        let _ = write!(
            out,
            "\n/// `{name}` v{version}.\npub mod {name}_v{version} {{\n    \
             include!(\"{name}/v{version}.rs\");\n}}\n"
        );
    }
    out.push_str(
        "\n/// Decodes one role's databags of one interface version (`tracing_v2`) with its \
         generated\n/// types; `None` when the catalogue has no such interface version or role.\n\
         pub fn decode(\n    module: &str,\n    role: &str,\n    app: &databag::Bag,\n    \
         unit: &databag::Bag,\n) -> Option<Result<(), databag::Error>> {\n    \
         match (module, role) {\n",
    );
    for interface in interfaces {
        let module = format!("{}_v{}", interface.name, interface.version);
        for role in &interface.roles {
            // Imports have one wire version per role.
            let Some(version) = role.versions.first() else {
                continue;
            };
            let path = format!("{module}::{}", version.name);
            let unit = match &version.unit {
                Some(unit) => format!(".and_then(|()| check::<{path}::{}>(unit))", unit.rust_name),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "        (\"{module}\", \"{}\") => Some(check::<{path}::{}>(app){unit}),",
                role.kind.as_str(),
                version.app.rust_name,
            );
        }
    }
    out.push_str(
        "        _ => None,\n    }\n}\n\n\
         /// Decodes a databag as `T`, keeping only the verdict.\n\
         fn check<T: databag::Databag>(bag: &databag::Bag) -> Result<(), databag::Error> {\n    \
         T::from_bag(bag).map(|_| ())\n}\n",
    );
    out
}

/// `CATALOGUE.md`: per interface version, its outcome and the notes or the reason.
pub fn table(entries: &[Entry]) -> String {
    let generated = entries
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Generated(_)))
        .count();
    let fully = entries
        .iter()
        .filter(|e| matches!(&e.outcome, Outcome::Generated(n) if n.is_empty()))
        .count();
    let mut out = format!(
        "<!-- @generated by `databag import --catalogue`: do not edit. -->\n\
         # The Juju interface catalogue, imported\n\n\
         Every interface version of the vendored catalogue (`corpus/`, see its README) that has \
         a JSON Schema, imported by `databag import` into `spec/`, generated into `bindings/` \
         and `json_schemas/`, compiled by this crate.\n\n\
         {generated} of {} interface versions generated bindings ({fully} without a note); \
         {} failed.\n\n\
         | interface | outcome | notes or reason |\n|---|---|---|\n",
        entries.len(),
        entries.len() - generated
    );
    for entry in entries {
        let (outcome, detail) = match &entry.outcome {
            Outcome::Generated(notes) if notes.is_empty() => ("imported fully", String::new()),
            Outcome::Generated(notes) => (
                "imported with notes",
                notes
                    .iter()
                    .map(|n| cell(&n.to_string()))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            ),
            Outcome::ImportFailed(reason) => ("import failed", cell(reason)),
            Outcome::Invalid(reason) => ("spec invalid", cell(reason)),
        };
        let _ = writeln!(
            out,
            "| `{}` v{} | {outcome} | {detail} |",
            entry.name, entry.version
        );
    }
    out
}

/// Text for one table cell: no newlines, no unescaped pipes.
fn cell(text: &str) -> String {
    text.trim().replace('|', "\\|").replace('\n', "<br>")
}
