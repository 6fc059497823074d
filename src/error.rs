//! The one error type of the library. Every variant says where: which file, snapshot and field;
//! an error that has a cause keeps it as its [`source`](std::error::Error::source).

use std::path::PathBuf;

/// Everything that can go wrong in galaxy-io, with the context to act on it.
///
/// The message of an error includes its cause's, so that `to_string()` says it all; the cause
/// is also its `source()`, for code that walks the chain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A schema is inconsistent (duplicate or overlapping fields, a field outside the record).
    #[error("invalid schema: {0}")]
    Schema(String),

    /// A name (of a dataset, an attribute, a file) that HDF5 cannot store.
    #[error("`{name}` cannot be a name in an HDF5 file: it contains a NUL byte")]
    InvalidName {
        /// The name, with the NUL shown as `\0`.
        name: String,
    },

    /// A `BufferConfig` was rejected at construction.
    #[error("invalid buffer configuration: {0}")]
    BufferConfig(String),

    /// Output options that contradict each other or the output.
    #[error("invalid options: {0}")]
    Options(String),

    /// An operating-system I/O error on a file.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("creating", "writing", ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// An HDF5 library call failed.
    #[error("HDF5 error while {context}: {}", crate::error::plain(&source.to_string()))]
    Hdf5 {
        /// What was being done, with the file, snapshot and dataset.
        context: String,
        /// HDF5's error (its stack, for a library call).
        #[source]
        source: hdf5::Error,
    },

    /// The write callback failed for the bytes at `offset..offset + len` of the stream; they stay
    /// in the buffer so that a retry writes them exactly once.
    #[error("write of {len} bytes at stream offset {offset} failed: {source}")]
    Flush {
        /// Stream offset of the first byte that was not written.
        offset: u64,
        /// Bytes that were handed to the callback.
        len: usize,
        /// The callback's error.
        #[source]
        source: Box<Error>,
    },

    /// A stream ended in the middle of a record.
    #[error("{bytes} trailing bytes at stream offset {offset} are not a whole record of {record_size} bytes")]
    PartialRecord {
        /// The bytes left over.
        bytes: usize,
        /// Stream offset where they start.
        offset: u64,
        /// The record size.
        record_size: usize,
    },

    /// A stream ended before the bytes that were asked for.
    #[error("the stream ended at offset {offset}, {wanted} bytes short")]
    UnexpectedEnd {
        /// Where the stream ended.
        offset: u64,
        /// Bytes still wanted.
        wanted: usize,
    },

    /// The output file exists and replacing it was not asked for.
    #[error("{0} already exists")]
    FileExists(PathBuf),

    /// Two paths that name the same file where different files are needed.
    #[error("{first} and {second} are the same file")]
    SameFile {
        /// The first path.
        first: PathBuf,
        /// The path that names the same file again.
        second: PathBuf,
    },

    /// An output path that names one of the inputs: writing it would destroy that input.
    #[error("the output {output} is the input {input}; choose another output name")]
    OutputIsInput {
        /// The output path asked for.
        output: PathBuf,
        /// The input it names.
        input: PathBuf,
    },

    /// Outputs whose galaxies overlap, so a catalogue linking them would count some twice.
    #[error("{first} and {second} overlap: {problem}")]
    Overlap {
        /// One output.
        first: PathBuf,
        /// Another.
        second: PathBuf,
        /// What they share.
        problem: String,
    },

    /// An output's list of snapshots that no file can have: empty, or a snapshot listed twice
    /// (its galaxies would go to one group however they were meant to be split).
    #[error("{path}: {problem}")]
    InvalidSnapshots {
        /// The file that was to be created.
        path: PathBuf,
        /// What is wrong with the list.
        problem: String,
    },

    /// A snapshot that the file (or the output) does not have.
    #[error("{path}: there is no snapshot {snapshot} (known: {known:?})")]
    UnknownSnapshot {
        /// The file.
        path: PathBuf,
        /// The snapshot asked for.
        snapshot: u32,
        /// The snapshots there are.
        known: Vec<u32>,
    },

    /// A field that the file does not have, or has with another type or shape.
    #[error("{path}, snapshot {snapshot}, field `{field}`: {problem}")]
    SchemaMismatch {
        /// The file.
        path: PathBuf,
        /// The snapshot.
        snapshot: u32,
        /// The dataset name.
        field: String,
        /// What does not match.
        problem: String,
    },

    /// A file that is not what it claims to be (truncated, corrupted, foreign).
    #[error("{path}: {problem}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },

    /// A file whose structures HDF5 cannot read: a checksum of its metadata does not match,
    /// or HDF5 crashed or stopped making progress reading it (in the child process where
    /// galaxy-io first reads a file it does not know to be sound; see
    /// [`survey`](crate::survey)). `problem` says what HDF5 was reading.
    #[error("{path} is damaged: {problem}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What could not be read, and how HDF5 failed.
        problem: String,
    },

    /// The file system of a file has no space left for what was being written (or, for
    /// `recover`, for the copy it repairs); HDF5's own report, when there is one, is the
    /// `source`.
    #[error("{path}: no space left on device {problem}")]
    NoSpace {
        /// The file (its final name, not a temporary one).
        path: PathBuf,
        /// What was being written, and what was kept.
        problem: String,
        /// The error that reported it.
        #[source]
        source: Option<Box<Error>>,
    },

    /// A path that is not a regular file (a directory, a FIFO, a device, a socket): galaxy-io
    /// reads only regular files, and reading the others could block or never end.
    #[error("{path} is {kind}, not a regular file; galaxy-io reads only regular files")]
    NotRegularFile {
        /// The path.
        path: PathBuf,
        /// What it is ("a directory", "a FIFO", ...).
        kind: String,
    },

    /// A master file whose virtual datasets map rows of a file that is missing, unreadable or
    /// shorter than the master claims: read anyway, those rows would be fill values.
    #[error("{master} is incomplete: {source_file} {problem}")]
    IncompleteMaster {
        /// The master file.
        master: PathBuf,
        /// The file its virtual datasets read, as the master names it, resolved.
        source_file: PathBuf,
        /// What is wrong with it.
        problem: String,
    },

    /// A virtual dataset whose mappings HDF5 must read itself (they are not blocks of rows) over
    /// more source files than this process can open at once: HDF5 would read the rows of those
    /// it cannot open as fill values, without an error.
    #[error("{path}: {what} maps {files} source files, more than the {room} more this process can open (ulimit -n); HDF5 would read the rows of the others as fill values: raise the limit of open files above {files} and read it again")]
    TooManyFiles {
        /// The master file.
        path: PathBuf,
        /// The virtual dataset (`Snap_63/StellarMass`).
        what: String,
        /// Its source files.
        files: usize,
        /// The files this process could still open.
        room: usize,
    },

    /// Another task of a run over MPI failed (or dropped its output unfinished), so this one
    /// stopped too and the master over them was not written.
    #[error(
        "{catalogue}: rank {rank} of {ranks} failed, so the master was not written: {problem}"
    )]
    RankFailed {
        /// The catalogue (the master file that was not written).
        catalogue: PathBuf,
        /// The rank that failed first (0 also when writing the master failed).
        rank: usize,
        /// The ranks of the run.
        ranks: usize,
        /// That rank's error.
        problem: String,
    },

    /// Part of a file could not be read: what, and the error that stopped the read.
    #[error("{path}: {what} cannot be read: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What was being read (`Snap_63/StellarMass`).
        what: String,
        /// Why not.
        #[source]
        source: Box<Error>,
    },

    /// A file `recover` will not repair; it was left as it was.
    #[error("{path}: cannot be recovered, and was left as it is: {problem}")]
    Unrecoverable {
        /// The file.
        path: PathBuf,
        /// Why not.
        problem: String,
        /// The error that stopped the repair, when one did (HDF5's, when it cannot open the
        /// file at all).
        #[source]
        cause: Option<Box<Error>>,
    },

    /// A read whose size, claimed by a file, does not fit in memory: it is refused instead of
    /// aborting the process.
    #[error("{path}: {what} needs {bytes} bytes, more than the {limit} bytes this machine can give; read it in parts")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What was to be read (`Snap_63/StellarMass`).
        what: String,
        /// Bytes it needs.
        bytes: u64,
        /// Bytes of memory available (the machine's physical memory), or what could not be
        /// allocated.
        limit: u64,
    },

    /// A file that a running writer still holds: recovering it would cut rows under the writer,
    /// and what it writes afterwards would be lost.
    #[error("{path} is still being written by {writer}; recover it after that program has ended (or, if it is stuck, pass --force)")]
    WriterRunning {
        /// The file.
        path: PathBuf,
        /// Who holds it, as far as the system tells: a galaxy-io output, or a process named
        /// with its id.
        writer: String,
    },

    /// A file a durable writer has not finished: it is still being written, or its writer died
    /// (then `recover` keeps every galaxy the writer reported flushed).
    #[error("{path} was not finished by its writer (durability: {mode}): it is still being written, or its writer stopped; if it stopped, `galaxy-io recover` keeps every galaxy it reported flushed")]
    Unfinished {
        /// The file.
        path: PathBuf,
        /// The writer's durability mode, as the file records it.
        mode: String,
    },

    /// A snapshot whose `num_gals` is not the number of rows of its datasets.
    #[error("{path}: Snap_{snapshot} says it has {num_gals} galaxies (num_gals) but its datasets have {rows} rows")]
    CountMismatch {
        /// The file.
        path: PathBuf,
        /// The snapshot.
        snapshot: u32,
        /// Its `num_gals` attribute.
        num_gals: i64,
        /// The rows of its datasets.
        rows: u64,
    },

    /// A run-time property registration or lookup that cannot be honoured.
    #[error("extended property `{name}`: {problem}")]
    Property {
        /// The property's name (or `#index` for a handle).
        name: String,
        /// What is wrong.
        problem: String,
    },

    /// The I/O thread of an output that writes in the background is gone: it failed (and its
    /// error was returned before), panicked, or the output was already finished.
    #[error("{path}: the output's writer thread {state}")]
    WriterThread {
        /// The output file.
        path: PathBuf,
        /// What happened to the thread.
        state: WriterThreadState,
    },

    /// A catalogue that says nothing of which field identifies a galaxy across snapshots: no
    /// history index, no `history_key` attribute, no `GalaxyIndex`.
    #[error("{path} has no key to follow galaxies by: it has no history index, names no key field (history_key) and has no GalaxyIndex")]
    NoHistoryKey {
        /// The file.
        path: PathBuf,
    },

    /// A key that no galaxy of the catalogue has (at the snapshot, when one was given).
    #[error("{path}: no galaxy has {field} = {key}{}", snapshot.map_or(String::new(), |s| format!(" at snapshot {s}")))]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The key field.
        field: String,
        /// The key asked for.
        key: i64,
        /// The snapshot asked for, if any.
        snapshot: Option<u32>,
    },

    /// Galaxies were given with data that does not fit the output (e.g. wrong row count).
    #[error("snapshot {snapshot}: {problem}")]
    BadInput {
        /// The snapshot written to.
        snapshot: u32,
        /// What is wrong.
        problem: String,
    },
}

