//! What `#[derive(GalaxyRecord)]` generates: a record's static layout, field by field. These
//! types are the derive's vocabulary; code that writes and reads records needs only
//! [`GalaxyRecord`](crate::GalaxyRecord), [`Schema`](crate::Schema) and
//! [`FieldType`](crate::FieldType).

use crate::schema::{Dtype, FieldType};

/// The most array dimensions a field may have.
pub const MAX_RANK: usize = 6;

/// The per-record shape of a field, built at compile time: `[]` for a scalar, `[3]` for
/// `[f32; 3]`, `[2, 4]` for `[[f64; 4]; 2]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    dims: [usize; MAX_RANK],
    rank: usize,
}

impl Shape {
    /// A scalar.
    pub const SCALAR: Shape = Shape {
        dims: [0; MAX_RANK],
        rank: 0,
    };

    /// This shape with an outer dimension of `len` in front (what `[T; len]` does to `T`).
    pub const fn outer(self, len: usize) -> Shape {
        assert!(
            self.rank < MAX_RANK,
            "galaxy-io: arrays of more than 6 dimensions are not supported"
        );
        let mut dims = [0; MAX_RANK];
        dims[0] = len;
        let mut i = 0;
        while i < self.rank {
            dims[i + 1] = self.dims[i];
            i += 1;
        }
        Shape {
            dims,
            rank: self.rank + 1,
        }
    }

    /// The dimensions.
    ///
    /// ```
    /// use galaxy_io::FieldType;
    /// assert_eq!(<[[f64; 4]; 2]>::SHAPE.dims(), &[2, 4]);
    /// ```
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.rank]
    }
}

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
#[derive(Clone, Copy, Debug)]
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
    /// Description, written as the dataset's `Description` attribute.
    pub description: &'static str,
}

/// An entry of a record's static layout: a field, or a nested record whose fields join the
/// parent's (`#[galaxy(flatten)]`), their names prefixed.
#[derive(Clone, Copy, Debug)]
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
