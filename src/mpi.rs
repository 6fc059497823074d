//! One catalogue from the ranks of an MPI run (cargo feature `mpi`): every rank writes its own
//! file, `<name>_<rank>.<ext>`, with the ordinary serial writer (no parallel HDF5: one shared
//! file through MPI-IO needs collective resizes on every flush), and at the end rank 0 writes
//! the master over all of them (`Core_<i>` links and virtual datasets, see
//! [`write_master`](crate::write_master())).
//!
//! Creating and finishing are collective: every rank of the communicator calls them. Each
//! rank's outcome is gathered at rank 0, which writes the master only when every rank finished
//! its file, and then tells all ranks; so every rank returns only once the master exists, and
//! an error on one rank (or an output dropped unfinished, as `?` or a panic does) reaches every
//! rank as [`crate::Error::RankFailed`] instead of leaving them waiting.
//! A rank that dies outright is the MPI launcher's to handle (`mpirun` ends the job).
//!
//! galaxy-io neither initialises nor finalises MPI: it works on the communicator the model
//! already uses (a model is usually an MPI program already), from the thread that calls it. A
//! program that does not use MPI otherwise initialises it once with
//! [`rsmpi::initialize`]; run without `mpirun`, it is a singleton run of one rank.
//!
//! ```no_run
//! use galaxy_io::mpi::{rsmpi, MpiOutput};
//! use galaxy_io::mpi::rsmpi::traits::*;
//! use galaxy_io::{sage::SageGalaxy, Hdf5Options};
//! let universe = rsmpi::initialize().expect("MPI is initialised once");
//! let world = universe.world();
//! let mut output = MpiOutput::<SageGalaxy, _>::create(&world, "out/model.hdf5", &[63], Hdf5Options::default())?;
//! output.write(63, &[SageGalaxy::default(); 10])?;
//! let summary = output.finish()?;        // out/model_<rank>.hdf5, and out/model.hdf5 over them
//! assert_eq!(summary.galaxies, 10 * world.size() as u64);
//! # Ok::<(), galaxy_io::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::hdf5::{names, write_master, Hdf5Options, Hdf5Output, MasterOptions, OutputSummary};
use crate::schema::GalaxyRecord;
use mpi::traits::{Communicator, Root};
use std::path::{Path, PathBuf};

/// The `mpi` crate (rsmpi) that galaxy-io is built with, for `initialize` and communicators.
pub use mpi as rsmpi;

/// The most bytes of a rank's error message passed to the other ranks.
const MESSAGE: usize = 480;
/// A rank's report: failed (1 byte), galaxies (8), message length (2), message.
const REPORT: usize = 11 + MESSAGE;

/// The output of one rank of a catalogue written by all ranks of a communicator.
///
/// ```no_run
/// # use galaxy_io::{mpi::{rsmpi, MpiOutput}, sage::SageGalaxy, Hdf5Options};
/// let universe = rsmpi::initialize().unwrap();
/// let world = universe.world();
/// let output = MpiOutput::<SageGalaxy, _>::create(&world, "model.hdf5", &[63], Hdf5Options::default())?;
/// output.finish()?;
/// # Ok::<(), galaxy_io::Error>(())
/// ```
pub struct MpiOutput<'c, G: GalaxyRecord, C: Communicator> {
    comm: &'c C,
    catalogue: PathBuf,
    master: MasterOptions,
    /// `None` once finished.
    output: Option<Hdf5Output<G>>,
}

/// What [`MpiOutput::finish`] returns on every rank.
#[derive(Clone, Debug)]
pub struct MpiSummary {
    /// This rank's file.
    pub output: OutputSummary,
    /// The master file over all ranks' files.
    pub master: PathBuf,
    /// Galaxies of all ranks, over all snapshots.
    pub galaxies: u64,
    /// The ranks of the run.
    pub ranks: usize,
}

