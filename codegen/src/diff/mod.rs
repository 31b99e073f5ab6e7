//! Breaking-change check: two versions of a spec compared through their validated models, in
//! the spirit of `buf breaking`.
//!
//! A role's databags are written by that role and read by the other one, and either charm of a
//! relation may be upgraded first. So every change is judged in two directions:
//!
//! - **old readers**: the writing role runs the new spec, its peer still reads with the old one.
//!   The new spec must not let writers produce what the old spec refuses (a required key made
//!   optional, a type widened, a key renamed).
//! - **old writers**: the peer reads with the new spec, the writing role still writes the old
//!   way. The new spec must accept whatever the old spec let writers produce (a key made
//!   required, a type narrowed, an alias or a wire version dropped).
//!
//! A change that hurts neither is compatible (an optional key added, an alias added, docs,
//! examples, a new wire version). The comparison works on the model, never the YAML text, so
//! reordering, reformatting and comments are no changes at all; named objects are followed into
//! the JSON-encoded values that use them (`requests[].endpoints`), once per place of use.
//!
//! ```
//! use databag_codegen::{Interface, diff};
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/valkey_client/v1.yaml");
//! let text = std::fs::read_to_string(path)?;
//! // The provider's answered requests: any JSON value → strings only.
//! let edited = text.replacen("type: map<any>", "type: map<string>", 1);
//! let old = Interface::from_str(&text, "old.yaml").map_err(|p| p.to_string())?;
//! let new = Interface::from_str(&edited, "new.yaml").map_err(|p| p.to_string())?;
//! let report = diff::compare(&old, &new);
//! assert!(report.is_breaking());
//! let finding = &report.findings[0];
//! assert_eq!(finding.place(), "provider v1 app data");
//! assert_eq!(finding.breaks, diff::Breaks::OLD_WRITERS); // new requirers refuse old providers' data
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{Interface, RoleKind};
use crate::spec::locate::Locator;

mod fields;
mod interface;
mod types;

/// What changed, as a stable id (the `rule` of the JSON output), after `buf breaking`'s rule
/// names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The interface's name changed: Juju relates no endpoints across it.
    InterfaceRenamed,
    /// The key telling wire versions apart changed.
    VersionKeyChanged,
    /// A role was removed.
    RoleRemoved,
    /// A role was added.
    RoleAdded,
    /// A wire version of a role was removed.
    WireVersionRemoved,
    /// A wire version of a role was added.
    WireVersionAdded,
    /// The value of the version key that selects a wire version changed.
    SelectorChanged,
    /// A key was removed.
    FieldRemoved,
    /// A key was added.
    FieldAdded,
    /// A key's wire name changed.
    FieldRenamed,
    /// A key moved between the application and the unit databag.
    FieldMoved,
    /// A key became required.
    FieldRequired,
    /// A key became optional.
    FieldOptional,
    /// A key's type changed (narrowed, widened or replaced).
    TypeChanged,
    /// A key switched between JSON-encoded and plain.
    EncodingChanged,
    /// A key moved into, out of or between secret groups.
    SecretChanged,
    /// The secret group whose URI a key carries changed.
    SecretUriChanged,
    /// An alias (a spelling accepted on read) was removed.
    AliasRemoved,
    /// An alias was added.
    AliasAdded,
    /// A key's only accepted value was added, removed or changed.
    ConstantChanged,
    /// A key's pattern was added, removed or changed.
    PatternChanged,
    /// Whether undeclared keys are kept changed.
    UnknownKeysChanged,
    /// A secret group was added or removed from the declarations.
    SecretGroupChanged,
    /// Titles, descriptions or behaviour text changed.
    DocsChanged,
    /// Field examples or example databags changed.
    ExamplesChanged,
    /// Catalogue metadata (status, maintainer, charms, interface version) changed.
    MetadataChanged,
    /// The reference writers' byte profiles or the declared protocol changed.
    WritersChanged,
}

