//! `galaxy-io check`: whether catalogues are complete. A master's virtual datasets read a
//! missing or short source file as fill values without a word; this refuses such a master,
//! naming the file, and with `--read-all` reads every row of every file.

use galaxy_io::{check_master, Catalogue, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Outputs or master files to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Also read every row of every field (through the virtual datasets, for a master).
    #[arg(long)]
    read_all: bool,
}

pub fn run(args: Args) -> Result<()> {
    for file in &args.files {
        let sources = check_master(file)?;
        let catalogue = Catalogue::open(file)?;
        let galaxies = if args.read_all {
            catalogue.verify()?
        } else {
            let mut total = 0;
            for snapshot in catalogue.snapshots()? {
                total += catalogue.num_galaxies(snapshot)?;
            }
            total
        };
        let read = if args.read_all { ", all read" } else { "" };
        if sources.datasets == 0 {
            println!("{}: complete, {galaxies} galaxies{read}", file.display());
        } else {
            println!(
                "{}: complete, {galaxies} galaxies{read}; {} virtual datasets map {} source files \
                 ({} mappings), all present with their rows",
                file.display(),
                sources.datasets,
                sources.files,
                sources.mappings
            );
        }
    }
    Ok(())
}
