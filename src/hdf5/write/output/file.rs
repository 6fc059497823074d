//! The catalogue file an output writes, whichever thread writes it: created with one
//! `Snap_<N>` group and write callback per snapshot, and finished with the counts, the trees
//! and the header. The engines put their buffers in front of the callbacks.

use super::{OutputSummary, Trees};
use crate::buffer::{Buffer, BufferConfig};
use crate::error::{Error, Result};
use crate::hdf5::read::writer_lock::WriterLock;
use crate::hdf5::write::columns::{
    open_snapshot, write_num_gals, write_redshift, Makers, SnapshotColumns,
};
use crate::hdf5::write::durability::FilePlace;
use crate::hdf5::write::file_format::FileFormat;
use crate::hdf5::write::header::Header;
use crate::hdf5::write::history_index;
use crate::hdf5::write::options::Durability;
use crate::hdf5::write::options::Hdf5Options;
use crate::hdf5::write::sink::{Scratch, SnapshotSink};
use crate::hdf5::{ffi, names, read::survey, write::tree_info};
use crate::schema::Schema;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Once an output has handed this many bytes of galaxies to HDF5, the snapshots that have no
/// datasets yet get them at once, growing, copied from their templates (while the model
/// computes, for a pipelined output) rather than one by one at `finish` with exactly their
/// rows. A catalogue this large hardly notices the few hundred bytes a growing dataset costs
/// more; a small one keeps datasets of exactly its rows.
const ALL_DATASETS_AFTER: u64 = 64 << 20;

/// How a snapshot's buffer must be set up in front of its callback, wherever that buffer is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BufferLayout {
    pub config: BufferConfig,
    pub record_size: usize,
    /// Full buffers hand over whole chunks, which are written without HDF5's cache.
    pub alignment: usize,
}

impl BufferLayout {
    pub(super) fn buffer<W: crate::buffer::WriteCallback>(&self, callback: W) -> Result<Buffer<W>> {
        let mut buffer = Buffer::new(self.config, callback)?;
        buffer.set_record_size(self.record_size)?;
        buffer.set_alignment(self.alignment)?;
        Ok(buffer)
    }
}

/// An open catalogue file; its snapshots' callbacks are handed out at creation.
pub(crate) struct OutputFile {
    /// `None` once finished or dropped.
    file: Option<hdf5::File>,
    path: PathBuf,
    durability: Durability,
    place: FilePlace,
    /// Held for the life of the output, so that `recover` refuses to cut rows under it.
    _lock: Option<WriterLock>,
}

