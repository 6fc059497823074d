//! The grammar (see the crate documentation), read by recursive descent:
//!
//! ```text
//! unit    := "" | "Unitless" | "dimensionless" | "mag" | "log10(" product ")" | product
//! product := power (("*" | "/" | " ") power)*        left to right
//! power   := atom (("^" | "**") exponent)?
//! atom    := number | name | "(" product ")"
//! exponent:= ["+" | "-"] digits | "(" ["-"] digits "/" digits ")"
//! ```

use crate::table::{self, Known, DIMENSIONLESS, MAGNITUDE};
use crate::{symbol, Dimensions, Exponent, Scale, Unit, UnitError};
use std::borrow::Cow;

/// Parses a unit text.
///
/// ```
/// let unit = galaxy_units::parse("Mpc * km/s")?;
/// assert_eq!(unit.symbol(), "Mpc*km/s");
/// assert!(galaxy_units::parse("Unitless")?.dimensions().is_dimensionless());
/// assert!(galaxy_units::parse("h^-1").is_err()); // a pure number cannot scale with h
/// # Ok::<(), galaxy_units::UnitError>(())
/// ```
pub fn parse(text: &str) -> Result<Unit, UnitError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || DIMENSIONLESS.contains(&trimmed) {
        return Ok(Unit::DIMENSIONLESS);
    }
    if trimmed == MAGNITUDE {
        return Ok(Unit {
            scale: Scale::Magnitude,
            symbol: Cow::Borrowed(MAGNITUDE),
            ..Unit::DIMENSIONLESS
        });
    }
    let mut parser = Parser {
        text,
        at: 0,
        in_log10: false,
    };
    parser.in_log10 = parser.log10_open();
    let value = parser.product()?;
    if parser.in_log10 {
        parser.skip_space();
        parser.expect(b')', "`)` closing `log10(`")?;
    }
    parser.skip_space();
    if parser.at < text.len() {
        let at = parser.at..parser.at + parser.rest_char().len();
        let mut error = parser.error(format!("unexpected `{}`", parser.rest_char()), at.clone());
        if let Some(power) = power_without_caret(text, parser.at) {
            error = UnitError::new(
                format!("{error}: powers are written with `^`, as in `{power}`"),
                at,
            );
        }
        return Err(error);
    }
    let scale = if parser.in_log10 {
        Scale::Log10
    } else {
        Scale::Linear
    };
    value.finish(text, scale)
}

/// `s^-1` when the text at `at` is a power written without its `^` after a unit's name, as in
/// `km s-1` or `cm-3`.
fn power_without_caret(text: &str, at: usize) -> Option<String> {
    let (before, rest) = text.split_at(at);
    let name_start = before
        .rfind(|c: char| !c.is_ascii_alphabetic())
        .map_or(0, |i| i + 1);
    let name = &before[name_start..];
    let sign = usize::from(rest.starts_with(['-', '+']));
    let digits = rest[sign..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len() - sign);
    (!name.is_empty() && digits > 0).then(|| format!("{name}^{}", &rest[..sign + digits]))
}

/// Parses a unit text and, when `comoving`, declares it comoving ([`Unit::comoving`]): the
/// derive's `units = "...", comoving` at run time.
///
/// ```
/// let unit = galaxy_units::declare("Mpc/h", true)?;
/// assert!(unit.is_comoving());
/// assert!(galaxy_units::declare("Msun", true).is_err());
/// # Ok::<(), galaxy_units::UnitError>(())
/// ```
pub fn declare(text: &str, comoving: bool) -> Result<Unit, UnitError> {
    let unit = parse(text)?;
    if comoving {
        unit.comoving()
    } else {
        Ok(unit)
    }
}

/// What a part of the text amounts to.
#[derive(Clone, Debug)]
struct Value {
    factor: f64,
    dimensions: Dimensions,
    h: Exponent,
    /// Units by name with their powers, in the order first written.
    units: Vec<(&'static Known, Exponent)>,
}

impl Value {
    fn number(factor: f64) -> Value {
        Value {
            factor,
            dimensions: Dimensions::NONE,
            h: Exponent::ZERO,
            units: Vec::new(),
        }
    }

