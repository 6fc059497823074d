//! Write callbacks that are not HDF5.

mod binary;

pub use binary::BinaryFile;
