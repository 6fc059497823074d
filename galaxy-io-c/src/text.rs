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
    if !array::<T>(data.is_null(), len, argument)? {
        return Ok(&[]);
    }
    // SAFETY: not NULL, `len` elements by the caller's contract, size checked above.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// `len` elements C gives room for, to write into.
///
/// # Safety
/// `data` is NULL or valid for writing `len` elements, and nothing else uses them during the
/// call.
pub(crate) unsafe fn slice_mut<'a, T>(
    data: *mut T,
    len: usize,
    argument: &str,
) -> Result<&'a mut [T], Failure> {
    if !array::<T>(data.is_null(), len, argument)? {
        return Ok(&mut []);
    }
    // SAFETY: not NULL, `len` elements by the caller's contract, size checked above.
    Ok(unsafe { std::slice::from_raw_parts_mut(data, len) })
}

/// Whether an array argument of `len` elements has any: an error when it claims elements at
/// NULL, or more than memory can hold.
fn array<T>(null: bool, len: usize, argument: &str) -> Result<bool, Failure> {
    if len == 0 {
        return Ok(false);
    }
    if null {
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
    Ok(true)
}

/// Where an out-parameter goes.
///
/// # Safety
/// `out` is NULL or valid for writes.
pub(crate) unsafe fn out<'a, T>(out: *mut T, argument: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: valid for writes or NULL, by the caller's contract.
    unsafe { out.as_mut() }.ok_or_else(|| Failure::null(argument))
}
