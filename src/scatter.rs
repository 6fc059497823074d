//! Columns to rows, the inverse of [`transpose`](crate::transpose): one field's values, back to
//! back, copied into that field's bytes of each record. The reader fills records this way, a slab
//! of rows at a time, and `recover` when it salvages rows into a new file.

use crate::schema::Field;

/// Copies `column` (one value of `field` per record, back to back) into that field's bytes of
/// each record of `records` (whole records of `record_size` bytes; as many as both have).
///
/// The copy of each value has a size known to the compiler for the common field sizes, so that
/// it is one load and one store rather than a call to `memcpy` per value.
pub(crate) fn scatter(column: &[u8], field: &Field, records: &mut [u8], record_size: usize) {
    let size = field.size();
    match size {
        1 => scatter_sized::<1>(column, field.offset, records, record_size),
        2 => scatter_sized::<2>(column, field.offset, records, record_size),
        4 => scatter_sized::<4>(column, field.offset, records, record_size),
        8 => scatter_sized::<8>(column, field.offset, records, record_size),
        12 => scatter_sized::<12>(column, field.offset, records, record_size),
        16 => scatter_sized::<16>(column, field.offset, records, record_size),
        24 => scatter_sized::<24>(column, field.offset, records, record_size),
        _ => {
            for (record, value) in records
                .chunks_exact_mut(record_size)
                .zip(column.chunks_exact(size.max(1)))
            {
                record[field.offset..field.offset + size].copy_from_slice(value);
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
        let value: &[u8; N] = value.try_into().expect("chunks of N bytes");
        record[offset..offset + N].copy_from_slice(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::Dtype;

    #[test]
    fn every_size_lands_at_its_offset_in_every_record() {
        for (dtype, shape) in [
            (Dtype::U8, vec![]),
            (Dtype::I16, vec![]),
            (Dtype::F32, vec![]),
            (Dtype::F64, vec![]),
            (Dtype::F32, vec![3]),
            (Dtype::F64, vec![2]),
            (Dtype::F64, vec![3]),
            (Dtype::I8, vec![5]),
        ] {
            let mut field = Field::scalar("x", 3, dtype);
            field.shape = shape;
            let size = field.size();
            let record_size = size + 5;
            let rows = 7;
            let column: Vec<u8> = (0..rows * size).map(|i| i as u8 + 1).collect();
            let mut records = vec![0u8; rows * record_size];
            scatter(&column, &field, &mut records, record_size);
            for row in 0..rows {
                let record = &records[row * record_size..(row + 1) * record_size];
                assert_eq!(&record[3..3 + size], &column[row * size..(row + 1) * size]);
                assert!(record[..3]
                    .iter()
                    .chain(&record[3 + size..])
                    .all(|&b| b == 0));
            }
        }
    }
}
