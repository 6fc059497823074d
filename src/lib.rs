//! Fast, schema-checked HDF5 output of galaxy catalogues from semi-analytic models.
//!
//! galaxy-io writes galaxies the way SAGE's refactored output layer does, in Rust:
//!
//! ```text
//! #[derive(GalaxyRecord)] struct --compile time--> static field layouts --+
//! run-time registered properties -----------------------------------------> Schema
//! &[G] --bytes--> Buffer (one per snapshot) --flush--> WriteCallback --> one dataset per field
//! ```
//!
//! A record is a `#[repr(C)]` struct; the derive checks at compile time that every field has a
//! fixed-width type and that there is no padding, and generates its layout. Galaxies go into a
//! growing, record-aligned [`Buffer`](blocks::Buffer) per output snapshot as raw bytes; each flush hands whole
//! records to the HDF5 write callback, which turns the stream offset into a row, transposes the
//! records into columns and appends one hyperslab to each extendable, chunked dataset of
//! `Snap_<N>`. Files follow SAGE's layout, so h5py and sage-model's analysis code read them
//! unchanged.
//!
//! ```
//! use galaxy_io::{Catalogue, GalaxyRecord, Hdf5Options, Hdf5Output};
//!
//! #[derive(Clone, Copy, Debug, PartialEq, GalaxyRecord)]
//! #[repr(C)]
//! struct Galaxy {
//!     /// Mass of stars.
//!     #[galaxy(name = "StellarMass", units = "1.0e10 Msun/h")]
//!     stellar_mass: f32,
//!     #[galaxy(name = "Type")]
//!     kind: i32,
//!     #[galaxy(split = ["Posx", "Posy", "Posz"], units = "Mpc/h")]
//!     pos: [f32; 3],
//! }
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("model_0.hdf5");
//! let galaxies = [Galaxy { stellar_mass: 1.5, kind: 0, pos: [1.0, 2.0, 3.0] }; 100];
//!
//! let mut output = Hdf5Output::<Galaxy>::create(&path, &[63, 32], Hdf5Options::default())?;
//! output.write(63, &galaxies)?;       // into snapshot 63's buffer, no copy before it
//! output.write(32, &galaxies[..10])?;
//! let summary = output.finish()?;               // flush, num_gals, header; consumed
//! assert_eq!(summary.galaxies, [(32, 10), (63, 100)]);
//!
//! let catalogue = Catalogue::open(&path)?;      // Snap_63/StellarMass, Snap_63/Posx, ...
//! assert_eq!(catalogue.read_column::<f32>(63, "Posy")?[0], 2.0);
//! assert_eq!(catalogue.read_records::<Galaxy>(32)?, &galaxies[..10]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The derive's attributes
//!
//! | attribute | on | effect |
//! |---|---|---|
//! | `name = "StellarMass"` | field | dataset name (default: the field's name); the prefix for `flatten` |
//! | `units = "..."` | field | the units, parsed at compile time ([`galaxy_units`](crate::units)'s grammar: `"1.0e10 Msun/h"`, `"km/s"`, `"log10(erg/s)"`); the `Units` text and the machine-readable unit attributes |
//! | `comoving` | field with `units` | the values are comoving: the scale-factor exponent is the length exponent |
//! | `units_text = "..."` | field with `units` | the `Units` text when it must differ from `units` (kept word for word for old readers) |
//! | `description = "..."` | field | the `Description` attribute (default: the `///` doc comment) |
//! | `descriptions = ["...", ...]` | `split` field | one `Description` per component |
//! | `skip` | field | kept in memory, not written (padding, scratch values) |
//! | `split = ["Posx", "Posy", "Posz"]` | array field | one 1-D dataset per component, as SAGE writes vectors |
//! | `flatten` | field of a `GalaxyRecord` type | its fields join the parent's, names prefixed by `name` (`""` for none) |
//! | `crate = "path::to::galaxy_io"` | struct | where the generated code finds this crate when it is re-exported |
//!
//! Element types are `i8`..`i64`, `u8`..`u64`, `f32`, `f64` and arrays of them (`[[f64; 4]; 2]`
//! becomes a dataset of shape `(n, 2, 4)`).
//!
//! # Pieces
//!
//! - [`Schema`], [`Field`], [`Dtype`]: the layout of a record, from the derive or built at run time.
//! - [`blocks`]: what the outputs are built of, for other sinks and formats: the buffer manager
//!   ([`blocks::Buffer`], [`blocks::WriteCallback`], [`blocks::ReadBuffer`]), a positioned-write
//!   file sink ([`blocks::BinaryFile`], SAGE's binary output, the speed baseline) and the
//!   record-to-column [`blocks::transpose`]. [`BufferConfig`] sizes an output's buffers.
//! - [`Hdf5Output`], [`SchemaOutput`], [`extended::ExtendedOutput`]: the HDF5 output handler,
//!   one core with the same methods in every face; [`Hdf5Options`] configures it (buffers,
//!   chunks, [`Compression`] per field by [`field!`] path, [`Durability`], the [`Header`],
//!   [`FlushHook`], and `background(true)` to write on a thread of its own).
//! - [`Catalogue`]: reading back, checked against a record's schema, typed or untyped;
//!   [`recover`] mends a file whose writer died.
//! - [`write_master`]: a master file linking several outputs into one catalogue.
//! - [`extended`]: properties registered at run time, in the same rows.
//! - [`sage`]: SAGE's record, its binary format and parameter file, synthetic catalogues, and
//!   LHaloTree merger trees to run SAGE on.
//! - [`units`]: the grammar of `units = "..."` and the parsed [`Unit`](units::Unit), written as
//!   machine-readable attributes and read back by [`Catalogue::field_unit`].
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

