//! `interface.yaml`: the catalogue's metadata of an interface version (status, maintainer, the
//! charms known to provide and require it).

use serde::Deserialize;

use super::{Error, Note, Source};

/// What the spec takes from `interface.yaml`.
#[derive(Debug, Default)]
pub(super) struct Metadata {
    pub status: String,
    pub maintainer: Option<String>,
    pub providers: Vec<Charm>,
    pub requirers: Vec<Charm>,
}

/// A charm of `providers` / `requirers`; `test_setup` and `branch` concern the catalogue's
/// own test runner and are not carried over.
#[derive(Debug, Deserialize)]
pub(super) struct Charm {
    pub name: String,
    pub url: Option<String>,
}

/// `interface.yaml` as the catalogue writes it; unknown keys (`internal`) are ignored.
#[derive(Debug, Deserialize)]
struct RawMetadata {
    name: Option<String>,
    version: Option<u32>,
    status: Option<String>,
    maintainer: Option<String>,
    #[serde(default)]
    providers: Option<Vec<Charm>>,
    #[serde(default)]
    requirers: Option<Vec<Charm>>,
}

/// Statuses the spec format knows.
const STATUSES: [&str; 3] = ["draft", "published", "retired"];

/// Reads the metadata, or the defaults (status `draft`) with a note when there is none.
pub(super) fn read(source: &Source, notes: &mut Vec<Note>) -> Result<Metadata, Error> {
    let place = format!("{}/interface.yaml", source.origin);
    let Some(text) = &source.metadata else {
        notes.push(Note {
            place,
            message: "no interface.yaml: status `draft`, no maintainer, no charms".to_owned(),
        });
        return Ok(Metadata {
            status: "draft".to_owned(),
            ..Metadata::default()
        });
    };
    let raw: RawMetadata = serde_yaml::from_str(text).map_err(|e| match e.location() {
        Some(at) => Error(format!("{place}:{}:{}: {e}", at.line(), at.column())),
        None => Error(format!("{place}: {e}")),
    })?;
    if raw.name.as_deref().is_some_and(|name| name != source.name) {
        notes.push(Note {
            place: place.clone(),
            message: format!(
                "names the interface {:?}; the spec uses the directory's name {:?}",
                raw.name.unwrap_or_default(),
                source.name
            ),
        });
    }
    if raw.version.is_some_and(|version| version != source.version) {
        notes.push(Note {
            place: place.clone(),
            message: format!(
                "says version {}; the spec uses the directory's v{}",
                raw.version.unwrap_or_default(),
                source.version
            ),
        });
    }
    let status = match raw.status {
        Some(status) if STATUSES.contains(&status.as_str()) => status,
        other => {
            notes.push(Note {
                place: place.clone(),
                message: format!(
                    "status {other:?} is not one of {STATUSES:?}: imported as `draft`"
                ),
            });
            "draft".to_owned()
        }
    };
    Ok(Metadata {
        status,
        maintainer: raw.maintainer,
        providers: raw.providers.unwrap_or_default(),
        requirers: raw.requirers.unwrap_or_default(),
    })
}
