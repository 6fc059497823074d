//! The derive's input as a small tree: the struct, its fields and their parsed attributes.

use crate::attr::{self, ContainerAttrs, FieldAttrs};
use crate::ctxt::Ctxt;
use galaxy_units::Unit;
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
    /// `units` (and `comoving`) parsed; dimensionless without them, and after an error, which
    /// is then in the `Ctxt` and nothing is expanded.
    pub unit: Unit,
}

impl<'a> Record<'a> {
    /// Parses the struct and every attribute, errors going to `cx`. `None` for an item of the
    /// wrong shape (an enum, a tuple struct), which has no fields to look at.
    pub fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(_) => {
                    cx.error_spanned_by(
                        &data.fields,
                        "GalaxyRecord needs named fields: each field becomes a dataset named after it, \
                         so tuple structs are not supported",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &input.ident,
                        "GalaxyRecord needs named fields: a unit struct has nothing to write",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(
                    data.enum_token,
                    "GalaxyRecord can only be derived for structs, not enums",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "GalaxyRecord can only be derived for structs, not unions",
                );
                return None;
            }
        };
        let attrs = attr::container(cx, &input.attrs);
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                let attrs = attr::field(cx, &field.attrs);
                let unit = declared_unit(cx, &attrs);
                Some(Field {
                    ident: field.ident.as_ref()?,
                    ty: &field.ty,
                    attrs,
                    doc: attr::doc(&field.attrs),
                    unit,
                })
            })
            .collect();
        Some(Record {
            input,
            attrs,
            fields,
        })
    }

    /// The fields that reach the file (all but `#[galaxy(skip)]`).
    pub fn written_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields
            .iter()
            .filter(|field| !field.attrs.skip.is_set())
    }
}

impl Field<'_> {
    /// The dataset name: `#[galaxy(name = ...)]`, or the field's identifier as written.
    pub fn dataset_name(&self) -> String {
        match self.attrs.name.get() {
            Some(name) => name.value(),
            None => self.ident.unraw().to_string(),
        }
    }
}

/// Parses `units = "..."` at compile time, with `comoving` applied; a mistake is an error at the
/// string (or at `comoving`) that quotes what was not understood.
fn declared_unit(cx: &Ctxt, attrs: &FieldAttrs) -> Unit {
    let Some(text) = attrs.units.get() else {
        if let Some(path) = attrs.comoving.path() {
            cx.error_spanned_by(
                path,
                "`comoving` needs `units` with a length, e.g. units = \"Mpc/h\"",
            );
        }
        return Unit::DIMENSIONLESS;
    };
    let unit = match galaxy_units::parse(&text.value()) {
        Ok(unit) => unit,
        Err(error) => {
            cx.error_spanned_by(text, format!("invalid `units`: {error}"));
            return Unit::DIMENSIONLESS;
        }
    };
    match attrs.comoving.path() {
        None => unit,
        Some(path) => unit.comoving().unwrap_or_else(|error| {
            cx.error_spanned_by(path, format!("invalid `comoving`: {error}"));
            Unit::DIMENSIONLESS
        }),
    }
}
