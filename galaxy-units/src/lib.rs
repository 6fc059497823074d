//! Physical units of galaxy catalogue fields, parsed from the text semi-analytic models write.
//!
//! SAGE and its kind describe each output field with free text such as `"1.0e10 Msun/h"` or
//! `"Mpc/h"`. Unit libraries cannot be trusted with that text: astropy and unyt read `h` as
//! *hours*. [`parse`] reads a small grammar into a [`Unit`]: the factor to CGS, the
//! [`Dimensions`] (mass, length, time, temperature), the exponents of the Hubble parameter `h` and
//! of the scale factor `a`, and a [`symbol`](Unit::symbol) without `h` that astropy and unyt both
//! parse to the same quantity.
//!
//! ```
//! let mass = galaxy_units::parse("1.0e10 Msun/h")?;
//! assert_eq!(mass.symbol(), "1e10*Msun");
//! assert_eq!(mass.h_exponent().as_f64(), -1.0);
//! assert_eq!(mass.dimensions().mass.as_f64(), 1.0);
//!
//! // Comoving is declared, never guessed: it sets the `a` exponent to the length exponent.
//! let position = galaxy_units::parse("Mpc/h")?.comoving()?;
//! assert_eq!(position.a_exponent().as_f64(), 1.0);
//!
//! let error = galaxy_units::parse("1e10 Msum/h").unwrap_err();
//! assert_eq!(error.to_string(), "unknown unit `Msum` at byte 5 of `1e10 Msum/h` (did you mean `Msun`?)");
//! # Ok::<(), galaxy_units::UnitError>(())
//! ```
//!
//! # The grammar
//!
//! - Numbers scale: `1e10`, `1.0e10`, `10^10`.
//! - Units: `g`, `kg`, `Msun`; `cm`, `m`, `km`, `pc`, `kpc`, `Mpc`; `s`, `yr`, `Myr`, `Gyr`;
//!   `K`; `erg`, `Lsun`; `deg`; `Zsun` (the solar metallicity, 0.0134: a pure number, written as
//!   that number in [`symbol`](Unit::symbol), since astropy has no such unit).
//! - Products by a space or `*`, quotients by `/` (left to right: `erg/s/cm^2`), powers by `^` or
//!   `**` with a signed integer (`s^-1`) or a parenthesised fraction (`Mpc^(1/2)`), groups in
//!   parentheses.
//! - `h` is the Hubble parameter: `Mpc/h`, `Mpc h^-1` and `(Mpc/h)^3` carry an `h` exponent and
//!   nothing else. A dimensionless quantity cannot scale with `h`.
//! - `Unitless`, `dimensionless` or nothing at all: a pure number.
//! - `log10(...)` around a unit: the values are the base-10 logarithm of a quantity in it.
//! - `mag`, alone: the values are magnitudes, -2.5 log10 of a flux ratio to the band's zero
//!   point. A magnitude is logarithmic already, so `log10(mag)` is refused, and it has no CGS
//!   factor to scale or combine.
//!
//! A value in physical CGS is `value * cgs_factor * h^h_exponent * a^a_exponent`, or
//! `10^value * ...` when the unit [`is_log10`](Unit::is_log10); a magnitude `m` is the ratio
//! `10^(-0.4 m)` ([`Scale`]).
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

mod error;
mod exponent;
mod parse;
mod symbol;
mod table;

pub use error::UnitError;
pub use exponent::Exponent;
pub use parse::{declare, parse};

use std::borrow::Cow;

/// The exponents of the base dimensions in a unit (CGS's: gram, centimetre, second, kelvin).
///
/// ```
/// use galaxy_units::{parse, Dimensions, Exponent};
/// let energy = parse("erg")?.dimensions();
/// assert_eq!(energy.length, Exponent::integer(2));
/// assert_eq!(energy.time, Exponent::integer(-2));
/// assert!(!energy.is_dimensionless());
/// # Ok::<(), galaxy_units::UnitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Dimensions {
    /// Mass (`U_M`).
    pub mass: Exponent,
    /// Length (`U_L`).
    pub length: Exponent,
    /// Time (`U_t`).
    pub time: Exponent,
    /// Temperature (`U_T`).
    pub temperature: Exponent,
}

