//! The derive input as a databag model: a struct with its fields or an enum with its versions,
//! attributes parsed and wire names resolved.

use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::attr::{self, Position};
use crate::ctxt::Ctxt;

pub struct Container<'a> {
    pub ident: &'a syn::Ident,
    pub attrs: attr::Container,
    pub data: Data<'a>,
    pub generics: &'a syn::Generics,
}

pub enum Data<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

pub struct Field<'a> {
    pub ident: &'a syn::Ident,
    pub ty: &'a syn::Type,
    pub attrs: attr::Field,
    /// The key on the wire: `rename`, else the `rename_all` rule applied to the ident.
    pub name: String,
}

pub struct Variant<'a> {
    pub ident: &'a syn::Ident,
    /// The struct the variant holds.
    pub ty: &'a syn::Type,
    pub attrs: attr::Variant,
    /// The tag value selecting it: `rename`, else the ident lowercased.
    pub name: String,
}

impl<'a> Container<'a> {
    /// Parses the input. `None` when its shape cannot be a databag (tuple or unit struct,
    /// union); the reason is recorded in `cx`. Attribute errors are recorded either way.
    pub fn from_ast(cx: &Ctxt, item: &'a syn::DeriveInput) -> Option<Container<'a>> {
        let position = match item.data {
            syn::Data::Enum(_) => Position::Enum,
            _ => Position::Struct,
        };
        let attrs = attr::Container::from_ast(cx, &item.attrs, position);

        let data = match &item.data {
            syn::Data::Struct(data) => match &data.fields {
                syn::Fields::Named(fields) => Data::Struct(
                    fields
                        .named
                        .iter()
                        .filter_map(|field| Field::from_ast(cx, field, &attrs))
                        .collect(),
                ),
                syn::Fields::Unnamed(fields) => {
                    // Their attributes are still checked: every mistake in one compilation.
                    for field in &fields.unnamed {
                        attr::Field::from_ast(cx, field);
                    }
                    cx.error_spanned_by(
                        fields,
                        "#[derive(Databag)] needs a struct with named fields: a tuple struct has \
                         no names for its databag keys",
                    );
                    return None;
                }
                syn::Fields::Unit => {
                    cx.error_spanned_by(
                        &item.ident,
                        "#[derive(Databag)] needs a struct with named fields: a unit struct has \
                         no databag keys",
                    );
                    return None;
                }
            },
            syn::Data::Enum(data) if data.variants.is_empty() => {
                cx.error_spanned_by(&item.ident, "a databag enum needs at least one variant");
                return None;
            }
            syn::Data::Enum(data) => Data::Enum(
                data.variants
                    .iter()
                    .filter_map(|variant| Variant::from_ast(cx, variant))
                    .collect(),
            ),
            syn::Data::Union(data) => {
                cx.syn_error(syn::Error::new(
                    data.union_token.span,
                    "#[derive(Databag)] supports structs with named fields and tagged enums, \
                     not unions",
                ));
                return None;
            }
        };

        Some(Container {
            ident: &item.ident,
            attrs,
            data,
            generics: &item.generics,
        })
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field, container: &attr::Container) -> Option<Self> {
        let attrs = attr::Field::from_ast(cx, field);
        // Named fields always have an ident; `None` only for tuple fields, rejected above.
        let ident = field.ident.as_ref()?;
        let name = match &attrs.rename {
            Some(lit) => lit.value(),
            None => container
                .rename_all
                .apply_to_field(&ident.unraw().to_string()),
        };
        Some(Field {
            ident,
            ty: &field.ty,
            attrs,
            name,
        })
    }
}

impl<'a> Variant<'a> {
    fn from_ast(cx: &Ctxt, variant: &'a syn::Variant) -> Option<Self> {
        let attrs = attr::Variant::from_ast(cx, variant);
        let ty = match &variant.fields {
            syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => &fields.unnamed[0].ty,
            _ => {
                cx.error_spanned_by(
                    variant,
                    format!(
                        "a databag enum variant holds exactly one `Databag` struct: write `{}(MyStruct)`",
                        variant.ident
                    ),
                );
                return None;
            }
        };
        if let Some((eq, _)) = &variant.discriminant {
            cx.syn_error(syn::Error::new(
                eq.span(),
                "a databag enum variant takes no discriminant; its tag value comes from \
                 `#[databag(rename = \"...\")]`",
            ));
        }
        let name = match &attrs.rename {
            Some(lit) => lit.value(),
            None => variant.ident.unraw().to_string().to_lowercase(),
        };
        Some(Variant {
            ident: &variant.ident,
            ty,
            attrs,
            name,
        })
    }
}
