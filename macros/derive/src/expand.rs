//! Code generation: a struct gets `Databag` and `WireValue` impls, a tagged enum `Versioned`.
//!
//! The expansion stays thin: a table of field facts (the `Shape`) plus calls into the runtime's
//! hidden `__private` module, reached only through `use ::databag as _databag` (or the
//! `crate = "..."` path), so a charm needs nothing but `databag` in scope.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::ast::{Container, Data, Field, Variant};
use crate::check;
use crate::ctxt::Ctxt;

/// Expands `#[derive(Databag)]`. With mistakes in the input, the expansion is every error the
/// derive found plus compile-time checks of the field types, so that an unsupported type is
/// reported by the same compilation as a misspelled attribute: one round of fixes, not two.
pub fn expand(input: &syn::DeriveInput) -> TokenStream {
    match derive_checked(input) {
        Ok(tokens) => tokens,
        Err((error, checks)) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(checks);
            tokens
        }
    }
}

/// Expands `#[derive(Databag)]`, or returns every error found in the input.
#[cfg(test)]
pub fn derive(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    derive_checked(input).map_err(|(error, _)| error)
}

/// The expansion, or the combined errors with the type checks that go with them.
fn derive_checked(input: &syn::DeriveInput) -> Result<TokenStream, (syn::Error, TokenStream)> {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input);
    match &cont {
        Some(cont) => check::check(&cx, cont),
        None => check::check_generics(&cx, &input.generics),
    }
    if let Err(error) = cx.check() {
        let checks = cont.as_ref().map(type_checks).unwrap_or_default();
        return Err((error, checks));
    }
    let Some(cont) = cont else {
        let error = syn::Error::new(
            Span::call_site(),
            "databag-derive: input rejected without a reason (a bug in databag-derive)",
        );
        return Err((error, TokenStream::new()));
    };

    let body = match &cont.data {
        Data::Struct(fields) => expand_struct(&cont, fields),
        Data::Enum(variants) => expand_enum(&cont, variants),
    };
    Ok(in_const(&cont, body))
}

/// `body` in an anonymous const that brings the runtime in scope as `_databag` and `_p`.
fn in_const(cont: &Container, body: TokenStream) -> TokenStream {
    let crate_path = match &cont.attrs.crate_path {
        Some(path) => quote!(#path),
        None => quote!(::databag),
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            use #crate_path as _databag;
            use _databag::__private as _p;
            #body
        };
    }
}

