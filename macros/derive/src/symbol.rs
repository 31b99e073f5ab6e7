//! The words of the `#[databag(...)]` grammar.

use std::fmt::{self, Display};

/// One attribute word, compared against `syn::Path`s while parsing.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Symbol(&'static str);

pub const DATABAG: Symbol = Symbol("databag");
pub const DOC: Symbol = Symbol("doc");

// Container (struct or enum).
pub const CRATE: Symbol = Symbol("crate");
pub const RENAME_ALL: Symbol = Symbol("rename_all");
pub const TAG: Symbol = Symbol("tag");
pub const TITLE: Symbol = Symbol("title");

// Field.
pub const ALIAS: Symbol = Symbol("alias");
pub const CONSTANT: Symbol = Symbol("constant");
pub const DEFAULT: Symbol = Symbol("default");
pub const EXAMPLE: Symbol = Symbol("example");
pub const FLATTEN: Symbol = Symbol("flatten");
pub const JSON: Symbol = Symbol("json");
pub const PATTERN: Symbol = Symbol("pattern");
pub const RENAME: Symbol = Symbol("rename");
pub const SECRET: Symbol = Symbol("secret");
pub const SECRET_URI: Symbol = Symbol("secret_uri");

// Enum variant.
pub const OTHER: Symbol = Symbol("other");

/// Attributes accepted on a struct.
pub const STRUCT_ATTRS: &[Symbol] = &[RENAME_ALL, CRATE, TITLE];
/// Attributes accepted on an enum.
pub const ENUM_ATTRS: &[Symbol] = &[TAG, CRATE];
/// Attributes accepted on a struct field.
pub const FIELD_ATTRS: &[Symbol] = &[
    RENAME, ALIAS, DEFAULT, JSON, SECRET, SECRET_URI, FLATTEN, CONSTANT, PATTERN, TITLE, EXAMPLE,
];
/// Attributes accepted on an enum variant.
pub const VARIANT_ATTRS: &[Symbol] = &[RENAME, DEFAULT, OTHER];

impl Symbol {
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl PartialEq<Symbol> for syn::Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &syn::Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.0)
    }
}
