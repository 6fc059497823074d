//! `galaxy-io history`: one galaxy through time, found through the file's history index, as CSV
//! (one line per snapshot where it is, oldest first), and optionally drawn against redshift (or
//! the snapshot number, in a file without redshifts).

use crate::plot::{self, Axis};
use crate::stats::as_f64;
use galaxy_io::staged::Staged;
use galaxy_io::units::Unit;
use galaxy_io::{AttrValue, Catalogue, Dtype, Error, HeaderGroup, Result};
use plotters::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The HDF5 file (an output or a master file).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The galaxy's key: its GalaxyIndex (or the field the file names its key).
    #[arg(value_name = "KEY", allow_negative_numbers = true)]
    key: i64,
    /// The fields to print, comma-separated (default: every mass of the record, by its units).
    #[arg(long, value_name = "F1,F2,...", value_delimiter = ',')]
    fields: Vec<String>,
    /// Also draw the fields against redshift into this PNG (masses on a log scale, in solar
    /// masses).
    #[arg(long, value_name = "PNG")]
    plot: Option<PathBuf>,
    /// Replace the --plot file if it exists.
    #[arg(long)]
    force: bool,
}

/// One field as the history shows it.
struct Column {
    name: String,
    dtype: Dtype,
    unit: Option<Unit>,
    units_text: String,
}

pub fn run(args: Args) -> Result<()> {
    let plot = args
        .plot
        .as_ref()
        .map(|path| Staged::new(path, args.force))
        .transpose()?;
    let catalogue = Catalogue::open(&args.file)?;
    let history = catalogue.history(args.key)?;
    let newest = history.appearances.last().map_or(0, |a| a.snapshot);
    let columns = columns(&catalogue, newest, &args.fields)?;

    let mut rows = Vec::with_capacity(history.appearances.len());
    for place in &history.appearances {
        let redshift = catalogue.redshift(place.snapshot)?;
        let mut values = Vec::with_capacity(columns.len());
        for column in &columns {
            let at = place.row..place.row + 1;
            let (_, bytes) = catalogue.read_field_rows(place.snapshot, &column.name, at)?;
            values.push(bytes);
        }
        rows.push((place, redshift, values));
    }

    let mut out = std::io::stdout().lock();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let written = writeln!(out, "snapshot,redshift,row,{}", names.join(",")).and_then(|()| {
        rows.iter().try_for_each(|(place, redshift, values)| {
            let redshift = redshift.map_or(String::new(), |z| format!("{z:.6}"));
            let shown: Vec<String> = columns
                .iter()
                .zip(values)
                .map(|(column, bytes)| show(column.dtype, bytes))
                .collect();
            writeln!(
                out,
                "{},{redshift},{},{}",
                place.snapshot,
                place.row,
                shown.join(",")
            )
        })
    });
    written.map_err(|e| Error::io("writing", "standard output", e))?;

    if let (Some(staged), Some(path)) = (plot, &args.plot) {
        // Against redshift, the past to the left; against the snapshot number when a snapshot
        // has no redshift.
        let by_redshift = rows.iter().all(|(_, z, _)| z.is_some());
        let points: Vec<(f64, Vec<f64>)> = rows
            .iter()
            .map(|(place, redshift, values)| {
                let x = match redshift {
                    Some(z) if by_redshift => -z,
                    _ => f64::from(place.snapshot),
                };
                let values = columns
                    .iter()
                    .zip(values)
                    .map(|(column, bytes)| as_f64(column.dtype, bytes)[0])
                    .collect();
                (x, values)
            })
            .collect();
        let page = Page {
            catalogue: &catalogue,
            key: args.key,
            by_redshift,
            shown: path,
        };
        draw(&page, &columns, &points, staged.path())?;
        staged.commit()?;
    }
    Ok(())
}

/// What a plot shows and says.
struct Page<'a> {
    catalogue: &'a Catalogue,
    key: i64,
    /// The x axis is the redshift (negated), or else the snapshot number.
    by_redshift: bool,
    /// The plot's name as the user gave it.
    shown: &'a Path,
}

