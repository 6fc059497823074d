//! What `recover` keeps of a file: each snapshot's datasets surveyed on the copy (the rows every
//! dataset can give back, and those its durable writer reported flushed), datasets whose
//! storage lies past the end of the file dropped, and the rows kept either cut in place or
//! salvaged into a new file.

use crate::error::{Error, Result};
use crate::hdf5::attr_value::AttrValue;
use crate::hdf5::ffi;
use crate::hdf5::names;
use crate::hdf5::read::checked;
use crate::hdf5::read::contain::stage;
use crate::hdf5::types::Types;
use crate::hdf5::write::columns::{self, write_num_gals, FoundColumn};
use crate::hdf5::write::header::Header;
use crate::hdf5::write::options::Hdf5Options;
use crate::hdf5::write::output::SchemaOutput;
use std::path::Path;

/// Rows copied per step when a file has to be rewritten.
const SALVAGE_ROWS: u64 = 65_536;

/// One snapshot group as found, with the rows every dataset can give back.
pub(super) struct Found {
    pub(super) snapshot: u32,
    pub(super) columns: Vec<FoundColumn>,
    pub(super) rows: u64,
    pub(super) longest: u64,
    pub(super) num_gals: Option<i64>,
    /// The rows the writer reported flushed, when the file was left by a durable writer (its
    /// `num_gals` counts them).
    pub(super) committed: Option<u64>,
}

impl Found {
    pub(super) fn consistent(&self) -> bool {
        self.rows == self.longest
            && self.columns.iter().all(|c| c.column.rows == self.rows)
            && self
                .num_gals
                .is_none_or(|n| u64::try_from(n) == Ok(self.rows))
    }
}

/// Every snapshot group with the rows all its datasets can give back. `disk_end` is where the
/// file's data really ends: a chunk stored past it was never part of the file.
pub(super) fn survey(file: &hdf5::File, path: &Path, disk_end: u64) -> Result<Vec<Found>> {
    let types = Types::new()?;
    stage(path, || "its group table".into());
    let mut names = ffi::links::link_names(file.id(), false)
        .map_err(|e| e.reading(path, "the list of its groups"))?;
    names.sort();
    if names
        .iter()
        .any(|name| names::parse_core_group(name).is_some())
    {
        return Err(cannot_recover(
            path,
            "it is a master file; recover the outputs it links instead (then merge them again)",
        ));
    }
    stage(path, || "the attributes of its root group".into());
    let durable = durable_writer(file).is_some();
    let mut found = Vec::new();
    for name in names {
        let Some(snapshot) = names::parse_snapshot_group(&name) else {
            continue;
        };
        stage(path, || format!("the group table of {name}"));
        only_its_own(file, &name, path)?;
        let group = checked::group(file, &name)
            .map_err(|why| cannot_recover(path, &format!("{name} {why}")))?;
        for member in
            ffi::links::link_names(group.id(), false).map_err(|e| e.reading(path, &name))?
        {
            only_its_own(&group, &member, path)
                .map_err(|_| cannot_recover(path, &format!("{name}/{member} {}", NOT_ITS_OWN)))?;
            if let Ok(dataset) = checked::dataset(&group, &member) {
                if dataset.layout() == hdf5::plist::dataset_create::Layout::Virtual {
                    return Err(cannot_recover(
                        path,
                        &format!(
                            "{name}/{member} is a virtual dataset, whose rows are in other \
                             files: it is a master file; recover the outputs it maps instead"
                        ),
                    ));
                }
            }
        }
        stage(path, || format!("the datasets of {name}"));
        let columns = columns::columns_of(&group, path, snapshot)?;
        stage(path, || format!("the attributes of {name}"));
        let num_gals = match checked::attr(&group, names::NUM_GALS) {
            Ok(Some(AttrValue::I64(n))) => Some(n),
            Ok(Some(AttrValue::I32(n))) => Some(i64::from(n)),
            _ => None,
        };
        // A durable writer's num_gals counts the rows it made durable, and only those are
        // kept: rows after them belong to a flush it never reported.
        let committed = durable.then(|| num_gals.and_then(|n| u64::try_from(n).ok()).unwrap_or(0));
        let mut rows = committed.unwrap_or(u64::MAX);
        for found in &columns {
            stage(path, || format!("the chunk index of {name}/{}", found.name));
            rows = rows.min(readable_rows(
                found, rows, &types, disk_end, path, snapshot,
            )?);
        }
        found.push(Found {
            snapshot,
            rows: if columns.is_empty() { 0 } else { rows },
            longest: columns.iter().map(|c| c.column.rows).max().unwrap_or(0),
            num_gals,
            committed,
            columns,
        });
    }
    if found.is_empty() {
        return Err(cannot_recover(
            path,
            "it has no Snap_<N> groups, so it is not a galaxy catalogue",
        ));
    }
    found.sort_by_key(|f| f.snapshot);
    Ok(found)
}

