//! Making a file that a crashed writer left behind whole again, without risking it: a file that
//! is consistent is left as it is, byte for byte; any repair is made on a copy, which replaces
//! the file only once the reader has read it back whole, and only if the file did not change in
//! the meantime. A file that is still being written, or that cannot be read for any reason but a
//! crash, is refused and left untouched.

use crate::error::{Error, Result};
use crate::hdf5::ffi;
use crate::hdf5::read::checked;
use crate::hdf5::read::contain::{self, OnDamage};
use crate::hdf5::read::reader::Catalogue;
use crate::hdf5::read::recover_rows::{
    cannot_recover, cut_in_place, drop_lost_datasets, durable_writer, salvage, survey, Found,
};
use crate::hdf5::read::superblock::Superblock;
use crate::hdf5::read::writer_lock;
use crate::staged::Staged;
use std::path::Path;

/// What [`recover`] found in one snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveredSnapshot {
    /// The snapshot number.
    pub snapshot: u32,
    /// Rows kept: the length every dataset of the snapshot has now.
    pub rows: u64,
    /// Rows cut from datasets that were longer (a flush the writer did not complete, or one
    /// it had not reported).
    pub dropped: u64,
    /// Rows the writer reported flushed that could not be kept (0 unless the file was damaged
    /// beyond what a crash does).
    pub lost: u64,
}

/// What [`recover`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// Every snapshot, ascending.
    pub snapshots: Vec<RecoveredSnapshot>,
    /// What was repaired, in order; empty when the file was consistent and was not changed.
    pub repairs: Vec<String>,
}

impl Recovery {
    /// Whether the file was replaced by a repaired copy.
    pub fn repaired(&self) -> bool {
        !self.repairs.is_empty()
    }
}

/// How [`recover_with`] treats a file that a running writer still holds.
///
/// ```
/// let options = galaxy_io::RecoverOptions::default().even_if_a_writer_is_running(true);
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default)]
pub struct RecoverOptions {
    force: bool,
}

impl RecoverOptions {
    /// Recover although a running galaxy-io writer holds the file (it will go on writing into
    /// the file that is replaced, and what it writes afterwards is lost): for a writer that is
    /// known to be stuck. Off by default.
    pub fn even_if_a_writer_is_running(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

/// Makes a file left by a writer that died readable and consistent: clears the status flags
/// that HDF5 leaves in a file open for writing (as `h5clear --status` does), supplies the end of
/// the file a full disk kept from being written, cuts every dataset of a snapshot to the rows
/// all of them can give back (a flush interrupted half-way extends some datasets and not
/// others, and a writer killed inside `H5Fflush` can leave chunks past the end of the file), and
/// sets `num_gals`. Every row the writer reported as flushed is kept: a flush is reported only
/// after all of its datasets were written and made durable.
///
/// A consistent file is not changed. Otherwise the repair is made on a copy next to the file,
/// which replaces it once it reads back whole. A file a running writer holds, a file that is not
/// HDF5, and any read error that a crash does not explain (a compression filter this build
/// lacks, a damaged chunk) are errors, and the file is left as it was.
///
/// ```
/// use galaxy_io::{recover, sage::SageGalaxy, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model.hdf5");
/// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default())?;
/// output.write(63, &[SageGalaxy::default(); 10])?;
/// output.finish()?;
/// let recovery = recover(&path)?;
/// assert!(!recovery.repaired(), "a finished file is consistent");
/// assert_eq!((recovery.snapshots[0].rows, recovery.snapshots[0].dropped), (10, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn recover(path: impl AsRef<Path>) -> Result<Recovery> {
    recover_with(path, &RecoverOptions::default())
}

/// [`recover`] with options.
pub fn recover_with(path: impl AsRef<Path>, options: &RecoverOptions) -> Result<Recovery> {
    let given = path.as_ref();
    // Through a symbolic link, the file it names is repaired (the link stays a link).
    let resolved;
    let path = match given.symlink_metadata() {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            resolved =
                std::fs::canonicalize(given).map_err(|e| Error::io("following", given, e))?;
            resolved.as_path()
        }
        _ => given,
    };
    let before = FileState::of(path)?;
    let superblock = Superblock::read(path)?;
    if let Some(writer) = writer_lock::writer(path)? {
        if !options.force {
            return Err(Error::WriterRunning {
                path: path.to_owned(),
                writer,
            });
        }
        log::warn!(
            "{}: {writer} is still writing it; recovering anyway, as asked",
            path.display()
        );
    }
    if superblock.status_flags == 0 && before.length >= superblock.end_of_file {
        let open = || {
            ffi::files::no_inherit(|| {
                hdf5::File::open(path).map_err(|e| cannot_recover(path, &checked::one_line(&e)))
            })
        };
        contain::in_child(path, OnDamage::Refuse, || {
            survey(&open()?, path, before.length).map(drop)
        })?;
        let file = open()?;
        let found = survey(&file, path, before.length)?;
        if durable_writer(&file).is_none() && found.iter().all(Found::consistent) {
            return Ok(Recovery {
                snapshots: report(&found),
                repairs: Vec::new(),
            });
        }
    }
    repair_copy(path, &superblock, &before)
}

