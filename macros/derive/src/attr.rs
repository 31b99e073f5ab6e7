//! Parsing of `#[databag(...)]` attributes and doc comments.
//!
//! Nothing here returns early: an unknown, malformed or duplicated attribute is recorded in the
//! [`Ctxt`] and parsing goes on, so the user sees every mistake of a struct at once.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{LitStr, Token};

use crate::case::RenameRule;
use crate::ctxt::Ctxt;
use crate::symbol::*;

/// A single-valued attribute; a second occurrence is an error.
pub struct Attr<'c, T> {
    cx: &'c Ctxt,
    name: Symbol,
    value: Option<T>,
}

impl<'c, T> Attr<'c, T> {
    fn none(cx: &'c Ctxt, name: Symbol) -> Self {
        Attr {
            cx,
            name,
            value: None,
        }
    }

    /// Stores `value`, or reports a duplicate at `obj` (the second occurrence).
    fn set<A: ToTokens>(&mut self, obj: A, value: T) {
        if self.value.is_some() {
            let msg = format!("duplicate databag attribute `{}`", self.name);
            self.cx.error_spanned_by(obj, msg);
        } else {
            self.value = Some(value);
        }
    }

    fn set_opt<A: ToTokens>(&mut self, obj: A, value: Option<T>) {
        if let Some(value) = value {
            self.set(obj, value);
        }
    }

    fn get(self) -> Option<T> {
        self.value
    }
}

/// Where an attribute stands; each place accepts its own words.
#[derive(Copy, Clone, PartialEq, Eq)]
pub enum Position {
    Struct,
    Enum,
    Field,
    Variant,
}

impl Position {
    const ALL: [Position; 4] = [
        Position::Struct,
        Position::Enum,
        Position::Field,
        Position::Variant,
    ];

    fn accepted(self) -> &'static [Symbol] {
        match self {
            Position::Struct => STRUCT_ATTRS,
            Position::Enum => ENUM_ATTRS,
            Position::Field => FIELD_ATTRS,
            Position::Variant => VARIANT_ATTRS,
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Position::Struct => "a struct",
            Position::Enum => "an enum",
            Position::Field => "a field",
            Position::Variant => "an enum variant",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Position::Struct => "structs",
            Position::Enum => "enums",
            Position::Field => "fields",
            Position::Variant => "enum variants",
        }
    }
}

/// Attributes of a struct or an enum.
pub struct Container {
    pub rename_all: RenameRule,
    pub crate_path: Option<syn::Path>,
    pub title: Option<LitStr>,
    pub tag: Option<LitStr>,
    pub doc: Option<String>,
}

impl Container {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute], position: Position) -> Self {
        let mut rename_all = Attr::none(cx, RENAME_ALL);
        let mut crate_path = Attr::none(cx, CRATE);
        let mut title = Attr::none(cx, TITLE);
        let mut tag = Attr::none(cx, TAG);

        for_each_meta(cx, attrs, position, |meta| {
            if position == Position::Struct && meta.path == RENAME_ALL {
                // #[databag(rename_all = "snake_case")]
                if let Some(lit) = get_lit_str(cx, RENAME_ALL, meta)? {
                    match RenameRule::parse(&lit.value()) {
                        Ok(rule) => rename_all.set(&meta.path, rule),
                        Err(err) => cx.error_spanned_by(&lit, err),
                    }
                }
            } else if meta.path == CRATE {
                // #[databag(crate = "my_runtime::databag")]
                if let Some(lit) = get_lit_str(cx, CRATE, meta)? {
                    match lit.parse::<syn::Path>() {
                        Ok(path) => crate_path.set(&meta.path, path),
                        Err(_) => cx.error_spanned_by(
                            &lit,
                            format!(
                                "expected a path such as `::databag`, found {:?}",
                                lit.value()
                            ),
                        ),
                    }
                }
            } else if position == Position::Struct && meta.path == TITLE {
                // #[databag(title = "Valkey provider databag")]
                let value = get_lit_str(cx, TITLE, meta)?;
                title.set_opt(&meta.path, value);
            } else if position == Position::Enum && meta.path == TAG {
                // #[databag(tag = "version")]
                let value = get_lit_str(cx, TAG, meta)?;
                tag.set_opt(&meta.path, value);
            } else {
                return Ok(false);
            }
            Ok(true)
        });

        Container {
            rename_all: rename_all.get().unwrap_or_default(),
            crate_path: crate_path.get(),
            title: title.get(),
            tag: tag.get(),
            doc: doc_string(attrs),
        }
    }
}

/// Attributes of a struct field. Flags keep the tokens of their word, for spans.
pub struct Field {
    pub rename: Option<LitStr>,
    pub aliases: Vec<LitStr>,
    pub default: Option<TokenStream>,
    pub json: Option<TokenStream>,
    pub secret: Option<LitStr>,
    pub secret_uri: Option<LitStr>,
    pub flatten: Option<TokenStream>,
    pub constant: Option<LitStr>,
    pub pattern: Option<LitStr>,
    pub title: Option<LitStr>,
    pub examples: Vec<LitStr>,
    pub doc: Option<String>,
}

