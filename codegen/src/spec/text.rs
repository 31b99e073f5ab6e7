//! Prose of a spec (titles, descriptions, behaviour notes) normalised so that every character
//! is legal wherever the emitters put it: Rust doc comments, JSON Schema strings, Markdown.
//!
//! rustc refuses a bare carriage return in a doc comment ("bare CR not allowed in doc-comment")
//! and denies by default the bidirectional-override characters of CVE-2021-42574
//! (`text_direction_codepoint_in_comment`); other control characters print as nothing useful.
//! Line breaks become `\n`; tabs stay; the rest of those characters carry no text and go.

use super::raw::{RawInterface, RawObject};

/// `text` with `\r\n` and lone `\r` as `\n`, and no other control or bidi-override character.
pub(crate) fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The characters rustc's `text_direction_codepoint_in_comment` lint denies.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn prose_in(text: &mut Option<String>) {
    if let Some(text) = text {
        *text = prose(text);
    }
}

fn object(object: &mut RawObject) {
    prose_in(&mut object.description);
    for field in &mut object.fields {
        prose_in(&mut field.title);
        prose_in(&mut field.description);
    }
}

/// Normalises every piece of prose of a spec in place.
pub(crate) fn normalise(raw: &mut RawInterface) {
    for text in [
        &mut raw.title,
        &mut raw.summary,
        &mut raw.usage,
        &mut raw.direction,
        &mut raw.behavior,
    ] {
        prose_in(text);
    }
    for group in &mut raw.secret_groups {
        prose_in(&mut group.description);
    }
    for (_, raw_object) in &mut raw.objects.0 {
        object(raw_object);
    }
    for (_, role) in &mut raw.roles.0 {
        prose_in(&mut role.description);
        for line in &mut role.behavior {
            *line = prose(line);
        }
        for (_, version) in &mut role.versions.0 {
            if let Some(app) = &mut version.app {
                object(app);
            }
            if let Some(unit) = &mut version.unit {
                object(unit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_become_newlines_and_controls_go() {
        assert_eq!(prose("a\rb\r\nc\nd\te"), "a\nb\nc\nd\te");
        assert_eq!(prose("x\u{7}y\u{0}z\u{85}"), "xyz");
        assert_eq!(prose("safe \u{202E}desrever\u{2066}"), "safe desrever");
        assert_eq!(prose("naïve — ok"), "naïve — ok");
    }

    #[test]
    fn generated_code_never_carries_a_bare_cr_or_an_override() {
        let spec = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../spec/valkey_client/v1.yaml"
        ))
        .expect("valkey spec");
        // Juju-interface prose with a lone CR and a bidi override, as a hostile spec would have.
        let spec = spec.replacen(
            "description: All read-/write-endpoints, in a comma-separated list.",
            "description: \"All read-/write-endpoints,\\rin a list \\u202E(reversed).\"",
            1,
        );
        assert!(spec.contains("\\u202E"), "the edit applies");
        let interface =
            crate::Interface::from_str(&spec, "v1.yaml").unwrap_or_else(|e| panic!("{e}"));
        let code = crate::emit::rust::render(&interface);
        assert!(!code.contains('\r') && !code.contains('\u{202E}'));
        assert!(code.contains("/// All read-/write-endpoints,\n"), "{code}");
        syn::parse_file(&code).expect("generated code parses");
    }
}
