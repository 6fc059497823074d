//! The output handler: create the file, write galaxies per snapshot, flush, finish.
//!
//! [`SchemaOutput`] works from a run-time [`Schema`] (static and extended fields alike);
//! [`Hdf5Output`] is its typed face for a `#[derive(GalaxyRecord)]` struct.

use super::header::{AttrValue, Header, HeaderGroup};
use super::layout::{self, Storage, Types};
use super::options::{metadata_cache, Durability, FlushHook, Hdf5Options};
use super::raw;
use super::sink::SnapshotSink;
use super::tree_info;
use super::writer_lock::WriterLock;
use crate::buffer::{Buffer, BufferStats};
use crate::error::{Error, Result};
use crate::schema::{GalaxyRecord, Schema};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// What [`SchemaOutput::finish`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSummary {
    /// The file written.
    pub path: PathBuf,
    /// Galaxies per snapshot, in snapshot order.
    pub galaxies: Vec<(u32, u64)>,
    /// Record bytes handed to HDF5.
    pub record_bytes: u64,
}

struct SnapshotOutput {
    snapshot: u32,
    buffer: Buffer<SnapshotSink>,
    galaxies_per_tree: Vec<i32>,
}

/// An HDF5 galaxy catalogue being written from a run-time [`Schema`].
///
/// ```
/// use galaxy_io::{Dtype, Field, Hdf5Options, Schema, SchemaOutput};
/// let dir = tempfile::tempdir()?;
/// let schema = Schema::new(vec![Field::scalar("Mvir", 0, Dtype::F64)], 8)?;
/// let mut output = SchemaOutput::create(dir.path().join("run.hdf5"), schema, &[63], Hdf5Options::default())?;
/// output.write_rows(63, bytemuck::cast_slice(&[1.5f64, 2.5]))?;
/// let summary = output.finish()?;
/// assert_eq!(summary.galaxies, [(63, 2)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SchemaOutput {
    /// `None` only inside `finish`, which may have to close and reopen it.
    file: Option<hdf5::File>,
    path: PathBuf,
    schema: Schema,
    durability: Durability,
    header: Header,
    snapshots: Vec<SnapshotOutput>,
    place: FilePlace,
    /// The output snapshots in the order given, for `Header/output_snapshots`.
    order: Vec<u32>,
    /// Trees the output declares ([`Hdf5Options::trees`]), and trees written so far.
    declared_trees: Option<usize>,
    known_trees: usize,
    /// Held for the life of the output, so that `recover` refuses to cut rows under it.
    _writer: Option<WriterLock>,
    // Keeps the native types alive as long as the datasets use their ids.
    _types: Types,
}

impl SchemaOutput {
    /// Creates the file with one `Snap_<N>` group per snapshot and one empty dataset per field.
    pub fn create(
        path: impl AsRef<Path>,
        schema: Schema,
        snapshots: &[u32],
        options: Hdf5Options,
    ) -> Result<Self> {
        let path = path.as_ref().to_owned();
        options.buffer.validate()?;
        if let Some(unknown) = options
            .storage
            .compressed
            .iter()
            .flatten()
            .find(|name| schema.field(name).is_none())
        {
            return Err(Error::Schema(format!(
                "`{unknown}` is listed for compression but is not a field of the record"
            )));
        }
        prepare_path(&path, options.overwrite)?;
        let display = path.display().to_string();
        // The v110 format (checksummed metadata, newer chunk indexes) is what makes a killed
        // writer's file recoverable without loss; see RELIABILITY.md.
        let latest_format = options.durability != Durability::Default;
        let file = raw::no_inherit(|| {
            hdf5::File::with_options()
                .with_fapl(|fapl| {
                    let fapl = fapl.mdc_config(&metadata_cache(options.durability));
                    if latest_format {
                        fapl.libver_v110()
                    } else {
                        fapl
                    }
                })
                .create_excl(&path)
                .map_err(|e| Error::hdf5(format!("creating {display}"), e))
        })?;

        let place = FilePlace::of(&file, &path)?;
        let writer = WriterLock::acquire(&path);
        let types = Types::new()?;
        // A chunk must fit in the buffer for flushes to cover whole chunks; partial chunks
        // would be read back and rewritten, as the datasets have no chunk cache.
        let chunk_rows = options
            .storage
            .chunk_rows
            .min(options.buffer.max_size / schema.record_size())
            .max(1);
        let storage = Storage {
            chunk_rows,
            ..options.storage.clone()
        };
        // The header lists the snapshots in the order given (SAGE's: descending); the outputs
        // are kept in ascending order, to be found by binary search.
        let mut order = Vec::with_capacity(snapshots.len());
        for &snapshot in snapshots {
            if !order.contains(&snapshot) {
                order.push(snapshot);
            }
        }
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
        let mut numbers = order.clone();
        numbers.sort_unstable();
        let mut outputs = Vec::with_capacity(numbers.len());
        let scratch = super::sink::Scratch::default();
        for snapshot in numbers {
            let (group, columns) =
                layout::create_snapshot(&file, snapshot, &schema, &storage, &types)?;
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
            if let Some(hook) = after_write_hook(
                &file,
                group,
                snapshot,
                options.durability,
                &options.on_flush,
                &place,
            ) {
                sink.set_after_write(hook);
            }
            let mut buffer = Buffer::new(options.buffer, sink)?;
            buffer.set_record_size(schema.record_size())?;
            // Flushes of a full buffer cover whole chunks, which HDF5 writes without its cache.
            buffer.set_alignment(schema.record_size() * chunk_rows)?;
            outputs.push(SnapshotOutput {
                snapshot,
                buffer,
                galaxies_per_tree: Vec::new(),
            });
        }
        options.header.write(&file, &order)?;
        if options.durability == Durability::Swmr {
            raw::start_swmr_write(file.id())?;
        }
        Ok(SchemaOutput {
            file: Some(file),
            path,
            schema,
            durability: options.durability,
            header: options.header,
            snapshots: outputs,
            place,
            order,
            declared_trees: options.trees,
            known_trees: 0,
            _writer: writer,
            _types: types,
        })
    }

