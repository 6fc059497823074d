//! galaxy-io placeholder
extern crate self as galaxy_io;

mod buffer;
mod error;
mod hdf5;
pub mod sage;
mod schema;
mod sink;
pub use crate::hdf5::{
    read_snapshot, write_master, AttrValue, Catalogue, Durability, Hdf5Options, Hdf5Output, Header,
    HeaderGroup, OutputSummary, SchemaOutput, Storage, SAGE_DATA_VERSION,
};

pub use buffer::{Buffer, BufferConfig, BufferStats, ReadBuffer, ReadCallback, WriteCallback};
pub use error::{Error, Result};
pub use galaxy_derive::GalaxyRecord;
pub use schema::{
    Dtype, Field, FieldLayout, FieldType, GalaxyRecord, Member, Schema, Shape, SplitField,
};
pub use sink::BinaryFile;

#[doc(hidden)]
pub mod __private {
    pub use bytemuck;

    /// Fails to compile unless `T` is plain old data.
    pub const fn assert_pod<T: bytemuck::Pod>() {}

    /// A type error on this type names the field after which a record has padding, and how
    /// many bytes: "expected `NoPaddingAfterThisField<0>`, found `NoPaddingAfterThisField<4>`".
    pub struct NoPaddingAfterThisField<const BYTES: usize>;

    /// Bytes between the end of a field and the start of the next; saturating so that the
    /// assertion, not an overflow, reports a mistake.
    pub const fn padding(offset: usize, size: usize, next: usize) -> usize {
        next.saturating_sub(offset + size)
    }
}
