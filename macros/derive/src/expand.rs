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

/// Expands `#[derive(Databag)]`, or returns every error found in the input.
pub fn derive(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let Some(cont) = Container::from_ast(&cx, input) else {
        cx.check()?;
        return Err(syn::Error::new(
            Span::call_site(),
            "databag-derive: input rejected without a reason (a bug in databag-derive)",
        ));
    };
    check::check(&cx, &cont);
    cx.check()?;

    let body = match &cont.data {
        Data::Struct(fields) => expand_struct(&cont, fields),
        Data::Enum(variants) => expand_enum(&cont, variants),
    };
    let crate_path = match &cont.attrs.crate_path {
        Some(path) => quote!(#path),
        None => quote!(::databag),
    };
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            use #crate_path as _databag;
            use _databag::__private as _p;
            #body
        };
    })
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

    quote! {
        #pattern_statics

        #[automatically_derived]
        impl _databag::Databag for #ident {
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
        impl _p::WireValue for #ident {
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
    let json = attrs.json.is_some();
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
        impl _databag::Versioned for #ident {
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
