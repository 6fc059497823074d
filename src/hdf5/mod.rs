//! The HDF5 side: SAGE's file layout, the write callback, the output handler and the reader.
//!
//! Writing: `output` is the handler (one core, its typed face, and the engines that write on the
//! caller's thread or on one of their own), `options` its configuration and `durability` what a
//! crash costs; `sink` is the write callback, `columns` creates (and finds) a snapshot's
//! datasets, `header` and `tree_info` write SAGE's metadata (`attr_value` the values). Reading: `reader`, `master` and
//! `recover` read, link and repair files, every read going through `checked`, with
//! `superblock` and `writer_lock` for what HDF5 cannot say. `names` knows where everything
//! lives, `types` the native types, and `raw` holds the few direct HDF5 calls. A master's
//! virtual datasets: `stitch` writes them (with `raw_vds`), `sources` checks they are whole.

mod attr_value;
mod checked;
mod chunk_writes;
mod columns;
mod contain;
mod durability;
mod edge_chunk;
mod file_format;
mod fletcher32;
mod header;
mod master;
pub mod names;
mod open;
mod options;
mod output;
mod raw;
mod raw_create;
mod raw_read;
mod raw_vds;
mod reader;
mod recover;
mod sink;
mod snapshot;
mod sources;
mod stitch;
mod superblock;
mod survey;
mod tree_info;
mod types;
mod unit_attrs;
mod virtual_read;
mod writer_lock;

pub use attr_value::AttrValue;
pub use durability::{Durability, FlushHook};
pub use file_format::FileFormat;
pub use header::{Cosmology, Header, HeaderGroup, SAGE_DATA_VERSION};
pub use master::{write_master, MasterOptions, TREE_FILES_PROCESSED};
pub use options::{Compression, Hdf5Options, DEFAULT_CHUNK_ROWS};
pub use output::{Hdf5Output, OutputSummary, SchemaOutput, SnapshotStats};
pub use reader::{Catalogue, FieldAttributes};
pub use recover::{recover, recover_with, RecoverOptions, RecoveredSnapshot, Recovery};
pub use sources::{check_master, SourceSummary};
pub use survey::survey;
