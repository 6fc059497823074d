//! Mass functions, one curve per snapshot, drawn to a PNG so a person can look, not read: the
//! stellar mass function by default, or that of any other field (`Mvir` gives the halo mass
//! function). The range comes from the data, empty bins are gaps, and galaxies that cannot be
//! placed on a log axis are counted on the plot, never silently dropped.

use crate::stats::column_as_f64;
use galaxy_io::units::Unit;
use galaxy_io::{AttrValue, Catalogue, Error, HeaderGroup, Result};
use plotters::prelude::*;
use std::path::Path;

const BIN_WIDTH: f64 = 0.1;
/// The log10 values a histogram can hold, in bins of [`BIN_WIDTH`] from the first: far beyond any
/// physical mass in any unit, so that only zeros, negatives and non-numbers fall outside.
const LOG_RANGE: (f64, f64) = (-30.0, 50.0);
pub(crate) const SIZE: (u32, u32) = (1200, 700);
const LEGEND_WIDTH: u32 = 260;

/// One snapshot's histogram of log10 values.
struct Curve {
    label: String,
    counts: Vec<u64>,
    /// Galaxies whose value has no logarithm (zero, negative, not a number).
    unplaced: u64,
}

/// How a field's values become the plotted log10: from the field's machine-readable unit, a
/// mass in solar masses (h applied when the header gives it), anything else in its own unit with
/// h applied, a value stored as log10 as it is; the label says which. A file without unit
/// attributes is labelled with its `Units` text, values as they are.
pub(crate) struct Axis {
    /// Multiplies the linear values.
    factor: f64,
    /// The values are log10 already, or magnitudes (plotted as they are).
    logarithmic: bool,
    pub label: String,
    /// What a bin is wide in: `dex`, or `mag` for magnitudes.
    per: &'static str,
}

impl Axis {
    pub fn of(field: &str, unit: Option<&Unit>, text: &str, hubble_h: Option<f64>) -> Result<Axis> {
        let Some(unit) = unit else {
            let text = text.trim();
            let label = if text.is_empty() || text.eq_ignore_ascii_case("unitless") {
                format!("log10 {field}")
            } else {
                format!("log10 {field}  [{text}]")
            };
            return Ok(Axis {
                factor: 1.0,
                logarithmic: false,
                label: typeset(&label),
                per: "dex",
            });
        };
        if unit.is_magnitude() {
            // A magnitude is a logarithm already: its function is drawn per magnitude.
            return Ok(Axis {
                factor: 1.0,
                logarithmic: true,
                label: format!("{field}  [mag]"),
                per: "mag",
            });
        }
        let h_exponent = unit.h_exponent();
        let (h_factor, h_label) = match hubble_h {
            Some(h) => (h.powf(h_exponent.as_f64()), String::new()),
            None if h_exponent.is_zero() => (1.0, String::new()),
            None => (1.0, format!(" h^{h_exponent}")),
        };
        let (factor, mut shown) = if is_mass(unit) {
            let msun = galaxy_io::units::parse("Msun")
                .map_err(|e| Error::Schema(format!("the unit Msun: {e}")))?
                .cgs_factor();
            (unit.cgs_factor() / msun * h_factor, "Msun".to_owned())
        } else {
            (h_factor, unit.symbol().replace("**", "^").replace('*', " "))
        };
        shown.push_str(&h_label);
        if unit.is_comoving() {
            shown.push_str(", comoving");
        }
        let label = if shown.trim().is_empty() {
            format!("log10 {field}")
        } else {
            format!("log10 {field}  [{}]", shown.trim())
        };
        Ok(Axis {
            factor,
            logarithmic: unit.is_log10(),
            label: typeset(&label),
            per: "dex",
        })
    }

    /// The values that cannot go on the axis.
    fn unplaceable(&self) -> &'static str {
        if self.logarithmic {
            "not a number"
        } else {
            "<= 0 or not a number"
        }
    }

    /// Where a stored value goes on the axis; `NaN` for one without a logarithm.
    pub fn position(&self, value: f64) -> f64 {
        if self.logarithmic {
            value + self.factor.log10()
        } else {
            (value * self.factor).log10()
        }
    }
}

