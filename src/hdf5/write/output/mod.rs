//! The output handler: create the file, write galaxies per snapshot, flush, finish.
//!
//! [`SchemaOutput`] is the one core: rows of a run-time [`Schema`] (static and extended fields
//! alike). [`Hdf5Output`] (typed records) and [`ExtendedOutput`](crate::extended::ExtendedOutput)
//! (records plus run-time properties) are thin layers over it with the same methods: `write`,
//! `write_tree`, `flush`, `header_mut`, `stats`, `finish`. Underneath, the core writes either on
//! the caller's thread ([`direct`]) or on a thread of its own ([`background`], with
//! [`Hdf5Options::background`]); the tree counts and the header stay with the core, so both
//! behave alike.

mod background;
mod direct;
mod file;
mod typed;

pub use typed::Hdf5Output;

use crate::buffer::BufferStats;
use crate::error::{Error, Result};
use crate::hdf5::names;
use crate::hdf5::write::header::Header;
use crate::hdf5::write::history_index::{KeyCollector, PendingIndex};
use crate::hdf5::write::options::Hdf5Options;
use crate::schema::Schema;
use background::BackgroundWriter;
use direct::FileWriter;
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

/// Counters of one snapshot of an output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotStats {
    /// The snapshot.
    pub snapshot: u32,
    /// Galaxies that reached HDF5 (buffered ones and, in the background, ones on their way
    /// not included).
    pub galaxies_written: u64,
    /// The snapshot's buffer.
    pub buffer: BufferStats,
}

/// An HDF5 galaxy catalogue being written from a run-time [`Schema`]: the core under every
/// output type.
///
/// ```
/// use galaxy_io::{Dtype, Field, Hdf5Options, Schema, SchemaOutput};
/// let dir = tempfile::tempdir()?;
/// let schema = Schema::new(vec![Field::scalar("Mvir", 0, Dtype::F64)], 8)?;
/// let mut output = SchemaOutput::create(dir.path().join("run.hdf5"), schema, &[63], Hdf5Options::default())?;
/// output.write(63, bytemuck::cast_slice(&[1.5f64, 2.5]))?;
/// let summary = output.finish()?;
/// assert_eq!(summary.galaxies, [(63, 2)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SchemaOutput {
    path: PathBuf,
    schema: Schema,
    /// The output snapshots in the order given, for `Header/output_snapshots`.
    order: Vec<u32>,
    /// The output snapshots, ascending: a snapshot's index here is its buffer's.
    ascending: Vec<u32>,
    header: Header,
    trees: Trees,
    /// The keys of the rows written, for the history index, when the schema has a key.
    keys: Option<KeyCollector>,
    engine: Engine,
}

enum Engine {
    Direct(FileWriter),
    Background(BackgroundWriter),
}

/// Where it writes, what, and how: not the buffered rows.
impl std::fmt::Debug for SchemaOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let engine = match self.engine {
            Engine::Direct(_) => "on the caller's thread",
            Engine::Background(_) => "on a thread of its own",
        };
        f.debug_struct("SchemaOutput")
            .field("path", &self.path)
            .field("snapshots", &self.order)
            .field("fields", &self.schema.fields().len())
            .field("record_size", &self.schema.record_size())
            .field("writing", &engine)
            .finish_non_exhaustive()
    }
}

impl SchemaOutput {
    /// Creates the file with one `Snap_<N>` group per snapshot and one empty dataset per field.
    /// The snapshots are those of the output, each once, in the order `Header/output_snapshots`
    /// lists them: an empty list, or a snapshot listed twice, is an
    /// [`Error::InvalidSnapshots`].
    pub fn create(
        path: impl AsRef<Path>,
        schema: Schema,
        snapshots: &[u32],
        options: Hdf5Options,
    ) -> Result<Self> {
        Self::create_for(path.as_ref(), schema, None, snapshots, options)
    }

