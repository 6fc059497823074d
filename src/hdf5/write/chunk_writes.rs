//! How one column's new rows reach its chunks: through HDF5's filter pipeline, as whole chunks
//! written directly, or as a last, partly filled chunk; and, in the durable modes, the rule that
//! makes a crash harmless: a chunk, once in the file, keeps its place and its size.
//!
//! HDF5 frees a chunk that is rewritten at another size and may hand its space to the next
//! allocation before the chunk index that still points at it is durable, so a writer killed in
//! between leaves an index pointing at another dataset's bytes. The durable modes therefore never
//! resize a chunk: a partly filled chunk is stored at its full size, unfiltered, and completed in
//! place by later flushes.

use crate::error::Result;
use crate::hdf5::{write::edge_chunk, write::fletcher32};
use std::ops::Range;

/// How a column's chunks are written, chosen when its dataset is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChunkWrites {
    /// Everything through HDF5's pipeline: datasets stored in one piece, and compressed ones
    /// that nothing needs to survive a crash.
    Pipeline,
    /// The pipeline (a fast deflate) is there for the last, partly filled chunk only, which is
    /// encoded to take about the space of its rows; whole chunks are written as they are. A
    /// partial chunk is rewritten at a new size when it grows, so only where no crash
    /// guarantee is made.
    EdgeDeflate {
        /// Rows per chunk.
        rows: u64,
    },
    /// The durable modes: a chunk, once in the file, keeps its place and size. A chunk
    /// written in parts is stored raw (its compression `filters` skipped) at its full size,
    /// rewritten in place as it fills, and stays raw once complete. A chunk new to the file and
    /// whole is stored as usual; so is the snapshot's last chunk when it is new at `finish`.
    InPlace {
        /// Rows per chunk.
        rows: u64,
        /// Compression filters, first in the dataset's pipeline (a checksum comes after them).
        filters: u32,
        /// The one filter is the fast deflate of [`EdgeDeflate`](Self::EdgeDeflate), there for
        /// the last chunk only: whole chunks are written as they are.
        edge_only: bool,
    },
}

/// The rows of one column to write: rows `from..end` are at `bytes[base..]`, of which rows
/// before `on_disk` are in the file already (a partial chunk's, kept to rewrite it whole).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ColumnRows<'a> {
    pub from: u64,
    pub end: u64,
    pub on_disk: u64,
    pub row_bytes: usize,
    pub bytes: &'a [u8],
    pub base: usize,
    /// No rows follow: the snapshot is complete with these.
    pub completing: bool,
}

impl ColumnRows<'_> {
    fn offsets(&self, rows: Range<u64>) -> Range<usize> {
        let offset = |row: u64| self.base + (row - self.from) as usize * self.row_bytes;
        offset(rows.start)..offset(rows.end)
    }
}

/// Where the bytes of a write are: among the rows, or in the plan's arena (chunks that had to be
/// encoded or padded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Bytes {
    Column(Range<usize>),
    Arena(Range<usize>),
}

/// One write into a dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChunkOp {
    /// Rows as a hyperslab, through HDF5's pipeline.
    Rows { rows: Range<u64>, bytes: Bytes },
    /// A whole chunk's stored bytes, with the filters of `filter_mask` skipped, followed by
    /// `checksum` when the dataset has one. The checksum is stored in the 4 bytes after the
    /// chunk only while it is written (which is why the rows have 4 bytes to spare after
    /// them): chunks are written from where they are, never copied.
    Chunk {
        start: u64,
        filter_mask: u32,
        bytes: Bytes,
        checksum: Option<u32>,
    },
}

/// Builds the writes of one column (see [`plan`]).
struct Planner<'r, 'a> {
    rows: &'r ColumnRows<'a>,
    checksum: bool,
    arena: &'r mut Vec<u8>,
    ops: Vec<ChunkOp>,
}

impl Planner<'_, '_> {
    fn sum(&self, bytes: &[u8]) -> Option<u32> {
        self.checksum.then(|| fletcher32::checksum(bytes))
    }

    /// Rows through HDF5's pipeline.
    fn pipeline(&mut self, range: Range<u64>) {
        let bytes = Bytes::Column(self.rows.offsets(range.clone()));
        self.ops.push(ChunkOp::Rows { rows: range, bytes });
    }

    /// A whole chunk written from where its rows are.
    fn direct(&mut self, start: u64, filter_mask: u32, chunk: u64) {
        let range = self.rows.offsets(start..start + chunk);
        let checksum = self.sum(&self.rows.bytes[range.clone()]);
        self.ops.push(ChunkOp::Chunk {
            start,
            filter_mask,
            bytes: Bytes::Column(range),
            checksum,
        });
    }

    /// Chunks new to the file, whole but for a compressed snapshot's last: as they are when the
    /// pipeline is there for partial chunks only (its one filter skipped), else through it.
    fn whole(&mut self, range: Range<u64>, edge_only: bool, chunk: u64) {
        if edge_only {
            for start in range.step_by(chunk as usize) {
                self.direct(start, 1, chunk);
            }
        } else {
            self.pipeline(range);
        }
    }

