//! `galaxy-io inspect`: what is in a catalogue, at a glance. Whatever part of a file cannot be
//! read is shown as "(unreadable: why)" and the rest is still shown; the command then fails.

use crate::stats::{self, Summary};
use crate::{plot, report};
use galaxy_io::staged::Staged;
use galaxy_io::{Catalogue, Error, Field, HeaderGroup, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The HDF5 file (an output or a master file).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Only this snapshot (default: all).
    #[arg(long, value_name = "N")]
    snapshot: Option<u32>,
    /// Only these fields, in the field table and the statistics (repeatable; the statistics
    /// default to StellarMass and Mvir).
    #[arg(long = "field", value_name = "NAME")]
    fields: Vec<String>,
    /// Draw the mass function of every snapshot into this PNG (checked before anything is
    /// printed).
    #[arg(long, value_name = "PNG")]
    plot: Option<PathBuf>,
    /// The field whose mass function --plot draws (Mvir gives the halo mass function).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "StellarMass",
        requires = "plot"
    )]
    plot_field: String,
    /// Replace the --plot file if it exists.
    #[arg(long)]
    force: bool,
    /// The file is still being written by a model in SWMR mode: show what it has flushed so far.
    #[arg(long)]
    live: bool,
}

const COSMOLOGY: [&str; 5] = [
    "hubble_h",
    "box_size",
    "omega_matter",
    "omega_lambda",
    "particle_mass",
];

pub fn run(args: Args) -> Result<()> {
    // A plot that cannot be written fails now, not after the whole report.
    let plot = args
        .plot
        .as_ref()
        .map(|path| Staged::new(path, args.force))
        .transpose()?;
    let catalogue = if args.live {
        Catalogue::open_live(&args.file)?
    } else {
        Catalogue::open(&args.file)?
    };
    let snapshots = match args.snapshot {
        Some(snapshot) => {
            catalogue.num_galaxies(snapshot)?;
            vec![snapshot]
        }
        None => catalogue.snapshots()?,
    };
    let mut problems = 0;
    println!(
        "{} ({}, {} part{})",
        args.file.display(),
        report::bytes(report::file_size(&args.file)),
        catalogue.parts(),
        if catalogue.parts() == 1 { "" } else { "s" }
    );
    match catalogue.header() {
        Ok(header) => {
            let show = |group, name: &str| {
                if let Some(value) = header.get(group, name) {
                    println!("  {name:<22} {value}");
                }
            };
            show(HeaderGroup::Misc, "sage_version");
            show(HeaderGroup::Misc, "num_cores");
            for name in COSMOLOGY {
                show(HeaderGroup::Simulation, name);
            }
            show(HeaderGroup::Runtime, "frac_volume_processed");
            for (path, why) in header.unreadable() {
                problems += 1;
                println!("  {path:<22} (unreadable: {why})");
            }
        }
        Err(error) => {
            problems += 1;
            println!("  header (unreadable: {error})");
        }
    }
    if snapshots.is_empty() {
        println!("no snapshots");
        return finish(problems, &args);
    }

    println!(
        "\n{:>10}  {:>12}  {:>9}",
        "snapshot", "galaxies", "redshift"
    );
    let mut readable = Vec::new();
    for &snapshot in &snapshots {
        let redshift = catalogue
            .redshift(snapshot)
            .ok()
            .flatten()
            .map_or_else(|| "-".to_owned(), |z| format!("{z:.3}"));
        match catalogue.num_galaxies(snapshot) {
            Ok(galaxies) => {
                println!(
                    "{:>10}  {galaxies:>12}  {redshift:>9}",
                    format!("Snap_{snapshot}")
                );
                readable.push(snapshot);
            }
            Err(error) => {
                problems += 1;
                println!("{:>10}  (unreadable: {error})", format!("Snap_{snapshot}"));
            }
        }
    }
    let Some(&first) = readable.first() else {
        return finish(problems, &args);
    };

    let schema = match catalogue.schema(first) {
        Ok(schema) => schema,
        Err(error) => {
            println!("\nfields of Snap_{first} (unreadable: {error})");
            return finish(problems + 1, &args);
        }
    };
    let plotted = plot.as_ref().map(|_| &args.plot_field);
    for name in args.fields.iter().chain(plotted) {
        if schema.field(name).is_none() {
            return Err(unknown_field(&catalogue, first, name, schema.fields()));
        }
    }
    let shown: Vec<&Field> = schema
        .fields()
        .iter()
        .filter(|f| args.fields.is_empty() || args.fields.contains(&f.name))
        .collect();
    println!(
        "\nfields of Snap_{first} ({} of {}):",
        shown.len(),
        schema.fields().len()
    );
    println!(
        "  {:<28} {:<5} {:<8} {:<16} machine-readable units",
        "name", "type", "shape", "Units"
    );
    let attributes = catalogue.field_attributes(first)?;
    for field in shown {
        let found = attributes.iter().find(|a| a.field == field.name);
        let units = match found.map(|a| a.text("Units")) {
            Some(Ok(units)) => units.unwrap_or_default().to_owned(),
            Some(Err(why)) => {
                problems += 1;
                format!("(unreadable: {why})")
            }
            None => String::new(),
        };
        let parsed = match catalogue.field_unit(first, &field.name) {
            Ok(Some(unit)) => format!("{unit}  [x {:.4e} to CGS]", unit.cgs_factor()),
            Ok(None) => "-".to_owned(),
            Err(error) => {
                problems += 1;
                // The row already names the field.
                match error {
                    Error::SchemaMismatch { problem, .. } => format!("(unreadable: {problem})"),
                    other => format!("(unreadable: {other})"),
                }
            }
        };
        println!(
            "  {:<28} {:<5} {:<8} {units:<16} {parsed}",
            field.name,
            field.dtype,
            format!("{:?}", field.shape),
        );
    }

    let fields: Vec<String> = if args.fields.is_empty() {
        ["StellarMass", "Mvir"]
            .into_iter()
            .filter(|name| schema.field(name).is_some())
            .map(str::to_owned)
            .collect()
    } else {
        args.fields.clone()
    };
    if !fields.is_empty() {
        println!(
            "\n{:>10}  {:<20} {:>12} {:>12} {:>12}",
            "snapshot", "field", "min", "median", "max"
        );
    }
    for &snapshot in &readable {
        let present = catalogue.schema(snapshot);
        for name in &fields {
            let integer = schema.field(name).is_some_and(|f| f.dtype.is_integer());
            if present.as_ref().is_ok_and(|s| s.field(name).is_none()) {
                println!(
                    "{:>10}  {name:<20} (not in this snapshot)",
                    format!("Snap_{snapshot}")
                );
                continue;
            }
            let line = match stats::summarise(&catalogue, snapshot, name) {
                Ok(Some(summary)) => statistics(&summary, integer),
                Ok(None) => format!("{:>12} {:>12} {:>12}", "-", "-", "-"),
                Err(error) => {
                    problems += 1;
                    format!("(unreadable: {error})")
                }
            };
            println!("{:>10}  {name:<20} {line}", format!("Snap_{snapshot}"));
        }
    }

    if let Some(plot) = plot {
        plot::mass_functions(&catalogue, &readable, &args.plot_field, plot.path())?;
        let target = plot.target().to_owned();
        plot.commit()?;
        println!(
            "\nmass functions of {} drawn to {}",
            args.plot_field,
            target.display()
        );
    }
    finish(problems, &args)
}

