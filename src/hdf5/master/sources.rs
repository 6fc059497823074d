//! Whether a master file is complete: HDF5 reads a virtual dataset's rows from a missing or
//! short source file as fill values, without an error, so before a master is read every file
//! its virtual datasets map is opened (once) and every mapped dataset checked to have the rows
//! the master claims, and the mappings are checked to cover each virtual dataset's rows.

use crate::error::{Error, Result};
use crate::hdf5::ffi;
use crate::hdf5::ffi::vds::{Block, MappedSource};
use crate::hdf5::names;
use crate::hdf5::read::checked;
use crate::hdf5::read::open::{self, open_checked};
use crate::hdf5::read::survey;
use crate::hdf5::read::virtual_read::{SourceRows, VirtualPlan};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What [`check_master`] found: the virtual datasets of a master, their source files and
/// mappings (see its example).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceSummary {
    /// Virtual datasets.
    pub datasets: usize,
    /// Distinct source files.
    pub files: usize,
    /// Mappings, over all virtual datasets.
    pub mappings: usize,
}

/// One mapped dataset to look up in a source file: its path there, the rows the master needs
/// of it, and the virtual dataset that maps it (for messages).
struct Need {
    dataset: String,
    rows: u64,
    virtual_dataset: String,
    /// The shape of a row of the virtual dataset, which the source's rows must have when
    /// galaxy-io reads them as rows (a block mapping).
    inner: Option<Vec<usize>>,
}

/// Checks that the master file at `path` is complete: every virtual dataset of its snapshot
/// groups is covered by its mappings, and every file they map exists, is a complete HDF5 file
/// and has each mapped dataset with at least the rows the master claims. A file without virtual
/// datasets passes with nothing found. [`Catalogue::open`](crate::Catalogue::open) runs this
/// check on every master.
///
/// ```
/// use galaxy_io::{check_master, sage::SageGalaxy, write_master, Error, Hdf5Options, Hdf5Output, MasterOptions};
/// let dir = tempfile::tempdir()?;
/// let master = dir.path().join("model.hdf5");
/// let mut outputs = Vec::new();
/// for task in 0..2 {
///     let options = Hdf5Options::default().task(task, 2);
///     let mut output = Hdf5Output::<SageGalaxy>::create(&master, &[63], options)?;
///     output.write(63, &[SageGalaxy::default(); 5])?;
///     outputs.push(output.finish()?.path);
/// }
/// write_master(&master, &outputs, &MasterOptions::default())?;
/// assert_eq!(check_master(&master)?.files, 2);
/// std::fs::remove_file(&outputs[1])?;
/// assert!(matches!(check_master(&master), Err(Error::IncompleteMaster { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_master(path: impl AsRef<Path>) -> Result<SourceSummary> {
    let path = path.as_ref();
    check_sources(path, &open_checked(path)?)
}

/// Checks every virtual dataset in the snapshot groups at the root of `file` (the master at
/// `master`), as [`check_virtual`] does, opening each source file once.
fn check_sources(master: &Path, file: &hdf5::File) -> Result<SourceSummary> {
    let root = file
        .as_group()
        .map_err(|e| Error::hdf5("opening the root group", e))?;
    let mut needs: Needs = BTreeMap::new();
    let mut summary = SourceSummary::default();
    let bad = |problem: String| Error::BadFile {
        path: master.to_owned(),
        problem,
    };
    let root_names = ffi::links::link_names(root.id(), false)
        .map_err(|e| e.reading(master, "the list of its groups"))?;
    for (snapshot, name) in root_names
        .iter()
        .filter_map(|n| names::parse_snapshot_group(n).map(|s| (s, n)))
    {
        let group = checked::group(&root, name)
            .map_err(|why| why.into_error(master, name, |why| bad(format!("{name} {why}"))))?;
        let members = ffi::links::link_names(group.id(), true)
            .map_err(|e| e.reading(master, format!("the members of {name}")))?;
        for member in members {
            let what = names::dataset(snapshot, &member);
            let dataset = checked::dataset(&group, &member)
                .map_err(|why| why.into_error(master, &what, |why| bad(format!("{what} {why}"))))?;
            if let Some((_, mappings)) = needs_of(master, &dataset, &what, &mut needs)? {
                summary.datasets += 1;
                summary.mappings += mappings;
            }
        }
    }
    summary.files = needs.len();
    check_needs(master, &needs)?;
    Ok(summary)
}

/// Checks virtual datasets of `master` (each with what names it) before they are read: their
/// mappings cover their rows, and every source file exists, is complete and has the mapped rows
/// (each file opened once for all of them). Returns how to read each, `None` for a dataset that
/// is not virtual.
pub(in crate::hdf5) fn check_virtual(
    master: &Path,
    datasets: &[(&hdf5::Dataset, String)],
) -> Result<Vec<Option<VirtualPlan>>> {
    let mut needs = BTreeMap::new();
    let plans = datasets
        .iter()
        .map(|(dataset, what)| Ok(needs_of(master, dataset, what, &mut needs)?.map(|(p, _)| p)))
        .collect::<Result<_>>()?;
    check_needs(master, &needs)?;
    Ok(plans)
}

