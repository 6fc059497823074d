//! Making a file that a crashed writer left behind whole again.

use super::layout;
use super::raw;
use crate::error::{Error, Result};
use std::path::Path;

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

/// Makes a file left by a writer that died readable and consistent: clears the SWMR status
/// flags (as `h5clear --status` does), cuts every dataset of a snapshot to the length all of
/// them have (a flush interrupted half-way extends some datasets and not others), and sets
/// `num_gals` to that length. Every row the writer reported as flushed is kept, because a flush
/// is reported only after all of its datasets were written.
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
    let file = match raw::open_clearing_status(path) {
        Ok(file) => file,
        // A writer that hit a full disk or a file-size limit may have recorded an end of file
        // beyond what reached the disk. The space it claims was never reported as flushed, so
        // zeros stand in for it; the datasets are cut to flushed lengths below.
        Err(error) => match stored_end_of_file(&error.to_string()) {
            Some(end) if end > std::fs::metadata(path).map(|m| m.len()).unwrap_or(u64::MAX) => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Error::io("extending", path, e))?;
                file.set_len(end)
                    .map_err(|e| Error::io("extending", path, e))?;
                raw::open_clearing_status(path)
            }
            _ => Err(error),
        }
        .map_err(|error| Error::BadFile {
            path: path.to_owned(),
            problem: format!("cannot be recovered: {error}"),
        })?,
    };
    let bad = |problem: String| Error::BadFile {
        path: path.to_owned(),
        problem,
    };
    let mut report = Vec::new();
    let mut names = file
        .member_names()
        .map_err(|e| bad(format!("listing groups: {e}")))?;
    names.sort();
    for name in names {
        let Some(snapshot) = layout::parse_snapshot_group(&name) else {
            continue;
        };
        let group = file
            .group(&name)
            .map_err(|e| bad(format!("opening {name}: {e}")))?;
        let datasets = group
            .member_names()
            .map_err(|e| bad(format!("listing {name}: {e}")))?
            .iter()
            .map(|member| group.dataset(member))
            .collect::<hdf5::Result<Vec<_>>>()
            .map_err(|e| bad(format!("opening the datasets of {name}: {e}")))?;
        let lengths: Vec<u64> = datasets
            .iter()
            .map(|d| d.shape().first().copied().unwrap_or(0) as u64)
            .collect();
        let rows = lengths.iter().copied().min().unwrap_or(0);
        let longest = lengths.iter().copied().max().unwrap_or(0);
        for dataset in datasets
            .iter()
            .filter(|d| d.shape().first().copied().unwrap_or(0) as u64 > rows)
        {
            let mut shape = dataset.shape();
            shape[0] = rows as usize;
            dataset
                .resize(shape)
                .map_err(|e| Error::hdf5(format!("cutting {name}/{}", dataset.name()), e))?;
        }
        super::output::write_num_gals(&group, rows)?;
        report.push(RecoveredSnapshot {
            snapshot,
            rows,
            dropped: longest - rows,
        });
    }
    raw::flush_file(file.id())?;
    Ok(report)
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
