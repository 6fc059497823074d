//! Rows in and out of a dataset: a column's chunks and hyperslabs written under one lock, rows
//! read into a buffer.

use super::{check, check_id, locked, Owned};
use crate::error::{Error, Result};
use crate::hdf5::write::chunk_writes::{Bytes, ChunkOp};
use hdf5_sys::h5::hsize_t;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;

/// A column's dataset as [`write_column`] needs it.
pub(crate) struct ColumnTarget<'a> {
    pub dataset: hid_t,
    /// The dimensions after the first (empty for a 1-D dataset).
    pub inner: &'a [usize],
    /// Native element type of the bytes.
    pub mem_type: hid_t,
    /// The rows the dataset must have, when it grows with them (it is extendable).
    pub extend_to: Option<u64>,
}

/// Extends the dataset (when it grows) and carries out `ops`, whose bytes are in `rows` or
/// `arena`, holding HDF5's lock once for them all. A chunk's checksum goes into the 4 bytes
/// after it while it is written, which are then restored: `rows` and `arena` have 4 bytes to
/// spare after their last byte. Idempotent: repeating it after a failure writes the same rows
/// again, never more.
pub(crate) fn write_column(
    target: &ColumnTarget,
    ops: &[ChunkOp],
    (rows, arena): (&mut [u8], &mut [u8]),
    context: impl Fn() -> String,
) -> Result<()> {
    locked(|| {
        // SAFETY: the ids are valid for the call; the extent and offsets have the dataset's
        // rank, and every buffer handed over holds exactly the rows or chunk it is written to
        // (the plan slices them so).
        unsafe {
            use hdf5_sys::h5d;
            let mut coords: Vec<hsize_t> = Vec::with_capacity(1 + target.inner.len());
            if let Some(rows) = target.extend_to {
                coords.push(rows);
                coords.extend(target.inner.iter().map(|&dim| dim as hsize_t));
                check(h5d::H5Dset_extent(target.dataset, coords.as_ptr()), || {
                    format!("extending {} to {rows} rows", context())
                })?;
            }
            coords.clear();
            coords.resize(1 + target.inner.len(), 0);
            for op in ops {
                match op {
                    ChunkOp::Rows { rows: range, bytes } => {
                        let bytes = match bytes {
                            Bytes::Column(at) => &rows[at.clone()],
                            Bytes::Arena(at) => &arena[at.clone()],
                        };
                        write_hyperslab(target, range.clone(), bytes, &context)?
                    }
                    ChunkOp::Chunk {
                        start,
                        filter_mask,
                        bytes,
                        checksum,
                    } => {
                        coords[0] = *start;
                        let (buffer, at) = match bytes {
                            Bytes::Column(at) => (&mut *rows, at.clone()),
                            Bytes::Arena(at) => (&mut *arena, at.clone()),
                        };
                        let spare = at.end..at.end + 4;
                        let after: [u8; 4] = buffer[spare.clone()]
                            .try_into()
                            .expect("4 bytes to spare after the rows");
                        let stored = match checksum {
                            Some(value) => {
                                buffer[spare.clone()].copy_from_slice(&value.to_le_bytes());
                                at.start..spare.end
                            }
                            None => at,
                        };
                        let written = check(
                            h5d::H5Dwrite_chunk(
                                target.dataset,
                                H5P_DEFAULT,
                                *filter_mask,
                                coords.as_ptr(),
                                stored.len(),
                                buffer[stored].as_ptr().cast(),
                            ),
                            || format!("writing the chunk at row {start} of {}", context()),
                        );
                        buffer[spare].copy_from_slice(&after);
                        written?
                    }
                }
            }
            Ok(())
        }
    })
}

/// Writes `bytes` into rows `range` of the dataset through HDF5's pipeline.
///
/// # Safety
/// The dataset must be a valid dataset id at least `range.end` rows long, with `target.inner`
/// after its first dimension, and `bytes` exactly those rows; call under [`locked`].
unsafe fn write_hyperslab(
    target: &ColumnTarget,
    range: std::ops::Range<u64>,
    bytes: &[u8],
    context: &impl Fn() -> String,
) -> Result<()> {
    if range.is_empty() {
        return Ok(());
    }
    let mut start = vec![0; 1 + target.inner.len()];
    start[0] = range.start;
    let count: Vec<hsize_t> = std::iter::once(range.end - range.start)
        .chain(target.inner.iter().map(|&dim| dim as hsize_t))
        .collect();
    let (file_space, memory) = select_rows(target.dataset, &start, &count, context)?;
    check(
        hdf5_sys::h5d::H5Dwrite(
            target.dataset,
            target.mem_type,
            memory.0,
            file_space.0,
            H5P_DEFAULT,
            bytes.as_ptr().cast(),
        ),
        || {
            format!(
                "writing rows {}..{} of {}",
                range.start,
                range.end,
                context()
            )
        },
    )
}

/// Reads rows `first..first + rows` of `dataset` (each of `row_bytes` bytes of `mem_type`
/// elements) into `out`.
pub(crate) fn read_rows(
    dataset: hid_t,
    mem_type: hid_t,
    first: u64,
    rows: u64,
    out: &mut [u8],
) -> Result<()> {
    let context = || format!("reading rows {first}..{}", first + rows);
    locked(|| unsafe {
        // SAFETY: valid ids; the selection has the dataset's rank and `out` is checked to hold
        // exactly the selected elements.
        use hdf5_sys::{h5d, h5s, h5t};
        let space = Owned(
            check_id(h5d::H5Dget_space(dataset), context)?,
            h5s::H5Sclose,
        );
        let rank = check_id(h5s::H5Sget_simple_extent_ndims(space.0).into(), context)? as usize;
        let mut count = vec![0; rank];
        let found =
            h5s::H5Sget_simple_extent_dims(space.0, count.as_mut_ptr(), std::ptr::null_mut());
        check(found.min(0), context)?;
        let mut start = vec![0; rank];
        start[0] = first;
        count[0] = rows;
        let elements: u64 = count.iter().product();
        if elements as usize * h5t::H5Tget_size(mem_type) != out.len() {
            return Err(Error::hdf5(
                context(),
                "the output does not match the selection",
            ));
        }
        let (file_space, memory) = select_rows(dataset, &start, &count, context)?;
        check(
            h5d::H5Dread(
                dataset,
                mem_type,
                memory.0,
                file_space.0,
                H5P_DEFAULT,
                out.as_mut_ptr().cast(),
            ),
            context,
        )
    })
}

/// The dataset's space with the rows `start..start + count` selected, and a memory space of
/// that shape.
///
/// # Safety
/// `dataset` must be a valid dataset id and `start`/`count` have its rank; call under [`locked`].
unsafe fn select_rows(
    dataset: hid_t,
    start: &[hsize_t],
    count: &[hsize_t],
    context: impl Fn() -> String,
) -> Result<(Owned, Owned)> {
    use hdf5_sys::{h5d, h5s};
    let file_space = Owned(
        check_id(h5d::H5Dget_space(dataset), &context)?,
        h5s::H5Sclose,
    );
    check(
        h5s::H5Sselect_hyperslab(
            file_space.0,
            h5s::H5S_seloper_t::H5S_SELECT_SET,
            start.as_ptr(),
            std::ptr::null(),
            count.as_ptr(),
            std::ptr::null(),
        ),
        &context,
    )?;
    let memory = Owned(
        check_id(
            h5s::H5Screate_simple(count.len() as i32, count.as_ptr(), std::ptr::null()),
            &context,
        )?,
        h5s::H5Sclose,
    );
    Ok((file_space, memory))
}