impl<G: GalaxyRecord, C: Communicator> std::fmt::Debug for MpiOutput<'_, G, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MpiOutput")
            .field("catalogue", &self.catalogue)
            .field("rank", &self.comm.rank())
            .field("ranks", &self.comm.size())
            .finish_non_exhaustive()
    }
}

impl<'c, G: GalaxyRecord, C: Communicator> MpiOutput<'c, G, C> {
    /// Creates this rank's file of `catalogue` (`model.hdf5` gives `model_<rank>.hdf5`, with
    /// the rank's share of the volume; see [`Hdf5Options::task`]). Collective: when any rank
    /// cannot create its file, every rank returns an error.
    pub fn create(
        comm: &'c C,
        catalogue: impl AsRef<Path>,
        snapshots: &[u32],
        options: Hdf5Options,
    ) -> Result<Self> {
        let catalogue = catalogue.as_ref().to_owned();
        let (rank, ranks) = (comm.rank() as u32, comm.size() as u32);
        let created = Hdf5Output::create(&catalogue, snapshots, options.task(rank, ranks));
        let report = Report::of(created.as_ref().map(|_| 0));
        let agreed = agree(comm, &report, || Ok(()));
        let output = created?;
        agreed.map_err(|failure| failure.error(&catalogue, ranks as usize))?;
        Ok(MpiOutput {
            comm,
            catalogue,
            master: MasterOptions::default(),
            output: Some(output),
        })
    }

    /// How rank 0 writes the master (e.g. replacing an older one).
    pub fn master_options(mut self, options: MasterOptions) -> Self {
        self.master = options;
        self
    }

    /// Appends galaxies to a snapshot of this rank's file (not collective).
    pub fn write(&mut self, snapshot: u32, galaxies: &[G]) -> Result<()> {
        self.output_mut().write(snapshot, galaxies)
    }

    /// Appends the galaxies of this rank's merger tree `tree` (not collective); see
    /// [`Hdf5Output::write_tree`].
    pub fn write_tree(&mut self, snapshot: u32, tree: usize, galaxies: &[G]) -> Result<()> {
        self.output_mut().write_tree(snapshot, tree, galaxies)
    }

    /// This rank's output, for everything else it offers (its header, its statistics).
    pub fn output_mut(&mut self) -> &mut Hdf5Output<G> {
        self.output
            .as_mut()
            .expect("an MpiOutput holds its output until finish")
    }

    /// Finishes this rank's file and, on rank 0 once every rank has finished its own, writes
    /// the master. Collective; every rank returns after the master exists, or with the first
    /// rank's error when one failed (the master is then not written).
    pub fn finish(mut self) -> Result<MpiSummary> {
        let output = self
            .output
            .take()
            .expect("an MpiOutput holds its output until finish");
        let finished = output.finish();
        let galaxies = finished
            .as_ref()
            .map(|summary| summary.galaxies.iter().map(|(_, n)| n).sum());
        let ranks = self.comm.size() as usize;
        let (catalogue, master) = (&self.catalogue, &self.master);
        let agreed = agree(self.comm, &Report::of(galaxies), || {
            let files: Vec<PathBuf> = (0..ranks as u32)
                .map(|rank| names::task_file(catalogue, rank))
                .collect();
            write_master(catalogue, &files, master)
        });
        let output = finished?;
        let galaxies = agreed.map_err(|failure| failure.error(catalogue, ranks))?;
        Ok(MpiSummary {
            output,
            master: catalogue.clone(),
            galaxies,
            ranks,
        })
    }
}

impl<G: GalaxyRecord, C: Communicator> Drop for MpiOutput<'_, G, C> {
    /// An output dropped unfinished (an error passed up with `?`, a panic) still takes part in
    /// the end of the run, as a failure, so that the other ranks do not wait for it.
    fn drop(&mut self) {
        if let Some(output) = self.output.take() {
            drop(output);
            let report =
                Report::failed("its output was dropped before finish (an error or a panic)");
            // Nothing to report to: the caller already has this rank's error.
            let _ = agree(self.comm, &report, || Ok(()));
        }
    }
}

