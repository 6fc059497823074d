//! What a unit declaration got wrong, and where.

use std::ops::Range;

/// A unit text that does not parse, or a declaration that cannot hold: the message says what
/// was not understood and [`at`](UnitError::at) where (bytes of the text).
///
/// ```
/// let error = galaxy_units::parse("km/").unwrap_err();
/// assert_eq!(error.at(), 3..3);
/// assert!(error.to_string().contains("expected a unit"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitError {
    message: String,
    at: Range<usize>,
}

impl UnitError {
    pub(crate) fn new(message: impl Into<String>, at: Range<usize>) -> UnitError {
        UnitError {
            message: message.into(),
            at,
        }
    }

    pub(crate) fn not_comoving(symbol: &str) -> UnitError {
        let shown = if symbol.is_empty() {
            "dimensionless"
        } else {
            symbol
        };
        UnitError::new(
            format!(
                "`{shown}` has no length dimension, so it cannot be comoving (comoving sets the \
                 scale-factor exponent to the length exponent)"
            ),
            0..0,
        )
    }

    /// What went wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The bytes of the text the error is about (empty at the point of a missing piece).
    pub fn at(&self) -> Range<usize> {
        self.at.clone()
    }
}

impl std::fmt::Display for UnitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UnitError {}