/// Why a link that leads out of the file is refused: `recover` writes to its copy of the file,
/// and HDF5 opens the files such links name for writing too.
const NOT_ITS_OWN: &str = "is a link to another file (or a path), not an object of this file: \
     recover repairs what galaxy-io writes, and changes no file but the one it is given";

/// Refuses the link `name` of `group` unless it is an object of this file.
fn only_its_own(group: &hdf5::Group, name: &str, path: &Path) -> Result<()> {
    match ffi::links::link_kind(group.id(), name).map_err(|e| e.reading(path, name))? {
        ffi::links::LinkKind::Hard => Ok(()),
        _ => Err(cannot_recover(path, &format!("{name} {NOT_ITS_OWN}"))),
    }
}

/// The datasets a writer puts outside the snapshot groups. When the file had to be extended,
/// those stored past its real end hold zeros, not data: they are removed rather than kept.
pub(super) fn drop_lost_datasets(
    file: &hdf5::File,
    disk_end: u64,
    repairs: &mut Vec<String>,
) -> Result<()> {
    let mut paths = vec![
        format!("{}/{}", names::HEADER, names::SNAPSHOT_REDSHIFTS),
        format!("{}/{}", names::HEADER, names::OUTPUT_SNAPSHOTS),
    ];
    if let Ok(tree_info) = checked::group(file, names::TREE_INFO) {
        for name in ffi::links::link_names(tree_info.id(), false).unwrap_or_default() {
            paths.extend(names::parse_snapshot_group(&name).map(names::galaxies_per_tree));
        }
    }
    for path in paths {
        let Ok(dataset) = file.dataset(&path) else {
            continue;
        };
        let lost = match dataset.offset() {
            Some(offset) => offset.saturating_add(dataset.storage_size()) > disk_end,
            None => dataset.storage_size() > 0 && dataset.is_chunked(),
        };
        if lost {
            file.unlink(&path)
                .map_err(|e| Error::hdf5(format!("removing {path}"), e))?;
            repairs.push(format!(
                "{path} lay past the end of what reached the disk and was removed"
            ));
        }
    }
    Ok(())
}

