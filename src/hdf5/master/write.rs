//! The master file: `Core_<i>` external links to several outputs, so that h5py and sage-model's
//! reader see one catalogue, with a header that sums what the outputs processed, and virtual
//! datasets that present every output's rows as one array (see `stitch`).

use crate::error::{Error, Result};
use crate::hdf5::attr_value::AttrValue;
use crate::hdf5::ffi;
use crate::hdf5::master::history;
use crate::hdf5::master::stitch::{self, Source};
use crate::hdf5::read::reader::Catalogue;
use crate::hdf5::write::header::{Header, HeaderGroup};
use crate::staged::{self, Staged};
use std::path::{Path, PathBuf};

/// The header attribute in which an output records the simulation's tree files it processed
/// (galaxy-io's own; SAGE's readers ignore it). `merge` refuses two outputs that share one.
pub const TREE_FILES_PROCESSED: &str = "tree_files_processed";

/// The simulation parameters that outputs of one catalogue must share.
const SAME_SIMULATION: [&str; 5] = [
    "hubble_h",
    "box_size",
    "omega_matter",
    "omega_lambda",
    "particle_mass",
];

/// How [`write_master`] writes the master file.
///
/// ```
/// let options = galaxy_io::MasterOptions::default().replace(true);
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default)]
pub struct MasterOptions {
    replace: bool,
    allow_overlap: bool,
}

impl MasterOptions {
    /// Replace an existing master file (never one of the outputs). Off by default.
    pub fn replace(mut self, replace: bool) -> Self {
        self.replace = replace;
        self
    }

    /// Link outputs even when their volume fractions add up to more than 1 or two of them
    /// processed the same tree files (the same galaxies would be counted twice). Off by
    /// default.
    pub fn allow_overlap(mut self, allow: bool) -> Self {
        self.allow_overlap = allow;
        self
    }
}

/// Writes `master` linking `outputs` as `Core_0`, `Core_1`, ... in order. The header is the
/// first output's, with `num_cores` set to the number of outputs and `frac_volume_processed`
/// their sum, which sage-model's analysis divides by; outputs whose fractions add up to more
/// than 1, that processed the same tree files, that come from different simulations, that are
/// themselves masters, or that are the master file itself are refused. Links are relative to the
/// master's directory when the outputs are below it (HDF5 resolves them against the master
/// file's directory), so the set can be moved together. The master is written under a
/// temporary name and renamed when complete.
///
/// Beside the links, the master's root has `Snap_<N>` groups of its own, as an output has:
/// one virtual dataset per property that presents the rows of all outputs, in `Core_<i>`
/// order, as one array (`h5py.File(master)["Snap_63/StellarMass"][:]` is the whole catalogue),
/// with `num_gals` the total and the outputs' `redshift`. Outputs without rows in a snapshot
/// are left out of its mappings; outputs whose fields of a snapshot differ are refused. Rows
/// no file maps read as the fill value: NaN for floats, the most negative value of a signed
/// integer type (-2147483648 for int32) and the largest of an unsigned one. The virtual
/// datasets name their source files as the links do, so a moved directory still reads.
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, write_master, AttrValue, Catalogue, Hdf5Options, Hdf5Output, Header, HeaderGroup, MasterOptions};
/// let dir = tempfile::tempdir()?;
/// let mut outputs = Vec::new();
/// for core in 0..2 {
///     let path = dir.path().join(format!("model_{core}.hdf5"));
///     let mut header = Header::default();
///     header.set(HeaderGroup::Runtime, "frac_volume_processed", AttrValue::F64(0.5));
///     let options = Hdf5Options::default().header(header);
///     let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], options)?;
///     output.write(63, &[SageGalaxy::default(); 3])?;
///     output.finish()?;
///     outputs.push(path);
/// }
/// write_master(dir.path().join("model.hdf5"), &outputs, &MasterOptions::default())?;
/// assert_eq!(Catalogue::open(dir.path().join("model.hdf5"))?.num_galaxies(63)?, 6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_master(
    master: impl AsRef<Path>,
    outputs: &[PathBuf],
    options: &MasterOptions,
) -> Result<()> {
    let master = master.as_ref();
    if outputs.is_empty() {
        return Err(Error::BadFile {
            path: master.to_owned(),
            problem: "a master file needs at least one output to link".into(),
        });
    }
    staged::not_an_input(master, outputs)?;
    staged::distinct(outputs)?;
    warn_of_open_files(master, outputs.len());
    let staged = Staged::new(master, options.replace)?;
    let (header, catalogues) = merged_header(outputs, options)?;

    let file = ffi::files::no_inherit(|| {
        hdf5::File::create(staged.path())
            .map_err(|e| Error::hdf5(format!("creating {}", master.display()), e))
    })?;
    let base = absolute(staged::directory_of(master));
    let mut links = Vec::with_capacity(outputs.len());
    for (core, output) in outputs.iter().enumerate() {
        let target = absolute(output);
        let link = match target.strip_prefix(&base) {
            Ok(relative) => Path::new(".").join(relative),
            Err(_) => target.clone(),
        };
        let link = link.to_string_lossy().into_owned();
        ffi::links::external_link(file.id(), &crate::hdf5::names::core_group(core), &link, "/")?;
        links.push(link);
    }
    let snapshots = if let [catalogue] = &catalogues[..] {
        // One output is the whole catalogue: its snapshot groups are linked as they are.
        let snapshots = catalogue.snapshots()?;
        stitch::link_snapshots(&file, &links[0], &snapshots)?;
        snapshots
    } else {
        let mut sources = Vec::with_capacity(outputs.len());
        for ((output, catalogue), link) in outputs.iter().zip(&catalogues).zip(&links) {
            sources.push(Source {
                path: output.clone(),
                link: link.clone(),
                snapshots: stitch::survey(catalogue)?,
            });
        }
        let mut snapshots: Vec<u32> = sources
            .iter()
            .flat_map(|s| s.snapshots.keys().copied())
            .collect();
        snapshots.sort_unstable();
        snapshots.dedup();
        stitch::write_snapshots(&file, master, &sources, &snapshots)?;
        snapshots
    };
    header.write(&file, &snapshots)?;
    history::write(&file, master, &catalogues, &links)?;
    ffi::files::flush_file(file.id())?;
    drop(file);
    staged.commit()
}

