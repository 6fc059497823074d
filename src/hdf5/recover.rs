//! Making a file that a crashed writer left behind whole again.

use super::header::Header;
use super::layout::{self, Types};
use super::options::Hdf5Options;
use super::output::{write_num_gals, SchemaOutput};
use super::raw;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Rows copied per step when a file has to be rewritten.
const SALVAGE_ROWS: u64 = 65_536;

/// What [`recover`] did to one snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveredSnapshot {
    /// The snapshot number.
    pub snapshot: u32,
    /// Rows kept: the length every dataset of the snapshot has now.
    pub rows: u64,
    /// Rows cut from datasets that were longer (a flush the writer did not complete).
    pub dropped: u64,
}

/// One snapshot group as found, with the rows every dataset can give back.
struct Found {
    snapshot: u32,
    datasets: Vec<hdf5::Dataset>,
    rows: u64,
    longest: u64,
}

/// Makes a file left by a writer that died readable and consistent: clears the SWMR status
/// flags (as `h5clear --status` does), cuts every dataset of a snapshot to the rows all of them
/// can give back (a flush interrupted half-way extends some datasets and not others, and a
/// writer killed inside `H5Fflush` can leave index entries past the recorded end of file), and
/// sets `num_gals`. When HDF5 cannot cut a dataset in place, the readable rows are copied into a
/// new file that replaces the old one. Every row the writer reported as flushed is kept: a flush
/// is reported only after all of its datasets were written and made durable.
///
/// ```
/// use galaxy_io::{recover, sage::SageGalaxy, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model.hdf5");
/// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default())?;
/// output.write_galaxies(63, &[SageGalaxy::default(); 10])?;
/// output.finish()?;
/// let report = recover(&path)?;
/// assert_eq!((report[0].rows, report[0].dropped), (10, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn recover(path: impl AsRef<Path>) -> Result<Vec<RecoveredSnapshot>> {
    let path = path.as_ref();
    std::fs::metadata(path).map_err(|error| Error::io("opening", path, error))?;
    let file = open_for_recovery(path)?;
    let found = survey(&file, path)?;
    let report: Vec<RecoveredSnapshot> = found
        .iter()
        .map(|f| RecoveredSnapshot {
            snapshot: f.snapshot,
            rows: f.rows,
            dropped: f.longest - f.rows,
        })
        .collect();
    if cut_in_place(&file, &found).is_err() {
        salvage(&file, &found, path)?;
    }
    Ok(report)
}

fn open_for_recovery(path: &Path) -> Result<hdf5::File> {
    match raw::open_clearing_status(path) {
        Ok(file) => Ok(file),
        // A writer that hit a full disk or a file-size limit may have recorded an end of file
        // beyond what reached the disk. The space it claims was never reported as flushed, so
        // zeros stand in for it; the datasets are cut to readable lengths afterwards.
        Err(error) => match stored_end_of_file(&error.to_string()) {
            Some(end) if end > std::fs::metadata(path).map(|m| m.len()).unwrap_or(u64::MAX) => {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .and_then(|file| file.set_len(end))
                    .map_err(|e| Error::io("extending", path, e))?;
                raw::open_clearing_status(path)
            }
            _ => Err(error),
        },
    }
    .map_err(|error| Error::BadFile {
        path: path.to_owned(),
        problem: format!("cannot be recovered: {error}"),
    })
}

fn survey(file: &hdf5::File, path: &Path) -> Result<Vec<Found>> {
    let types = Types::new()?;
    let bad = |problem: String| Error::BadFile {
        path: path.to_owned(),
        problem,
    };
    let mut names = file
        .member_names()
        .map_err(|e| bad(format!("listing groups: {e}")))?;
    names.sort();
    let mut found = Vec::new();
    for name in names {
        let Some(snapshot) = layout::parse_snapshot_group(&name) else {
            continue;
        };
        let group = file
            .group(&name)
            .map_err(|e| bad(format!("opening {name}: {e}")))?;
        let datasets = layout::datasets_of(&group)
            .map_err(|e| bad(format!("opening the datasets of {name}: {e}")))?;
        let longest = datasets.iter().map(length).max().unwrap_or(0);
        let rows = datasets
            .iter()
            .map(|dataset| readable_rows(dataset, &types))
            .collect::<Result<Vec<u64>>>()?
            .into_iter()
            .min()
            .unwrap_or(0);
        found.push(Found {
            snapshot,
            datasets,
            rows,
            longest,
        });
    }
    Ok(found)
}