impl OutputFile {
    /// Creates the file with one `Snap_<N>` group per snapshot (`order` as given) and writes the
    /// header; returns it, the callbacks of the snapshots in ascending order, and the layout of
    /// the buffers to put in front of them.
    pub(super) fn create(
        path: &Path,
        schema: &Schema,
        record: Option<&str>,
        order: &[u32],
        options: &Hdf5Options,
    ) -> Result<(Self, Vec<SnapshotSink>, BufferLayout)> {
        options.buffer.validate()?;
        if options.durability != Durability::AtFinish
            && options.file_format != FileFormat::Hdf5_1_10
        {
            return Err(Error::Options(format!(
                "{:?} needs the HDF5 1.10 file format, not {:?}",
                options.durability, options.file_format
            )));
        }
        let mut storage = options.dataset_storage(schema, record)?;
        // A chunk must fit in the buffer for flushes to cover whole chunks.
        storage.chunk_rows = storage
            .chunk_rows
            .min(options.buffer.max_size / schema.record_size())
            .max(1);
        let redshifts = &options.header.snapshot_redshifts;
        if let Some(&beyond) = order
            .iter()
            .find(|&&s| !redshifts.is_empty() && s as usize >= redshifts.len())
        {
            return Err(Error::BadInput {
                snapshot: beyond,
                problem: format!(
                    "the header's snapshot redshifts cover snapshots 0..{}, not this one",
                    redshifts.len()
                ),
            });
        }
        prepare_path(path, options.replace)?;
        let display = path.display().to_string();
        let file = ffi::files::no_inherit(|| {
            hdf5::File::with_options()
                .with_fapl(|fapl| {
                    options
                        .file_format
                        .file_access(options.durability.file_access(fapl))
                })
                .with_fcpl(FileFormat::file_create)
                .create_excl(path)
                .map_err(|e| Error::hdf5(format!("creating {display}"), e))
        })?;
        FileFormat::after_create(&file)?;
        let place = FilePlace::of(&file, path)?;
        let lock = WriterLock::acquire(path);
        let makers = Arc::new(Makers::new(&file, schema.fields().len())?);
        let scratch = Scratch::default();
        let mut ascending = order.to_vec();
        ascending.sort_unstable();
        let mut sinks = Vec::with_capacity(ascending.len());
        for snapshot in ascending {
            let columns =
                SnapshotColumns::create_group(&file, snapshot, schema, &storage, &makers)?;
            write_num_gals(columns.group(), 0)?;
            if let Some(&redshift) = redshifts.get(snapshot as usize) {
                write_redshift(columns.group(), redshift)?;
            }
            let mut sink = SnapshotSink::new(
                snapshot,
                display.clone(),
                columns,
                schema.record_size(),
                scratch.clone(),
            );
            let hook = options
                .durability
                .after_write(&file, snapshot, &options.on_flush, &place);
            if let Some(hook) = hook {
                sink.set_after_write(hook);
            }
            // A file that must be readable (and recoverable) at every flush has all of its
            // datasets from the start; otherwise they wait for rows to fit their chunks to.
            if options.durability != Durability::AtFinish {
                sink.create_datasets()?;
            }
            sinks.push(sink);
        }
        options.header.write(&file, order)?;
        if let Some(key) = schema.key() {
            history_index::prepare(&file, &key.name)?;
        }
        if let Some(mode) = options.durability.marker() {
            ffi::attrs::write_string_attr(file.id(), names::DURABLE_WRITER, mode)?;
        }
        if options.durability == Durability::Swmr {
            ffi::files::start_swmr_write(file.id())?;
        }
        let layout = BufferLayout {
            config: options.buffer,
            record_size: schema.record_size(),
            alignment: schema.record_size() * storage.chunk_rows,
        };
        let output = OutputFile {
            file: Some(file),
            path: path.to_owned(),
            durability: options.durability,
            place,
            _lock: lock,
        };
        Ok((output, sinks, layout))
    }

    /// Whether an output that has written `bytes` should have every snapshot's datasets (see
    /// [`ALL_DATASETS_AFTER`]); `done` says it has them already. Only for
    /// [`Durability::AtFinish`]: a durable file's on-disk sequence stays the one the crash
    /// sweep kills at every write.
    pub(super) fn wants_all_datasets(&self, done: bool, bytes: u64) -> bool {
        !done && bytes >= ALL_DATASETS_AFTER && self.durability == Durability::AtFinish
    }

    /// Writes what HDF5 holds of the file (without finishing it), for an output with time on its
    /// hands; the durable modes do it at every flush anyway.
    pub(super) fn flush_when_idle(&self) -> Result<()> {
        match &self.file {
            Some(file) if self.durability == Durability::AtFinish => {
                ffi::files::flush_file(file.id())
            }
            _ => Ok(()),
        }
    }

