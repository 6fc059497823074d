//! The engine that writes on a thread of its own: the caller's rows are copied into batches,
//! and full batches go to one I/O thread that owns a [`FileWriter`], so that a model's
//! computing and the HDF5 work overlap: the caller pays about the larger of the two, not the
//! sum. Every HDF5 call (creating the file, writing, finishing) happens on that thread; an error
//! there is returned by the caller's next call.

use super::direct::FileWriter;
use super::{OutputSummary, SnapshotStats, Trees};
use crate::error::{Error, Result, WriterThreadState};
use crate::hdf5::header::Header;
use crate::hdf5::options::Hdf5Options;
use crate::schema::Schema;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

enum Job {
    /// Records of several snapshots (by index), gathered since the last job.
    Rows(Vec<(usize, Vec<u8>)>),
    /// Hand everything to HDF5 and say how it went.
    Flush(SyncSender<Result<()>>),
    Finish {
        header: Box<Header>,
        trees: Trees,
        order: Vec<u32>,
        record_size: usize,
    },
}

/// How the thread ends: the summary, or the error it stopped at (returned by the caller's next
/// call), or nothing when the caller dropped the output without finishing it.
type Outcome = Option<Result<OutputSummary>>;

pub(crate) struct BackgroundWriter {
    path: PathBuf,
    /// Rows not yet sent, per snapshot index.
    staging: Vec<Vec<u8>>,
    /// Bytes in `staging`, over all snapshots.
    staged: usize,
    batch_bytes: usize,
    jobs: Option<SyncSender<Job>>,
    recycled: Receiver<Vec<u8>>,
    stats: Arc<Mutex<Vec<SnapshotStats>>>,
    worker: Option<JoinHandle<Outcome>>,
}

