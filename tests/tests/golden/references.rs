//! What the repository's documents cite exists: every `PROTOCOL.md §N` (or `PROTOCOL §N`) in a
//! source, spec, script or document names a section of the committed wire reference,
//! `spec/valkey_client/PROTOCOL.md`, and every relative Markdown link resolves to a file.
//!
//! A section `N.M` exists when PROTOCOL.md has a heading numbered `N.M`, or when section `N`
//! has a numbered list whose item `M` it is (§18's "1. Parse, don't byte-compare" is §18.1).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::root;

/// The wire reference the shorthand points at (README.md says so).
const PROTOCOL: &str = "spec/valkey_client/PROTOCOL.md";

/// Files that may cite PROTOCOL.md.
const CITING: [&str; 7] = ["rs", "md", "yaml", "yml", "py", "sh", "toml"];

/// The section numbers of PROTOCOL.md: its numbered headings, and `N.M` for item `M` of a
/// numbered list in section `N`.
fn sections(protocol: &str) -> BTreeSet<String> {
    let mut sections = BTreeSet::new();
    let mut current: Option<String> = None;
    let mut fenced = false;
    for line in protocol.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        if let Some(heading) = line.strip_prefix('#') {
            let number = leading_number(heading.trim_start_matches('#').trim_start());
            current = (!number.is_empty()).then(|| number.to_owned());
            sections.extend(current.clone());
        } else if let Some(section) = &current {
            let item = leading_number(line);
            if !item.is_empty() && !item.contains('.') && line[item.len()..].starts_with(". ") {
                sections.insert(format!("{section}.{item}"));
            }
        }
    }
    sections
}

/// `18.1` of `18.1 Title`, `4` of `4. Title` and of `4, §5`: digits and inner dots.
fn leading_number(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    text[..end].trim_end_matches('.')
}

/// The sections cited in `text`, with their 1-based line: after each `PROTOCOL.md` or
/// `PROTOCOL`, a space, then `§N` and any further `, §M`.
fn citations(text: &str) -> Vec<(usize, String)> {
    let mut cited = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("PROTOCOL") {
            rest = &rest[at + "PROTOCOL".len()..];
            let mut after = rest.strip_prefix(".md").unwrap_or(rest).strip_prefix(' ');
            while let Some(section) = after.and_then(|a| a.strip_prefix('§')) {
                let number = leading_number(section);
                if number.is_empty() {
                    break;
                }
                cited.push((index + 1, number.to_owned()));
                after = section[number.len()..].strip_prefix(", ");
            }
        }
    }
    cited
}

/// The relative link targets of a Markdown file, with their 1-based line: inline links
/// `[text](target)` and definitions `[label]: target`, outside code blocks and code spans;
/// URLs and in-page anchors are not files, and `#fragment`s are dropped.
fn relative_links(markdown: &str) -> Vec<(usize, String)> {
    let mut links = Vec::new();
    let mut fenced = false;
    for (index, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Code spans are the odd pieces between backticks.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut targets = Vec::new();
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            targets.push(
                rest[..end]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_owned(),
            );
        }
        if let Some(definition) = prose.trim_start().strip_prefix('[')
            && let Some((_, target)) = definition.split_once("]: ")
        {
            targets.push(target.split_whitespace().next().unwrap_or("").to_owned());
        }
        for target in targets {
            let path = target.split('#').next().unwrap_or("");
            if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
                continue;
            }
            links.push((index + 1, path.to_owned()));
        }
    }
    links
}

/// The repository's files with one of `extensions`, sorted; build output, hidden directories
/// (VCS, virtualenvs) and Python caches skipped.
fn files(root: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !(name.starts_with('.') || name == "target" || name == "__pycache__") {
                    dirs.push(path);
                }
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn protocol_citations_name_existing_sections() {
    let root = root();
    let protocol = fs::read_to_string(root.join(PROTOCOL)).expect("the committed PROTOCOL.md");
    let sections = sections(&protocol);
    let mut count = 0;
    let mut dangling = Vec::new();
    for path in files(&root, &CITING) {
        let Ok(text) = fs::read_to_string(&path) else {
            continue; // not UTF-8: no citation to check
        };
        for (line, section) in citations(&text) {
            count += 1;
            if !sections.contains(&section) {
                dangling.push(format!("{}:{line}: §{section}", relative(&root, &path)));
            }
        }
    }
    assert!(
        dangling.is_empty(),
        "cited sections that {PROTOCOL} does not have:\n{}",
        dangling.join("\n")
    );
    // The scan found the citations it is there to check.
    assert!(count >= 30, "only {count} PROTOCOL.md citations found");
}

#[test]
fn relative_markdown_links_resolve() {
    let root = root();
    let documents = files(&root, &["md"]);
    for required in ["README.md", "generated/docs/valkey_client/v1.md", PROTOCOL] {
        assert!(
            documents.contains(&root.join(required)),
            "{required} is not among the scanned documents"
        );
    }
    let mut broken = Vec::new();
    for path in &documents {
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let dir = path.parent().expect("a file's directory");
        for (line, target) in relative_links(&text) {
            if !dir.join(&target).exists() {
                broken.push(format!("{}:{line}: {target}", relative(&root, path)));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "relative links to nothing:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_scanners_read_what_they_should() {
    let protocol = "# Title\n## 4. Layouts\n### 4.1 v1 requirer\n```\n## 9. in code\n```\n\
                    ## 18. What this means\n\n1. **Parse.**\n   2. nested\n10. Cross-model\n";
    let sections: Vec<String> = sections(protocol).into_iter().collect();
    assert_eq!(sections, ["18", "18.1", "18.10", "4", "4.1"]);

    // Built so that this file cites nothing itself.
    let text = concat!(
        "a (PROTOCOL",
        ".md §4.1, §7). b\nPROTOCOL",
        " §18.1; PROTOCOL",
        ".md §"
    );
    assert_eq!(
        citations(text),
        [
            (1, "4.1".to_owned()),
            (1, "7".to_owned()),
            (2, "18.1".to_owned())
        ]
    );

    let markdown = "[a](x/y.md#part) [b](https://example.invalid) [c](#top)\n`[d](no.md)`\n\
                    ```\n[e](no.md)\n```\n[f]: ../z.json \"title\"\n";
    assert_eq!(
        relative_links(markdown),
        [(1, "x/y.md".to_owned()), (6, "../z.json".to_owned())]
    );
}