/// Compile-time checks of every field's (or variant's) type, each spanned on the type. Without
/// them, a type error would only show once the derive's own errors are fixed. Skipped for a
/// generic input, whose parameters are not in scope here (and which is refused anyway).
fn type_checks(cont: &Container) -> TokenStream {
    if !cont.generics.params.is_empty() {
        return TokenStream::new();
    }
    let checks: Vec<TokenStream> = match &cont.data {
        Data::Struct(fields) => fields
            .iter()
            .map(|field| {
                let ty = field.ty;
                let mut check = if field.attrs.flatten.is_some() {
                    quote_spanned!(ty.span()=> _p::assert_unknown::<#ty>();)
                } else {
                    quote_spanned!(ty.span()=> _p::assert_wire_value::<#ty>();)
                };
                check.extend(json_check(field));
                check
            })
            .collect(),
        Data::Enum(variants) => variants
            .iter()
            .map(|variant| {
                let ty = variant.ty;
                quote_spanned!(ty.span()=> _p::assert_databag::<#ty>();)
            })
            .collect(),
    };
    in_const(cont, quote!(#(#checks)*))
}

/// `json` on a type the derive does not recognise by name (a struct, an alias): checked
/// against the runtime's `JsonText` trait, which only strings implement. A type recognised by
/// name was reported by `check` already.
fn json_check(field: &Field) -> Option<TokenStream> {
    field.attrs.json.as_ref()?;
    // Reported by `check` already: a type refused by name, or `json` on a secret field.
    if check::json_refusal(field).is_some()
        || field.attrs.secret.is_some()
        || field.attrs.secret_uri.is_some()
    {
        return None;
    }
    let ty = field.ty;
    Some(quote_spanned!(ty.span()=> _p::assert_json_text::<#ty>();))
}

fn expand_struct(cont: &Container, fields: &[Field]) -> TokenStream {
    let ident = cont.ident;
    let name = ident.unraw().to_string();
    let title = opt_string(cont.attrs.title.as_ref().map(|lit| lit.value()).as_deref());
    let description = opt_string(cont.attrs.doc.as_deref());
    let flatten = fields.iter().find(|f| f.attrs.flatten.is_some());
    let declared: Vec<&Field> = fields
        .iter()
        .filter(|f| f.attrs.flatten.is_none())
        .collect();
    let keeps_unknown = flatten.is_some();

    let shape_fields = declared.iter().map(|field| shape_field(field));

    let puts = declared.iter().map(|field| {
        let member = field.ident;
        let name = &field.name;
        quote!(_p::put(&mut object, #name, &self.#member);)
    });
    // Spanned on the type: a flatten field that is not `Unknown` is reported there.
    let put_unknown = flatten.map(|field| {
        let member = field.ident;
        quote_spanned!(field.ty.span()=> _p::put_unknown(&mut object, &self.#member);)
    });

    let fast = fast::Fast {
        ident,
        declared: &declared,
        flatten,
    };
    let locals = fast.locals();
    let pattern_statics = fast.pattern_statics();
    let reads = declared.iter().zip(&locals).map(|(field, local)| {
        let ty = field.ty;
        let name = &field.name;
        let aliases = &field.attrs.aliases;
        let default = fast::default_fn(field);
        let check = field.attrs.constant.as_ref().map(|constant| {
            quote!(_p::check_constant(&#local, #constant, &__path.key(#name))?;)
        });
        let pattern = fast::pattern_static(field).map(|pattern| {
            quote!(_p::check_pattern(&#local, &#pattern, &__path.key(#name))?;)
        });
        quote! {
            let #local = _p::field::<#ty>(&mut __object, #name, &[#(#aliases),*], #default, __path)?;
            #check
            #pattern
        }
    });
    let members = declared.iter().zip(&locals).map(|(field, local)| {
        let member = field.ident;
        quote!(#member: #local)
    });
    let rest = flatten.map(|field| {
        let member = field.ident;
        quote!(#member: __object,)
    });
    let object_binding = if declared.is_empty() {
        quote!(__object)
    } else {
        quote!(mut __object)
    };
    let unused = declared.is_empty().then(|| quote!(let _ = __path;));
    let to_object = if declared.is_empty() && flatten.is_none() {
        quote!(_p::Map::new())
    } else {
        let capacity = declared.len();
        quote! {
            let mut object = _p::Map::with_capacity(#capacity);
            #(#puts)*
            #put_unknown
            object
        }
    };

    let from_bag_fast = fast.bag_reader();
    let resolve_fast = fast.secret_filler();
    let deserialize_wire = fast.object_reader();
    let encode_bag = fast.bag_writer();
    let write_json = fast.object_writer();

    let where_clause = where_clause(declared.iter().map(|field| {
        let ty = field.ty;
        quote_spanned!(ty.span()=> #ty: _p::WireValue)
    }));
    let json_checks: Vec<TokenStream> = declared.iter().filter_map(|f| json_check(f)).collect();
    let json_checks =
        (!json_checks.is_empty()).then(|| quote!(const _: () = { #(#json_checks)* };));

    quote! {
        #pattern_statics

        #json_checks

        #[automatically_derived]
        impl _databag::Databag for #ident #where_clause {
            fn shape() -> _p::Arc<_databag::Shape> {
                static SHAPE: _p::OnceLock<_p::Arc<_databag::Shape>> = _p::OnceLock::new();
                _p::Arc::clone(SHAPE.get_or_init(|| {
                    _p::Arc::new(_databag::Shape {
                        name: _p::String::from(#name),
                        title: #title,
                        description: #description,
                        fields: _p::Vec::from([#(#shape_fields),*]),
                        keeps_unknown: #keeps_unknown,
                    })
                }))
            }

            fn __to_object(&self) -> _p::Map<_p::String, _p::Value> {
                #to_object
            }

            fn __from_object(
                #object_binding: _p::Map<_p::String, _p::Value>,
                __path: &_databag::Path,
            ) -> _p::Result<Self, _databag::Error> {
                #unused
                #(#reads)*
                _p::Result::Ok(Self { #(#members,)* #rest })
            }

            #from_bag_fast

            #resolve_fast

            #encode_bag
        }

        #[automatically_derived]
        impl _p::WireValue for #ident #where_clause {
            fn kind() -> _databag::Kind {
                _databag::Kind::Object(<Self as _databag::Databag>::shape())
            }

            fn to_value(&self) -> _p::Option<_p::Value> {
                _p::Option::Some(_p::Value::Object(_databag::Databag::__to_object(self)))
            }

            fn from_value(
                value: _p::Value,
                path: &_databag::Path,
            ) -> _p::Result<Self, _databag::Error> {
                _p::object_from_value(value, path)
                    .and_then(|object| <Self as _databag::Databag>::__from_object(object, path))
            }

            #deserialize_wire

            #write_json
        }
    }
}

/// The `Field` entry of the shape table.
fn shape_field(field: &Field) -> TokenStream {
    let ty = field.ty;
    let attrs = &field.attrs;
    let name = &field.name;
    let aliases = string_vec(attrs.aliases.iter().map(|lit| lit.value()));
    // Spanned on the type: "WireValue is not implemented for X" points at the field.
    let kind = quote_spanned!(ty.span()=> <#ty as _p::WireValue>::kind());
    let required = match attrs.default {
        Some(_) => quote!(false),
        None => quote_spanned!(ty.span()=> !<#ty as _p::WireValue>::OPTIONAL),
    };
    // Whether the value is JSON text in a databag: asked for (`json`, on a string), or implied
    // by a type without a plain form (a list, a map, an object, any JSON), as the spec says.
    let json = match attrs.json {
        Some(_) => quote!(true),
        None => quote_spanned!(ty.span()=> !<#ty as _p::WireValue>::PLAIN),
    };
    let secret = opt_string(attrs.secret.as_ref().map(|lit| lit.value()).as_deref());
    let secret_uri = opt_string(attrs.secret_uri.as_ref().map(|lit| lit.value()).as_deref());
    let constant = opt_string(attrs.constant.as_ref().map(|lit| lit.value()).as_deref());
    let pattern = opt_string(attrs.pattern.as_ref().map(|lit| lit.value()).as_deref());
    let title = opt_string(attrs.title.as_ref().map(|lit| lit.value()).as_deref());
    let description = opt_string(attrs.doc.as_deref());
    let examples = string_vec(attrs.examples.iter().map(|lit| lit.value()));
    quote! {
        _databag::Field {
            name: _p::String::from(#name),
            aliases: #aliases,
            kind: #kind,
            required: #required,
            json: #json,
            secret: #secret,
            secret_uri: #secret_uri,
            constant: #constant,
            pattern: #pattern,
            title: #title,
            description: #description,
            examples: #examples,
        }
    }
}

fn expand_enum(cont: &Container, variants: &[Variant]) -> TokenStream {
    let ident = cont.ident;
    let tag = cont
        .attrs
        .tag
        .as_ref()
        .map(|lit| lit.value())
        .unwrap_or_default();

    let where_clause = where_clause(variants.iter().map(|variant| {
        let ty = variant.ty;
        quote_spanned!(ty.span()=> #ty: _databag::Databag)
    }));
    let entries = variants.iter().map(|variant| {
        let ty = variant.ty;
        let name = &variant.name;
        let selector = if variant.attrs.other.is_some() {
            quote!(_databag::Selector::Other)
        } else if variant.attrs.default.is_some() {
            quote!(_databag::Selector::ValueOrAbsent(_p::String::from(#name)))
        } else {
            quote!(_databag::Selector::Value(_p::String::from(#name)))
        };
        quote! {
            _databag::Variant {
                name: _p::String::from(#name),
                selector: #selector,
                shape: <#ty as _databag::Databag>::shape(),
            }
        }
    });

    // `select_variant` returns an index into `variants`; the last arm takes the rest, so the
    // match needs no panicking fallback.
    let last = variants.len().saturating_sub(1);
    let select_arms = |call: TokenStream| -> Vec<TokenStream> {
        variants
            .iter()
            .enumerate()
            .map(|(i, variant)| {
                let ty = variant.ty;
                let var = variant.ident;
                let pattern = if i == last {
                    quote!(_)
                } else {
                    let i = proc_macro2::Literal::usize_unsuffixed(i);
                    quote!(#i)
                };
                quote!(#pattern => <#ty as _databag::Databag>::#call.map(Self::#var),)
            })
            .collect()
    };
    let from_bag_arms = select_arms(quote!(from_bag(bag)));
    let join_arms = select_arms(quote!(join(bag, resolver)));
    let delegate_arms = |call: TokenStream| -> Vec<TokenStream> {
        variants
            .iter()
            .map(|variant| {
                let ty = variant.ty;
                let var = variant.ident;
                quote!(Self::#var(inner) => <#ty as _databag::Databag>::#call,)
            })
            .collect()
    };
    let split_arms = delegate_arms(quote!(split(inner)));
    let to_bag_arms = delegate_arms(quote!(to_bag(inner)));
    let to_bag_routed_arms = delegate_arms(quote!(to_bag_routed(inner, route)));

    quote! {
        #[automatically_derived]
        impl _databag::Versioned for #ident #where_clause {
            fn versions() -> _p::Arc<_databag::Versions> {
                static VERSIONS: _p::OnceLock<_p::Arc<_databag::Versions>> = _p::OnceLock::new();
                _p::Arc::clone(VERSIONS.get_or_init(|| {
                    _p::Arc::new(_databag::Versions {
                        tag: _p::String::from(#tag),
                        variants: _p::Vec::from([#(#entries),*]),
                    })
                }))
            }

            fn from_bag(bag: &_databag::Bag) -> _p::Result<Self, _databag::Error> {
                match _p::select_variant(&<Self as _databag::Versioned>::versions(), bag)? {
                    #(#from_bag_arms)*
                }
            }

            fn join(
                bag: &_databag::Bag,
                resolver: &mut dyn _databag::SecretResolver,
            ) -> _p::Result<Self, _databag::Error> {
                match _p::select_variant(&<Self as _databag::Versioned>::versions(), bag)? {
                    #(#join_arms)*
                }
            }

            fn split(&self) -> _p::Result<_databag::Split, _databag::Error> {
                match self {
                    #(#split_arms)*
                }
            }

            fn to_bag(&self) -> _p::Result<_databag::Bag, _databag::Error> {
                match self {
                    #(#to_bag_arms)*
                }
            }

            fn to_bag_routed(
                &self,
                route: &mut dyn FnMut(&_databag::SecretSlot) -> _p::Result<_databag::SecretUri, _databag::Error>,
            ) -> _p::Result<_databag::Bag, _databag::Error> {
                match self {
                    #(#to_bag_routed_arms)*
                }
            }
        }
    }
}

/// `where T: WireValue, ...` over the field (or variant) types, each bound spanned on its type.
///
/// For a type that does not implement the trait, rustc reports the false bound once, at the
/// field, with the trait's `on_unimplemented` message naming the supported types; inside the
/// impl the bound is then assumed, so the many uses of the type in the body add no errors (the
/// identical reports of the two impls are merged by rustc). For supported types the bounds
/// hold trivially and change nothing.
fn where_clause(bounds: impl Iterator<Item = TokenStream>) -> TokenStream {
    let mut seen = std::collections::BTreeSet::new();
    let bounds: Vec<TokenStream> = bounds
        .filter(|bound| seen.insert(bound.to_string()))
        .collect();
    if bounds.is_empty() {
        TokenStream::new()
    } else {
        quote!(where #(#bounds),*)
    }
}

fn opt_string(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(_p::Option::Some(_p::String::from(#value))),
        None => quote!(_p::Option::None),
    }
}

fn string_vec(values: impl Iterator<Item = String>) -> TokenStream {
    let values: Vec<String> = values.collect();
    if values.is_empty() {
        quote!(_p::Vec::new())
    } else {
        quote!(_p::Vec::from([#(_p::String::from(#values)),*]))
    }
}

mod fast;

#[cfg(test)]
mod tests;