/// What the source files of a master must hold, by resolved file name.
type Needs = BTreeMap<PathBuf, Vec<Need>>;

/// Adds what the virtual dataset `dataset` (`what`) needs of its sources to `needs`, once its
/// mappings are checked to cover its rows; returns how to read it and its number of mappings,
/// or `None` when it is not virtual.
fn needs_of(
    master: &Path,
    dataset: &hdf5::Dataset,
    what: &str,
    needs: &mut Needs,
) -> Result<Option<(VirtualPlan, usize)>> {
    let bad = |problem: String| Error::BadFile {
        path: master.to_owned(),
        problem: format!("{what} {problem}"),
    };
    let Some(mappings) = ffi::vds::virtual_sources(dataset).map_err(|e| e.reading(master, what))?
    else {
        return Ok(None);
    };
    let column = checked::column(dataset).map_err(|why| bad(why.0))?;
    covers(&mappings, column.rows).map_err(bad)?;
    let per_row = (column.row_bytes / column.dtype.size()).max(1) as u64;
    let count = mappings.len();
    let mut blocks = Some(Vec::with_capacity(count));
    let mut files = BTreeSet::new();
    for mapping in mappings.into_iter().filter(|m| !m.rows.is_empty()) {
        let file = resolve(master, &mapping.file);
        let first = rows_block(&mapping, &column.inner);
        // A block from source row s0 on needs s0 + n rows of the source.
        let rows = mapping
            .source_points
            .div_ceil(per_row)
            .max(first.map_or(0, |s0| {
                s0.saturating_add(mapping.rows.end - mapping.rows.start)
            }));
        match (&mut blocks, first) {
            (Some(blocks), Some(source_first)) => blocks.push(SourceRows {
                file: file.clone(),
                dataset: mapping.dataset.clone(),
                rows: mapping.rows.clone(),
                source_first,
            }),
            _ => blocks = None,
        }
        files.insert(file.clone());
        needs.entry(file).or_default().push(Need {
            dataset: mapping.dataset,
            rows,
            virtual_dataset: what.to_owned(),
            inner: first.map(|_| column.inner.clone()),
        });
    }
    let plan = match blocks {
        Some(mut blocks) => {
            blocks.sort_by_key(|block| block.rows.start);
            VirtualPlan::Sources(blocks)
        }
        None => VirtualPlan::Library { files: files.len() },
    };
    Ok(Some((plan, count)))
}

/// The source row a mapping starts at when it maps a block of whole rows of its source onto
/// a block of whole rows of the virtual dataset (rows of shape `inner`), as galaxy-io writes
/// them; `None` for any other mapping.
fn rows_block(mapping: &MappedSource, inner: &[usize]) -> Option<u64> {
    let rows = mapping.rows.end - mapping.rows.start;
    let whole_rows = |block: &Block, size: &[u64]| {
        block.start.len() == inner.len() + 1
            && block.start[1..].iter().all(|&s| s == 0)
            && size.len() == inner.len() + 1
            && size[0] == rows
            && size[1..].iter().zip(inner).all(|(&s, &i)| s == i as u64)
    };
    let target = mapping.virtual_block.as_ref()?;
    if target.start[0] != mapping.rows.start || !whole_rows(target, target.size.as_deref()?) {
        return None;
    }
    let source = mapping.source_block.as_ref()?;
    match &source.size {
        Some(size) if whole_rows(source, size) => Some(source.start[0]),
        // "All" of the source: its rows from the first, as many as the block has (the source
        // is checked to have them).
        None if source.start.len() == inner.len() + 1 => Some(0),
        _ => None,
    }
}