/// Whether `unit` is a mass and nothing else (plotted in solar masses).
pub(crate) fn is_mass(unit: &Unit) -> bool {
    let d = unit.dimensions();
    d.mass.numerator() == 1
        && d.mass.denominator() == 1
        && d.length.is_zero()
        && d.time.is_zero()
        && d.temperature.is_zero()
        && !unit.is_magnitude()
}

/// A label as a plot shows it: powers as superscripts (`Mpc^-3`, `Mpc**3` as Mpc⁻³, Mpc³),
/// `log10` as log₁₀ and solar masses as M☉.
pub(crate) fn typeset(text: &str) -> String {
    const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let text = text
        .replace("**", "^")
        .replace("log10", "log₁₀")
        .replace("Msun", "M☉");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let power_follows = chars
            .peek()
            .is_some_and(|&next| next == '-' || next.is_ascii_digit());
        if c != '^' || !power_follows {
            out.push(c);
            continue;
        }
        if chars.next_if_eq(&'-').is_some() {
            out.push('⁻');
        }
        while let Some(digit) = chars.next_if(char::is_ascii_digit) {
            out.push(SUPERSCRIPT[digit as usize - '0' as usize]);
        }
    }
    out
}

/// Draws log10(Phi) against log10 of `field` for every snapshot into the PNG `path`. Phi is per
/// Mpc^3 per dex when the header gives `box_size` and `hubble_h`, otherwise galaxies per dex. A
/// synthetic catalogue's plot says so in its title; a catalogue without a galaxy to place is an
/// error, and nothing is drawn.
pub fn mass_functions(
    catalogue: &Catalogue,
    snapshots: &[u32],
    field: &str,
    path: &Path,
) -> Result<()> {
    let header = catalogue.header().ok();
    let value = |group, name| {
        header
            .as_ref()
            .and_then(|h| h.get(group, name))
            .and_then(AttrValue::as_f64)
    };
    let hubble_h = value(HeaderGroup::Simulation, "hubble_h");
    let volume = match (value(HeaderGroup::Simulation, "box_size"), hubble_h) {
        (Some(box_size), Some(h)) => Some(
            (box_size / h).powi(3)
                * value(HeaderGroup::Runtime, "frac_volume_processed").unwrap_or(1.0),
        ),
        _ => None,
    };
    let redshifts = header
        .as_ref()
        .map(|h| h.snapshot_redshifts.clone())
        .unwrap_or_default();
    let (unit, text) = match snapshots.first() {
        Some(&snapshot) => (
            catalogue.field_unit(snapshot, field)?,
            catalogue
                .schema(snapshot)?
                .field(field)
                .map(|f| f.units.clone())
                .unwrap_or_default(),
        ),
        None => (None, String::new()),
    };
    let axis = Axis::of(field, unit.as_ref(), &text, hubble_h)?;

    let bins = ((LOG_RANGE.1 - LOG_RANGE.0) / BIN_WIDTH).round() as usize;
    let mut curves = Vec::new();
    for &snapshot in snapshots {
        let mut curve = Curve {
            label: match redshifts.get(snapshot as usize) {
                Some(z) => format!("Snap_{snapshot} (z = {z:.2})"),
                None => format!("Snap_{snapshot}"),
            },
            counts: vec![0; bins],
            unplaced: 0,
        };
        for value in column_as_f64(catalogue, snapshot, field)? {
            let bin = ((axis.position(value) - LOG_RANGE.0) / BIN_WIDTH).floor();
            if bin >= 0.0 && bin < bins as f64 {
                curve.counts[bin as usize] += 1;
            } else {
                curve.unplaced += 1;
            }
        }
        curves.push(curve);
    }
    if curves
        .iter()
        .all(|curve| curve.counts.iter().all(|&n| n == 0))
    {
        let unplaced: u64 = curves.iter().map(|curve| curve.unplaced).sum();
        let why = match unplaced {
            0 => "it has no galaxies".to_owned(),
            n => format!("its {n} galaxies all have {field} {}", axis.unplaceable()),
        };
        return Err(Error::BadFile {
            path: catalogue.path().to_owned(),
            problem: format!(
                "nothing to plot: {why}; {} was not written",
                path_shown(path)
            ),
        });
    }
    let density = |n: u64| (n as f64 / BIN_WIDTH / volume.unwrap_or(1.0)).log10();
    let y_label = if volume.is_some() {
        typeset(&format!("log10 Φ  [Mpc^-3 {}^-1]", axis.per))
    } else {
        typeset(&format!("log10 N  [{}^-1]", axis.per))
    };
    let function = match field {
        "StellarMass" => "Stellar mass function".to_owned(),
        "Mvir" => "Halo mass function (Mvir)".to_owned(),
        _ => format!("{field} function"),
    };
    let synthetic = header
        .as_ref()
        .and_then(|h| h.get(HeaderGroup::Misc, galaxy_io::sage::SYNTHETIC_ATTRIBUTE))
        .is_some();
    let title = if synthetic {
        format!("{function} of a synthetic catalogue (galaxy-io demo)")
    } else {
        function
    };
    let page = Page {
        title: &title,
        x_label: &axis.label,
        y_label: &y_label,
        field,
        unplaceable: axis.unplaceable(),
    };
    save_png(path, |pixels| draw(pixels, &page, &curves, density))
}

