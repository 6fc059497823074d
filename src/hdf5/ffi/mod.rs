//! The few HDF5 calls that the high-level binding does not offer, or that sit on the hot path
//! where its per-call overhead matters. Every call holds the binding's global HDF5 lock, and every
//! failure carries the HDF5 error stack.

pub(in crate::hdf5) mod create;
pub(in crate::hdf5) mod read;
pub(in crate::hdf5) mod vds;

use crate::error::{Error, Result};
use crate::hdf5::write::chunk_writes::{Bytes, ChunkOp};
use hdf5_sys::h5::{herr_t, hsize_t};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;
use std::ffi::CString;

/// Runs `f` holding the lock that serialises all HDF5 calls of the process, with the library
/// initialised (and its error printing silenced) by the binding itself.
pub fn locked<T>(f: impl FnOnce() -> T) -> T {
    hdf5::sync::sync(f)
}

pub(super) fn check(status: herr_t, context: impl FnOnce() -> String) -> Result<()> {
    hdf5::h5check(status)
        .map(drop)
        .map_err(|error| Error::hdf5(context(), error))
}

pub(super) fn check_id(id: hid_t, context: impl FnOnce() -> String) -> Result<hid_t> {
    hdf5::h5check(id).map_err(|error| Error::hdf5(context(), error))
}

pub(super) fn c_string(text: &str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::InvalidName {
        name: text.replace('\0', "\\0"),
    })
}

/// An HDF5 identifier closed on drop.
pub(super) struct Owned(
    pub(super) hid_t,
    pub(super) unsafe extern "C" fn(hid_t) -> herr_t,
);

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: the id was returned by HDF5 and is closed exactly once, here.
        locked(|| unsafe { (self.1)(self.0) });
    }
}

