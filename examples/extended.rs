//! Properties chosen at run time (say, from a parameter file) written in the same rows as a
//! static record: `cargo run --example extended [output.hdf5]`.
//!
//! The registry fixes the row layout before the output starts; each `write` hands a closure
//! the row of every galaxy to set its extended values, and values not set keep the fill value
//! given at registration. In the file, extended properties are datasets like any other.

use galaxy_io::extended::{ExtendedOutput, NoRecord, PropertyRegistry, PropertySpec};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{Catalogue, Hdf5Options};
use std::path::PathBuf;

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
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(|| scratch.path().join("model_0.hdf5"), PathBuf::from);

    // SAGE's own record plus what this run's physics adds.
    let registry = PropertyRegistry::for_record::<SageGalaxy>()?;
    let h2 = registry.register::<f32>(
        PropertySpec::new("H2Mass", "1.0e10 Msun/h", "Molecular gas mass"),
        -1.0,
    )?;
    let metals = registry.register::<[f32; 3]>(
        PropertySpec::new(
            "ColdGasElements",
            "1.0e10 Msun/h",
            "C, O and Fe in the cold gas",
        ),
        [0.0; 3],
    )?;
    let mut output =
        ExtendedOutput::<SageGalaxy>::create(&path, &[63], Hdf5Options::default(), &registry)?;
    let galaxies: Vec<SageGalaxy> = (0..10_000)
        .map(|i| SageGalaxy {
            galaxy_index: i,
            cold_gas: 0.01 * i as f32,
            ..SageGalaxy::default()
        })
        .collect();
    output.write(63, &galaxies, |i, row| {
        let gas = galaxies[i].cold_gas;
        row.set(metals, [0.003 * gas, 0.006 * gas, 0.001 * gas])?;
        // Only galaxies with gas get a molecular fraction; the rest keep the fill, -1.
        if gas > 0.0 {
            row.set(h2, 0.4 * gas)?;
        }
        Ok(())
    })?;
    output.finish()?;

    let catalogue = Catalogue::open(&path)?;
    let h2_mass = catalogue.read_column::<f32>(63, "H2Mass")?;
    let elements = catalogue.read_column::<[f32; 3]>(63, "ColdGasElements")?;
    println!(
        "{}: {} galaxies; H2Mass of the first three {:?}; their C, O, Fe {:?}",
        path.display(),
        h2_mass.len(),
        &h2_mass[..3],
        &elements[..3]
    );
    assert_eq!(h2_mass[0], -1.0, "no gas: the fill value");
    assert_eq!(catalogue.read_records::<SageGalaxy>(63)?, galaxies);

    // No static record at all: every column registered at run time.
    let runtime = PropertyRegistry::runtime();
    let mvir = runtime.register::<f64>(PropertySpec::new("Mvir", "1.0e10 Msun/h", ""), 0.0)?;
    let alone = path.with_file_name("runtime_only.hdf5");
    let mut output =
        ExtendedOutput::<NoRecord>::create(&alone, &[63], Hdf5Options::default(), &runtime)?;
    output.write(63, &NoRecord::rows(4), |i, row| {
        row.set(mvir, 10.0 * i as f64)
    })?;
    output.finish()?;
    let schema = Catalogue::open(&alone)?.schema(63)?;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name.as_str()).collect();
    println!("{}: fields {names:?}", alone.display());
    Ok(())
}