impl Field {
    pub fn from_ast(cx: &Ctxt, field: &syn::Field) -> Self {
        let mut rename = Attr::none(cx, RENAME);
        let mut aliases = Vec::new();
        let mut default = Attr::none(cx, DEFAULT);
        let mut json = Attr::none(cx, JSON);
        let mut secret = Attr::none(cx, SECRET);
        let mut secret_uri = Attr::none(cx, SECRET_URI);
        let mut flatten = Attr::none(cx, FLATTEN);
        let mut constant = Attr::none(cx, CONSTANT);
        let mut pattern = Attr::none(cx, PATTERN);
        let mut title = Attr::none(cx, TITLE);
        let mut examples = Vec::new();

        for_each_meta(cx, &field.attrs, Position::Field, |meta| {
            if meta.path == RENAME {
                // #[databag(rename = "read-only-endpoints")]
                let value = get_lit_str(cx, RENAME, meta)?;
                rename.set_opt(&meta.path, value);
            } else if meta.path == ALIAS {
                // #[databag(alias = "sentinel_endpoints")], repeatable
                aliases.extend(get_lit_str(cx, ALIAS, meta)?);
            } else if meta.path == DEFAULT {
                // #[databag(default)]
                if get_flag(cx, DEFAULT, meta)? {
                    default.set(&meta.path, meta.path.to_token_stream());
                }
            } else if meta.path == JSON {
                // #[databag(json)]
                if get_flag(cx, JSON, meta)? {
                    json.set(&meta.path, meta.path.to_token_stream());
                }
            } else if meta.path == SECRET {
                // #[databag(secret = "user")]
                let value = get_lit_str(cx, SECRET, meta)?;
                secret.set_opt(&meta.path, value);
            } else if meta.path == SECRET_URI {
                // #[databag(secret_uri = "user")]
                let value = get_lit_str(cx, SECRET_URI, meta)?;
                secret_uri.set_opt(&meta.path, value);
            } else if meta.path == FLATTEN {
                // #[databag(flatten)]
                if get_flag(cx, FLATTEN, meta)? {
                    flatten.set(&meta.path, meta.path.to_token_stream());
                }
            } else if meta.path == CONSTANT {
                // #[databag(constant = "v1")]
                let value = get_lit_str(cx, CONSTANT, meta)?;
                constant.set_opt(&meta.path, value);
            } else if meta.path == PATTERN {
                // #[databag(pattern = "^[A-Za-z0-9_-]{1,64}$")]
                let value = get_lit_str(cx, PATTERN, meta)?;
                pattern.set_opt(&meta.path, value);
            } else if meta.path == TITLE {
                // #[databag(title = "Endpoints")]
                let value = get_lit_str(cx, TITLE, meta)?;
                title.set_opt(&meta.path, value);
            } else if meta.path == EXAMPLE {
                // #[databag(example = "10.0.0.1:6379")], repeatable
                examples.extend(get_lit_str(cx, EXAMPLE, meta)?);
            } else {
                return Ok(false);
            }
            Ok(true)
        });

        Field {
            rename: rename.get(),
            aliases,
            default: default.get(),
            json: json.get(),
            secret: secret.get(),
            secret_uri: secret_uri.get(),
            flatten: flatten.get(),
            constant: constant.get(),
            pattern: pattern.get(),
            title: title.get(),
            examples,
            doc: doc_string(&field.attrs),
        }
    }
}

/// Attributes of an enum variant.
pub struct Variant {
    pub rename: Option<LitStr>,
    pub default: Option<TokenStream>,
    pub other: Option<TokenStream>,
}

impl Variant {
    pub fn from_ast(cx: &Ctxt, variant: &syn::Variant) -> Self {
        let mut rename = Attr::none(cx, RENAME);
        let mut default = Attr::none(cx, DEFAULT);
        let mut other = Attr::none(cx, OTHER);

        for_each_meta(cx, &variant.attrs, Position::Variant, |meta| {
            if meta.path == RENAME {
                // #[databag(rename = "v1")]
                let value = get_lit_str(cx, RENAME, meta)?;
                rename.set_opt(&meta.path, value);
            } else if meta.path == DEFAULT {
                // #[databag(default)]
                if get_flag(cx, DEFAULT, meta)? {
                    default.set(&meta.path, meta.path.to_token_stream());
                }
            } else if meta.path == OTHER {
                // #[databag(other)]
                if get_flag(cx, OTHER, meta)? {
                    other.set(&meta.path, meta.path.to_token_stream());
                }
            } else {
                return Ok(false);
            }
            Ok(true)
        });

        Variant {
            rename: rename.get(),
            default: default.get(),
            other: other.get(),
        }
    }
}

