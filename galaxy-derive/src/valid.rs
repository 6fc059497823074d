//! Everything the derive can check from the syntax alone, each error spanned at the offending
//! token. What needs type information (padding, `Pod`, array lengths behind constants) is checked
//! by const assertions in the generated code instead.

use crate::ast::{Field, Record};
use crate::ctxt::Ctxt;
use std::collections::HashMap;
use syn::{Expr, ExprLit, Lit, Type};

pub fn check(cx: &Ctxt, record: &Record) {
    check_item(cx, record);
    for field in &record.fields {
        check_keys(cx, field);
        if !field.attrs.skip.is_set() && !field.attrs.flatten.is_set() {
            if let Some(error) = unsupported_type(field.ty) {
                cx.syn_error(error);
            }
        }
        check_split(cx, field);
        check_flatten(cx, field);
    }
    check_names(cx, record);
    check_key(cx, record);
}

fn check_item(cx: &Ctxt, record: &Record) {
    let input = record.input;
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "GalaxyRecord cannot be derived for generic structs: the file layout must be fixed at compile time",
        );
    }
    if !has_repr_c(&input.attrs) {
        cx.error_spanned_by(
            &input.ident,
            "GalaxyRecord needs a fixed memory layout: add #[repr(C)] (or #[repr(C, packed)]) to this struct",
        );
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

fn check_keys(cx: &Ctxt, field: &Field) {
    let keys = field.attrs.set_keys();
    let conflicts: &[(&str, &[&str], &str)] = &[
        (
            "skip",
            &[
                "name",
                "units",
                "comoving",
                "units_text",
                "description",
                "descriptions",
                "split",
                "flatten",
                "key",
            ],
            "a skipped field is not written",
        ),
        (
            "flatten",
            &["units", "comoving", "units_text", "description", "descriptions", "split", "key"],
            "the flattened record's own fields carry their units and descriptions; `name` sets the prefix",
        ),
        ("split", &["name"], "`split` names each component's dataset"),
        ("split", &["key"], "a key is one integer, not an array"),
        (
            "descriptions",
            &["description"],
            "`descriptions` gives each component of a `split` field its own",
        ),
    ];
    for (key, others, why) in conflicts {
        if !keys.iter().any(|(name, _)| name == key) {
            continue;
        }
        for (other, path) in keys.iter().filter(|(name, _)| others.contains(name)) {
            cx.error_spanned_by(
                path,
                format!("`{other}` cannot be combined with `{key}`: {why}"),
            );
        }
    }
    if let (Some(path), false) = (field.attrs.units_text.path(), field.attrs.units.is_set()) {
        cx.error_spanned_by(
            path,
            "`units_text` replaces the `Units` text of declared `units`; add `units = \"...\"`",
        );
    }
    if let (Some(path), false) = (field.attrs.descriptions.path(), field.attrs.split.is_set()) {
        cx.error_spanned_by(
            path,
            "`descriptions` belongs to a `split` field (one per component); use `description` here",
        );
    }
}

/// Types with no fixed-width HDF5 representation, rejected with a hint. Anything else that is not
/// a supported number or array fails the `FieldType` bound in the generated code.
pub fn unsupported_type(ty: &Type) -> Option<syn::Error> {
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

fn check_split(cx: &Ctxt, field: &Field) {
    let (Some(names), Some(path)) = (field.attrs.split.get(), field.attrs.split.path()) else {
        return;
    };
    if let (Some(descriptions), Some(at)) = (
        field.attrs.descriptions.get(),
        field.attrs.descriptions.path(),
    ) {
        if descriptions.len() != names.len() {
            cx.error_spanned_by(
                at,
                format!(
                    "`descriptions` gives {} description(s) for the {} names of `split`",
                    descriptions.len(),
                    names.len()
                ),
            );
        }
    }
    let Type::Array(array) = field.ty else {
        cx.error_spanned_by(
            path,
            format!(
                "`split` needs an array field (e.g. `[f32; 3]`), but `{}` is not an array",
                field.ident
            ),
        );
        return;
    };
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(len), ..
    }) = &array.len
    {
        if len.base10_parse::<usize>().ok() != Some(names.len()) {
            cx.error_spanned_by(
                path,
                format!(
                    "`split` gives {} name(s) but `{}` has {} components",
                    names.len(),
                    field.ident,
                    len
                ),
            );
        }
    }
}

/// At most one key, an integer: a syntactic look at the type catches the obvious mistakes with a
/// pointed message; the `KeyField` bound in the generated code catches the rest (aliases).
fn check_key(cx: &Ctxt, record: &Record) {
    let mut first: Option<&Field> = None;
    for field in &record.fields {
        let Some(path) = field.attrs.key.path() else {
            continue;
        };
        // A key on a field that is not written alone is reported as the conflict it is.
        let attrs = &field.attrs;
        if attrs.skip.is_set() || attrs.split.is_set() || attrs.flatten.is_set() {
            continue;
        }
        if let Some(first) = first {
            cx.error_spanned_by(
                path,
                format!(
                    "only one field can be the key, and `{}` already is: the key identifies a \
                     galaxy across snapshots",
                    first.ident
                ),
            );
            continue;
        }
        first = Some(field);
        let name = match field.ty {
            Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let message = match (field.ty, name.as_deref()) {
            (Type::Array(_), _) => "a key is one integer, not an array: e.g. `i64`",
            (_, Some("f32" | "f64")) => "a key must be an integer (e.g. `i64`), not a float",
            (_, Some("u64")) => {
                "a `u64` key may not fit the history index's int64 keys: use `i64` (or `u32`)"
            }
            _ => continue,
        };
        cx.error_spanned_by(field.ty, message);
    }
}

fn check_flatten(cx: &Ctxt, field: &Field) {
    if field.attrs.flatten.is_set() && !matches!(field.ty, Type::Path(_)) {
        cx.error_spanned_by(
            field.ty,
            "`flatten` needs a field whose type is a struct deriving GalaxyRecord",
        );
    }
}

/// Dataset names must be valid HDF5 link names and unique among the fields of this struct.
/// Collisions through flattened records are found when the run-time schema is built.
fn check_names(cx: &Ctxt, record: &Record) {
    let mut seen: HashMap<String, String> = HashMap::new();
    for field in record.written_fields() {
        let names: Vec<(String, proc_macro2::Span)> =
            match (field.attrs.split.get(), field.attrs.flatten.is_set()) {
                (Some(split), _) => split.iter().map(|lit| (lit.value(), lit.span())).collect(),
                (None, true) => continue,
                (None, false) => {
                    let span = field
                        .attrs
                        .name
                        .get()
                        .map_or(field.ident.span(), |name| name.span());
                    vec![(field.dataset_name(), span)]
                }
            };
        for (name, span) in names {
            if name.is_empty() || name.contains('/') || name == "." {
                cx.error_at(
                    span,
                    format!("`{name}` is not a valid dataset name: it must be non-empty and contain no '/'"),
                );
            } else if let Some(first) = seen.get(&name) {
                cx.error_at(
                    span,
                    format!("dataset name `{name}` is already used by field `{first}`"),
                );
            } else {
                seen.insert(name, field.ident.to_string());
            }
        }
    }
}
