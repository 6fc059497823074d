//! The engine that writes on the caller's thread: the file, one buffer per snapshot in front of
//! its write callback, and the file's end (counts, trees, header) at finish.

use super::{OutputSummary, SnapshotStats, Trees};
use crate::buffer::Buffer;
use crate::error::{Error, Result};
use crate::hdf5::columns::{write_num_gals, write_redshift, SnapshotColumns};
use crate::hdf5::durability::{Durability, FilePlace};
use crate::hdf5::file_format::FileFormat;
use crate::hdf5::header::Header;
use crate::hdf5::options::Hdf5Options;
use crate::hdf5::sink::{Scratch, SnapshotSink};
use crate::hdf5::types::Types;
use crate::hdf5::writer_lock::WriterLock;
use crate::hdf5::{names, raw, tree_info};
use crate::schema::Schema;
use std::path::{Path, PathBuf};

struct SnapshotBuffer {
    snapshot: u32,
    buffer: Buffer<SnapshotSink>,
}

/// An HDF5 catalogue file being written: rows go into the buffer of their snapshot.
pub(crate) struct FileWriter {
    /// `None` only inside `finish`, which may have to close and reopen it.
    file: Option<hdf5::File>,
    path: PathBuf,
    durability: Durability,
    /// Ascending by snapshot.
    snapshots: Vec<SnapshotBuffer>,
    place: FilePlace,
    /// Held for the life of the output, so that `recover` refuses to cut rows under it.
    _lock: Option<WriterLock>,
}

