//! Attributes SAGE's readers expect as HDF5 writes them: fixed-length strings, written, replaced,
//! removed and read back checked.

use super::{c_string, check, check_id, locked, Owned};
use crate::error::{Error, Result};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;

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
