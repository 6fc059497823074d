//! The buffer manager: bytes in, whole records out through a write callback.
//!
//! SAGE's `io_buffer_manager` in Rust. A [`Buffer`] collects bytes, grows by its
//! [`BufferConfig`] when it keeps filling up, and hands what it holds to a [`WriteCallback`]
//! together with the bytes' offset in the logical stream. With a record size set, every hand-over
//! is a whole number of records, so the callback can turn an offset into a row.

mod config;
mod read;

pub use config::BufferConfig;
pub use read::{ReadBuffer, ReadCallback};

use crate::error::{Error, Result};

/// Where buffered bytes go: SAGE's `io_write_fn(fd, buffer, size, offset, context)`, with the
/// implementor as the context.
///
/// ```
/// use galaxy_io::Result;
/// use galaxy_io::blocks::WriteCallback;
///
/// /// Collects everything in memory.
/// struct Memory(Vec<u8>);
///
/// impl WriteCallback for Memory {
///     fn write(&mut self, bytes: &[u8], offset: u64) -> Result<()> {
///         assert_eq!(offset as usize, self.0.len());
///         self.0.extend_from_slice(bytes);
///         Ok(())
///     }
/// }
/// ```
pub trait WriteCallback {
    /// Writes `bytes`, which start at `offset` in the stream. On error nothing of `bytes` may be
    /// considered written: the buffer keeps them and a retry hands them over again.
    fn write(&mut self, bytes: &[u8], offset: u64) -> Result<()>;

    /// Like [`write`](Self::write), called when the buffer hands over everything it holds: a
    /// callback that keeps the bytes (to write them on another thread, say) may take `bytes` and
    /// leave another vector in its place, saving a copy; the buffer clears whatever it gets back.
    /// On error `bytes` must hold what it held on entry. By default this calls `write`.
    fn write_owned(&mut self, bytes: &mut Vec<u8>, offset: u64) -> Result<()> {
        self.write(bytes, offset)
    }
}

/// Counters of one buffer's life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BufferStats {
    /// Bytes accepted by the callback.
    pub bytes_written: u64,
    /// Successful callback calls.
    pub callback_calls: u64,
    /// Times the capacity grew.
    pub resizes: u32,
    /// The largest capacity reached, in bytes.
    pub peak_capacity: usize,
}

/// A growing, record-aligned write buffer in front of a [`WriteCallback`].
///
/// ```
/// use galaxy_io::{BufferConfig, Result};
/// use galaxy_io::blocks::{Buffer, WriteCallback};
///
/// struct Memory(Vec<u8>);
/// impl WriteCallback for Memory {
///     fn write(&mut self, bytes: &[u8], _offset: u64) -> Result<()> {
///         self.0.extend_from_slice(bytes);
///         Ok(())
///     }
/// }
///
/// let mut buffer = Buffer::new(BufferConfig::fixed(64 * 1024), Memory(Vec::new()))?;
/// buffer.set_record_size(8)?;
/// buffer.write(&[1; 24])?;
/// let memory = buffer.finish()?;
/// assert_eq!(memory.0, [1; 24]);
/// # Ok::<(), galaxy_io::Error>(())
/// ```
pub struct Buffer<W: WriteCallback> {
    data: Vec<u8>,
    capacity: usize,
    config: BufferConfig,
    record_size: usize,
    /// Regular hand-overs end at stream offsets that are multiples of this (a multiple of
    /// `record_size`), e.g. HDF5 chunk boundaries.
    alignment: usize,
    /// Stream offset of `data[0]`.
    offset: u64,
    /// `None` only after `finish` has taken it.
    callback: Option<W>,
    stats: BufferStats,
}

