//! A dataset's storage as HDF5 keeps it: where a chunk lies, and which filters this HDF5 lacks.

use super::{check, check_id, locked, Owned};
use crate::error::{Error, Result};
use hdf5_sys::h5::hsize_t;
use hdf5_sys::h5i::hid_t;

/// Where the chunk that starts at `coords` is stored: its address and size in bytes, or `None`
/// when it was never allocated.
pub(crate) fn chunk_location(dataset: hid_t, coords: &[hsize_t]) -> Result<Option<(u64, u64)>> {
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
pub(crate) fn missing_filters(dataset: hid_t) -> Result<Vec<String>> {
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
