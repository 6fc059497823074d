//! Everything the derive can check from the syntax alone, each error spanned at the offending
//! token. What needs type information (padding, `Pod`, array lengths behind constants) is checked
//! by const assertions in the generated code instead.

use crate::ast::{Errors, Field, Record};
use std::collections::HashMap;
use syn::{Expr, ExprLit, Lit, Type};

pub fn check(record: &Record, errors: &mut Errors) {
    check_item(record, errors);
    for field in &record.fields {
        check_keys(field, errors);
        if field.attrs.skip.is_none() && field.attrs.flatten.is_none() {
            if let Some(error) = unsupported_type(field.ty) {
                errors.push(error);
            }
        }
        check_split(field, errors);
        check_flatten(field, errors);
    }
    check_names(record, errors);
}

fn check_item(record: &Record, errors: &mut Errors) {
    let input = record.input;
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &input.generics,
            "GalaxyRecord cannot be derived for generic structs: the file layout must be fixed at compile time",
        ));
    }
    if !has_repr_c(&input.attrs) {
        errors.push(syn::Error::new_spanned(
            &input.ident,
            "GalaxyRecord needs a fixed memory layout: add #[repr(C)] (or #[repr(C, packed)]) to this struct",
        ));
    }
}

fn has_repr_c(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("repr"))
        .any(|attr| {
            let mut found = false;
            // Other repr arguments (packed, align(N)) are fine; only C matters here.
            let _ = attr.parse_nested_meta(|meta| {
                found |= meta.path.is_ident("C");
                if meta.input.peek(syn::token::Paren) {
                    let _content;
                    syn::parenthesized!(_content in meta.input);
                }
                Ok(())
            });
            found
        })
}

fn check_keys(field: &Field, errors: &mut Errors) {
    let keys = field.attrs.set_keys();
    let conflicts: &[(&str, &[&str])] = &[
        (
            "skip",
            &["name", "units", "description", "split", "flatten"],
        ),
        ("flatten", &["units", "description", "split"]),
        ("split", &["name"]),
    ];
    for (key, others) in conflicts {
        if !keys.iter().any(|(name, _)| name == key) {
            continue;
        }
        for (other, path) in keys.iter().filter(|(name, _)| others.contains(name)) {
            let why = match *key {
                "skip" => "a skipped field is not written",
                "flatten" => "the flattened record's own fields carry their units and descriptions; `name` sets the prefix",
                _ => "`split` names each component's dataset",
            };
            errors.push(syn::Error::new_spanned(
                path,
                format!("`{other}` cannot be combined with `{key}`: {why}"),
            ));
        }
    }
}

/// Types with no fixed-width HDF5 representation, rejected with a hint. Anything else that is not
/// a supported number or array fails the `FieldType` bound in the generated code.
fn unsupported_type(ty: &Type) -> Option<syn::Error> {
    let message = match ty {
        Type::Array(array) => return unsupported_type(&array.elem),
        Type::Group(group) => return unsupported_type(&group.elem),
        Type::Paren(paren) => return unsupported_type(&paren.elem),
        Type::Reference(_) => "references cannot be written to a file: store the value itself (or an index)",
        Type::Ptr(_) => "raw pointers cannot be written to a file: store the value itself (or an index)",
        Type::Slice(_) => "slices have no fixed size: use an array `[T; N]`",
        Type::Tuple(_) => "tuples are not supported: use an array `[T; N]` or a #[galaxy(flatten)] struct",
        Type::Path(path) => match path.path.segments.last()?.ident.to_string().as_str() {
            "bool" => "`bool` has no HDF5 number type: use `u8` (0 or 1)",
            "char" => "`char` is not supported: use `u32` (the code point) or `u8`",
            "usize" => "`usize` has a platform-dependent width: use a fixed-width type such as `u64` or `u32`",
            "isize" => "`isize` has a platform-dependent width: use a fixed-width type such as `i64` or `i32`",
            "String" | "str" => "strings are not supported: store an index, or a fixed-size `[u8; N]`",
            "Vec" => "`Vec` has no fixed size: use an array `[T; N]`",
            "Option" => "`Option` has no fixed layout: use a sentinel value (e.g. -1 or NaN)",
            "Box" | "Rc" | "Arc" => "pointers cannot be written to a file: store the value itself",
            _ => return None,
        },
        _ => "unsupported field type: use i8..i64, u8..u64, f32, f64 or arrays of them",
    };
    Some(syn::Error::new_spanned(ty, message))
}

fn check_split(field: &Field, errors: &mut Errors) {
    let Some(split) = &field.attrs.split else {
        return;
    };
    let Type::Array(array) = field.ty else {
        errors.push(syn::Error::new_spanned(
            &split.path,
            format!(
                "`split` needs an array field (e.g. `[f32; 3]`), but `{}` is not an array",
                field.ident
            ),
        ));
        return;
    };
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(len), ..
    }) = &array.len
    {
        if len.base10_parse::<usize>().ok() != Some(split.value.len()) {
            errors.push(syn::Error::new_spanned(
                &split.path,
                format!(
                    "`split` gives {} name(s) but `{}` has {} components",
                    split.value.len(),
                    field.ident,
                    len
                ),
            ));
        }
    }
}

fn check_flatten(field: &Field, errors: &mut Errors) {
    if field.attrs.flatten.is_some() && !matches!(field.ty, Type::Path(_)) {
        errors.push(syn::Error::new_spanned(
            field.ty,
            "`flatten` needs a field whose type is a struct deriving GalaxyRecord",
        ));
    }
}

/// Dataset names must be valid HDF5 link names and unique among the fields of this struct.
/// Collisions through flattened records are found when the run-time schema is built.
fn check_names(record: &Record, errors: &mut Errors) {
    let mut seen: HashMap<String, String> = HashMap::new();
    for field in record.written_fields() {
        let names: Vec<(String, proc_macro2::Span)> =
            match (&field.attrs.split, &field.attrs.flatten) {
                (Some(split), _) => split
                    .value
                    .iter()
                    .map(|lit| (lit.value(), lit.span()))
                    .collect(),
                (None, Some(_)) => continue,
                (None, None) => {
                    let span = field
                        .attrs
                        .name
                        .as_ref()
                        .map_or(field.ident.span(), |key| key.value.span());
                    vec![(field.dataset_name(), span)]
                }
            };
        for (name, span) in names {
            if name.is_empty() || name.contains('/') || name == "." {
                errors.push(syn::Error::new(
                    span,
                    format!("`{name}` is not a valid dataset name: it must be non-empty and contain no '/'"),
                ));
            } else if let Some(first) = seen.get(&name) {
                errors.push(syn::Error::new(
                    span,
                    format!("dataset name `{name}` is already used by field `{first}`"),
                ));
            } else {
                seen.insert(name, field.ident.to_string());
            }
        }
    }
}
