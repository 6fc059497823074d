//! Opening a file that may come from anywhere: what can be checked before HDF5 reads a byte is
//! checked first (a regular file, HDF5's signature, no writer's flags, not shorter than its
//! superblock records), and the first walk over its structures runs where an HDF5 crash becomes
//! an error (`survey`).

use crate::error::{Error, Result};
use crate::hdf5::ffi;
use crate::hdf5::read::checked;
use crate::hdf5::read::regular::regular_file;
use crate::hdf5::read::superblock::Superblock;
use crate::hdf5::read::survey::{self, Scope};
use std::path::{Path, PathBuf};

/// What to say of a file a writer may have left: only a durable writer's files can be repaired.
const RECOVER: &str = "; if a durable writer (flush-each-buffer or SWMR) died writing it, \
                       `galaxy-io recover` can repair it";

/// Opens `path` read-only once it is known to be a complete HDF5 file that no writer holds open
/// and that HDF5 reads without failing: the superblock is read first, a file shorter than it
/// records is refused, and the file's structures are surveyed (once per process).
pub(in crate::hdf5) fn open_checked(path: &Path) -> Result<hdf5::File> {
    finished(path)?;
    survey::ensure_sound(path, false)?;
    open_read_only(path)
}

/// [`open_checked`] for a reader, which surveys a file in parts: the root here, each snapshot
/// before it first reads it ([`ensure_snapshot_sound`]).
pub(in crate::hdf5) fn open_catalogue(path: &Path) -> Result<hdf5::File> {
    finished(path)?;
    survey::ensure_scope_sound(path, false, Scope::Root)?;
    open_read_only(path)
}

/// Surveys one snapshot of a catalogue opened with [`open_catalogue`] or [`open_live`] (once
/// per process and file).
pub(in crate::hdf5) fn ensure_snapshot_sound(path: &Path, live: bool, snapshot: u32) -> Result<()> {
    survey::ensure_scope_sound(path, live, Scope::Snapshot(snapshot))
}

/// Opens a master's source file that [`finished`] passed and that was surveyed as a source
/// (`survey::ensure_sources_sound`).
pub(in crate::hdf5) fn open_source(path: &Path) -> Result<hdf5::File> {
    finished(path)?;
    open_read_only(path)
}

/// What can be told of `path` before HDF5 opens it: a regular file with an HDF5 superblock, as
/// long as the superblock records, and not marked as open by a writer.
pub(in crate::hdf5) fn finished(path: &Path) -> Result<Superblock> {
    let superblock = preflight(path)?;
    if superblock.status_flags != 0 {
        return Err(bad(
            path,
            format!(
                "is marked as still open by a writer (a running one: open it with \
                 Catalogue::open_live or `inspect --live`){RECOVER}"
            ),
        ));
    }
    Ok(superblock)
}

fn open_read_only(path: &Path) -> Result<hdf5::File> {
    ffi::files::without_chunk_cache(path, |e| {
        bad(
            path,
            format!(
                "is not a readable HDF5 file ({}){RECOVER}",
                checked::one_line(&e)
            ),
        )
    })
}

/// Opens `path` as a reader of a running single-writer/multiple-reader writer, surveying its
/// root ([`open_catalogue`]). HDF5 does not compare the end of file with its length for such a
/// reader (the writer may be extending it), so that is done here, as for any other file.
pub(in crate::hdf5) fn open_live(path: &Path) -> Result<hdf5::File> {
    preflight(path)?;
    survey::ensure_scope_sound(path, true, Scope::Root)?;
    ffi::files::open_swmr_read(path)
}

/// The checks made before HDF5 opens `path`: a regular file, with an HDF5 superblock, at least
/// as long as the superblock records (HDF5 would otherwise read structures past its end).
fn preflight(path: &Path) -> Result<Superblock> {
    regular_file(path)?;
    let superblock = Superblock::read(path)?;
    let length = regular_file(path)?.len();
    if length < superblock.end_of_file {
        return Err(bad(
            path,
            format!(
                "is truncated: it has {length} bytes of the {} it records{RECOVER}",
                superblock.end_of_file
            ),
        ));
    }
    Ok(superblock)
}

fn bad(path: &Path, problem: String) -> Error {
    Error::BadFile {
        path: path.to_owned(),
        problem,
    }
}

/// Surveys, all in one child, those of `paths` (a master's outputs) that pass [`finished`] and
/// were not surveyed yet; the others are left out, and opening them reports why.
pub(in crate::hdf5) fn ensure_all_sound(paths: &[PathBuf]) -> Result<()> {
    let finished: Vec<PathBuf> = paths
        .iter()
        .filter(|path| finished(path).is_ok())
        .cloned()
        .collect();
    survey::ensure_all_sound(&finished)
}
