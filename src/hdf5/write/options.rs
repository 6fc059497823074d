//! How an output is written: buffers, chunks and compression, durability, the header, the flush
//! hook, the trees, and whether HDF5 works on a thread of its own. A builder: adding an option
//! does not break code that sets others.

use crate::buffer::BufferConfig;
use crate::error::Result;
use crate::field_path::FieldPath;
use crate::hdf5::write::file_format::FileFormat;
use crate::hdf5::write::header::Header;
use crate::schema::Schema;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Rows per chunk by default: 16384 rows make 64 KiB chunks of `f32` and 128 KiB of `i64`; see
/// the chunk-size sweep in BENCHMARKS.md.
pub const DEFAULT_CHUNK_ROWS: usize = 16384;

/// How datasets are compressed.
///
/// ```
/// let compression = galaxy_io::Compression::deflate(4).with_shuffle();
/// # let _ = compression;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Deflate (gzip), level 0..=9, with or without byte shuffling first (which helps on
    /// floats).
    Deflate {
        /// 0 (none) to 9 (smallest).
        level: u8,
        /// Byte-shuffle before compressing.
        shuffle: bool,
    },
}

impl Compression {
    /// Deflate at `level` (0..=9).
    pub fn deflate(level: u8) -> Self {
        Compression::Deflate {
            level: level.min(9),
            shuffle: false,
        }
    }

    /// The same, with byte shuffling first.
    pub fn with_shuffle(self) -> Self {
        match self {
            Compression::Deflate { level, .. } => Compression::Deflate {
                level,
                shuffle: true,
            },
        }
    }
}

/// How an output is written. `Hdf5Options::default()` is the product configuration; each method
/// changes one setting.
///
/// ```
/// use galaxy_io::{field, sage::SageGalaxy, Compression, Durability, Hdf5Options};
/// let options = Hdf5Options::default()
///     .durability(Durability::FlushEachBuffer)
///     .compress_only(Compression::deflate(4), [field!(SageGalaxy, stellar_mass)])
///     .trees(1000)
///     .background(true);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct Hdf5Options {
    pub(crate) buffer: BufferConfig,
    pub(crate) chunk_rows: usize,
    pub(crate) compression: Option<Compression>,
    pub(crate) compressed: Option<Vec<FieldPath>>,
    pub(crate) replace: bool,
    pub(crate) durability: Durability,
    pub(crate) header: Header,
    pub(crate) on_flush: Option<FlushHook>,
    pub(crate) trees: Option<usize>,
    pub(crate) background: bool,
    pub(crate) task: Option<Task>,
    pub(crate) file_format: FileFormat,
    pub(crate) checksums: Option<bool>,
}

/// Which task of a run an output is: its number, from 0, and how many there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Task {
    pub index: u32,
    pub count: u32,
}

impl Default for Hdf5Options {
    fn default() -> Self {
        Hdf5Options {
            buffer: BufferConfig::default(),
            chunk_rows: DEFAULT_CHUNK_ROWS,
            compression: None,
            compressed: None,
            replace: false,
            durability: Durability::default(),
            header: Header::default(),
            on_flush: None,
            trees: None,
            background: false,
            task: None,
            file_format: FileFormat::default(),
            checksums: None,
        }
    }
}

impl Hdf5Options {
    /// Size and growth of each snapshot's buffer.
    pub fn buffer(mut self, buffer: BufferConfig) -> Self {
        self.buffer = buffer;
        self
    }

    /// Rows per chunk, the same for every dataset so that buffer flushes end on chunk
    /// boundaries (at most what a buffer holds; fields so wide that this many rows exceed 1 MiB
    /// get fewer rows per chunk).
    pub fn chunk_rows(mut self, rows: usize) -> Self {
        self.chunk_rows = rows.max(1);
        self
    }

    /// Compresses every dataset.
    pub fn compress(mut self, compression: Compression) -> Self {
        self.compression = Some(compression);
        self.compressed = None;
        self
    }

    /// Compresses these fields' datasets only; a field that is not written is an error when
    /// the output is created.
    pub fn compress_only(
        mut self,
        compression: Compression,
        fields: impl IntoIterator<Item = FieldPath>,
    ) -> Self {
        self.compression = Some(compression);
        self.compressed = Some(fields.into_iter().collect());
        self
    }

    /// Replace an existing file instead of failing. Off by default.
    pub fn replace(mut self, replace: bool) -> Self {
        self.replace = replace;
        self
    }

    /// What survives a crash; see [`Durability`].
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The header attributes, written at creation and again at finish (the output's
    /// [`header_mut`](crate::SchemaOutput::header_mut) changes them in between).
    pub fn header(mut self, header: Header) -> Self {
        self.header = header;
        self
    }

    /// Called after every buffer flush with `(snapshot, rows written so far)`: progress,
    /// checkpoints, tests of durability. An error fails the write that flushed.
    pub fn on_flush(mut self, hook: FlushHook) -> Self {
        self.on_flush = Some(hook);
        self
    }

    /// The number of merger trees of this output (SAGE's forests of the task), when known: tree
    /// numbers must then be below it, in any order, and `TreeInfo` has one count per tree.
    /// Unset, trees are numbered from 0 without gaps.
    pub fn trees(mut self, trees: usize) -> Self {
        self.trees = Some(trees);
        self
    }

    /// This output is task `index` (from 0) of a run of `count` tasks, each writing its own
    /// share of the volume, as SAGE's cores or a job array do: `create("model.hdf5", ..)` then
    /// writes [`model_<index>.hdf5`](crate::names::task_file), and the header records
    /// `num_cores` = `count` and `frac_volume_processed` = 1/`count` (a task that processed
    /// another share sets it with `header_mut()`). [`write_master`](crate::write_master) joins
    /// the tasks' files into one catalogue.
    ///
    /// ```
    /// use galaxy_io::{sage::SageGalaxy, Hdf5Options, Hdf5Output};
    /// let dir = tempfile::tempdir()?;
    /// let output = Hdf5Output::<SageGalaxy>::create(dir.path().join("model.hdf5"), &[63], Hdf5Options::default().task(2, 4))?;
    /// assert_eq!(output.path(), dir.path().join("model_2.hdf5"));
    /// # output.finish()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn task(mut self, index: u32, count: u32) -> Self {
        self.task = Some(Task { index, count });
        self
    }

