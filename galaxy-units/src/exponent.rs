//! Rational exponents, always in lowest terms, so that equal powers compare equal.

/// A power such as `2`, `-1` or `1/2`, kept exact (in lowest terms, positive denominator).
///
/// ```
/// use galaxy_units::Exponent;
/// assert_eq!(Exponent::ratio(2, 4), Some(Exponent::ratio(1, 2).unwrap()));
/// assert_eq!(Exponent::integer(-3).as_f64(), -3.0);
/// assert_eq!(Exponent::ratio(-1, 2).unwrap().to_string(), "(-1/2)");
/// assert_eq!(Exponent::ratio(1, 0), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Exponent {
    numerator: i16,
    denominator: u16,
}

impl Exponent {
    /// No power: the dimension is absent.
    pub const ZERO: Exponent = Exponent {
        numerator: 0,
        denominator: 1,
    };

    /// A whole power.
    pub const fn integer(value: i16) -> Exponent {
        Exponent {
            numerator: value,
            denominator: 1,
        }
    }

    /// `numerator / denominator` in lowest terms; `None` for a zero denominator or one that does
    /// not fit.
    pub const fn ratio(numerator: i32, denominator: i32) -> Option<Exponent> {
        if denominator == 0 {
            return None;
        }
        // In i64, so that negating `i32::MIN` cannot overflow.
        let divisor = gcd(numerator.unsigned_abs(), denominator.unsigned_abs()) as i64;
        let sign: i64 = if denominator < 0 { -1 } else { 1 };
        let numerator = sign * numerator as i64 / divisor;
        let denominator = (denominator as i64).abs() / divisor;
        if numerator < i16::MIN as i64
            || numerator > i16::MAX as i64
            || denominator > u16::MAX as i64
        {
            return None;
        }
        Some(Exponent {
            numerator: numerator as i16,
            denominator: denominator as u16,
        })
    }

    /// The numerator, in lowest terms.
    pub const fn numerator(self) -> i16 {
        self.numerator
    }

    /// The denominator, in lowest terms (1 for a whole power).
    pub const fn denominator(self) -> u16 {
        self.denominator
    }

    /// Whether this is no power at all.
    pub const fn is_zero(self) -> bool {
        self.numerator == 0
    }

    /// The power as a number (SWIFT stores exponents as floats).
    pub fn as_f64(self) -> f64 {
        f64::from(self.numerator) / f64::from(self.denominator)
    }

    pub(crate) fn checked_add(self, other: Exponent) -> Option<Exponent> {
        let d1 = i32::from(self.denominator);
        let d2 = i32::from(other.denominator);
        Exponent::ratio(
            i32::from(self.numerator)
                .checked_mul(d2)?
                .checked_add(i32::from(other.numerator).checked_mul(d1)?)?,
            d1.checked_mul(d2)?,
        )
    }

    pub(crate) fn checked_mul(self, other: Exponent) -> Option<Exponent> {
        Exponent::ratio(
            i32::from(self.numerator).checked_mul(other.numerator.into())?,
            i32::from(self.denominator).checked_mul(other.denominator.into())?,
        )
    }
}

const fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        let rest = a % b;
        a = b;
        b = rest;
    }
    if a == 0 {
        1
    } else {
        a
    }
}

/// `2`, `-1`, or `(1/2)`: the form the grammar reads after `^`.
impl std::fmt::Display for Exponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.denominator == 1 {
            write!(f, "{}", self.numerator)
        } else {
            write!(f, "({}/{})", self.numerator, self.denominator)
        }
    }
}