/// Opens each source file once and checks it has every dataset it must, with the rows. What
/// can be told without HDF5 is checked of every source first; then one child process surveys
/// them all (`survey`), and only then are they opened here.
fn check_needs(master: &Path, needs: &Needs) -> Result<()> {
    let incomplete = |source: &Path, problem: String| Error::IncompleteMaster {
        master: master.to_owned(),
        source_file: source.to_owned(),
        problem,
    };
    for (source, needs) in needs {
        if !source.exists() {
            return Err(incomplete(
                source,
                format!("is missing (it holds rows of {})", needs[0].virtual_dataset),
            ));
        }
        if same_file(source, master) {
            return Err(incomplete(
                source,
                format!(
                    "is the master itself: {} maps rows of its own file, where no output's \
                     rows are",
                    needs[0].virtual_dataset
                ),
            ));
        }
        open::finished(source).map_err(|e| match e {
            Error::NotRegularFile { kind, .. } => incomplete(
                source,
                format!("is {kind}, not a regular file, so it holds no rows"),
            ),
            other => incomplete(source, format!("cannot be read: {other}")),
        })?;
    }
    let walks: Vec<(PathBuf, Vec<String>)> = needs
        .iter()
        .map(|(source, needs)| {
            let datasets: BTreeSet<String> = needs.iter().map(|n| n.dataset.clone()).collect();
            (source.clone(), datasets.into_iter().collect())
        })
        .collect();
    survey::ensure_sources_sound(&walks)?;
    for (source, needs) in needs {
        let incomplete = |problem: String| incomplete(source, problem);
        let source_file =
            open::open_source(source).map_err(|e| incomplete(format!("cannot be read: {e}")))?;
        let source_root = source_file
            .as_group()
            .map_err(|e| incomplete(format!("has no readable root ({})", checked::one_line(&e))))?;
        for need in needs {
            let dataset = checked::dataset(&source_root, &need.dataset)
                .map_err(|why| incomplete(format!("has no dataset {}: it {why}", need.dataset)))?;
            let column = checked::column(&dataset)
                .map_err(|why| incomplete(format!("{} {why}", need.dataset)))?;
            if let Some(inner) = need.inner.as_ref().filter(|&inner| *inner != column.inner) {
                return Err(incomplete(format!(
                    "has rows of shape {:?} in {}, but {} has rows of shape {inner:?}",
                    column.inner, need.dataset, need.virtual_dataset
                )));
            }
            if column.rows < need.rows {
                return Err(incomplete(format!(
                    "is shorter than the master claims: {} has {} rows, {} maps {}",
                    need.dataset, column.rows, need.virtual_dataset, need.rows
                )));
            }
            checked::check_readable(&dataset, &column)
                .map_err(|why| incomplete(format!("{} {why}", need.dataset)))?;
        }
    }
    Ok(())
}

/// Whether two paths lead to one file.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let identity = |path: &Path| std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
    identity(a).is_some() && identity(a) == identity(b)
}

/// Fails unless the mappings fill rows `0..rows` of their virtual dataset exactly, one after
/// the other: any row left out would read as the fill value.
fn covers(mappings: &[MappedSource], rows: u64) -> std::result::Result<(), String> {
    let mut spans: Vec<_> = mappings
        .iter()
        .map(|m| m.rows.clone())
        .filter(|r| !r.is_empty())
        .collect();
    spans.sort_unstable_by_key(|r| r.start);
    let mut next = 0;
    for span in spans {
        if span.start < next {
            return Err(format!("maps rows from {} on twice", span.start));
        }
        if span.start > next {
            return Err(format!(
                "maps its rows from {next} on from no file (rows {next}..{} would be fill values)",
                span.start.max(next)
            ));
        }
        next = span.end;
    }
    if next != rows {
        return Err(format!(
            "has {rows} rows, but its mappings fill {next}; the rest would be fill values"
        ));
    }
    Ok(())
}

/// A source file name as HDF5 resolves it: `.` the master itself, absolute as it is, relative
/// against the master's directory.
pub(in crate::hdf5) fn resolve(master: &Path, file: &str) -> PathBuf {
    let file = Path::new(file);
    if file == Path::new(".") {
        return master.to_owned();
    }
    if file.is_absolute() {
        return file.to_owned();
    }
    let file = file.strip_prefix(".").unwrap_or(file);
    match master.parent() {
        Some(directory) => directory.join(file),
        None => file.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(rows: std::ops::Range<u64>) -> MappedSource {
        MappedSource {
            file: "./model_0.hdf5".into(),
            dataset: "/Snap_63/StellarMass".into(),
            source_points: rows.end - rows.start,
            rows,
            source_block: None,
            virtual_block: None,
        }
    }

    #[test]
    fn mappings_must_fill_every_row_once() {
        assert_eq!(covers(&[mapped(5..9), mapped(0..5)], 9), Ok(()));
        assert_eq!(covers(&[mapped(0..0)], 0), Ok(()));
        let gap = covers(&[mapped(0..4), mapped(5..9)], 9).unwrap_err();
        assert!(gap.contains("rows 4..5 would be fill values"), "{gap}");
        let twice = covers(&[mapped(0..5), mapped(3..9)], 9).unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        let short = covers(&[mapped(0..5)], 9).unwrap_err();
        assert!(
            short.contains("has 9 rows, but its mappings fill 5"),
            "{short}"
        );
    }

    #[test]
    fn relative_sources_are_found_beside_the_master() {
        let master = Path::new("/data/run/model.hdf5");
        assert_eq!(
            resolve(master, "./model_1.hdf5"),
            Path::new("/data/run/model_1.hdf5")
        );
        assert_eq!(
            resolve(master, "/elsewhere/m.h5"),
            Path::new("/elsewhere/m.h5")
        );
        assert_eq!(resolve(master, "."), master);
        assert_eq!(
            resolve(Path::new("model.hdf5"), "./model_0.hdf5"),
            Path::new("model_0.hdf5")
        );
    }
}
