//! The engine that writes on a thread of its own. The caller's rows go into one buffer per
//! snapshot, as in the direct engine; a full buffer's bytes go to one I/O thread, which
//! transposes them into columns and writes them, so that the caller only copies records while
//! HDF5 works: a model pays about the larger of its computing and its output, not the sum.
//! Every HDF5 call of the output (creating the file, writing, finishing) happens on that thread.
//!
//! Errors keep the direct engine's promise that a failed write can be retried and every galaxy
//! is written exactly once: a hand-over that fails on the thread is kept there, with everything
//! after it, in order; the caller's next call returns the error without taking its own rows,
//! and the call after that has the thread retry the kept hand-overs first.

use super::file::{BufferLayout, OutputFile};
use super::{OutputSummary, SnapshotStats, Trees};
use crate::buffer::{Buffer, WriteCallback};
use crate::error::{Error, Result, WriterThreadState};
use crate::hdf5::write::header::Header;
use crate::hdf5::write::history_index::PendingIndex;
use crate::hdf5::write::options::Hdf5Options;
use crate::hdf5::write::sink::SnapshotSink;
use crate::schema::Schema;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A hand-over of snapshot `index`'s buffer; `last` when it completes the snapshot.
struct Handover {
    index: usize,
    offset: u64,
    bytes: Vec<u8>,
    last: bool,
}

enum Job {
    Rows(Handover),
    /// Retry what failed, if anything did, and answer how that went.
    Sync(SyncSender<Result<()>>),
    Finish {
        header: Box<Header>,
        trees: Trees,
        order: Vec<u32>,
        record_size: usize,
        history: Option<PendingIndex>,
    },
}

/// What the thread tells the caller between calls.
#[derive(Default)]
struct Shared {
    stats: Vec<SnapshotStats>,
    /// The error of a hand-over that failed, until the caller has returned it.
    failure: Option<Error>,
    /// A hand-over failed and waits to be retried.
    stalled: bool,
}

/// How the thread ends: the summary, or the error it stopped at, or nothing when the caller
/// dropped the output without finishing it.
type Outcome = Option<Result<OutputSummary>>;

/// The caller's end of a snapshot's buffer: it sends what the buffer hands over.
struct Handoff {
    index: usize,
    jobs: SyncSender<Job>,
    recycled: Arc<Mutex<Vec<Vec<u8>>>>,
    last: bool,
    path: PathBuf,
}

impl Handoff {
    fn send(&mut self, bytes: Vec<u8>, offset: u64) -> std::result::Result<(), Vec<u8>> {
        let job = Job::Rows(Handover {
            index: self.index,
            offset,
            bytes,
            last: self.last,
        });
        self.jobs.send(job).map_err(|failed| {
            let Job::Rows(handover) = failed.0 else {
                unreachable!("a hand-over sends rows")
            };
            handover.bytes
        })
    }

    fn stopped(&self) -> Error {
        Error::WriterThread {
            path: self.path.clone(),
            state: WriterThreadState::Stopped,
        }
    }
}

impl WriteCallback for Handoff {
    fn write(&mut self, bytes: &[u8], offset: u64) -> Result<()> {
        let mut owned = lock(&self.recycled).pop().unwrap_or_default();
        owned.clear();
        owned.extend_from_slice(bytes);
        self.send(owned, offset).map_err(|_| self.stopped())
    }

    /// The buffer's own vector goes to the I/O thread and a recycled one takes its place: the
    /// caller's thread copies each record once, into the buffer.
    fn write_owned(&mut self, bytes: &mut Vec<u8>, offset: u64) -> Result<()> {
        let replacement = lock(&self.recycled).pop().unwrap_or_default();
        let full = std::mem::replace(bytes, replacement);
        self.send(full, offset).map_err(|returned| {
            *bytes = returned;
            self.stopped()
        })
    }
}

pub(crate) struct BackgroundWriter {
    path: PathBuf,
    buffers: Vec<Buffer<Handoff>>,
    shared: Arc<Mutex<Shared>>,
    jobs: Option<SyncSender<Job>>,
    worker: Option<JoinHandle<Outcome>>,
}