    /// A chunk stored otherwise than as its rows: `make` appends it to the arena.
    fn stored(
        &mut self,
        start: u64,
        filter_mask: u32,
        make: impl FnOnce(&mut Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        let first = self.arena.len();
        make(self.arena)?;
        let checksum = self.sum(&self.arena[first..]);
        self.ops.push(ChunkOp::Chunk {
            start,
            filter_mask,
            bytes: Bytes::Arena(first..self.arena.len()),
            checksum,
        });
        Ok(())
    }
}

/// The writes that put rows `on_disk.max(from)..end` of `rows` into a dataset written as
/// `writes` says; with `checksum`, the dataset's pipeline ends with HDF5's Fletcher-32, which
/// chunks written directly carry too. Chunks that are stored otherwise than as the rows are
/// (encoded, padded) are made in `arena`, which is cleared first and meant to be reused; this,
/// and the checksums, happen here, outside HDF5's lock.
pub(crate) fn plan(
    writes: ChunkWrites,
    checksum: bool,
    rows: &ColumnRows,
    arena: &mut Vec<u8>,
) -> Result<Vec<ChunkOp>> {
    arena.clear();
    let first = rows.on_disk.max(rows.from);
    let end = rows.end;
    let mut plan = Planner {
        rows,
        checksum,
        arena,
        ops: Vec::new(),
    };
    if first >= end {
        return Ok(plan.ops);
    }
    match writes {
        ChunkWrites::Pipeline => plan.pipeline(first..end),
        ChunkWrites::EdgeDeflate { rows: chunk } => {
            // Rows that complete a chunk already in the file go through the pipeline; whole
            // chunks as they are (the one filter skipped); the rows after the last boundary
            // as an encoded partial chunk.
            let (whole, tail) = whole_chunks(first, end, chunk);
            if first < whole.start {
                plan.pipeline(first..whole.start);
            }
            for start in whole.step_by(chunk as usize) {
                plan.direct(start, 1, chunk);
            }
            if let Some(tail) = tail {
                let tail_rows = &rows.bytes[rows.offsets(tail.clone())];
                let chunk_bytes = chunk as usize * rows.row_bytes;
                plan.stored(tail.start, 0, |arena| {
                    edge_chunk::encode(tail_rows, chunk_bytes, arena)
                })?;
            }
        }
        ChunkWrites::InPlace {
            rows: chunk,
            filters,
            edge_only,
        } => {
            let raw = (1u32 << filters.min(31)) - 1;
            let mut start = first / chunk * chunk;
            let mut new_whole = None::<Range<u64>>;
            while start < end {
                let stop = start + chunk;
                let was_partial = start < rows.on_disk;
                let partial = stop > end;
                if was_partial || (partial && !rows.completing) {
                    if let Some(range) = new_whole.take() {
                        plan.whole(range, edge_only, chunk);
                    }
                    debug_assert!(start >= rows.from, "a partial chunk's rows are kept");
                    let kept = &rows.bytes[rows.offsets(start..stop.min(end))];
                    let chunk_bytes = chunk as usize * rows.row_bytes;
                    plan.stored(start, raw, |arena| {
                        let padded = arena.len() + chunk_bytes;
                        arena.extend_from_slice(kept);
                        arena.resize(padded, 0);
                        Ok(())
                    })?;
                } else if partial && edge_only {
                    // The snapshot's last chunk, new: never rewritten, so stored compact.
                    if let Some(range) = new_whole.take() {
                        plan.whole(range, edge_only, chunk);
                    }
                    let tail = &rows.bytes[rows.offsets(start..end)];
                    let chunk_bytes = chunk as usize * rows.row_bytes;
                    plan.stored(start, 0, |arena| {
                        edge_chunk::encode(tail, chunk_bytes, arena)
                    })?;
                } else {
                    // A chunk new to the file, whole (or the snapshot's last): never rewritten.
                    let stop = stop.min(end);
                    new_whole = Some(new_whole.map_or(start..stop, |r| r.start..stop));
                }
                start += chunk;
            }
            if let Some(range) = new_whole {
                plan.whole(range, edge_only, chunk);
            }
        }
    }
    Ok(plan.ops)
}

/// The whole chunks of rows `first..end` (chunks of `chunk` rows from row 0), and the rows
/// after the last boundary, if any.
fn whole_chunks(first: u64, end: u64, chunk: u64) -> (Range<u64>, Option<Range<u64>>) {
    let start = first.next_multiple_of(chunk).min(end);
    let stop = (end / chunk * chunk).max(start);
    (start..stop, (stop < end).then_some(stop..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(from: u64, end: u64, on_disk: u64, bytes: &[u8]) -> ColumnRows<'_> {
        ColumnRows {
            from,
            end,
            on_disk,
            row_bytes: 1,
            bytes,
            base: 0,
            completing: false,
        }
    }

    /// The plan in words, each write's bytes checked to be the rows (or chunk) it names and its
    /// checksum to be theirs.
    fn summary(writes: ChunkWrites, checksum: bool, rows: &ColumnRows) -> Vec<String> {
        let mut arena = Vec::new();
        let ops = plan(writes, checksum, rows, &mut arena).unwrap();
        let resolve = |bytes: &Bytes| match bytes {
            Bytes::Column(range) => rows.bytes[range.clone()].to_vec(),
            Bytes::Arena(range) => arena[range.clone()].to_vec(),
        };
        ops.iter()
            .map(|op| match op {
                ChunkOp::Rows { rows: range, bytes } => {
                    let from = (range.start - rows.from) as usize;
                    let len = (range.end - range.start) as usize;
                    assert_eq!(resolve(bytes), rows.bytes[from..from + len]);
                    format!("rows {range:?}")
                }
                ChunkOp::Chunk {
                    start,
                    filter_mask,
                    bytes,
                    checksum: sum,
                } => {
                    let stored = resolve(bytes);
                    assert_eq!(*sum, checksum.then(|| fletcher32::checksum(&stored)));
                    let place = if matches!(bytes, Bytes::Column(_)) {
                        "rows"
                    } else {
                        "arena"
                    };
                    format!("chunk {start} mask {filter_mask} from {place} {stored:?}")
                }
            })
            .collect()
    }

    #[test]
    fn in_place_writes_whole_chunks_directly_and_partial_ones_raw_at_full_size() {
        // Rows 5..8 were written before (a partial chunk); the kept rows come again.
        let bytes: Vec<u8> = (0..30).collect();
        let writes = ChunkWrites::InPlace {
            rows: 8,
            filters: 1,
            edge_only: true,
        };
        assert_eq!(
            summary(writes, false, &rows(0, 30, 5, &bytes)),
            [
                "chunk 0 mask 1 from arena [0, 1, 2, 3, 4, 5, 6, 7]",
                "chunk 8 mask 1 from rows [8, 9, 10, 11, 12, 13, 14, 15]",
                "chunk 16 mask 1 from rows [16, 17, 18, 19, 20, 21, 22, 23]",
                "chunk 24 mask 1 from arena [24, 25, 26, 27, 28, 29, 0, 0]"
            ]
        );
        let completing = ColumnRows {
            completing: true,
            ..rows(0, 30, 5, &bytes)
        };
        let summary = summary(writes, true, &completing);
        assert_eq!(summary.len(), 4, "{summary:?}");
        assert!(
            summary[3].starts_with("chunk 24 mask 0 from arena [120, 1,"),
            "a new last chunk is stored compact: {summary:?}"
        );
    }

    #[test]
    fn in_place_compressed_keeps_a_chunk_written_in_parts_raw_and_full_sized() {
        // Rows 8..13 were written before (a partial chunk); the kept rows come again.
        let bytes: Vec<u8> = (8..30).collect();
        let writes = ChunkWrites::InPlace {
            rows: 8,
            filters: 2,
            edge_only: false,
        };
        assert_eq!(
            summary(writes, true, &rows(8, 30, 13, &bytes)),
            [
                "chunk 8 mask 3 from arena [8, 9, 10, 11, 12, 13, 14, 15]",
                "rows 16..24",
                "chunk 24 mask 3 from arena [24, 25, 26, 27, 28, 29, 0, 0]"
            ]
        );
        let completing = ColumnRows {
            completing: true,
            ..rows(8, 30, 13, &bytes)
        };
        assert_eq!(
            summary(writes, false, &completing),
            [
                "chunk 8 mask 3 from arena [8, 9, 10, 11, 12, 13, 14, 15]",
                "rows 16..30"
            ]
        );
    }

    #[test]
    fn edge_deflate_encodes_the_last_partial_chunk() {
        let bytes = vec![7u8; 20];
        let writes = ChunkWrites::EdgeDeflate { rows: 8 };
        let summary = summary(writes, true, &rows(3, 23, 3, &bytes));
        assert_eq!(summary.len(), 3, "{summary:?}");
        assert_eq!(
            &summary[..2],
            [
                "rows 3..8",
                "chunk 8 mask 1 from rows [7, 7, 7, 7, 7, 7, 7, 7]"
            ]
        );
        assert!(
            summary[2].starts_with("chunk 16 mask 0 from arena [120, 1,"),
            "a zlib stream: {summary:?}"
        );
    }

    #[test]
    fn direct_chunks_carry_their_checksum_and_are_not_copied() {
        let bytes: Vec<u8> = (0..16).collect();
        let writes = ChunkWrites::EdgeDeflate { rows: 8 };
        let summary = summary(writes, true, &rows(0, 12, 0, &bytes));
        assert_eq!(
            summary[0],
            "chunk 0 mask 1 from rows [0, 1, 2, 3, 4, 5, 6, 7]"
        );
    }

    #[test]
    fn rows_already_on_disk_are_not_written_again() {
        let bytes: Vec<u8> = (0..16).collect();
        let pipeline =
            |on_disk| summary(ChunkWrites::Pipeline, false, &rows(0, 16, on_disk, &bytes));
        assert_eq!(pipeline(10), ["rows 10..16"]);
        assert!(pipeline(16).is_empty());
    }
}