impl FileWriter {
    /// Creates the file with one `Snap_<N>` group per snapshot (in `order`, as given) and one
    /// empty dataset per field, and writes the header.
    pub fn create(
        path: &Path,
        schema: &Schema,
        record: Option<&str>,
        order: &[u32],
        options: &Hdf5Options,
    ) -> Result<Self> {
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
        // A chunk must fit in the buffer for flushes to cover whole chunks; partial chunks
        // would be read back and rewritten, as the datasets have no chunk cache.
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
        let file = raw::no_inherit(|| {
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
        let types = std::sync::Arc::new(Types::new()?);
        let scratch = Scratch::default();
        let mut ascending = order.to_vec();
        ascending.sort_unstable();
        let mut snapshots = Vec::with_capacity(ascending.len());
        for snapshot in ascending {
            let columns = SnapshotColumns::create_group(&file, snapshot, schema, &storage, &types)?;
            let group = columns.group().clone();
            write_num_gals(&group, 0)?;
            if let Some(&redshift) = redshifts.get(snapshot as usize) {
                write_redshift(&group, redshift)?;
            }
            let mut sink = SnapshotSink::new(
                snapshot,
                display.clone(),
                columns,
                schema.record_size(),
                scratch.clone(),
            );
            let hook =
                options
                    .durability
                    .after_write(&file, group, snapshot, &options.on_flush, &place);
            if let Some(hook) = hook {
                sink.set_after_write(hook);
            }
            // A file that must be readable (and recoverable) at every flush has all of its
            // datasets from the start; otherwise they wait for rows to fit their chunks to.
            if options.durability != Durability::AtFinish {
                sink.create_datasets()?;
            }
            let mut buffer = Buffer::new(options.buffer, sink)?;
            buffer.set_record_size(schema.record_size())?;
            // Flushes of a full buffer cover whole chunks, which HDF5 writes without its cache.
            buffer.set_alignment(schema.record_size() * storage.chunk_rows)?;
            snapshots.push(SnapshotBuffer { snapshot, buffer });
        }
        options.header.write(&file, order)?;
        if options.durability == Durability::Swmr {
            raw::start_swmr_write(file.id())?;
        }
        Ok(FileWriter {
            file: Some(file),
            path: path.to_owned(),
            durability: options.durability,
            snapshots,
            place,
            _lock: lock,
        })
    }

    /// Appends whole records to the snapshot at `index` (in ascending snapshot order).
    pub fn write(&mut self, index: usize, rows: &[u8]) -> Result<()> {
        self.snapshots[index].buffer.write(rows)
    }

    /// Hands every buffered galaxy to HDF5.
    pub fn flush(&mut self) -> Result<()> {
        self.snapshots.iter_mut().try_for_each(|s| s.buffer.flush())
    }

    /// Counters of every snapshot, ascending.
    pub fn stats(&self) -> Vec<SnapshotStats> {
        self.snapshots
            .iter()
            .map(|s| SnapshotStats {
                snapshot: s.snapshot,
                galaxies_written: s.buffer.callback().rows(),
                buffer: s.buffer.stats(),
            })
            .collect()
    }

    /// Flushes every buffer, writes `num_gals`, the trees and the header, and closes the file.
    pub fn finish(
        mut self,
        header: &mut Header,
        trees: &Trees,
        order: &[u32],
        record_size: usize,
    ) -> Result<OutputSummary> {
        let mut galaxies = Vec::new();
        for mut output in std::mem::take(&mut self.snapshots) {
            output.buffer.callback_mut().complete_with_next_write();
            let mut sink = output.buffer.finish()?;
            sink.complete()?;
            galaxies.push((output.snapshot, sink.rows()));
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
            // SWMR mode; every other handle to it went with the buffers above. Reopening it
            // while still open would only share the same SWMR-mode file.
            drop(file);
            file = reopen(&self.path)?;
        }
        for (snapshot, rows) in &galaxies {
            write_num_gals(&open_snapshot(&file, *snapshot)?, *rows)?;
        }
        trees.write(&file, header)?;
        header.write(&file, order)?;
        raw::flush_file(file.id())?;
        let total: u64 = galaxies.iter().map(|(_, rows)| rows).sum();
        Ok(OutputSummary {
            path: self.path.clone(),
            galaxies,
            record_bytes: total * record_size as u64,
        })
    }
}

impl Drop for FileWriter {
    /// Without `finish`: every buffer is flushed best-effort (its own Drop) and `num_gals`
    /// updated, so what was written is readable; failures are logged.
    fn drop(&mut self) {
        // After `finish` has started, there is nothing left to do here.
        let Some(file) = self.file.take() else { return };
        for output in std::mem::take(&mut self.snapshots) {
            let SnapshotBuffer {
                mut buffer,
                snapshot,
            } = output;
            buffer.callback_mut().complete_with_next_write();
            let flushed = buffer
                .flush()
                .and_then(|()| buffer.callback_mut().complete());
            if let Err(error) = flushed {
                log::error!(
                    "{}: snapshot {snapshot} dropped without finish: {error}",
                    self.path.display()
                );
            }
            let rows = buffer.callback().rows();
            drop(buffer);
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

fn reopen(path: &Path) -> Result<hdf5::File> {
    raw::no_inherit(|| {
        hdf5::File::open_rw(path)
            .map_err(|e| Error::hdf5(format!("reopening {}", path.display()), e))
    })
}

fn open_snapshot(file: &hdf5::File, snapshot: u32) -> Result<hdf5::Group> {
    let name = names::snapshot_group(snapshot);
    file.group(&name)
        .map_err(|e| Error::hdf5(format!("opening group {name}"), e))
}

impl Trees {
    /// `TreeInfo` and `Header/Simulation/num_trees_this_file`, when any tree was written.
    fn write(&self, file: &hdf5::File, header: &mut Header) -> Result<()> {
        let num_trees = self.count();
        tree_info::write(file, &self.per_snapshot(), num_trees)?;
        let key = "num_trees_this_file";
        let simulation = crate::hdf5::HeaderGroup::Simulation;
        if num_trees > 0 && header.get(simulation, key).is_none() {
            let value = crate::hdf5::AttrValue::I64(num_trees as i64);
            header.set(simulation, key, value);
        }
        Ok(())
    }
}