impl Dimensions {
    /// No dimension at all.
    pub const NONE: Dimensions = Dimensions {
        mass: Exponent::ZERO,
        length: Exponent::ZERO,
        time: Exponent::ZERO,
        temperature: Exponent::ZERO,
    };

    /// Whether every exponent is zero.
    pub const fn is_dimensionless(&self) -> bool {
        self.mass.is_zero()
            && self.length.is_zero()
            && self.time.is_zero()
            && self.temperature.is_zero()
    }

    fn combine(self, other: Dimensions, power: Exponent) -> Option<Dimensions> {
        Some(Dimensions {
            mass: self.mass.checked_add(other.mass.checked_mul(power)?)?,
            length: self.length.checked_add(other.length.checked_mul(power)?)?,
            time: self.time.checked_add(other.time.checked_mul(power)?)?,
            temperature: self
                .temperature
                .checked_add(other.temperature.checked_mul(power)?)?,
        })
    }
}

/// How stored values stand for the quantity in a unit.
///
/// ```
/// use galaxy_units::{parse, Scale};
/// assert_eq!(parse("erg/s")?.scale(), Scale::Linear);
/// assert_eq!(parse("log10(erg/s)")?.scale(), Scale::Log10);
/// assert_eq!(parse("mag")?.scale(), Scale::Magnitude);
/// # Ok::<(), galaxy_units::UnitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Scale {
    /// The values are the quantity: `value * cgs_factor`.
    #[default]
    Linear,
    /// The values are its base-10 logarithm (`log10(...)`): `10^value * cgs_factor`.
    Log10,
    /// The values are magnitudes (`mag`): -2.5 log10 of a flux ratio, which is `10^(-0.4 value)`.
    Magnitude,
}

/// A parsed unit: everything needed to turn a stored value into physical CGS.
///
/// ```
/// let rate = galaxy_units::parse("Msun/yr")?;
/// assert_eq!(rate.symbol(), "Msun/yr");
/// assert_eq!(rate.h_exponent().as_f64(), 0.0);
/// assert!((rate.cgs_factor() - 1.988409870698051e33 / 3.15576e7).abs() < 1e18);
/// # Ok::<(), galaxy_units::UnitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    cgs_factor: f64,
    dimensions: Dimensions,
    h_exponent: Exponent,
    a_exponent: Exponent,
    scale: Scale,
    symbol: Cow<'static, str>,
}

// The factor is always finite and positive (parsing refuses anything else), so equality is
// total.
impl Eq for Unit {}

impl Unit {
    /// A pure number.
    pub const DIMENSIONLESS: Unit = Unit {
        cgs_factor: 1.0,
        dimensions: Dimensions::NONE,
        h_exponent: Exponent::ZERO,
        a_exponent: Exponent::ZERO,
        scale: Scale::Linear,
        symbol: Cow::Borrowed(""),
    };

    /// What `#[derive(GalaxyRecord)]` emits: the facts [`parse`] found at compile time.
    #[doc(hidden)]
    pub const fn __from_parts(
        cgs_factor: f64,
        dimensions: Dimensions,
        h_exponent: Exponent,
        a_exponent: Exponent,
        scale: Scale,
        symbol: &'static str,
    ) -> Unit {
        Unit {
            cgs_factor,
            dimensions,
            h_exponent,
            a_exponent,
            scale,
            symbol: Cow::Borrowed(symbol),
        }
    }

    /// The factor from the stored unit to CGS, without `h` and `a` (SWIFT's "Conversion factor
    /// to CGS (not including cosmological corrections)").
    pub const fn cgs_factor(&self) -> f64 {
        self.cgs_factor
    }

    /// The exponents of mass, length, time and temperature.
    pub const fn dimensions(&self) -> Dimensions {
        self.dimensions
    }