    /// Appends whole records (`schema().record_size()` bytes each) to a snapshot.
    pub fn write_rows(&mut self, snapshot: u32, rows: &[u8]) -> Result<()> {
        let record_size = self.schema.record_size();
        if !rows.len().is_multiple_of(record_size) {
            return Err(Error::BadInput {
                snapshot,
                problem: format!(
                    "{} bytes are not whole records of {record_size} bytes",
                    rows.len()
                ),
            });
        }
        self.snapshot_mut(snapshot)?.buffer.write(rows)
    }

    /// Appends whole records that belong to merger tree `tree`; the counts per tree become
    /// `TreeInfo/Snap_<N>/NumGalsPerTreePerSnap` at finish. Trees are numbered from 0: below
    /// [`Hdf5Options::trees`] when it is set, and otherwise without gaps (a tree number at most
    /// one past the highest so far), so that the counts describe the trees really written.
    pub fn write_tree_rows(&mut self, snapshot: u32, tree: usize, rows: &[u8]) -> Result<()> {
        let record_size = self.schema.record_size();
        let bad = |problem: String| Error::BadInput { snapshot, problem };
        match self.declared_trees {
            Some(declared) if tree >= declared => {
                return Err(bad(format!(
                    "tree {tree} is beyond the {declared} trees this output declares"
                )))
            }
            None if tree > self.known_trees => {
                return Err(bad(format!(
                    "tree {tree} skips trees {}..{tree}: number trees from 0 without gaps, or \
                     declare how many there are (Hdf5Options::trees)",
                    self.known_trees
                )))
            }
            _ => {}
        }
        let known = self.known_trees.max(tree + 1);
        let output = self.snapshot_mut(snapshot)?;
        let before = output.galaxies_per_tree.get(tree).copied().unwrap_or(0);
        let count = i32::try_from(rows.len() / record_size)
            .ok()
            .and_then(|n| before.checked_add(n))
            .ok_or_else(|| {
                bad(format!(
                    "tree {tree} would have more than {} galaxies",
                    i32::MAX
                ))
            })?;
        self.write_rows(snapshot, rows)?;
        let output = self.snapshot_mut(snapshot)?;
        if output.galaxies_per_tree.len() <= tree {
            output.galaxies_per_tree.resize(tree + 1, 0);
        }
        output.galaxies_per_tree[tree] = count;
        self.known_trees = known;
        Ok(())
    }

    /// Hands every buffered galaxy to HDF5.
    pub fn flush(&mut self) -> Result<()> {
        self.snapshots.iter_mut().try_for_each(|s| s.buffer.flush())
    }

    /// The schema the rows follow.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header, to complete before [`finish`](Self::finish) writes it again.
    pub fn header_mut(&mut self) -> &mut Header {
        &mut self.header
    }

    /// The declared snapshots, ascending.
    pub fn snapshots(&self) -> Vec<u32> {
        self.snapshots.iter().map(|s| s.snapshot).collect()
    }

    /// Buffer counters of a snapshot.
    pub fn buffer_stats(&self, snapshot: u32) -> Result<BufferStats> {
        Ok(self.snapshot(snapshot)?.buffer.stats())
    }

