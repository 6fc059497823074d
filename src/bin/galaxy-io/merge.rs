//! `galaxy-io merge`: a master file over several outputs.

use galaxy_io::{write_master, Catalogue, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Output files to link, in `Core_<i>` order.
    #[arg(required = true)]
    outputs: Vec<PathBuf>,
    /// The master file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Replace the master file if it exists.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    write_master(&args.output, &args.outputs, args.force)?;
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
