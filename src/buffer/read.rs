//! Buffered reads through a callback: SAGE's `buffer_read`, used to read the binary format back.

use crate::error::{Error, Result};

/// Where buffered reads come from: fills `buf` from stream `offset`, returning how many bytes
/// were read (0 at the end of the stream).
pub trait ReadCallback {
    /// Reads up to `buf.len()` bytes starting at `offset`.
    fn read(&mut self, buf: &mut [u8], offset: u64) -> Result<usize>;
}

/// A sequential reader with a fixed-size buffer in front of a [`ReadCallback`]. Reads at least
/// as large as the buffer go straight to the callback.
///
/// ```
/// use galaxy_io::Result;
/// use galaxy_io::blocks::{ReadBuffer, ReadCallback};
///
/// struct Memory(Vec<u8>);
/// impl ReadCallback for Memory {
///     fn read(&mut self, buf: &mut [u8], offset: u64) -> Result<usize> {
///         let rest = self.0.get(offset as usize..).unwrap_or(&[]);
///         let n = rest.len().min(buf.len());
///         buf[..n].copy_from_slice(&rest[..n]);
///         Ok(n)
///     }
/// }
///
/// let mut reader = ReadBuffer::new(4, Memory((0..10).collect()));
/// let mut first = [0; 3];
/// reader.read_exact(&mut first)?;
/// assert_eq!(first, [0, 1, 2]);
/// assert_eq!(reader.position(), 3);
/// # Ok::<(), galaxy_io::Error>(())
/// ```
pub struct ReadBuffer<R: ReadCallback> {
    source: R,
    data: Vec<u8>,
    /// Unread bytes are `data[start..end]`.
    start: usize,
    end: usize,
    /// Stream offset of `data[end]` (the next byte to fetch from the source).
    next_offset: u64,
}

/// The buffer's position, not its bytes or source.
impl<R: ReadCallback> std::fmt::Debug for ReadBuffer<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadBuffer")
            .field("unread_bytes", &(self.end - self.start))
            .field("next_offset", &self.next_offset)
            .finish_non_exhaustive()
    }
}

impl<R: ReadCallback> ReadBuffer<R> {
    /// A reader with a `capacity`-byte buffer (at least one byte).
    pub fn new(capacity: usize, source: R) -> Self {
        ReadBuffer {
            source,
            data: vec![0; capacity.max(1)],
            start: 0,
            end: 0,
            next_offset: 0,
        }
    }

    /// Stream offset of the next byte `read` returns.
    pub fn position(&self) -> u64 {
        self.next_offset - (self.end - self.start) as u64
    }

    /// Reads up to `out.len()` bytes; fewer only at the end of the stream.
    pub fn read(&mut self, out: &mut [u8]) -> Result<usize> {
        let mut done = 0;
        while done < out.len() {
            if self.start == self.end {
                let rest = &mut out[done..];
                if rest.len() >= self.data.len() {
                    let n = self.source.read(rest, self.next_offset)?;
                    self.next_offset += n as u64;
                    if n == 0 {
                        break;
                    }
                    done += n;
                    continue;
                }
                if !self.refill()? {
                    break;
                }
            }
            let n = (self.end - self.start).min(out.len() - done);
            out[done..done + n].copy_from_slice(&self.data[self.start..self.start + n]);
            self.start += n;
            done += n;
        }
        Ok(done)
    }

    /// Fills `out` completely or fails with the offset at which the stream ended.
    pub fn read_exact(&mut self, out: &mut [u8]) -> Result<()> {
        let at = self.position();
        let n = self.read(out)?;
        if n < out.len() {
            return Err(Error::UnexpectedEnd {
                offset: at + n as u64,
                wanted: out.len() - n,
            });
        }
        Ok(())
    }

    /// The source back.
    pub fn into_inner(self) -> R {
        self.source
    }

    fn refill(&mut self) -> Result<bool> {
        let n = self.source.read(&mut self.data, self.next_offset)?;
        self.start = 0;
        self.end = n;
        self.next_offset += n as u64;
        Ok(n > 0)
    }
}
