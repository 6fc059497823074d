//! Reading: `reader` is the catalogue, every read going through `checked`; `open` opens a file
//! after checking what HDF5 cannot (`superblock`, `writer_lock`), `survey` walks a file not
//! known to be sound where a crash of HDF5 is contained (`contain`), `snapshot` keeps what the
//! reader checked of a snapshot, `virtual_read` reads a master's virtual datasets block by
//! block, and `recover` mends a file whose writer died.

pub(super) mod checked;
pub(super) mod contain;
pub(super) mod history;
pub(super) mod open;
pub(super) mod reader;
pub(super) mod recover;
pub(super) mod recover_rows;
pub(super) mod regular;
pub(super) mod snapshot;
pub(super) mod superblock;
pub(super) mod survey;
pub(super) mod virtual_read;
pub(super) mod writer_lock;
