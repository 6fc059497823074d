//! The history index an output writes at finish: the keys of its rows, collected as they are
//! written, and `HistoryIndex/{keys,offsets,snapshots,rows}` (see [`crate::history`]). It is a
//! group of its own, outside the `Snap_<N>` groups that SAGE's readers walk.

use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::hdf5::{ffi, names};
use crate::history::{HistoryIndex, IndexBuilder};
use crate::schema::Schema;

/// The keys of every row an output has written, per snapshot in row order.
#[derive(Debug)]
pub(crate) struct KeyCollector {
    offset: usize,
    dtype: Dtype,
    record_size: usize,
    /// Ascending by snapshot, as the output's buffers are.
    snapshots: Vec<u32>,
    keys: Vec<Vec<i64>>,
}

impl KeyCollector {
    /// A collector for the key of `schema`, if it has one, over the snapshots (ascending).
    pub(crate) fn of(schema: &Schema, ascending: &[u32]) -> Option<Self> {
        let key = schema.key()?;
        Some(KeyCollector {
            offset: key.offset,
            dtype: key.dtype,
            record_size: schema.record_size(),
            snapshots: ascending.to_vec(),
            keys: vec![Vec::new(); ascending.len()],
        })
    }

    /// Takes the keys of whole records that the output accepted for the snapshot at `index`.
    pub(crate) fn add(&mut self, index: usize, rows: &[u8]) {
        let end = self.offset + self.dtype.size();
        let fields = rows
            .chunks_exact(self.record_size)
            .map(|record| &record[self.offset..end]);
        self.dtype.extend_i64(fields, &mut self.keys[index]);
    }

    /// The index of every row collected.
    pub(crate) fn into_index(self) -> Result<HistoryIndex> {
        let mut builder = IndexBuilder::default();
        for (snapshot, keys) in self.snapshots.into_iter().zip(self.keys) {
            builder.push_snapshot(snapshot, keys)?;
        }
        Ok(builder.finish())
    }
}

/// An index being sorted on a thread of its own while `finish` writes the last rows: on a
/// catalogue of 10^7 rows, sorting the keys takes about as long as writing the last buffers.
#[derive(Debug)]
pub(crate) enum PendingIndex {
    Sorting(std::thread::JoinHandle<Result<HistoryIndex>>),
    /// Sorted on the caller's thread, when no thread could be started.
    Done(Result<HistoryIndex>),
}

impl PendingIndex {
    /// Starts sorting `keys` into an index.
    pub(crate) fn start(keys: KeyCollector) -> Self {
        let keys = std::sync::Arc::new(std::sync::Mutex::new(Some(keys)));
        let shared = std::sync::Arc::clone(&keys);
        let thread = std::thread::Builder::new()
            .name("galaxy-io index".into())
            .spawn(move || match shared.lock().map(|mut keys| keys.take()) {
                Ok(Some(keys)) => keys.into_index(),
                _ => Ok(HistoryIndex::default()),
            });
        match thread {
            Ok(handle) => PendingIndex::Sorting(handle),
            Err(error) => {
                log::debug!("sorting the history index on the caller's thread: {error}");
                let keys = keys.lock().ok().and_then(|mut keys| keys.take());
                PendingIndex::Done(
                    keys.map_or_else(|| Ok(HistoryIndex::default()), KeyCollector::into_index),
                )
            }
        }
    }

    /// The index, once sorted. A panic while sorting is a bug, and goes on as one.
    pub(crate) fn wait(self) -> Result<HistoryIndex> {
        match self {
            PendingIndex::Sorting(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            PendingIndex::Done(index) => index,
        }
    }
}

/// Prepares a new output's file for its index: the name of the key field as an attribute of
/// the root, where a reader finds it even when the index itself is missing (a recovered file)
/// and scans that field instead; and the empty `HistoryIndex` group. Made now, with the rest of
/// the file's structure, so that `finish` adds datasets to that group and leaves the root's
/// group table as it is: a writer killed while the root gained a link could leave the table
/// half written, and `recover` with nothing it can open.
pub(crate) fn prepare(file: &hdf5::File, key: &str) -> Result<()> {
    write_key_name(file, key)?;
    file.create_group(names::HISTORY_INDEX)
        .map(drop)
        .map_err(|e| Error::hdf5(format!("creating {}", names::HISTORY_INDEX), e))
}

/// Writes the name of the key field as an attribute of the root (see [`prepare`]).
pub(crate) fn write_key_name(file: &hdf5::File, name: &str) -> Result<()> {
    ffi::attrs::write_string_attr(file.id(), names::HISTORY_KEY, name)
}

/// Writes `index` into the group `HistoryIndex` of `file` (made by [`prepare`], or here): rows
/// in 32 bits (a snapshot has fewer than 2^32), snapshots and offsets each in the narrowest
/// unsigned type of two their values fit (16 or 32, 32 or 64 bits), so that it costs the file a
/// few bytes per row.
pub(crate) fn write(file: &hdf5::File, index: &HistoryIndex) -> Result<()> {
    let context = |what: &str| {
        let what = format!("writing {}/{what}", names::HISTORY_INDEX);
        move |e: hdf5::Error| Error::hdf5(what, e)
    };
    let group = if file.link_exists(names::HISTORY_INDEX) {
        file.group(names::HISTORY_INDEX)
    } else {
        file.create_group(names::HISTORY_INDEX)
    }
    .map_err(context("the group"))?;
    group
        .new_dataset_builder()
        .with_data(&index.keys)
        .create(names::HISTORY_KEYS)
        .map_err(context(names::HISTORY_KEYS))?;
    write_unsigned(
        &group,
        names::HISTORY_OFFSETS,
        &index.offsets,
        u32::MAX.into(),
    )?;
    write_unsigned(
        &group,
        names::HISTORY_SNAPSHOTS,
        &index.snapshots,
        u16::MAX.into(),
    )?;
    group
        .new_dataset_builder()
        .with_data(&index.rows)
        .create(names::HISTORY_ROWS)
        .map(drop)
        .map_err(context(names::HISTORY_ROWS))
}

/// Writes `values` as u16 or u32 when they are all at most `narrow` (`u16::MAX` or
/// `u32::MAX`), else as u32 or u64.
fn write_unsigned<T: Copy + Into<u64>>(
    group: &hdf5::Group,
    name: &str,
    values: &[T],
    narrow: u64,
) -> Result<()> {
    let max = values.iter().map(|&v| v.into()).max().unwrap_or(0);
    let context =
        |e: hdf5::Error| Error::hdf5(format!("writing {}/{name}", names::HISTORY_INDEX), e);
    macro_rules! as_ {
        ($ty:ty) => {{
            // Every value is at most `max`, which the type holds.
            let values: Vec<$ty> = values.iter().map(|&v| v.into() as $ty).collect();
            group
                .new_dataset_builder()
                .with_data(&values)
                .create(name)
                .map(drop)
                .map_err(context)
        }};
    }
    match (narrow == u64::from(u16::MAX), max <= narrow) {
        (true, true) => as_!(u16),
        (true, false) | (false, true) => as_!(u32),
        (false, false) => as_!(u64),
    }
}
