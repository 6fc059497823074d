//! `#[derive(GalaxyRecord)]` for [galaxy-io](https://docs.rs/galaxy-io).
//!
//! The derive turns a `#[repr(C)]` struct into a static HDF5 layout (one dataset per field: name,
//! byte offset, element type, shape, units, description) and a `bytemuck::Pod` byte view, checked
//! at compile time. Use it through `galaxy_io::GalaxyRecord`; the crate documentation of
//! `galaxy_io` describes every attribute.
//!
//! The implementation follows the usual shape of derive crates: [`ast`] parses the input into a
//! small tree, [`attr`] reads `#[galaxy(...)]`, [`valid`] checks everything that can be checked
//! syntactically and [`expand`] generates the code. Every error is a spanned `syn::Error`; all of
//! them are reported at once.

mod ast;
mod attr;
mod expand;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `galaxy_io::GalaxyRecord`, `bytemuck::Pod` and `bytemuck::Zeroable`.
#[proc_macro_derive(GalaxyRecord, attributes(galaxy))]
pub fn derive_galaxy_record(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive(&input)
        .unwrap_or_else(|error| error.to_compile_error())
        .into()
}

fn derive(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let mut errors = ast::Errors::default();
    let record = ast::Record::from_syn(input, &mut errors)?;
    valid::check(&record, &mut errors);
    errors.finish()?;
    Ok(expand::record(&record))
}
