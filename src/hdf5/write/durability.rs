//! What follows from a [`Durability`] mode: HDF5's metadata cache, what happens after each
//! buffer flush, and the check that the output file still has its name. See RELIABILITY.md for
//! what each mode was measured to keep.

use crate::error::{Error, Result};
use crate::hdf5::ffi;
use crate::hdf5::write::columns::{open_snapshot, write_num_gals};
use crate::hdf5::write::options::{Durability, FlushHook};
use crate::hdf5::write::sink::AfterWrite;
use std::path::{Path, PathBuf};

/// How much metadata (object headers, chunk indexes) HDF5 holds for one file: SAGE's 64
/// snapshots of 54 datasets need about 10 MiB.
const METADATA_CACHE_BYTES: usize = 32 << 20;

impl Durability {
    /// The metadata cache of this mode. The durable modes also need the v110 format
    /// (checksummed metadata, newer chunk indexes): it is what makes a killed writer's file
    /// recoverable without loss.
    pub(crate) fn file_access(
        self,
        fapl: &mut hdf5::plist::file_access::FileAccessBuilder,
    ) -> &mut hdf5::plist::file_access::FileAccessBuilder {
        fapl.mdc_config(&self.metadata_cache())
    }

    /// The metadata cache holds up to `METADATA_CACHE_BYTES` from the start: HDF5's adaptive
    /// cache starts at 2 MiB and grows only when its hit rate falls, which a file of thousands
    /// of datasets written round-robin never makes it do, so it kept writing out dirty headers
    /// and chunk indexes to make room and reading them back at the next flush. The bound is
    /// not an allocation: the cache holds the metadata there is. With flush-each-buffer it never
    /// evicts: metadata reaches the disk only in `H5Fflush`, together with the end of allocation
    /// it refers to, so the file on disk is always the one of the last flush (raw data written
    /// since lies past that end and is ignored).
    fn metadata_cache(self) -> hdf5::file::MetadataCacheConfig {
        use hdf5::file::{
            CacheDecreaseMode, CacheIncreaseMode, FlashIncreaseMode, MetadataCacheConfig,
        };
        MetadataCacheConfig {
            set_initial_size: true,
            initial_size: METADATA_CACHE_BYTES,
            max_size: METADATA_CACHE_BYTES,
            min_size: METADATA_CACHE_BYTES,
            // HDF5 allows disabling evictions only with automatic resizing off.
            incr_mode: CacheIncreaseMode::Off,
            flash_incr_mode: FlashIncreaseMode::Off,
            decr_mode: CacheDecreaseMode::Off,
            evictions_enabled: self != Durability::FlushEachBuffer,
            ..MetadataCacheConfig::default()
        }
    }

    /// What runs after each buffer flush of `snapshot`: the durability step, then the user's
    /// hook.
    ///
    /// In the durable modes a flush is made durable in two steps: the rows first (`H5Fflush`),
    /// then `num_gals`, the snapshot's count of rows that are in the file (`H5Fflush` again).
    /// A crash in the first step leaves the old count, whose rows are untouched (chunks are
    /// never moved, see [`ChunkWrites`](crate::hdf5::write::chunk_writes::ChunkWrites)); one in the second
    /// leaves either count, both of whose rows are durable. So `num_gals` never counts a row a
    /// crash could lose, and [`recover`](crate::recover) keeps exactly the rows it counts.
    pub(crate) fn after_write(
        self,
        file: &hdf5::File,
        snapshot: u32,
        on_flush: &Option<FlushHook>,
        place: &FilePlace,
    ) -> Option<AfterWrite> {
        if self == Durability::AtFinish && on_flush.is_none() {
            return None;
        }
        let file = file.clone();
        let on_flush = on_flush.clone();
        let place = place.clone();
        // Opened at the first flush: SWMR writing cannot start while a group is open.
        let mut group = None;
        Some(Box::new(move |rows| {
            if self != Durability::AtFinish {
                ffi::files::flush_file(file.id())?;
                let group = match &mut group {
                    Some(group) => group,
                    None => group.insert(open_snapshot(&file, snapshot)?),
                };
                write_num_gals(group, rows)?;
                ffi::files::flush_file(file.id())?;
                // A durable flush into a file that no longer has a name would be lost all the same.
                place.check()?;
            }
            match &on_flush {
                Some(hook) => hook.call(snapshot, rows),
                None => Ok(()),
            }
        }))
    }

    /// The name of this mode in the attribute that marks a file being written in it.
    pub(crate) fn marker(self) -> Option<&'static str> {
        match self {
            Durability::AtFinish => None,
            Durability::FlushEachBuffer => Some("flush each buffer"),
            Durability::Swmr => Some("swmr"),
        }
    }
}

/// Where the output file lives: its path and the device and inode it had when created, to
/// notice when the path is removed or replaced while galaxies are still being written to it
/// (writes to an unlinked file succeed and are lost when it is closed).
#[derive(Clone, Debug)]
pub(crate) struct FilePlace {
    path: PathBuf,
    identity: (u64, u64),
}

impl FilePlace {
    pub(crate) fn of(file: &hdf5::File, path: &Path) -> Result<Self> {
        Ok(FilePlace {
            path: path.to_owned(),
            identity: ffi::files::identity(file.id())?,
        })
    }

    pub(crate) fn check(&self) -> Result<()> {
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
