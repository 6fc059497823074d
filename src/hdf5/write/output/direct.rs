//! The engine that writes on the caller's thread: one buffer per snapshot in front of its write
//! callback, so that a full buffer is transposed and written by the call that filled it.

use super::file::OutputFile;
use super::{OutputSummary, SnapshotStats, Trees};
use crate::buffer::Buffer;
use crate::error::Result;
use crate::hdf5::write::header::Header;
use crate::hdf5::write::history_index::PendingIndex;
use crate::hdf5::write::options::Hdf5Options;
use crate::hdf5::write::sink::SnapshotSink;
use crate::schema::Schema;
use std::path::Path;

/// An HDF5 catalogue file being written: rows go into the buffer of their snapshot.
pub(crate) struct FileWriter {
    /// `None` once finished.
    file: Option<OutputFile>,
    /// Ascending by snapshot.
    buffers: Vec<Buffer<SnapshotSink>>,
    /// Every snapshot has its datasets (see `OutputFile::wants_all_datasets`).
    all_datasets: bool,
}

impl FileWriter {
    /// Creates the file (see [`OutputFile::create`]) and a buffer per snapshot.
    pub(super) fn create(
        path: &Path,
        schema: &Schema,
        record: Option<&str>,
        order: &[u32],
        options: &Hdf5Options,
    ) -> Result<Self> {
        let (file, sinks, layout) = OutputFile::create(path, schema, record, order, options)?;
        let buffers = sinks
            .into_iter()
            .map(|sink| layout.buffer(sink))
            .collect::<Result<_>>()?;
        Ok(FileWriter {
            file: Some(file),
            buffers,
            all_datasets: false,
        })
    }

    /// Appends whole records to the snapshot at `index` (in ascending snapshot order).
    pub(super) fn write(&mut self, index: usize, rows: &[u8]) -> Result<()> {
        self.buffers[index].write(rows)?;
        let bytes = self.buffers.iter().map(|b| b.callback().bytes()).sum();
        let wanted = self.file.as_ref();
        if wanted.is_some_and(|file| file.wants_all_datasets(self.all_datasets, bytes)) {
            self.all_datasets = true;
            // Ahead of need: should it fail, the datasets are made when their rows come, and
            // the rows just written stay written (a write's error must mean none of them were).
            let made = self
                .buffers
                .iter_mut()
                .try_for_each(|buffer| buffer.callback_mut().create_datasets());
            if let Err(error) = made {
                log::debug!("making every snapshot's datasets ahead of need: {error}");
            }
        }
        Ok(())
    }

    /// Hands every buffered galaxy to HDF5.
    pub(super) fn flush(&mut self) -> Result<()> {
        self.buffers.iter_mut().try_for_each(Buffer::flush)
    }

    /// Counters of every snapshot, ascending.
    pub(super) fn stats(&self) -> Vec<SnapshotStats> {
        self.buffers
            .iter()
            .map(|buffer| SnapshotStats {
                snapshot: buffer.callback().snapshot(),
                galaxies_written: buffer.callback().rows(),
                buffer: buffer.stats(),
            })
            .collect()
    }

    /// Flushes every buffer, its last hand-over completing its snapshot, then finishes the file.
    pub(super) fn finish(
        mut self,
        header: &mut Header,
        trees: &Trees,
        order: &[u32],
        record_size: usize,
        history: Option<PendingIndex>,
    ) -> Result<OutputSummary> {
        let mut sinks = Vec::with_capacity(self.buffers.len());
        for mut buffer in std::mem::take(&mut self.buffers) {
            buffer.callback_mut().complete_with_next_write();
            sinks.push(buffer.finish()?);
        }
        let file = self.file.take().expect("a writer is finished once");
        file.finish(sinks, header, trees, order, record_size, history)
    }
}

impl Drop for FileWriter {
    /// Without `finish`: every buffer is flushed best-effort and the file left readable.
    fn drop(&mut self) {
        let Some(file) = self.file.take() else { return };
        let sinks = std::mem::take(&mut self.buffers)
            .into_iter()
            .map(|mut buffer| {
                buffer.callback_mut().complete_with_next_write();
                buffer.abandon()
            })
            .collect();
        file.abandon(sinks);
    }
}
