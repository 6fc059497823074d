//! The survey: the first walk over the structures of a file this process does not know to be
//! sound, run in a child process (`contain`), so that a crash or a hang of HDF5 on damaged
//! metadata becomes [`Error::Damaged`] instead of ending the program. The walk does what the
//! reader does with a file, short of reading every row: every group and dataset it lists and
//! opens, every attribute, each dataset's type, shape, filters and chunk index, the first and
//! the last row, a master's mappings. A file that survives it is remembered (by device, inode,
//! size and times) and not walked again.
//!
//! A reader walks a file in parts ([`Scope`]), each before it first reads it: the root (its
//! header and group table) when the file is opened, a snapshot when one is first read, and the
//! rest of the file once it reads more than a few snapshots (a small file is walked whole when
//! opened). A catalogue of 64 snapshots of 54
//! datasets takes seconds to walk whole; one column of it is read after walking one snapshot's
//! datasets.

use crate::error::{Error, Result};
use crate::hdf5::read::contain::{self, stage, OnDamage};
use crate::hdf5::read::reader::Catalogue;
use crate::hdf5::{ffi, names, read::checked};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The files this process surveyed, as they were then.
static SOUND: Known = Mutex::new(None);
/// The files this process surveyed as a master's sources (only the datasets it maps).
static SOURCES: Known = Mutex::new(None);
/// The parts of files this process surveyed (a file surveyed whole is in [`SOUND`]).
static SCOPES: Mutex<Option<HashSet<(Identity, Scope)>>> = Mutex::new(None);

/// A part of a catalogue that a reader reads, and a survey walks, on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(in crate::hdf5) enum Scope {
    /// The superblock, the root group and its attributes, the header and the group table.
    Root,
    /// One snapshot: its groups, datasets, their attributes and storage, and its `TreeInfo`.
    Snapshot(u32),
}

/// A file as it is now: another file, or the same one changed, is another identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Identity {
    device: u64,
    inode: u64,
    length: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Identity {
    fn of(path: &Path) -> Option<Identity> {
        use std::os::unix::fs::MetadataExt;
        let metadata = std::fs::metadata(path).ok()?;
        Some(Identity {
            device: metadata.dev(),
            inode: metadata.ino(),
            length: metadata.len(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        })
    }
}

/// Surveys the catalogue at `path` in a child process: walks every structure of the file that
/// the reader reads (groups, datasets, attributes, chunk indexes, a master's mappings), short
/// of the rows themselves. A crash or a hang of HDF5 there is
/// [`Error::Damaged`](crate::Error::Damaged), naming what it was reading; anything else the
/// walk meets is left for the reads that follow to report.
/// [`Catalogue::open`](crate::Catalogue::open) (and every command) surveys each file it
/// opens the first time, so this is only needed to ask before opening.
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, Error, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_0.hdf5");
/// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default())?;
/// output.write(63, &[SageGalaxy::default(); 3])?;
/// output.finish()?;
/// galaxy_io::survey(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn survey(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    crate::hdf5::read::regular::regular_file(path)?;
    walk_in_child(path, false)
}

/// Surveys `path` unless this process already did (with the file as it is now); in a child
/// running a survey, does nothing (the child reads everything itself).
pub(in crate::hdf5) fn ensure_sound(path: &Path, live: bool) -> Result<()> {
    if contain::in_child_process() {
        return Ok(());
    }
    let identity = Identity::of(path);
    if identity.is_some_and(|identity| known(&SOUND, identity)) {
        return Ok(());
    }
    walk_in_child(path, live)?;
    remember(&SOUND, identity);
    Ok(())
}

