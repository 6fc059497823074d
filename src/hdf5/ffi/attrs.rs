//! Attributes SAGE's readers expect as HDF5 writes them: fixed-length strings and one-element
//! numbers, written on new objects without a lookup first, replaced, removed and read back
//! checked.

use super::{c_string, check, check_id, locked, Owned};
use crate::error::{Error, Result};
use hdf5_sys::h5::hsize_t;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;
use hdf5_sys::{h5a, h5s, h5t};

/// Writes `value` as a fixed-length ASCII string attribute, as SAGE does (h5py then returns
/// `bytes`, which sage-model's reader decodes). An existing attribute of that name is replaced.
pub(crate) fn write_string_attr(location: hid_t, name: &str, value: &str) -> Result<()> {
    // HDF5 needs one byte for an empty string.
    write_padded_string_attr(location, name, value, 1)
}

/// [`write_string_attr`] in a type of at least `min_bytes` bytes, the text padded with NULs.
pub(crate) fn write_padded_string_attr(
    location: hid_t,
    name: &str,
    value: &str,
    min_bytes: usize,
) -> Result<()> {
    delete_attr(location, name)?;
    new_attr(
        location,
        name,
        AttrData::Text {
            text: value,
            min_bytes,
        },
    )
}

/// Removes the attribute `name` of `location` if there is one.
pub(crate) fn delete_attr(location: hid_t, name: &str) -> Result<()> {
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
pub(crate) fn read_fixed_string_attr(location: hid_t, name: &str, size: usize) -> Result<Vec<u8>> {
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

/// The value of a new attribute.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AttrData<'a> {
    /// Text in a fixed-length, NUL-padded type of at least `min_bytes` bytes (one at least).
    Text {
        text: &'a str,
        min_bytes: usize,
    },
    /// One-element arrays, as SWIFT writes its unit attributes.
    F32(f32),
    F64(f64),
    I64(i64),
}

/// Writes attribute `name` on `location`, which must not have it yet (a new object).
pub(crate) fn new_attr(location: hid_t, name: &str, data: AttrData) -> Result<()> {
    let c_name = c_string(name)?;
    let context = || format!("writing the attribute `{name}`");
    locked(|| unsafe {
        // SAFETY: a valid object id; the type, space and attribute are closed by their guards,
        // and the buffer written holds as many bytes as the type.
        let (datatype, space, bytes) = match data {
            AttrData::Text { text, min_bytes } => {
                let mut bytes = text.as_bytes().to_vec();
                bytes.resize(bytes.len().max(min_bytes).max(1), 0);
                // SAGE's type: as long as the text, padded with NULs, so h5py returns the same
                // `bytes` for SAGE's files and ours.
                let string = Owned(
                    check_id(h5t::H5Tcopy(*h5t::H5T_C_S1), context)?,
                    h5t::H5Tclose,
                );
                check(h5t::H5Tset_size(string.0, bytes.len()), context)?;
                check(
                    h5t::H5Tset_strpad(string.0, h5t::H5T_str_t::H5T_STR_NULLTERM),
                    context,
                )?;
                let scalar = check_id(h5s::H5Screate(h5s::H5S_class_t::H5S_SCALAR), context)?;
                (string, Owned(scalar, h5s::H5Sclose), bytes)
            }
            AttrData::F32(v) => one_element(*h5t::H5T_NATIVE_FLOAT, &v.to_ne_bytes(), context)?,
            AttrData::F64(v) => one_element(*h5t::H5T_NATIVE_DOUBLE, &v.to_ne_bytes(), context)?,
            AttrData::I64(v) => one_element(*h5t::H5T_NATIVE_LLONG, &v.to_ne_bytes(), context)?,
        };
        let attr = Owned(
            check_id(
                h5a::H5Acreate2(
                    location,
                    c_name.as_ptr(),
                    datatype.0,
                    space.0,
                    H5P_DEFAULT,
                    H5P_DEFAULT,
                ),
                context,
            )?,
            h5a::H5Aclose,
        );
        check(
            h5a::H5Awrite(attr.0, datatype.0, bytes.as_ptr().cast()),
            context,
        )
    })
}

/// A one-element array of the native type `native` (a copy of it, closed with the guard).
///
/// # Safety
/// Call under [`locked`], with a native type id.
unsafe fn one_element(
    native: hid_t,
    value: &[u8],
    context: impl Fn() -> String,
) -> Result<(Owned, Owned, Vec<u8>)> {
    let one: hsize_t = 1;
    // SAFETY: as the caller promises; a rank-1 dataspace of one element.
    unsafe {
        let datatype = Owned(check_id(h5t::H5Tcopy(native), &context)?, h5t::H5Tclose);
        let space = Owned(
            check_id(h5s::H5Screate_simple(1, &one, std::ptr::null()), &context)?,
            h5s::H5Sclose,
        );
        Ok((datatype, space, value.to_vec()))
    }
}