/// Rows of one dataset, at most `wanted`, that were stored before the file's real end, checked
/// chunk by chunk from the end. Only a chunk that was never allocated or lies past the end
/// counts as missing (a writer died before it reached the disk); any other failure to read is
/// an error.
fn readable_rows(
    found: &FoundColumn,
    wanted: u64,
    types: &Types,
    disk_end: u64,
    path: &Path,
    snapshot: u32,
) -> Result<u64> {
    let stop = |why: String| {
        cannot_recover(
            path,
            &format!("{}/{} {why}", names::snapshot_group(snapshot), found.name),
        )
    };
    checked::check_filters(&found.dataset).map_err(|why| stop(why.0))?;
    checked::check_external(&found.dataset, &found.column).map_err(|why| stop(why.0))?;
    let mut rows = found.column.rows.min(wanted);
    let Some(chunk) = found.dataset.chunk() else {
        return Ok(rows);
    };
    let chunk_rows = chunk.first().copied().unwrap_or(1).max(1) as u64;
    let band = chunk_band(&found.column.inner, &chunk);
    let locate = |coords: &[u64]| {
        ffi::chunks::chunk_location(found.dataset.id(), coords).map_err(|e| {
            e.reading(
                path,
                format!(
                    "the chunk index of {}",
                    names::dataset(snapshot, &found.name)
                ),
            )
        })
    };
    let allocated = |start: u64| -> Result<bool> {
        for inner in &band {
            let mut coords = vec![start];
            coords.extend(inner);
            if locate(&coords)?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    };
    // Writers allocate chunks from the first on, so the allocated rows are found by bisection:
    // a file that claims 2^40 rows costs 40 look-ups, not one per chunk.
    let (mut low, mut high) = (0, rows.div_ceil(chunk_rows));
    while low < high {
        let middle = low + (high - low) / 2;
        if allocated(middle * chunk_rows)? {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    rows = rows.min(low * chunk_rows);
    while rows > 0 {
        let start = (rows - 1) / chunk_rows * chunk_rows;
        let mut lost = false;
        for inner in &band {
            let mut coords = vec![start];
            coords.extend(inner);
            match locate(&coords)? {
                None => lost = true,
                Some((address, size)) => lost |= address.saturating_add(size) > disk_end,
            }
        }
        if lost {
            rows = start;
            continue;
        }
        let bytes = (rows - start) as usize * found.column.row_bytes;
        let mut buffer = checked::zeroed::<u8>(bytes as u64, path, || found.name.clone())?;
        ffi::rows::read_rows(
            found.dataset.id(),
            types.get(found.column.dtype).id(),
            start,
            rows - start,
            &mut buffer,
        )
        .map_err(|e| {
            e.reading(
                path,
                format!(
                    "rows {start}..{rows} of {}",
                    names::dataset(snapshot, &found.name)
                ),
            )
        })?;
        break;
    }
    Ok(rows)
}

/// The start coordinates of every chunk in one band of rows (the dimensions after the first
/// may be split over several chunks).
fn chunk_band(inner: &[usize], chunk: &[usize]) -> Vec<Vec<u64>> {
    let mut band = vec![Vec::new()];
    for (&dim, &size) in inner.iter().zip(chunk.iter().skip(1)) {
        let size = size.max(1) as u64;
        let starts: Vec<u64> = (0..(dim as u64).div_ceil(size)).map(|i| i * size).collect();
        band = band
            .into_iter()
            .flat_map(|prefix| {
                starts.iter().map(move |&s| {
                    let mut coords = prefix.clone();
                    coords.push(s);
                    coords
                })
            })
            .collect();
    }
    band
}

pub(super) fn cut_in_place(file: &hdf5::File, found: &[Found]) -> Result<()> {
    for snapshot in found {
        for found in snapshot
            .columns
            .iter()
            .filter(|c| c.column.rows > snapshot.rows)
        {
            let mut shape = found.dataset.shape();
            shape[0] = snapshot.rows as usize;
            found
                .dataset
                .resize(shape)
                .map_err(|e| Error::hdf5(format!("cutting {}", found.name), e))?;
        }
        let group = file
            .group(&names::snapshot_group(snapshot.snapshot))
            .map_err(|e| Error::hdf5("reopening a snapshot group", e))?;
        write_num_gals(&group, snapshot.rows)?;
    }
    // A history index is written at finish, last: in a file that needs repairing it may be
    // partial, and once the writer's mark is gone readers would trust it. Without it they scan.
    if file.link_exists(names::HISTORY_INDEX) {
        file.unlink(names::HISTORY_INDEX)
            .map_err(|e| Error::hdf5(format!("removing {}", names::HISTORY_INDEX), e))?;
    }
    ffi::attrs::delete_attr(file.id(), names::DURABLE_WRITER)?;
    ffi::files::flush_file(file.id())
}

/// Copies the readable rows of every snapshot of `file` into a new file at `target`.
pub(super) fn salvage(
    file: &hdf5::File,
    found: &[Found],
    path: &Path,
    target: &Path,
) -> Result<()> {
    let Some(first) = found.first() else {
        return Ok(());
    };
    let schema = columns::packed_schema(&first.columns, path, first.snapshot)?;
    // The new file keeps following galaxies by the same key: its finish writes the key's name
    // and a history index of the rows kept.
    let schema = match checked::attr(file, names::HISTORY_KEY) {
        Ok(Some(AttrValue::Text(key))) => schema.clone().with_key(&key).unwrap_or(schema),
        _ => schema,
    };
    let options = Hdf5Options::default()
        .replace(true)
        .header(Header::read(file).unwrap_or_default());
    let snapshots: Vec<u32> = found.iter().map(|f| f.snapshot).collect();
    let mut output = SchemaOutput::create(target, schema.clone(), &snapshots, options)?;
    let types = Types::new()?;
    let record_size = schema.record_size();
    for snapshot in found {
        let mut start = 0;
        while start < snapshot.rows {
            let rows = SALVAGE_ROWS.min(snapshot.rows - start);
            let what = || format!("a slab of {}", names::snapshot_group(snapshot.snapshot));
            let mut records =
                checked::zeroed::<u8>(rows.saturating_mul(record_size as u64), path, what)?;
            for field in schema.fields() {
                let found = snapshot
                    .columns
                    .iter()
                    .find(|c| c.name == field.name)
                    .ok_or_else(|| Error::BadFile {
                        path: path.to_owned(),
                        problem: format!("Snap_{} has no {}", snapshot.snapshot, field.name),
                    })?;
                let mut column =
                    checked::zeroed::<u8>(rows.saturating_mul(field.size() as u64), path, what)?;
                ffi::rows::read_rows(
                    found.dataset.id(),
                    types.get(field.dtype).id(),
                    start,
                    rows,
                    &mut column,
                )?;
                crate::scatter::scatter(&column, field, &mut records, record_size);
            }
            output.write(snapshot.snapshot, &records)?;
            start += rows;
        }
    }
    output.finish().map(drop)
}

pub(super) fn cannot_recover(path: &Path, why: &str) -> Error {
    Error::Unrecoverable {
        path: path.to_owned(),
        problem: why.to_owned(),
        cause: None,
    }
}

/// The durability mode a durable writer recorded in a file it did not finish.
pub(super) fn durable_writer(file: &hdf5::File) -> Option<String> {
    match checked::attr(file, names::DURABLE_WRITER) {
        Ok(Some(AttrValue::Text(mode))) => Some(mode),
        Ok(Some(_)) => Some(String::new()),
        _ => None,
    }
}
