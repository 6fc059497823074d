//! Files that appear under their final name only when they are complete.
//!
//! A [`Staged`] file is written under a unique temporary name next to its target (created
//! exclusively, so no file of anyone else is ever replaced or removed), and renamed into place
//! by [`Staged::commit`]. A failure, a panic or an early return removes the temporary file; a
//! signal handler can remove those of the whole process with [`remove_unfinished`]. The
//! commands of the `galaxy-io` CLI, [`write_master`](crate::write_master) and
//! [`recover`](crate::recover) write every file this way.

use crate::error::{Error, Result};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files of live `Staged` values, for [`remove_unfinished`].
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The temporary file names of the latest files staged, each with its target's name, for
/// [`with_final_names`]: kept after the file is gone, since an error naming it is reported
/// afterwards.
static NAMES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// How many names [`NAMES`] keeps: a process reports errors about its latest files.
const NAMES_KEPT: usize = 64;

/// A file being written under a temporary name, until [`commit`](Self::commit) renames it to
/// its target.
///
/// ```
/// use galaxy_io::staged::Staged;
/// let dir = tempfile::tempdir()?;
/// let target = dir.path().join("notes.txt");
/// let staged = Staged::new(&target, false)?;
/// std::fs::write(staged.path(), "complete")?;
/// assert!(!target.exists());
/// staged.commit()?;
/// assert_eq!(std::fs::read_to_string(&target)?, "complete");
/// assert!(Staged::new(&target, false).is_err(), "an existing file is not replaced");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    temporary: Option<tempfile::TempPath>,
    replace: bool,
}

impl Staged {
    /// Prepares to write `target`: refused if it exists and `replace` is false. The temporary
    /// file is created (empty) in the target's directory, so that the rename is atomic.
    pub fn new(target: impl AsRef<Path>, replace: bool) -> Result<Staged> {
        let target = target.as_ref().to_owned();
        if !replace && target.symlink_metadata().is_ok() {
            return Err(Error::FileExists(target));
        }
        let directory = directory_of(&target);
        if !directory.is_dir() {
            let missing =
                std::io::Error::new(std::io::ErrorKind::NotFound, "the directory does not exist");
            return Err(Error::io("writing into", directory, missing));
        }
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        // The final file gets the permissions of any new file (0666 less the umask), not a
        // temporary file's private 0600.
        let temporary = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
            .tempfile_in(directory)
            .map_err(|e| Error::io("creating a file in", directory, e))?
            .into_temp_path();
        lock_unfinished().push(temporary.to_path_buf());
        if let Some(temporary_name) = temporary.file_name() {
            let mut names = lock(&NAMES);
            if names.len() == NAMES_KEPT {
                names.remove(0);
            }
            names.push((
                temporary_name.to_string_lossy().into_owned(),
                name.into_owned(),
            ));
        }
        Ok(Staged {
            target,
            temporary: Some(temporary),
            replace,
        })
    }

    /// Where to write: the temporary file.
    pub fn path(&self) -> &Path {
        self.temporary.as_deref().unwrap_or(&self.target)
    }

    /// The name the file gets when it is complete.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Renames the complete file to its target; without `replace`, fails (and keeps nothing)
    /// if a file of that name appeared in the meantime.
    pub fn commit(mut self) -> Result<()> {
        let Some(temporary) = self.temporary.take() else {
            return Ok(());
        };
        forget(&temporary);
        let renamed = if self.replace {
            std::fs::rename(&temporary, &self.target)
        } else {
            rename_no_replace(&temporary, &self.target)
        };
        match renamed {
            Ok(()) => {
                // The file now has its final name; nothing is left to remove.
                let _ = temporary.keep();
                Ok(())
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(Error::FileExists(self.target.clone()))
            }
            Err(error) => Err(Error::io(
                "renaming the finished file to",
                &self.target,
                error,
            )),
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(temporary) = self.temporary.take() {
            forget(&temporary);
            let bytes = std::fs::metadata(&temporary).map_or(0, |m| m.len());
            lock(&ABANDONED).push(Abandoned {
                target: self.target.clone(),
                temporary: temporary.to_path_buf(),
                bytes,
            });
            // `TempPath` removes the file when it is dropped.
        }
    }
}

/// Files of this process that were given up before they were complete (their temporary file
/// removed), most recent last.
static ABANDONED: Mutex<Vec<Abandoned>> = Mutex::new(Vec::new());

/// A file that was given up before it was complete: nothing of it was kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Abandoned {
    /// The name it would have had.
    pub target: PathBuf,
    /// The temporary file it was written in (now removed), as errors name it.
    pub temporary: PathBuf,
    /// The bytes it had when it was given up.
    pub bytes: u64,
}

