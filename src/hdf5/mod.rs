//! The HDF5 side: SAGE's file layout, the write callback, the output handler and the reader.

mod header;
mod layout;
mod raw;
mod sink;

pub use header::{AttrValue, Header, HeaderGroup, SAGE_DATA_VERSION};
pub use layout::Storage;
mod output;
mod tree_info;

pub use output::{Durability, FlushHook, Hdf5Options, Hdf5Output, OutputSummary, SchemaOutput};
mod reader;

pub use reader::{read_snapshot, Catalogue};
mod master;

pub use master::write_master;
mod recover;

pub use recover::{recover, RecoveredSnapshot};
