//! The naming rules of the spec format, and the Rust names derived from spec names.

/// Lifecycle states of an interface in the catalogue.
pub(crate) const STATUSES: [&str; 3] = ["draft", "published", "retired"];

/// Rust keywords (strict, reserved and weak-but-reserved in 2024) that cannot be field names.
pub(super) const RUST_KEYWORDS: [&str; 52] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Type names of the spec format, which an object cannot take (it could never be referred to).
pub(super) const BUILTIN_TYPES: [&str; 6] = ["string", "bool", "int", "any", "list", "map"];

/// Type names the generated code already uses: an object's Rust name must differ from them.
pub(super) const RESERVED_TYPE_NAMES: [&str; 14] = [
    "Databag",
    "Secret",
    "SecretUri",
    "Unknown",
    "Value",
    "BTreeMap",
    "String",
    "Option",
    "Vec",
    "Box",
    "RequirerAppData",
    "ProviderAppData",
    "RequirerUnitData",
    "ProviderUnitData",
];

/// Interface, object and Rust field names: `valkey_client`, `response`, `tls_ca`.
pub(super) fn is_snake_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

/// Wire names (`^[a-z][a-z0-9]*([-_][a-z0-9]+)*$`): `read-only-endpoints`, `sentinel_endpoints`.
pub(super) fn is_wire_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.split(['-', '_']).all(is_word)
}

/// Secret group names (`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`): `user`, `requested-entity`.
pub(super) fn is_group_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && name.split('-').all(is_word)
}

/// Juju secret content keys: `^[a-z](?:-?[a-z0-9]){2,}$`.
pub(super) fn is_content_key(name: &str) -> bool {
    is_group_name(name) && name.chars().filter(|c| *c != '-').count() >= 3
}

/// Wire version names: `v0`, `v12`.
pub(super) fn is_version_name(name: &str) -> bool {
    name.strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn is_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// The Rust field name of a wire name: `read-only-endpoints` → `read_only_endpoints`.
pub(super) fn snake_case(wire_name: &str) -> String {
    wire_name.replace('-', "_")
}

/// `response` → `Response`, `requirer` → `Requirer`, `tls_info` → `TlsInfo`.
pub(crate) fn pascal_case(name: &str) -> String {
    name.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names() {
        for good in [
            "a",
            "tls-ca",
            "sentinel_endpoints",
            "read-only-endpoints",
            "v1",
            "a-1",
        ] {
            assert!(is_wire_name(good), "{good}");
        }
        for bad in ["", "Read-only", "a--b", "-a", "a-", "1a", "a b", "a.b", "é"] {
            assert!(!is_wire_name(bad), "{bad}");
        }
    }

    #[test]
    fn content_keys_follow_juju() {
        for good in ["tls-ca", "username", "abc", "a-b-c", "tls2"] {
            assert!(is_content_key(good), "{good}");
        }
        for bad in ["ca", "a-b", "tls_ca", "Tls", "1ab", "ab-", "a--bc"] {
            assert!(!is_content_key(bad), "{bad}");
        }
    }

    #[test]
    fn snake_and_version_names() {
        assert!(is_snake_name("valkey_client"));
        assert!(!is_snake_name("valkey-client"));
        assert!(!is_snake_name("tls_"));
        assert!(!is_snake_name("a__b"));
        assert!(is_version_name("v0") && is_version_name("v12"));
        assert!(!is_version_name("v") && !is_version_name("1") && !is_version_name("v1a"));
    }

    #[test]
    fn rust_names() {
        assert_eq!(snake_case("read-only-endpoints"), "read_only_endpoints");
        assert_eq!(pascal_case("response"), "Response");
        assert_eq!(pascal_case("tls_info"), "TlsInfo");
        assert!(RUST_KEYWORDS.contains(&"type"));
    }
}
