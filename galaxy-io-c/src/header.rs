//! Header attributes from C: numbers, strings and arrays by group and name.

use crate::output::{gio_output, with};
use crate::status::{gio_status, Failure};
use crate::text;
use galaxy_io::{AttrValue, HeaderGroup};
use std::ffi::c_char;

/// Where a header attribute goes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum gio_header_group {
    /// `Header/Misc`: versions, `num_cores`.
    GIO_HEADER_MISC = 0,
    /// `Header/Simulation`: cosmology and box.
    GIO_HEADER_SIMULATION = 1,
    /// `Header/Runtime`: run parameters.
    GIO_HEADER_RUNTIME = 2,
    /// `TreeInfo`: the galaxy ID scheme.
    GIO_HEADER_TREE_INFO = 3,
}

fn group(value: u32) -> Result<HeaderGroup, Failure> {
    match value {
        0 => Ok(HeaderGroup::Misc),
        1 => Ok(HeaderGroup::Simulation),
        2 => Ok(HeaderGroup::Runtime),
        3 => Ok(HeaderGroup::TreeInfo),
        other => Err(Failure::invalid(format!(
            "{other} is not a gio_header_group (0 to 3)"
        ))),
    }
}

/// Sets attribute `name` of `group_` to `value` in the output's header.
///
/// # Safety
/// `name` is NULL (an error) or NUL-terminated.
unsafe fn set(
    output: *mut gio_output,
    group_: u32,
    name: *const c_char,
    value: impl FnOnce() -> Result<AttrValue, Failure>,
) -> gio_status {
    with(output, |output| {
        // SAFETY: the caller's contract.
        let name = unsafe { text::string(name, "name") }?;
        output.header_mut().set(group(group_)?, name, value()?);
        Ok(())
    })
}

/// Sets a `double` attribute (`H5T_NATIVE_DOUBLE`) of the header; `group` is a
/// `gio_header_group`. The header is written at `gio_output_finish`; setting a name again
/// replaces its value.
///
/// ```c
/// gio_output_set_double(output, GIO_HEADER_SIMULATION, "hubble_h", 0.73);
/// ```
///
/// # Safety
/// `name` is NULL (an error) or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn gio_output_set_double(
    output: *mut gio_output,
    group: u32,
    name: *const c_char,
    value: f64,
) -> gio_status {
    // SAFETY: passed on.
    unsafe { set(output, group, name, || Ok(AttrValue::F64(value))) }
}

/// Sets an `int32_t` attribute (`H5T_NATIVE_INT`).
///
/// # Safety
/// As `gio_output_set_double`.
#[no_mangle]
pub unsafe extern "C" fn gio_output_set_int32(
    output: *mut gio_output,
    group: u32,
    name: *const c_char,
    value: i32,
) -> gio_status {
    // SAFETY: passed on.
    unsafe { set(output, group, name, || Ok(AttrValue::I32(value))) }
}

/// Sets an `int64_t` attribute (`H5T_NATIVE_LLONG`).
///
/// # Safety
/// As `gio_output_set_double`.
#[no_mangle]
pub unsafe extern "C" fn gio_output_set_int64(
    output: *mut gio_output,
    group: u32,
    name: *const c_char,
    value: i64,
) -> gio_status {
    // SAFETY: passed on.
    unsafe { set(output, group, name, || Ok(AttrValue::I64(value))) }
}

/// Sets a string attribute (fixed-length, NUL-terminated ASCII, as SAGE writes them).
///
/// ```c
/// gio_output_set_string(output, GIO_HEADER_RUNTIME, "FileNameGalaxies", "model");
/// ```
///
/// # Safety
/// `name` and `value` are NULL (an error) or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn gio_output_set_string(
    output: *mut gio_output,
    group: u32,
    name: *const c_char,
    value: *const c_char,
) -> gio_status {
    // SAFETY: passed on.
    unsafe {
        set(output, group, name, || {
            Ok(AttrValue::Text(text::string(value, "value")?.to_owned()))
        })
    }
}

/// Sets a 1-D array attribute of `n` doubles.
///
/// # Safety
/// `name` as above; `values` is NULL (an error unless `n` is 0) or holds `n` doubles.
#[no_mangle]
pub unsafe extern "C" fn gio_output_set_double_array(
    output: *mut gio_output,
    group: u32,
    name: *const c_char,
    values: *const f64,
    n: usize,
) -> gio_status {
    // SAFETY: passed on.
    unsafe {
        set(output, group, name, || {
            Ok(AttrValue::F64Array(
                text::slice(values, n, "values")?.to_vec(),
            ))
        })
    }
}

/// Sets a 1-D array attribute of `n` `int32_t`.
///
/// # Safety
/// As `gio_output_set_double_array`.
#[no_mangle]
pub unsafe extern "C" fn gio_output_set_int32_array(
    output: *mut gio_output,
    group: u32,
    name: *const c_char,
    values: *const i32,
    n: usize,
) -> gio_status {
    // SAFETY: passed on.
    unsafe {
        set(output, group, name, || {
            Ok(AttrValue::I32Array(
                text::slice(values, n, "values")?.to_vec(),
            ))
        })
    }
}

/// Sets a 1-D array attribute of `n` `int64_t`.
///
/// # Safety
/// As `gio_output_set_double_array`.
#[no_mangle]
pub unsafe extern "C" fn gio_output_set_int64_array(
    output: *mut gio_output,
    group: u32,
    name: *const c_char,
    values: *const i64,
    n: usize,
) -> gio_status {
    // SAFETY: passed on.
    unsafe {
        set(output, group, name, || {
            Ok(AttrValue::I64Array(
                text::slice(values, n, "values")?.to_vec(),
            ))
        })
    }
}
