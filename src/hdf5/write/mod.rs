//! Writing: `output` is the handler (one core, its typed face, and the engines that write on the
//! caller's thread or on one of their own), `options` its configuration and `durability` what a
//! crash costs; `sink` is the write callback, `columns` creates (and finds) a snapshot's
//! datasets, `chunk_writes` plans each column's chunks (`edge_chunk` encodes a partial one,
//! `fletcher32` sums it), `file_format` sets the format, and `header`, `tree_info` and
//! `unit_attrs` write SAGE's metadata.

pub(super) mod chunk_writes;
pub(super) mod columns;
pub(super) mod durability;
pub(super) mod edge_chunk;
pub(super) mod file_format;
pub(super) mod fletcher32;
pub(super) mod header;
pub(super) mod history_index;
pub(super) mod options;
pub(super) mod output;
pub(super) mod sink;
pub(super) mod tree_info;
pub(super) mod unit_attrs;
