//! The machine-readable unit attributes of a dataset (names in [`names::unit_attrs`]): written
//! beside SAGE's `Units` text from the field's parsed [`Unit`], and read back through the
//! checked path into a `Unit` again. Their values depend only on the field, so every snapshot
//! of a file holds the same messages, which the file stores once (see `file_format`).

use crate::error::Result;
use crate::hdf5::attr_value::AttrValue;
use crate::hdf5::ffi;
use crate::hdf5::ffi::attrs::AttrData;
use crate::hdf5::names::unit_attrs as name;
use crate::hdf5::read::checked::{self, Unreadable};
use galaxy_units::{Exponent, Unit};

/// The least room the `units` string takes, NUL-padded (readers see the text alone: h5py and
/// numpy drop trailing NULs, C sees a terminated string). At this size its message is large
/// enough to be stored once for all snapshots, like every other unit attribute (the flags are
/// int64 for the same reason).
const SYMBOL_BYTES: usize = 24;

/// Writes every unit attribute of `unit` on `dataset`, a new dataset.
pub(crate) fn write(dataset: &hdf5::Dataset, unit: &Unit) -> Result<()> {
    let id = dataset.id();
    let units = AttrData::Text {
        text: unit.symbol(),
        min_bytes: SYMBOL_BYTES,
    };
    ffi::attrs::new_attr(id, name::UNITS, units)?;
    // SWIFT's form: one-element arrays, which its readers index (`attrs["h-scale exponent"][0]`).
    let h = unit.h_exponent().as_f64() as f32;
    ffi::attrs::new_attr(id, name::H_EXPONENT, AttrData::F32(h))?;
    let a = unit.a_exponent().as_f64() as f32;
    ffi::attrs::new_attr(id, name::A_EXPONENT, AttrData::F32(a))?;
    ffi::attrs::new_attr(id, name::CGS_FACTOR, AttrData::F64(unit.cgs_factor()))?;
    // The flags only where they hold: a 64-snapshot file has 3456 datasets, and an attribute
    // on all of them costs 55 KB (`tests/file_size.rs` allows 1 MiB of metadata in all).
    for (attr, flag) in [
        (name::COMOVING, unit.is_comoving()),
        (name::LOG10, unit.is_log10()),
        (name::MAGNITUDE, unit.is_magnitude()),
    ] {
        if flag {
            ffi::attrs::new_attr(id, attr, AttrData::I64(1))?;
        }
    }
    Ok(())
}

