//! Reading a master's virtual datasets through their sources, one file at a time. HDF5 reads a
//! virtual dataset by opening every source file it maps and keeping them open, and reads the rows
//! of a file it cannot open (past the limit of open files, `ulimit -n`) as fill values without an
//! error. galaxy-io writes each mapping as one block of rows, so it reads those blocks itself
//! from each source in turn, with at most as many files open as the limit leaves room for: every
//! row is read, however many files a master spans.

use crate::error::{Error, Result};
use crate::hdf5::ffi;
use hdf5_sys::h5i::hid_t;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Descriptors left to the rest of the process (and to HDF5) when source files are kept open.
const SPARE_DESCRIPTORS: usize = 64;
/// The most source files kept open between reads.
const MOST_KEPT_OPEN: usize = 1024;

/// One block of a virtual dataset's rows and where they come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::hdf5) struct SourceRows {
    /// The source file, resolved as HDF5 resolves it.
    pub file: PathBuf,
    /// The source dataset's path in it.
    pub dataset: String,
    /// The rows of the virtual dataset.
    pub rows: Range<u64>,
    /// The source row of the first of them.
    pub source_first: u64,
}

/// How a checked virtual dataset is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::hdf5) enum VirtualPlan {
    /// Block by block from its sources, in row order (every mapping is a block of whole rows).
    Sources(Vec<SourceRows>),
    /// By HDF5 (some mapping is not a block of rows), which opens every one of these files.
    Library { files: usize },
}

/// A virtual dataset being read: the master and the dataset's name (for errors), and its rows
/// as they are read into memory.
#[derive(Clone, Copy)]
pub(in crate::hdf5) struct Target<'a> {
    pub master: &'a Path,
    pub what: &'a str,
    /// The native type of its elements.
    pub mem_type: hid_t,
    /// Bytes of one row.
    pub row_bytes: usize,
}

/// Source files open for reading, as many as the limit of open files leaves room for.
pub(in crate::hdf5) struct SourceFiles {
    open: Vec<OpenSource>,
    capacity: usize,
}

struct OpenSource {
    path: PathBuf,
    file: hdf5::File,
    datasets: Vec<(String, hdf5::Dataset)>,
}

impl SourceFiles {
    pub(crate) fn new() -> SourceFiles {
        SourceFiles {
            open: Vec::new(),
            capacity: 0,
        }
    }

    /// Reads rows `rows` of the virtual dataset `target` whose sources are `plan` (in row
    /// order, covering its rows) into `out`.
    pub(crate) fn read(
        &mut self,
        plan: &[SourceRows],
        rows: Range<u64>,
        target: &Target,
        out: &mut [u8],
    ) -> Result<()> {
        let Target {
            master,
            what,
            mem_type,
            row_bytes,
        } = *target;
        if self.capacity == 0 {
            self.capacity = descriptors_to_spare().clamp(1, MOST_KEPT_OPEN);
        }
        let mut written = 0;
        for block in plan {
            let first = rows.start.max(block.rows.start);
            let last = rows.end.min(block.rows.end);
            if first >= last {
                continue;
            }
            let bytes = (last - first) as usize * row_bytes;
            let dataset = self.dataset(block, master)?;
            ffi::rows::read_rows(
                dataset.id(),
                mem_type,
                block.source_first + (first - block.rows.start),
                last - first,
                &mut out[written..written + bytes],
            )
            .map_err(|e| {
                crate::hdf5::read::checked::read_error(
                    e,
                    master,
                    format!("{what} (rows from {})", block.file.display()),
                )
            })?;
            written += bytes;
        }
        Ok(())
    }

    /// The source dataset of `block`. Files stay open as long as there is room for them; past
    /// that, a file is opened for the read and closed after it (with the dataset). A master's
    /// sources are read in the same order every time, so keeping the first files open is worth
    /// as much as any other choice, and never closes a file only to open it again.
    fn dataset(&mut self, block: &SourceRows, master: &Path) -> Result<hdf5::Dataset> {
        let open = |path: &Path| {
            crate::hdf5::ffi::files::without_chunk_cache(path, |e| incomplete(master, block, &e))
        };
        let Some(index) = self.open.iter().position(|s| s.path == block.file) else {
            let file = open(&block.file)?;
            let dataset = file
                .dataset(&block.dataset)
                .map_err(|e| incomplete(master, block, &e))?;
            if self.open.len() < self.capacity {
                self.open.push(OpenSource {
                    path: block.file.clone(),
                    file,
                    datasets: vec![(block.dataset.clone(), dataset.clone())],
                });
            }
            return Ok(dataset);
        };
        let source = &mut self.open[index];
        if let Some((_, dataset)) = source.datasets.iter().find(|(n, _)| *n == block.dataset) {
            return Ok(dataset.clone());
        }
        let dataset = source
            .file
            .dataset(&block.dataset)
            .map_err(|e| incomplete(master, block, &e))?;
        source
            .datasets
            .push((block.dataset.clone(), dataset.clone()));
        Ok(dataset)
    }
}

/// A source that could not be opened after it was checked (it changed since).
fn incomplete(master: &Path, block: &SourceRows, error: &hdf5::Error) -> Error {
    Error::IncompleteMaster {
        master: master.to_owned(),
        source_file: block.file.clone(),
        problem: format!(
            "cannot be read ({}: {})",
            block.dataset,
            crate::hdf5::read::checked::one_line(error)
        ),
    }
}

/// How many more files this process can open, keeping [`SPARE_DESCRIPTORS`] for the rest: the
/// soft limit of open files is raised to the hard one first (the soft one is often 1024, far
/// below what the system allows).
pub(in crate::hdf5) fn descriptors_to_spare() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: reading and setting this process's limits, with a valid struct.
    let soft = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
        limit.rlim_cur
    };
    let open = std::fs::read_dir("/proc/self/fd").map_or(SPARE_DESCRIPTORS, |fds| fds.count());
    usize::try_from(soft)
        .unwrap_or(usize::MAX)
        .saturating_sub(open + SPARE_DESCRIPTORS)
}
