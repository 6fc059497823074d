//! A dataset's rows read checked: its shape, element type, filters and storage (external
//! files included) examined before a byte is read, and buffers sized from what was checked.

use super::attrs::describe;
use super::*;

/// The largest row (one galaxy's values of one field) a dataset may claim.
const MAX_ROW_BYTES: usize = 1 << 30;

/// A dataset of a snapshot group as a column of galaxies: its element type, the number of
/// galaxies (rows) it claims and the shape of each row, all checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ColumnShape {
    /// Element type.
    pub dtype: Dtype,
    /// Rows the dataset claims.
    pub rows: u64,
    /// Dimensions after the first.
    pub inner: Vec<usize>,
    /// Bytes of one row: the product of `inner` times the element size, checked.
    pub row_bytes: usize,
}

/// Checks that `dataset` is a column galaxy-io can read: a simple dataspace of one to seven
/// dimensions, a fixed-width integer or float type, and rows of an addressable size.
pub(crate) fn column(dataset: &hdf5::Dataset) -> Result<ColumnShape, Unreadable> {
    let space = dataset
        .space()
        .map_err(|e| Unreadable(format!("has no readable dataspace ({})", one_line(&e))))?;
    if space.is_null() {
        return unreadable("has no dataspace (null), so no galaxies");
    }
    if space.is_scalar() {
        return unreadable("is a scalar dataset, not a column of galaxies");
    }
    let shape = space.shape();
    if shape.len() > 1 + MAX_RANK {
        return unreadable(format!(
            "has {} dimensions; galaxy-io reads at most {}",
            shape.len(),
            1 + MAX_RANK
        ));
    }
    let datatype = dataset
        .dtype()
        .map_err(|e| Unreadable(format!("has no readable type ({})", one_line(&e))))?;
    let Some(dtype) = crate::hdf5::types::dtype_of(&datatype) else {
        let kind = datatype.to_descriptor().map_or_else(
            |_| "a type HDF5 cannot describe".to_owned(),
            |d| describe(&d),
        );
        return unreadable(format!(
            "holds values of type {kind}; galaxy-io reads integers and floats of 1 to 8 bytes"
        ));
    };
    let inner = shape[1..].to_vec();
    if inner.contains(&0) {
        return unreadable(format!(
            "has rows of shape {inner:?}: no values for any galaxy"
        ));
    }
    let row_bytes = inner
        .iter()
        .try_fold(dtype.size(), |n, &d| n.checked_mul(d))
        .filter(|&n| n <= MAX_ROW_BYTES)
        .ok_or_else(|| {
            Unreadable(format!(
                "claims rows of shape {inner:?} of {dtype}, too large for one galaxy"
            ))
        })?;
    Ok(ColumnShape {
        dtype,
        rows: shape[0] as u64,
        inner,
        row_bytes,
    })
}

/// Fails when `dataset` cannot give back the rows it claims: it is compressed with a filter this
/// build of HDF5 lacks, or claims rows that were never stored (a chunked dataset with fewer
/// allocated chunks than its rows need, or a contiguous one with less storage; such rows would
/// read as fill values, and a file can claim 2^40 of them in a few bytes).
pub(crate) fn check_readable(
    dataset: &hdf5::Dataset,
    column: &ColumnShape,
) -> Result<(), Unreadable> {
    check_filters(dataset)?;
    check_external(dataset, column)?;
    check_stored(dataset, column)
}

/// Fails when `dataset` keeps its rows in external files that cannot give them back: one that
/// is not a regular file (a FIFO would block, a device read as endless data), the dataset's own
/// HDF5 file (its structures would read as galaxies), or one shorter than the rows it must hold
/// (HDF5 reads what is missing as zeros). galaxy-io never writes external storage; other tools
/// may.
pub(crate) fn check_external(
    dataset: &hdf5::Dataset,
    column: &ColumnShape,
) -> Result<(), Unreadable> {
    let pieces =
        ffi::read::external_storage(dataset.id()).map_err(|e| Unreadable(e.to_string()))?;
    if pieces.is_empty() {
        return Ok(());
    }
    let own = PathBuf::from(dataset.filename());
    let own_identity = identity(&own);
    let mut needed = column.rows.saturating_mul(column.row_bytes as u64);
    for piece in pieces {
        if needed == 0 {
            break;
        }
        let path = resolve_external(&own, &piece.name);
        let keeps = || format!("keeps its rows in {}", path.display());
        let metadata = crate::hdf5::read::regular::regular_file(&path).map_err(|e| match e {
            Error::NotRegularFile { kind, .. } => {
                Unreadable(format!("{}, which is {kind}, not a regular file", keeps()))
            }
            other => Unreadable(format!("{}, which cannot be read ({other})", keeps())),
        })?;
        if identity(&path).is_some() && identity(&path) == own_identity {
            return unreadable(format!(
                "{}, its own HDF5 file, whose structures would read as galaxies",
                keeps()
            ));
        }
        let take = needed.min(piece.size);
        if metadata.len() < piece.offset.saturating_add(take) {
            return unreadable(format!(
                "{}, which has {} bytes; its rows need {} from byte {}",
                keeps(),
                metadata.len(),
                take,
                piece.offset
            ));
        }
        needed -= take;
    }
    if needed > 0 {
        return unreadable(format!(
            "claims {} rows, more than its external files hold",
            column.rows
        ));
    }
    Ok(())
}