    /// `self * other^power`; `None` when an exponent overflows.
    fn times(mut self, other: &Value, power: Exponent) -> Option<Value> {
        self.factor *= other.factor.powf(power.as_f64());
        self.dimensions = self.dimensions.combine(other.dimensions, power)?;
        self.h = self.h.checked_add(other.h.checked_mul(power)?)?;
        for (name, exponent) in &other.units {
            let exponent = exponent.checked_mul(power)?;
            match self
                .units
                .iter_mut()
                .find(|(known, _)| known.name == name.name)
            {
                Some((_, sum)) => *sum = sum.checked_add(exponent)?,
                None => self.units.push((name, exponent)),
            }
        }
        self.units.retain(|(_, exponent)| !exponent.is_zero());
        Some(self)
    }

    fn finish(self, text: &str, scale: Scale) -> Result<Unit, UnitError> {
        if !self.factor.is_finite() || self.factor <= 0.0 {
            return Err(UnitError::new(
                format!(
                    "`{text}` scales by {}, which is not a positive finite number",
                    self.factor
                ),
                0..text.len(),
            ));
        }
        if self.dimensions.is_dimensionless() && !self.h.is_zero() {
            return Err(UnitError::new(
                format!(
                    "`{text}` is a pure number with an `h` exponent ({}): a unitless quantity does \
                     not scale with h; give it a dimension or drop the h",
                    self.h
                ),
                0..text.len(),
            ));
        }
        let scaled = |factor: f64, units: &mut dyn Iterator<Item = &(&Known, Exponent)>| {
            units.fold(factor, |cgs, (known, power)| {
                cgs * known.cgs.powf(power.as_f64())
            })
        };
        let cgs = scaled(self.factor, &mut self.units.iter());
        // Units the symbol cannot name are written as their value.
        let written = scaled(
            self.factor,
            &mut self.units.iter().filter(|(known, _)| !known.named),
        );
        let named: Vec<(&str, Exponent)> = self
            .units
            .iter()
            .filter(|(known, _)| known.named)
            .map(|(known, power)| (known.name, *power))
            .collect();
        Ok(Unit {
            cgs_factor: cgs,
            dimensions: self.dimensions,
            h_exponent: self.h,
            a_exponent: Exponent::ZERO,
            scale,
            symbol: Cow::Owned(symbol::format(written, &named)),
        })
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
    /// Inside `log10(...)`.
    in_log10: bool,
}

impl Parser<'_> {
    fn error(&self, what: String, at: std::ops::Range<usize>) -> UnitError {
        UnitError::new(
            format!("{what} at byte {} of `{}`", at.start, self.text),
            at,
        )
    }

    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn rest_char(&self) -> &str {
        let rest = self.rest();
        rest.char_indices()
            .nth(1)
            .map_or(rest, |(end, _)| &rest[..end])
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) -> bool {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
        self.at > start
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), UnitError> {
        if self.peek() == Some(byte) {
            self.at += 1;
            return Ok(());
        }
        Err(self.missing(&format!("expected {what}")))
    }

    fn missing(&self, what: &str) -> UnitError {
        match self.peek() {
            None => self.error(format!("{what}, found the end"), self.at..self.at),
            Some(_) => self.error(
                format!("{what}, found `{}`", self.rest_char()),
                self.at..self.at + self.rest_char().len(),
            ),
        }
    }

    fn log10_open(&mut self) -> bool {
        self.skip_space();
        if let Some(after) = self.rest().strip_prefix("log10") {
            if after.trim_start().starts_with('(') {
                self.at = self.text.len() - after.trim_start().len() + 1;
                return true;
            }
        }
        false
    }

    fn product(&mut self) -> Result<Value, UnitError> {
        self.skip_space();
        let mut value = self.power()?;
        loop {
            let spaced = self.skip_space();
            let sign = match self.peek() {
                Some(b'*') if !self.rest().starts_with("**") => {
                    self.at += 1;
                    1
                }
                Some(b'/') => {
                    self.at += 1;
                    -1
                }
                Some(b) if spaced && (b.is_ascii_alphanumeric() || b == b'(' || b == b'.') => 1,
                _ => return Ok(value),
            };
            self.skip_space();
            let start = self.at;
            let next = self.power()?;
            value = value
                .times(&next, Exponent::integer(sign))
                .ok_or_else(|| self.error("exponent too large".into(), start..self.at))?;
        }
    }

    fn power(&mut self) -> Result<Value, UnitError> {
        let start = self.at;
        let base = self.atom()?;
        let before_space = self.at;
        self.skip_space();
        let caret = if self.rest().starts_with("**") {
            2
        } else if self.peek() == Some(b'^') {
            1
        } else {
            // The space, if any, is the product's.
            self.at = before_space;
            return Ok(base);
        };
        self.at += caret;
        self.skip_space();
        let power = self.exponent()?;
        Value::number(1.0)
            .times(&base, power)
            .ok_or_else(|| self.error("exponent too large".into(), start..self.at))
    }

