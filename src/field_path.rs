//! Which field a per-dataset setting is for. [`field!`](crate::field) names a field of a record
//! the way Rust code does, so the compiler checks that it exists; [`FieldPath::named`] names a
//! dataset, for schemas built at run time. Either is checked against the output's schema when
//! the output is created.

use crate::error::{Error, Result};
use crate::schema::Schema;

/// A field of a record, or a dataset by name, for settings that apply to some datasets only
/// (such as [`Hdf5Options::compress_only`](crate::Hdf5Options::compress_only)).
///
/// ```
/// use galaxy_io::{field, sage::SageGalaxy, FieldPath};
/// let mass = field!(SageGalaxy, stellar_mass);     // checked by the compiler
/// let position = field!(SageGalaxy, pos);          // a split field: Posx, Posy and Posz
/// let by_name = FieldPath::named("Mvir");          // checked when the output is created
/// # let _ = (mass, position, by_name);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath(Key);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    /// The bytes `offset..offset + size` of a record of type `record`: the field `path`.
    Member {
        record: &'static str,
        offset: usize,
        size: usize,
        path: &'static str,
    },
    /// A dataset by name.
    Name(String),
}

impl FieldPath {
    /// The dataset `name`.
    pub fn named(name: impl Into<String>) -> Self {
        FieldPath(Key::Name(name.into()))
    }

    /// What [`field!`](crate::field) expands to.
    #[doc(hidden)]
    pub fn __member<R: 'static>(offset: usize, size: usize, path: &'static str) -> Self {
        FieldPath(Key::Member {
            record: std::any::type_name::<R>(),
            offset,
            size,
            path,
        })
    }

    /// The datasets this path names in `schema`, the schema of records of type `record` (when
    /// the output has a Rust record type): one for a field, every component of a split field,
    /// every field of a flattened record.
    pub(crate) fn datasets(&self, schema: &Schema, record: Option<&str>) -> Result<Vec<String>> {
        match &self.0 {
            Key::Name(name) => match schema.field(name) {
                Some(field) => Ok(vec![field.name.clone()]),
                None => Err(Error::Schema(format!(
                    "`{name}` is named in the options but is not a field of the record"
                ))),
            },
            Key::Member {
                record: of,
                offset,
                size,
                path,
            } => {
                if record.is_some_and(|record| record != *of) {
                    return Err(Error::Schema(format!(
                        "`field!({of}, {path})` is a field of {of}, but the output writes {}",
                        record.unwrap_or_default()
                    )));
                }
                let names: Vec<String> = schema
                    .fields()
                    .iter()
                    .filter(|f| (*offset..offset + size).contains(&f.offset))
                    .map(|f| f.name.clone())
                    .collect();
                if names.is_empty() {
                    return Err(Error::Schema(format!(
                        "field `{path}` of {of} is not written (it is `#[galaxy(skip)]`)"
                    )));
                }
                Ok(names)
            }
        }
    }
}

/// A [`FieldPath`] to a field of a record, checked by the compiler: `field!(Record, field)`, or
/// `field!(Record, nested.field)` inside a flattened record.
///
/// ```
/// use galaxy_io::{field, GalaxyRecord};
///
/// #[derive(Clone, Copy, GalaxyRecord)]
/// #[repr(C)]
/// struct Galaxy {
///     #[galaxy(name = "StellarMass")]
///     stellar_mass: f32,
/// }
///
/// let path = field!(Galaxy, stellar_mass);
/// # let _ = path;
/// ```
#[macro_export]
macro_rules! field {
    ($record:ty, $($field:tt).+) => {
        $crate::FieldPath::__member::<$record>(
            ::core::mem::offset_of!($record, $($field).+),
            $crate::__private::size_of_field(|record: &$record| &record.$($field).+),
            ::core::stringify!($($field).+),
        )
    };
}
