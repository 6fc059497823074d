//! Reading a catalogue back: `cargo run --example read_back [catalogue.hdf5]`.
//!
//! Give it any galaxy-io or SAGE HDF5 output (or a master file); without one it writes a small
//! SAGE-like catalogue first. Every read is checked: a column asked for as `f32` that the file
//! stores as `f64` is an error naming the file, snapshot and field, not a reinterpretation.

use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{Catalogue, Cosmology, Dtype, Hdf5Options, Hdf5Output, Header};
use std::path::{Path, PathBuf};

/// A small catalogue of SAGE's record at three snapshots, to read when no file is given.
fn write_example(path: &Path) -> galaxy_io::Result<()> {
    let mut header = Header::with_cosmology(&Cosmology::MINI_MILLENNIUM);
    header.snapshot_redshifts = galaxy_io::sage::millennium_redshifts();
    let snapshots = [63, 37, 32];
    let mut output =
        Hdf5Output::<SageGalaxy>::create(path, &snapshots, Hdf5Options::default().header(header))?;
    let mut model = Synthetic::new(7, 62.5);
    for snapshot in snapshots {
        output.write(snapshot, &model.galaxies(snapshot, 0, 5000).0)?;
    }
    output.finish().map(drop)
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let path = match std::env::args_os().nth(1) {
        Some(path) => PathBuf::from(path),
        None => {
            let path = scratch.path().join("model_0.hdf5");
            write_example(&path)?;
            path
        }
    };
    let catalogue = Catalogue::open(&path)?;
    let header = catalogue.header()?;
    match header.cosmology() {
        Some(cosmology) => println!(
            "{}: {} part(s), box {} Mpc/h, h = {}, Omega_m = {}",
            path.display(),
            catalogue.parts(),
            cosmology.box_size,
            cosmology.hubble_h,
            cosmology.omega_matter
        ),
        None => println!("{}: no cosmology in the header", path.display()),
    }

    for snapshot in catalogue.snapshots()? {
        let galaxies = catalogue.num_galaxies(snapshot)?;
        let redshift = catalogue.redshift(snapshot)?.unwrap_or(f64::NAN);
        println!("Snap_{snapshot}: z = {redshift:.3}, {galaxies} galaxies");
    }
    let Some(&last) = catalogue.snapshots()?.last() else {
        return Ok(());
    };

    // What the file says each field is: element type, shape and units, from the file itself.
    let schema = catalogue.schema(last)?;
    for field in schema.fields().iter().take(5) {
        println!(
            "  {:<16} {:?}{:?} [{}] {}",
            field.name, field.dtype, field.shape, field.units, field.description
        );
    }
    println!("  ... {} fields in all", schema.fields().len());

    // A typed column: checked against the file's element type and shape.
    if schema.field("StellarMass").map(|f| f.dtype) == Some(Dtype::F32) {
        let mass = catalogue.read_column::<f32>(last, "StellarMass")?;
        let massive = mass.iter().filter(|&&m| m > 1.0).count();
        println!("Snap_{last}: {massive} galaxies above 1e10 Msun/h in stars");
        let wrong = catalogue
            .read_column::<f64>(last, "StellarMass")
            .unwrap_err();
        println!("asking for the wrong type: {wrong}");
    }

    // A column too large for memory can be walked in slabs of rows, untyped.
    let first = &schema.fields()[0];
    let rows = catalogue.num_galaxies(last)?;
    let mut seen = 0;
    for start in (0..rows).step_by(2000) {
        let (field, bytes) =
            catalogue.read_field_rows(last, &first.name, start..rows.min(start + 2000))?;
        seen += bytes.len() / field.size();
    }
    println!("{}: {seen} rows read in slabs of 2000", first.name);

    // Whole records, when the file holds every field of the record type.
    match catalogue.read_records::<SageGalaxy>(last) {
        Ok(records) => println!(
            "{} SAGE records; first has Mvir {}",
            records.len(),
            records.first().map_or(0.0, |g| g.mvir)
        ),
        Err(why) => println!("not SAGE's record: {why}"),
    }
    Ok(())
}
