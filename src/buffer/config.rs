//! How a [`Buffer`](super::Buffer) sizes itself: SAGE's `buffer_config` in Rust.

use crate::error::{Error, Result};

const MIB: usize = 1024 * 1024;

/// Sizes and growth policy of a buffer. Checked by [`BufferConfig::validate`], which
/// [`Buffer::new`](super::Buffer::new) calls, so an invalid configuration never reaches a write.
///
/// ```
/// use galaxy_io::BufferConfig;
/// let config = BufferConfig::from_megabytes(4, 64).unwrap();
/// assert_eq!(config.initial_size, 4 << 20);
/// assert!(BufferConfig::from_megabytes(8, 2).is_err()); // initial > max
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BufferConfig {
    /// Capacity at creation, in bytes.
    pub initial_size: usize,
    /// Largest capacity the buffer may grow to, in bytes.
    pub max_size: usize,
    /// Factor by which the capacity grows (> 1; SAGE: 1.5).
    pub growth_factor: f64,
    /// Whether the buffer grows at all.
    pub auto_resize: bool,
    /// Grow when a write does not fit and the buffer is at least this full (1..=100 %; SAGE: 80).
    pub resize_threshold_percent: u8,
}

impl Default for BufferConfig {
    /// 4 MiB growing to 8 MiB: large enough that per-flush HDF5 overhead is a few percent of
    /// the write time, small enough that a flush is transposed in cache and that one buffer per
    /// output snapshot stays cheap (see the buffer-size sweep in BENCHMARKS.md).
    fn default() -> Self {
        BufferConfig {
            initial_size: 4 * MIB,
            max_size: 8 * MIB,
            growth_factor: 1.5,
            auto_resize: true,
            resize_threshold_percent: 80,
        }
    }
}

impl BufferConfig {
    /// SAGE's buffer plan's `buffer_config_default(initial_mb, ..., max_mb)`: sizes in MiB,
    /// growth 1.5, auto-resize at 80 %. (The plan's minimum size has no use: a buffer never
    /// shrinks.)
    pub fn from_megabytes(initial_mb: usize, max_mb: usize) -> Result<Self> {
        let config = BufferConfig {
            initial_size: initial_mb * MIB,
            max_size: max_mb * MIB,
            ..BufferConfig::default()
        };
        config.validate()?;
        Ok(config)
    }

    /// A buffer of exactly `size` bytes that never grows.
    ///
    /// ```
    /// let config = galaxy_io::BufferConfig::fixed(1 << 20);
    /// assert!(!config.auto_resize);
    /// ```
    pub fn fixed(size: usize) -> Self {
        BufferConfig {
            initial_size: size,
            max_size: size,
            auto_resize: false,
            ..BufferConfig::default()
        }
    }

    /// Rejects zero sizes, an initial size above the maximum, a growth factor that is not
    /// above 1 and a threshold outside 1..=100.
    pub fn validate(&self) -> Result<()> {
        let fail = |message: String| Err(Error::BufferConfig(message));
        if self.initial_size == 0 || self.max_size == 0 {
            return fail(format!(
                "sizes must be positive (initial {}, max {})",
                self.initial_size, self.max_size
            ));
        }
        if self.initial_size > self.max_size {
            return fail(format!(
                "initial_size {} is larger than max_size {}",
                self.initial_size, self.max_size
            ));
        }
        if !(self.growth_factor > 1.0 && self.growth_factor.is_finite()) {
            return fail(format!(
                "growth_factor must be finite and above 1, not {}",
                self.growth_factor
            ));
        }
        if !(1..=100).contains(&self.resize_threshold_percent) {
            return fail(format!(
                "resize_threshold_percent must be within 1..=100, not {}",
                self.resize_threshold_percent
            ));
        }
        Ok(())
    }
}
