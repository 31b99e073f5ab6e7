//! Semantic checks that parsing cannot make: combinations of attributes, field types, wire-name
//! collisions, secret groups. Every problem is recorded; nothing stops at the first.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::LitStr;

use crate::ast::{Container, Data, Field, Variant};
use crate::ctxt::Ctxt;

pub fn check(cx: &Ctxt, cont: &Container) {
    check_generics(cx, cont.generics);
    match &cont.data {
        Data::Struct(fields) => {
            for field in fields {
                check_flatten_alone(cx, field);
                check_secret(cx, field);
                check_secret_uri(cx, field);
                check_constant(cx, field);
                check_pattern(cx, field);
                check_json(cx, field);
                check_leak(cx, field);
                check_empty_names(cx, field);
            }
            check_one_flatten(cx, fields);
            check_wire_names(cx, fields);
            check_secret_groups(cx, fields);
        }
        Data::Enum(variants) => check_enum(cx, cont, variants),
    }
}

pub fn check_generics(cx: &Ctxt, generics: &syn::Generics) {
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "#[derive(Databag)] does not support generic parameters: a databag's layout must be \
             fixed",
        );
    } else if let Some(where_clause) = &generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "#[derive(Databag)] does not support where clauses",
        );
    }
}

/// `flatten` collects the keys no other field declares; naming or encoding it means nothing.
fn check_flatten_alone(cx: &Ctxt, field: &Field) {
    if field.attrs.flatten.is_none() {
        return;
    }
    for (word, tokens) in other_attrs(field, &["flatten"]) {
        cx.error_spanned_by(
            tokens,
            format!("`{word}` cannot be combined with `flatten`"),
        );
    }
}

fn check_one_flatten(cx: &Ctxt, fields: &[Field]) {
    let mut flattened = fields.iter().filter_map(|f| f.attrs.flatten.as_ref());
    if flattened.next().is_some() {
        for extra in flattened {
            cx.error_spanned_by(
                extra,
                "only one field may be `flatten`: it collects every key no other field declares",
            );
        }
    }
}

fn check_secret(cx: &Ctxt, field: &Field) {
    let Some(group) = &field.attrs.secret else {
        return;
    };
    check_group_name(cx, group);
    for (word, tokens) in other_attrs(field, &["secret", "rename", "title", "example", "flatten"]) {
        cx.error_spanned_by(
            tokens,
            format!(
                "`{word}` cannot be combined with `secret`: the value of a secret field travels \
                 in a Juju Secret, never in the databag"
            ),
        );
    }
    match option_inner(field.ty) {
        None => cx.error_spanned_by(
            field.ty,
            "a secret field must be an `Option<Secret<...>>`: its value is absent until its \
             secret is resolved",
        ),
        Some(inner) if !is_named(inner, "Secret") => cx.error_spanned_by(
            inner,
            "a secret field must hold a `Secret<...>` (`Option<Secret<String>>`), whose Debug \
             and Display never print the value",
        ),
        Some(_) => {}
    }
    if !is_content_key(&field.name) {
        cx.error_spanned_by(
            name_tokens(field),
            format!(
                "`{}` is not a valid Juju secret content key, which a secret field's wire name \
                 becomes: expected lowercase letters and digits, single dashes between them, at \
                 least 3 characters (`^[a-z](?:-?[a-z0-9]){{2,}}$`); use `rename`",
                field.name
            ),
        );
    }
}

fn check_secret_uri(cx: &Ctxt, field: &Field) {
    let Some(group) = &field.attrs.secret_uri else {
        return;
    };
    check_group_name(cx, group);
    for (word, tokens) in [
        (
            "json",
            field.attrs.json.as_ref().map(ToTokens::to_token_stream),
        ),
        (
            "constant",
            field.attrs.constant.as_ref().map(ToTokens::to_token_stream),
        ),
    ] {
        if let Some(tokens) = tokens {
            cx.error_spanned_by(
                tokens,
                format!("`{word}` cannot be combined with `secret_uri`: the value is a secret URI"),
            );
        }
    }
    if option_inner(field.ty).is_none() {
        cx.error_spanned_by(
            field.ty,
            "a `secret_uri` field must be an `Option<SecretUri>`: the group's secret may not \
             exist yet",
        );
    }
}

fn check_constant(cx: &Ctxt, field: &Field) {
    if field.attrs.constant.is_some() && !is_named(field.ty, "String") {
        cx.error_spanned_by(field.ty, "a `constant` field must be a `String`");
    }
}

