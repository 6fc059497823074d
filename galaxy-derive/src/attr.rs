//! Reads `#[galaxy(...)]` on the container and on fields. Every key goes into an [`Attr`] slot,
//! which reports a repeated key; unknown keys are errors that list the known ones. All errors
//! are collected in the [`Ctxt`].

use crate::ctxt::Ctxt;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprArray, ExprLit, Lit, LitStr, Path, Token};

/// One key's value, with the path it was written as (for spans).
pub struct Attr<T> {
    name: &'static str,
    set: Option<(Path, T)>,
}

impl<T> Attr<T> {
    fn none(name: &'static str) -> Self {
        Attr { name, set: None }
    }

    /// Sets the value, or reports the key as repeated.
    fn set(&mut self, cx: &Ctxt, path: &Path, value: T) {
        if self.set.is_some() {
            cx.error_spanned_by(
                path,
                format!("duplicate key `{}` in #[galaxy(...)]", self.name),
            );
        } else {
            self.set = Some((path.clone(), value));
        }
    }

    pub fn get(&self) -> Option<&T> {
        self.set.as_ref().map(|(_, value)| value)
    }

    /// Where the key was written.
    pub fn path(&self) -> Option<&Path> {
        self.set.as_ref().map(|(path, _)| path)
    }

    pub fn is_set(&self) -> bool {
        self.set.is_some()
    }
}

/// `#[galaxy(...)]` on the struct.
pub struct ContainerAttrs {
    /// `crate = "..."`: the path under which `galaxy_io` is reachable.
    pub krate: Attr<Path>,
}

/// `#[galaxy(...)]` on a field.
pub struct FieldAttrs {
    pub name: Attr<LitStr>,
    pub units: Attr<LitStr>,
    /// `comoving`: the `units` are comoving (sets the scale-factor exponent).
    pub comoving: Attr<()>,
    /// `units_text = "..."`: the `Units` attribute's text when it must differ from `units`
    /// (kept word for word for readers that compare it).
    pub units_text: Attr<LitStr>,
    pub description: Attr<LitStr>,
    /// One description per component of a `split` field.
    pub descriptions: Attr<Vec<LitStr>>,
    pub skip: Attr<()>,
    pub split: Attr<Vec<LitStr>>,
    pub flatten: Attr<()>,
    /// `key`: the field identifies a galaxy across snapshots (the history index's key).
    pub key: Attr<()>,
}

/// The keys a field takes, for messages.
pub const FIELD_KEYS: &str = "`name`, `units`, `comoving`, `units_text`, `description`, \
     `descriptions`, `skip`, `split`, `flatten`, `key`";

impl FieldAttrs {
    /// Every key that was set, by name, with where it was written: for conflict checks.
    pub fn set_keys(&self) -> Vec<(&'static str, &Path)> {
        [
            (self.name.name, self.name.path()),
            (self.units.name, self.units.path()),
            (self.comoving.name, self.comoving.path()),
            (self.units_text.name, self.units_text.path()),
            (self.description.name, self.description.path()),
            (self.descriptions.name, self.descriptions.path()),
            (self.skip.name, self.skip.path()),
            (self.split.name, self.split.path()),
            (self.flatten.name, self.flatten.path()),
            (self.key.name, self.key.path()),
        ]
        .into_iter()
        .filter_map(|(name, path)| Some((name, path?)))
        .collect()
    }
}

pub fn container(cx: &Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut container = ContainerAttrs {
        krate: Attr::none("crate"),
    };
    for attr in galaxy_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let path: Path = meta.value()?.parse::<LitStr>()?.parse()?;
                container.krate.set(cx, &meta.path, path);
            } else {
                skip_value(&meta)?;
                cx.syn_error(meta.error(format!(
                    "unknown container key in #[galaxy(...)]; the container takes only `crate = \"...\"` \
                     ({FIELD_KEYS} go on fields)"
                )));
            }
            Ok(())
        });
        cx.keep(result);
    }
    container
}

pub fn field(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut field = FieldAttrs {
        name: Attr::none("name"),
        units: Attr::none("units"),
        comoving: Attr::none("comoving"),
        units_text: Attr::none("units_text"),
        description: Attr::none("description"),
        descriptions: Attr::none("descriptions"),
        skip: Attr::none("skip"),
        split: Attr::none("split"),
        flatten: Attr::none("flatten"),
        key: Attr::none("key"),
    };
    for attr in galaxy_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            match key_name(path).as_str() {
                "name" => field.name.set(cx, path, meta.value()?.parse()?),
                "units" => field.units.set(cx, path, meta.value()?.parse()?),
                "comoving" => field.comoving.set(cx, path, ()),
                "units_text" => field.units_text.set(cx, path, meta.value()?.parse()?),
                "description" => field.description.set(cx, path, meta.value()?.parse()?),
                "descriptions" => field
                    .descriptions
                    .set(cx, path, strings(&meta, "descriptions")?),
                "skip" => field.skip.set(cx, path, ()),
                "split" => field.split.set(cx, path, strings(&meta, "split")?),
                "flatten" => field.flatten.set(cx, path, ()),
                "key" => field.key.set(cx, path, ()),
                other => {
                    skip_value(&meta)?;
                    cx.syn_error(meta.error(format!(
                        "unknown key `{other}` in #[galaxy(...)]; expected one of {FIELD_KEYS}"
                    )));
                }
            }
            Ok(())
        });
        cx.keep(result);
    }
    field
}

/// `key = ["a", "b"]`: a list of string literals.
fn strings(meta: &ParseNestedMeta, key: &str) -> syn::Result<Vec<LitStr>> {
    let array: ExprArray = meta.value()?.parse()?;
    array
        .elems
        .iter()
        .map(|elem| match elem {
            Expr::Lit(ExprLit {
                lit: Lit::Str(text),
                ..
            }) => Ok(text.clone()),
            other => Err(syn::Error::new_spanned(
                other,
                format!("`{key}` takes string literals, e.g. {key} = [\"x\", \"y\", \"z\"]"),
            )),
        })
        .collect()
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
