//! `galaxy-io trees`: LHaloTree merger trees with the snapshot list and a SAGE parameter file
//! for them, so that SAGE itself (stock, or built on galaxy-io's writer) runs without the
//! Millennium trees.

use galaxy_io::sage::lhalo::{self, ForestConfig, Forests};
use galaxy_io::staged::Staged;
use galaxy_io::{Error, Result};
use std::path::{Path, PathBuf};

/// The parameter file, beside the trees.
const PARAMETER_FILE: &str = "sage.par";
/// Where the parameter file sends SAGE's galaxies, in the trees' directory.
const OUTPUT_DIR: &str = "output";

#[derive(clap::Args)]
pub struct Args {
    /// The directory to write into (made if missing): tree files `trees_063.<n>`, the snapshot
    /// list `millennium.a_list`, SAGE's parameter file `sage.par` and the `output` directory it
    /// names for SAGE's galaxies.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Tree files (the simulation's `NumSimulationTreeFiles`).
    #[arg(long, value_name = "COUNT", default_value_t = ForestConfig::default().files,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    files: u32,
    /// Trees (forests) in each file.
    #[arg(long, value_name = "COUNT", default_value_t = ForestConfig::default().trees_per_file,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    trees_per_file: u32,
    /// Haloes each tree has at least (its main branch over 64 snapshots, and satellites).
    #[arg(long, value_name = "COUNT", default_value_t = ForestConfig::default().halos_per_tree,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    halos_per_tree: u32,
    /// Seed of the generator: the same options write the same trees.
    #[arg(long, default_value_t = ForestConfig::default().seed)]
    seed: u64,
    /// Replace tree files, snapshot list and parameter file that exist.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    let config = ForestConfig {
        files: args.files,
        trees_per_file: args.trees_per_file,
        halos_per_tree: args.halos_per_tree,
        seed: args.seed,
    };
    std::fs::create_dir_all(&args.dir).map_err(|e| Error::io("creating", &args.dir, e))?;
    // SAGE runs from its own directory: the parameter file names everything absolutely.
    let dir = std::fs::canonicalize(&args.dir).map_err(|e| Error::io("resolving", &args.dir, e))?;
    let output_dir = dir.join(OUTPUT_DIR);

    // Every file is refused before any is written if it exists; each appears complete or not
    // at all.
    let tree_files: Vec<Staged> = (0..config.files)
        .map(|file| Staged::new(dir.join(lhalo::tree_file_name(file)), args.force))
        .collect::<Result<_>>()?;
    let snap_list = Staged::new(dir.join(lhalo::SNAP_LIST), args.force)?;
    let parameter_file = Staged::new(dir.join(PARAMETER_FILE), args.force)?;

    let mut halos = 0;
    for (file, staged) in (0..).zip(&tree_files) {
        halos += lhalo::write_forest_file(staged.path(), &config, file)?;
    }
    let forests = Forests {
        dir: dir.clone(),
        tree_name: lhalo::TREE_NAME.to_owned(),
        snap_list: snap_list.target().to_owned(),
        trees_per_file: vec![config.trees_per_file; config.files as usize],
        halos,
    };
    write(snap_list.path(), &lhalo::snap_list())?;
    let parameters = forests.parameters(&output_dir);
    let text = format!(
        "% SAGE's parameters for the merger trees `galaxy-io trees` wrote beside this file (seed \
         {}); the rest is sage-model's input/millennium.par.\n{parameters}",
        config.seed
    );
    write(parameter_file.path(), &text)?;
    std::fs::create_dir_all(&output_dir).map_err(|e| Error::io("creating", &output_dir, e))?;
    for staged in tree_files {
        staged.commit()?;
    }
    snap_list.commit()?;
    let par = parameter_file.target().to_owned();
    parameter_file.commit()?;

    println!(
        "wrote {} tree file{} of {} trees ({halos} haloes) and the snapshot list into {}",
        config.files,
        if config.files == 1 { "" } else { "s" },
        config.trees_per_file,
        dir.display()
    );
    println!(
        "run SAGE from its directory: ./sage {} (galaxies go to {}/)",
        par.display(),
        output_dir.display()
    );
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io("writing", path, e))
}
