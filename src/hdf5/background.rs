//! An output whose HDF5 work happens on its own thread, so that a model computing galaxies and
//! the output writing them overlap: the caller pays about the larger of the two, not the sum.

use super::options::Hdf5Options;
use super::output::{OutputSummary, SchemaOutput};
use crate::error::{Error, Result};
use crate::schema::{GalaxyRecord, Schema};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// How the I/O thread ends when the caller drops the output without finishing it.
const DROPPED: &str = "dropped without finish";

enum Job {
    /// Records of several snapshots, gathered since the last job.
    Rows(Vec<(u32, Vec<u8>)>),
    Finish,
}

/// A typed output that hands full batches of galaxies to one I/O thread. Every HDF5 call
/// (creating the file, writing, finishing) happens on that thread. The batch size is the
/// buffer's initial size; an error on the thread is returned by the next call.
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, BackgroundOutput, Catalogue, Hdf5Options};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_0.hdf5");
/// let mut output = BackgroundOutput::<SageGalaxy>::create(&path, &[63], Hdf5Options::default())?;
/// output.write_galaxies(63, &[SageGalaxy::default(); 1000])?; // returns once copied
/// assert_eq!(output.finish()?.galaxies, [(63, 1000)]);
/// assert_eq!(Catalogue::open(&path)?.num_galaxies(63)?, 1000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BackgroundOutput<G: GalaxyRecord> {
    path: PathBuf,
    snapshots: Vec<u32>,
    staging: Vec<Vec<u8>>,
    /// Bytes in `staging`, over all snapshots.
    staged: usize,
    batch_bytes: usize,
    jobs: Option<SyncSender<Job>>,
    recycled: Receiver<Vec<u8>>,
    worker: Option<JoinHandle<Result<OutputSummary>>>,
    record: PhantomData<fn(&G)>,
}

impl<G: GalaxyRecord> BackgroundOutput<G> {
    /// Starts the I/O thread, which creates the file; fails as [`SchemaOutput::create`] does.
    pub fn create(path: impl AsRef<Path>, snapshots: &[u32], options: Hdf5Options) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let schema = Schema::of::<G>()?;
        let batch_bytes = options.buffer.initial_size.max(schema.record_size());
        let mut declared = snapshots.to_vec();
        declared.sort_unstable();
        declared.dedup();
        // The snapshots' buffers inside the output tend to fill, and flush, at about the same
        // time; a queue of one job per snapshot lets the caller keep computing through such a
        // burst (memory: one buffer's worth per snapshot on top of the output's own buffers).
        let (jobs, queue) = mpsc::sync_channel::<Job>(declared.len().max(1));
        let (recycle, recycled) = mpsc::channel();
        let (ready, started) = mpsc::channel();
        let thread_path = path.clone();
        let thread_snapshots = declared.clone();
        let worker = std::thread::Builder::new()
            .name("galaxy-io writer".into())
            .spawn(move || -> Result<OutputSummary> {
                let output = SchemaOutput::create(&thread_path, schema, &thread_snapshots, options);
                let mut output = match output {
                    Ok(output) => {
                        let _ = ready.send(Ok(()));
                        output
                    }
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return Err(Error::Background("the output was not created".into()));
                    }
                };
                for job in queue {
                    match job {
                        Job::Rows(batches) => {
                            for (snapshot, mut rows) in batches {
                                output.write_rows(snapshot, &rows)?;
                                rows.clear();
                                let _ = recycle.send(rows);
                            }
                        }
                        Job::Finish => return output.finish(),
                    }
                }
                // The caller went away without finishing: dropping the output flushes it.
                Err(Error::Background(DROPPED.into()))
            })
            .map_err(|error| Error::io("starting the writer thread for", &path, error))?;
        started
            .recv()
            .map_err(|_| Error::Background("the writer thread ended before starting".into()))??;
        Ok(BackgroundOutput {
            path,
            staging: vec![Vec::new(); declared.len()],
            staged: 0,
            snapshots: declared,
            batch_bytes,
            jobs: Some(jobs),
            recycled,
            worker: Some(worker),
            record: PhantomData,
        })
    }

    /// Copies `galaxies` into the snapshot's batch. Once the batches of all snapshots hold a
    /// buffer's worth, they go to the I/O thread together, so that the thread gets work at an
    /// even pace however the galaxies spread over snapshots; this waits only when the thread is
    /// a whole batch behind.
    pub fn write_galaxies(&mut self, snapshot: u32, galaxies: &[G]) -> Result<()> {
        let index = self.index(snapshot)?;
        let bytes: &[u8] = bytemuck::cast_slice(galaxies);
        self.staging[index].extend_from_slice(bytes);
        self.staged += bytes.len();
        if self.staged >= self.batch_bytes {
            let batches = self.take_staged();
            self.send(Job::Rows(batches))?;
        }
        Ok(())
    }

    /// Sends what is left, waits for the thread to finish the file, and returns its summary
    /// (or the first error the thread met).
    pub fn finish(mut self) -> Result<OutputSummary> {
        let batches = self.take_staged();
        self.send(Job::Rows(batches))?;
        self.send(Job::Finish)?;
        self.join()
    }

    /// Every non-empty batch, each replaced by a vector the thread gave back (or a new one).
    fn take_staged(&mut self) -> Vec<(u32, Vec<u8>)> {
        self.staged = 0;
        let mut batches = Vec::new();
        for (index, staging) in self.staging.iter_mut().enumerate() {
            if !staging.is_empty() {
                let fresh = self.recycled.try_recv().unwrap_or_default();
                batches.push((self.snapshots[index], std::mem::replace(staging, fresh)));
            }
        }
        batches
    }

    fn index(&self, snapshot: u32) -> Result<usize> {
        self.snapshots
            .binary_search(&snapshot)
            .map_err(|_| Error::UnknownSnapshot {
                path: self.path.clone(),
                snapshot,
                known: self.snapshots.clone(),
            })
    }

    /// Queues a job; if the thread has stopped, its error is returned instead.
    fn send(&mut self, job: Job) -> Result<()> {
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
        if sent {
            Ok(())
        } else {
            match self.join() {
                Ok(_) => Err(Error::Background("the output is already finished".into())),
                Err(error) => Err(error),
            }
        }
    }

    fn join(&mut self) -> Result<OutputSummary> {
        self.jobs = None;
        let worker = self
            .worker
            .take()
            .ok_or_else(|| Error::Background("the writer thread has already reported".into()))?;
        worker
            .join()
            .unwrap_or_else(|_| Err(Error::Background("the writer thread panicked".into())))
    }
}

impl<G: GalaxyRecord> Drop for BackgroundOutput<G> {
    /// Without `finish`: every batch, full or not, is handed over, written and the file closed
    /// best-effort, as when a [`SchemaOutput`] is dropped; a failure is logged.
    fn drop(&mut self) {
        if self.worker.is_none() {
            return;
        }
        let batches = self.take_staged();
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job::Rows(batches));
        }
        match self.join() {
            Err(Error::Background(reason)) if reason == DROPPED => {}
            Err(error) => log::error!(
                "{}: background output dropped without finish: {error}",
                self.path.display()
            ),
            Ok(_) => {}
        }
    }
}