/// The buffer's state, not its bytes or callback.
impl<W: WriteCallback> std::fmt::Debug for Buffer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("held_bytes", &self.data.len())
            .field("capacity", &self.capacity)
            .field("record_size", &self.record_size)
            .field("offset", &self.offset)
            .field("config", &self.config)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<W: WriteCallback> Buffer<W> {
    /// A buffer of `config.initial_size` bytes in front of `callback`; the configuration is
    /// validated here.
    pub fn new(config: BufferConfig, callback: W) -> Result<Self> {
        config.validate()?;
        Ok(Buffer {
            data: Vec::with_capacity(config.initial_size),
            capacity: config.initial_size,
            config,
            record_size: 1,
            alignment: 1,
            offset: 0,
            callback: Some(callback),
            stats: BufferStats {
                peak_capacity: config.initial_size,
                ..BufferStats::default()
            },
        })
    }

    /// Makes every hand-over a whole number of `record_size`-byte records. The capacity is
    /// rounded down to whole records, and raised to one record if it is smaller. Must be called
    /// while the buffer is empty.
    pub fn set_record_size(&mut self, record_size: usize) -> Result<()> {
        if record_size == 0 {
            return Err(Error::BufferConfig(
                "the record size must be positive".into(),
            ));
        }
        if !self.data.is_empty() || !self.offset.is_multiple_of(record_size as u64) {
            return Err(Error::BufferConfig(
                "the record size can only be set while the buffer is empty at a record boundary"
                    .into(),
            ));
        }
        self.record_size = record_size;
        self.alignment = record_size;
        self.capacity = self.records_in(self.capacity);
        self.note_capacity();
        Ok(())
    }

    /// Makes the hand-overs of a full buffer end at stream offsets that are multiples of
    /// `alignment` bytes (a multiple of the record size), keeping the rest for the next one; the
    /// capacity is rounded down to a multiple of it where it is at least that large.
    /// [`flush`](Self::flush) and [`finish`](Self::finish) still hand over every whole record.
    /// The HDF5 output aligns to chunks this way, so that every regular write covers whole
    /// chunks and bypasses HDF5's chunk cache.
    pub fn set_alignment(&mut self, alignment: usize) -> Result<()> {
        if alignment == 0 || !alignment.is_multiple_of(self.record_size) {
            return Err(Error::BufferConfig(format!(
                "the alignment {alignment} is not a positive multiple of the record size {}",
                self.record_size
            )));
        }
        self.alignment = alignment;
        self.capacity = self.records_in(self.capacity);
        self.note_capacity();
        Ok(())
    }

    /// Adds `bytes` to the stream. Either all of them are accepted (`Ok`) or none are (`Err`,
    /// with the buffer's earlier contents still held), so retrying a failed call writes every
    /// byte exactly once.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.len() <= self.free() {
            self.data.extend_from_slice(bytes);
            return Ok(());
        }
        if self.should_grow() {
            self.grow(self.data.len() + bytes.len());
            if bytes.len() <= self.free() {
                self.data.extend_from_slice(bytes);
                return Ok(());
            }
        }
        // It does not fit. When what is held ends on an alignment boundary, it is handed over
        // as it is; then `bytes` is held if it fits, or else its aligned part goes straight to
        // the callback, uncopied, and only the tail is kept. Otherwise the two are joined so
        // that the hand-over can end on a boundary.
        let held = self.data.len();
        if (self.offset + held as u64).is_multiple_of(self.alignment as u64) {
            self.flush_whole_records()?;
            if bytes.len() <= self.capacity {
                self.data.extend_from_slice(bytes);
                return Ok(());
            }
            let direct = self.aligned_len(bytes.len());
            self.emit_direct(&bytes[..direct])?;
            self.data.extend_from_slice(&bytes[direct..]);
            return Ok(());
        }
        self.data.extend_from_slice(bytes);
        if let Err(error) = self.flush_aligned() {
            self.data.truncate(held);
            return Err(error);
        }
        Ok(())
    }

    /// Hands every whole record held to the callback. A trailing partial record stays.
    pub fn flush(&mut self) -> Result<()> {
        self.flush_whole_records()
    }

    /// Flushes what is left and returns the callback. Bytes that do not make a whole record are
    /// an error (they would be half a galaxy); on error the buffer is dropped, which retries the
    /// flush once and logs the outcome.
    pub fn finish(mut self) -> Result<W> {
        self.flush_whole_records()?;
        if !self.data.is_empty() {
            return Err(Error::PartialRecord {
                bytes: self.data.len(),
                offset: self.offset,
                record_size: self.record_size,
            });
        }
        Ok(self
            .callback
            .take()
            .expect("the callback is present until finish"))
    }

    /// Gives up: flushes what it can, best-effort, and returns the callback whatever happened;
    /// bytes it could not hand over are dropped and logged (an output dropped without
    /// `finish`, after an error).
    pub fn abandon(mut self) -> W {
        if let Err(error) = self.flush_whole_records() {
            log::error!("buffer abandoned and its last flush failed: {error}");
        }
        if !self.data.is_empty() {
            log::error!(
                "buffer abandoned with {} bytes that did not reach its callback",
                self.data.len()
            );
        }
        self.data.clear();
        self.callback
            .take()
            .expect("the callback is present until finish")
    }

    /// The callback, e.g. to look at what it has written so far.
    pub fn callback(&self) -> &W {
        self.callback
            .as_ref()
            .expect("the callback is present until finish")
    }

    /// The callback, mutably.
    pub fn callback_mut(&mut self) -> &mut W {
        self.callback
            .as_mut()
            .expect("the callback is present until finish")
    }

    /// Counters so far.
    pub fn stats(&self) -> BufferStats {
        self.stats
    }

    /// Current capacity in bytes.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes held and not yet handed over.
    pub fn pending(&self) -> usize {
        self.data.len()
    }

    /// Stream offset of the next byte the callback will receive.
    pub fn flushed_offset(&self) -> u64 {
        self.offset
    }

    /// Room left before the capacity. What is held can exceed the capacity by less than one
    /// alignment unit, when a join could not end on a boundary.
    fn free(&self) -> usize {
        self.capacity.saturating_sub(self.data.len())
    }

    /// `bytes` rounded down to whole alignment units, or to whole records when it is smaller
    /// than one unit; at least one record.
    fn records_in(&self, bytes: usize) -> usize {
        let unit = if bytes >= self.alignment {
            self.alignment
        } else {
            self.record_size
        };
        (bytes - bytes % unit).max(self.record_size)
    }

    /// How many of `len` bytes starting at the flushed offset to hand over so that the
    /// hand-over ends on an alignment boundary; whole records when no boundary is in reach.
    fn aligned_len(&self, len: usize) -> usize {
        let end = self.offset + len as u64;
        let boundary = end - end % self.alignment as u64;
        if boundary > self.offset {
            (boundary - self.offset) as usize
        } else {
            len - len % self.record_size
        }
    }

    fn should_grow(&self) -> bool {
        self.config.auto_resize
            && self.capacity < self.config.max_size
            && self.data.len() * 100
                >= self.capacity * usize::from(self.config.resize_threshold_percent)
    }

    fn grow(&mut self, wanted: usize) {
        let old = self.capacity;
        let grown = (old as f64 * self.config.growth_factor) as usize;
        let target = grown.max(wanted.min(self.config.max_size));
        self.capacity = self.records_in(target.min(self.config.max_size)).max(old);
        if self.capacity > old {
            self.stats.resizes += 1;
            self.note_capacity();
            log::debug!("buffer grew from {old} to {} bytes", self.capacity);
        }
    }

    fn note_capacity(&mut self) {
        self.stats.peak_capacity = self.stats.peak_capacity.max(self.capacity);
        if self.data.capacity() < self.capacity {
            self.data.reserve_exact(self.free());
        }
    }

    fn flush_aligned(&mut self) -> Result<()> {
        self.hand_over(self.aligned_len(self.data.len()))
    }

    fn flush_whole_records(&mut self) -> Result<()> {
        self.hand_over(self.data.len() - self.data.len() % self.record_size)
    }

    fn hand_over(&mut self, whole: usize) -> Result<()> {
        let callback = self
            .callback
            .as_mut()
            .expect("the callback is present until finish");
        if whole == self.data.len() {
            let len = self.data.len();
            deliver(callback, &mut self.stats, &mut self.offset, len, |c, at| {
                c.write_owned(&mut self.data, at)
            })?;
            self.data.clear();
            if self.data.capacity() < self.capacity {
                self.data.reserve_exact(self.capacity);
            }
            return Ok(());
        }
        let held = &self.data[..whole];
        deliver(
            callback,
            &mut self.stats,
            &mut self.offset,
            whole,
            |c, at| c.write(held, at),
        )?;
        self.data.drain(..whole);
        Ok(())
    }

    fn emit_direct(&mut self, bytes: &[u8]) -> Result<()> {
        let callback = self
            .callback
            .as_mut()
            .expect("the callback is present until finish");
        deliver(
            callback,
            &mut self.stats,
            &mut self.offset,
            bytes.len(),
            |c, at| c.write(bytes, at),
        )
    }
}

