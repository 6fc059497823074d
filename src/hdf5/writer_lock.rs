//! A lock an output holds on its file for as long as it writes, so that `recover` can tell a
//! running writer from a dead one.
//!
//! HDF5's own `flock` is not enough: a writer in SWMR mode releases it so that readers can open
//! the file. This is an open-file-description byte-range lock (`F_OFD_SETLK`) on one byte far
//! past any data: independent of HDF5's `flock`, inherited by no child process, and released by
//! the kernel when the writer's process ends, however it ends.

use crate::error::{Error, Result};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

/// The locked byte: beyond the end of any real file, so no reader or writer ever touches it.
const LOCKED_BYTE: i64 = 1 << 62;

/// Held by a running output; dropping it (or the process ending) releases the lock.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Takes the lock on `path`. Best effort: where the file system refuses byte-range locks
    /// (some network file systems), the output still works, and `recover` cannot see it.
    pub fn acquire(path: &Path) -> Option<WriterLock> {
        let file = std::fs::OpenOptions::new().write(true).open(path).ok()?;
        let mut lock = lock_of(libc::F_WRLCK);
        // SAFETY: fcntl with a valid descriptor and a pointer to an initialised flock.
        let status = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &mut lock) };
        if status == 0 {
            Some(WriterLock { _file: file })
        } else {
            log::debug!(
                "{}: no writer lock ({}); recover will not see this writer",
                path.display(),
                std::io::Error::last_os_error()
            );
            None
        }
    }
}

/// Whether a running output holds the writer lock of `path`.
pub fn writer_running(path: &Path) -> Result<bool> {
    let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let mut lock = lock_of(libc::F_WRLCK);
    // SAFETY: fcntl with a valid descriptor and a pointer to an initialised flock, which the
    // kernel overwrites with the conflicting lock, if any.
    let status = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut lock) };
    if status != 0 {
        // Without byte-range locks there is no lock to find.
        return Ok(false);
    }
    Ok(i32::from(lock.l_type) != libc::F_UNLCK)
}

fn lock_of(kind: i32) -> libc::flock {
    // SAFETY: flock is plain data; zero is a valid value of every field.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = kind as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = LOCKED_BYTE;
    lock.l_len = 1;
    lock
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_seen_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.hdf5");
        std::fs::write(&path, b"data").unwrap();
        assert!(!writer_running(&path).unwrap());
        let lock = WriterLock::acquire(&path).expect("local file systems have OFD locks");
        assert!(writer_running(&path).unwrap());
        assert!(
            WriterLock::acquire(&path).is_none(),
            "a second writer conflicts"
        );
        drop(lock);
        assert!(!writer_running(&path).unwrap());
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"data",
            "the file is untouched"
        );
    }
}
