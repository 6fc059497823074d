//! `galaxy-io merge`: a master file over several outputs.

use galaxy_io::{write_master, Catalogue, MasterOptions, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Output files to link, in `Core_<i>` order.
    #[arg(required = true, value_name = "FILE")]
    outputs: Vec<PathBuf>,
    /// The master file to write (never one of the outputs).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Replace the master file if it exists.
    #[arg(long)]
    force: bool,
    /// Link outputs whose volume fractions add up to more than 1, or that processed the same
    /// tree files (their galaxies are then counted twice).
    #[arg(long)]
    allow_overlap: bool,
}

pub fn run(args: Args) -> Result<()> {
    let options = MasterOptions::default()
        .replace(args.force)
        .allow_overlap(args.allow_overlap);
    write_master(&args.output, &args.outputs, &options)?;
    let catalogue = Catalogue::open(&args.output)?;
    println!(
        "wrote {} linking {} outputs",
        args.output.display(),
        catalogue.parts()
    );
    for snapshot in catalogue.snapshots()? {
        println!(
            "{:>10}  {:>12}",
            format!("Snap_{snapshot}"),
            catalogue.num_galaxies(snapshot)?
        );
    }
    Ok(())
}
