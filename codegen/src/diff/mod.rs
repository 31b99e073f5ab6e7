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
//! # let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/valkey_client/v1.yaml")).unwrap();
//! use databag_codegen::{Interface, diff};
//! let old = Interface::from_str(&text, "old.yaml").unwrap();
//! let new = Interface::from_str(&text.replace("      - name: salt\n        type: string\n        required: true\n        title: Salt\n        description: The request's salt, echoed.", "      - name: salt\n        type: string\n        title: Salt\n        description: The request's salt, echoed."), "new.yaml").unwrap();
//! let report = diff::compare(&old, &new);
//! assert!(report.is_breaking());
//! assert_eq!(report.findings[0].key.as_deref(), Some("requests[].salt"));
//! ```

use std::fmt;

use serde_json::{Value, json};

use crate::model::{Interface, RoleKind};

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

/// `breaking provider v1 app requests[].endpoints: ... [field-removed]`: one line, no newline.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// The other side of the relation: the reader of `role`'s databags.
pub(crate) fn peer(role: RoleKind) -> RoleKind {
    match role {
        RoleKind::Requirer => RoleKind::Provider,
        RoleKind::Provider => RoleKind::Requirer,
    }
}