    /// Completes the snapshots (every buffer already handed over), writes `num_gals`, the trees
    /// and the header, and closes the file.
    pub(super) fn finish(
        mut self,
        sinks: Vec<SnapshotSink>,
        header: &mut Header,
        trees: &Trees,
        order: &[u32],
        record_size: usize,
        history: Option<history_index::PendingIndex>,
    ) -> Result<OutputSummary> {
        let mut galaxies = Vec::with_capacity(sinks.len());
        for mut sink in sinks {
            sink.complete()?;
            galaxies.push((sink.snapshot(), sink.rows()));
        }
        self.place.check()?;
        let Some(mut file) = self.file.take() else {
            return Err(Error::BadFile {
                path: self.path.clone(),
                problem: "the output was already finished".into(),
            });
        };
        if self.durability == Durability::Swmr {
            // An SWMR writer may not add objects (TreeInfo, attributes). Closing the file ends
            // SWMR mode; every other handle to it went with the callbacks above. Reopening it
            // while still open would only share the same SWMR-mode file.
            drop(file);
            file = reopen(&self.path)?;
        }
        for (snapshot, rows) in &galaxies {
            write_num_gals(&open_snapshot(&file, *snapshot)?, *rows)?;
        }
        trees.write(&file, header)?;
        // Before the durable writer's mark goes: a file that has the index without the mark
        // has all of it (a crash while it was written leaves the mark, and `recover` drops it).
        if let Some(pending) = history {
            history_index::write(&file, &pending.wait()?)?;
        }
        header.write(&file, order)?;
        ffi::attrs::delete_attr(file.id(), names::DURABLE_WRITER)?;
        ffi::files::flush_file(file.id())?;
        // Closed here, not when `finish` returns, so that the file is known as closed: a reader
        // in this process (write_master over the outputs it just wrote) need not survey it.
        drop(file);
        survey::written(&self.path);
        let total: u64 = galaxies.iter().map(|(_, rows)| rows).sum();
        Ok(OutputSummary {
            path: self.path.clone(),
            galaxies,
            record_bytes: total * record_size as u64,
        })
    }

    /// Without `finish`: completes every snapshot and updates its `num_gals` best-effort, so
    /// that what was written is readable; failures are logged.
    pub(super) fn abandon(mut self, sinks: Vec<SnapshotSink>) {
        let Some(file) = self.file.take() else { return };
        for mut sink in sinks {
            let snapshot = sink.snapshot();
            if let Err(error) = sink.complete() {
                log::error!(
                    "{}: snapshot {snapshot} dropped without finish: {error}",
                    self.path.display()
                );
            }
            let rows = sink.rows();
            drop(sink);
            if self.durability != Durability::Swmr {
                if let Err(error) =
                    open_snapshot(&file, snapshot).and_then(|g| write_num_gals(&g, rows))
                {
                    log::error!("{}: snapshot {snapshot}: {error}", self.path.display());
                }
            }
        }
    }
}

/// Makes way for a new file at `path`. An existing file is removed rather than truncated: ext4
/// flushes a truncated-and-rewritten file synchronously when it is closed (`auto_da_alloc`),
/// which cost about a tenth of the write time.
fn prepare_path(path: &Path, replace: bool) -> Result<()> {
    if path.exists() {
        if !replace {
            return Err(Error::FileExists(path.to_owned()));
        }
        std::fs::remove_file(path).map_err(|error| Error::io("replacing", path, error))?;
    }
    // Trying with the operating system first turns "no such directory" or "permission denied"
    // into a plain I/O error instead of an HDF5 error stack. HDF5 then creates the file
    // exclusively: truncating (its default) would set off ext4's flush-on-close too.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|error| Error::io("creating", path, error))?;
    std::fs::remove_file(path).map_err(|error| Error::io("creating", path, error))
}

/// Reopens a file whose SWMR writing ended, to finish it. Readers that follow the writer may
/// still hold it open, and HDF5's lock would refuse the writer because of them: it is not taken
/// (the output's own lock still keeps `recover` away).
fn reopen(path: &Path) -> Result<hdf5::File> {
    ffi::files::no_inherit(|| {
        hdf5::File::with_options()
            .with_fapl(|fapl| fapl.file_locking(false))
            .open_rw(path)
            .map_err(|e| Error::hdf5(format!("reopening {}", path.display()), e))
    })
}

impl Trees {
    /// `TreeInfo` and `Header/Simulation/num_trees_this_file`, when any tree was written.
    fn write(&self, file: &hdf5::File, header: &mut Header) -> Result<()> {
        let num_trees = self.count();
        tree_info::write(file, &self.per_snapshot(), num_trees)?;
        let key = "num_trees_this_file";
        let simulation = crate::hdf5::write::header::HeaderGroup::Simulation;
        if num_trees > 0 && header.get(simulation, key).is_none() {
            let value = crate::hdf5::attr_value::AttrValue::I64(num_trees as i64);
            header.set(simulation, key, value);
        }
        Ok(())
    }
}
