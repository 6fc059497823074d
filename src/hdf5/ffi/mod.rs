//! The few HDF5 calls that the high-level binding does not offer, or that sit on the hot path
//! where its per-call overhead matters. Every call holds the binding's global HDF5 lock, and every
//! failure carries the HDF5 error stack.

pub(in crate::hdf5) mod attrs;
pub(in crate::hdf5) mod chunks;
pub(in crate::hdf5) mod create;
pub(in crate::hdf5) mod files;
pub(in crate::hdf5) mod links;
pub(in crate::hdf5) mod read;
pub(in crate::hdf5) mod rows;
pub(in crate::hdf5) mod vds;

use crate::error::{Error, Result};
use hdf5_sys::h5::herr_t;
use hdf5_sys::h5i::hid_t;
use std::ffi::CString;

/// Runs `f` holding the lock that serialises all HDF5 calls of the process, with the library
/// initialised (and its error printing silenced) by the binding itself.
pub(super) fn locked<T>(f: impl FnOnce() -> T) -> T {
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
