//! Direct HDF5 calls of the read side that the binding does not offer: whether an attribute
//! exists (looked up by name, not by listing every attribute), where an external link leads, and
//! whether a dataset keeps its rows in other files. Every call holds the binding's global lock.

use super::raw::{c_string, check_id, locked};
use crate::error::Result;
use hdf5_sys::h5i::hid_t;

/// Whether `location` has an attribute `name`: a lookup in its name index, so that a file with
/// thousands of attributes on one object costs a look-up per attribute read, not a listing.
pub fn attr_exists(location: hid_t, name: &str) -> Result<bool> {
    let c_name = c_string(name)?;
    let context = || format!("looking for the attribute `{name}`");
    locked(|| unsafe {
        // SAFETY: a valid object id and a NUL-terminated name.
        let found = hdf5_sys::h5a::H5Aexists(location, c_name.as_ptr());
        Ok(check_id(found.into(), context)? > 0)
    })
}
