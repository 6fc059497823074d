//! `galaxy-io inspect`: what is in a catalogue, at a glance.

use crate::{plot, report};
use galaxy_io::{Catalogue, Dtype, Error, HeaderGroup, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The HDF5 file (an output or a master file).
    file: PathBuf,
    /// Only this snapshot (default: all).
    #[arg(long)]
    snapshot: Option<u32>,
    /// Fields to summarise with min/median/max (repeatable; default StellarMass and Mvir).
    #[arg(long = "field")]
    fields: Vec<String>,
    /// Draw the stellar mass function of every snapshot into this PNG.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// The file is still being written by a model in SWMR mode: show what it has flushed so far.
    #[arg(long)]
    live: bool,
}

pub fn run(args: Args) -> Result<()> {
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
    println!(
        "{} ({}, {} part{})",
        args.file.display(),
        report::bytes(report::file_size(&args.file)),
        catalogue.parts(),
        if catalogue.parts() == 1 { "" } else { "s" }
    );
    if let Ok(header) = catalogue.header() {
        for (group, name) in [
            (HeaderGroup::Misc, "sage_version"),
            (HeaderGroup::Simulation, "hubble_h"),
            (HeaderGroup::Simulation, "box_size"),
            (HeaderGroup::Runtime, "frac_volume_processed"),
        ] {
            if let Some(value) = header.get(group, name) {
                println!("  {name:<22} {value}");
            }
        }
    }
    let Some(&first) = snapshots.first() else {
        println!("no snapshots");
        return Ok(());
    };

    println!("\n{:>10}  {:>12}", "snapshot", "galaxies");
    for &snapshot in &snapshots {
        println!(
            "{:>10}  {:>12}",
            format!("Snap_{snapshot}"),
            catalogue.num_galaxies(snapshot)?
        );
    }

    let schema = catalogue.schema(first)?;
    println!("\nfields of Snap_{first} ({}):", schema.fields().len());
    println!("  {:<28} {:<5} {:<8} units", "name", "type", "shape");
    for field in schema.fields() {
        println!(
            "  {:<28} {:<5} {:<8} {}",
            field.name,
            field.dtype,
            format!("{:?}", field.shape),
            field.units
        );
    }

    let fields = if args.fields.is_empty() {
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
    for &snapshot in &snapshots {
        for name in &fields {
            let mut values = column_as_f64(&catalogue, snapshot, name)?;
            let stats = min_median_max(&mut values);
            let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.4e}"));
            println!(
                "{:>10}  {:<20} {:>12} {:>12} {:>12}",
                format!("Snap_{snapshot}"),
                name,
                show(stats.map(|s| s.0)),
                show(stats.map(|s| s.1)),
                show(stats.map(|s| s.2))
            );
        }
    }

    if let Some(path) = &args.plot {
        plot::stellar_mass_functions(&catalogue, &snapshots, path)?;
        println!("\nstellar mass functions drawn to {}", path.display());
    }
    Ok(())
}

/// Any numeric column as `f64` (array fields flattened).
pub fn column_as_f64(catalogue: &Catalogue, snapshot: u32, name: &str) -> Result<Vec<f64>> {
    let schema = catalogue.schema(snapshot)?;
    let field = schema.field(name).ok_or_else(|| Error::SchemaMismatch {
        path: PathBuf::new(),
        snapshot,
        field: name.to_owned(),
        problem: "is not in the file".into(),
    })?;
    let single = galaxy_io::Schema::new(
        vec![galaxy_io::Field {
            offset: 0,
            ..field.clone()
        }],
        field.size(),
    )?;
    let bytes = catalogue.read_rows(snapshot, &single)?;
    macro_rules! convert {
        ($ty:ty) => {
            bytemuck::pod_collect_to_vec::<u8, $ty>(&bytes)
                .into_iter()
                .map(|v| v as f64)
                .collect()
        };
    }
    Ok(match field.dtype {
        Dtype::I8 => convert!(i8),
        Dtype::I16 => convert!(i16),
        Dtype::I32 => convert!(i32),
        Dtype::I64 => convert!(i64),
        Dtype::U8 => convert!(u8),
        Dtype::U16 => convert!(u16),
        Dtype::U32 => convert!(u32),
        Dtype::U64 => convert!(u64),
        Dtype::F32 => convert!(f32),
        Dtype::F64 => convert!(f64),
    })
}

/// Min, median and max of the finite values, if any.
fn min_median_max(values: &mut Vec<f64>) -> Option<(f64, f64, f64)> {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    Some((
        values[0],
        values[values.len() / 2],
        values[values.len() - 1],
    ))
}
