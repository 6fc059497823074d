//! A model run over MPI: the merger trees are shared out among the ranks, each rank writes its
//! trees' galaxies to a file of its own through galaxy-io, and rank 0 writes the master that
//! reads as one catalogue. Needs the `mpi` feature and an MPI library:
//!
//! ```text
//! cargo build --release --features mpi --example mpi_model
//! mpirun -np 4 target/release/examples/mpi_model [out/model.hdf5] [trees]
//! ```
//!
//! Each tree's galaxies depend on the tree only, not on the rank that models it, so any number
//! of ranks writes the same catalogue (in tree order, ranks taking consecutive blocks).

use galaxy_io::mpi::rsmpi::traits::*;
use galaxy_io::mpi::{rsmpi, MpiOutput};
use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{Catalogue, Cosmology, Hdf5Options, Header, MasterOptions};
use std::path::PathBuf;

const SNAPSHOTS: [u32; 2] = [63, 32];
const BOX_SIZE: f32 = 62.5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let universe = rsmpi::initialize().ok_or("MPI was already initialised")?;
    let world = universe.world();
    let (rank, ranks) = (world.rank() as usize, world.size() as usize);
    let mut args = std::env::args().skip(1);
    let catalogue = PathBuf::from(args.next().unwrap_or_else(|| "mpi_out/model.hdf5".into()));
    let trees: usize = match args.next() {
        Some(trees) => trees.parse()?,
        None => 1000,
    };
    if rank == 0 {
        if let Some(dir) = catalogue.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
    }
    world.barrier();

    // Consecutive blocks of trees: rank r models trees [r * trees / ranks, (r + 1) * ...).
    let mine = rank * trees / ranks..(rank + 1) * trees / ranks;
    // Run again, a run replaces its own files.
    let options = Hdf5Options::default()
        .header(Header::with_cosmology(&Cosmology::MINI_MILLENNIUM))
        .replace(true);
    let mut output = MpiOutput::<SageGalaxy, _>::create(&world, &catalogue, &SNAPSHOTS, options)?
        .master_options(MasterOptions::default().replace(true));
    for (local, tree) in mine.clone().enumerate() {
        let mut model = Synthetic::new(tree as u64, BOX_SIZE);
        for snapshot in SNAPSHOTS {
            let galaxies = model.tree(snapshot, tree as i32);
            output.write_tree(snapshot, local, &galaxies)?;
        }
    }
    let summary = output.finish()?;

    // Every rank returns once the master exists: each can read the whole catalogue.
    let whole = Catalogue::open(&summary.master)?;
    let total: u64 = SNAPSHOTS
        .iter()
        .map(|&s| whole.num_galaxies(s))
        .sum::<galaxy_io::Result<u64>>()?;
    assert_eq!(total, summary.galaxies);
    if rank == 0 {
        println!(
            "{} ranks wrote {} galaxies of {trees} trees; {} reads them as one catalogue",
            summary.ranks,
            summary.galaxies,
            summary.master.display()
        );
    }
    Ok(())
}