/// A `pattern` is a regular expression over a string; it is compiled here with the engine the
/// runtime uses, so a bad one is an error on its literal, never a surprise in a charm.
fn check_pattern(cx: &Ctxt, field: &Field) {
    let Some(pattern) = &field.attrs.pattern else {
        return;
    };
    let string = is_named(field.ty, "String")
        || option_inner(field.ty).is_some_and(|inner| is_named(inner, "String"));
    if !string {
        cx.error_spanned_by(
            field.ty,
            "a `pattern` field must be a `String` or an `Option<String>`",
        );
    }
    if let Err(error) = regex_lite::Regex::new(&pattern.value()) {
        let message = error.to_string().replace('\n', " ");
        cx.error_spanned_by(pattern, format!("invalid `pattern`: {message}"));
    }
}

/// `json` asks for JSON text where the type would be written plain, which only changes
/// anything for a string. The types recognised here get a precise reason; any other type (a
/// struct, an alias) is checked by the expansion against the runtime's `JsonText` trait.
fn check_json(cx: &Ctxt, field: &Field) {
    let Some(json) = &field.attrs.json else {
        return;
    };
    if let Some((ty, reason)) = json_refusal(field) {
        cx.error_spanned_by(
            json,
            format!(
                "`json` has no effect on a `{ty}` field: {reason}; remove `json` (it only \
                 applies to `String` fields, written as a JSON string)"
            ),
        );
    }
}

/// Why `json` means nothing on this field, when its type (seen through `Option`) says so by
/// name, with that name. `None` for a string, for a type not recognised by name, and for a
/// secret or secret-URI field (which reports its own combination error).
pub fn json_refusal(field: &Field) -> Option<(String, &'static str)> {
    if field.attrs.secret.is_some() || field.attrs.secret_uri.is_some() {
        return None;
    }
    let ty = option_inner(field.ty).unwrap_or(field.ty);
    let name = last_segment(ty)?.ident.to_string();
    let reason = match name.as_str() {
        "bool" => "a `bool` is already written as its JSON text, `\"true\"` or `\"false\"`",
        "i64" | "u64" => "an integer is already written as its JSON text (`\"8\"`)",
        "SecretUri" => "a secret URI is written as is, never as JSON",
        "Vec" | "BTreeMap" | "HashMap" | "Value" => {
            "lists, maps, objects and `serde_json::Value` are always JSON text in a databag"
        }
        _ => return None,
    };
    Some((name, reason))
}

/// A `Secret` outside a secret field would be encoded into the plaintext databag.
fn check_leak(cx: &Ctxt, field: &Field) {
    if field.attrs.secret.is_none() && mentions_secret(field.ty) {
        cx.error_spanned_by(
            field.ty,
            format!(
                "field `{}` holds a `Secret` but has no `#[databag(secret = \"<group>\")]`: its \
                 value would be written into the plaintext databag",
                field.ident
            ),
        );
    }
}

fn check_empty_names(cx: &Ctxt, field: &Field) {
    let lits = field.attrs.rename.iter().chain(&field.attrs.aliases);
    for lit in lits.chain(&field.attrs.constant) {
        if lit.value().is_empty() {
            cx.error_spanned_by(lit, "expected a non-empty string");
        }
    }
}

/// Names and aliases share one namespace: the keys of one object.
fn check_wire_names(cx: &Ctxt, fields: &[Field]) {
    let mut seen: BTreeMap<String, &syn::Ident> = BTreeMap::new();
    for field in fields.iter().filter(|f| f.attrs.flatten.is_none()) {
        match seen.get(&field.name) {
            Some(owner) => cx.error_spanned_by(
                name_tokens(field),
                format!(
                    "duplicate wire name `{}`: field `{owner}` already uses it",
                    field.name
                ),
            ),
            None => {
                seen.insert(field.name.clone(), field.ident);
            }
        }
    }
    for field in fields.iter().filter(|f| f.attrs.flatten.is_none()) {
        for alias in &field.attrs.aliases {
            let value = alias.value();
            match seen.get(&value) {
                Some(owner) => cx.error_spanned_by(
                    alias,
                    format!(
                        "alias `{value}` collides with a wire name or alias of field `{owner}`"
                    ),
                ),
                None => {
                    seen.insert(value, field.ident);
                }
            }
        }
    }
}