fn finish(problems: usize, args: &Args) -> Result<()> {
    if problems == 0 {
        return Ok(());
    }
    Err(Error::BadFile {
        path: args.file.clone(),
        problem: format!(
            "{problems} part{} of the file could not be read (shown above)",
            if problems == 1 { "" } else { "s" }
        ),
    })
}

fn statistics(summary: &Summary, integer: bool) -> String {
    let show = |v: f64| {
        if integer {
            format!("{}", v as i64)
        } else {
            format!("{v:.4e}")
        }
    };
    format!(
        "{:>12} {:>12} {:>12}",
        show(summary.min),
        show(summary.median),
        show(summary.max)
    )
}

/// An unknown field, with the closest names the snapshot has.
fn unknown_field(catalogue: &Catalogue, snapshot: u32, name: &str, fields: &[Field]) -> Error {
    let wanted = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = fields
        .iter()
        .map(|f| {
            let distance = strsim::levenshtein(&wanted, &f.name.to_lowercase());
            (distance, f.name.as_str())
        })
        .collect();
    scored.sort();
    let close: Vec<&str> = scored
        .iter()
        .take(3)
        .filter(|(d, _)| *d <= wanted.len().max(3) / 2 + 1)
        .map(|(_, n)| *n)
        .collect();
    let hint = if close.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", close.join(", "))
    };
    Error::SchemaMismatch {
        path: catalogue.path().to_owned(),
        snapshot,
        field: name.to_owned(),
        problem: format!("is not in the file{hint}"),
    }
}
