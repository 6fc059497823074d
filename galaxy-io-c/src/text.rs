//! Reading what C passes in: strings and arrays, each pointer checked before it is read.

use crate::status::Failure;
use std::ffi::{c_char, CStr};

/// A NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `text` is NULL or points to a NUL-terminated string that stays valid during the call.
pub(crate) unsafe fn string<'a>(text: *const c_char, argument: &str) -> Result<&'a str, Failure> {
    if text.is_null() {
        return Err(Failure::null(argument));
    }
    // SAFETY: not NULL, and NUL-terminated by the caller's contract.
    unsafe { CStr::from_ptr(text) }
        .to_str()
        .map_err(|_| Failure::invalid(format!("`{argument}` is not UTF-8 text")))
}

/// A string argument that may be NULL, meaning empty.
///
/// # Safety
/// As [`string`].
pub(crate) unsafe fn optional_string<'a>(
    text: *const c_char,
    argument: &str,
) -> Result<&'a str, Failure> {
    if text.is_null() {
        return Ok("");
    }
    // SAFETY: the caller's contract, passed on.
    unsafe { string(text, argument) }
}

/// An array argument of `len` elements; NULL is allowed only when `len` is 0.
///
/// # Safety
/// `data` is NULL or points to `len` initialised elements that stay valid during the call.
pub(crate) unsafe fn slice<'a, T>(
    data: *const T,
    len: usize,
    argument: &str,
) -> Result<&'a [T], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(Failure::null(argument));
    }
    if len
        .checked_mul(std::mem::size_of::<T>())
        .is_none_or(|bytes| bytes > isize::MAX as usize)
    {
        return Err(Failure::invalid(format!(
            "`{argument}` claims {len} elements, more than memory can hold"
        )));
    }
    // SAFETY: not NULL, `len` elements by the caller's contract, size checked above.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Where an out-parameter goes.
///
/// # Safety
/// `out` is NULL or valid for writes.
pub(crate) unsafe fn out<'a, T>(out: *mut T, argument: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: valid for writes or NULL, by the caller's contract.
    unsafe { out.as_mut() }.ok_or_else(|| Failure::null(argument))
}