    /// Galaxies written to HDF5 so far for a snapshot (buffered ones not included).
    pub fn flushed_galaxies(&self, snapshot: u32) -> Result<u64> {
        Ok(self.snapshot(snapshot)?.buffer.callback().rows())
    }

    /// Flushes every buffer, writes `num_gals`, the tree counts and the header, and closes the
    /// file. Nothing can be written afterwards: the output is consumed.
    pub fn finish(mut self) -> Result<OutputSummary> {
        let mut galaxies = Vec::new();
        let mut trees = Vec::new();
        for output in std::mem::take(&mut self.snapshots) {
            let sink = output.buffer.finish()?;
            galaxies.push((output.snapshot, sink.rows()));
            trees.push((output.snapshot, output.galaxies_per_tree));
        }
        self.place.check()?;
        let mut file = self.file.take().expect("the file is open until finish");
        if self.durability == Durability::Swmr {
            // An SWMR writer may not add objects (TreeInfo, attributes). Closing the file ends
            // SWMR mode; every other handle to it went with the buffers above. Reopening it
            // while still open would only share the same SWMR-mode file.
            drop(file);
            file = reopen(&self.path)?;
        }
        let file = &file;
        for (snapshot, rows) in &galaxies {
            write_num_gals(&open_snapshot(file, *snapshot)?, *rows)?;
        }
        let num_trees = self.declared_trees.unwrap_or(self.known_trees);
        tree_info::write(file, &trees, num_trees)?;
        let trees_key = "num_trees_this_file";
        if num_trees > 0
            && self
                .header
                .get(HeaderGroup::Simulation, trees_key)
                .is_none()
        {
            let value = AttrValue::I64(num_trees as i64);
            self.header.set(HeaderGroup::Simulation, trees_key, value);
        }
        self.header.write(file, &self.order)?;
        raw::flush_file(file.id())?;
        let total: u64 = galaxies.iter().map(|(_, rows)| rows).sum();
        Ok(OutputSummary {
            path: self.path.clone(),
            galaxies,
            record_bytes: total * self.schema.record_size() as u64,
        })
    }

    fn snapshot(&self, snapshot: u32) -> Result<&SnapshotOutput> {
        match self
            .snapshots
            .binary_search_by_key(&snapshot, |s| s.snapshot)
        {
            Ok(index) => Ok(&self.snapshots[index]),
            Err(_) => Err(self.unknown(snapshot)),
        }
    }

    fn snapshot_mut(&mut self, snapshot: u32) -> Result<&mut SnapshotOutput> {
        match self
            .snapshots
            .binary_search_by_key(&snapshot, |s| s.snapshot)
        {
            Ok(index) => Ok(&mut self.snapshots[index]),
            Err(_) => Err(self.unknown(snapshot)),
        }
    }

    fn unknown(&self, snapshot: u32) -> Error {
        Error::UnknownSnapshot {
            path: self.path.clone(),
            snapshot,
            known: self.snapshots(),
        }
    }
}