/// One rank's outcome, as the bytes sent to rank 0.
struct Report([u8; REPORT]);

impl Report {
    fn of(outcome: std::result::Result<u64, &Error>) -> Report {
        match outcome {
            Ok(galaxies) => {
                let mut bytes = [0u8; REPORT];
                bytes[1..9].copy_from_slice(&galaxies.to_le_bytes());
                Report(bytes)
            }
            Err(error) => Report::failed(&error.to_string()),
        }
    }

    fn failed(message: &str) -> Report {
        let mut bytes = [0u8; REPORT];
        bytes[0] = 1;
        let mut end = message.len().min(MESSAGE);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        bytes[9..11].copy_from_slice(&(end as u16).to_le_bytes());
        bytes[11..11 + end].copy_from_slice(&message.as_bytes()[..end]);
        Report(bytes)
    }

    fn galaxies(bytes: &[u8]) -> u64 {
        let mut galaxies = [0u8; 8];
        galaxies.copy_from_slice(&bytes[1..9]);
        u64::from_le_bytes(galaxies)
    }

    /// The failure a report's bytes carry, if any.
    fn read(bytes: &[u8]) -> Option<String> {
        if bytes[0] == 0 {
            return None;
        }
        let length = usize::from(u16::from_le_bytes([bytes[9], bytes[10]])).min(MESSAGE);
        Some(String::from_utf8_lossy(&bytes[11..11 + length]).into_owned())
    }
}

/// The first failure of a run: which rank, and its message.
struct Failure {
    rank: usize,
    problem: String,
}

impl Failure {
    fn error(self, catalogue: &Path, ranks: usize) -> Error {
        Error::RankFailed {
            catalogue: catalogue.to_owned(),
            rank: self.rank,
            ranks,
            problem: self.problem,
        }
    }
}

/// Gathers every rank's report at rank 0, which runs `at_root` when none failed, and tells
/// every rank the galaxies of all, or the first failure (of a rank, or of `at_root`).
/// Collective.
fn agree<C: Communicator>(
    comm: &C,
    report: &Report,
    at_root: impl FnOnce() -> Result<()>,
) -> std::result::Result<u64, Failure> {
    let root = comm.process_at_rank(0);
    // The report of the run, then the failed rank.
    let mut outcome = [0u8; REPORT + 8];
    if comm.rank() == 0 {
        let mut all = vec![0u8; REPORT * comm.size() as usize];
        root.gather_into_root(&report.0[..], &mut all[..]);
        let reports = all.chunks_exact(REPORT);
        let first = reports
            .clone()
            .enumerate()
            .find_map(|(rank, bytes)| Report::read(bytes).map(|problem| (rank, problem)));
        let (rank, report) = match first {
            Some((rank, problem)) => (rank, Report::failed(&problem)),
            None => match at_root() {
                Ok(()) => (0, Report::of(Ok(reports.map(Report::galaxies).sum()))),
                Err(error) => (0, Report::failed(&format!("writing the master: {error}"))),
            },
        };
        outcome[..REPORT].copy_from_slice(&report.0);
        outcome[REPORT..].copy_from_slice(&(rank as u64).to_le_bytes());
        root.broadcast_into(&mut outcome[..]);
    } else {
        root.gather_into(&report.0[..]);
        root.broadcast_into(&mut outcome[..]);
    }
    match Report::read(&outcome[..REPORT]) {
        None => Ok(Report::galaxies(&outcome[..REPORT])),
        Some(problem) => {
            let mut rank = [0u8; 8];
            rank.copy_from_slice(&outcome[REPORT..]);
            Err(Failure {
                rank: u64::from_le_bytes(rank) as usize,
                problem,
            })
        }
    }
}
