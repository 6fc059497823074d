//! How `demo` and `convert` store their datasets: chunk rows, compression, what a crash costs and
//! checksums, defaulting to the library's.

use galaxy_io::{Compression, Durability, Hdf5Options, DEFAULT_CHUNK_ROWS};

/// What a crash of the writer costs, as `Durability` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Everything is made durable at the end; a crash before loses the file. Fastest.
    AtFinish,
    /// Every buffer flush is made durable; after a crash, `recover` keeps every flushed galaxy.
    FlushEachBuffer,
    /// As flush-each-buffer, and readers can follow the file while it is written.
    Swmr,
}

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
    /// What a crash of the writer costs (see the README's "Durability").
    #[arg(long, value_enum, value_name = "MODE", default_value_t = Mode::AtFinish)]
    durability: Mode,
    /// Store a Fletcher-32 checksum with every chunk, verified whenever the chunk is read (by
    /// galaxy-io, h5py or any HDF5 reader). On by default with a durable --durability.
    #[arg(long, overrides_with = "no_checksums")]
    checksums: bool,
    /// No checksums, even with a durable --durability.
    #[arg(long)]
    no_checksums: bool,
}

impl StorageArgs {
    pub fn apply(&self, options: Hdf5Options) -> Hdf5Options {
        let durability = match self.durability {
            Mode::AtFinish => Durability::AtFinish,
            Mode::FlushEachBuffer => Durability::FlushEachBuffer,
            Mode::Swmr => Durability::Swmr,
        };
        let mut options = options
            .chunk_rows(self.chunk_rows as usize)
            .durability(durability);
        if self.checksums || self.no_checksums {
            options = options.checksums(self.checksums);
        }
        match self.compression {
            Kind::None => options,
            Kind::Gzip => options.compress(Compression::deflate(self.level)),
            Kind::GzipShuffle => options.compress(Compression::deflate(self.level).with_shuffle()),
        }
    }
}
