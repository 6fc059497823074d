//! The master file: `Core_<i>` external links to several outputs, so that h5py and sage-model's
//! reader see one catalogue, with a header that sums what the outputs processed.

use super::header::{AttrValue, Header, HeaderGroup};
use super::raw;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Writes `master` linking `outputs` as `Core_0`, `Core_1`, ... in order. The header is the first
/// output's, with `num_cores` set to the number of outputs and `frac_volume_processed` summed.
/// Links are relative to the master's directory when the outputs are below it (HDF5 resolves
/// them against the master file's directory), so the set can be moved together.
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, write_master, Catalogue, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let mut outputs = Vec::new();
/// for core in 0..2 {
///     let path = dir.path().join(format!("model_{core}.hdf5"));
///     let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default())?;
///     output.write_galaxies(63, &[SageGalaxy::default(); 3])?;
///     output.finish()?;
///     outputs.push(path);
/// }
/// write_master(dir.path().join("model.hdf5"), &outputs, false)?;
/// assert_eq!(Catalogue::open(dir.path().join("model.hdf5"))?.num_galaxies(63)?, 6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_master(master: impl AsRef<Path>, outputs: &[PathBuf], overwrite: bool) -> Result<()> {
    let master = master.as_ref();
    if outputs.is_empty() {
        return Err(Error::BadFile {
            path: master.to_owned(),
            problem: "a master file needs at least one output to link".into(),
        });
    }
    if master.exists() && !overwrite {
        return Err(Error::FileExists(master.to_owned()));
    }
    let mut header = None;
    let mut volume = 0.0;
    let mut snapshots = Vec::new();
    for output in outputs {
        let file = raw::no_inherit(|| {
            hdf5::File::open(output).map_err(|e| Error::BadFile {
                path: output.clone(),
                problem: format!("cannot be linked: not a readable HDF5 file ({e})"),
            })
        })?;
        let this = Header::read(&file).map_err(|_| Error::BadFile {
            path: output.clone(),
            problem: "cannot be linked: it has no Header group (was it finished?)".into(),
        })?;
        volume += this
            .get(HeaderGroup::Runtime, "frac_volume_processed")
            .and_then(AttrValue::as_f64)
            .unwrap_or(0.0);
        for name in file.member_names().unwrap_or_default() {
            if let Some(snapshot) = super::layout::parse_snapshot_group(&name) {
                snapshots.push(snapshot);
            }
        }
        header.get_or_insert(this);
    }
    let mut header = header.unwrap_or_default();
    header.set(
        HeaderGroup::Misc,
        "num_cores",
        AttrValue::I32(outputs.len() as i32),
    );
    header.set(
        HeaderGroup::Runtime,
        "frac_volume_processed",
        AttrValue::F64(volume),
    );
    header.set(
        HeaderGroup::Simulation,
        "num_trees_this_file",
        AttrValue::I64(0),
    );
    snapshots.sort_unstable();
    snapshots.dedup();

    let display = master.display();
    let file = raw::no_inherit(|| {
        hdf5::File::create(master).map_err(|e| Error::hdf5(format!("creating {display}"), e))
    })?;
    let base = master.parent().map(absolute).unwrap_or_default();
    for (core, output) in outputs.iter().enumerate() {
        let target = absolute(output);
        let link = match target.strip_prefix(&base) {
            Ok(relative) => Path::new(".").join(relative),
            Err(_) => target.clone(),
        };
        raw::external_link(
            file.id(),
            &format!("Core_{core}"),
            &link.to_string_lossy(),
            "/",
        )?;
    }
    header.write(&file, &snapshots)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