/// Runs `arm` on every item of every `#[databag(...)]` attribute. `arm` returns `Ok(false)` for
/// a word it does not accept here; that word is reported and its value skipped.
fn for_each_meta(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    position: Position,
    mut arm: impl FnMut(&ParseNestedMeta) -> syn::Result<bool>,
) {
    for attr in attrs {
        if attr.path() != DATABAG {
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if arm(&meta)? {
                Ok(())
            } else {
                unknown(cx, &meta, position)
            }
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
}

/// Reports a word that `position` does not accept, with the likeliest fix, and skips its value
/// so that the rest of the attribute is still checked.
fn unknown(cx: &Ctxt, meta: &ParseNestedMeta, position: Position) -> syn::Result<()> {
    let word = meta.path.to_token_stream().to_string().replace(' ', "");
    let elsewhere = Position::ALL
        .into_iter()
        .filter(|p| *p != position && p.accepted().iter().any(|s| s.as_str() == word))
        .map(Position::plural)
        .collect::<Vec<_>>();
    let msg = if !elsewhere.is_empty() {
        format!(
            "databag attribute `{word}` is not allowed on {}; it applies to {}",
            position.singular(),
            elsewhere.join(" and "),
        )
    } else if let Some(best) = suggest(&word, position.accepted()) {
        format!("unknown databag attribute `{word}`, did you mean `{best}`?")
    } else {
        let expected = position
            .accepted()
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "unknown databag attribute `{word}`; expected one of {expected} on {}",
            position.plural()
        )
    };
    cx.error_spanned_by(&meta.path, msg);
    skip_value(meta)
}

/// Consumes `= value` or `(...)` after a word, if present.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// The accepted word closest to `word`, when close enough to be a typo.
fn suggest(word: &str, accepted: &[Symbol]) -> Option<Symbol> {
    accepted
        .iter()
        .map(|s| (edit_distance(word, s.as_str()), *s))
        .filter(|(d, s)| *d <= 2 && 2 * *d < s.as_str().len().max(word.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, s)| s)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
/// transpositions each cost 1 (`alais` is one step from `alias`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Reads `= "string"`. A value that is not a string literal is reported (and `None` returned)
/// without stopping the parse.
fn get_lit_str(cx: &Ctxt, name: Symbol, meta: &ParseNestedMeta) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("databag attribute `{name}` needs a value: `{name} = \"...\"`"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let mut expr: syn::Expr = meta.value()?.parse()?;
    while let syn::Expr::Group(group) = expr {
        expr = *group.expr;
    }
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => {
            if lit.suffix().is_empty() {
                Ok(Some(lit))
            } else {
                let msg = format!("unexpected suffix `{}` on string literal", lit.suffix());
                cx.error_spanned_by(lit, msg);
                Ok(None)
            }
        }
        expr => {
            cx.error_spanned_by(
                expr,
                format!("expected databag attribute `{name}` to be a string: `{name} = \"...\"`"),
            );
            Ok(None)
        }
    }
}

/// Reads a flag word, which takes no value. Returns whether it was well formed.
fn get_flag(cx: &Ctxt, name: Symbol, meta: &ParseNestedMeta) -> syn::Result<bool> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            &meta.path,
            format!("databag attribute `{name}` takes no value: write `#[databag({name})]`"),
        );
        skip_value(meta)?;
        return Ok(false);
    }
    Ok(true)
}

/// The doc comment of an item: each line without its first space, joined with `\n`, trailing
/// empty lines dropped. `None` when there is no text.
fn doc_string(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if attr.path() != DOC {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) = &nv.value
        {
            for line in lit.value().lines() {
                lines.push(line.strip_prefix(' ').unwrap_or(line).to_owned());
            }
        }
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if lines.is_empty() {
        None
    } else {
        Some(lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(suggest("renam", FIELD_ATTRS), Some(RENAME));
        assert_eq!(suggest("alais", FIELD_ATTRS), Some(ALIAS));
        assert_eq!(suggest("secrets", FIELD_ATTRS), Some(SECRET));
        assert_eq!(suggest("secret_url", FIELD_ATTRS), Some(SECRET_URI));
        assert_eq!(suggest("skip", FIELD_ATTRS), None);
        assert_eq!(suggest("js", FIELD_ATTRS), None);
    }

    #[test]
    fn doc_lines_lose_one_space_and_trailing_blanks() {
        let attrs: Vec<syn::Attribute> = vec![
            syn::parse_quote!(#[doc = " First line."]),
            syn::parse_quote!(#[doc = "   indented"]),
            syn::parse_quote!(#[doc = ""]),
        ];
        assert_eq!(
            doc_string(&attrs).as_deref(),
            Some("First line.\n  indented")
        );
        assert_eq!(doc_string(&[]), None);
    }
}
