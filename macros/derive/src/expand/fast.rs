//! The fast path of a struct: a serde visitor for its JSON object form, a direct reader of its
//! databag form, typed secret resolution, and direct writers of both forms. Each returns
//! exactly what the checked path (`__from_object` / `__to_object` over the shape) returns, or
//! declines (`_p::Fallback`), and the runtime then takes the checked path for the result or
//! the error; see the runtime's `__private::fast` and `__private::encode`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::ast::Field;

/// The fields of one struct, as the fast path reads them.
pub struct Fast<'f> {
    pub ident: &'f syn::Ident,
    /// Declared fields (not `flatten`), in declaration order.
    pub declared: &'f [&'f Field<'f>],
    /// The `flatten` field keeping unknown keys, if any.
    pub flatten: Option<&'f Field<'f>>,
}

impl Fast<'_> {
    /// Declared fields that are not secret: the ones read from or written to the databag.
    fn plain_fields(&self) -> impl Iterator<Item = &&Field<'_>> {
        self.declared
            .iter()
            .filter(|field| field.attrs.secret.is_none())
    }

    /// One local per declared field, numbered, so that no field name can shadow the
    /// expansion's own names (`__object`, `__path`, `__map`, ...).
    pub fn locals(&self) -> Vec<syn::Ident> {
        (0..self.declared.len())
            .map(|i| syn::Ident::new(&format!("__field{i}"), Span::call_site()))
            .collect()
    }

    /// `Ident { field: __field0, ..., rest: <unknown> }` (named, not `Self`: the visitor's
    /// `Self` is the visitor).
    fn construct(&self, locals: &[syn::Ident], unknown: TokenStream) -> TokenStream {
        let members = self.declared.iter().zip(locals).map(|(field, local)| {
            let member = field.ident;
            quote!(#member: #local)
        });
        let rest = self.flatten.map(|field| {
            let member = field.ident;
            quote!(#member: #unknown,)
        });
        let ident = self.ident;
        quote!(#ident { #(#members,)* #rest })
    }

    /// Checks of `constant` and `pattern` fields on the finished locals.
    fn constants(&self, locals: &[syn::Ident], fail: &TokenStream) -> Vec<TokenStream> {
        let constants = self
            .declared
            .iter()
            .zip(locals)
            .filter_map(|(field, local)| {
                let constant = field.attrs.constant.as_ref()?;
                Some(quote!(_p::constant(&#local, #constant).map_err(|_| #fail)?;))
            });
        let patterns = self
            .declared
            .iter()
            .zip(locals)
            .filter_map(|(field, local)| {
                let pattern = pattern_static(field)?;
                Some(quote!(_p::pattern(&#local, &#pattern).map_err(|_| #fail)?;))
            });
        constants.chain(patterns).collect()
    }

    /// The `static` items holding the compiled `pattern` of each field that has one, shared
    /// by the checked path and both fast paths.
    pub fn pattern_statics(&self) -> TokenStream {
        let statics = self.declared.iter().filter_map(|field| {
            let name = pattern_static(field)?;
            let source = field.attrs.pattern.as_ref()?;
            Some(quote!(static #name: _p::Pattern = _p::Pattern::new(#source);))
        });
        quote!(#(#statics)*)
    }

    /// `__from_bag_fast`: each field from its databag text, with no `Value` in between.
    pub fn bag_reader(&self) -> TokenStream {
        let locals = self.locals();
        let reads = self.declared.iter().zip(&locals).map(|(field, local)| {
            let ty = field.ty;
            let default = default_fn(field);
            if field.attrs.secret.is_some() {
                // Never from a databag: filled in by `__resolve_fast`.
                return quote!(let #local: #ty = _p::absent::<#ty>(#default)?;);
            }
            let spellings = spellings(field);
            let json = field.attrs.json.is_some();
            quote! {
                let #local: #ty = match _p::bag_field::<#ty>(__bag, &[#(#spellings),*], #json)? {
                    _p::Option::Some(__value) => __value,
                    _p::Option::None => _p::absent::<#ty>(#default)?,
                };
            }
        });
        let constants = self.constants(&locals, &quote!(_p::Fallback));
        let known = self.declared.iter().flat_map(|field| spellings(field));
        let construct = self.construct(&locals, quote!(_p::bag_unknown(__bag, &[#(#known),*])));
        quote! {
            fn __from_bag_fast(__bag: &_databag::Bag) -> _p::Result<Self, _p::Fallback> {
                #(#reads)*
                #(#constants)*
                _p::Result::Ok(#construct)
            }
        }
    }

    /// `__resolve_fast`: for each `secret_uri` field with a URI, the group's secret fetched
    /// once and its content keys put into the group's fields; then the nested objects.
    pub fn secret_filler(&self) -> TokenStream {
        let groups = self.declared.iter().filter_map(|uri_field| {
            let group = uri_field.attrs.secret_uri.as_ref()?.value();
            let uri_member = uri_field.ident;
            let fills = self
                .declared
                .iter()
                .filter(|field| {
                    field
                        .attrs
                        .secret
                        .as_ref()
                        .is_some_and(|g| g.value() == group)
                })
                .map(|field| {
                    let (member, ty, name) = (field.ident, field.ty, &field.name);
                    quote! {
                        if let _p::Option::Some(__text) = __content.get(#name) {
                            self.#member = _p::content::<#ty>(__text)?;
                        }
                    }
                });
            Some(quote! {
                if let _p::Option::Some(__uri) = _p::WireValue::secret_uri(&self.#uri_member)? {
                    let __content = _p::fetch(__resolver, __uri)?;
                    #(#fills)*
                }
            })
        });
        let nested = self.plain_fields().map(|field| {
            let member = field.ident;
            quote!(_p::WireValue::resolve_fast(&mut self.#member, __resolver)?;)
        });
        quote! {
            fn __resolve_fast(
                &mut self,
                __resolver: &mut dyn _databag::SecretResolver,
            ) -> _p::Result<(), _p::Fallback> {
                #(#groups)*
                #(#nested)*
                _p::Result::Ok(())
            }
        }
    }

    /// `WireValue::deserialize_wire`: a visitor over the JSON object. A key fills the slot of
    /// its spelling (a later duplicate replaces it, as in a JSON object read into a map); after
    /// the object, each field takes its first filled slot in precedence order.
    pub fn object_reader(&self) -> TokenStream {
        let ident = self.ident;
        // A nested item does not see the impl's bounds: it repeats them (see `where_clause`).
        let where_clause = super::where_clause(self.declared.iter().map(|field| {
            let ty = field.ty;
            quote_spanned!(ty.span()=> #ty: _p::WireValue)
        }));
        let expecting = format!("a `{ident}` object");
        let locals = self.locals();
        let mut slots = Vec::new();
        let mut arms = Vec::new();
        let mut finals = Vec::new();
        for ((index, field), local) in self.declared.iter().enumerate().zip(&locals) {
            let ty = field.ty;
            let names = spellings(field);
            if field.attrs.secret.is_some() {
                // Plaintext under a secret field's key is a leak or padding: never read.
                arms.push(quote!(#(#names)|* => _p::skip(&mut __map)?,));
                let default = default_fn(field);
                finals.push(quote! {
                    let #local: #ty = _p::absent::<#ty>(#default).map_err(|_| _p::declined::<__A::Error>())?;
                });
                continue;
            }
            let field_slots: Vec<syn::Ident> = (0..names.len())
                .map(|s| syn::Ident::new(&format!("__slot{index}_{s}"), Span::call_site()))
                .collect();
            for (name, slot) in names.iter().zip(&field_slots) {
                slots.push(quote!(let mut #slot: _p::Option<#ty> = _p::Option::None;));
                arms.push(quote! {
                    #name => #slot = __map.next_value_seed(_p::Nullable::<#ty>::new())?,
                });
            }
            let (first, rest) = (&field_slots[0], &field_slots[1..]);
            let default = default_fn(field);
            finals.push(quote! {
                let #local: #ty = match #first #(.or(#rest))* {
                    _p::Option::Some(__value) => __value,
                    _p::Option::None => _p::absent::<#ty>(#default).map_err(|_| _p::declined::<__A::Error>())?,
                };
            });
        }
        let (unknown_init, unknown_arm, unknown) = match self.flatten {
            Some(_) => (
                quote!(let mut __unknown = _p::Map::new();),
                quote!(_p::keep(&mut __map, __key, &mut __unknown)?),
                quote!(__unknown),
            ),
            None => (
                quote!(),
                quote!(_p::skip(&mut __map)?),
                quote!(_p::Map::new()),
            ),
        };
        let constants = self.constants(&locals, &quote!(_p::declined::<__A::Error>()));
        let construct = self.construct(&locals, unknown);
        quote! {
            fn deserialize_wire<'de, __D: _p::serde::Deserializer<'de>>(
                __deserializer: __D,
            ) -> _p::Result<Self, __D::Error> {
                struct __Visitor;
                impl<'de> _p::serde::de::Visitor<'de> for __Visitor #where_clause {
                    type Value = #ident;
                    fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        __f.write_str(#expecting)
                    }
                    fn visit_map<__A: _p::serde::de::MapAccess<'de>>(
                        self,
                        mut __map: __A,
                    ) -> _p::Result<#ident, __A::Error> {
                        #(#slots)*
                        #unknown_init
                        while let _p::Option::Some(__key) = __map.next_key::<_p::Key<'de>>()? {
                            match __key.as_str() {
                                #(#arms)*
                                _ => #unknown_arm,
                            }
                        }
                        #(#finals)*
                        #(#constants)*
                        _p::Result::Ok(#construct)
                    }
                }
                __deserializer.deserialize_map(__Visitor)
            }

            fn from_content(__text: &str) -> _p::Option<Self> {
                _p::json_content(__text)
            }

            fn resolve_fast(
                &mut self,
                __resolver: &mut dyn _databag::SecretResolver,
            ) -> _p::Result<(), _p::Fallback> {
                <Self as _databag::Databag>::__resolve_fast(self, __resolver)
            }
        }
    }

    /// `_p::check_unknown(...)`: unknown keys spelled like a declared field decline.
    fn check_unknown(&self) -> Option<TokenStream> {
        let member = self.flatten?.ident;
        let known = self.declared.iter().flat_map(|field| spellings(field));
        Some(quote!(_p::check_unknown(&self.#member, &[#(#known),*])?;))
    }

    /// Opens this object's secret slots from its secret fields, in declaration order (the
    /// checked path's `split_in` order).
    fn open_slots(&self) -> TokenStream {
        let fills = self.declared.iter().filter_map(|field| {
            let group = field.attrs.secret.as_ref()?;
            let (member, name) = (field.ident, &field.name);
            Some(quote! {
                if let _p::Option::Some(__text) = _p::content_text(&self.#member)? {
                    __enc.secret(__first, #group, #name, __text);
                }
            })
        });
        quote! {
            let __first = __enc.slot_count();
            #(#fills)*
        }
    }

    /// `__encode_bag`: each field into its databag entry; a group with a slot gets the
    /// slot's URI under its `secret_uri` field.
    pub fn bag_writer(&self) -> TokenStream {
        let check = self.check_unknown();
        let slots = self.open_slots();
        let writes = self.plain_fields().map(|field| {
            let (member, name) = (field.ident, &field.name);
            let json = field.attrs.json.is_some();
            let value = quote!(__enc.bag_value(#name, #json, &self.#member)?;);
            match &field.attrs.secret_uri {
                Some(group) => quote! {
                    match __enc.own_slot(__first, #group) {
                        _p::Option::Some(__slot) => __enc.bag_uri(#name, __slot),
                        _p::Option::None => { #value }
                    }
                },
                None => value,
            }
        });
        let unknown = self.flatten.map(|field| {
            let member = field.ident;
            quote!(__enc.bag_unknown(&self.#member);)
        });
        quote! {
            fn __encode_bag(&self, __enc: &mut _p::Encoder) -> _p::Result<(), _p::Fallback> {
                #check
                #slots
                #(#writes)*
                #unknown
                _p::Result::Ok(())
            }
        }
    }

    /// `WireValue::write_json`: the object as `json.dumps` writes it, declared fields in
    /// order (absent ones left out), then the unknown keys.
    pub fn object_writer(&self) -> TokenStream {
        let check = self.check_unknown();
        let slots = self.open_slots();
        let writes = self.plain_fields().map(|field| {
            let (member, name) = (field.ident, &field.name);
            let value = quote! {
                if !_p::WireValue::is_absent(&self.#member) {
                    _p::write_key(__out, &mut __separate, #name);
                    __enc.enter(#name);
                    _p::WireValue::write_json(&self.#member, __out, __enc)?;
                    __enc.leave();
                }
            };
            match &field.attrs.secret_uri {
                Some(group) => quote! {
                    if let _p::Option::Some(__slot) = __enc.own_slot(__first, #group) {
                        _p::write_key(__out, &mut __separate, #name);
                        __enc.mark(__out, __slot);
                    } else #value
                },
                None => value,
            }
        });
        let unknown = self.flatten.map(|field| {
            let member = field.ident;
            quote!(_p::write_unknown(__out, &mut __separate, &self.#member);)
        });
        quote! {
            fn write_json(
                &self,
                __out: &mut _p::String,
                __enc: &mut _p::Encoder,
            ) -> _p::Result<(), _p::Fallback> {
                #check
                #slots
                __out.push('{');
                let mut __separate = false;
                #(#writes)*
                #unknown
                __out.push('}');
                _p::Result::Ok(())
            }
        }
    }
}

/// The wire name, then the aliases: the checked path's precedence.
fn spellings(field: &Field) -> Vec<String> {
    std::iter::once(field.name.clone())
        .chain(field.attrs.aliases.iter().map(|lit| lit.value()))
        .collect()
}

/// The name of the `static` holding a field's compiled `pattern` (`__pattern_<field>`, unique
/// among the fields of one struct), or `None` without one.
pub fn pattern_static(field: &Field) -> Option<syn::Ident> {
    field.attrs.pattern.as_ref()?;
    Some(syn::Ident::new(
        &format!("__pattern_{}", field.ident.unraw()),
        Span::call_site(),
    ))
}

/// `Option<fn() -> T>`: the field's `default`, as the checked path's `_p::field` takes it.
pub fn default_fn(field: &Field) -> TokenStream {
    let ty = field.ty;
    match &field.attrs.default {
        Some(_) => quote_spanned!(ty.span()=>
            _p::Option::Some(<#ty as ::core::default::Default>::default)
        ),
        None => quote!(_p::Option::None),
    }
}
