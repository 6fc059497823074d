//! The layout of a record: which bytes of a row are which dataset. One [`Schema`] type serves
//! records described at compile time (`#[derive(GalaxyRecord)]`) and at run time (extended
//! properties), so everything downstream has a single write path.

use crate::error::{Error, Result};
use std::collections::HashMap;

/// The element type of a field: the fixed-width numbers HDF5 and numpy share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// 8-bit signed integer.
    I8,
    /// 16-bit signed integer.
    I16,
    /// 32-bit signed integer.
    I32,
    /// 64-bit signed integer.
    I64,
    /// 8-bit unsigned integer.
    U8,
    /// 16-bit unsigned integer.
    U16,
    /// 32-bit unsigned integer.
    U32,
    /// 64-bit unsigned integer.
    U64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

impl Dtype {
    /// Size of one element in bytes.
    ///
    /// ```
    /// assert_eq!(galaxy_io::Dtype::F64.size(), 8);
    /// ```
    pub const fn size(self) -> usize {
        match self {
            Dtype::I8 | Dtype::U8 => 1,
            Dtype::I16 | Dtype::U16 => 2,
            Dtype::I32 | Dtype::U32 | Dtype::F32 => 4,
            Dtype::I64 | Dtype::U64 | Dtype::F64 => 8,
        }
    }

    /// The Rust name of the type (`"f32"`), also numpy's kind and width.
    pub const fn name(self) -> &'static str {
        match self {
            Dtype::I8 => "i8",
            Dtype::I16 => "i16",
            Dtype::I32 => "i32",
            Dtype::I64 => "i64",
            Dtype::U8 => "u8",
            Dtype::U16 => "u16",
            Dtype::U32 => "u32",
            Dtype::U64 => "u64",
            Dtype::F32 => "f32",
            Dtype::F64 => "f64",
        }
    }

    /// The position of this type in [`Dtype::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether this is an integer type (signed or not).
    pub const fn is_integer(self) -> bool {
        !matches!(self, Dtype::F32 | Dtype::F64)
    }

    /// Parses the names printed by [`Dtype::name`].
    ///
    /// ```
    /// use galaxy_io::Dtype;
    /// assert_eq!(Dtype::parse("i64"), Some(Dtype::I64));
    /// ```
    pub fn parse(name: &str) -> Option<Dtype> {
        Dtype::ALL.into_iter().find(|dtype| dtype.name() == name)
    }
}

impl Dtype {
    /// Every element type.
    pub const ALL: [Dtype; 10] = [
        Dtype::I8,
        Dtype::I16,
        Dtype::I32,
        Dtype::I64,
        Dtype::U8,
        Dtype::U16,
        Dtype::U32,
        Dtype::U64,
        Dtype::F32,
        Dtype::F64,
    ];
}

impl std::fmt::Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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
    /// use galaxy_io::{FieldType, Shape};
    /// assert_eq!(<[[f64; 4]; 2]>::SHAPE.dims(), &[2, 4]);
    /// ```
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.rank]
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A type that can be a field: a fixed-width number or an array of them. Sealed: the set is what
/// HDF5 and numpy can represent without conversion.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a galaxy field",
    label = "not a fixed-width number or an array of them",
    note = "use i8..i64, u8..u64, f32, f64 or arrays of them; a nested GalaxyRecord needs #[galaxy(flatten)]"
)]
pub trait FieldType: bytemuck::Pod + sealed::Sealed {
    /// The element type.
    const DTYPE: Dtype;
    /// The per-record shape.
    const SHAPE: Shape;
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

macro_rules! scalar_field_types {
    ($($ty:ty => $dtype:ident),*) => {$(
        impl sealed::Sealed for $ty {}
        impl FieldType for $ty {
            const DTYPE: Dtype = Dtype::$dtype;
            const SHAPE: Shape = Shape::SCALAR;
        }
    )*};
}

scalar_field_types!(i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16,
    u32 => U32, u64 => U64, f32 => F32, f64 => F64);

impl<T: FieldType, const N: usize> sealed::Sealed for [T; N] {}
impl<T: FieldType, const N: usize> FieldType for [T; N] {
    const DTYPE: Dtype = T::DTYPE;
    const SHAPE: Shape = T::SHAPE.outer(N);
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

/// A galaxy record: a `#[repr(C)]` plain-old-data struct whose fields map to datasets.
///
/// Derive it; never implement it by hand.
///
/// ```
/// use galaxy_io::{GalaxyRecord, Schema};
///
/// #[derive(Clone, Copy, GalaxyRecord)]
/// #[repr(C)]
/// struct Galaxy {
///     #[galaxy(name = "StellarMass", units = "1e10 Msun/h")]
///     stellar_mass: f32,
///     #[galaxy(split = ["Posx", "Posy", "Posz"], units = "Mpc/h")]
///     pos: [f32; 3],
/// }
///
/// let schema = Schema::of::<Galaxy>().unwrap();
/// assert_eq!(schema.record_size(), 16);
/// assert_eq!(schema.field("Posy").unwrap().offset, 8);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a GalaxyRecord",
    label = "#[galaxy(flatten)] needs a struct that derives GalaxyRecord"
)]
pub trait GalaxyRecord: bytemuck::Pod {
    /// The static layout, generated by the derive.
    const MEMBERS: &'static [Member];
}

