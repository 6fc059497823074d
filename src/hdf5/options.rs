//! How an output is written: buffers, storage, durability, the flush hook, and the HDF5 file
//! settings that follow from them.

use super::header::Header;
use super::layout::Storage;
use crate::buffer::BufferConfig;
use crate::error::Result;
use std::sync::Arc;

/// Upper bound of HDF5's metadata cache per file (chunk indexes, object headers).
const METADATA_CACHE_BYTES: usize = 4 << 20;

/// HDF5's metadata cache settings for a durability mode. By default the cache is bounded so that
/// memory stays with the buffers. With flush-each-buffer it never evicts: metadata reaches the
/// disk only in `H5Fflush`, together with the end-of-allocation it refers to, so the file on
/// disk is always the one of the last flush (raw data written since lies past that end and is
/// ignored). HDF5 allows disabling evictions only with automatic resizing off.
pub(super) fn metadata_cache(durability: Durability) -> hdf5::file::MetadataCacheConfig {
    use hdf5::file::{
        CacheDecreaseMode, CacheIncreaseMode, FlashIncreaseMode, MetadataCacheConfig,
    };
    let bounded = MetadataCacheConfig {
        max_size: METADATA_CACHE_BYTES,
        ..MetadataCacheConfig::default()
    };
    match durability {
        Durability::FlushEachBuffer => MetadataCacheConfig {
            evictions_enabled: false,
            incr_mode: CacheIncreaseMode::Off,
            flash_incr_mode: FlashIncreaseMode::Off,
            decr_mode: CacheDecreaseMode::Off,
            ..bounded
        },
        _ => bounded,
    }
}

/// What survives a crash, at what cost (see BENCHMARKS.md and RELIABILITY.md). In both durable
/// modes the file uses HDF5's v110 format (readable with HDF5 >= 1.10, h5py included), and a
/// file whose writer died is made whole by [`recover`](crate::recover) (or `galaxy-io recover`),
/// keeping every galaxy that was reported flushed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// HDF5 caches as usual; [`SchemaOutput::finish`](crate::SchemaOutput::finish) makes
    /// everything durable, and a crash before it loses the file. Fastest.
    #[default]
    Default,
    /// After every buffer flush, `num_gals` is updated and the file is flushed (`H5Fflush`):
    /// a crash loses at most what is still in memory. About 8 % slower than the default.
    FlushEachBuffer,
    /// Single-writer/multiple-reader: readers can follow a running model while it writes. Rows
    /// count by dataset length; `num_gals` is written at finish. About 2x slower than the
    /// default.
    Swmr,
}

/// Called after every buffer flush with the snapshot and its number of rows in HDF5; in the
/// flush-each-buffer and SWMR modes those rows are on disk by then. An error fails the write
/// that flushed, and a retry repeats the flush (writing the same rows again, not twice).
///
/// ```
/// use galaxy_io::{FlushHook, Hdf5Options};
/// let options = Hdf5Options {
///     on_flush: Some(FlushHook::new(|snapshot, rows| {
///         eprintln!("Snap_{snapshot}: {rows} galaxies written");
///         Ok(())
///     })),
///     ..Hdf5Options::default()
/// };
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct FlushHook(Arc<dyn Fn(u32, u64) -> Result<()> + Send + Sync>);

impl FlushHook {
    /// Wraps a closure of `(snapshot, rows)`.
    pub fn new(hook: impl Fn(u32, u64) -> Result<()> + Send + Sync + 'static) -> Self {
        FlushHook(Arc::new(hook))
    }

    pub(super) fn call(&self, snapshot: u32, rows: u64) -> Result<()> {
        (self.0)(snapshot, rows)
    }
}

impl std::fmt::Debug for FlushHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FlushHook")
    }
}

/// How an output is written. `Default` is the product configuration.
#[derive(Clone, Debug, Default)]
pub struct Hdf5Options {
    /// Size and growth of each snapshot's buffer.
    pub buffer: BufferConfig,
    /// Chunking and compression of the datasets.
    pub storage: Storage,
    /// Replace an existing file instead of failing.
    pub overwrite: bool,
    /// Crash behaviour.
    pub durability: Durability,
    /// Header attributes, written at creation and again at finish.
    pub header: Header,
    /// Called after every buffer flush (progress, checkpoints, tests of durability).
    pub on_flush: Option<FlushHook>,
    /// The number of merger trees of this output (SAGE's forests of the task), when known:
    /// tree numbers must then be below it, in any order, and `TreeInfo` has one count per tree.
    /// Unset, trees are numbered from 0 without gaps.
    pub trees: Option<usize>,
}
