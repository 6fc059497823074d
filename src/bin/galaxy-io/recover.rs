//! `galaxy-io recover`: repair a file whose writer died.

use galaxy_io::{recover_with, RecoverOptions, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The HDF5 file a crashed (or killed, or out-of-disk) writer left behind.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Recover even though a running galaxy-io writer still holds the file (only for a writer
    /// that is stuck: what it writes afterwards is lost).
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    let options = RecoverOptions::default().even_if_a_writer_is_running(args.force);
    let recovery = recover_with(&args.file, &options)?;
    if recovery.repaired() {
        println!("recovered {}", args.file.display());
        for repair in &recovery.repairs {
            println!("  {repair}");
        }
    } else {
        println!(
            "nothing to recover: {} is consistent and was not changed",
            args.file.display()
        );
    }
    println!("{:>10}  {:>12}  {:>14}", "snapshot", "galaxies", "rows cut");
    for snapshot in recovery.snapshots {
        println!(
            "{:>10}  {:>12}  {:>14}",
            format!("Snap_{}", snapshot.snapshot),
            snapshot.rows,
            snapshot.dropped
        );
    }
    Ok(())
}
