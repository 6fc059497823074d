//! The unit string astropy and unyt both read: unyt rejects products by a space and numbers
//! written `1e+10`, astropy rejects `dimensionless`, so the common ground is a number first
//! (`1e10`), `*` between units, `/` before each unit with a negative power and `**` for powers.

use crate::Exponent;

/// `factor` and the units with their powers, in the order written, as one string.
pub fn format(factor: f64, units: &[(&str, Exponent)]) -> String {
    let mut text = String::new();
    if factor != 1.0 {
        text.push_str(&number(factor));
    }
    for (name, power) in units.iter().filter(|(_, power)| power.numerator() > 0) {
        if !text.is_empty() {
            text.push('*');
        }
        text.push_str(name);
        push_power(&mut text, *power);
    }
    for (name, power) in units.iter().filter(|(_, power)| power.numerator() < 0) {
        if text.is_empty() {
            text.push('1');
        }
        text.push('/');
        text.push_str(name);
        let positive = Exponent::ratio(-i32::from(power.numerator()), power.denominator().into())
            .unwrap_or(*power);
        push_power(&mut text, positive);
    }
    text
}

fn push_power(text: &mut String, power: Exponent) {
    if power != Exponent::integer(1) {
        text.push_str("**");
        text.push_str(&power.to_string());
    }
}

/// The shortest text that reads back as `value`, in exponent form without a `+`: `1e10`,
/// `2.5e-3`.
fn number(value: f64) -> String {
    format!("{value:e}")
}
