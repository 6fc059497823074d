//! The HDF5 side, a folder per direction data flows: `write` (the output handler and its write
//! callback), `read` (the reader, the survey and `recover`), `master` (the file that joins a
//! run's outputs) and `ffi` (the direct HDF5 calls, by what they touch). `names` knows where
//! everything lives in SAGE's layout, `types` the native types, `attr_value` the values of
//! attributes.

mod attr_value;
mod ffi;
mod master;
pub mod names;
mod read;
mod types;
mod write;

pub use attr_value::AttrValue;
pub use master::sources::{check_master, SourceSummary};
pub use master::write::{write_master, MasterOptions, TREE_FILES_PROCESSED};
pub use read::reader::{Catalogue, FieldAttributes};
pub use read::recover::{recover, recover_with, RecoverOptions, RecoveredSnapshot, Recovery};
pub use read::survey::survey;
pub use write::file_format::FileFormat;
pub use write::header::{Cosmology, Header, HeaderGroup, SAGE_DATA_VERSION};
pub use write::options::{Compression, Hdf5Options, DEFAULT_CHUNK_ROWS};
pub use write::options::{Durability, FlushHook};
pub use write::output::{Hdf5Output, OutputSummary, SchemaOutput, SnapshotStats};