fn check_secret_groups(cx: &Ctxt, fields: &[Field]) {
    let mut uri_fields: BTreeMap<String, &syn::Ident> = BTreeMap::new();
    for field in fields {
        if let Some(group) = &field.attrs.secret_uri {
            match uri_fields.get(&group.value()) {
                Some(owner) => cx.error_spanned_by(
                    group,
                    format!(
                        "secret group `{}` already has its URI in field `{owner}`",
                        group.value()
                    ),
                ),
                None => {
                    uri_fields.insert(group.value(), field.ident);
                }
            }
        }
    }
    // With a malformed group name around, any group may be the one meant: say nothing more.
    if uri_fields.keys().any(|group| !is_group_name(group)) {
        return;
    }
    let mut reported = Vec::new();
    for field in fields {
        if let Some(group) = &field.attrs.secret {
            let name = group.value();
            // A malformed name is reported already; its fix will change the name.
            if is_group_name(&name) && !uri_fields.contains_key(&name) && !reported.contains(&name)
            {
                cx.error_spanned_by(
                    group,
                    format!(
                        "secret group `{name}` has no field for its URI: add \
                         `#[databag(secret_uri = \"{name}\")] secret_{}: Option<SecretUri>`",
                        name.replace('-', "_")
                    ),
                );
                reported.push(name);
            }
        }
    }
}

fn check_enum(cx: &Ctxt, cont: &Container, variants: &[Variant]) {
    match &cont.attrs.tag {
        None => cx.error_spanned_by(
            cont.ident,
            "a databag enum needs `#[databag(tag = \"...\")]`, the key whose value selects the \
             wire version (e.g. `tag = \"version\"`)",
        ),
        Some(tag) if tag.value().is_empty() => {
            cx.error_spanned_by(tag, "expected a non-empty string")
        }
        Some(_) => {}
    }
    let mut seen: BTreeMap<&str, &syn::Ident> = BTreeMap::new();
    let mut default: Option<&syn::Ident> = None;
    let mut other: Option<&syn::Ident> = None;
    for variant in variants {
        let tokens = match &variant.attrs.rename {
            Some(lit) => lit.to_token_stream(),
            None => variant.ident.to_token_stream(),
        };
        if variant.name.is_empty() {
            cx.error_spanned_by(&tokens, "expected a non-empty string");
        }
        match seen.get(variant.name.as_str()) {
            Some(owner) => cx.error_spanned_by(
                &tokens,
                format!(
                    "duplicate tag value `{}`: variant `{owner}` already uses it",
                    variant.name
                ),
            ),
            None => {
                seen.insert(&variant.name, variant.ident);
            }
        }
        if let (Some(path), Some(_)) = (&variant.attrs.default, &variant.attrs.other) {
            cx.error_spanned_by(
                path,
                "`default` cannot be combined with `other`, which already covers an absent tag",
            );
        }
        for (flag, slot, word) in [
            (&variant.attrs.default, &mut default, "default"),
            (&variant.attrs.other, &mut other, "other"),
        ] {
            if let Some(path) = flag {
                match slot {
                    Some(owner) => cx.error_spanned_by(
                        path,
                        format!("only one variant may be `{word}`; variant `{owner}` already is"),
                    ),
                    None => *slot = Some(variant.ident),
                }
            }
        }
    }
}

fn check_group_name(cx: &Ctxt, group: &LitStr) {
    if !is_group_name(&group.value()) {
        cx.error_spanned_by(
            group,
            format!(
                "malformed secret group name {:?}: expected lowercase letters and digits, \
                 starting with a letter, in dash-separated words (`user`, `requested-entity`)",
                group.value()
            ),
        );
    }
}

/// The attributes present on `field` other than `except`, with their tokens for spans.
fn other_attrs(field: &Field, except: &[&str]) -> Vec<(&'static str, TokenStream)> {
    let a = &field.attrs;
    let mut present: Vec<(&'static str, TokenStream)> = Vec::new();
    let mut add = |word: &'static str, tokens: Option<TokenStream>| {
        if let Some(tokens) = tokens
            && !except.contains(&word)
        {
            present.push((word, tokens));
        }
    };
    let lit = |l: &Option<LitStr>| l.as_ref().map(ToTokens::to_token_stream);
    let path = |p: &Option<TokenStream>| p.clone();
    add("rename", lit(&a.rename));
    for alias in &a.aliases {
        add("alias", Some(alias.to_token_stream()));
    }
    add("default", path(&a.default));
    add("json", path(&a.json));
    add("secret", lit(&a.secret));
    add("secret_uri", lit(&a.secret_uri));
    add("flatten", path(&a.flatten));
    add("constant", lit(&a.constant));
    add("pattern", lit(&a.pattern));
    add("title", lit(&a.title));
    for example in &a.examples {
        add("example", Some(example.to_token_stream()));
    }
    present
}

