//! Columns to rows, the inverse of [`transpose`](crate::blocks::transpose): each field's values, back to
//! back, copied into that field's bytes of each record. The reader fills records this way, a slab
//! of rows at a time, and `recover` when it salvages rows into a new file.
//!
//! As in the transpose, runs of four adjacent 4-byte fields move four rows at a time as a 4x4
//! tile of 32-bit values (the transpose of a tile is its own inverse), and the other fields with
//! copies whose size the compiler knows: one load and one store per value, not a `memcpy` call.

use crate::schema::{Field, Schema};
use crate::transpose::{runs_of_four, transpose_tile};
use std::ops::Range;

/// Rows per block: the records of a block stay in L1/L2 while every field is scattered into
/// them.
const BLOCK_ROWS: usize = 256;

/// Copies the columns of `schema`'s fields (field `i`'s values back to back at `columns[ranges[i]]`,
/// one per record) into the records `records` (whole records of the schema's size, as many as the
/// columns have values).
pub(crate) fn untranspose(
    columns: &[u8],
    ranges: &[Range<usize>],
    schema: &Schema,
    records: &mut [u8],
) {
    let (record_size, fields) = (schema.record_size(), schema.fields());
    let rows = records.len().checked_div(record_size).unwrap_or(0);
    let runs = runs_of_four(fields);
    let mut block_start = 0;
    while block_start < rows {
        let block_end = (block_start + BLOCK_ROWS).min(rows);
        let block = &mut records[block_start * record_size..block_end * record_size];
        let mut index = 0;
        while index < fields.len() {
            if runs.get(index) == Some(&true) {
                let quad: [&[u8]; 4] = std::array::from_fn(|i| {
                    &columns[ranges[index + i].clone()][block_start * 4..block_end * 4]
                });
                scatter_four(quad, fields[index].offset, block, record_size);
                index += 4;
            } else {
                let field = &fields[index];
                let size = field.size();
                let column = &columns[ranges[index].clone()][block_start * size..block_end * size];
                scatter(column, field, block, record_size);
                index += 1;
            }
        }
        block_start = block_end;
    }
}

/// Copies `column` (one value of `field` per record, back to back) into that field's bytes of
/// each record of `records` (whole records of `record_size` bytes; as many as both have).
pub(crate) fn scatter(column: &[u8], field: &Field, records: &mut [u8], record_size: usize) {
    let size = field.size();
    let offset = field.offset;
    match size {
        1 => scatter_sized::<1>(column, offset, records, record_size),
        2 => scatter_sized::<2>(column, offset, records, record_size),
        4 => scatter_sized::<4>(column, offset, records, record_size),
        8 => scatter_sized::<8>(column, offset, records, record_size),
        12 => scatter_sized::<12>(column, offset, records, record_size),
        16 => scatter_sized::<16>(column, offset, records, record_size),
        _ => {
            for (record, value) in records
                .chunks_exact_mut(record_size)
                .zip(column.chunks_exact(size.max(1)))
            {
                record[offset..offset + size].copy_from_slice(value);
            }
        }
    }
}

fn scatter_sized<const N: usize>(
    column: &[u8],
    offset: usize,
    records: &mut [u8],
    record_size: usize,
) {
    // Stated once so that the compiler can drop the per-row bounds checks.
    assert!(offset + N <= record_size);
    for (record, value) in records
        .chunks_exact_mut(record_size)
        .zip(column.chunks_exact(N))
    {
        record[offset..offset + N].copy_from_slice(value);
    }
}

/// Copies four columns of 4-byte values into four adjacent 4-byte fields at `offset` of every
/// record in `records`.
fn scatter_four(columns: [&[u8]; 4], offset: usize, records: &mut [u8], record_size: usize) {
    // Stated once so that the compiler can drop the per-row bounds checks.
    assert!(offset + 16 <= record_size);
    let quads = records.chunks_exact_mut(4 * record_size);
    let whole = quads.len() * 16;
    for ((((quad, c0), c1), c2), c3) in quads
        .zip(columns[0].chunks_exact(16))
        .zip(columns[1].chunks_exact(16))
        .zip(columns[2].chunks_exact(16))
        .zip(columns[3].chunks_exact(16))
    {
        let line = |c: &[u8]| -> [u8; 16] { c.try_into().expect("16 bytes") };
        let tile = transpose_tile([&line(c0), &line(c1), &line(c2), &line(c3)]);
        for (row, values) in tile.iter().enumerate() {
            let at = row * record_size + offset;
            quad[at..at + 16].copy_from_slice(values);
        }
    }
    let tail = &mut records[(whole / 16) * 4 * record_size..];
    for (index, column) in columns.into_iter().enumerate() {
        scatter_sized::<4>(&column[whole..], offset + 4 * index, tail, record_size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::Dtype;

    /// Records rebuilt from their columns are the records, for shapes that mix runs of four,
    /// wider and narrower fields, arrays and row counts that are not multiples of four.
    #[test]
    fn records_rebuilt_from_their_columns_are_the_records() {
        let mut fields = Vec::new();
        let mut offset = 0;
        for (i, (dtype, shape)) in [
            (Dtype::I32, vec![]),
            (Dtype::F32, vec![]),
            (Dtype::F32, vec![]),
            (Dtype::F32, vec![]),
            (Dtype::F32, vec![]),
            (Dtype::I64, vec![]),
            (Dtype::U8, vec![]),
            (Dtype::I16, vec![]),
            (Dtype::F32, vec![3]),
            (Dtype::F64, vec![2]),
            (Dtype::I8, vec![5]),
            (Dtype::F32, vec![]),
            (Dtype::F32, vec![]),
            (Dtype::F32, vec![]),
            (Dtype::F32, vec![]),
            (Dtype::F64, vec![3]),
        ]
        .into_iter()
        .enumerate()
        {
            let mut field = Field::scalar(format!("f{i}"), offset, dtype);
            field.shape = shape;
            offset += field.size();
            fields.push(field);
        }
        let record_size = offset + 3;
        let schema = Schema::new(fields, record_size).unwrap();
        for rows in [0, 1, 3, 4, 5, 255, 256, 257, 1031] {
            let mut records: Vec<u8> = (0..rows * record_size)
                .map(|i| (i * 7 % 251) as u8)
                .collect();
            // Bytes no field covers are left as they are: zero, as the reader allocates them.
            for record in records.chunks_exact_mut(record_size) {
                record[offset..].fill(0);
            }
            let mut columns = Vec::new();
            let ranges = crate::transpose::transpose(&records, &schema, &mut columns);
            let mut rebuilt = vec![0u8; records.len()];
            untranspose(&columns, &ranges, &schema, &mut rebuilt);
            assert_eq!(rebuilt, records, "{rows} rows");
        }
    }
}