/// Surveys `scope` of `path` unless this process already did, or surveyed the whole file (with
/// the file as it is now); in a child running a survey, does nothing.
pub(in crate::hdf5) fn ensure_scope_sound(path: &Path, live: bool, scope: Scope) -> Result<()> {
    if contain::in_child_process() {
        return Ok(());
    }
    let identity = Identity::of(path);
    if let Some(identity) = identity {
        if known(&SOUND, identity) || known_scope(identity, scope) {
            return Ok(());
        }
        if let Some(damaged) = known_damage(identity) {
            return Err(damaged);
        }
        if scope == Scope::Root && identity.length < WHOLE_BELOW_BYTES {
            walk_in_child(path, live).inspect_err(|e| remember_damage(identity, e))?;
            remember(&SOUND, Some(identity));
            return Ok(());
        }
        let walked = snapshots_known(identity);
        if matches!(scope, Scope::Snapshot(_)) && walked.len() >= SNAPSHOTS_APART {
            contain::in_child(path, on_damage(live), || {
                walk_rest(path, live, &walked);
                Ok(())
            })
            .inspect_err(|e| remember_damage(identity, e))?;
            remember(&SOUND, Some(identity));
            return Ok(());
        }
    }
    contain::in_child(path, on_damage(live), || {
        if let Some(catalogue) = open_to_walk(path, live) {
            match scope {
                Scope::Root => drop(walk_root(&catalogue, path)),
                Scope::Snapshot(snapshot) => walk_snapshot(&catalogue, path, snapshot),
            }
        }
        Ok(())
    })
    .inspect_err(|e| {
        if let Some(identity) = identity {
            remember_damage(identity, e);
        }
    })?;
    if let Some(identity) = identity {
        let mut scopes = SCOPES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        scopes
            .get_or_insert_with(HashSet::new)
            .insert((identity, scope));
    }
    Ok(())
}

/// The files found damaged in a part: the error, given again for every other part (a file whose
/// every snapshot makes HDF5 hang would otherwise wait out the idle limit once per snapshot).
static DAMAGED: Mutex<Option<HashMap<Identity, (PathBuf, String)>>> = Mutex::new(None);

fn remember_damage(identity: Identity, error: &Error) {
    if let Error::Damaged { path, problem } = error {
        let mut damaged = DAMAGED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        damaged
            .get_or_insert_with(HashMap::new)
            .insert(identity, (path.clone(), problem.clone()));
    }
}

fn known_damage(identity: Identity) -> Option<Error> {
    let damaged = DAMAGED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (path, problem) = damaged.as_ref()?.get(&identity)?;
    Some(Error::Damaged {
        path: path.clone(),
        problem: problem.clone(),
    })
}

/// Files shorter than this are surveyed whole when opened: a walk of such a file costs about
/// what starting a child does, and a reader of it would start several.
const WHOLE_BELOW_BYTES: u64 = 256 << 10;

/// The snapshots of one file surveyed apart, after which a reader reading yet another one is
/// reading the file through: the rest of it (the snapshots not surveyed yet) is surveyed in one
/// child, not one child each (a file of thousands of snapshot groups would otherwise cost
/// thousands of children).
const SNAPSHOTS_APART: usize = 4;

/// The snapshots of the file `identity` surveyed apart so far.
fn snapshots_known(identity: Identity) -> HashSet<u32> {
    let scopes = SCOPES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    scopes.as_ref().map_or_else(HashSet::new, |scopes| {
        scopes
            .iter()
            .filter_map(|&(known, scope)| match scope {
                Scope::Snapshot(snapshot) if known == identity => Some(snapshot),
                _ => None,
            })
            .collect()
    })
}

fn known_scope(identity: Identity, scope: Scope) -> bool {
    let scopes = SCOPES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    scopes
        .as_ref()
        .is_some_and(|scopes| scopes.contains(&(identity, scope)))
}

/// [`ensure_sound`] for many files (a master's outputs), those not surveyed yet all in one
/// child. Only for files that passed the checks made before HDF5 opens a file
/// (`open::ensure_all_sound`).
pub(in crate::hdf5) fn ensure_all_sound(paths: &[PathBuf]) -> Result<()> {
    if contain::in_child_process() {
        return Ok(());
    }
    let unknown: Vec<(&PathBuf, Option<Identity>)> = paths
        .iter()
        .map(|path| (path, Identity::of(path)))
        .filter(|(_, identity)| identity.is_none_or(|identity| !known(&SOUND, identity)))
        .collect();
    let Some(&(first, _)) = unknown.first() else {
        return Ok(());
    };
    contain::in_child(first, OnDamage::Refuse, || {
        for (path, _) in &unknown {
            walk(path, false);
        }
        Ok(())
    })?;
    for (_, identity) in unknown {
        remember(&SOUND, identity);
    }
    Ok(())
}

