//! Direct HDF5 calls of the read side that the binding does not offer: whether an attribute
//! exists (looked up by name, not by listing every attribute), where an external link leads, and
//! whether a dataset keeps its rows in other files. Every call holds the binding's global lock.

use crate::error::Result;
use crate::hdf5::ffi::{c_string, check, check_id, locked};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;

/// Whether `location` has an attribute `name`: a lookup in its name index, so that a file with
/// thousands of attributes on one object costs a look-up per attribute read, not a listing.
pub(crate) fn attr_exists(location: hid_t, name: &str) -> Result<bool> {
    let c_name = c_string(name)?;
    let context = || format!("looking for the attribute `{name}`");
    locked(|| unsafe {
        // SAFETY: a valid object id and a NUL-terminated name.
        let found = hdf5_sys::h5a::H5Aexists(location, c_name.as_ptr());
        Ok(check_id(found.into(), context)? > 0)
    })
}

/// The longest external link value read: a file name and an object path.
const MAX_LINK_VALUE: usize = 1 << 16;

/// Where the link `name` of `group` leads, when it is an external link: the file it names (as
/// written in the link) and the object in it; `None` for any other link.
pub(crate) fn external_link_target(group: hid_t, name: &str) -> Result<Option<(String, String)>> {
    let c_name = c_string(name)?;
    let context = || format!("reading the link `{name}`");
    locked(|| unsafe {
        // SAFETY: a valid group id, under the lock; the info is read as integers only (its link
        // type first, the value's size at byte 24); the value buffer has the size passed,
        // bounded, and HDF5's unpacking returns pointers into it.
        let info = crate::hdf5::ffi::links::link_info(group, &c_name, context)?;
        if info.as_ptr().cast::<i32>().read() != 64 {
            return Ok(None);
        }
        let size = usize::try_from(info[3]).unwrap_or(usize::MAX);
        if size == 0 || size > MAX_LINK_VALUE {
            return Err(crate::error::Error::hdf5(
                context(),
                format!("an external link value of {size} bytes"),
            ));
        }
        let mut value = vec![0u8; size];
        check(
            hdf5_sys::h5l::H5Lget_val(
                group,
                c_name.as_ptr(),
                value.as_mut_ptr().cast(),
                size,
                H5P_DEFAULT,
            ),
            context,
        )?;
        // HDF5 stops at the value's end: the last byte is the object's NUL.
        *value.last_mut().expect("a value of at least one byte") = 0;
        let (mut flags, mut file, mut object) = (0, std::ptr::null(), std::ptr::null());
        check(
            hdf5_sys::h5l::H5Lunpack_elink_val(
                value.as_ptr().cast(),
                size,
                &mut flags,
                &mut file,
                &mut object,
            ),
            context,
        )?;
        if file.is_null() || object.is_null() {
            return Ok(None);
        }
        let text = |pointer| {
            std::ffi::CStr::from_ptr(pointer)
                .to_string_lossy()
                .into_owned()
        };
        Ok(Some((text(file), text(object))))
    })
}

/// The most external files one dataset's storage may be spread over.
const MAX_EXTERNAL_FILES: usize = 1 << 16;

/// One piece of a dataset's external storage: `size` bytes at `offset` of the file `name` (as
/// written in the dataset, to be resolved as HDF5 does).
pub(crate) struct ExternalPiece {
    pub name: String,
    pub offset: u64,
    pub size: u64,
}

/// The external files a contiguous dataset keeps its rows in, in order; empty for a dataset
/// stored in its own file (every dataset galaxy-io writes).
pub(crate) fn external_storage(dataset: hid_t) -> Result<Vec<ExternalPiece>> {
    let context = || "listing the external storage of a dataset".to_owned();
    locked(|| unsafe {
        // SAFETY: a valid dataset id; the property list is closed by its guard; the name
        // buffer has the size passed and ends with a NUL whatever HDF5 writes into it.
        use hdf5_sys::{h5d, h5p};
        let dcpl = crate::hdf5::ffi::Owned(
            check_id(h5d::H5Dget_create_plist(dataset), context)?,
            h5p::H5Pclose,
        );
        let count = usize::try_from(h5p::H5Pget_external_count(dcpl.0)).unwrap_or(0);
        if count > MAX_EXTERNAL_FILES {
            return Err(crate::error::Error::hdf5(
                context(),
                format!("it claims {count} external files"),
            ));
        }
        let mut pieces = Vec::with_capacity(count);
        for index in 0..count as std::ffi::c_uint {
            let mut name = [0 as std::ffi::c_char; 4097];
            let (mut offset, mut size) = (0, 0);
            check(
                h5p::H5Pget_external(
                    dcpl.0,
                    index,
                    name.len() - 1,
                    name.as_mut_ptr(),
                    &mut offset,
                    &mut size,
                ),
                context,
            )?;
            pieces.push(ExternalPiece {
                name: std::ffi::CStr::from_ptr(name.as_ptr())
                    .to_string_lossy()
                    .into_owned(),
                offset: u64::try_from(offset).unwrap_or(u64::MAX),
                size,
            });
        }
        Ok(pieces)
    })
}