/// A column's dataset as [`write_column`] needs it.
pub struct ColumnTarget<'a> {
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
pub fn write_column(
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
pub fn read_rows(
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

/// Writes `value` as a fixed-length ASCII string attribute, as SAGE does (h5py then returns
/// `bytes`, which sage-model's reader decodes). An existing attribute of that name is replaced.
pub fn write_string_attr(location: hid_t, name: &str, value: &str) -> Result<()> {
    // HDF5 needs one byte for an empty string.
    write_padded_string_attr(location, name, value, 1)
}

/// [`write_string_attr`] in a type of at least `min_bytes` bytes, the text padded with NULs.
pub fn write_padded_string_attr(
    location: hid_t,
    name: &str,
    value: &str,
    min_bytes: usize,
) -> Result<()> {
    let c_name = c_string(name)?;
    let context = || format!("writing the string attribute `{name}`");
    locked(|| unsafe {
        // SAFETY: `location` is a valid object id; the type, space and attribute are closed by
        // their guards; the buffer holds `size` bytes.
        use hdf5_sys::{h5a, h5s, h5t};
        delete_attr(location, name)?;
        // SAGE's type: as long as the text, padded with NULs, so h5py returns the same `bytes`
        // for SAGE's files and ours.
        let mut bytes = value.as_bytes().to_vec();
        bytes.resize(bytes.len().max(min_bytes), 0);
        let string = Owned(
            check_id(h5t::H5Tcopy(*h5t::H5T_C_S1), context)?,
            h5t::H5Tclose,
        );
        check(h5t::H5Tset_size(string.0, bytes.len()), context)?;
        check(
            h5t::H5Tset_strpad(string.0, h5t::H5T_str_t::H5T_STR_NULLTERM),
            context,
        )?;
        let space = Owned(
            check_id(h5s::H5Screate(h5s::H5S_class_t::H5S_SCALAR), context)?,
            h5s::H5Sclose,
        );
        let attr = Owned(
            check_id(
                h5a::H5Acreate2(
                    location,
                    c_name.as_ptr(),
                    string.0,
                    space.0,
                    H5P_DEFAULT,
                    H5P_DEFAULT,
                ),
                context,
            )?,
            h5a::H5Aclose,
        );
        check(
            h5a::H5Awrite(attr.0, string.0, bytes.as_ptr().cast()),
            context,
        )
    })
}

/// Removes the attribute `name` of `location` if there is one.
pub fn delete_attr(location: hid_t, name: &str) -> Result<()> {
    let c_name = c_string(name)?;
    let context = || format!("replacing the attribute `{name}`");
    locked(|| unsafe {
        // SAFETY: a valid object id and a NUL-terminated name.
        use hdf5_sys::h5a;
        if check_id(h5a::H5Aexists(location, c_name.as_ptr()).into(), context)? > 0 {
            check(h5a::H5Adelete(location, c_name.as_ptr()), context)?;
        }
        Ok(())
    })
}

/// Reads the value of attribute `name` of `location` if it is one fixed-length string of `size`
/// bytes: the type and the dataspace are checked here again, and the value is read with a copy
/// of the stored type as the memory type, so nothing is converted and exactly `size` bytes are
/// written.
pub fn read_fixed_string_attr(location: hid_t, name: &str, size: usize) -> Result<Vec<u8>> {
    let c_name = c_string(name)?;
    let context = || format!("reading the string attribute `{name}`");
    locked(|| unsafe {
        // SAFETY: valid ids closed by their guards; the buffer holds `size` bytes, which is the
        // stored type's size, and the dataspace is checked to hold exactly one element.
        use hdf5_sys::{h5a, h5s, h5t};
        let attr = Owned(
            check_id(
                h5a::H5Aopen(location, c_name.as_ptr(), H5P_DEFAULT),
                context,
            )?,
            h5a::H5Aclose,
        );
        let stored = Owned(check_id(h5a::H5Aget_type(attr.0), context)?, h5t::H5Tclose);
        let is_fixed_string = h5t::H5Tget_class(stored.0) == h5t::H5T_class_t::H5T_STRING
            && h5t::H5Tis_variable_str(stored.0) == 0;
        if !is_fixed_string || h5t::H5Tget_size(stored.0) != size {
            return Err(Error::hdf5(
                context(),
                "not a fixed-length string of that size",
            ));
        }
        let space = Owned(check_id(h5a::H5Aget_space(attr.0), context)?, h5s::H5Sclose);
        if h5s::H5Sget_simple_extent_npoints(space.0) != 1 {
            return Err(Error::hdf5(context(), "not a single value"));
        }
        let memory = Owned(check_id(h5t::H5Tcopy(stored.0), context)?, h5t::H5Tclose);
        let mut bytes = vec![0u8; size];
        check(
            h5a::H5Aread(attr.0, memory.0, bytes.as_mut_ptr().cast()),
            context,
        )?;
        Ok(bytes)
    })
}

/// Creates `link` in `location` as an external link to `object` in `file`.
pub fn external_link(location: hid_t, link: &str, file: &str, object: &str) -> Result<()> {
    let (c_link, c_file, c_object) = (c_string(link)?, c_string(file)?, c_string(object)?);
    locked(|| unsafe {
        // SAFETY: valid location id and NUL-terminated strings.
        check(
            hdf5_sys::h5l::H5Lcreate_external(
                c_file.as_ptr(),
                c_object.as_ptr(),
                location,
                c_link.as_ptr(),
                H5P_DEFAULT,
                H5P_DEFAULT,
            ),
            || format!("linking `{link}` to {file}:{object}"),
        )
    })
}

/// Marks the file's descriptor close-on-exec. HDF5 opens files without `O_CLOEXEC`, so a child
/// process started while a file is open (h5dump, a Python script, a plotting tool) would inherit
/// the descriptor and its `flock` lock, and keep the file locked after we close it.
pub fn close_on_exec(file: hid_t) -> Result<()> {
    let fd = descriptor(file)?;
    // SAFETY: fcntl on a descriptor HDF5 keeps open for the file.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFD);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
        }
    }
    Ok(())
}

/// The device and inode of the open file, to notice when its path is removed or replaced.
pub fn identity(file: hid_t) -> Result<(u64, u64)> {
    let fd = descriptor(file)?;
    // SAFETY: fstat on a descriptor HDF5 keeps open, into a zeroed stat buffer.
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut stat) != 0 {
            return Err(Error::io(
                "checking the identity of",
                "an open output file",
                std::io::Error::last_os_error(),
            ));
        }
        Ok((stat.st_dev, stat.st_ino))
    }
}

/// The operating-system descriptor of an HDF5 file opened with the default (sec2) driver.
fn descriptor(file: hid_t) -> Result<std::ffi::c_int> {
    locked(|| unsafe {
        // SAFETY: a valid file id; with the sec2 driver the handle points to the descriptor,
        // which stays valid while the file is open.
        let mut handle: *mut std::ffi::c_void = std::ptr::null_mut();
        check(
            hdf5_sys::h5f::H5Fget_vfd_handle(file, H5P_DEFAULT, &mut handle),
            || "getting the file descriptor".to_owned(),
        )?;
        if handle.is_null() {
            return Err(Error::hdf5(
                "getting the file descriptor",
                "HDF5 returned none",
            ));
        }
        Ok(*handle.cast::<std::ffi::c_int>())
    })
}