/// Marks `path`, which this process has just written, finished and closed, as sound, so that
/// reading it here (`write_master` over the outputs a run just wrote, SAGE's master step) does
/// not survey it: the survey guards against structures HDF5 cannot walk safely, and every
/// structure of this file was written by this process's HDF5 moments ago. Any change to the
/// file since (by another process, or a close that HDF5 deferred) makes it another file to the
/// survey, which then runs as for any other.
pub(in crate::hdf5) fn written(path: &Path) {
    let identity = Identity::of(path);
    remember(&SOUND, identity);
    remember(&SOURCES, identity);
}

type Known = Mutex<Option<HashSet<Identity>>>;

/// A master's source file, and the datasets of it that the master maps.
pub(in crate::hdf5) type SourceWalk = (PathBuf, Vec<String>);

fn known(set: &Known, identity: Identity) -> bool {
    let set = set.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    set.as_ref().is_some_and(|set| set.contains(&identity))
}

fn remember(set: &Known, identity: Option<Identity>) {
    if let Some(identity) = identity {
        let mut set = set.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        set.get_or_insert_with(HashSet::new).insert(identity);
    }
}

/// Surveys a master's source files, those this process has not surveyed yet, all in one child:
/// each file's root and the datasets named beside it (what reading a master's rows reads of
/// them), so that a master over thousands of files costs one child, not thousands.
pub(in crate::hdf5) fn ensure_sources_sound(sources: &[SourceWalk]) -> Result<()> {
    if contain::in_child_process() {
        return Ok(());
    }
    let unknown: Vec<(&SourceWalk, Option<Identity>)> = sources
        .iter()
        .map(|source| (source, Identity::of(&source.0)))
        .filter(|(_, identity)| identity.is_none_or(|identity| !known(&SOURCES, identity)))
        .collect();
    let Some(&((first, _), _)) = unknown.first() else {
        return Ok(());
    };
    contain::in_child(first, OnDamage::Refuse, || {
        for ((path, datasets), _) in &unknown {
            walk_source(path, datasets);
        }
        Ok(())
    })?;
    for (_, identity) in unknown {
        remember(&SOURCES, identity);
    }
    Ok(())
}

/// Reads what reading a master's rows reads of one source file: its root and the datasets
/// named, each's type, shape, storage and first and last rows.
fn walk_source(path: &Path, datasets: &[String]) {
    stage(path, || "its superblock and root group".into());
    let Ok(file) = hdf5::File::open(path) else {
        return;
    };
    let Ok(root) = file.as_group() else {
        return;
    };
    for name in datasets {
        stage(path, || format!("the dataset {name}"));
        let Ok(dataset) = checked::dataset(&root, name) else {
            continue;
        };
        let Ok(column) = checked::column(&dataset) else {
            continue;
        };
        stage(path, || format!("the storage of {name}"));
        if checked::check_readable(&dataset, &column).is_ok() {
            stage(path, || format!("the first and last rows of {name}"));
            first_and_last_rows(&dataset, &column);
        }
    }
}

fn walk_in_child(path: &Path, live: bool) -> Result<()> {
    contain::in_child(path, on_damage(live), || {
        walk(path, live);
        Ok(())
    })
}

/// A file a writer is still writing has structures that are not written yet.
fn on_damage(live: bool) -> OnDamage {
    if live {
        OnDamage::Expect
    } else {
        OnDamage::Refuse
    }
}

/// Reads everything the reader reads of the catalogue at `path`, but the rows, ignoring what
/// it cannot read: only a crash or a hang matters here.
fn walk(path: &Path, live: bool) {
    let Some(catalogue) = open_to_walk(path, live) else {
        return;
    };
    let Some(snapshots) = walk_root(&catalogue, path) else {
        return;
    };
    for snapshot in snapshots {
        walk_snapshot(&catalogue, path, snapshot);
    }
}