/// Draws a plot of [`SIZE`] with `draw` and writes it to the PNG `path`.
pub(crate) fn save_png(
    path: &Path,
    draw: impl FnOnce(&mut [u8]) -> std::result::Result<(), Box<dyn std::error::Error>>,
) -> Result<()> {
    // The font is embedded so that the plot needs nothing from the system.
    let _ =
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    let mut pixels = vec![0u8; SIZE.0 as usize * SIZE.1 as usize * 3];
    draw(&mut pixels)
        .map_err(|e| Error::io("drawing", path, std::io::Error::other(e.to_string())))?;
    image::save_buffer_with_format(
        path,
        &pixels,
        SIZE.0,
        SIZE.1,
        image::ColorType::Rgb8,
        image::ImageFormat::Png,
    )
    .map_err(|e| Error::io("writing", path, std::io::Error::other(e.to_string())))
}

/// The plot's file as the user named it (it is written under a temporary name).
pub(crate) fn path_shown(path: &Path) -> String {
    galaxy_io::staged::with_final_names(&path.display().to_string())
}

struct Page<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    field: &'a str,
    /// What the values that cannot be placed are.
    unplaceable: &'a str,
}

/// The runs of consecutive non-empty bins of a curve as (log10 value, log10 density) points:
/// an empty bin ends a run, so that the line shows a gap there instead of bridging it.
fn runs(curve: &Curve, density: impl Fn(u64) -> f64) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for (bin, &n) in curve.counts.iter().enumerate() {
        if n == 0 {
            if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
            continue;
        }
        run.push((LOG_RANGE.0 + (bin as f64 + 0.5) * BIN_WIDTH, density(n)));
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

fn draw(
    pixels: &mut [u8],
    page: &Page,
    curves: &[Curve],
    density: impl Fn(u64) -> f64 + Copy,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let lines: Vec<Vec<Vec<(f64, f64)>>> = curves.iter().map(|c| runs(c, density)).collect();
    let points = || lines.iter().flatten().flatten();
    let bounds = |pick: fn(&(f64, f64)) -> f64| {
        points()
            .map(pick)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    };
    let (x_low, x_high) = match bounds(|p| p.0) {
        (lo, hi) if lo.is_finite() => (lo - BIN_WIDTH, hi + BIN_WIDTH),
        _ => (0.0, 1.0),
    };
    let (y_low, y_high) = match bounds(|p| p.1) {
        (lo, hi) if lo.is_finite() => (lo.floor() - 0.5, hi.ceil() + 0.5),
        _ => (-6.0, 0.0),
    };

    let root = BitMapBackend::with_buffer(pixels, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    // The legend has a column of its own, so that it never covers a curve.
    let (plot_area, legend_area) = root.split_horizontally(SIZE.0 - LEGEND_WIDTH);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(page.title, ("sans-serif", 30))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x_low..x_high, y_low..y_high)?;
    chart
        .configure_mesh()
        .x_desc(page.x_label)
        .y_desc(page.y_label)
        .label_style(("sans-serif", 18))
        .draw()?;
    let text = ("sans-serif", 16).into_font();
    let mut row = 80;
    for (index, (curve, runs)) in curves.iter().zip(&lines).enumerate() {
        let color = Palette99::pick(index).to_rgba();
        for run in runs {
            chart.draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2)))?;
            if let [point] = run.as_slice() {
                chart.draw_series(std::iter::once(Circle::new(*point, 3, color.filled())))?;
            }
        }
        if runs.is_empty() {
            // No line to show: the snapshot is named, with why.
            let label = format!("{}: none to show", curve.label);
            legend_area.draw(&Text::new(label, (50, row), text.clone()))?;
        } else {
            legend_area.draw(&PathElement::new(
                vec![(10, row + 8), (40, row + 8)],
                color.stroke_width(3),
            ))?;
            legend_area.draw(&Text::new(curve.label.clone(), (50, row), text.clone()))?;
        }
        row += 24;
        if curve.unplaced > 0 {
            let note = format!(
                "  {} with {} {}: not shown",
                curve.unplaced, page.field, page.unplaceable
            );
            legend_area.draw(&Text::new(note, (50, row), text.clone()))?;
            row += 24;
        }
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_labelled_and_scaled_from_the_parsed_units() {
        let parse = |text| galaxy_io::units::parse(text).unwrap();
        let mass = Axis::of("StellarMass", Some(&parse("1.0e10 Msun/h")), "", Some(0.5)).unwrap();
        assert!(
            (mass.factor / 2.0e10 - 1.0).abs() < 1e-12,
            "{}",
            mass.factor
        );
        assert_eq!(mass.label, "log₁₀ StellarMass  [M☉]");
        let position = parse("Mpc/h").comoving().unwrap();
        let radius = Axis::of("Posx", Some(&position), "", Some(0.5)).unwrap();
        assert_eq!(
            (radius.factor, radius.label.as_str()),
            (2.0, "log₁₀ Posx  [Mpc, comoving]")
        );
        let no_h = Axis::of("Rvir", Some(&parse("Mpc/h")), "", None).unwrap();
        assert_eq!(
            (no_h.factor, no_h.label.as_str()),
            (1.0, "log₁₀ Rvir  [Mpc h⁻¹]")
        );
        let cooling = Axis::of("Cooling", Some(&parse("log10(erg/s)")), "", None).unwrap();
        assert_eq!(cooling.label, "log₁₀ Cooling  [erg/s]");
        assert_eq!(cooling.position(40.0), 40.0);
        let spin = Axis::of("Spinx", Some(&parse("Mpc/h km/s")), "", Some(1.0)).unwrap();
        assert_eq!(spin.label, "log₁₀ Spinx  [Mpc km/s]");
        assert_eq!(
            Axis::of("Len", Some(&parse("Unitless")), "", None)
                .unwrap()
                .label,
            "log₁₀ Len"
        );
        // A file without unit attributes: its `Units` text, values as they are.
        let sage = Axis::of("Mvir", None, "1.0e10 Msun/h", Some(0.7)).unwrap();
        assert_eq!(
            (sage.factor, sage.label.as_str()),
            (1.0, "log₁₀ Mvir  [1.0e10 M☉/h]")
        );
        assert_eq!(
            Axis::of("Type", None, "Unitless", None).unwrap().label,
            "log₁₀ Type"
        );
        let magnitude = Axis::of("MagV", Some(&parse("mag")), "", Some(0.7)).unwrap();
        assert_eq!(
            (magnitude.label.as_str(), magnitude.per),
            ("MagV  [mag]", "mag")
        );
        assert_eq!(magnitude.position(-20.5), -20.5, "drawn as it is");
        let density = parse("Msun/Mpc^3");
        let densities = Axis::of("Rho", Some(&density), "", Some(1.0)).unwrap();
        assert_eq!(densities.label, "log₁₀ Rho  [M☉/Mpc³]");
    }

    #[test]
    fn labels_have_real_superscripts() {
        assert_eq!(
            typeset("log10 Phi  [Mpc^-3 dex^-1]"),
            "log₁₀ Phi  [Mpc⁻³ dex⁻¹]"
        );
        assert_eq!(typeset("Mpc**2 h^-1"), "Mpc² h⁻¹");
        assert_eq!(typeset("a ^ b"), "a ^ b", "a caret without a power stays");
    }

    #[test]
    fn empty_bins_split_a_curve_into_runs() {
        let mut counts = vec![0; 10];
        counts[2] = 1;
        counts[3] = 4;
        counts[6] = 2;
        let curve = Curve {
            label: String::new(),
            counts,
            unplaced: 0,
        };
        let runs = runs(&curve, |n| n as f64);
        let lengths: Vec<usize> = runs.iter().map(Vec::len).collect();
        assert_eq!(lengths, [2, 1]);
        assert_eq!(runs[0][1].1, 4.0);
    }
}