/// Opens a file with `open` and marks its descriptor close-on-exec (see [`close_on_exec`]),
/// holding the HDF5 lock throughout: a process started while holding that lock (as the tests
/// start h5py and h5dump) cannot inherit the descriptor in between.
pub fn no_inherit(open: impl FnOnce() -> Result<hdf5::File>) -> Result<hdf5::File> {
    locked(|| {
        let file = open()?;
        close_on_exec(file.id())?;
        Ok(file)
    })
}

/// Opens `path` read-write, clearing the superblock's "file is open for writing" status flags
/// that a writer in SWMR mode (v110 format) leaves behind when it dies; what `h5clear --status`
/// does. Files without those flags open as usual.
pub fn open_clearing_status(path: &std::path::Path) -> Result<hdf5::File> {
    let display = path.display().to_string();
    let c_path = c_string(&display)?;
    let context = || format!("opening {display} for recovery");
    let property = c"clear_status_flags";
    let id = locked(|| unsafe {
        // SAFETY: the property list is closed by its guard; the value buffer has the size HDF5
        // reports for the property (a C bool).
        use hdf5_sys::{h5f, h5p};
        let fapl = Owned(
            check_id(h5p::H5Pcreate(*h5p::H5P_CLS_FILE_ACCESS), context)?,
            h5p::H5Pclose,
        );
        if check_id(h5p::H5Pexist(fapl.0, property.as_ptr()).into(), context)? > 0 {
            let mut size = 0;
            check(
                h5p::H5Pget_size(fapl.0, property.as_ptr(), &mut size),
                context,
            )?;
            let mut value = [0u8; 8];
            value[0] = 1;
            if size <= value.len() {
                check(
                    h5p::H5Pset(fapl.0, property.as_ptr(), value.as_mut_ptr().cast()),
                    context,
                )?;
            }
        }
        check_id(
            h5f::H5Fopen(c_path.as_ptr(), h5f::H5F_ACC_RDWR, fapl.0),
            context,
        )
    })?;
    no_inherit(|| {
        // SAFETY: `id` is a valid, newly opened file id whose ownership passes to the handle.
        unsafe { hdf5::from_id::<hdf5::File>(id) }.map_err(|e| Error::hdf5(context(), e))
    })
}

/// Opens `path` as a single-writer/multiple-reader reader, while a writer in SWMR mode may
/// still be appending to it.
pub fn open_swmr_read(path: &std::path::Path) -> Result<hdf5::File> {
    let display = path.display().to_string();
    let c_path = c_string(&display)?;
    let context = || format!("opening {display} to follow its writer");
    no_inherit(|| {
        let id = locked(|| unsafe {
            // SAFETY: a NUL-terminated path and valid flags.
            use hdf5_sys::h5f;
            check_id(
                h5f::H5Fopen(
                    c_path.as_ptr(),
                    h5f::H5F_ACC_RDONLY | h5f::H5F_ACC_SWMR_READ,
                    H5P_DEFAULT,
                ),
                context,
            )
        })?;
        // SAFETY: `id` is a valid, newly opened file id whose ownership passes to the handle.
        unsafe { hdf5::from_id::<hdf5::File>(id) }.map_err(|e| Error::hdf5(context(), e))
    })
}

/// Pushes everything HDF5 holds for the file to the operating system.
pub fn flush_file(file: hid_t) -> Result<()> {
    locked(|| unsafe {
        // SAFETY: a valid file id.
        check(
            hdf5_sys::h5f::H5Fflush(file, hdf5_sys::h5f::H5F_scope_t::H5F_SCOPE_LOCAL),
            || "flushing the file".to_owned(),
        )
    })
}

/// Makes the file's end of allocation at least its length, as `h5clear --increment` does:
/// whatever lies between the end a writer last recorded and the end of the file becomes part of
/// it, and new space is allocated after it.
pub fn extend_to_end_of_file(file: hid_t) -> Result<()> {
    // Public since HDF5 1.10.2 (h5clear uses it); the binding does not declare it.
    extern "C" {
        fn H5Fincrement_filesize(file_id: hid_t, increment: hsize_t) -> herr_t;
    }
    locked(|| unsafe {
        // SAFETY: a valid file id, opened for writing.
        check(H5Fincrement_filesize(file, 0), || {
            "counting the whole file as its data".to_owned()
        })
    })
}

/// Switches an open file (created with the v110 format) to single-writer/multiple-reader mode.
pub fn start_swmr_write(file: hid_t) -> Result<()> {
    locked(|| unsafe {
        // SAFETY: a valid file id.
        check(hdf5_sys::h5f::H5Fstart_swmr_write(file), || {
            "starting SWMR writing".to_owned()
        })
    })
}