/// One hand-over of `len` bytes to the callback (`write` calls it); offset and counters
/// advance only when it succeeds.
fn deliver<W: WriteCallback>(
    callback: &mut W,
    stats: &mut BufferStats,
    offset: &mut u64,
    len: usize,
    write: impl FnOnce(&mut W, u64) -> Result<()>,
) -> Result<()> {
    if len == 0 {
        return Ok(());
    }
    write(callback, *offset).map_err(|source| Error::Flush {
        offset: *offset,
        len,
        source: Box::new(source),
    })?;
    *offset += len as u64;
    stats.bytes_written += len as u64;
    stats.callback_calls += 1;
    Ok(())
}

impl<W: WriteCallback> Drop for Buffer<W> {
    /// Without `finish`, flushes the whole records still held, best-effort: a failure is logged,
    /// never a panic.
    fn drop(&mut self) {
        if self.callback.is_none() || self.data.is_empty() {
            return;
        }
        match self.flush_whole_records() {
            Ok(()) if self.data.is_empty() => {}
            Ok(()) => log::error!(
                "buffer dropped with {} bytes that are not a whole record; they were not written",
                self.data.len()
            ),
            Err(error) => {
                log::error!("buffer dropped without finish and its last flush failed: {error}")
            }
        }
    }
}
