//! Status codes and the thread's last error message: how every entry point reports failure
//! without letting a Rust error or panic cross into C.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a function of the C API returns. `GIO_OK` is 0; every other value comes with a message
/// from `gio_last_error()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum gio_status {
    /// Success.
    GIO_OK = 0,
    /// A pointer that must not be NULL was NULL.
    GIO_NULL_POINTER = 1,
    /// A handle that is not live: never created, already finished, or freed.
    GIO_INVALID_HANDLE = 2,
    /// An argument out of range: text that is not UTF-8, an unknown enum value, a count too large.
    GIO_INVALID_ARGUMENT = 3,
    /// A schema the library refuses: overlapping fields, a field outside the record, a name used
    /// twice.
    GIO_SCHEMA_ERROR = 4,
    /// Rows the output cannot take: not a whole number of records, an unknown snapshot, a tree
    /// number out of order.
    GIO_BAD_INPUT = 5,
    /// The file to create exists and replacing it was not asked for.
    GIO_FILE_EXISTS = 6,
    /// Any other error of the library: HDF5, the operating system, a damaged file.
    GIO_ERROR = 7,
    /// A Rust panic was caught at the boundary: a bug in galaxy-io, please report it.
    GIO_PANIC = 8,
    /// A key no galaxy of the catalogue has (`gio_catalogue_history`).
    GIO_UNKNOWN_KEY = 9,
}

/// Why a call failed: its status and its message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: gio_status,
    pub message: String,
}

impl Failure {
    pub fn new(status: gio_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }

    pub fn null(argument: &str) -> Self {
        Failure::new(
            gio_status::GIO_NULL_POINTER,
            format!("`{argument}` is NULL"),
        )
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Failure::new(gio_status::GIO_INVALID_ARGUMENT, message)
    }
}

impl From<galaxy_io::Error> for Failure {
    fn from(error: galaxy_io::Error) -> Self {
        use galaxy_io::Error as E;
        let status = match &error {
            E::Schema(_) | E::InvalidName { .. } => gio_status::GIO_SCHEMA_ERROR,
            E::BadInput { .. } | E::UnknownSnapshot { .. } | E::PartialRecord { .. } => {
                gio_status::GIO_BAD_INPUT
            }
            E::FileExists(_) => gio_status::GIO_FILE_EXISTS,
            E::UnknownKey { .. } => gio_status::GIO_UNKNOWN_KEY,
            E::BufferConfig(_) | E::Options(_) | E::InvalidSnapshots { .. } => {
                gio_status::GIO_INVALID_ARGUMENT
            }
            _ => gio_status::GIO_ERROR,
        };
        Failure::new(status, error.to_string())
    }
}

pub(crate) type Outcome = Result<(), Failure>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(message: String) {
    // A NUL inside a message (from a name C passed in) would cut it short: show it instead.
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
}

/// Runs one entry point: its error becomes the thread's last error and its status, and a panic
/// is caught here rather than unwinding into C.
pub(crate) fn guard(call: impl FnOnce() -> Outcome) -> gio_status {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(())) => gio_status::GIO_OK,
        Ok(Err(failure)) => {
            set_last_error(failure.message);
            failure.status
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            set_last_error(format!(
                "internal error in galaxy-io (please report it): {what}"
            ));
            gio_status::GIO_PANIC
        }
    }
}

/// The message of the last call on this thread that failed, with the file, snapshot and field
/// it concerns; `""` if none has. Calls that succeed leave it as it is. The text stays valid
/// until the next failing call on the same thread; copy it to keep it.
///
/// ```c
/// if (gio_output_write(output, 63, rows, bytes) != GIO_OK)
///     fprintf(stderr, "galaxy-io: %s\n", gio_last_error());
/// ```
#[no_mangle]
pub extern "C" fn gio_last_error() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last() -> String {
        // SAFETY: gio_last_error returns this thread's live, NUL-terminated message.
        unsafe { CStr::from_ptr(gio_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = guard(|| panic!("the sky fell"));
        assert_eq!(status, gio_status::GIO_PANIC);
        assert!(last().contains("the sky fell"), "{}", last());
    }

    #[test]
    fn an_error_keeps_its_message_until_the_next_failure() {
        assert_eq!(
            guard(|| Err(Failure::null("path"))),
            gio_status::GIO_NULL_POINTER
        );
        assert_eq!(guard(|| Ok(())), gio_status::GIO_OK);
        assert_eq!(last(), "`path` is NULL");
    }
}