impl Drop for SchemaOutput {
    /// Without `finish`: every buffer is flushed best-effort (its own Drop) and `num_gals`
    /// updated, so what was written is readable; failures are logged.
    fn drop(&mut self) {
        // After `finish` has started, there is nothing left to do here.
        let Some(file) = self.file.take() else { return };
        for output in std::mem::take(&mut self.snapshots) {
            let SnapshotOutput {
                mut buffer,
                snapshot,
                ..
            } = output;
            if let Err(error) = buffer.flush() {
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

/// A typed [`SchemaOutput`] for a `#[derive(GalaxyRecord)]` struct.
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let mut output = Hdf5Output::<SageGalaxy>::create(dir.path().join("model_0.hdf5"), &[63], Hdf5Options::default())?;
/// output.write_galaxies(63, &[SageGalaxy { stellar_mass: 1.0, ..Default::default() }])?;
/// assert_eq!(output.finish()?.galaxies, [(63, 1)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Hdf5Output<G: GalaxyRecord> {
    inner: SchemaOutput,
    record: PhantomData<fn(&G)>,
}

impl<G: GalaxyRecord> Hdf5Output<G> {
    /// Creates the file for `G`'s schema; see [`SchemaOutput::create`].
    pub fn create(path: impl AsRef<Path>, snapshots: &[u32], options: Hdf5Options) -> Result<Self> {
        Ok(Hdf5Output {
            inner: SchemaOutput::create(path, Schema::of::<G>()?, snapshots, options)?,
            record: PhantomData,
        })
    }

    /// Appends galaxies to a snapshot, as their bytes (no copy until the buffer).
    pub fn write_galaxies(&mut self, snapshot: u32, galaxies: &[G]) -> Result<()> {
        self.inner
            .write_rows(snapshot, bytemuck::cast_slice(galaxies))
    }

    /// Appends the galaxies of merger tree `tree` to a snapshot.
    pub fn write_tree(&mut self, snapshot: u32, tree: usize, galaxies: &[G]) -> Result<()> {
        self.inner
            .write_tree_rows(snapshot, tree, bytemuck::cast_slice(galaxies))
    }

    /// The untyped output underneath.
    pub fn inner(&self) -> &SchemaOutput {
        &self.inner
    }

    /// The untyped output underneath, mutably (flush, header, statistics).
    pub fn inner_mut(&mut self) -> &mut SchemaOutput {
        &mut self.inner
    }

    /// See [`SchemaOutput::finish`].
    pub fn finish(self) -> Result<OutputSummary> {
        self.inner.finish()
    }
}

/// Makes way for a new file at `path`. An existing file is removed rather than truncated: ext4
/// flushes a truncated-and-rewritten file synchronously when it is closed (`auto_da_alloc`),
/// which cost about a tenth of the write time.
fn prepare_path(path: &Path, overwrite: bool) -> Result<()> {
    if path.exists() {
        if !overwrite {
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

/// Where the output file lives: its path and the device and inode it had when created, to
/// notice when the path is removed or replaced while galaxies are still being written to it
/// (writes to an unlinked file succeed and are lost when it is closed).
#[derive(Clone)]
struct FilePlace {
    path: PathBuf,
    identity: (u64, u64),
}

impl FilePlace {
    fn of(file: &hdf5::File, path: &Path) -> Result<Self> {
        Ok(FilePlace {
            path: path.to_owned(),
            identity: raw::identity(file.id())?,
        })
    }

    fn check(&self) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        let lost = |what: &str| Error::BadFile {
            path: self.path.clone(),
            problem: format!(
                "was {what} while galaxies were being written to it; what was written is lost \
                 with the old file"
            ),
        };
        match std::fs::metadata(&self.path) {
            Ok(metadata) if (metadata.dev(), metadata.ino()) == self.identity => Ok(()),
            Ok(_) => Err(lost("replaced")),
            Err(_) => Err(lost("removed")),
        }
    }
}

fn open_snapshot(file: &hdf5::File, snapshot: u32) -> Result<hdf5::Group> {
    let name = layout::snapshot_group(snapshot);
    file.group(&name)
        .map_err(|e| Error::hdf5(format!("opening group {name}"), e))
}

/// The `redshift` attribute of a snapshot group, a float32 as SAGE writes it.
fn write_redshift(group: &hdf5::Group, redshift: f64) -> Result<()> {
    group
        .new_attr::<f32>()
        .create("redshift")
        .and_then(|a| a.write_scalar(&(redshift as f32)))
        .map_err(|e| Error::hdf5(format!("writing the redshift of {}", group.name()), e))
}

pub(super) fn write_num_gals(group: &hdf5::Group, rows: u64) -> Result<()> {
    let context = || format!("writing num_gals of {}", group.name());
    let value = rows as i64;
    let written = match group.attr("num_gals") {
        Ok(attr) => attr.write_scalar(&value),
        Err(_) => group
            .new_attr::<i64>()
            .create("num_gals")
            .and_then(|a| a.write_scalar(&value)),
    };
    written.map_err(|e| Error::hdf5(context(), e))
}

/// What happens after each buffer flush: the durability step, then the user's hook. SWMR
/// writing cannot start while a group is open, so only flush-each-buffer keeps one (to update
/// `num_gals`).
fn after_write_hook(
    file: &hdf5::File,
    group: hdf5::Group,
    snapshot: u32,
    durability: Durability,
    on_flush: &Option<FlushHook>,
    place: &FilePlace,
) -> Option<super::sink::AfterWrite> {
    if durability == Durability::Default && on_flush.is_none() {
        return None;
    }
    let file = file.clone();
    let group = (durability == Durability::FlushEachBuffer).then_some(group);
    let on_flush = on_flush.clone();
    let place = place.clone();
    Some(Box::new(move |rows| {
        if let Some(group) = &group {
            write_num_gals(group, rows)?;
        }
        if durability != Durability::Default {
            raw::flush_file(file.id())?;
            // A durable flush into a file that no longer has a name would be lost all the same.
            place.check()?;
        }
        match &on_flush {
            Some(hook) => hook.call(snapshot, rows),
            None => Ok(()),
        }
    }))
}
