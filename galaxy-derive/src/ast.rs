//! The derive's input as a small tree: the struct, its fields and their parsed attributes.

use crate::attr::{self, ContainerAttrs, FieldAttrs};
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type};

pub struct Record<'a> {
    pub input: &'a DeriveInput,
    pub attrs: ContainerAttrs,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
    /// The `///` documentation, used as the dataset description when none is given.
    pub doc: Option<String>,
}

impl<'a> Record<'a> {
    /// Parses the struct and every attribute. An item of the wrong shape is an error on its own;
    /// attribute errors go to `errors`, and a field whose attributes failed is left out so that
    /// the remaining fields can still be validated in the same run.
    pub fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> syn::Result<Self> {
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(_) => {
                    return Err(syn::Error::new_spanned(
                        &data.fields,
                        "GalaxyRecord needs named fields: each field becomes a dataset named after it, \
                         so tuple structs are not supported",
                    ))
                }
                Fields::Unit => {
                    return Err(syn::Error::new_spanned(
                        &input.ident,
                        "GalaxyRecord needs named fields: a unit struct has nothing to write",
                    ))
                }
            },
            Data::Enum(data) => {
                return Err(syn::Error::new_spanned(
                    data.enum_token,
                    "GalaxyRecord can only be derived for structs, not enums",
                ))
            }
            Data::Union(data) => {
                return Err(syn::Error::new_spanned(
                    data.union_token,
                    "GalaxyRecord can only be derived for structs, not unions",
                ))
            }
        };

        let attrs = errors.keep(attr::container(input)).unwrap_or_default();
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                let field_attrs = errors.keep(attr::field(field))?;
                Some(Field {
                    ident: field.ident.as_ref()?,
                    ty: &field.ty,
                    attrs: field_attrs,
                    doc: attr::doc(&field.attrs),
                })
            })
            .collect();
        Ok(Record {
            input,
            attrs,
            fields,
        })
    }

    /// The fields that reach the file (all but `#[galaxy(skip)]`).
    pub fn written_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields
            .iter()
            .filter(|field| field.attrs.skip.is_none())
    }
}

impl Field<'_> {
    /// The dataset name: `#[galaxy(name = ...)]`, or the field's identifier as written.
    pub fn dataset_name(&self) -> String {
        match &self.attrs.name {
            Some(name) => name.value.value(),
            None => self.ident.unraw().to_string(),
        }
    }
}

/// Collects `syn::Error`s so that one compile run reports all of them.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn keep<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}