    /// [`create`](Self::create) for records of the Rust type named `record`, which
    /// [`field!`](crate::field) paths in the options must belong to.
    pub(crate) fn create_for(
        path: &Path,
        schema: Schema,
        record: Option<&'static str>,
        snapshots: &[u32],
        options: Hdf5Options,
    ) -> Result<Self> {
        let invalid = |problem: String| Error::InvalidSnapshots {
            path: path.to_owned(),
            problem,
        };
        if snapshots.is_empty() {
            return Err(invalid("an output needs at least one snapshot".into()));
        }
        let order = snapshots.to_vec();
        let mut ascending = order.clone();
        ascending.sort_unstable();
        if let Some(pair) = ascending.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(invalid(format!(
                "snapshot {} is listed twice in the output's snapshots {order:?}",
                pair[0]
            )));
        }
        let mut options = options;
        if is_sage_record(&schema) {
            options.header.name_writer_of_sage_galaxies();
        }
        let path = &match options.task {
            Some(task) => {
                if task.index >= task.count || task.count > i32::MAX as u32 {
                    return Err(Error::Options(format!(
                        "task {} of {}: tasks are numbered from 0 to {}",
                        task.index,
                        task.count,
                        task.count.saturating_sub(1)
                    )));
                }
                options.header.set_task_share(task.count);
                names::task_file(path, task.index)
            }
            None => path.to_owned(),
        };
        let engine = if options.background {
            Engine::Background(BackgroundWriter::create(
                path, &schema, record, &order, &options,
            )?)
        } else {
            Engine::Direct(FileWriter::create(path, &schema, record, &order, &options)?)
        };
        Ok(SchemaOutput {
            path: path.to_owned(),
            trees: Trees::new(options.trees, &ascending),
            keys: KeyCollector::of(&schema, &ascending),
            header: options.header,
            schema,
            order,
            ascending,
            engine,
        })
    }

    /// Appends whole records (`schema().record_size()` bytes each) to a snapshot.
    pub fn write(&mut self, snapshot: u32, rows: &[u8]) -> Result<()> {
        let index = self.index(snapshot)?;
        self.check_whole(snapshot, rows)?;
        self.engine_write(index, rows)
    }

    /// Appends whole records that belong to merger tree `tree`; the counts per tree become
    /// `TreeInfo/Snap_<N>/NumGalsPerTreePerSnap` at finish. Trees are numbered from 0: below
    /// [`Hdf5Options::trees`] when it is set, and otherwise without gaps (a tree number at most
    /// one past the highest so far), so that the counts describe the trees really written.
    pub fn write_tree(&mut self, snapshot: u32, tree: usize, rows: &[u8]) -> Result<()> {
        let index = self.index(snapshot)?;
        self.check_whole(snapshot, rows)?;
        let count = self.trees.count_after(
            index,
            snapshot,
            tree,
            rows.len() / self.schema.record_size(),
        )?;
        self.engine_write(index, rows)?;
        self.trees.set(index, tree, count);
        Ok(())
    }

    /// Hands every buffered galaxy to HDF5 (and waits for it, in the background).
    pub fn flush(&mut self) -> Result<()> {
        match &mut self.engine {
            Engine::Direct(writer) => writer.flush(),
            Engine::Background(writer) => writer.flush(),
        }
    }

    /// The header, to complete before [`finish`](Self::finish) writes it again.
    pub fn header_mut(&mut self) -> &mut Header {
        &mut self.header
    }

    /// Counters of every snapshot, ascending.
    pub fn stats(&self) -> Vec<SnapshotStats> {
        match &self.engine {
            Engine::Direct(writer) => writer.stats(),
            Engine::Background(writer) => writer.stats(),
        }
    }

    /// The schema the rows follow.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The output snapshots, in the order given.
    pub fn snapshots(&self) -> &[u32] {
        &self.order
    }

    /// Flushes every buffer, writes `num_gals`, the tree counts, the history index (when the
    /// schema has a [key](Schema::with_key)) and the header, and closes the file. Nothing can
    /// be written afterwards: the output is consumed.
    pub fn finish(self) -> Result<OutputSummary> {
        let record_size = self.schema.record_size();
        let mut header = self.header;
        let history = self.keys.map(PendingIndex::start);
        match self.engine {
            Engine::Direct(writer) => {
                writer.finish(&mut header, &self.trees, &self.order, record_size, history)
            }
            Engine::Background(writer) => {
                writer.finish(header, self.trees, &self.order, record_size, history)
            }
        }
    }

    /// Writes rows, and takes their keys once the engine has accepted them all: a write that
    /// fails accepts none, and its retry must not count them twice.
    fn engine_write(&mut self, index: usize, rows: &[u8]) -> Result<()> {
        match &mut self.engine {
            Engine::Direct(writer) => writer.write(index, rows),
            Engine::Background(writer) => writer.write(index, rows),
        }?;
        if let Some(keys) = &mut self.keys {
            keys.add(index, rows);
        }
        Ok(())
    }

    fn check_whole(&self, snapshot: u32, rows: &[u8]) -> Result<()> {
        let record_size = self.schema.record_size();
        if rows.len().is_multiple_of(record_size) {
            return Ok(());
        }
        Err(Error::BadInput {
            snapshot,
            problem: format!(
                "{} bytes are not whole records of {record_size} bytes",
                rows.len()
            ),
        })
    }

    fn index(&self, snapshot: u32) -> Result<usize> {
        self.ascending
            .binary_search(&snapshot)
            .map_err(|_| Error::UnknownSnapshot {
                path: self.path.clone(),
                snapshot,
                known: self.ascending.clone(),
            })
    }
}

