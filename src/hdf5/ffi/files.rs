//! Whole files: opened without leaking their descriptors, their status flags cleared or their
//! end of allocation extended for repair, flushed, switched to SWMR, and the settings of
//! new objects in them.

use super::{c_string, check, check_id, locked, Owned};
use crate::error::{Error, Result};
use hdf5_sys::h5::{herr_t, hsize_t};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;

/// Marks the file's descriptor close-on-exec. HDF5 opens files without `O_CLOEXEC`, so a child
/// process started while a file is open (h5dump, a Python script, a plotting tool) would inherit
/// the descriptor and its `flock` lock, and keep the file locked after we close it.
pub(crate) fn close_on_exec(file: hid_t) -> Result<()> {
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
pub(crate) fn identity(file: hid_t) -> Result<(u64, u64)> {
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
pub(crate) fn no_inherit(open: impl FnOnce() -> Result<hdf5::File>) -> Result<hdf5::File> {
    locked(|| {
        let file = open()?;
        close_on_exec(file.id())?;
        Ok(file)
    })
}

/// Opens `path` read-write, clearing the superblock's "file is open for writing" status flags
/// that a writer in SWMR mode (v110 format) leaves behind when it dies; what `h5clear --status`
/// does. Files without those flags open as usual.
pub(crate) fn open_clearing_status(path: &std::path::Path) -> Result<hdf5::File> {
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
pub(crate) fn open_swmr_read(path: &std::path::Path) -> Result<hdf5::File> {
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
pub(crate) fn flush_file(file: hid_t) -> Result<()> {
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
pub(crate) fn extend_to_end_of_file(file: hid_t) -> Result<()> {
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
pub(crate) fn start_swmr_write(file: hid_t) -> Result<()> {
    locked(|| unsafe {
        // SAFETY: a valid file id.
        check(hdf5_sys::h5f::H5Fstart_swmr_write(file), || {
            "starting SWMR writing".to_owned()
        })
    })
}

/// Makes datasets created in `file` from now on start with object headers no larger than their
/// messages (HDF5 otherwise reserves 256 bytes for each).
pub(crate) fn minimize_dataset_headers(file: hid_t) -> Result<()> {
    locked(|| unsafe {
        // SAFETY: a valid file id.
        check(hdf5_sys::h5f::H5Fset_dset_no_attrs_hint(file, 1), || {
            "minimizing dataset headers".to_owned()
        })
    })
}

/// Tells a group creation property list how many links of about what name length the group
/// will hold, so that its header is allocated for them.
pub(crate) fn estimate_links(gcpl: hid_t, links: usize, name_bytes: usize) -> Result<()> {
    let clamp = |n: usize| n.min(u16::MAX.into()) as std::ffi::c_uint;
    locked(|| unsafe {
        // SAFETY: a valid group creation property list id.
        check(
            hdf5_sys::h5p::H5Pset_est_link_info(gcpl, clamp(links), clamp(name_bytes)),
            || "sizing a snapshot group's header".to_owned(),
        )
    })
}

/// Opens `path` read-only without HDF5's chunk cache. A reader keeps every dataset it has
/// checked open (a 64-snapshot catalogue has 3456), and each open dataset would keep up to 1 MiB
/// of chunks; and a column read whole passes each chunk once, so caching only costs it copies.
/// HDF5's failure to open it becomes the error `error` makes of it.
pub(crate) fn without_chunk_cache(
    path: &std::path::Path,
    error: impl FnOnce(hdf5::Error) -> Error,
) -> Result<hdf5::File> {
    no_inherit(|| {
        hdf5::File::with_options()
            .with_fapl(|fapl| fapl.chunk_cache(0, 0, 1.0))
            .open(path)
            .map_err(error)
    })
}
