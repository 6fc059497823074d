//! The HDF5 side: SAGE's file layout, the write callback, the output handler and the reader.
//!
//! `layout` says where things live, `sink` is the write callback, `output` the handler's
//! lifecycle, `options` its configuration and `background` runs it on an I/O thread; `header` and `tree_info` write SAGE's metadata;
//! `reader`, `master` and `recover` read, link and repair files; `raw` holds the few direct
//! HDF5 calls.

mod background;
mod checked;
mod header;
mod layout;
mod master;
mod options;
mod output;
mod raw;
mod reader;
mod recover;
mod sink;
mod superblock;
mod tree_info;
mod writer_lock;

pub use background::BackgroundOutput;
pub use header::{AttrValue, Cosmology, Header, HeaderGroup, SAGE_DATA_VERSION};
pub use layout::Storage;
pub use master::{write_master, MasterOptions, TREE_FILES_PROCESSED};
pub use options::{Durability, FlushHook, Hdf5Options};
pub use output::{Hdf5Output, OutputSummary, SchemaOutput};
pub use reader::{read_snapshot, Catalogue, FieldAttributes};
pub use recover::{recover, recover_with, RecoverOptions, RecoveredSnapshot, Recovery};