/// Where a field's wire name comes from: its `rename` literal, else its ident.
fn name_tokens(field: &Field) -> TokenStream {
    match &field.attrs.rename {
        Some(lit) => lit.to_token_stream(),
        None => field.ident.to_token_stream(),
    }
}

fn ungroup(mut ty: &syn::Type) -> &syn::Type {
    loop {
        match ty {
            syn::Type::Group(group) => ty = &group.elem,
            syn::Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ungroup(ty) {
        syn::Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

/// Whether the type's path ends in `name` (`String`, `databag::Secret<T>`).
fn is_named(ty: &syn::Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|segment| segment.ident == name)
}

/// `T` of `Option<T>`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let segment = last_segment(ty)?;
    if segment.ident != "Option" {
        return None;
    }
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `Secret` appears anywhere in the type (`Vec<Secret<String>>`, `&Secret<T>`).
fn mentions_secret(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) => {
            path.qself.as_ref().is_some_and(|q| mentions_secret(&q.ty))
                || path.path.segments.iter().any(|segment| {
                    segment.ident == "Secret"
                        || match &segment.arguments {
                            syn::PathArguments::AngleBracketed(args) => {
                                args.args.iter().any(|arg| match arg {
                                    syn::GenericArgument::Type(ty) => mentions_secret(ty),
                                    _ => false,
                                })
                            }
                            _ => false,
                        }
                })
        }
        syn::Type::Group(group) => mentions_secret(&group.elem),
        syn::Type::Paren(paren) => mentions_secret(&paren.elem),
        syn::Type::Reference(reference) => mentions_secret(&reference.elem),
        syn::Type::Array(array) => mentions_secret(&array.elem),
        syn::Type::Slice(slice) => mentions_secret(&slice.elem),
        syn::Type::Ptr(ptr) => mentions_secret(&ptr.elem),
        syn::Type::Tuple(tuple) => tuple.elems.iter().any(mentions_secret),
        _ => false,
    }
}

/// `^[a-z][a-z0-9]*(-[a-z0-9]+)*$`
fn is_group_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// `^[a-z](?:-?[a-z0-9]){2,}$`, the pattern Juju applies to secret content keys.
fn is_content_key(key: &str) -> bool {
    let mut chars = key.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return false;
    }
    let mut units = 0;
    let mut after_dash = false;
    for c in chars {
        if c == '-' {
            if after_dash {
                return false;
            }
            after_dash = true;
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            units += 1;
            after_dash = false;
        } else {
            return false;
        }
    }
    !after_dash && units >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names() {
        for good in ["user", "tls", "requested-entity", "a1", "x-2-y"] {
            assert!(is_group_name(good), "{good}");
        }
        for bad in [
            "", "User", "1user", "user_1", "-user", "user-", "a--b", "tls ca",
        ] {
            assert!(!is_group_name(bad), "{bad}");
        }
    }

    #[test]
    fn content_keys() {
        for good in [
            "tls",
            "tls-ca",
            "username",
            "read-only-uris",
            "a1b",
            "a-b-c",
        ] {
            assert!(is_content_key(good), "{good}");
        }
        for bad in [
            "", "ab", "a-b", "tls_ca", "TLS", "1ab", "tls--ca", "tls-", "-tls",
        ] {
            assert!(!is_content_key(bad), "{bad}");
        }
    }

    #[test]
    fn secret_detection_sees_through_containers() {
        let ty = |s: &str| syn::parse_str::<syn::Type>(s).unwrap();
        assert!(mentions_secret(&ty("Option<Vec<databag::Secret<String>>>")));
        assert!(mentions_secret(&ty("(String, Secret<bool>)")));
        assert!(!mentions_secret(&ty("Option<SecretUri>")));
        assert_eq!(option_inner(&ty("Option<String>")), Some(&ty("String")));
        assert_eq!(option_inner(&ty("Vec<String>")), None);
    }
}
