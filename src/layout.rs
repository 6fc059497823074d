//! What `#[derive(GalaxyRecord)]` generates: a record's static layout, field by field. These
//! types are the derive's vocabulary; code that writes and reads records needs only
//! [`GalaxyRecord`](crate::GalaxyRecord), [`Schema`](crate::Schema) and
//! [`FieldType`].

use crate::dtype::{Dtype, FieldType};
pub use crate::dtype::{Shape, MAX_RANK};
use galaxy_units::Unit;

/// An array field whose components can be written as separate datasets (`#[galaxy(split)]`).
#[diagnostic::on_unimplemented(
    message = "`split` needs an array field, but `{Self}` is not an array",
    label = "not an array of numbers"
)]
pub trait SplitField {
    /// One component (`f32` for `[f32; 3]`).
    type Component: FieldType;
    /// The number of components.
    const LEN: usize;
}

impl<T: FieldType, const N: usize> SplitField for [T; N] {
    type Component = T;
    const LEN: usize = N;
}

/// One written field as the derive describes it, all `'static`.
#[derive(Clone, Debug)]
pub struct FieldLayout {
    /// Dataset name.
    pub name: &'static str,
    /// Byte offset inside the record.
    pub offset: usize,
    /// Element type.
    pub dtype: Dtype,
    /// Per-record shape.
    pub shape: Shape,
    /// Units, written as the dataset's `Units` attribute.
    pub units: &'static str,
    /// The units parsed at compile time, written as the machine-readable unit attributes.
    pub unit: Unit,
    /// Description, written as the dataset's `Description` attribute.
    pub description: &'static str,
    /// `#[galaxy(key)]`: the field that identifies a galaxy across snapshots.
    pub key: bool,
}

/// An entry of a record's static layout: a field, or a nested record whose fields join the
/// parent's (`#[galaxy(flatten)]`), their names prefixed.
#[derive(Clone, Debug)]
pub enum Member {
    /// A field of this record.
    Field(FieldLayout),
    /// A `#[galaxy(flatten)]` field: its record's members, at `offset`, names prefixed.
    Flatten {
        /// Put before each of the nested record's dataset names.
        prefix: &'static str,
        /// Byte offset of the nested record inside this one.
        offset: usize,
        /// The nested record's members.
        members: &'static [Member],
    },
}
