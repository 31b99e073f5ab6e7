//! `#[derive(Databag)]`. Use it through the `databag` crate, which re-exports it.
#![warn(missing_docs)]

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod symbol;

use proc_macro::TokenStream;

#[doc = include_str!("../attributes.md")]
#[proc_macro_derive(Databag, attributes(databag))]
pub fn derive_databag(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::expand(&input).into()
}
