//! Minimum, median and maximum of a column of any size, in bounded memory: the column is read in
//! slabs, and for a column larger than one slab the median is found exactly by radix selection
//! over the values' bit patterns (four more passes, 16 bits each).

use galaxy_io::{Catalogue, Dtype, Result};

/// Rows read at a time.
const SLAB_ROWS: u64 = 1 << 20;
/// Columns with at most this many values are sorted in memory.
const SORTED_AT_MOST: usize = 1 << 21;

/// What a column holds, over its finite values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Finite values.
    pub count: u64,
    /// Smallest.
    pub min: f64,
    /// The middle value of the sorted values (the upper one of the two middle values when
    /// there is an even number).
    pub median: f64,
    /// Largest.
    pub max: f64,
}

/// The summary of one field of one snapshot, or `None` when it has no finite value.
pub fn summarise(catalogue: &Catalogue, snapshot: u32, name: &str) -> Result<Option<Summary>> {
    let rows = catalogue.num_galaxies(snapshot)?;
    let slabs = || Slabs {
        catalogue,
        snapshot,
        name,
        rows,
    };
    let (mut count, mut min, mut max) = (0u64, f64::INFINITY, f64::NEG_INFINITY);
    let mut kept = Some(Vec::new());
    slabs().for_each(|values| {
        for &value in values.iter().filter(|v| v.is_finite()) {
            count += 1;
            min = min.min(value);
            max = max.max(value);
            if let Some(kept_values) = &mut kept {
                if kept_values.len() < SORTED_AT_MOST {
                    kept_values.push(value);
                } else {
                    kept = None;
                }
            }
        }
    })?;
    if count == 0 {
        return Ok(None);
    }
    let rank = count / 2;
    let median = match kept {
        Some(mut values) => {
            values.sort_unstable_by(f64::total_cmp);
            values[rank as usize]
        }
        None => select(slabs, rank)?,
    };
    Ok(Some(Summary {
        count,
        min,
        median,
        max,
    }))
}

/// The value of rank `rank` among the finite values, by radix selection on order-preserving
/// keys: each pass counts the next 16 bits of the keys that share the prefix found so far.
fn select<'a>(slabs: impl Fn() -> Slabs<'a>, mut rank: u64) -> Result<f64> {
    let mut prefix = 0u64;
    for pass in 0..4u32 {
        let shift = 48 - 16 * pass;
        let mut histogram = vec![0u64; 1 << 16];
        slabs().for_each(|values| {
            for key in values.iter().filter(|v| v.is_finite()).map(|&v| key(v)) {
                let matches = pass == 0 || key >> (shift + 16) == prefix;
                if matches {
                    histogram[((key >> shift) & 0xFFFF) as usize] += 1;
                }
            }
        })?;
        let mut bucket = 0;
        while rank >= histogram[bucket] {
            rank -= histogram[bucket];
            bucket += 1;
        }
        prefix = (prefix << 16) | bucket as u64;
    }
    Ok(value(prefix))
}

/// A key that sorts like the float: sign bit flipped for positives, all bits for negatives.
fn key(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn value(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// One pass over a column, slab by slab, as `f64` (array fields flattened).
struct Slabs<'a> {
    catalogue: &'a Catalogue,
    snapshot: u32,
    name: &'a str,
    rows: u64,
}

impl Slabs<'_> {
    fn for_each(self, mut f: impl FnMut(&[f64])) -> Result<()> {
        let mut start = 0;
        while start < self.rows {
            let end = (start + SLAB_ROWS).min(self.rows);
            let (field, bytes) =
                self.catalogue
                    .read_field_rows(self.snapshot, self.name, start..end)?;
            f(&as_f64(field.dtype, &bytes));
            start = end;
        }
        Ok(())
    }
}

/// A whole column as `f64` (array fields flattened), for the plot.
pub fn column_as_f64(catalogue: &Catalogue, snapshot: u32, name: &str) -> Result<Vec<f64>> {
    let rows = catalogue.num_galaxies(snapshot)?;
    let (field, bytes) = catalogue.read_field_rows(snapshot, name, 0..rows)?;
    Ok(as_f64(field.dtype, &bytes))
}

/// Values of `dtype`, back to back, as `f64`.
pub fn as_f64(dtype: Dtype, bytes: &[u8]) -> Vec<f64> {
    macro_rules! convert {
        ($ty:ty) => {
            bytemuck::pod_collect_to_vec::<u8, $ty>(bytes)
                .into_iter()
                .map(|v| v as f64)
                .collect()
        };
    }
    match dtype {
        Dtype::I8 => convert!(i8),
        Dtype::I16 => convert!(i16),
        Dtype::I32 => convert!(i32),
        Dtype::I64 => convert!(i64),
        Dtype::U8 => convert!(u8),
        Dtype::U16 => convert!(u16),
        Dtype::U32 => convert!(u32),
        Dtype::U64 => convert!(u64),
        Dtype::F32 => convert!(f32),
        Dtype::F64 => convert!(f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_floats_and_round_trip() {
        let values = [-1e300, -2.5, -0.0, 0.0, 1e-310, 3.0, 1e308];
        for pair in values.windows(2) {
            assert!(key(pair[0]) <= key(pair[1]), "{pair:?}");
        }
        for v in values {
            assert_eq!(value(key(v)).to_bits(), v.to_bits());
        }
    }
}
