//! Reads `#[galaxy(...)]` on the container and on fields. Unknown and repeated keys are errors,
//! spanned at the key; all errors of every attribute are collected.

use crate::ast::Errors;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, DeriveInput, Expr, ExprArray, ExprLit, Lit, LitStr, Path, Token};

/// A key that was present, with the path it was written as (for spans) and its value.
pub struct Key<T> {
    pub path: Path,
    pub value: T,
}

#[derive(Default)]
pub struct ContainerAttrs {
    /// `#[galaxy(crate = "...")]`: the path under which `galaxy_io` is reachable.
    pub krate: Option<Path>,
}

#[derive(Default)]
pub struct FieldAttrs {
    pub name: Option<Key<LitStr>>,
    pub units: Option<Key<LitStr>>,
    pub description: Option<Key<LitStr>>,
    pub skip: Option<Path>,
    pub split: Option<Key<Vec<LitStr>>>,
    pub flatten: Option<Path>,
}

impl FieldAttrs {
    /// Every key that was set, by name, for conflict checks.
    pub fn set_keys(&self) -> Vec<(&'static str, &Path)> {
        [
            ("name", self.name.as_ref().map(|key| &key.path)),
            ("units", self.units.as_ref().map(|key| &key.path)),
            (
                "description",
                self.description.as_ref().map(|key| &key.path),
            ),
            ("skip", self.skip.as_ref()),
            ("split", self.split.as_ref().map(|key| &key.path)),
            ("flatten", self.flatten.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, path)| Some((name, path?)))
        .collect()
    }
}

pub fn container(input: &DeriveInput) -> syn::Result<ContainerAttrs> {
    let mut attrs = ContainerAttrs::default();
    let mut errors = Errors::default();
    for attr in galaxy_attrs(&input.attrs) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                if attrs.krate.is_some() {
                    errors.push(meta.error("duplicate key `crate` in #[galaxy(...)]"));
                } else {
                    attrs.krate = Some(lit.parse()?);
                }
            } else {
                skip_value(&meta)?;
                errors.push(meta.error(
                    "unknown container key in #[galaxy(...)]; the container takes only `crate = \"...\"` \
                     (`name`, `units`, `description`, `skip`, `split` and `flatten` go on fields)",
                ));
            }
            Ok(())
        });
        errors.keep(result);
    }
    errors.finish()?;
    Ok(attrs)
}

pub fn field(field: &syn::Field) -> syn::Result<FieldAttrs> {
    let mut attrs = FieldAttrs::default();
    let mut errors = Errors::default();
    for attr in galaxy_attrs(&field.attrs) {
        let result = attr.parse_nested_meta(|meta| {
            if let Err(error) = field_key(&mut attrs, &meta) {
                errors.push(error);
            }
            Ok(())
        });
        errors.keep(result);
    }
    errors.finish()?;
    Ok(attrs)
}

fn field_key(attrs: &mut FieldAttrs, meta: &ParseNestedMeta) -> syn::Result<()> {
    let path = meta.path.clone();
    let duplicate = || {
        meta.error(format!(
            "duplicate key `{}` in #[galaxy(...)]",
            key_name(&meta.path)
        ))
    };
    if path.is_ident("name") || path.is_ident("units") || path.is_ident("description") {
        let value: LitStr = meta.value()?.parse()?;
        let slot = if path.is_ident("name") {
            &mut attrs.name
        } else if path.is_ident("units") {
            &mut attrs.units
        } else {
            &mut attrs.description
        };
        if slot.is_some() {
            return Err(duplicate());
        }
        *slot = Some(Key { path, value });
    } else if path.is_ident("skip") || path.is_ident("flatten") {
        let slot = if path.is_ident("skip") {
            &mut attrs.skip
        } else {
            &mut attrs.flatten
        };
        if slot.is_some() {
            return Err(duplicate());
        }
        *slot = Some(path);
    } else if path.is_ident("split") {
        let array: ExprArray = meta.value()?.parse()?;
        if attrs.split.is_some() {
            return Err(duplicate());
        }
        let value = array
            .elems
            .iter()
            .map(|elem| match elem {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(name),
                    ..
                }) => Ok(name.clone()),
                other => Err(syn::Error::new_spanned(
                    other,
                    "`split` takes string literals, e.g. split = [\"Posx\", \"Posy\", \"Posz\"]",
                )),
            })
            .collect::<syn::Result<_>>()?;
        attrs.split = Some(Key { path, value });
    } else {
        skip_value(meta)?;
        return Err(meta.error(format!(
            "unknown key `{}` in #[galaxy(...)]; expected one of `name`, `units`, `description`, \
             `skip`, `split`, `flatten`",
            key_name(&meta.path)
        )));
    }
    Ok(())
}

/// Consumes `= value` after an unknown key so that the keys after it are still read.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    }
    Ok(())
}

fn key_name(path: &Path) -> String {
    path.get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string)
}

fn galaxy_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|attr| attr.path().is_ident("galaxy"))
}

/// The field's `///` documentation as one trimmed line.
pub fn doc(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(line),
                        ..
                    }),
                ..
            }) => Some(line.value().trim().to_owned()),
            _ => None,
        })
        .filter(|line| !line.is_empty())
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}
