//! `#[derive(GalaxyRecord)]` for [galaxy-io](https://docs.rs/galaxy-io).
//!
//! The derive turns a `#[repr(C)]` struct into a static HDF5 layout (one dataset per field: name,
//! byte offset, element type, shape, units, description) and a `bytemuck::Pod` byte view, checked
//! at compile time. Use it through `galaxy_io::GalaxyRecord`; the crate documentation of
//! `galaxy_io` describes every attribute.
//!
//! The implementation follows the usual shape of derive crates: `ast` parses the input into a
//! small tree, `attr` reads `#[galaxy(...)]`, `valid` checks everything that can be checked
//! syntactically and `expand` generates the code. Every error is a spanned `syn::Error`,
//! collected in a `ctxt::Ctxt`; all of them are reported at once.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `galaxy_io::GalaxyRecord`, `bytemuck::Pod` and `bytemuck::Zeroable`.
///
#[doc = include_str!("../README.md")]
#[proc_macro_derive(GalaxyRecord, attributes(galaxy))]
pub fn derive_galaxy_record(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive(&input).into()
}

/// The impls, or the errors together with a placeholder impl: code that uses the record (as an
/// output's record type, say) then compiles, so the errors above are all the user sees.
fn derive(input: &DeriveInput) -> proc_macro2::TokenStream {
    let cx = ctxt::Ctxt::default();
    let record = ast::Record::from_syn(&cx, input);
    if let Some(record) = &record {
        valid::check(&cx, record);
    }
    let krate = record.as_ref().and_then(|r| r.attrs.krate.get().cloned());
    // A struct with a field that can never be plain data (a `String`, a reference) is not
    // `Copy` either, and a placeholder impl would only add errors about that.
    let plain = record.as_ref().is_some_and(|r| {
        r.fields
            .iter()
            .all(|f| valid::unsupported_type(f.ty).is_none())
    });
    match (record, cx.check()) {
        (Some(record), Ok(())) => expand::record(&record),
        (_, result) => {
            let mut tokens = result
                .err()
                .map(|errors| errors.to_compile_error())
                .unwrap_or_default();
            if plain {
                tokens.extend(expand::fallback(input, krate.as_ref()));
            }
            tokens
        }
    }
}
