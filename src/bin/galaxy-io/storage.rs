//! How `demo` and `convert` store their datasets: chunk rows and compression, defaulting to the
//! library's.

use galaxy_io::{Compression, Hdf5Options, DEFAULT_CHUNK_ROWS};

/// Dataset compression, as h5py names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Uncompressed: the fastest to write and read.
    None,
    /// Deflate (h5py's `compression="gzip"`).
    Gzip,
    /// Byte shuffling, then deflate: usually smaller for floating-point fields.
    GzipShuffle,
}

#[derive(clap::Args)]
pub struct StorageArgs {
    /// Rows per chunk of the datasets of snapshots written across several flushes (a snapshot
    /// complete at the end is stored in one piece).
    #[arg(long, value_name = "ROWS", default_value_t = DEFAULT_CHUNK_ROWS as u64,
          value_parser = clap::value_parser!(u64).range(1..=1 << 24))]
    chunk_rows: u64,
    /// Compression of every dataset.
    #[arg(long, value_enum, value_name = "KIND", default_value_t = Kind::None)]
    compression: Kind,
    /// Deflate level, 1 (fastest) to 9 (smallest), with --compression gzip or gzip-shuffle.
    #[arg(long, value_name = "LEVEL", default_value_t = 4,
          value_parser = clap::value_parser!(u8).range(1..=9))]
    level: u8,
}

impl StorageArgs {
    pub fn apply(&self, options: Hdf5Options) -> Hdf5Options {
        let options = options.chunk_rows(self.chunk_rows as usize);
        match self.compression {
            Kind::None => options,
            Kind::Gzip => options.compress(Compression::deflate(self.level)),
            Kind::GzipShuffle => options.compress(Compression::deflate(self.level).with_shuffle()),
        }
    }
}