/// Makes datasets created in `file` from now on start with object headers no larger than their
/// messages (HDF5 otherwise reserves 256 bytes for each).
pub fn minimize_dataset_headers(file: hid_t) -> Result<()> {
    locked(|| unsafe {
        // SAFETY: a valid file id.
        check(hdf5_sys::h5f::H5Fset_dset_no_attrs_hint(file, 1), || {
            "minimizing dataset headers".to_owned()
        })
    })
}

/// Tells a group creation property list how many links of about what name length the group
/// will hold, so that its header is allocated for them.
pub fn estimate_links(gcpl: hid_t, links: usize, name_bytes: usize) -> Result<()> {
    let clamp = |n: usize| n.min(u16::MAX.into()) as std::ffi::c_uint;
    locked(|| unsafe {
        // SAFETY: a valid group creation property list id.
        check(
            hdf5_sys::h5p::H5Pset_est_link_info(gcpl, clamp(links), clamp(name_bytes)),
            || "sizing a snapshot group's header".to_owned(),
        )
    })
}

/// Where the chunk that starts at `coords` is stored: its address and size in bytes, or `None`
/// when it was never allocated.
pub fn chunk_location(dataset: hid_t, coords: &[hsize_t]) -> Result<Option<(u64, u64)>> {
    let context = || format!("locating the chunk at {coords:?}");
    locked(|| unsafe {
        // SAFETY: a valid dataset id; `coords` has the dataset's rank (checked by HDF5 against
        // the dataspace, and by the caller), and the outputs are plain integers.
        use hdf5_sys::{h5d, h5s};
        let space = Owned(
            check_id(h5d::H5Dget_space(dataset), context)?,
            h5s::H5Sclose,
        );
        let rank = h5s::H5Sget_simple_extent_ndims(space.0);
        if usize::try_from(rank).ok() != Some(coords.len()) {
            return Err(Error::hdf5(
                context(),
                "the coordinates do not have the dataset's rank",
            ));
        }
        let (mut mask, mut address, mut size) = (0, 0, 0);
        check(
            h5d::H5Dget_chunk_info_by_coord(
                dataset,
                coords.as_ptr(),
                &mut mask,
                &mut address,
                &mut size,
            ),
            context,
        )?;
        Ok((address != hdf5_sys::h5::HADDR_UNDEF).then_some((address, size)))
    })
}

/// The filters of a dataset's pipeline that this build of HDF5 cannot apply, by name (or
/// number, for a filter without one).
pub fn missing_filters(dataset: hid_t) -> Result<Vec<String>> {
    let context = || "listing the filters of a dataset".to_owned();
    locked(|| unsafe {
        // SAFETY: a valid dataset id; the property list is closed by its guard; the name buffer
        // has the size passed and HDF5 NUL-terminates what it writes into it.
        use hdf5_sys::{h5d, h5p, h5z};
        let plist = Owned(
            check_id(h5d::H5Dget_create_plist(dataset), context)?,
            h5p::H5Pclose,
        );
        let count = h5p::H5Pget_nfilters(plist.0);
        let mut missing = Vec::new();
        for index in 0..count.max(0) as u32 {
            let (mut flags, mut values, mut config) = (0, 0usize, 0);
            let mut name = [0 as std::ffi::c_char; 256];
            let filter = h5p::H5Pget_filter2(
                plist.0,
                index,
                &mut flags,
                &mut values,
                std::ptr::null_mut(),
                name.len(),
                name.as_mut_ptr(),
                &mut config,
            );
            if filter < 0 {
                return Err(Error::hdf5(context(), "a filter cannot be read"));
            }
            if h5z::H5Zfilter_avail(filter) <= 0 {
                let name = std::ffi::CStr::from_ptr(name.as_ptr()).to_string_lossy();
                missing.push(if name.is_empty() {
                    format!("filter {filter}")
                } else {
                    format!("{name} (filter {filter})")
                });
            }
        }
        Ok(missing)
    })
}

/// What a link is, without following it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// An object of this file.
    Hard,
    /// A path in this file.
    Soft,
    /// An object of another file.
    External,
    /// A link type of some other library.
    Other,
}

