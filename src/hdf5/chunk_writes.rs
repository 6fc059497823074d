//! How one column's new rows reach its chunks: through HDF5's filter pipeline, as whole chunks
//! written directly, or as a last, partly filled chunk; and, in the durable modes, the rule that
//! makes a crash harmless: a chunk, once in the file, keeps its place and its size.
//!
//! HDF5 frees a chunk that is rewritten at another size and may hand its space to the next
//! allocation before the chunk index that still points at it is durable, so a writer killed in
//! between leaves an index pointing at another dataset's bytes. The durable modes therefore never
//! resize a chunk: a partly filled chunk is stored at its full size, unfiltered, and completed in
//! place by later flushes.

use super::{edge_chunk, fletcher32};
use crate::error::Result;
use std::borrow::Cow;
use std::ops::Range;

/// How a column's chunks are written, chosen when its dataset is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkWrites {
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
    /// No pipeline: whole chunks written directly, partial ones as hyperslabs, which HDF5 stores
    /// in a chunk of full size that later rows complete in place.
    InPlace {
        /// Rows per chunk.
        rows: u64,
    },
    /// A compressed dataset in a durable mode: chunks written whole at once go through the
    /// pipeline; a chunk written in parts is stored raw (its compression `filters` skipped) at
    /// its full size, rewritten in place as it fills, and stays raw once complete.
    InPlaceFiltered {
        /// Rows per chunk.
        rows: u64,
        /// Compression filters, first in the dataset's pipeline (a checksum comes after them).
        filters: u32,
    },
}

/// The rows of one column to write: `bytes` holds rows `from..end`, of which rows before
/// `on_disk` are in the file already (a partial chunk's, kept to rewrite it whole).
#[derive(Clone, Copy, Debug)]
pub struct ColumnRows<'a> {
    pub from: u64,
    pub end: u64,
    pub on_disk: u64,
    pub row_bytes: usize,
    pub bytes: &'a [u8],
    /// No rows follow: the snapshot is complete with these.
    pub completing: bool,
}

impl<'a> ColumnRows<'a> {
    fn slice(&self, rows: Range<u64>) -> &'a [u8] {
        let offset = |row: u64| (row - self.from) as usize * self.row_bytes;
        &self.bytes[offset(rows.start)..offset(rows.end)]
    }
}

/// One write into a dataset.
#[derive(Debug, PartialEq, Eq)]
pub enum ChunkOp<'a> {
    /// Rows as a hyperslab, through HDF5's pipeline.
    Rows { rows: Range<u64>, bytes: &'a [u8] },
    /// A whole chunk's stored bytes, with the filters of `filter_mask` skipped.
    Chunk {
        start: u64,
        filter_mask: u32,
        bytes: Cow<'a, [u8]>,
    },
}