    /// The power of the Hubble parameter `h` the values carry (`-1` for `Mpc/h`).
    pub const fn h_exponent(&self) -> Exponent {
        self.h_exponent
    }

    /// The power of the scale factor `a` the values carry: the length exponent for a comoving
    /// quantity, `0` for a physical one.
    pub const fn a_exponent(&self) -> Exponent {
        self.a_exponent
    }

    /// Whether the values are comoving (declared with [`comoving`](Unit::comoving)).
    pub const fn is_comoving(&self) -> bool {
        !self.a_exponent.is_zero()
    }

    /// How the values stand for the quantity: as it is, as its logarithm, as magnitudes.
    pub const fn scale(&self) -> Scale {
        self.scale
    }

    /// Whether the values are the base-10 logarithm of a quantity in this unit.
    pub const fn is_log10(&self) -> bool {
        matches!(self.scale, Scale::Log10)
    }

    /// Whether the values are magnitudes.
    pub const fn is_magnitude(&self) -> bool {
        matches!(self.scale, Scale::Magnitude)
    }

    /// The unit without `h` and `a`, as astropy (`astropy.units.Unit`) and unyt (`unyt.Unit`)
    /// both parse it: products with `*`, powers with `**`, the scale as a number first
    /// (`1e10*Msun`, `Mpc*km/s`); empty for a pure number.
    pub fn symbol(&self) -> &str {
        &self.symbol
    }

    /// The same unit declared comoving: its `a` exponent becomes its length exponent, as in
    /// SWIFT's snapshots (`a^1` for positions, `a^-3` for densities). A unit without a length
    /// dimension cannot be comoving.
    ///
    /// ```
    /// assert!(galaxy_units::parse("km/s")?.comoving().is_ok());
    /// assert!(galaxy_units::parse("Msun")?.comoving().is_err());
    /// # Ok::<(), galaxy_units::UnitError>(())
    /// ```
    pub fn comoving(mut self) -> Result<Unit, UnitError> {
        if self.dimensions.length.is_zero() {
            return Err(UnitError::not_comoving(&self.symbol));
        }
        self.a_exponent = self.dimensions.length;
        Ok(self)
    }

    /// Converts one stored value to physical CGS, given `h` and the scale factor `a`; a
    /// magnitude becomes its flux ratio to the zero point.
    ///
    /// ```
    /// let position = galaxy_units::parse("Mpc/h")?.comoving()?;
    /// let cm = position.to_physical_cgs(62.5, 0.73, 0.5);
    /// assert!((cm / (62.5 / 0.73 * 0.5 * 3.0856775814913673e24) - 1.0).abs() < 1e-12);
    /// assert!((galaxy_units::parse("mag")?.to_physical_cgs(-5.0, 0.73, 1.0) - 100.0).abs() < 1e-9);
    /// # Ok::<(), galaxy_units::UnitError>(())
    /// ```
    pub fn to_physical_cgs(&self, value: f64, h: f64, a: f64) -> f64 {
        let linear = match self.scale {
            Scale::Linear => value,
            Scale::Log10 => 10f64.powf(value),
            Scale::Magnitude => 10f64.powf(-0.4 * value),
        };
        linear
            * self.cgs_factor
            * h.powf(self.h_exponent.as_f64())
            * a.powf(self.a_exponent.as_f64())
    }
}

/// The unit as galaxy-units text that parses back to it (`1e10*Msun*h^-1`); `a` is not part of
/// the grammar, so a comoving unit is marked ` (comoving)`.
impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = self.symbol.to_string();
        if !self.h_exponent.is_zero() {
            if !text.is_empty() {
                text.push('*');
            }
            text.push_str(&format!("h^{}", self.h_exponent));
        }
        if self.is_log10() {
            text = format!("log10({text})");
        }
        if text.is_empty() {
            text.push_str("dimensionless");
        }
        if self.is_comoving() {
            text.push_str(" (comoving)");
        }
        f.write_str(&text)
    }
}