/// What the link `name` of `group` is, read without following it (which would open whatever
/// it names, another file included).
pub fn link_kind(group: hid_t, name: &str) -> Result<LinkKind> {
    let c_name = c_string(name)?;
    let context = || format!("reading the link `{name}`");
    locked(|| unsafe {
        // SAFETY: a valid group id and a NUL-terminated name; the info is written into a
        // buffer larger than any version's `H5L_info_t`, of which only the first field (the
        // link type, a C enum) is read, as an integer, so a damaged value is just a number.
        let mut info = [0u64; 16];
        #[cfg(not(hdf5_1_12))]
        use hdf5_sys::h5l::H5Lget_info1 as get_info;
        #[cfg(hdf5_1_12)]
        use hdf5_sys::h5l::H5Lget_info2 as get_info;
        check(
            get_info(
                group,
                c_name.as_ptr(),
                info.as_mut_ptr().cast(),
                H5P_DEFAULT,
            ),
            context,
        )?;
        let kind = info.as_ptr().cast::<i32>().read();
        Ok(match kind {
            0 => LinkKind::Hard,
            1 => LinkKind::Soft,
            64 => LinkKind::External,
            _ => LinkKind::Other,
        })
    })
}

/// The most names a group or an object may list: far beyond any catalogue.
const MAX_NAMES: usize = 10_000_000;

/// The names of a group's members, in creation order when the group tracks it (and `ordered` is
/// asked), else in name order.
pub fn link_names(group: hid_t, ordered: bool) -> Result<Vec<String>> {
    use hdf5_sys::h5::H5_index_t;
    let list = |index| {
        iterate_names(|names| unsafe {
            // SAFETY: a valid group id; the callback's info parameter is a raw pointer like the
            // binding's (raw pointers to sized types are ABI-compatible), and it is never read:
            // the info HDF5 passes holds fields decoded from the file, which the binding's type
            // would read as Rust enums, undefined for a damaged value.
            let callback: unsafe extern "C" fn(
                hid_t,
                *const std::ffi::c_char,
                *const hdf5_sys::h5l::H5L_info_t,
                *mut std::ffi::c_void,
            ) -> herr_t = std::mem::transmute(collect_name as NameCallback);
            let mut position = 0;
            hdf5_sys::h5l::H5Literate(
                group,
                index,
                hdf5_sys::h5::H5_iter_order_t::H5_ITER_INC,
                &mut position,
                Some(callback),
                names,
            )
        })
    };
    // Without creation-order tracking HDF5 refuses that index; names then serve.
    if ordered {
        if let Ok(names) = list(H5_index_t::H5_INDEX_CRT_ORDER) {
            return Ok(names);
        }
    }
    list(H5_index_t::H5_INDEX_NAME)
}

/// The names of an object's attributes, in name order.
pub fn attr_names(location: &hdf5::Location) -> Result<Vec<String>> {
    let id = location.id();
    iterate_names(|names| unsafe {
        // SAFETY: as in `link_names`: a valid object id, and an info parameter never read.
        let callback: unsafe extern "C" fn(
            hid_t,
            *const std::ffi::c_char,
            *const hdf5_sys::h5a::H5A_info_t,
            *mut std::ffi::c_void,
        ) -> herr_t = std::mem::transmute(collect_name as NameCallback);
        let mut position = 0;
        hdf5_sys::h5a::H5Aiterate2(
            id,
            hdf5_sys::h5::H5_index_t::H5_INDEX_NAME,
            hdf5_sys::h5::H5_iter_order_t::H5_ITER_INC,
            &mut position,
            Some(callback),
            names,
        )
    })
}

type NameCallback = unsafe extern "C" fn(
    hid_t,
    *const std::ffi::c_char,
    *const std::ffi::c_void,
    *mut std::ffi::c_void,
) -> herr_t;

/// Runs an HDF5 iteration that calls [`collect_name`] with a `Vec<String>` as its data.
fn iterate_names(iterate: impl FnOnce(*mut std::ffi::c_void) -> herr_t) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    let status = locked(|| iterate((&mut names as *mut Vec<String>).cast()));
    if status < 0 {
        return Err(Error::hdf5("listing names", "the iteration failed"));
    }
    if names.len() > MAX_NAMES {
        return Err(Error::hdf5(
            "listing names",
            format!("more than {MAX_NAMES} names"),
        ));
    }
    Ok(names)
}

/// Adds one name to the `Vec<String>` behind `data`; stops the iteration after `MAX_NAMES`.
unsafe extern "C" fn collect_name(
    _location: hid_t,
    name: *const std::ffi::c_char,
    _info: *const std::ffi::c_void,
    data: *mut std::ffi::c_void,
) -> herr_t {
    // SAFETY: `data` is the vector `iterate_names` passed, borrowed for the iteration; `name`
    // is a NUL-terminated string HDF5 owns for the call.
    let names = unsafe { &mut *data.cast::<Vec<String>>() };
    if names.len() > MAX_NAMES {
        return 1;
    }
    let name = unsafe { std::ffi::CStr::from_ptr(name) };
    names.push(name.to_string_lossy().into_owned());
    0
}