impl BackgroundWriter {
    /// Starts the I/O thread, which creates the file; fails as the direct engine does.
    pub(super) fn create(
        path: &Path,
        schema: &Schema,
        record: Option<&'static str>,
        order: &[u32],
        options: &Hdf5Options,
    ) -> Result<Self> {
        // Room for one full buffer per snapshot on its way: the snapshots' buffers tend to
        // fill, and flush, at about the same time, and the caller keeps computing through that.
        let (jobs, queue) = mpsc::sync_channel::<Job>(order.len().max(2));
        let (ready, started) = mpsc::channel();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let recycled = Arc::new(Mutex::new(Vec::new()));
        let thread = Thread {
            shared: Arc::clone(&shared),
            recycled: Arc::clone(&recycled),
        };
        let (thread_path, thread_schema, thread_order) =
            (path.to_owned(), schema.clone(), order.to_vec());
        let thread_options = options.clone();
        let worker = std::thread::Builder::new()
            .name("galaxy-io writer".into())
            .spawn(move || -> Outcome {
                let created = OutputFile::create(
                    &thread_path,
                    &thread_schema,
                    record,
                    &thread_order,
                    &thread_options,
                );
                match created {
                    Ok((file, sinks, layout)) => {
                        thread.publish(&sinks);
                        let _ = ready.send(Ok((layout, sinks.len())));
                        thread.run(file, sinks, queue)
                    }
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        None
                    }
                }
            })
            .map_err(|error| Error::io("starting the writer thread for", path, error))?;
        let stopped = |state| Error::WriterThread {
            path: path.to_owned(),
            state,
        };
        let (layout, snapshots): (BufferLayout, usize) = started
            .recv()
            .map_err(|_| stopped(WriterThreadState::Panicked))??;
        let buffers = (0..snapshots)
            .map(|index| {
                layout.buffer(Handoff {
                    index,
                    jobs: jobs.clone(),
                    recycled: Arc::clone(&recycled),
                    last: false,
                    path: path.to_owned(),
                })
            })
            .collect::<Result<_>>()?;
        Ok(BackgroundWriter {
            path: path.to_owned(),
            buffers,
            shared,
            jobs: Some(jobs),
            worker: Some(worker),
        })
    }

    /// Copies `rows` into the snapshot's buffer; a full buffer goes to the thread. Waits only
    /// when the thread is a queue's worth behind.
    pub(super) fn write(&mut self, index: usize, rows: &[u8]) -> Result<()> {
        self.settle()?;
        let written = self.buffers[index].write(rows);
        written.map_err(|error| self.name(error))
    }

    /// Hands everything buffered to the thread and waits until it is in HDF5.
    pub(super) fn flush(&mut self) -> Result<()> {
        self.settle()?;
        for index in 0..self.buffers.len() {
            let flushed = self.buffers[index].flush();
            flushed.map_err(|error| self.name(error))?;
        }
        self.sync()
    }

    /// The counters as the thread last published them.
    pub(super) fn stats(&self) -> Vec<SnapshotStats> {
        let published = lock(&self.shared).stats.clone();
        published
            .into_iter()
            .zip(&self.buffers)
            .map(|(stats, buffer)| SnapshotStats {
                buffer: buffer.stats(),
                ..stats
            })
            .collect()
    }

    /// Hands over what is left, each snapshot's last hand-over completing it, and waits for
    /// the thread to finish the file.
    pub(super) fn finish(
        mut self,
        header: Header,
        trees: Trees,
        order: &[u32],
        record_size: usize,
        history: Option<PendingIndex>,
    ) -> Result<OutputSummary> {
        self.settle()?;
        for buffer in std::mem::take(&mut self.buffers) {
            let mut buffer = buffer;
            buffer.callback_mut().last = true;
            let finished = buffer.finish();
            finished.map_err(|error| self.name(error))?;
        }
        self.send(Job::Finish {
            header: Box::new(header),
            trees,
            order: order.to_vec(),
            record_size,
            history,
        })?;
        match self.join() {
            Some(outcome) => outcome,
            None => Err(self.thread_error(WriterThreadState::Stopped)),
        }
    }

    /// Before a call: returns a failure the thread reported since the last call (the call
    /// then takes nothing), or has the thread retry a failure already returned.
    fn settle(&mut self) -> Result<()> {
        if self.worker.is_none() {
            return Err(self.thread_error(WriterThreadState::Stopped));
        }
        let (failure, stalled) = {
            let mut shared = lock(&self.shared);
            (shared.failure.take(), shared.stalled)
        };
        match failure {
            Some(error) => Err(error),
            None if stalled => self.sync(),
            None => Ok(()),
        }
    }

    /// Waits until the thread has written everything sent so far (retrying what failed).
    fn sync(&mut self) -> Result<()> {
        let (answer, answered) = mpsc::sync_channel(1);
        self.send(Job::Sync(answer))?;
        match answered.recv() {
            Ok(result) => result,
            Err(_) => self.stopped(),
        }
    }

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

    /// A buffer's error: if the thread has gone, why.
    fn name(&mut self, error: Error) -> Error {
        match error {
            Error::Flush { source, .. } if matches!(*source, Error::WriterThread { .. }) => {
                match self.stopped::<()>() {
                    Err(error) => error,
                    Ok(()) => *source,
                }
            }
            other => other,
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
        self.buffers.clear();
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
    /// Without `finish`: every buffer is handed over best-effort, written, and the file left
    /// readable, as when a direct output is dropped; a failure is logged.
    fn drop(&mut self) {
        if self.worker.is_none() {
            return;
        }
        for mut buffer in std::mem::take(&mut self.buffers) {
            buffer.callback_mut().last = true;
            buffer.abandon();
        }
        if let Some(Err(error)) = self.join() {
            log::error!(
                "{}: output dropped without finish: {error}",
                self.path.display()
            );
        }
    }
}

/// The thread's side.
struct Thread {
    shared: Arc<Mutex<Shared>>,
    recycled: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Thread {
    fn run(self, file: OutputFile, mut sinks: Vec<SnapshotSink>, queue: Receiver<Job>) -> Outcome {
        // The hand-over that failed, and those after it, in order.
        let mut held: VecDeque<Handover> = VecDeque::new();
        let mut unflushed = false;
        let mut all_datasets = false;
        loop {
            let job = match queue.try_recv() {
                Ok(job) => job,
                Err(mpsc::TryRecvError::Empty) => {
                    // Nothing to do: the metadata written so far goes to the file now, while
                    // the model computes, rather than all of it when the output finishes.
                    if std::mem::take(&mut unflushed) {
                        if let Err(error) = file.flush_when_idle() {
                            log::debug!("flushing while idle: {error}");
                        }
                    }
                    match queue.recv() {
                        Ok(job) => job,
                        Err(_) => break,
                    }
                }
                Err(mpsc::TryRecvError::Disconnected) => break,
            };
            match job {
                Job::Rows(handover) if !held.is_empty() => held.push_back(handover),
                Job::Rows(handover) => {
                    held.push_back(handover);
                    unflushed = true;
                    if let Err(error) = self.resume(&mut sinks, &mut held) {
                        lock(&self.shared).failure = Some(error);
                        continue;
                    }
                    let bytes = sinks.iter().map(SnapshotSink::bytes).sum();
                    if file.wants_all_datasets(all_datasets, bytes) {
                        all_datasets = true;
                        // Ahead of need: should it fail, the datasets are made when their rows
                        // come.
                        let made = sinks.iter_mut().try_for_each(SnapshotSink::create_datasets);
                        if let Err(error) = made {
                            log::debug!("making every snapshot's datasets ahead of need: {error}");
                        }
                    }
                }
                Job::Sync(answer) => {
                    let _ = answer.send(self.catch_up(&mut sinks, &mut held));
                }
                Job::Finish {
                    mut header,
                    trees,
                    order,
                    record_size,
                    history,
                } => {
                    if let Err(error) = self.catch_up(&mut sinks, &mut held) {
                        return Some(Err(error));
                    }
                    return Some(file.finish(
                        sinks,
                        &mut header,
                        &trees,
                        &order,
                        record_size,
                        history,
                    ));
                }
            }
        }
        // The caller went away without finishing.
        self.resume(&mut sinks, &mut held).ok();
        file.abandon(sinks);
        None
    }

    /// For a caller waiting on the thread: a failure it has not been told of yet is its answer
    /// (a caller retries only once it has been told); otherwise the held hand-overs are
    /// retried.
    fn catch_up(&self, sinks: &mut [SnapshotSink], held: &mut VecDeque<Handover>) -> Result<()> {
        let unseen = lock(&self.shared).failure.take();
        match unseen {
            Some(error) => Err(error),
            None => self.resume(sinks, held),
        }
    }

    /// Writes the held hand-overs in order, stopping at the first that fails (it stays held;
    /// its error goes to the caller when this was not a caller's request).
    fn resume(&self, sinks: &mut [SnapshotSink], held: &mut VecDeque<Handover>) -> Result<()> {
        while let Some(handover) = held.front() {
            let sink = &mut sinks[handover.index];
            if handover.last {
                sink.complete_with_next_write();
            }
            if let Err(error) = sink.write(&handover.bytes, handover.offset) {
                lock(&self.shared).stalled = true;
                return Err(error);
            }
            if let Some(done) = held.pop_front() {
                lock(&self.recycled).push(done.bytes);
            }
            self.publish(sinks);
        }
        lock(&self.shared).stalled = false;
        Ok(())
    }

    fn publish(&self, sinks: &[SnapshotSink]) {
        lock(&self.shared).stats = sinks
            .iter()
            .map(|sink| SnapshotStats {
                snapshot: sink.snapshot(),
                galaxies_written: sink.rows(),
                ..SnapshotStats::default()
            })
            .collect();
    }
}

/// A poisoned lock still holds consistent data here: every update is a single assignment.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