/// The fields asked for, checked to be scalars of the file; by default, every field whose units
/// are a mass (from the unit attributes, or else the `Units` text).
fn columns(catalogue: &Catalogue, snapshot: u32, asked: &[String]) -> Result<Vec<Column>> {
    let schema = catalogue.schema(snapshot)?;
    let mut columns = Vec::new();
    for field in schema.fields() {
        let unit = match catalogue.field_unit(snapshot, &field.name)? {
            Some(unit) => Some(unit),
            None => galaxy_io::units::parse(&field.units).ok(),
        };
        let wanted = if asked.is_empty() {
            unit.as_ref().is_some_and(plot::is_mass) && field.shape.is_empty()
        } else {
            asked.contains(&field.name)
        };
        if wanted {
            columns.push(Column {
                name: field.name.clone(),
                dtype: field.dtype,
                unit,
                units_text: field.units.clone(),
            });
        }
    }
    let mismatch = |field: &str, problem: String| Error::SchemaMismatch {
        path: catalogue.path().to_owned(),
        snapshot,
        field: field.to_owned(),
        problem,
    };
    if let Some(missing) = asked.iter().find(|name| schema.field(name).is_none()) {
        return Err(mismatch(missing, "is not in the file".into()));
    }
    if let Some(array) = schema
        .fields()
        .iter()
        .find(|f| asked.contains(&f.name) && !f.shape.is_empty())
    {
        return Err(mismatch(
            &array.name,
            format!("has {:?} values per galaxy; history shows one", array.shape),
        ));
    }
    if columns.is_empty() {
        return Err(mismatch(
            "(masses)",
            "no field declares units of mass: name the fields to show with --fields".into(),
        ));
    }
    // The order asked for, or the file's.
    if !asked.is_empty() {
        columns.sort_by_key(|c| asked.iter().position(|name| *name == c.name));
    }
    Ok(columns)
}

/// One value as the file stores it: integers exactly, floats as the shortest text that reads
/// back as the same number.
fn show(dtype: Dtype, bytes: &[u8]) -> String {
    match dtype {
        Dtype::F32 => bytemuck::pod_read_unaligned::<f32>(bytes).to_string(),
        Dtype::F64 => bytemuck::pod_read_unaligned::<f64>(bytes).to_string(),
        _ => dtype.as_i64(bytes)[0].to_string(),
    }
}

/// Each field against redshift (or snapshot), on a log10 axis scaled from its units (a mass in
/// solar masses).
fn draw(page: &Page, columns: &[Column], points: &[(f64, Vec<f64>)], target: &Path) -> Result<()> {
    let catalogue = page.catalogue;
    let key = page.key;
    let hubble_h = catalogue.header().ok().and_then(|header| {
        header
            .get(HeaderGroup::Simulation, "hubble_h")
            .and_then(AttrValue::as_f64)
    });
    let axes = columns
        .iter()
        .map(|c| Axis::of(&c.name, c.unit.as_ref(), &c.units_text, hubble_h))
        .collect::<Result<Vec<_>>>()?;
    let lines: Vec<Vec<(f64, f64)>> = axes
        .iter()
        .enumerate()
        .map(|(at, axis)| {
            points
                .iter()
                .map(|(x, values)| (*x, axis.position(values[at])))
                .filter(|(_, y)| y.is_finite())
                .collect()
        })
        .collect();
    let ys = || lines.iter().flatten().map(|p| p.1);
    let (low, high) = ys().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    if !low.is_finite() {
        return Err(Error::BadFile {
            path: catalogue.path().to_owned(),
            problem: format!(
                "nothing to plot: no value of galaxy {key} has a logarithm (all <= 0 or not a \
                 number); {} was not written",
                plot::path_shown(page.shown)
            ),
        });
    }
    let (x_low, x_high) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.0), hi.max(p.0))
        });
    let (x_desc, x_text): (&str, fn(&f64) -> String) = if page.by_redshift {
        ("redshift z", |x| format!("{:.2}", -x + 0.0))
    } else {
        ("snapshot", |x| format!("{x:.0}"))
    };
    let all_masses = columns
        .iter()
        .all(|c| c.unit.as_ref().is_some_and(plot::is_mass));
    let y_label = plot::typeset(if all_masses {
        "log10 M  [Msun]"
    } else {
        "log10 value"
    });
    let title = format!("Galaxy {key} through time");
    plot::save_png(target, |pixels| {
        let root = BitMapBackend::with_buffer(pixels, plot::SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, ("sans-serif", 30))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (x_low - 0.1)..(x_high + 0.1),
                (low.floor() - 0.5)..(high.ceil() + 0.5),
            )?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .x_label_formatter(&x_text)
            .y_desc(y_label)
            .label_style(("sans-serif", 18))
            .draw()?;
        for (at, (line, axis)) in lines.iter().zip(&axes).enumerate() {
            let color = Palette99::pick(at).to_rgba();
            let series = line.iter().copied();
            chart
                .draw_series(LineSeries::new(series.clone(), color.stroke_width(2)))?
                .label(axis.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
            chart.draw_series(series.map(|p| Circle::new(p, 3, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .draw()?;
        root.present()?;
        Ok(())
    })
}