/// What happened to an output's writer thread ([`Error::WriterThread`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriterThreadState {
    /// It stopped after an error, which was already returned.
    Stopped,
    /// It panicked.
    Panicked,
    /// The output was finished.
    Finished,
}

impl std::fmt::Display for WriterThreadState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WriterThreadState::Stopped => "stopped after the error it reported",
            WriterThreadState::Panicked => "panicked",
            WriterThreadState::Finished => "has finished the output",
        })
    }
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

    /// An HDF5 error while doing `context`; the whole stack also goes to the debug log.
    pub(crate) fn hdf5(context: impl Into<String>, source: impl Into<hdf5::Error>) -> Self {
        let source = source.into();
        log::debug!("HDF5 error stack: {source}");
        Error::Hdf5 {
            context: context.into(),
            source,
        }
    }

    /// This error as the cause of failing to read `what` of `path`.
    pub(crate) fn reading(self, path: impl Into<PathBuf>, what: impl Into<String>) -> Self {
        Error::Unreadable {
            path: path.into(),
            what: what.into(),
            source: Box::new(self),
        }
    }
}

/// Why a write failed for want of space: the file system is full (`ENOSPC`) or the file reached
/// the largest size the process may write (`EFBIG`, `ulimit -f`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoSpace {
    /// No space left on the device.
    DeviceFull,
    /// The file reached the process's file-size limit.
    FileTooLarge,
}