/// The files of this process given up so far (dropped without [`Staged::commit`]), most recent
/// last: what an error about a temporary file was about, and how much had been written.
///
/// ```
/// use galaxy_io::staged::{abandoned, Staged};
/// let dir = tempfile::tempdir()?;
/// let staged = Staged::new(dir.path().join("model.hdf5"), false)?;
/// std::fs::write(staged.path(), b"half")?;
/// drop(staged);
/// let last = abandoned().pop().unwrap();
/// assert_eq!((last.target, last.bytes), (dir.path().join("model.hdf5"), 4));
/// assert!(!last.temporary.exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn abandoned() -> Vec<Abandoned> {
    lock(&ABANDONED).clone()
}

/// `text` (an error message, a log line) with the temporary file of every file this process
/// staged lately named as the file the user asked for: errors from writing a file come from
/// the temporary file, but `.model.hdf5.Xy3kQz.partial` means nothing to whoever wrote
/// `model.hdf5`.
///
/// ```
/// use galaxy_io::staged::{with_final_names, Staged};
/// let dir = tempfile::tempdir()?;
/// let staged = Staged::new(dir.path().join("model.hdf5"), false)?;
/// let message = format!("HDF5 error while writing {}: disk full", staged.path().display());
/// let shown = with_final_names(&message);
/// assert_eq!(shown, format!("HDF5 error while writing {}: disk full", dir.path().join("model.hdf5").display()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn with_final_names(text: &str) -> String {
    let mut text = text.to_owned();
    for (temporary, target) in lock(&NAMES).iter() {
        if text.contains(temporary.as_str()) {
            // The temporary file of `x.hdf5` is `./.x.hdf5.XXXX.partial` in the current directory.
            text = text
                .replace(&format!("/./{temporary}"), &format!("/{target}"))
                .replace(temporary.as_str(), target);
        }
    }
    text
}

/// Removes the temporary files of every `Staged` file of this process that was not committed:
/// for a signal handler (run on an ordinary thread) before the process exits.
pub fn remove_unfinished() {
    for path in lock_unfinished().drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

/// Fails unless every path names a different file (through any symlinks, `./` or hard links):
/// the same input twice would be read twice.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let a = dir.path().join("a.hdf5");
/// std::fs::write(&a, "")?;
/// let same = dir.path().join(".").join("a.hdf5");
/// assert!(galaxy_io::staged::distinct(&[a, same]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn distinct(paths: &[impl AsRef<Path>]) -> Result<()> {
    let mut seen: Vec<((u64, u64), &Path)> = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let Some(identity) = identity(path) else {
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(id, _)| *id == identity) {
            return Err(Error::SameFile {
                first: first.to_path_buf(),
                second: path.to_owned(),
            });
        }
        seen.push((identity, path));
    }
    Ok(())
}

/// Fails if `output` is (or resolves to) one of `inputs`: writing it would destroy an input.
pub fn not_an_input(output: &Path, inputs: &[impl AsRef<Path>]) -> Result<()> {
    let Some(target) = identity(output) else {
        return Ok(());
    };
    match inputs
        .iter()
        .find(|input| identity(input.as_ref()) == Some(target))
    {
        Some(input) => Err(Error::OutputIsInput {
            output: output.to_owned(),
            input: input.as_ref().to_owned(),
        }),
        None => Ok(()),
    }
}

/// The device and inode a path resolves to, if it exists.
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The directory a path is in: `.` for a bare file name.
pub(crate) fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn forget(temporary: &Path) {
    lock_unfinished().retain(|path| path != temporary);
}

fn lock_unfinished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    lock(&UNFINISHED)
}

fn lock<T>(list: &'static Mutex<Vec<T>>) -> std::sync::MutexGuard<'static, Vec<T>> {
    // The lists are valid after any panic: every change is a single push, remove, retain or
    // drain.
    list.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Renames `from` to `to` unless `to` exists, atomically where the file system allows it.
fn rename_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |path: &Path| {
        std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::other("a path with a NUL byte"))
    };
    let (c_from, c_to) = (c(from)?, c(to)?);
    // SAFETY: two NUL-terminated paths relative to the working directory.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            c_from.as_ptr(),
            libc::AT_FDCWD,
            c_to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if status == 0 {
        return Ok(());
    }
    let error = std::io::Error::last_os_error();
    match error.raw_os_error() {
        // File systems without RENAME_NOREPLACE: a hard link fails if `to` exists, too.
        Some(libc::EINVAL | libc::ENOSYS | libc::ENOTSUP) => {
            std::fs::hard_link(from, to)?;
            std::fs::remove_file(from)
        }
        _ => Err(error),
    }
}