/// Repairs a copy of `path` and puts it in its place.
fn repair_copy(path: &Path, superblock: &Superblock, before: &FileState) -> Result<Recovery> {
    let mut repairs = Vec::new();
    let truncated = before.length < superblock.end_of_file;
    let length = before.length.max(superblock.end_of_file);
    free_space_for(path, length, Copying::Whole)?;
    let work = Staged::new(path, true)?;
    std::fs::copy(path, work.path()).map_err(|e| Error::io("copying", path, e))?;
    if truncated {
        // A writer that hit a full disk or a file-size limit recorded an end of file beyond what
        // reached the disk. The space it claims was never reported as flushed, so zeros stand
        // in for it; the datasets are cut to rows stored before the real end afterwards.
        std::fs::OpenOptions::new()
            .write(true)
            .open(work.path())
            .and_then(|file| file.set_len(superblock.end_of_file))
            .map_err(|e| Error::io("extending", work.path(), e))?;
        repairs.push(format!(
            "the file ends at byte {} but records {}: the missing end was supplied",
            before.length, superblock.end_of_file
        ));
    }
    if superblock.status_flags != 0 {
        repairs.push("cleared the flags of a writer that did not close the file".into());
    }
    // A truncated file's missing end reads as zeros, where HDF5 may find structures it cannot
    // walk safely: only a durable writer's file is walked at all, and first in a child.
    contain::in_child(path, OnDamage::Refuse, || {
        let file = open_copy(work.path(), path)?;
        only_durable_if_truncated(&file, path, truncated, superblock, before)?;
        survey(&file, path, before.length).map(drop)
    })?;
    let file = open_copy(work.path(), path)?;
    only_durable_if_truncated(&file, path, truncated, superblock, before)?;
    let found = survey(&file, path, before.length)?;
    if truncated {
        drop_lost_datasets(&file, before.length, &mut repairs)?;
    }
    for snapshot in &found {
        describe(snapshot, &mut repairs);
    }
    let snapshots = report(&found);
    let cut = cut_in_place(&file, &found).and_then(|()| {
        drop(file);
        validate(work.path(), &snapshots, path)
    });
    let result = match cut {
        Ok(()) => work,
        Err(error) => {
            log::debug!("{}: cutting in place failed: {error}", path.display());
            repairs.push("the rows kept were copied into a new file".into());
            free_space_for(path, length, Copying::RowsKept)?;
            let file = open_copy(work.path(), path)?;
            let fresh = Staged::new(path, true)?;
            salvage(&file, &found, path, fresh.path())?;
            drop(found);
            drop(file);
            validate(fresh.path(), &snapshots, path)?;
            fresh
        }
    };
    if repairs.is_empty() {
        repairs.push("set num_gals to the rows of each snapshot".into());
    }
    if FileState::of(path)? != *before {
        return Err(Error::BadFile {
            path: path.to_owned(),
            problem: "changed while it was being recovered; it was left as it is".into(),
        });
    }
    std::fs::set_permissions(result.path(), before.permissions.clone())
        .map_err(|e| Error::io("setting the permissions of", result.path(), e))?;
    result.commit()?;
    Ok(Recovery { snapshots, repairs })
}

/// Refuses a truncated file that no durable writer left: a writer in the default mode writes
/// its file's structures only at `finish`, so a cut one has nothing to recover, and a file that
/// was finished and then cut (a copy that stopped short) is not what a crash leaves.
fn only_durable_if_truncated(
    file: &hdf5::File,
    path: &Path,
    truncated: bool,
    superblock: &Superblock,
    before: &FileState,
) -> Result<()> {
    if !truncated || durable_writer(file).is_some() {
        return Ok(());
    }
    Err(cannot_recover(
        path,
        &format!(
            "it is truncated ({} of the {} bytes it records) and was not left by a durable \
             writer (flush-each-buffer or SWMR), so what is missing cannot be told from what was \
             never written: it is damaged, not a crashed writer's file",
            before.length, superblock.end_of_file
        ),
    ))
}

/// Fails before anything is copied when the file system of `path` has less free space than
/// `bytes`, what `copy` (a copy to repair, or a new file of the rows kept) needs, where it can
/// tell: a full disk halfway through would only waste the time the copy took.
fn free_space_for(path: &Path, bytes: u64, copy: Copying) -> Result<()> {
    let directory = crate::staged::directory_of(path);
    let Some(free) = free_space(directory) else {
        return Ok(());
    };
    if free >= bytes {
        return Ok(());
    }
    let (what, more) = match copy {
        Copying::Whole => (
            "for a copy to repair",
            " (and as much again if it has to copy the rows into a new file)",
        ),
        Copying::RowsKept => ("for a new file of the rows kept", " beside its copy"),
    };
    Err(Error::NoSpace {
        path: path.to_owned(),
        problem: format!(
            "{what}: recover needs {} free in {}{more}, and {} are; nothing was changed",
            mebibytes(bytes, true),
            directory.display(),
            mebibytes(free, false)
        ),
        source: None,
    })
}

