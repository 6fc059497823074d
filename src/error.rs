//! The one error type of the library. Every variant says where: which file, snapshot and field.

use std::path::PathBuf;

/// Everything that can go wrong in galaxy-io, with the context to act on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A schema is inconsistent (duplicate or overlapping fields, a field outside the record).
    #[error("invalid schema: {0}")]
    Schema(String),

    /// A `BufferConfig` was rejected at construction.
    #[error("invalid buffer configuration: {0}")]
    BufferConfig(String),

    /// An operating-system I/O error on a file.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An HDF5 library call failed; `message` holds the HDF5 error stack.
    #[error("HDF5 error while {context}: {message}")]
    Hdf5 { context: String, message: String },

    /// The write callback failed for the bytes at `offset..offset + len` of the stream; they stay
    /// in the buffer so that a retry writes them exactly once.
    #[error("write of {len} bytes at stream offset {offset} failed: {source}")]
    Flush {
        offset: u64,
        len: usize,
        #[source]
        source: Box<Error>,
    },

    /// A stream ended in the middle of a record.
    #[error("{bytes} trailing bytes at stream offset {offset} are not a whole record of {record_size} bytes")]
    PartialRecord {
        bytes: usize,
        offset: u64,
        record_size: usize,
    },

    /// A stream ended before the bytes that were asked for.
    #[error("the stream ended at offset {offset}, {wanted} bytes short")]
    UnexpectedEnd { offset: u64, wanted: usize },

    /// The output file exists and overwriting was not requested.
    #[error("{0} already exists; remove it or ask for overwrite")]
    FileExists(PathBuf),

    /// A snapshot that the file (or the output) does not have.
    #[error("{path}: there is no snapshot {snapshot} (known: {known:?})")]
    UnknownSnapshot {
        path: PathBuf,
        snapshot: u32,
        known: Vec<u32>,
    },

    /// A field that the file does not have, or has with another type or shape.
    #[error("{path}, snapshot {snapshot}, field `{field}`: {problem}")]
    SchemaMismatch {
        path: PathBuf,
        snapshot: u32,
        field: String,
        problem: String,
    },

    /// A file that is not what it claims to be (truncated, corrupted, foreign).
    #[error("{path}: {problem}")]
    BadFile { path: PathBuf, problem: String },

    /// A run-time property registration or lookup that cannot be honoured.
    #[error("extended property `{name}`: {problem}")]
    Property { name: String, problem: String },

    /// The I/O thread of a background output stopped or could not start.
    #[error("background writer: {0}")]
    Background(String),

    /// Galaxies were given with data that does not fit the output (e.g. wrong row count).
    #[error("snapshot {snapshot}: {problem}")]
    BadInput { snapshot: u32, problem: String },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error while doing `action` ("writing", "opening", ...) on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn hdf5(context: impl Into<String>, error: impl std::fmt::Display) -> Self {
        // HDF5 spreads one error over several lines; one line reads better in logs.
        let message = error
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Error::Hdf5 {
            context: context.into(),
            message,
        }
    }
}