    fn atom(&mut self) -> Result<Value, UnitError> {
        match self.peek() {
            Some(b'(') => {
                self.at += 1;
                let inner = self.product()?;
                self.skip_space();
                self.expect(b')', "`)`")?;
                Ok(inner)
            }
            Some(b) if b.is_ascii_digit() || b == b'.' => self.number(),
            Some(b) if b.is_ascii_alphabetic() => self.name(),
            _ => Err(self.missing("expected a unit, a number or `(`")),
        }
    }

    fn number(&mut self) -> Result<Value, UnitError> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
            end += 1;
        }
        if end < bytes.len() && (bytes[end] == b'e' || bytes[end] == b'E') {
            let mut exp = end + 1;
            if exp < bytes.len() && (bytes[exp] == b'+' || bytes[exp] == b'-') {
                exp += 1;
            }
            if exp < bytes.len() && bytes[exp].is_ascii_digit() {
                while exp < bytes.len() && bytes[exp].is_ascii_digit() {
                    exp += 1;
                }
                end = exp;
            }
        }
        let literal = &self.text[start..end];
        let value: f64 = literal
            .parse()
            .map_err(|_| self.error(format!("`{literal}` is not a number"), start..end))?;
        self.at = end;
        Ok(Value::number(value))
    }

    fn name(&mut self) -> Result<Value, UnitError> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        let name = &self.text[start..end];
        self.at = end;
        if name == "h" {
            let mut value = Value::number(1.0);
            value.h = Exponent::integer(1);
            return Ok(value);
        }
        if let Some(known) = table::find(name) {
            return Ok(Value {
                factor: 1.0,
                dimensions: known.dimensions,
                h: Exponent::ZERO,
                units: vec![(known, Exponent::integer(1))],
            });
        }
        let why = if name == MAGNITUDE && self.in_log10 {
            "a magnitude is a logarithm already (-2.5 log10 of a flux ratio): write `mag`, not \
             `log10(mag)`"
                .into()
        } else if DIMENSIONLESS.contains(&name) || name == MAGNITUDE {
            format!("`{name}` stands alone: it cannot be combined with other units")
        } else if name == "a" {
            "the scale factor `a` is not written in the units: declare the field comoving".into()
        } else if name == "log10" {
            "`log10(...)` can only enclose the whole unit".into()
        } else {
            let power = name
                .find(|c: char| c.is_ascii_digit())
                .filter(|&digits| table::find(&name[..digits]).is_some())
                .and_then(|digits| power_without_caret(name, digits));
            let hint = power
                .map(|power| format!(" (powers are written with `^`, as in `{power}`)"))
                .or_else(|| table::suggest(name).map(|known| format!(" (did you mean `{known}`?)")))
                .unwrap_or_else(|| {
                    format!(
                        " (known: {}, {MAGNITUDE}, h)",
                        table::UNITS
                            .iter()
                            .map(|k| k.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            return Err(UnitError::new(
                format!(
                    "unknown unit `{name}` at byte {start} of `{}`{hint}",
                    self.text
                ),
                start..end,
            ));
        };
        Err(self.error(why, start..end))
    }

    fn exponent(&mut self) -> Result<Exponent, UnitError> {
        let start = self.at;
        let parenthesised = self.peek() == Some(b'(');
        if parenthesised {
            self.at += 1;
            self.skip_space();
        }
        let numerator = self.integer()?;
        let mut denominator = 1;
        if parenthesised {
            self.skip_space();
            if self.peek() == Some(b'/') {
                self.at += 1;
                self.skip_space();
                denominator = self.integer()?;
                self.skip_space();
            }
            self.expect(b')', "`)` closing the exponent")?;
        }
        Exponent::ratio(numerator, denominator).ok_or_else(|| {
            self.error(
                format!("`{}` is not a usable exponent", &self.text[start..self.at]),
                start..self.at,
            )
        })
    }

    fn integer(&mut self) -> Result<i32, UnitError> {
        let start = self.at;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.at += 1;
        }
        let digits = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        if self.at == digits {
            self.at = start;
            return Err(self.missing("expected an integer exponent (e.g. `^-1` or `^(1/2)`)"));
        }
        self.text[start..self.at]
            .parse()
            .map_err(|_| self.error("exponent too large".into(), start..self.at))
    }
}
