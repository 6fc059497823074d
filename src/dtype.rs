//! The element types of fields: the fixed-width numbers HDF5 and numpy share, alone or in
//! arrays, with their shapes worked out at compile time.

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

    /// Appends integer values of this type, one per slice of its size (anything else is
    /// skipped), to `out` as `i64`: a `u64` beyond `i64::MAX`, which only a file galaxy-io did
    /// not write can hold, wraps. Floats append nothing.
    pub(crate) fn extend_i64<'a>(self, values: impl Iterator<Item = &'a [u8]>, out: &mut Vec<i64>) {
        macro_rules! take {
            ($ty:ty) => {
                out.extend(
                    values
                        .filter_map(|bytes| bytes.try_into().ok())
                        .map(|bytes| <$ty>::from_ne_bytes(bytes) as i64),
                )
            };
        }
        match self {
            Dtype::I8 => take!(i8),
            Dtype::I16 => take!(i16),
            Dtype::I32 => take!(i32),
            Dtype::I64 => take!(i64),
            Dtype::U8 => take!(u8),
            Dtype::U16 => take!(u16),
            Dtype::U32 => take!(u32),
            Dtype::U64 => take!(u64),
            Dtype::F32 | Dtype::F64 => {}
        }
    }

    /// Integer values of this type, back to back (as an untyped read gives them), as `i64`: a
    /// `u64` beyond `i64::MAX` wraps; floats give nothing.
    ///
    /// ```
    /// use galaxy_io::Dtype;
    /// assert_eq!(Dtype::I32.as_i64(bytemuck::cast_slice(&[-3i32, 7])), [-3, 7]);
    /// assert!(Dtype::F32.as_i64(&[0; 4]).is_empty());
    /// ```
    pub fn as_i64(self, bytes: &[u8]) -> Vec<i64> {
        let mut out = Vec::with_capacity(bytes.len() / self.size());
        self.extend_i64(bytes.chunks_exact(self.size()), &mut out);
        out
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

/// The type's name (`f32`), padded to the formatter's width, so that tables line up.
///
/// ```
/// assert_eq!(format!("[{:<5}]", galaxy_io::Dtype::F32), "[f32  ]");
/// ```
impl std::fmt::Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
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