fn cut_in_place(file: &hdf5::File, found: &[Found]) -> Result<()> {
    for snapshot in found {
        for dataset in snapshot
            .datasets
            .iter()
            .filter(|d| length(d) > snapshot.rows)
        {
            let mut shape = dataset.shape();
            shape[0] = snapshot.rows as usize;
            dataset
                .resize(shape)
                .map_err(|e| Error::hdf5(format!("cutting {}", dataset.name()), e))?;
        }
        let group = file
            .group(&layout::snapshot_group(snapshot.snapshot))
            .map_err(|e| Error::hdf5("reopening a snapshot group", e))?;
        write_num_gals(&group, snapshot.rows)?;
    }
    raw::flush_file(file.id())
}

/// Copies the readable rows of every snapshot into a new file that then replaces `path`.
fn salvage(file: &hdf5::File, found: &[Found], path: &Path) -> Result<()> {
    let Some(first) = found.first() else {
        return Ok(());
    };
    let schema = layout::packed_schema(&first.datasets, path, first.snapshot)?;
    let target = with_suffix(path, ".recovering");
    let options = Hdf5Options {
        overwrite: true,
        header: Header::read(file).unwrap_or_default(),
        ..Hdf5Options::default()
    };
    let snapshots: Vec<u32> = found.iter().map(|f| f.snapshot).collect();
    let mut output = SchemaOutput::create(&target, schema.clone(), &snapshots, options)?;
    let types = Types::new()?;
    let record_size = schema.record_size();
    for snapshot in found {
        let mut start = 0;
        while start < snapshot.rows {
            let rows = SALVAGE_ROWS.min(snapshot.rows - start);
            let mut records = vec![0u8; rows as usize * record_size];
            for field in schema.fields() {
                let dataset = snapshot
                    .datasets
                    .iter()
                    .find(|d| d.name().ends_with(&format!("/{}", field.name)))
                    .ok_or_else(|| Error::BadFile {
                        path: path.to_owned(),
                        problem: format!("Snap_{} has no {}", snapshot.snapshot, field.name),
                    })?;
                let mut column = vec![0u8; rows as usize * field.size()];
                raw::read_rows(
                    dataset.id(),
                    types.get(field.dtype).id(),
                    start,
                    rows,
                    &mut column,
                )?;
                layout::scatter(&column, field, &mut records, record_size);
            }
            output.write_rows(snapshot.snapshot, &records)?;
            start += rows;
        }
    }
    output.finish()?;
    std::fs::rename(&target, path).map_err(|e| Error::io("replacing the recovered file", path, e))
}

fn length(dataset: &hdf5::Dataset) -> u64 {
    dataset.shape().first().copied().unwrap_or(0) as u64
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// The end of file the superblock records, from HDF5's "truncated file: eof = ..., stored_eof =
/// N" error.
fn stored_end_of_file(message: &str) -> Option<u64> {
    let rest = message.split("stored_eof = ").nth(1)?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Rows of `dataset` that can be read back, checked chunk by chunk from the end. A writer
/// killed inside `H5Fflush` can leave index entries for chunks past the recorded end of the
/// file; those rows were never reported as flushed.
fn readable_rows(dataset: &hdf5::Dataset, types: &Types) -> Result<u64> {
    let mut rows = length(dataset);
    let chunk = dataset
        .chunk()
        .and_then(|c| c.first().copied())
        .unwrap_or(1)
        .max(1) as u64;
    let Some(dtype) = dataset.dtype().ok().as_ref().and_then(layout::dtype_of) else {
        return Ok(rows);
    };
    let row_bytes = dataset.shape().iter().skip(1).product::<usize>() * dtype.size();
    while rows > 0 {
        let start = (rows - 1) / chunk * chunk;
        let mut bytes = vec![0u8; (rows - start) as usize * row_bytes];
        match raw::read_rows(
            dataset.id(),
            types.get(dtype).id(),
            start,
            rows - start,
            &mut bytes,
        ) {
            Ok(()) => break,
            Err(_) => rows = start,
        }
    }
    Ok(rows)
}
