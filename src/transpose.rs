//! Rows to columns: the one pass that turns a buffer of records into one contiguous column per
//! field, ready for one HDF5 write each.
//!
//! Gathering 4-byte values one by one is bound by instructions, not memory: about seven per
//! value. So runs of four adjacent 4-byte fields (most of a SAGE record) move four rows at a
//! time as a 4x4 tile of 32-bit values, four 16-byte loads, a shuffle and four 16-byte stores:
//! 1.5 instructions per value. The records are taken in blocks that stay in L2 and each column
//! of a block is written before the next, so the 54 columns are not 54 interleaved store
//! streams and need no staggering against cache aliasing (measured: no difference).

use crate::schema::{Field, Schema};
use std::ops::Range;

/// Rows per transpose block: 256 SAGE records are 58 KiB, which stays in L2 while every field
/// of the block is gathered.
const BLOCK_ROWS: usize = 256;

/// Gathers each field of `schema` from `records` (whole records; a trailing partial record is
/// ignored) into its own contiguous column of `out`, and returns where each field's column is,
/// in field order. `out` grows as needed and is meant to be reused.
///
/// ```
/// use galaxy_io::{Dtype, Field, Schema};
/// use galaxy_io::blocks::transpose;
/// let fields = vec![Field::scalar("a", 0, Dtype::I32), Field::scalar("b", 4, Dtype::F32)];
/// let schema = Schema::new(fields, 8)?;
/// let records: Vec<u8> = [(1i32, 0.5f32), (2, 1.5)]
///     .iter()
///     .flat_map(|(a, b)| [a.to_ne_bytes(), b.to_ne_bytes()].concat())
///     .collect();
/// let mut columns = Vec::new();
/// let ranges = transpose(&records, &schema, &mut columns);
/// let a: Vec<i32> = columns[ranges[0].clone()]
///     .chunks_exact(4)
///     .map(|b| i32::from_ne_bytes(b.try_into().unwrap()))
///     .collect();
/// assert_eq!(a, [1, 2]);
/// # Ok::<(), galaxy_io::Error>(())
/// ```
pub fn transpose(records: &[u8], schema: &Schema, out: &mut Vec<u8>) -> Vec<Range<usize>> {
    // A schema's fields lie inside its records, which is what the slicing below relies on.
    let (record_size, fields) = (schema.record_size(), schema.fields());
    let rows = records.len().checked_div(record_size).unwrap_or(0);
    let mut ranges = Vec::with_capacity(fields.len());
    let mut start = 0;
    for field in fields {
        let len = rows * field.size();
        ranges.push(start..start + len);
        start += len;
    }
    if out.len() < start {
        out.resize(start, 0);
    }
    let runs = runs_of_four(fields);
    let mut block_start = 0;
    while block_start < rows {
        let block_end = (block_start + BLOCK_ROWS).min(rows);
        let block = &records[block_start * record_size..block_end * record_size];
        let mut index = 0;
        while index < fields.len() {
            if runs.get(index) == Some(&true) {
                let stride = ranges[index + 1].start - ranges[index].start;
                let run = &mut out[ranges[index].start..ranges[index + 3].end];
                gather_four(
                    block,
                    record_size,
                    fields[index].offset,
                    run,
                    stride,
                    block_start,
                );
                index += 4;
            } else {
                let field = &fields[index];
                let size = field.size();
                let column = &mut out[ranges[index].clone()];
                let column = &mut column[block_start * size..block_end * size];
                gather(block, record_size, field.offset, size, column);
                index += 1;
            }
        }
        block_start = block_end;
    }
    ranges
}

/// For each field: whether it starts a run of four 4-byte fields that lie back to back in the
/// record (and the next three are then part of that run).
pub(crate) fn runs_of_four(fields: &[Field]) -> Vec<bool> {
    let mut starts = vec![false; fields.len()];
    let mut index = 0;
    while index + 4 <= fields.len() {
        let run = &fields[index..index + 4];
        let adjacent = run
            .iter()
            .enumerate()
            .all(|(i, field)| field.size() == 4 && field.offset == run[0].offset + 4 * i);
        if adjacent {
            starts[index] = true;
            index += 4;
        } else {
            index += 1;
        }
    }
    starts
}

/// Gathers four adjacent 4-byte fields at `offset` of every record in `block` into four
/// columns of `out`, `stride` bytes apart, at row `first_row` onwards.
fn gather_four(
    block: &[u8],
    record_size: usize,
    offset: usize,
    out: &mut [u8],
    stride: usize,
    first_row: usize,
) {
    // Stated once so that the compiler can drop the per-row bounds checks.
    assert!(offset + 16 <= record_size);
    let rows = block.len() / record_size;
    let span = first_row * 4..(first_row + rows) * 4;
    let (first, rest) = out.split_at_mut(stride);
    let (second, rest) = rest.split_at_mut(stride);
    let (third, fourth) = rest.split_at_mut(stride);
    let [c0, c1, c2, c3] = [first, second, third, fourth].map(|c| &mut c[span.clone()]);
    let quads = block.chunks_exact(4 * record_size);
    let tail = quads.remainder();
    let whole = quads.len() * 16;
    for ((((quad, o0), o1), o2), o3) in quads
        .zip(c0.chunks_exact_mut(16))
        .zip(c1.chunks_exact_mut(16))
        .zip(c2.chunks_exact_mut(16))
        .zip(c3.chunks_exact_mut(16))
    {
        let line = |r: usize| -> &[u8; 16] {
            let at = r * record_size + offset;
            quad[at..at + 16].try_into().expect("16 bytes")
        };
        let [t0, t1, t2, t3] = transpose_tile([line(0), line(1), line(2), line(3)]);
        o0.copy_from_slice(&t0);
        o1.copy_from_slice(&t1);
        o2.copy_from_slice(&t2);
        o3.copy_from_slice(&t3);
    }
    for (index, column) in [c0, c1, c2, c3].into_iter().enumerate() {
        let field_offset = offset + index * 4;
        gather(tail, record_size, field_offset, 4, &mut column[whole..]);
    }
}

