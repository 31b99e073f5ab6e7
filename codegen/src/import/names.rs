//! Names the importer makes: object names from pydantic model names, Rust field names, and
//! regular expressions for enums.

/// `TracingProviderData` → `tracing_provider_data`, `TLSConfig` → `tls_config`,
/// `Some title` → `some_title`: a spec object name (snake_case, starting with a letter).
pub(super) fn object_name(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out
    } else {
        format!("object_{out}")
    }
}

/// Rust keywords a field's snake_case name cannot be (the validator's list, duplicated here
/// only to pick a `rust_name`; the validator stays the judge).
const RUST_KEYWORDS: [&str; 52] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// The `rust_name` a wire name needs, when its snake_case is a Rust keyword (`type` →
/// `type_field`: the validator refuses a trailing underscore).
pub(super) fn rust_name(wire: &str) -> Option<String> {
    let snake = wire.replace('-', "_");
    RUST_KEYWORDS
        .contains(&snake.as_str())
        .then(|| format!("{snake}_field"))
}

/// An anchored pattern accepting exactly `values`, in the syntax `regex-lite` and ECMA-262
/// share.
pub(super) fn one_of_pattern(values: &[&str]) -> String {
    let alternatives: Vec<String> = values.iter().map(|v| escape(v)).collect();
    format!("^(?:{})$", alternatives.join("|"))
}

/// Escapes the characters special in either regex syntax.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$/-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_from_model_names() {
        assert_eq!(object_name("TracingProviderData"), "tracing_provider_data");
        assert_eq!(object_name("TLSConfig"), "tls_config");
        assert_eq!(object_name("BaseModel"), "base_model");
        assert_eq!(object_name("Fiveg N2 data"), "fiveg_n2_data");
        assert_eq!(object_name("S3Info"), "s3_info");
        assert_eq!(object_name("_Private"), "private");
        assert_eq!(object_name("2fa"), "object_2fa");
    }

    #[test]
    fn keywords_get_a_rust_name() {
        assert_eq!(rust_name("type").as_deref(), Some("type_field"));
        assert_eq!(rust_name("kind"), None);
    }

    #[test]
    fn enum_patterns_match_exactly_their_values() {
        let pattern = one_of_pattern(&["http", "a.b", "x|y"]);
        let re = regex_lite::Regex::new(&pattern).expect("compiles");
        for good in ["http", "a.b", "x|y"] {
            assert!(re.is_match(good), "{good}");
        }
        for bad in ["https", "axb", "x", "", "http\n"] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }
}