    /// The HDF5 format version of the file: 1.10's by default, 1.8's for older readers.
    pub fn file_format(mut self, format: FileFormat) -> Self {
        self.file_format = format;
        self
    }

    /// Do the HDF5 work (transposing records into columns, writing them) on a thread of its
    /// own, so that a model's computing and its output overlap. The output's methods stay the
    /// same; an error on that thread is returned by the next call. Off by default.
    pub fn background(mut self, background: bool) -> Self {
        self.background = background;
        self
    }

    /// Store a Fletcher-32 checksum with every chunk of every dataset (HDF5's `fletcher32`
    /// filter, which h5py and every HDF5 reader verify natively), so that bytes changed on disk
    /// are an error naming the file, snapshot and field, never silently wrong numbers. By
    /// default on in the durable modes and off with [`Durability::AtFinish`]; see BENCHMARKS.md
    /// for the cost.
    ///
    /// ```
    /// let options = galaxy_io::Hdf5Options::default().checksums(true);
    /// # let _ = options;
    /// ```
    pub fn checksums(mut self, checksums: bool) -> Self {
        self.checksums = Some(checksums);
        self
    }

    /// The storage of the datasets of `schema`, with the fields to compress found in it.
    pub(crate) fn dataset_storage(
        &self,
        schema: &Schema,
        record: Option<&str>,
    ) -> Result<DatasetStorage> {
        let compressed = match &self.compressed {
            None => None,
            Some(paths) => {
                let mut names = BTreeSet::new();
                for path in paths {
                    names.extend(path.datasets(schema, record)?);
                }
                Some(names)
            }
        };
        Ok(DatasetStorage {
            chunk_rows: self.chunk_rows,
            compression: self.compression,
            compressed,
            in_place: self.durability != Durability::AtFinish,
            checksum: self
                .checksums
                .unwrap_or(self.durability != Durability::AtFinish),
        })
    }
}

/// How the datasets of one output are stored, resolved against its schema.
#[derive(Clone, Debug)]
pub(crate) struct DatasetStorage {
    /// Rows per chunk (fields so wide that this many rows exceed 1 MiB get fewer).
    pub chunk_rows: usize,
    /// The compression of the datasets in `compressed`.
    pub compression: Option<Compression>,
    /// The datasets compressed; `None` for all.
    pub compressed: Option<BTreeSet<String>>,
    /// Chunks keep their place and size once written (the durable modes; see
    /// [`ChunkWrites`](crate::hdf5::write::chunk_writes::ChunkWrites)).
    pub in_place: bool,
    /// Every chunk carries HDF5's Fletcher-32 checksum, verified when it is read.
    pub checksum: bool,
}

impl DatasetStorage {
    pub(in crate::hdf5) fn compression_of(&self, name: &str) -> Option<Compression> {
        let chosen = self
            .compressed
            .as_ref()
            .is_none_or(|names| names.contains(name));
        self.compression.filter(|_| chosen)
    }
}

/// What survives a crash, at what cost (see BENCHMARKS.md and RELIABILITY.md). In both durable
/// modes the file uses HDF5's v110 format (readable with HDF5 >= 1.10, h5py included), and a
/// file whose writer died is made whole by [`recover`](crate::recover) (or `galaxy-io recover`),
/// keeping every galaxy that was reported flushed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// Everything is made durable when the output finishes; a crash before that loses the
    /// file. Fastest.
    #[default]
    AtFinish,
    /// After every buffer flush, `num_gals` is updated and the file is flushed (`H5Fflush`):
    /// a crash loses at most what is still in memory. About 1.17x the time of
    /// [`AtFinish`](Self::AtFinish) with its default checksums, 1.12x without; files of the same
    /// size.
    FlushEachBuffer,
    /// Single-writer/multiple-reader: readers can follow a running model while it writes. Rows
    /// count by dataset length; `num_gals` is written at finish. About 1.33x the time of
    /// [`AtFinish`](Self::AtFinish) with its default checksums, 1.27x without.
    Swmr,
}

/// Called after every buffer flush with the snapshot and its number of rows in HDF5; in the
/// flush-each-buffer and SWMR modes those rows are on disk by then. An error fails the write
/// that flushed, and a retry repeats the flush (writing the same rows again, not twice).
///
/// ```
/// use galaxy_io::{FlushHook, Hdf5Options};
/// let options = Hdf5Options::default().on_flush(FlushHook::new(|snapshot, rows| {
///     eprintln!("Snap_{snapshot}: {rows} galaxies written");
///     Ok(())
/// }));
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct FlushHook(Arc<dyn Fn(u32, u64) -> Result<()> + Send + Sync>);

impl FlushHook {
    /// Wraps a closure of `(snapshot, rows)`.
    pub fn new(hook: impl Fn(u32, u64) -> Result<()> + Send + Sync + 'static) -> Self {
        FlushHook(Arc::new(hook))
    }

    pub(crate) fn call(&self, snapshot: u32, rows: u64) -> Result<()> {
        (self.0)(snapshot, rows)
    }
}

impl std::fmt::Debug for FlushHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FlushHook")
    }
}
