//! A lock an output holds on its file for as long as it writes, so that `recover` can tell a
//! running writer from a dead one; and the other signs of a running writer the system shows.
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
pub(crate) struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Takes the lock on `path`. Best effort: where the file system refuses byte-range locks
    /// (some network file systems), the output still works, and `recover` cannot see it.
    pub(crate) fn acquire(path: &Path) -> Option<WriterLock> {
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

/// Who is writing `path`, if anyone can be seen to: a running galaxy-io output (its lock), a
/// process holding HDF5's own lock for writing (`flock`, taken by HDF5 >= 1.10 unless file
/// locking is turned off), or, on Linux, any process of this machine that has the file open
/// for writing (among those whose descriptors this user may see: all of them for root).
/// Processes on other machines of a shared file system cannot be seen.
pub(crate) fn writer(path: &Path) -> Result<Option<String>> {
    let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let mut lock = lock_of(libc::F_WRLCK);
    // SAFETY: fcntl with a valid descriptor and a pointer to an initialised flock, which the
    // kernel overwrites with the conflicting lock, if any.
    let status = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut lock) };
    // Without byte-range locks there is no lock to find.
    if status == 0 && i32::from(lock.l_type) != libc::F_UNLCK {
        return Ok(Some("a running galaxy-io output".into()));
    }
    // SAFETY: flock on a valid descriptor; a shared lock taken here is released with it.
    let shared = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) };
    if shared != 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::WouldBlock {
        return Ok(Some(
            "a program that holds HDF5's lock on it for writing".into(),
        ));
    }
    use std::os::unix::fs::MetadataExt;
    let metadata = file
        .metadata()
        .map_err(|e| Error::io("reading the metadata of", path, e))?;
    Ok(process_writing((metadata.dev(), metadata.ino())))
}

/// A process (not this one) that has the file of `identity` (device, inode) open for writing,
/// as `/proc` shows it: its name and id.
fn process_writing(identity: (u64, u64)) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let own = std::process::id().to_string();
    let processes = std::fs::read_dir("/proc").ok()?;
    for process in processes.flatten() {
        let pid = process.file_name().to_string_lossy().into_owned();
        if pid == own || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(descriptors) = std::fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        for descriptor in descriptors.flatten() {
            let same =
                std::fs::metadata(descriptor.path()).is_ok_and(|m| (m.dev(), m.ino()) == identity);
            if !same {
                continue;
            }
            let info = process.path().join("fdinfo").join(descriptor.file_name());
            let writable = std::fs::read_to_string(info).ok().and_then(|info| {
                let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?;
                let flags = u32::from_str_radix(flags.trim(), 8).ok()?;
                Some(flags & libc::O_ACCMODE as u32 != libc::O_RDONLY as u32)
            });
            if writable == Some(true) {
                let name = std::fs::read_to_string(process.path().join("comm")).unwrap_or_default();
                return Some(format!("process {pid} ({})", name.trim()));
            }
        }
    }
    None
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
        assert_eq!(writer(&path).unwrap(), None);
        let lock = WriterLock::acquire(&path).expect("local file systems have OFD locks");
        assert!(writer(&path).unwrap().is_some());
        assert!(
            WriterLock::acquire(&path).is_none(),
            "a second writer conflicts"
        );
        drop(lock);
        assert_eq!(writer(&path).unwrap(), None);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"data",
            "the file is untouched"
        );
    }
}