impl Error {
    /// Whether this error, or any of its causes, is a write that failed for want of space, as
    /// the operating system said it (directly, or inside an HDF5 error stack): what a command
    /// reports as a full disk rather than as the library's error.
    ///
    /// ```
    /// use galaxy_io::{Error, NoSpace};
    /// let full = std::io::Error::from_raw_os_error(28);
    /// let error = Error::io("writing", "full.hdf5", full);
    /// assert_eq!(error.no_space(), Some(NoSpace::DeviceFull));
    /// assert_eq!(Error::Schema("no".into()).no_space(), None);
    /// ```
    pub fn no_space(&self) -> Option<NoSpace> {
        if let Error::NoSpace { .. } = self {
            return Some(NoSpace::DeviceFull);
        }
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(error) = cause {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                match io.raw_os_error() {
                    Some(libc::ENOSPC) => return Some(NoSpace::DeviceFull),
                    Some(libc::EFBIG) => return Some(NoSpace::FileTooLarge),
                    _ => {}
                }
            }
            let text = error.to_string();
            if text.contains("errno = 28,") || text.contains("No space left on device") {
                return Some(NoSpace::DeviceFull);
            }
            if text.contains("errno = 27,") || text.contains("File too large") {
                return Some(NoSpace::FileTooLarge);
            }
            cause = error.source();
        }
        None
    }
}

/// An HDF5 error message on one line (HDF5 spreads one over several) and without the names of
/// the library's functions (`H5Dwrite(): `), which say nothing to a person.
pub(crate) fn plain(message: &str) -> String {
    message
        .split_whitespace()
        .filter(|word| !(word.starts_with("H5") && word.ends_with("():")))
        .collect::<Vec<_>>()
        .join(" ")
}