/// Four rows of four 32-bit values in, four columns of four values out.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn transpose_tile(rows: [&[u8; 16]; 4]) -> [[u8; 16]; 4] {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline; the loads read 16 bytes from 16-byte arrays
    // and the stores write into 16-byte arrays, both unaligned-tolerant.
    unsafe {
        let [r0, r1, r2, r3] = rows.map(|row| _mm_loadu_si128(row.as_ptr().cast()));
        let low01 = _mm_unpacklo_epi32(r0, r1);
        let low23 = _mm_unpacklo_epi32(r2, r3);
        let high01 = _mm_unpackhi_epi32(r0, r1);
        let high23 = _mm_unpackhi_epi32(r2, r3);
        let columns = [
            _mm_unpacklo_epi64(low01, low23),
            _mm_unpackhi_epi64(low01, low23),
            _mm_unpacklo_epi64(high01, high23),
            _mm_unpackhi_epi64(high01, high23),
        ];
        let mut out = [[0u8; 16]; 4];
        for (out, column) in out.iter_mut().zip(columns) {
            _mm_storeu_si128(out.as_mut_ptr().cast(), column);
        }
        out
    }
}

/// Four rows of four 32-bit values in, four columns of four values out.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn transpose_tile(rows: [&[u8; 16]; 4]) -> [[u8; 16]; 4] {
    portable_tile(rows)
}

/// [`transpose_tile`] in plain Rust, for other targets (and to check the SIMD one against).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn portable_tile(rows: [&[u8; 16]; 4]) -> [[u8; 16]; 4] {
    let mut out = [[0u8; 16]; 4];
    for (r, row) in rows.iter().enumerate() {
        for (column, out) in out.iter_mut().enumerate() {
            out[r * 4..r * 4 + 4].copy_from_slice(&row[column * 4..column * 4 + 4]);
        }
    }
    out
}

/// Copies the `size` bytes at `offset` of every record into `out`, back to back. The common
/// widths get their own loops so that the compiler emits plain loads and stores.
fn gather(records: &[u8], record_size: usize, offset: usize, size: usize, out: &mut [u8]) {
    fn fixed<const N: usize>(records: &[u8], record_size: usize, offset: usize, out: &mut [u8]) {
        // Stated once so that the compiler can drop the per-record bounds checks.
        assert!(offset + N <= record_size);
        for (record, value) in records
            .chunks_exact(record_size)
            .zip(out.chunks_exact_mut(N))
        {
            value.copy_from_slice(&record[offset..offset + N]);
        }
    }
    match size {
        4 => fixed::<4>(records, record_size, offset, out),
        8 => fixed::<8>(records, record_size, offset, out),
        12 => fixed::<12>(records, record_size, offset, out),
        _ => {
            for (record, value) in records
                .chunks_exact(record_size)
                .zip(out.chunks_exact_mut(size))
            {
                value.copy_from_slice(&record[offset..offset + size]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dtype;

    #[test]
    fn the_tile_kernel_is_a_transpose() {
        let rows: [[u8; 16]; 4] =
            std::array::from_fn(|r| std::array::from_fn(|i| (r * 16 + i) as u8));
        let tile = transpose_tile([&rows[0], &rows[1], &rows[2], &rows[3]]);
        assert_eq!(
            tile,
            portable_tile([&rows[0], &rows[1], &rows[2], &rows[3]])
        );
        assert_eq!(tile[1][..4], rows[0][4..8]);
        assert_eq!(tile[1][4..8], rows[1][4..8]);
        assert_eq!(tile[3][12..], rows[3][12..]);
    }

    /// Every column holds exactly its field's bytes, for record shapes that mix runs of four,
    /// wider fields, partial runs and row counts that are not multiples of four.
    #[test]
    fn columns_hold_each_fields_bytes() {
        let mut fields = Vec::new();
        let mut offset = 0;
        for (i, dtype) in [
            Dtype::I32,
            Dtype::F32,
            Dtype::F32,
            Dtype::F32,
            Dtype::F32,
            Dtype::I64,
            Dtype::F32,
            Dtype::F32,
            Dtype::F32,
            Dtype::F64,
            Dtype::F32,
            Dtype::F32,
            Dtype::F32,
            Dtype::F32,
            Dtype::I32,
        ]
        .into_iter()
        .enumerate()
        {
            fields.push(Field::scalar(format!("f{i}"), offset, dtype));
            offset += dtype.size();
        }
        let record_size = offset;
        let schema = Schema::new(fields.clone(), record_size).unwrap();
        for rows in [0, 1, 3, 4, 5, 255, 256, 257, 1031] {
            let records: Vec<u8> = (0..rows * record_size)
                .map(|i| (i * 7 % 251) as u8)
                .collect();
            let mut out = vec![0xAA; 3];
            let ranges = transpose(&records, &schema, &mut out);
            for (field, range) in fields.iter().zip(&ranges) {
                let expected: Vec<u8> = records
                    .chunks_exact(record_size)
                    .flat_map(|r| r[field.offset..field.offset + field.size()].to_vec())
                    .collect();
                assert_eq!(
                    &out[range.clone()],
                    expected.as_slice(),
                    "{} at {rows} rows",
                    field.name
                );
            }
        }
    }
}