/// An external file's name as HDF5 finds it: absolute as it is; otherwise after the prefix in
/// `HDF5_EXTFILE_PREFIX` (where `${ORIGIN}` is the directory of the HDF5 file), or else in the
/// current directory.
fn resolve_external(file: &Path, name: &str) -> PathBuf {
    let name = Path::new(name);
    if name.is_absolute() {
        return name.to_owned();
    }
    match std::env::var("HDF5_EXTFILE_PREFIX") {
        Ok(prefix) if !prefix.is_empty() => {
            let origin = crate::staged::directory_of(file)
                .to_string_lossy()
                .into_owned();
            PathBuf::from(prefix.replace("${ORIGIN}", &origin)).join(name)
        }
        _ => name.to_owned(),
    }
}

/// The device and inode a path leads to.
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Fails when `dataset` is compressed with a filter this build of HDF5 lacks.
pub(crate) fn check_filters(dataset: &hdf5::Dataset) -> Result<(), Unreadable> {
    let missing =
        ffi::chunks::missing_filters(dataset.id()).map_err(|e| Unreadable(e.to_string()))?;
    if missing.is_empty() {
        return Ok(());
    }
    unreadable(format!(
        "is compressed with {}, which this build of HDF5 cannot decode",
        missing.join(" and ")
    ))
}

/// Fails when `dataset` claims rows that were never stored.
fn check_stored(dataset: &hdf5::Dataset, column: &ColumnShape) -> Result<(), Unreadable> {
    if column.rows == 0 || column.row_bytes == 0 {
        return Ok(());
    }
    let claimed = || format!("claims {} rows", column.rows);
    if let Some(chunk) = dataset.chunk() {
        let chunks = dataset
            .num_chunks()
            .ok_or_else(|| Unreadable(format!("{}, but its chunks cannot be counted", claimed())))?
            as u64;
        // Chunks per band of rows: inner dimensions may be split over several chunks.
        let per_band: u64 = column
            .inner
            .iter()
            .zip(chunk.iter().skip(1))
            .map(|(&dim, &c)| (dim as u64).div_ceil(c.max(1) as u64))
            .product();
        let chunk_rows = chunk.first().copied().unwrap_or(1).max(1) as u64;
        let bands = column.rows.div_ceil(chunk_rows);
        if chunks < bands.saturating_mul(per_band) {
            return unreadable(format!(
                "{}, but only {chunks} of the {} chunks they need were ever written",
                claimed(),
                bands.saturating_mul(per_band)
            ));
        }
    } else if dataset.storage_size() < column.rows.saturating_mul(column.row_bytes as u64) {
        return unreadable(format!(
            "{}, but stores only {} bytes",
            claimed(),
            dataset.storage_size()
        ));
    }
    Ok(())
}

/// A zeroed vector of `len` elements whose length came from a file: refused with an error when
/// it cannot fit in this machine's memory or cannot be allocated, instead of aborting. Pages are
/// zeroed lazily by the allocator, so memory is only touched as it is filled.
pub(crate) fn zeroed<T: bytemuck::Pod>(
    len: u64,
    path: &Path,
    what: impl Fn() -> String,
) -> Result<Vec<T>> {
    let too_large = |limit: u64| Error::TooLarge {
        path: path.to_owned(),
        what: what(),
        bytes: len.saturating_mul(std::mem::size_of::<T>() as u64),
        limit,
    };
    let memory = physical_memory();
    let bytes = len
        .checked_mul(std::mem::size_of::<T>() as u64)
        .filter(|&b| b <= memory)
        .ok_or_else(|| too_large(memory))?;
    if bytes == 0 {
        return Ok(Vec::new());
    }
    let len = usize::try_from(len).map_err(|_| too_large(memory))?;
    let layout = std::alloc::Layout::array::<T>(len).map_err(|_| too_large(memory))?;
    // SAFETY: the layout has a non-zero size; a non-null result is an allocation of the global
    // allocator with this layout, zeroed, and zero bytes are a valid `T` (`Pod`), so it is a
    // valid vector of `len` elements with capacity `len`.
    unsafe {
        let pointer = std::alloc::alloc_zeroed(layout).cast::<T>();
        if pointer.is_null() {
            return Err(too_large(memory));
        }
        huge_pages(pointer.cast(), bytes as usize);
        Ok(Vec::from_raw_parts(pointer, len, len))
    }
}

/// Asks the kernel to back the whole 2 MiB pages of a large, untouched allocation with huge
/// pages: filling a column of hundreds of megabytes then takes a page fault per 2 MiB instead
/// of per 4 KiB (a quarter of the time of reading a cached file went to page faults). Only a
/// hint: where transparent huge pages are off, nothing changes.
fn huge_pages(start: *mut u8, bytes: usize) {
    const HUGE: usize = 2 << 20;
    if bytes < 4 * HUGE {
        return;
    }
    let first = (start as usize).next_multiple_of(HUGE);
    let end = (start as usize + bytes) / HUGE * HUGE;
    if end > first {
        // SAFETY: the range lies inside an allocation this process owns; MADV_HUGEPAGE changes
        // how it is backed, not its contents or validity.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

/// Bytes of physical memory, or no limit where the system does not say.
fn physical_memory() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let (pages, page) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    match (u64::try_from(pages), u64::try_from(page)) {
        (Ok(pages), Ok(page)) if pages > 0 && page > 0 => pages.saturating_mul(page),
        _ => u64::MAX,
    }
}
