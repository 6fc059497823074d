//! The stellar mass function of each snapshot, drawn to a PNG so a person can look, not read.

use crate::stats::column_as_f64;
use galaxy_io::{AttrValue, Catalogue, Error, HeaderGroup, Result};
use plotters::prelude::*;
use std::path::Path;

const BIN_WIDTH: f64 = 0.1;
const LOG_MASS_RANGE: (f64, f64) = (8.0, 12.5);

/// Draws log10(Phi) against log10(M*/Msun) for every snapshot. Phi is per Mpc^3 per dex when
/// the header gives `box_size` and `hubble_h`, otherwise galaxies per dex.
pub fn stellar_mass_functions(catalogue: &Catalogue, snapshots: &[u32], path: &Path) -> Result<()> {
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

    let bins = ((LOG_MASS_RANGE.1 - LOG_MASS_RANGE.0) / BIN_WIDTH).round() as usize;
    let mut curves = Vec::new();
    for &snapshot in snapshots {
        let masses = column_as_f64(catalogue, snapshot, "StellarMass")?;
        let mut counts = vec![0u64; bins];
        for mass in masses {
            let log_mass = (mass * 1e10 / hubble_h.unwrap_or(1.0)).log10();
            let bin = ((log_mass - LOG_MASS_RANGE.0) / BIN_WIDTH).floor();
            if bin >= 0.0 && (bin as usize) < bins {
                counts[bin as usize] += 1;
            }
        }
        let points: Vec<(f64, f64)> = counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(bin, &n)| {
                let centre = LOG_MASS_RANGE.0 + (bin as f64 + 0.5) * BIN_WIDTH;
                (
                    centre,
                    (n as f64 / BIN_WIDTH / volume.unwrap_or(1.0)).log10(),
                )
            })
            .collect();
        let label = match redshifts.get(snapshot as usize) {
            Some(z) => format!("Snap_{snapshot} (z = {z:.2})"),
            None => format!("Snap_{snapshot}"),
        };
        curves.push((label, points));
    }
    draw(path, &curves, volume.is_some())
        .map_err(|e| Error::io("drawing", path, std::io::Error::other(e.to_string())))
}

fn draw(
    path: &Path,
    curves: &[(String, Vec<(f64, f64)>)],
    per_volume: bool,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The font is embedded so that the plot needs nothing from the system.
    let _ =
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    let ys = curves
        .iter()
        .flat_map(|(_, points)| points.iter().map(|p| p.1));
    let (low, high) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let (low, high) = if low.is_finite() {
        (low.floor() - 0.5, high.ceil() + 0.5)
    } else {
        (-6.0, 0.0)
    };

    let root = BitMapBackend::new(path, (1000, 700)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Stellar mass function", ("sans-serif", 30))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(LOG_MASS_RANGE.0..LOG_MASS_RANGE.1, low..high)?;
    let y_label = if per_volume {
        "log10 Phi  [Mpc^-3 dex^-1]"
    } else {
        "log10 N  [dex^-1]"
    };
    chart
        .configure_mesh()
        .x_desc("log10 M*  [Msun]")
        .y_desc(y_label)
        .label_style(("sans-serif", 18))
        .draw()?;
    for (index, (label, points)) in curves.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()?;
    root.present()?;
    Ok(())
}