/// The unit a dataset declares: `None` when it has no `units` attribute (files from SAGE itself
/// and other tools), an error when the attributes are there but unreadable, do not parse, or
/// disagree with each other.
pub(crate) fn read(dataset: &hdf5::Dataset) -> std::result::Result<Option<Unit>, Unreadable> {
    let within = |attr: &str, why: Unreadable| Unreadable(format!("attribute `{attr}` {why}"));
    let Some(symbol) =
        checked::text_attr(dataset, name::UNITS).map_err(|e| within(name::UNITS, e))?
    else {
        return Ok(None);
    };
    let optional = |attr: &str| -> std::result::Result<Option<f64>, Unreadable> {
        let value = checked::attr(dataset, attr).map_err(|e| within(attr, e))?;
        let one = match value {
            None => return Ok(None),
            Some(AttrValue::F64(v)) => v,
            Some(AttrValue::F64Array(v)) if v.len() == 1 => v[0],
            Some(AttrValue::I32(v)) => f64::from(v),
            Some(AttrValue::I32Array(v)) if v.len() == 1 => f64::from(v[0]),
            Some(AttrValue::I64(v)) => v as f64,
            Some(AttrValue::I64Array(v)) if v.len() == 1 => v[0] as f64,
            Some(other) => {
                return Err(Unreadable(format!(
                    "attribute `{attr}` is {}, not one number",
                    other.kind()
                )))
            }
        };
        Ok(Some(one))
    };
    let number = |attr: &str| -> std::result::Result<f64, Unreadable> {
        optional(attr)?.ok_or_else(|| {
            Unreadable(format!(
                "attribute `{attr}` is missing beside `{}`",
                name::UNITS
            ))
        })
    };
    let exponent = |attr: &str| -> std::result::Result<Exponent, Unreadable> {
        let value = number(attr)?;
        rational(value).ok_or_else(|| {
            Unreadable(format!(
                "attribute `{attr}` is {value}, not a simple fraction"
            ))
        })
    };
    let h = exponent(name::H_EXPONENT)?;
    let log10 = optional(name::LOG10)?.is_some_and(|flag| flag != 0.0);
    let comoving = optional(name::COMOVING)?.is_some_and(|flag| flag != 0.0);
    let magnitude = optional(name::MAGNITUDE)?.is_some_and(|flag| flag != 0.0);
    let bad_symbol =
        |why: String| Unreadable(format!("attribute `{}` = `{symbol}` {why}", name::UNITS));
    let plain =
        galaxy_units::parse(&symbol).map_err(|e| bad_symbol(format!("does not parse: {e}")))?;
    if !plain.h_exponent().is_zero() || plain.is_log10() {
        return Err(bad_symbol(
            "holds h or log10, which have attributes of their own".into(),
        ));
    }
    if plain.is_magnitude() != magnitude {
        return Err(Unreadable(format!(
            "attribute `{}` is {}, but `{}` = `{symbol}`",
            name::MAGNITUDE,
            u8::from(magnitude),
            name::UNITS
        )));
    }
    let mut text = symbol.clone();
    if !h.is_zero() {
        text = format!("({}) h^{h}", if text.is_empty() { "1" } else { &text });
    }
    if log10 {
        text = format!("log10({text})");
    }
    let unit = galaxy_units::parse(&text)
        .map_err(|e| bad_symbol(format!("with `{}`: {e}", name::H_EXPONENT)))?;
    let unit = if comoving {
        unit.comoving()
            .map_err(|e| Unreadable(format!("is marked comoving, but {e}")))?
    } else {
        unit
    };
    // The symbol decides; the numbers beside it must tell the same story. SWIFT's dimension
    // exponents are checked when a file has them (galaxy-io does not write them).
    let d = unit.dimensions();
    let expected = [
        (name::MASS, d.mass),
        (name::LENGTH, d.length),
        (name::TIME, d.time),
        (name::CURRENT, Exponent::ZERO),
        (name::TEMPERATURE, d.temperature),
        (name::A_EXPONENT, unit.a_exponent()),
    ];
    for (attr, want) in expected {
        let Some(value) = optional(attr)? else {
            if attr == name::A_EXPONENT {
                return Err(Unreadable(format!(
                    "attribute `{attr}` is missing beside `{}`",
                    name::UNITS
                )));
            }
            continue;
        };
        if rational(value) != Some(want) {
            return Err(Unreadable(format!(
                "attribute `{attr}` is {value}, but `{}` = `{symbol}` means {}",
                name::UNITS,
                want.as_f64()
            )));
        }
    }
    let factor = number(name::CGS_FACTOR)?;
    if !((factor / unit.cgs_factor()) - 1.0).abs().lt(&1e-9) {
        return Err(Unreadable(format!(
            "attribute `{}` is {factor}, but `{}` = `{symbol}` means {}",
            name::CGS_FACTOR,
            name::UNITS,
            unit.cgs_factor()
        )));
    }
    Ok(Some(unit))
}

/// The fraction with a small denominator a stored float exponent stands for (`0.5` is 1/2).
fn rational(value: f64) -> Option<Exponent> {
    (1..=12).find_map(|denominator| {
        let numerator = (value * f64::from(denominator)).round();
        let close = (numerator / f64::from(denominator) - value).abs() < 1e-6;
        (close && numerator.abs() <= f64::from(i16::MAX))
            .then(|| Exponent::ratio(numerator as i32, denominator))
            .flatten()
    })
}
