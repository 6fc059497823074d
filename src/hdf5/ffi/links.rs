//! Links and names: external links made, a link's kind read without following it, and the
//! names of a group's links or an object's attributes listed with a bound.

use super::{c_string, check, locked};
use crate::error::{Error, Result};
use hdf5_sys::h5::herr_t;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;

/// Creates `link` in `location` as an external link to `object` in `file`.
pub(crate) fn external_link(location: hid_t, link: &str, file: &str, object: &str) -> Result<()> {
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

/// What a link is, without following it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkKind {
    /// An object of this file.
    Hard,
    /// A path in this file.
    Soft,
    /// An object of another file.
    External,
    /// A link type of some other library.
    Other,
}

/// The `H5L_info_t` of the link `name` of `group`, read without following the link, in a buffer
/// larger than any version's and meant to be read as integers only (the link type first, an
/// external link value's size at byte 24 in both versions' layouts).
///
/// # Safety
/// `group` must be a valid group id; call under [`locked`].
pub(super) unsafe fn link_info(
    group: hid_t,
    name: &std::ffi::CStr,
    context: impl FnOnce() -> String,
) -> Result<[u64; 16]> {
    let mut info = [0u64; 16];
    #[cfg(not(hdf5_1_12))]
    use hdf5_sys::h5l::H5Lget_info1 as get_info;
    #[cfg(hdf5_1_12)]
    use hdf5_sys::h5l::H5Lget_info2 as get_info;
    check(
        get_info(group, name.as_ptr(), info.as_mut_ptr().cast(), H5P_DEFAULT),
        context,
    )?;
    Ok(info)
}

/// What the link `name` of `group` is, read without following it (which would open whatever
/// it names, another file included).
pub(crate) fn link_kind(group: hid_t, name: &str) -> Result<LinkKind> {
    let c_name = c_string(name)?;
    let context = || format!("reading the link `{name}`");
    locked(|| unsafe {
        // SAFETY: a valid group id, under the lock; only the first field of the info (the
        // link type, a C enum) is read, as an integer, so a damaged value is just a number.
        let info = link_info(group, &c_name, context)?;
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
pub(crate) fn link_names(group: hid_t, ordered: bool) -> Result<Vec<String>> {
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
pub(crate) fn attr_names(location: &hdf5::Location) -> Result<Vec<String>> {
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