/// The usual limit of open files of a process (`ulimit -n`).
const USUAL_OPEN_FILES: usize = 1024;
/// Files a reading process has open besides a master's sources (Python has about a dozen).
const OTHER_OPEN_FILES: usize = 32;

/// Warns when a master's virtual datasets map more files than a process may usually open:
/// HDF5 (and so h5py) keeps every source of a virtual dataset open while reading it, and reads
/// the rows of a source it cannot open as fill values, without an error. galaxy-io reads it
/// whole at any limit; other readers need the limit raised.
fn warn_of_open_files(master: &Path, sources: usize) {
    if sources + OTHER_OPEN_FILES <= USUAL_OPEN_FILES {
        return;
    }
    let enough = (sources + OTHER_OPEN_FILES).next_power_of_two();
    log::warn!(
        "{} maps {sources} files, more than a process may usually keep open ({USUAL_OPEN_FILES}); \
         HDF5, and so h5py, reads the rows of a file it cannot open as fill values (NaN) without \
         an error: before reading it with h5py, raise the limit in the shell that starts Python \
         (`ulimit -n {enough}`), or read its Core_<i> outputs one at a time (galaxy-io reads it \
         whole at any limit)",
        master.display()
    );
}

/// The first output's header, with the counts of all: `num_cores` and the summed
/// `frac_volume_processed`, checked to describe one simulation without overlaps; and the
/// snapshots of each output, every one of which is checked to read.
fn merged_header(outputs: &[PathBuf], options: &MasterOptions) -> Result<(Header, Vec<Catalogue>)> {
    let mut catalogues = Vec::with_capacity(outputs.len());
    let mut merged: Option<Header> = None;
    let mut volume = 0.0;
    let mut tree_files: Vec<(i32, &Path)> = Vec::new();
    let refuse = |path: &Path, problem: String| Error::BadFile {
        path: path.to_owned(),
        problem: format!("cannot be linked: {problem}"),
    };
    // One child surveys them all, rather than one each as they are opened.
    crate::hdf5::read::open::ensure_all_sound(outputs)?;
    for output in outputs {
        let catalogue = Catalogue::open(output)?;
        if catalogue.parts() > 1 {
            return Err(refuse(
                output,
                "it is itself a master file; link the outputs it links".into(),
            ));
        }
        let header = catalogue
            .header()
            .map_err(|e| e.reading(output, "its header (was it finished?)"))?;
        let fraction = header
            .get(HeaderGroup::Runtime, "frac_volume_processed")
            .and_then(AttrValue::as_f64)
            .ok_or_else(|| {
                refuse(
                    output,
                    "its header has no frac_volume_processed, the fraction of the simulation's \
                     volume its galaxies come from, which the master sums: SAGE and galaxy-io's \
                     outputs write it, and `galaxy-io convert` does with --par or \
                     --frac-volume-processed (convert the file again with one of them)"
                        .into(),
                )
            })?;
        volume += fraction;
        let files = match header.get(HeaderGroup::Runtime, TREE_FILES_PROCESSED) {
            Some(AttrValue::I32(file)) => vec![*file],
            Some(AttrValue::I32Array(files)) => files.clone(),
            _ => Vec::new(),
        };
        for file in files {
            match tree_files.iter().find(|(f, _)| *f == file) {
                Some((_, other)) if !options.allow_overlap => {
                    return Err(Error::Overlap {
                        first: other.to_path_buf(),
                        second: output.clone(),
                        problem: format!("both processed tree file {file}"),
                    })
                }
                _ => tree_files.push((file, output)),
            }
        }
        match &merged {
            None => merged = Some(header),
            Some(first) => same_simulation(first, &header, &outputs[0], output)?,
        }
        catalogues.push(catalogue);
    }
    if volume > 1.0 + 1e-9 && !options.allow_overlap {
        return Err(Error::Overlap {
            first: outputs[0].clone(),
            second: outputs[outputs.len() - 1].clone(),
            problem: format!(
                "the {} outputs processed fractions of the volume that add up to {volume}, more than the whole simulation",
                outputs.len()
            ),
        });
    }
    let mut header = merged.unwrap_or_default();
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
    Ok((header, catalogues))
}

fn same_simulation(first: &Header, other: &Header, first_path: &Path, path: &Path) -> Result<()> {
    for name in SAME_SIMULATION {
        let (a, b) = (
            first.get(HeaderGroup::Simulation, name),
            other.get(HeaderGroup::Simulation, name),
        );
        if a != b {
            let show = |v: Option<&AttrValue>| v.map_or("nothing".to_owned(), |v| v.to_string());
            return Err(Error::BadFile {
                path: path.to_owned(),
                problem: format!(
                    "cannot be linked with {}: it is from another simulation ({name} is {} there and {} here)",
                    first_path.display(),
                    show(a),
                    show(b)
                ),
            });
        }
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