/// One field of a [`Schema`]: where its bytes are in a record and how the dataset is described.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Dataset name.
    pub name: String,
    /// Byte offset inside the record.
    pub offset: usize,
    /// Element type.
    pub dtype: Dtype,
    /// Per-record shape (`[]` for scalars).
    pub shape: Vec<usize>,
    /// Units (`Units` attribute).
    pub units: String,
    /// Description (`Description` attribute).
    pub description: String,
}

impl Field {
    /// A scalar field with no units or description, for building schemas by hand.
    ///
    /// ```
    /// use galaxy_io::{Dtype, Field};
    /// let field = Field::scalar("Mvir", 4, Dtype::F32);
    /// assert_eq!(field.size(), 4);
    /// ```
    pub fn scalar(name: impl Into<String>, offset: usize, dtype: Dtype) -> Field {
        Field {
            name: name.into(),
            offset,
            dtype,
            shape: Vec::new(),
            units: String::new(),
            description: String::new(),
        }
    }

    /// Elements per record (the product of the shape), saturating at `usize::MAX` for shapes
    /// too large to address (which [`Schema::new`] refuses).
    pub fn elements(&self) -> usize {
        self.shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .unwrap_or(usize::MAX)
    }

    /// Bytes per record, saturating like [`elements`](Self::elements).
    pub fn size(&self) -> usize {
        self.elements().saturating_mul(self.dtype.size())
    }
}

/// The validated layout of one record: its fields and its size in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    fields: Vec<Field>,
    record_size: usize,
}

impl Schema {
    /// Checks and builds a schema: names unique, non-empty and without '/', every field inside
    /// the record, no two fields sharing a byte.
    ///
    /// ```
    /// use galaxy_io::{Dtype, Field, Schema};
    /// let schema = Schema::new(vec![Field::scalar("a", 0, Dtype::F64)], 8).unwrap();
    /// assert_eq!(schema.fields().len(), 1);
    /// assert!(Schema::new(vec![Field::scalar("a", 4, Dtype::F64)], 8).is_err());
    /// ```
    pub fn new(fields: Vec<Field>, record_size: usize) -> Result<Schema> {
        if record_size == 0 {
            return Err(Error::Schema("the record size is zero".into()));
        }
        let mut names = HashMap::new();
        for field in &fields {
            if field.name.is_empty() || field.name.contains('/') || field.name == "." {
                return Err(Error::Schema(format!(
                    "`{}` is not a valid dataset name (non-empty, no '/')",
                    field.name
                )));
            }
            if names.insert(field.name.as_str(), field).is_some() {
                return Err(Error::Schema(format!(
                    "two fields are named `{}`",
                    field.name
                )));
            }
            let end = field.offset.checked_add(field.size());
            if field.size() == 0 || end.is_none_or(|end| end > record_size) {
                return Err(Error::Schema(format!(
                    "field `{}` ({} bytes at offset {}) does not fit in a record of {record_size} bytes",
                    field.name,
                    field.size(),
                    field.offset,
                )));
            }
        }
        let mut by_offset: Vec<&Field> = fields.iter().collect();
        by_offset.sort_by_key(|field| field.offset);
        for pair in by_offset.windows(2) {
            if pair[0].offset + pair[0].size() > pair[1].offset {
                return Err(Error::Schema(format!(
                    "fields `{}` and `{}` overlap",
                    pair[0].name, pair[1].name
                )));
            }
        }
        Ok(Schema {
            fields,
            record_size,
        })
    }

    /// No fields and no bytes: the static part of rows that only have run-time properties.
    pub(crate) fn empty() -> Schema {
        Schema {
            fields: Vec::new(),
            record_size: 0,
        }
    }

    /// The schema of a derived record, with flattened members expanded and prefixed. Fails only
    /// when flattening makes two names collide.
    pub fn of<G: GalaxyRecord>() -> Result<Schema> {
        let mut fields = Vec::new();
        collect(G::MEMBERS, "", 0, &mut fields);
        Schema::new(fields, std::mem::size_of::<G>())
    }

    /// The fields, in record order as declared.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Bytes per record.
    pub fn record_size(&self) -> usize {
        self.record_size
    }

    /// A field by dataset name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// This schema with `extra` fields appended after the record, each aligned to its element
    /// size; the record grows to a multiple of the largest alignment. Used for run-time
    /// properties that ride in the same rows as a static record.
    pub fn extended(&self, extra: impl IntoIterator<Item = Field>) -> Result<Schema> {
        let mut fields = self.fields.clone();
        let mut end = self.record_size;
        let mut align = 1;
        for mut field in extra {
            let size = field.dtype.size();
            align = align.max(size);
            field.offset = end.next_multiple_of(size);
            end = field.offset + field.size();
            fields.push(field);
        }
        Schema::new(fields, end.next_multiple_of(align))
    }
}

fn collect(members: &[Member], prefix: &str, base: usize, out: &mut Vec<Field>) {
    for member in members {
        match member {
            Member::Field(layout) => out.push(Field {
                name: format!("{prefix}{}", layout.name),
                offset: base + layout.offset,
                dtype: layout.dtype,
                shape: layout.shape.dims().to_vec(),
                units: layout.units.to_owned(),
                description: layout.description.to_owned(),
            }),
            Member::Flatten {
                prefix: inner,
                offset,
                members,
            } => collect(members, &format!("{prefix}{inner}"), base + offset, out),
        }
    }
}