impl BackgroundWriter {
    /// Starts the I/O thread, which creates the file; fails as the direct engine does.
    pub fn create(
        path: &Path,
        schema: &Schema,
        record: Option<&'static str>,
        order: &[u32],
        options: &Hdf5Options,
    ) -> Result<Self> {
        let batch_bytes = options.buffer.initial_size.max(schema.record_size());
        let snapshots = order.len();
        // The snapshots' buffers inside the writer tend to fill, and flush, at about the same
        // time; a queue of one job per snapshot lets the caller keep computing through such a
        // burst (memory: one buffer's worth per snapshot on top of the writer's own buffers).
        let (jobs, queue) = mpsc::sync_channel::<Job>(snapshots.max(1));
        let (recycle, recycled) = mpsc::channel();
        let (ready, started) = mpsc::channel();
        let stats = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&stats);
        let (thread_path, thread_schema, thread_order) =
            (path.to_owned(), schema.clone(), order.to_vec());
        let thread_options = options.clone();
        let worker = std::thread::Builder::new()
            .name("galaxy-io writer".into())
            .spawn(move || -> Outcome {
                let created = FileWriter::create(
                    &thread_path,
                    &thread_schema,
                    record,
                    &thread_order,
                    &thread_options,
                );
                let mut writer = match created {
                    Ok(writer) => {
                        publish(&shared, &writer);
                        let _ = ready.send(Ok(()));
                        writer
                    }
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return None;
                    }
                };
                for job in queue {
                    match job {
                        Job::Rows(batches) => {
                            for (index, mut rows) in batches {
                                if let Err(error) = writer.write(index, &rows) {
                                    return Some(Err(error));
                                }
                                rows.clear();
                                let _ = recycle.send(rows);
                            }
                            publish(&shared, &writer);
                        }
                        Job::Flush(answer) => {
                            let flushed = writer.flush();
                            publish(&shared, &writer);
                            let failed = flushed.is_err();
                            let _ = answer.send(flushed);
                            if failed {
                                return None;
                            }
                        }
                        Job::Finish {
                            mut header,
                            trees,
                            order,
                            record_size,
                        } => return Some(writer.finish(&mut header, &trees, &order, record_size)),
                    }
                }
                // The caller went away without finishing: dropping the writer flushes it.
                None
            })
            .map_err(|error| Error::io("starting the writer thread for", path, error))?;
        let thread = |state| Error::WriterThread {
            path: path.to_owned(),
            state,
        };
        started
            .recv()
            .map_err(|_| thread(WriterThreadState::Panicked))??;
        Ok(BackgroundWriter {
            path: path.to_owned(),
            staging: vec![Vec::new(); snapshots],
            staged: 0,
            batch_bytes,
            jobs: Some(jobs),
            recycled,
            stats,
            worker: Some(worker),
        })
    }

    /// Copies `rows` into the snapshot's batch. Once the batches of all snapshots hold a
    /// buffer's worth, they go to the I/O thread together, so that the thread gets work at an
    /// even pace however the galaxies spread over snapshots; this waits only when the thread is
    /// a whole batch behind.
    pub fn write(&mut self, index: usize, rows: &[u8]) -> Result<()> {
        self.staging[index].extend_from_slice(rows);
        self.staged += rows.len();
        if self.staged >= self.batch_bytes {
            let batches = self.take_staged();
            self.send(Job::Rows(batches))?;
        }
        Ok(())
    }

    /// Sends what is staged, and waits until the thread has handed everything to HDF5.
    pub fn flush(&mut self) -> Result<()> {
        let batches = self.take_staged();
        self.send(Job::Rows(batches))?;
        let (answer, answered) = mpsc::sync_channel(1);
        self.send(Job::Flush(answer))?;
        match answered.recv() {
            Ok(result) => result,
            Err(_) => self.stopped(),
        }
    }

    /// The counters as the thread last published them.
    pub fn stats(&self) -> Vec<SnapshotStats> {
        self.stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Sends what is left, waits for the thread to finish the file, and returns its summary (or
    /// the first error the thread met).
    pub fn finish(
        mut self,
        header: Header,
        trees: Trees,
        order: &[u32],
        record_size: usize,
    ) -> Result<OutputSummary> {
        let batches = self.take_staged();
        self.send(Job::Rows(batches))?;
        self.send(Job::Finish {
            header: Box::new(header),
            trees,
            order: order.to_vec(),
            record_size,
        })?;
        match self.join() {
            Some(outcome) => outcome,
            None => Err(self.thread_error(WriterThreadState::Stopped)),
        }
    }

    /// Every non-empty batch, each replaced by a vector the thread gave back (or a new one).
    fn take_staged(&mut self) -> Vec<(usize, Vec<u8>)> {
        self.staged = 0;
        let mut batches = Vec::new();
        for (index, staging) in self.staging.iter_mut().enumerate() {
            if !staging.is_empty() {
                let fresh = self.recycled.try_recv().unwrap_or_default();
                batches.push((index, std::mem::replace(staging, fresh)));
            }
        }
        batches
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
            self.stopped()
        }
    }

    /// The thread is gone: its error if it stopped at one, else why it is gone.
    fn stopped<T>(&mut self) -> Result<T> {
        match self.join() {
            Some(Err(error)) => Err(error),
            Some(Ok(_)) => Err(self.thread_error(WriterThreadState::Finished)),
            None => Err(self.thread_error(WriterThreadState::Stopped)),
        }
    }

    fn join(&mut self) -> Outcome {
        self.jobs = None;
        let worker = self.worker.take()?;
        match worker.join() {
            Ok(outcome) => outcome,
            Err(_) => Some(Err(self.thread_error(WriterThreadState::Panicked))),
        }
    }

    fn thread_error(&self, state: WriterThreadState) -> Error {
        Error::WriterThread {
            path: self.path.clone(),
            state,
        }
    }
}

impl Drop for BackgroundWriter {
    /// Without `finish`: every batch, full or not, is handed over, written and the file closed
    /// best-effort, as when a direct output is dropped; a failure is logged.
    fn drop(&mut self) {
        if self.worker.is_none() {
            return;
        }
        let batches = self.take_staged();
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job::Rows(batches));
        }
        if let Some(Err(error)) = self.join() {
            log::error!(
                "{}: output dropped without finish: {error}",
                self.path.display()
            );
        }
    }
}

fn publish(shared: &Mutex<Vec<SnapshotStats>>, writer: &FileWriter) {
    *shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = writer.stats();
}
