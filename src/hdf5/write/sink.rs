//! The write callback of one snapshot: record bytes in, one hyperslab per field out.
//!
//! The buffer hands over whole records at a stream offset; the offset divided by the record size
//! is the first row. The records are transposed into a reused scratch buffer (one contiguous
//! column per field), then every dataset of the snapshot is extended and written with
//! one `H5Dwrite` each, through dataset handles and types opened once for the life of the file.
//! Datasets not created yet are created at the first hand-over, with chunks fitted to the rows
//! when that hand-over is the snapshot's last.

use crate::buffer::WriteCallback;
use crate::error::{Error, Result};
use crate::hdf5::ffi::{self, rows::ColumnTarget};
use crate::hdf5::names;
use crate::hdf5::write::chunk_writes::{self, ChunkWrites, ColumnRows};
use crate::hdf5::write::columns::{ChunkFit, Column, SnapshotColumns};
use crate::transpose::transpose;
use std::borrow::Cow;
use std::sync::{Arc, Mutex};

/// The buffers a hand-over is prepared in, shared by the sinks of one file: HDF5 calls are
/// serialised anyway, and one buffer of the largest flush is touched once instead of one per
/// snapshot.
pub(crate) type Scratch = Arc<Mutex<ScratchBuffers>>;

/// See [`Scratch`].
#[derive(Debug, Default)]
pub(crate) struct ScratchBuffers {
    /// The transposed rows, one column after the other.
    columns: Vec<u8>,
    /// Chunks stored otherwise than as their rows (encoded, padded, checksummed), one column's
    /// at a time.
    chunks: Vec<u8>,
}

/// Called after every successful hand-over with the snapshot's total row count, e.g. to make
/// the rows durable; the rows count as written once it succeeds.
pub(crate) type AfterWrite = Box<dyn FnMut(u64) -> Result<()> + Send>;

/// Writes the records of one snapshot into its datasets.
pub(crate) struct SnapshotSink {
    snapshot: u32,
    path: String,
    columns: SnapshotColumns,
    record_size: usize,
    scratch: Scratch,
    rows: u64,
    /// The next hand-over is the snapshot's last: its rows complete it.
    completing: bool,
    /// The records of the rows of partial chunks that are rewritten whole when they grow
    /// ([`ChunkWrites::InPlace`]): the last rows written, back to the earliest such chunk's
    /// first row. Empty for every other kind of column.
    kept: Vec<u8>,
    after_write: Option<AfterWrite>,
}

impl SnapshotSink {
    pub(crate) fn new(
        snapshot: u32,
        path: String,
        columns: SnapshotColumns,
        record_size: usize,
        scratch: Scratch,
    ) -> Self {
        SnapshotSink {
            snapshot,
            path,
            columns,
            record_size,
            scratch,
            rows: 0,
            completing: false,
            kept: Vec::new(),
            after_write: None,
        }
    }

    /// Creates the datasets now, with the configured chunks (a file that must have all its
    /// datasets from the start: the durable modes).
    pub(crate) fn create_datasets(&mut self) -> Result<()> {
        self.columns.get_or_create(ChunkFit::Configured).map(drop)
    }

    /// Says that the buffer's next hand-over, if any, is the snapshot's last.
    pub(crate) fn complete_with_next_write(&mut self) {
        self.completing = true;
    }

    /// After the last hand-over: creates the datasets of a snapshot that received no rows.
    pub(crate) fn complete(&mut self) -> Result<()> {
        self.columns
            .get_or_create(ChunkFit::Complete(self.rows))
            .map(drop)
    }

    /// Runs `hook` after each successful write (durability modes use it).
    pub(crate) fn set_after_write(&mut self, hook: AfterWrite) {
        self.after_write = Some(hook);
    }

    /// Rows written so far.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Bytes of records written so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.rows * self.record_size as u64
    }

    pub(crate) fn snapshot(&self) -> u32 {
        self.snapshot
    }
}

impl SnapshotSink {
    /// Where the rows kept for rewriting partial chunks would start with `rows` in the file:
    /// the first row of the earliest partial chunk of a column that keeps them.
    fn kept_from(columns: &[Column], rows: u64) -> u64 {
        columns
            .iter()
            .filter_map(|column| match column.writes {
                ChunkWrites::InPlace { rows: chunk, .. } => Some(rows / chunk * chunk),
                _ => None,
            })
            .min()
            .unwrap_or(rows)
    }
}

impl WriteCallback for SnapshotSink {
    fn write(&mut self, bytes: &[u8], offset: u64) -> Result<()> {
        let record_size = self.record_size;
        if !bytes.len().is_multiple_of(record_size) || !offset.is_multiple_of(record_size as u64) {
            return Err(Error::PartialRecord {
                bytes: bytes.len() % record_size,
                offset,
                record_size,
            });
        }
        let first = offset / record_size as u64;
        let end = first + (bytes.len() / record_size) as u64;
        let fit = if self.completing {
            ChunkFit::Complete(end)
        } else {
            ChunkFit::Configured
        };
        self.columns.get_or_create(fit)?;
        // Rows of partial chunks that must be rewritten whole come first, from what was kept.
        let (from, records) = if self.kept.is_empty() {
            (first, Cow::Borrowed(bytes))
        } else {
            let kept_from = self.rows - (self.kept.len() / record_size) as u64;
            if first < kept_from || first > self.rows {
                return Err(Error::hdf5(
                    format!("{} {}", self.path, names::snapshot_group(self.snapshot)),
                    format!(
                        "rows {first}..{end} handed over after rows 0..{} were written",
                        self.rows
                    ),
                ));
            }
            let mut records = self.kept[..(first - kept_from) as usize * record_size].to_vec();
            records.extend_from_slice(bytes);
            (kept_from, Cow::Owned(records))
        };
        // A panic elsewhere cannot leave the scratch bytes inconsistent: they are rewritten
        // before every use.
        let mut scratch = self
            .scratch
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let ScratchBuffers {
            columns: transposed,
            chunks: arena,
        } = &mut *scratch;
        let ranges = transpose(&records, self.columns.schema(), transposed);
        // The 4 bytes after the rows and the chunks that a checksum borrows while it is written.
        let rows_end = ranges.last().map_or(0, |range| range.end);
        transposed.resize(transposed.len().max(rows_end + 4), 0);
        let columns = self.columns.get_or_create(fit)?;
        for (column, range) in columns.iter().zip(ranges) {
            let context = || {
                format!(
                    "{} {}",
                    self.path,
                    names::dataset(self.snapshot, &column.field.name)
                )
            };
            let rows = ColumnRows {
                from,
                end,
                on_disk: first,
                row_bytes: column.field.size(),
                bytes: transposed,
                base: range.start,
                completing: self.completing,
            };
            let ops = chunk_writes::plan(column.writes, column.checksum, &rows, arena)?;
            arena.extend_from_slice(&[0; 4]);
            let target = ColumnTarget {
                dataset: column.dataset.id(),
                inner: &column.field.shape,
                mem_type: column.datatype.id(),
                extend_to: column.extendable.then_some(end),
            };
            ffi::rows::write_column(&target, &ops, (transposed, arena), context)?;
        }
        drop(scratch);
        if let Some(hook) = &mut self.after_write {
            hook(end)?;
        }
        self.rows = end;
        let kept_from = Self::kept_from(columns, end);
        self.kept = records[(kept_from - from) as usize * record_size..].to_vec();
        Ok(())
    }
}