/// The writes that put rows `on_disk.max(from)..end` of `rows` into a dataset written as
/// `writes` says; with `checksum`, the dataset's pipeline ends with HDF5's Fletcher-32, which
/// chunks written directly carry too. Chunks are encoded here, outside HDF5's lock.
pub fn plan<'a>(
    writes: ChunkWrites,
    checksum: bool,
    rows: &ColumnRows<'a>,
) -> Result<Vec<ChunkOp<'a>>> {
    let first = rows.on_disk.max(rows.from);
    let end = rows.end;
    let mut ops = Vec::new();
    if first >= end {
        return Ok(ops);
    }
    let pipeline = |range: Range<u64>| ChunkOp::Rows {
        bytes: rows.slice(range.clone()),
        rows: range,
    };
    let stored = |bytes: Cow<'a, [u8]>| match checksum {
        true => Cow::Owned(fletcher32::append(&bytes)),
        false => bytes,
    };
    let direct = |start: u64, filter_mask: u32, chunk: u64| ChunkOp::Chunk {
        start,
        filter_mask,
        bytes: stored(Cow::Borrowed(rows.slice(start..start + chunk))),
    };
    match writes {
        ChunkWrites::Pipeline => ops.push(pipeline(first..end)),
        ChunkWrites::EdgeDeflate { rows: chunk } => {
            // Rows that complete a chunk already in the file go through the pipeline; whole
            // chunks as they are (the one filter skipped); the rows after the last boundary
            // as an encoded partial chunk.
            let (whole, tail) = whole_chunks(first, end, chunk);
            if first < whole.start {
                ops.push(pipeline(first..whole.start));
            }
            for start in whole.clone().step_by(chunk as usize) {
                ops.push(direct(start, 1, chunk));
            }
            if let Some(tail) = tail {
                let encoded =
                    edge_chunk::encode(rows.slice(tail.clone()), chunk as usize * rows.row_bytes)?;
                ops.push(ChunkOp::Chunk {
                    start: tail.start,
                    filter_mask: 0,
                    bytes: stored(Cow::Owned(encoded)),
                });
            }
        }
        ChunkWrites::InPlace { rows: chunk } => {
            let (whole, tail) = whole_chunks(first, end, chunk);
            if first < whole.start {
                ops.push(pipeline(first..whole.start));
            }
            for start in whole.step_by(chunk as usize) {
                ops.push(direct(start, 0, chunk));
            }
            if let Some(tail) = tail {
                ops.push(pipeline(tail));
            }
        }
        ChunkWrites::InPlaceFiltered {
            rows: chunk,
            filters,
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
                        ops.push(pipeline(range));
                    }
                    debug_assert!(start >= rows.from, "a partial chunk's rows are kept");
                    let mut bytes = rows.slice(start..stop.min(end)).to_vec();
                    bytes.resize(chunk as usize * rows.row_bytes, 0);
                    ops.push(ChunkOp::Chunk {
                        start,
                        filter_mask: raw,
                        bytes: stored(Cow::Owned(bytes)),
                    });
                } else {
                    // A chunk new to the file, whole (or the snapshot's last): never rewritten.
                    let stop = stop.min(end);
                    new_whole = Some(new_whole.map_or(start..stop, |r| r.start..stop));
                }
                start += chunk;
            }
            if let Some(range) = new_whole {
                ops.push(pipeline(range));
            }
        }
    }
    Ok(ops)
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
            completing: false,
        }
    }

    fn summary(ops: &[ChunkOp]) -> Vec<String> {
        ops.iter()
            .map(|op| match op {
                ChunkOp::Rows { rows, bytes } => {
                    assert_eq!(bytes.len() as u64, rows.end - rows.start);
                    format!("rows {rows:?}")
                }
                ChunkOp::Chunk {
                    start,
                    filter_mask,
                    bytes,
                } => format!("chunk {start} mask {filter_mask} {}", bytes.len()),
            })
            .collect()
    }

    #[test]
    fn in_place_completes_a_partial_chunk_in_place_and_writes_whole_ones_directly() {
        let bytes: Vec<u8> = (0..30).collect();
        let ops = plan(
            ChunkWrites::InPlace { rows: 8 },
            false,
            &rows(5, 35, 5, &bytes),
        )
        .unwrap();
        assert_eq!(
            summary(&ops),
            [
                "rows 5..8",
                "chunk 8 mask 0 8",
                "chunk 16 mask 0 8",
                "chunk 24 mask 0 8",
                "rows 32..35"
            ]
        );
    }

    #[test]
    fn in_place_filtered_keeps_a_chunk_written_in_parts_raw_and_full_sized() {
        // Rows 8..13 were written before (a partial chunk); the kept rows come again.
        let bytes: Vec<u8> = (8..30).collect();
        let writes = ChunkWrites::InPlaceFiltered {
            rows: 8,
            filters: 2,
        };
        let ops = plan(writes, false, &rows(8, 30, 13, &bytes)).unwrap();
        assert_eq!(
            summary(&ops),
            ["chunk 8 mask 3 8", "rows 16..24", "chunk 24 mask 3 8"]
        );
        let ChunkOp::Chunk { bytes: tail, .. } = &ops[2] else {
            unreachable!()
        };
        assert_eq!(&tail[..], &[24, 25, 26, 27, 28, 29, 0, 0]);
        let completing = ColumnRows {
            completing: true,
            ..rows(8, 30, 13, &bytes)
        };
        assert_eq!(
            summary(&plan(writes, false, &completing).unwrap()),
            ["chunk 8 mask 3 8", "rows 16..30"]
        );
    }

    #[test]
    fn edge_deflate_encodes_the_last_partial_chunk() {
        let bytes = vec![7u8; 20];
        let ops = plan(
            ChunkWrites::EdgeDeflate { rows: 8 },
            false,
            &rows(3, 23, 3, &bytes),
        )
        .unwrap();
        let summary = summary(&ops);
        assert_eq!(summary.len(), 3, "{summary:?}");
        assert_eq!(&summary[..2], ["rows 3..8", "chunk 8 mask 1 8"]);
        assert!(summary[2].starts_with("chunk 16 mask 0"), "{summary:?}");
    }

    #[test]
    fn direct_chunks_carry_their_checksum() {
        let bytes: Vec<u8> = (0..16).collect();
        let ops = plan(
            ChunkWrites::InPlace { rows: 8 },
            true,
            &rows(0, 12, 0, &bytes),
        )
        .unwrap();
        assert_eq!(summary(&ops), ["chunk 0 mask 0 12", "rows 8..12"]);
        let ChunkOp::Chunk { bytes: stored, .. } = &ops[0] else {
            unreachable!()
        };
        assert_eq!(stored[..], fletcher32::append(&bytes[..8])[..]);
    }

    #[test]
    fn rows_already_on_disk_are_not_written_again() {
        let bytes: Vec<u8> = (0..16).collect();
        let ops = plan(ChunkWrites::Pipeline, false, &rows(0, 16, 10, &bytes)).unwrap();
        assert_eq!(summary(&ops), ["rows 10..16"]);
        assert!(plan(ChunkWrites::Pipeline, false, &rows(0, 16, 16, &bytes))
            .unwrap()
            .is_empty());
    }
}
