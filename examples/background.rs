//! A model whose computing and output overlap: `cargo run --release --example background`.
//!
//! With `Hdf5Options::background(true)` the same output type hands its buffers to a thread of
//! its own, which transposes them into columns and writes them, while the model goes on to the
//! next tree. The methods do not change; an error on the writer thread comes back from the next
//! call. The example runs the same model both ways and prints the times.

use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{BufferConfig, Catalogue, Hdf5Options, Hdf5Output};
use std::path::Path;
use std::time::{Duration, Instant};

const SNAPSHOTS: [u32; 4] = [63, 37, 32, 27];
const TREES: i32 = 20_000;

/// A stand-in for a model's physics: gas cooling onto the disc in small time steps,
/// about as much work per galaxy as writing it takes.
fn physics(galaxy: &mut SageGalaxy) {
    let (mut hot, mut cold) = (galaxy.hot_gas.max(0.0), galaxy.cold_gas.max(0.0));
    for _ in 0..40 {
        let cooled = 1e-4 * hot / (1.0 + cold);
        hot -= cooled;
        cold += cooled;
    }
    galaxy.hot_gas = hot;
    galaxy.cold_gas = cold;
}

/// Runs the stand-in model, writing through an output made with `options` (or, without, only
/// computing).
fn time_model(path: &Path, options: Option<Hdf5Options>) -> Result<Duration, galaxy_io::Error> {
    let started = Instant::now();
    let mut model = Synthetic::new(42, 62.5);
    let mut output = options
        .map(|options| Hdf5Output::<SageGalaxy>::create(path, &SNAPSHOTS, options))
        .transpose()?;
    for tree in 0..TREES {
        for &snapshot in &SNAPSHOTS {
            let mut galaxies = model.tree(snapshot, tree);
            galaxies.iter_mut().for_each(physics);
            match &mut output {
                Some(output) => output.write_tree(snapshot, tree as usize, &galaxies)?,
                None => drop(std::hint::black_box(galaxies)),
            }
        }
    }
    if let Some(output) = output {
        output.finish()?;
    }
    Ok(started.elapsed())
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
    let dir = tempfile::tempdir()?;
    let buffer = BufferConfig::from_megabytes(1, 8)?;
    let options = || Hdf5Options::default().buffer(buffer).trees(TREES as usize);
    let model_alone = time_model(&dir.path().join("none.hdf5"), None)?;
    let direct = time_model(&dir.path().join("direct.hdf5"), Some(options()))?;
    let background = time_model(
        &dir.path().join("background.hdf5"),
        Some(options().background(true)),
    )?;

    let a = Catalogue::open(dir.path().join("direct.hdf5"))?;
    let b = Catalogue::open(dir.path().join("background.hdf5"))?;
    let mut galaxies = 0;
    for snapshot in SNAPSHOTS {
        let records = b.read_records::<SageGalaxy>(snapshot)?;
        assert_eq!(a.read_records::<SageGalaxy>(snapshot)?, records);
        galaxies += records.len();
    }
    println!("{galaxies} galaxies, identical files");
    println!("model alone: {:.3} s", model_alone.as_secs_f64());
    println!("direct:     {:.3} s", direct.as_secs_f64());
    println!("background: {:.3} s", background.as_secs_f64());
    Ok(())
}