impl Rule {
    /// The kebab-case id (`field-removed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::InterfaceRenamed => "interface-renamed",
            Rule::VersionKeyChanged => "version-key-changed",
            Rule::RoleRemoved => "role-removed",
            Rule::RoleAdded => "role-added",
            Rule::WireVersionRemoved => "wire-version-removed",
            Rule::WireVersionAdded => "wire-version-added",
            Rule::SelectorChanged => "selector-changed",
            Rule::FieldRemoved => "field-removed",
            Rule::FieldAdded => "field-added",
            Rule::FieldRenamed => "field-renamed",
            Rule::FieldMoved => "field-moved",
            Rule::FieldRequired => "field-required",
            Rule::FieldOptional => "field-optional",
            Rule::TypeChanged => "type-changed",
            Rule::EncodingChanged => "encoding-changed",
            Rule::SecretChanged => "secret-changed",
            Rule::SecretUriChanged => "secret-uri-changed",
            Rule::AliasRemoved => "alias-removed",
            Rule::AliasAdded => "alias-added",
            Rule::ConstantChanged => "constant-changed",
            Rule::PatternChanged => "pattern-changed",
            Rule::UnknownKeysChanged => "unknown-keys-changed",
            Rule::SecretGroupChanged => "secret-group-changed",
            Rule::DocsChanged => "docs-changed",
            Rule::ExamplesChanged => "examples-changed",
            Rule::MetadataChanged => "metadata-changed",
            Rule::WritersChanged => "writers-changed",
        }
    }
}

/// Which already deployed peers a change breaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Breaks {
    /// Peers still reading with the old spec refuse (or misread) what new writers write.
    pub old_readers: bool,
    /// Readers on the new spec refuse what writers still on the old spec write.
    pub old_writers: bool,
}

impl Breaks {
    /// Breaks nobody.
    pub const NONE: Breaks = Breaks {
        old_readers: false,
        old_writers: false,
    };
    /// Breaks readers on the old spec.
    pub const OLD_READERS: Breaks = Breaks {
        old_readers: true,
        old_writers: false,
    };
    /// Breaks writers on the old spec.
    pub const OLD_WRITERS: Breaks = Breaks {
        old_readers: false,
        old_writers: true,
    };
    /// Breaks both.
    pub const BOTH: Breaks = Breaks {
        old_readers: true,
        old_writers: true,
    };

    /// Whether anybody breaks.
    pub fn any(self) -> bool {
        self.old_readers || self.old_writers
    }
}

impl std::ops::BitOr for Breaks {
    type Output = Breaks;
    fn bitor(self, other: Breaks) -> Breaks {
        Breaks {
            old_readers: self.old_readers || other.old_readers,
            old_writers: self.old_writers || other.old_writers,
        }
    }
}

/// Which databag of a wire version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Databag {
    /// The application databag.
    App,
    /// The unit databag.
    Unit,
}

impl Databag {
    /// `app` or `unit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Databag::App => "app",
            Databag::Unit => "unit",
        }
    }
}

/// One change between the two specs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What kind of change.
    pub rule: Rule,
    /// Which peers it breaks; [`Breaks::NONE`] for a compatible change.
    pub breaks: Breaks,
    /// The role whose databags changed (the writer), or `None` for the whole interface.
    pub role: Option<RoleKind>,
    /// The wire version (`v1`), when the change is inside one.
    pub version: Option<String>,
    /// The databag, when the change is inside one.
    pub databag: Option<Databag>,
    /// The key's path: a databag key (`endpoints`), or a path into a JSON-encoded value
    /// (`requests[].endpoints`; `{}` for map values). For a secret field, its content key.
    pub key: Option<String>,
    /// What changed and whom it hurts, in one sentence.
    pub message: String,
    /// Where in the spec files: the new file, or the old one for what the new one lacks. Set by
    /// [`compare_files`]; [`compare`] has no text to locate in.
    pub location: Option<Location>,
    /// The spec path the finding is about, in the old or the new file.
    pub(crate) origin: Option<Origin>,
}

/// A spec path (`objects.response.fields[3].type`) in one of the two files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    /// Whether the path is in the old file (something the new one no longer has).
    pub old: bool,
    pub path: String,
}

impl Origin {
    pub(crate) fn old(path: impl Into<String>) -> Option<Origin> {
        Some(Origin {
            old: true,
            path: path.into(),
        })
    }

    pub(crate) fn new(path: impl Into<String>) -> Option<Origin> {
        Some(Origin {
            old: false,
            path: path.into(),
        })
    }
}

/// A position in a spec file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file, as given.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// `spec/valkey_client/v1.yaml:42:7`
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

impl Finding {
    /// Whether the change breaks deployed peers.
    pub fn is_breaking(&self) -> bool {
        self.breaks.any()
    }

    /// `provider v1 app requests[].endpoints`, or `interface`.
    pub fn place(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        match self.role {
            Some(role) => parts.push(role.as_str()),
            None => parts.push("interface"),
        }
        if let Some(version) = &self.version {
            parts.push(version);
        }
        if let Some(databag) = self.databag {
            parts.push(databag.as_str());
        }
        if let Some(key) = &self.key {
            parts.push(key);
        }
        parts.join(" ")
    }