/// Whether rows are SAGE's record (perhaps with run-time properties after it), whose files name
/// the program that wrote them as SAGE's do.
fn is_sage_record(schema: &Schema) -> bool {
    Schema::of::<crate::sage::SageGalaxy>()
        .is_ok_and(|sage| schema.fields().starts_with(sage.fields()))
}

/// Galaxies per merger tree and snapshot, as written, and the rule that keeps them honest.
#[derive(Clone, Debug)]
pub(crate) struct Trees {
    /// The trees the output declares ([`Hdf5Options::trees`]).
    declared: Option<usize>,
    /// One past the highest tree written.
    known: usize,
    /// The snapshots, ascending, and their galaxies per tree.
    snapshots: Vec<u32>,
    counts: Vec<Vec<i32>>,
}

impl Trees {
    fn new(declared: Option<usize>, ascending: &[u32]) -> Self {
        Trees {
            declared,
            known: 0,
            snapshots: ascending.to_vec(),
            counts: vec![Vec::new(); ascending.len()],
        }
    }

    /// The count of `tree` at snapshot `index` once `rows` more are written, if the tree may be.
    fn count_after(&self, index: usize, snapshot: u32, tree: usize, rows: usize) -> Result<i32> {
        let bad = |problem: String| Error::BadInput { snapshot, problem };
        match self.declared {
            Some(declared) if tree >= declared => {
                return Err(bad(format!(
                    "tree {tree} is beyond the {declared} trees this output declares"
                )))
            }
            None if tree > self.known => {
                return Err(bad(format!(
                    "tree {tree} skips trees {}..{tree}: number trees from 0 without gaps, or \
                     declare how many there are (Hdf5Options::trees)",
                    self.known
                )))
            }
            _ => {}
        }
        let before = self.counts[index].get(tree).copied().unwrap_or(0);
        i32::try_from(rows)
            .ok()
            .and_then(|n| before.checked_add(n))
            .ok_or_else(|| {
                bad(format!(
                    "tree {tree} would have more than {} galaxies",
                    i32::MAX
                ))
            })
    }

    fn set(&mut self, index: usize, tree: usize, count: i32) {
        let counts = &mut self.counts[index];
        if counts.len() <= tree {
            counts.resize(tree + 1, 0);
        }
        counts[tree] = count;
        self.known = self.known.max(tree + 1);
    }

    /// How many trees `TreeInfo` describes.
    fn count(&self) -> usize {
        self.declared.unwrap_or(self.known)
    }

    fn per_snapshot(&self) -> Vec<(u32, Vec<i32>)> {
        self.snapshots
            .iter()
            .copied()
            .zip(self.counts.clone())
            .collect()
    }
}
