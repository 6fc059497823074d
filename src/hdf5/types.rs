//! The native HDF5 type of each [`Dtype`], and the [`Dtype`] of a type found in a file.

use crate::dtype::Dtype;
use crate::error::{Error, Result};
use hdf5::types::{FloatSize, IntSize, TypeDescriptor};
use hdf5::Datatype;

/// The native HDF5 type of every [`Dtype`], built once.
pub(super) struct Types {
    /// In the order of [`Dtype::ALL`].
    types: Vec<Datatype>,
}

impl Types {
    pub(super) fn new() -> Result<Self> {
        let build = |dtype: Dtype| -> hdf5::Result<Datatype> {
            match dtype {
                Dtype::I8 => Datatype::from_type::<i8>(),
                Dtype::I16 => Datatype::from_type::<i16>(),
                Dtype::I32 => Datatype::from_type::<i32>(),
                Dtype::I64 => Datatype::from_type::<i64>(),
                Dtype::U8 => Datatype::from_type::<u8>(),
                Dtype::U16 => Datatype::from_type::<u16>(),
                Dtype::U32 => Datatype::from_type::<u32>(),
                Dtype::U64 => Datatype::from_type::<u64>(),
                Dtype::F32 => Datatype::from_type::<f32>(),
                Dtype::F64 => Datatype::from_type::<f64>(),
            }
        };
        let types = Dtype::ALL
            .into_iter()
            .map(|dtype| build(dtype).map_err(|e| Error::hdf5("building the native types", e)))
            .collect::<Result<_>>()?;
        Ok(Types { types })
    }

    /// The native type of `dtype`.
    pub(super) fn get(&self, dtype: Dtype) -> &Datatype {
        &self.types[dtype.index()]
    }
}

/// The [`Dtype`] of a dataset's element type, if it is one galaxy-io writes.
pub(super) fn dtype_of(datatype: &Datatype) -> Option<Dtype> {
    Some(match datatype.to_descriptor().ok()? {
        TypeDescriptor::Integer(IntSize::U1) => Dtype::I8,
        TypeDescriptor::Integer(IntSize::U2) => Dtype::I16,
        TypeDescriptor::Integer(IntSize::U4) => Dtype::I32,
        TypeDescriptor::Integer(IntSize::U8) => Dtype::I64,
        TypeDescriptor::Unsigned(IntSize::U1) => Dtype::U8,
        TypeDescriptor::Unsigned(IntSize::U2) => Dtype::U16,
        TypeDescriptor::Unsigned(IntSize::U4) => Dtype::U32,
        TypeDescriptor::Unsigned(IntSize::U8) => Dtype::U64,
        TypeDescriptor::Float(FloatSize::U4) => Dtype::F32,
        TypeDescriptor::Float(FloatSize::U8) => Dtype::F64,
        _ => return None,
    })
}