    /// The finding as a JSON object (the `--format json` record).
    pub fn to_json(&self) -> Value {
        let mut breaks = Vec::new();
        if self.breaks.old_readers {
            breaks.push("old-readers");
        }
        if self.breaks.old_writers {
            breaks.push("old-writers");
        }
        json!({
            "file": self.location.as_ref().map(|l| l.file.display().to_string()),
            "line": self.location.as_ref().map(|l| l.line),
            "column": self.location.as_ref().map(|l| l.column),
            "severity": if self.is_breaking() { "breaking" } else { "compatible" },
            "rule": self.rule.as_str(),
            "role": self.role.map(RoleKind::as_str),
            "version": self.version,
            "databag": self.databag.map(Databag::as_str),
            "key": self.key,
            "breaks": breaks,
            "message": self.message,
        })
    }
}

/// `new.yaml:117:7: breaking provider v1 app requests[].endpoints: ... [field-removed]`: one
/// line, no newline; without the location when there is none.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(
            f,
            "{} {}: {} [{}]",
            if self.is_breaking() {
                "breaking"
            } else {
                "compatible"
            },
            self.place(),
            self.message,
            self.rule.as_str()
        )
    }
}

/// Every change from one spec to the other: breaking findings first, each group in spec order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether any finding breaks deployed peers.
    pub fn is_breaking(&self) -> bool {
        self.findings.iter().any(Finding::is_breaking)
    }

    /// The breaking findings.
    pub fn breaking(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_breaking())
    }

    /// The compatible findings.
    pub fn compatible(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.is_breaking())
    }

    /// One line per finding, each ending in a newline.
    pub fn to_text(&self) -> String {
        self.findings.iter().map(|f| format!("{f}\n")).collect()
    }

    /// `{"breaking": bool, "findings": [...]}`, pretty-printed with a trailing newline.
    pub fn to_json(&self) -> String {
        let value = json!({
            "breaking": self.is_breaking(),
            "findings": self.findings.iter().map(Finding::to_json).collect::<Vec<_>>(),
        });
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Compares `old` with `new`: what a peer built on `old` meets when the other side moves to
/// `new`, and the reverse.
pub fn compare(old: &Interface, new: &Interface) -> Report {
    let mut findings = Vec::new();
    interface::compare(old, new, &mut findings);
    // Stable: spec order within each group.
    let (mut breaking, compatible): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(Finding::is_breaking);
    breaking.extend(compatible);
    Report { findings: breaking }
}

/// Loads and validates both spec files, compares them, and locates every finding in the file
/// it is about (the new one, or the old one for what the new one no longer has).
pub fn compare_files(old: &Path, new: &Path) -> Result<Report, Diagnostics> {
    let (old_text, new_text) = (read(old), read(new));
    let mut problems = Diagnostics::new();
    let mut load = |text: &Result<String, Diagnostics>, path: &Path| match text {
        Ok(text) => Interface::from_str(text, path)
            .map_err(|p| problems.extend(p))
            .ok(),
        Err(p) => {
            problems.extend(p.clone());
            None
        }
    };
    let (old_interface, new_interface) = (load(&old_text, old), load(&new_text, new));
    let (Some(old_interface), Some(new_interface), Ok(old_text), Ok(new_text)) =
        (old_interface, new_interface, old_text, new_text)
    else {
        return Err(problems);
    };
    let mut report = compare(&old_interface, &new_interface);
    let (old_locator, new_locator) = (Locator::new(&old_text), Locator::new(&new_text));
    for finding in &mut report.findings {
        let (file, locator, path) = match &finding.origin {
            Some(Origin { old: true, path }) => (old, &old_locator, path.as_str()),
            Some(Origin { old: false, path }) => (new, &new_locator, path.as_str()),
            None => (new, &new_locator, ""),
        };
        let (line, column) = locator.key(path);
        finding.location = Some(Location {
            file: file.to_path_buf(),
            line,
            column,
        });
    }
    Ok(report)
}

fn read(path: &Path) -> Result<String, Diagnostics> {
    std::fs::read_to_string(path).map_err(|error| {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(Diagnostic {
            file: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!("cannot read spec file: {error}"),
        });
        diagnostics
    })
}

/// The other side of the relation: the reader of `role`'s databags.
pub(crate) fn peer(role: RoleKind) -> RoleKind {
    match role {
        RoleKind::Requirer => RoleKind::Provider,
        RoleKind::Provider => RoleKind::Requirer,
    }
}
