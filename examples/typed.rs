//! Writes a catalogue of a record type of your own, tree by tree, the way a semi-analytic
//! model does: `cargo run --example typed [output.hdf5]`.
//!
//! The derive turns the struct into one dataset per field in each `Snap_<N>` group, with the
//! units and descriptions given here; the header carries the simulation's cosmology and the
//! redshift of every snapshot, as SAGE's files do.

use galaxy_io::{Catalogue, Cosmology, Durability, GalaxyRecord, Hdf5Options, Hdf5Output, Header};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, Default, PartialEq, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    /// Galaxy type: 0 central, 1 satellite, 2 orphan.
    #[galaxy(name = "Type")]
    kind: i32,
    /// The tree this galaxy grew in.
    #[galaxy(name = "SAGETreeIndex")]
    tree: i32,
    /// Mass of stars.
    #[galaxy(name = "StellarMass", units = "1.0e10 Msun/h")]
    stellar_mass: f32,
    /// Cold gas mass.
    #[galaxy(name = "ColdGas", units = "1.0e10 Msun/h")]
    cold_gas: f32,
    /// Comoving position, one dataset per axis as SAGE writes vectors.
    #[galaxy(split = ["Posx", "Posy", "Posz"], units = "Mpc/h")]
    pos: [f32; 3],
    /// Stellar mass in each of four age bins.
    #[galaxy(name = "SfhBins", units = "1.0e10 Msun/h")]
    star_formation_history: [f32; 4],
}

/// The galaxies of one tree at one snapshot: a stand-in for a model's physics.
fn evolve(tree: usize, snapshot: u32) -> Vec<Galaxy> {
    let count = 1 + (tree * 7 + snapshot as usize) % 5;
    (0..count)
        .map(|i| {
            let mass = (tree + 1) as f32 * 0.01 * snapshot as f32 / (1 + i) as f32;
            Galaxy {
                kind: i32::from(i > 0),
                tree: tree as i32,
                stellar_mass: mass,
                cold_gas: 0.3 * mass,
                pos: [tree as f32 % 62.5, i as f32, snapshot as f32 * 0.5],
                star_formation_history: [mass * 0.1, mass * 0.2, mass * 0.3, mass * 0.4],
            }
        })
        .collect()
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
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(|| scratch.path().join("model_0.hdf5"), PathBuf::from);
    let snapshots = [63, 37, 32, 27, 23, 20, 18, 16];
    let trees = 1000;

    let mut header = Header::with_cosmology(&Cosmology::MINI_MILLENNIUM);
    header.snapshot_redshifts = galaxy_io::sage::millennium_redshifts();
    // Swmr: every flush is durable and readers may follow the file while it grows.
    let options = Hdf5Options::default()
        .header(header)
        .durability(Durability::Swmr)
        .trees(trees);
    let mut output = Hdf5Output::<Galaxy>::create(&path, &snapshots, options)?;
    for tree in 0..trees {
        for &snapshot in &snapshots {
            output.write_tree(snapshot, tree, &evolve(tree, snapshot))?;
        }
    }
    // A flush makes everything written so far durable (finish would too); stats count it.
    output.flush()?;
    let in_file: u64 = output.stats().iter().map(|s| s.galaxies_written).sum();
    println!(
        "{in_file} galaxies flushed over {} snapshots",
        snapshots.len()
    );
    let summary = output.finish()?;
    println!("wrote {}", summary.path.display());

    let catalogue = Catalogue::open(&path)?;
    let galaxies = catalogue.read_records::<Galaxy>(63)?;
    let expected: Vec<Galaxy> = (0..trees).flat_map(|tree| evolve(tree, 63)).collect();
    assert_eq!(galaxies, expected, "the file gives back what was written");
    let per_tree = catalogue.galaxies_per_tree(63)?.unwrap_or_default();
    println!(
        "Snap_63 at z = {:.3}: {} galaxies in {} trees; first tree has {}",
        catalogue.redshift(63)?.unwrap_or(f64::NAN),
        galaxies.len(),
        per_tree.len(),
        per_tree.first().copied().unwrap_or(0)
    );
    Ok(())
}