extern crate self as galaxy_io;

mod buffer;
mod dtype;
mod error;
pub mod extended;
mod field_path;
mod hdf5;
mod history;
// What the derive generates names these; not for users, so not in the docs.
#[doc(hidden)]
pub mod layout;
pub mod sage;
mod scatter;
mod schema;
mod sink;
// The command line (a crate of its own) stages its files with it; not for users.
#[doc(hidden)]
pub mod staged;
mod transpose;
// Scale-out over MPI (feature `mpi`).
#[cfg(feature = "mpi")]
pub mod mpi;
pub use crate::hdf5::{
    names, recover, recover_with, write_master, AttrValue, Catalogue, Compression, Cosmology,
    Durability, FieldAttributes, FileFormat, FlushHook, Hdf5Options, Hdf5Output, Header,
    HeaderGroup, MasterOptions, OutputSummary, RecoverOptions, RecoveredSnapshot, Recovery,
    SchemaOutput, SnapshotStats, DEFAULT_CHUNK_ROWS, SAGE_DATA_VERSION, TREE_FILES_PROCESSED,
};
// Scale-out: checking a master's virtual datasets.
pub use crate::hdf5::{check_master, SourceSummary};
// Damaged files: the first walk over a file, where an HDF5 crash becomes an error.
pub use crate::hdf5::survey;

pub use buffer::{BufferConfig, BufferStats};
pub use dtype::{Dtype, FieldType};
pub use error::{Error, NoSpace, Result, WriterThreadState};
pub use field_path::FieldPath;
pub use galaxy_derive::GalaxyRecord;
/// Units of fields: the grammar of `units = "..."` and the parsed [`Unit`](units::Unit).
pub use galaxy_units as units;
pub use history::{Appearance, History};
pub use schema::{Field, GalaxyRecord, Schema};

/// What the outputs are built of: the buffer manager that gathers records and hands them to a
/// callback as `(bytes, offset)`, a file sink for positioned writes, and the transpose of
/// records into columns. For writing other formats, or measuring against them; a model writes
/// through [`Hdf5Output`] and reads through [`Catalogue`].
pub mod blocks {
    pub use crate::buffer::{Buffer, ReadBuffer, ReadCallback, WriteCallback};
    pub use crate::sink::BinaryFile;
    pub use crate::transpose::transpose;
}

#[doc(hidden)]
pub mod __private {
    pub use crate::schema::Flattened;
    pub use bytemuck;

    /// Fails to compile unless `T` is plain old data.
    pub const fn assert_pod<T: bytemuck::Pod>() {}

    /// The types a `#[galaxy(key)]` field may have: every value fits the index's int64 keys.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a galaxy key",
        label = "not a key type",
        note = "a key is an integer the history index stores as int64: i8, i16, i32, i64, u8, u16 or u32"
    )]
    pub trait KeyField {}
    macro_rules! key_fields {
        ($($ty:ty),*) => { $(#[diagnostic::do_not_recommend] impl KeyField for $ty {})* };
    }
    key_fields!(i8, i16, i32, i64, u8, u16, u32);

    /// Fails to compile unless `T` can be a key.
    pub const fn assert_key<T: KeyField>() {}

    /// The size of the field a closure borrows, for [`field!`](crate::field).
    pub fn size_of_field<R, F>(_: fn(&R) -> &F) -> usize {
        std::mem::size_of::<F>()
    }

    /// `BYTES` bytes of padding after a field, named in the error when there are any.
    #[derive(Debug)]
    pub struct PaddingBytes<const BYTES: usize>;

    /// Holds only for no padding at all.
    #[diagnostic::on_unimplemented(
        message = "padding after this field: the bytes counted in `{Self}` belong to no field",
        label = "followed by padding",
        note = "every byte of a record is written, so it must be data: add a field `#[galaxy(skip)] _padding: [u8; N]` right after this one, N the number of bytes above, or order the fields from the widest to the narrowest"
    )]
    pub trait NoPadding {}
    #[diagnostic::do_not_recommend]
    impl NoPadding for PaddingBytes<0> {}

    /// Fails to compile unless `T` is `PaddingBytes<0>`.
    pub const fn assert_no_padding<T: NoPadding>() {}

    /// Bytes between the end of a field and the start of the next; saturating so that the
    /// assertion, not an overflow, reports a mistake.
    pub const fn padding(offset: usize, size: usize, next: usize) -> usize {
        next.saturating_sub(offset + size)
    }
}