/// What recover is about to copy, for [`free_space_for`].
#[derive(Clone, Copy)]
enum Copying {
    /// The whole file, to repair the copy.
    Whole,
    /// The rows kept, into a new file, when the copy cannot be cut in place.
    RowsKept,
}

/// `bytes` in MiB to a tenth, rounded `up` or down: what is needed is never understated, nor
/// what is free overstated.
fn mebibytes(bytes: u64, up: bool) -> String {
    let tenths = if up {
        bytes.saturating_mul(10).div_ceil(1 << 20)
    } else {
        bytes.saturating_mul(10) / (1 << 20)
    };
    format!("{}.{} MiB", tenths / 10, tenths % 10)
}

/// Bytes an unprivileged user may still write to the file system of `directory`.
fn free_space(directory: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(directory.as_os_str().as_bytes()).ok()?;
    // SAFETY: a NUL-terminated path and a zeroed statvfs for the result.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Opens the copy of `path` at `work` for repair: the status flags a writer left cleared, and
/// everything the file holds counted as its data. A killed writer may have written past the end
/// it last recorded, and all of it is its own: recorded or not, it is kept, and space HDF5 needs
/// for the repair comes after it.
fn open_copy(work: &Path, path: &Path) -> Result<hdf5::File> {
    let file = ffi::files::open_clearing_status(work).map_err(|error| {
        let why = match &error {
            Error::Hdf5 { source, .. } => crate::error::plain(&source.to_string()),
            other => other.to_string(),
        };
        Error::Unrecoverable {
            path: path.to_owned(),
            problem: format!("HDF5 cannot open it ({why})"),
            cause: Some(Box::new(error)),
        }
    })?;
    ffi::files::extend_to_end_of_file(file.id()).map_err(|e| e.reading(path, "its end of file"))?;
    Ok(file)
}

/// What recovering `snapshot` changes, in words.
fn describe(snapshot: &Found, repairs: &mut Vec<String>) {
    let kept = snapshot.rows;
    if snapshot.longest > kept {
        let why = if snapshot.committed.is_some() {
            "the writer had not reported flushed"
        } else {
            "that not all of its datasets had"
        };
        repairs.push(format!(
            "Snap_{}: cut to {kept} rows ({} rows {why} were dropped)",
            snapshot.snapshot,
            snapshot.longest - kept
        ));
    }
    if let Some(committed) = snapshot.committed.filter(|&c| c > kept) {
        repairs.push(format!(
            "Snap_{}: {} of the {committed} rows the writer reported flushed could not be kept",
            snapshot.snapshot,
            committed - kept
        ));
    }
}

fn report(found: &[Found]) -> Vec<RecoveredSnapshot> {
    found
        .iter()
        .map(|f| RecoveredSnapshot {
            snapshot: f.snapshot,
            rows: f.rows,
            dropped: f.longest - f.rows,
            lost: f.committed.map_or(0, |c| c.saturating_sub(f.rows)),
        })
        .collect()
}

/// The file as it was when recovery started, to notice a change before replacing it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FileState {
    identity: (u64, u64),
    length: u64,
    modified: Option<std::time::SystemTime>,
    permissions: std::fs::Permissions,
}

impl FileState {
    fn of(path: &Path) -> Result<FileState> {
        use std::os::unix::fs::MetadataExt;
        let metadata = crate::hdf5::read::regular::regular_file(path)?;
        Ok(FileState {
            identity: (metadata.dev(), metadata.ino()),
            length: metadata.len(),
            modified: metadata.modified().ok(),
            permissions: metadata.permissions(),
        })
    }
}

/// Reads the repaired copy back as `galaxy-io check --read-all` does: every row of every
/// dataset, `num_gals` right, and every snapshot with the rows that were kept.
fn validate(result: &Path, snapshots: &[RecoveredSnapshot], path: &Path) -> Result<()> {
    let catalogue = Catalogue::open(result)?;
    catalogue.verify().map_err(|error| {
        cannot_recover(
            path,
            &format!("the repaired copy does not read back whole ({error})"),
        )
    })?;
    for snapshot in snapshots {
        let rows = catalogue.num_galaxies(snapshot.snapshot)?;
        if rows != snapshot.rows {
            return Err(cannot_recover(
                path,
                &format!(
                    "the repaired copy has {rows} rows in Snap_{} instead of {}",
                    snapshot.snapshot, snapshot.rows
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_that_cannot_fit_is_refused_before_it_starts_saying_what_it_needs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crashed.hdf5");
        assert!(free_space_for(&path, 0, Copying::Whole).is_ok());
        for copy in [Copying::Whole, Copying::RowsKept] {
            match free_space_for(&path, u64::MAX / 16, copy) {
                Err(Error::NoSpace { path: named, .. }) => assert_eq!(named, path),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(mebibytes(3_790_207, true), "3.7 MiB");
        assert_eq!(mebibytes(3_790_207, false), "3.6 MiB");
        assert_eq!(mebibytes(1 << 20, true), "1.0 MiB");
    }
}
