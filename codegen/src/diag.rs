//! Spec problems with their `file:line:column`, collected so that one run reports them all.

use std::fmt;
use std::path::PathBuf;

/// One problem in a spec file, at a 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The spec file, as the caller named it.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Every problem found in one or more spec files, sorted by position when displayed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No problems yet.
    pub fn new() -> Self {
        Diagnostics::default()
    }

    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Adds every problem of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many distinct problems were recorded.
    pub fn len(&self) -> usize {
        self.sorted().len()
    }

    /// The problems, sorted by file, line and column (then message).
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut items = self.items.clone();
        items.sort();
        items.dedup();
        items
    }

    /// `Ok(value)` when no problem was recorded, else the problems.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.sorted().iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    /// The problems in display order (sorted, duplicates removed).
    fn into_iter(self) -> Self::IntoIter {
        self.sorted().into_iter()
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo (edit distance at
/// most a third of the word, and at least 1): `requird` → `required`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize, message: &str) -> Diagnostic {
        Diagnostic {
            file: PathBuf::from("spec/x/v1.yaml"),
            line,
            column,
            message: message.to_owned(),
        }
    }

    #[test]
    fn displays_sorted_by_position_without_duplicates() {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(at(10, 3, "b"));
        diagnostics.push(at(2, 7, "a"));
        diagnostics.push(at(10, 1, "c"));
        diagnostics.push(at(2, 7, "a"));
        assert_eq!(diagnostics.len(), 3);
        assert_eq!(
            diagnostics.to_string(),
            "spec/x/v1.yaml:2:7: a\nspec/x/v1.yaml:10:1: c\nspec/x/v1.yaml:10:3: b"
        );
        assert!(diagnostics.into_result(()).is_err());
        assert_eq!(Diagnostics::new().into_result(5), Ok(5));
    }

    #[test]
    fn suggests_close_names_only() {
        let keys = ["name", "type", "required", "secret_uri"];
        assert_eq!(did_you_mean("requird", keys), Some("required"));
        assert_eq!(did_you_mean("secret-uri", keys), Some("secret_uri"));
        assert_eq!(did_you_mean("typ", keys), Some("type"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
