//! `galaxy-io recover`: repair a file whose writer died.

use galaxy_io::{recover, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The HDF5 file a crashed (or killed, or out-of-disk) writer left behind.
    file: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let report = recover(&args.file)?;
    println!("recovered {}", args.file.display());
    println!("{:>10}  {:>12}  {:>14}", "snapshot", "galaxies", "rows cut");
    for snapshot in report {
        println!(
            "{:>10}  {:>12}  {:>14}",
            format!("Snap_{}", snapshot.snapshot),
            snapshot.rows,
            snapshot.dropped
        );
    }
    Ok(())
}