/// [`walk`] but for the snapshots in `walked`, surveyed before.
fn walk_rest(path: &Path, live: bool, walked: &HashSet<u32>) {
    let Some(catalogue) = open_to_walk(path, live) else {
        return;
    };
    let Some(snapshots) = walk_root(&catalogue, path) else {
        return;
    };
    for snapshot in snapshots {
        if !walked.contains(&snapshot) {
            walk_snapshot(&catalogue, path, snapshot);
        }
    }
}

fn open_to_walk(path: &Path, live: bool) -> Option<Catalogue> {
    stage(path, || "its superblock and root group".into());
    if live {
        Catalogue::open_live(path).ok()
    } else {
        Catalogue::open(path).ok()
    }
}

/// [`Scope::Root`]: the header, the root's attributes, the group table and the history index;
/// the snapshots listed.
fn walk_root(catalogue: &Catalogue, path: &Path) -> Option<Vec<u32>> {
    stage(path, || "its header".into());
    let _ = catalogue.header();
    stage(path, || "the attributes of its root group".into());
    let _ = checked::attrs(catalogue.file());
    stage(path, || "its group table".into());
    let snapshots = catalogue.snapshots().ok();
    walk_history_index(path, catalogue.file());
    snapshots
}

/// [`Scope::Snapshot`]: every structure of one snapshot, but its rows.
fn walk_snapshot(catalogue: &Catalogue, path: &Path, snapshot: u32) {
    let group = names::snapshot_group(snapshot);
    stage(path, || format!("the datasets of {group}"));
    let Ok(found) = catalogue.snapshot(snapshot) else {
        return;
    };
    stage(path, || format!("the attributes of {group}"));
    let _ = catalogue.redshift(snapshot);
    stage(path, || format!("TreeInfo/{group}"));
    let _ = catalogue.galaxies_per_tree(snapshot);
    for part in &found.parts {
        let _ = checked::attrs(&part.group);
        for column in &part.columns {
            let dataset = &column.found.dataset;
            let name = names::dataset(snapshot, &column.found.name);
            stage(path, || format!("the attributes of {name}"));
            let _ = checked::attrs(dataset);
            stage(path, || format!("the storage of {name}"));
            match ffi::vds::virtual_sources(dataset) {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(_) => continue,
            }
            if column.check_readable().is_err() {
                continue;
            }
            stage(path, || format!("the first and last rows of {name}"));
            first_and_last_rows(dataset, &column.found.column);
        }
    }
    let _ = found.schema(path);
}

/// Opens the history index's datasets as the reader does (their type, shape and storage, the
/// first and last entries), without reading them whole: a large catalogue's index is large.
fn walk_history_index(path: &Path, root: &hdf5::Group) {
    if !root.link_exists(names::HISTORY_INDEX) {
        return;
    }
    stage(path, || names::HISTORY_INDEX.into());
    let Ok(group) = checked::group(root, names::HISTORY_INDEX) else {
        return;
    };
    for name in [
        names::HISTORY_KEYS,
        names::HISTORY_OFFSETS,
        names::HISTORY_SNAPSHOTS,
        names::HISTORY_ROWS,
    ] {
        stage(path, || format!("{}/{name}", names::HISTORY_INDEX));
        let Ok(dataset) = checked::dataset(&group, name) else {
            continue;
        };
        let Ok(column) = checked::column(&dataset) else {
            continue;
        };
        if checked::check_readable(&dataset, &column).is_ok() {
            first_and_last_rows(&dataset, &column);
        }
    }
}

/// Reads the first and the last row of a column: the chunks (or the storage) and the filters
/// at both ends of its index.
fn first_and_last_rows(dataset: &hdf5::Dataset, column: &checked::ColumnShape) {
    let Ok(types) = crate::hdf5::types::Types::new() else {
        return;
    };
    let mut row = vec![0u8; column.row_bytes];
    let memory = types.get(column.dtype).id();
    for first in [0, column.rows.saturating_sub(1)] {
        if first < column.rows {
            let _ = ffi::rows::read_rows(dataset.id(), memory, first, 1, &mut row);
        }
    }
}
