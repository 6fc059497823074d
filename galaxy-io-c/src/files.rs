//! Whole files from C: the master file over the tasks' outputs, and recovering a crashed one.

use crate::status::{gio_status, guard, Failure};
use crate::text;
use galaxy_io::MasterOptions;
use std::ffi::c_char;
use std::path::PathBuf;

/// Writes the master file `master` linking the `n_outputs` finished outputs as `Core_0`,
/// `Core_1`, ... (as SAGE's `create_hdf5_master_file` does), with their summed header. The
/// master appears complete or not at all; an existing one is replaced only if `replace` is
/// not 0, and never one of the outputs.
///
/// ```c
/// const char *tasks[] = {"out/model_0.hdf5", "out/model_1.hdf5"};
/// gio_write_master("out/model.hdf5", tasks, 2, 1);
/// ```
///
/// # Safety
/// `master` is NULL (an error) or NUL-terminated; `outputs` is NULL (an error) or holds
/// `n_outputs` NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn gio_write_master(
    master: *const c_char,
    outputs: *const *const c_char,
    n_outputs: usize,
    replace: u8,
) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract, passed on.
        let (master, outputs) = unsafe {
            let master = text::string(master, "master")?;
            let paths = text::slice(outputs, n_outputs, "outputs")?
                .iter()
                .enumerate()
                .map(|(i, &path)| text::string(path, &format!("outputs[{i}]")).map(PathBuf::from))
                .collect::<Result<Vec<_>, Failure>>()?;
            (master, paths)
        };
        let options = MasterOptions::default().replace(replace != 0);
        Ok(galaxy_io::write_master(master, &outputs, &options)?)
    })
}

/// Mends the file at `path` whose writer died (killed, out of memory, a failed finish): every
/// galaxy that reached the disk is kept, `num_gals` and the header are written, and the file is
/// replaced only once the repaired copy reads back whole. `*repaired` is 1 if anything had to be
/// mended, 0 if the file was whole. A file that another process is still writing is refused.
///
/// # Safety
/// `path` is NULL (an error) or NUL-terminated; `repaired` is NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn gio_recover(path: *const c_char, repaired: *mut u8) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let path = unsafe { text::string(path, "path") }?;
        let recovery = galaxy_io::recover(path)?;
        // SAFETY: the caller's contract: NULL or valid for writes.
        if let Some(repaired) = unsafe { repaired.as_mut() } {
            *repaired = u8::from(recovery.repaired());
        }
        Ok(())
    })
}
