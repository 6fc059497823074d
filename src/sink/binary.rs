//! A plain file written and read at explicit offsets (`pwrite`/`pread`): the binary output that
//! SAGE's buffer manager served first, and the speed limit the HDF5 output is measured against.

use crate::buffer::{ReadCallback, WriteCallback};
use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A file that a [`Buffer`](crate::blocks::Buffer) writes at the callback's offsets, or a
/// [`ReadBuffer`](crate::blocks::ReadBuffer) reads from.
///
/// ```
/// use galaxy_io::BufferConfig;
/// use galaxy_io::blocks::{BinaryFile, Buffer};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("galaxies.bin");
/// let mut buffer = Buffer::new(BufferConfig::default(), BinaryFile::create(&path)?)?;
/// buffer.write(b"hello")?;
/// buffer.finish()?.sync()?;
/// assert_eq!(std::fs::read(&path)?, b"hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BinaryFile {
    file: File,
    path: PathBuf,
    /// Stream offset 0 is this byte of the file (after a header, for instance).
    base: u64,
}

impl BinaryFile {
    /// Creates `path` for writing, replacing an existing file. The old file is removed rather
    /// than truncated: ext4 flushes a truncated-and-rewritten file synchronously on close.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        match std::fs::remove_file(path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io("replacing", path, error))
            }
            _ => {}
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|error| Error::io("creating", path, error))?;
        Ok(Self::from_file(file, path))
    }

    /// Opens `path` for reading.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|error| Error::io("opening", path, error))?;
        Ok(Self::from_file(file, path))
    }

    fn from_file(file: File, path: &Path) -> Self {
        BinaryFile {
            file,
            path: path.to_owned(),
            base: 0,
        }
    }

    /// Makes stream offset 0 correspond to byte `base` of the file.
    pub fn with_base(mut self, base: u64) -> Self {
        self.base = base;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying file, e.g. to write a header at a fixed position.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Length of the file in bytes.
    pub fn len(&self) -> Result<u64> {
        let metadata = self
            .file
            .metadata()
            .map_err(|error| Error::io("reading the size of", &self.path, error))?;
        Ok(metadata.len())
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Reads exactly `buf.len()` bytes at `offset` of the file (not of the stream).
    pub fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        self.file
            .read_exact_at(buf, offset)
            .map_err(|error| Error::io("reading", &self.path, error))
    }

    /// Forces the written bytes to the disk (`fsync`).
    pub fn sync(&self) -> Result<()> {
        self.file
            .sync_all()
            .map_err(|error| Error::io("syncing", &self.path, error))
    }
}

impl WriteCallback for BinaryFile {
    fn write(&mut self, bytes: &[u8], offset: u64) -> Result<()> {
        self.file
            .write_all_at(bytes, self.base + offset)
            .map_err(|error| Error::io("writing", &self.path, error))
    }
}

impl ReadCallback for BinaryFile {
    fn read(&mut self, buf: &mut [u8], offset: u64) -> Result<usize> {
        loop {
            match self.file.read_at(buf, self.base + offset) {
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                result => return result.map_err(|error| Error::io("reading", &self.path, error)),
            }
        }
    }
}
